/*
 * cmdline.c — see cmdline.h.
 */
#include "cmdline.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>

void
cmdline_free(char **argv)
{
	if (argv == NULL)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

int
cmdline_split(const char *s, char ***argv, int *argc, char **err)
{
	char **v = NULL;
	int n = 0;
	struct sbuf w;

	*argv = NULL;
	*argc = 0;
	sbuf_init(&w);
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		char quote = 0;
		w.len = 0;
		sbuf_putn(&w, "", 0);
		while (*s && (quote || (*s != ' ' && *s != '\t'))) {
			if (quote) {
				if (*s == quote)
					quote = 0;
				else if (*s == '\\' && quote == '"' && s[1])
					sbuf_putc(&w, *++s);
				else
					sbuf_putc(&w, *s);
			} else if (*s == '\'' || *s == '"') {
				quote = *s;
			} else if (*s == '\\' && s[1]) {
				sbuf_putc(&w, *++s);
			} else {
				sbuf_putc(&w, *s);
			}
			s++;
		}
		if (quote) {
			err_set(err, "unterminated %c quote", quote);
			goto fail;
		}
		char **nv = realloc(v, (size_t)(n + 2) * sizeof *nv);
		if (nv == NULL)
			goto oom;
		v = nv;
		if ((v[n] = str_ndup(w.s ? w.s : "", w.len)) == NULL)
			goto oom;
		v[++n] = NULL;
	}
	if (v == NULL && (v = calloc(1, sizeof *v)) == NULL)
		goto oom;
	sbuf_free(&w);
	*argv = v;
	*argc = n;
	return 0;
oom:
	err_set(err, "out of memory");
fail:
	if (v) {
		v[n] = NULL;
		cmdline_free(v);
	}
	sbuf_free(&w);
	return -1;
}
