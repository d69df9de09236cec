/*
 * cmdline.h — the `:` command line: split what was typed into words the
 * way a shell would for simple cases (spaces separate; '...' and "..."
 * quote; a backslash escapes the next character), then either run a
 * workbench verb (`:runs`, `:show 3`, `:compare 1 2`, `:q`) or hand the
 * words to lathe itself as a child process (`:import f.csv --name x`,
 * `:train --data iris ...`, `:plugins -v`), whose output is shown.
 */
#ifndef LATHE_TUI_CMDLINE_H
#define LATHE_TUI_CMDLINE_H

#include <stddef.h>

/* Split s into *argv (NULL-terminated, malloc'd; free with
 * cmdline_free) and *argc.  0, or -1 with *err (an unterminated quote). */
int	cmdline_split(const char *s, char ***argv, int *argc, char **err);
void	cmdline_free(char **argv);

#endif
