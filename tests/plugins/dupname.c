/* Claims the built-in name "meanreg" a second time: refused as a duplicate. */
#define TP_NAME "meanreg"
#define TP_FIT_BODY
#include "testplug.h"
