/* Dies of SIGSEGV in fit: the run must be marked failed, nothing else hurt. */
#define TP_NAME "crash"
#define TP_FIT_BODY { volatile int *p = (int *)(uintptr_t)16; *p = 1; (void)m; }
#include "testplug.h"
