/*
 * A plugin as a third party built it against plugin ABI 1.0 (compile with
 * -Itests/plugins/abi_1_0, the frozen 1.0 header): its descriptor has no
 * sizeof_param, and its parameter array has the 1.0 element size.  Every
 * later 1.x lathe must load it and read all four parameters correctly.
 */
#define TP_NAME "abi10"
#define TP_FIT_BODY
#define TP_LOG_PARAMS
#include <lathe_plugin.h>

#if LATHE_PLUGIN_ABI_MAJOR != 1 || LATHE_PLUGIN_ABI_MINOR != 0
#error "build abi10.c against tests/plugins/abi_1_0/lathe_plugin.h"
#endif

static const char *const abi10_modes[] = { "fast", "exact", "lazy", NULL };
static const struct lathe_param_spec abi10_params[] = {
	{ .name = "alpha", .type = LATHE_PARAM_REAL, .help = "a positive real", .def = 0.5,
	  .min = 0, .has_min = 1, .exclusive_min = 1, .log_scale = 1 },
	{ .name = "depth", .type = LATHE_PARAM_INT, .help = "an integer from 1 to 50", .def = 3,
	  .min = 1, .max = 50, .has_min = 1, .has_max = 1 },
	{ .name = "mode", .type = LATHE_PARAM_CHOICE, .help = "a choice", .choices = abi10_modes,
	  .def_choice = "exact" },
	{ .name = "shuffle", .type = LATHE_PARAM_BOOL, .help = "a flag", .def = 1 },
};
#define TP_PARAMS abi10_params
#define TP_NPARAMS 4
#include "testplug.h"
