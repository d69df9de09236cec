/*
 * testplug.h — a minimal lathe plugin skeleton for the isolation and
 * loader tests.  Each test plugin defines TP_NAME, TP_FIT_BODY (statements
 * run inside fit, with `m`, `data`, `host` in scope) and optionally
 * TP_ABI_MAJOR / TP_NO_ENTRY, then includes this file.  Built by
 * tests/e2e/train_isolation.sh against the INSTALLED header, like a third
 * party's plugin.
 *
 * A plugin with its own parameter table defines TP_PARAMS (the array, of
 * any element type that begins like lathe_param_spec), TP_NPARAMS and, from
 * ABI 1.1 on, TP_SIZEOF_PARAM (its element size).  With TP_LOG_PARAMS, fit
 * logs the values create() received: "<name> params: v1 v2 ...".
 *
 * A test that must act once the fit has begun (cancel it, kill it) sets
 * TP_FIT_MARK to a path: fit creates that file first, and the test waits
 * for it instead of sleeping a guessed time.  One that must act before
 * the fit's result is recorded (take the project's lock, fill the disk)
 * sets TP_FIT_GATE to a path: after its body, fit waits (at most 60 s)
 * until that file exists.
 */
#include <lathe_plugin.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

#ifndef TP_ABI_MAJOR
#define TP_ABI_MAJOR LATHE_PLUGIN_ABI_MAJOR
#endif

struct lathe_model { double mean; char params[512]; };

static int
tp_create(const struct lathe_params *p, unsigned task, const struct lathe_host *h,
    struct lathe_model **out, char **err)
{
	(void)task; (void)h; (void)err;
	*out = calloc(1, sizeof **out);
	if (*out == NULL)
		return LATHE_ENOMEM;
	size_t o = 0;
	for (size_t i = 0; i < p->n && o < sizeof (*out)->params; i++) {
		char *b = (*out)->params + o;
		size_t room = sizeof (*out)->params - o;
		int w = p->str[i] ? snprintf(b, room, " %s", p->str[i]) :
		    snprintf(b, room, " %.17g", p->num[i]);
		o += w > 0 ? (size_t)w : 0;
	}
	return LATHE_OK;
}

static int
tp_fit(struct lathe_model *m, const struct lathe_data *data, const struct lathe_host *host,
    char **err)
{
	(void)err;
	double s = 0;
	for (size_t i = 0; i < data->n; i++)
		s += data->y ? data->y[i] : 0;
	m->mean = data->n ? s / (double)data->n : 0;
	const char *mark = getenv("TP_FIT_MARK");
	FILE *mf = mark && *mark ? fopen(mark, "w") : NULL;
	if (mf != NULL)
		fclose(mf);
	TP_FIT_BODY
	const char *gate = getenv("TP_FIT_GATE");
	for (int i = 0; gate && *gate && access(gate, F_OK) != 0 && i < 6000; i++)
		usleep(10000);
#ifdef TP_LOG_PARAMS
	char line[600];
	snprintf(line, sizeof line, "%s params:%s", TP_NAME, m->params);
	host->log(host->ctx, 0, line);
#endif
	return LATHE_OK;
}

static size_t tp_width(const struct lathe_model *m) { (void)m; return 1; }

static int
tp_predict(const struct lathe_model *m, size_t n, size_t d, const double *X, double *out,
    char **err)
{
	(void)d; (void)X; (void)err;
	for (size_t i = 0; i < n; i++)
		out[i] = m->mean;
	return LATHE_OK;
}

static int
tp_save(const struct lathe_model *m, void **buf, size_t *len, char **err)
{
	(void)err;
	unsigned char *b = malloc(12);
	if (b == NULL)
		return LATHE_ENOMEM;
	uint32_t fmt = 1;
	memcpy(b, &fmt, 4);
	memcpy(b + 4, &m->mean, 8);
	*buf = b;
	*len = 12;
	return LATHE_OK;
}

static int
tp_load(const void *buf, size_t len, struct lathe_model **out, char **err)
{
	uint32_t fmt;
	if (len != 12) {
		*err = strdup("bad payload size");
		return LATHE_EFORMAT;
	}
	memcpy(&fmt, buf, 4);
	if (fmt != 1) {
		*err = strdup("unknown payload format");
		return LATHE_EFORMAT;
	}
	*out = calloc(1, sizeof **out);
	if (*out == NULL)
		return LATHE_ENOMEM;
	memcpy(&(*out)->mean, (const char *)buf + 4, 8);
	return LATHE_OK;
}

static void tp_destroy(struct lathe_model *m) { free(m); }

#ifndef TP_PARAMS
static const struct lathe_param_spec tp_params[] = {
	{ .name = "iterations", .type = LATHE_PARAM_INT, .help = "how long to pretend to work",
	  .def = 10, .min = 1, .max = 1000000, .has_min = 1, .has_max = 1 },
};
#define TP_PARAMS tp_params
#define TP_NPARAMS 1
#define TP_SIZEOF_PARAM sizeof(struct lathe_param_spec)
#endif

static const struct lathe_plugin tp_desc = {
	.abi_major = TP_ABI_MAJOR,
	.abi_minor = LATHE_PLUGIN_ABI_MINOR,
	.name = TP_NAME,
	.version = "0.1",
	.description = "test plugin " TP_NAME,
	.tasks = LATHE_TASK_REGRESSION,
	.params = (const struct lathe_param_spec *)(const void *)TP_PARAMS,
	.nparams = TP_NPARAMS,
	.model_format = 1,
	.create = tp_create,
	.fit = tp_fit,
	.output_width = tp_width,
	.predict = tp_predict,
	.save = tp_save,
	.load = tp_load,
	.destroy = tp_destroy,
#if LATHE_PLUGIN_ABI_MINOR >= 1
	.sizeof_param = TP_SIZEOF_PARAM,
#endif
};

#ifndef TP_NO_ENTRY
const struct lathe_plugin *
lathe_plugin_entry(void)
{
	return &tp_desc;
}
#else
const struct lathe_plugin *not_the_entry(void) { return &tp_desc; }
#endif
