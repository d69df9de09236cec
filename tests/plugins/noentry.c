/* Exports no lathe_plugin_entry: refused as not a plugin. */
#define TP_NAME "noentry"
#define TP_NO_ENTRY
#define TP_FIT_BODY
#include "testplug.h"
