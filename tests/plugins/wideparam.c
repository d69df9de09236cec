/*
 * A plugin whose parameter elements are LARGER than this lathe's
 * lathe_param_spec, as a plugin of a future minor that appended fields to
 * it would be: lathe must step through the array by the declared
 * sizeof_param and read all four parameters correctly.
 */
#define TP_NAME "wideparam"
#define TP_FIT_BODY
#define TP_LOG_PARAMS
#include <lathe_plugin.h>

/* the 1.x fields, then fields "a future minor appended" */
struct wide_param_spec {
	struct lathe_param_spec	 s;
	const char		*unit;
	double			 step[3];
};

static const char *const wide_modes[] = { "fast", "exact", "lazy", NULL };
static const struct wide_param_spec wide_params[] = {
	{ { .name = "alpha", .type = LATHE_PARAM_REAL, .help = "a positive real", .def = 0.5,
	    .min = 0, .has_min = 1, .exclusive_min = 1, .log_scale = 1 }, "units", { 1, 2, 3 } },
	{ { .name = "depth", .type = LATHE_PARAM_INT, .help = "an integer from 1 to 50", .def = 3,
	    .min = 1, .max = 50, .has_min = 1, .has_max = 1 }, "levels", { 4, 5, 6 } },
	{ { .name = "mode", .type = LATHE_PARAM_CHOICE, .help = "a choice", .choices = wide_modes,
	    .def_choice = "exact" }, "", { 7, 8, 9 } },
	{ { .name = "shuffle", .type = LATHE_PARAM_BOOL, .help = "a flag", .def = 1 }, "",
	  { 10, 11, 12 } },
};
#define TP_PARAMS wide_params
#define TP_NPARAMS 4
#define TP_SIZEOF_PARAM sizeof(struct wide_param_spec)
#include "testplug.h"
