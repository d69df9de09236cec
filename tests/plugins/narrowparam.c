/*
 * Declares a parameter element smaller than ABI 1.0's lathe_param_spec:
 * refused by the loader, naming the field and both sizes.
 */
#define TP_NAME "narrowparam"
#define TP_FIT_BODY
#include <lathe_plugin.h>

static const struct lathe_param_spec narrow_params[] = {
	{ .name = "depth", .type = LATHE_PARAM_INT, .help = "an integer", .def = 3 },
};
#define TP_PARAMS narrow_params
#define TP_NPARAMS 1
#define TP_SIZEOF_PARAM (sizeof(struct lathe_param_spec) - 8)
#include "testplug.h"
