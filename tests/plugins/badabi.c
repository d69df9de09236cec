/* Built for a plugin ABI from the future: refused, both versions named. */
#define TP_NAME "badabi"
#define TP_ABI_MAJOR 99
#define TP_FIT_BODY
#include "testplug.h"
