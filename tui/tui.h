/*
 * tui/ — the folder's main header.  Owns the ncurses workbench, one file
 * per screen plus pure modules tested apart.  May use: core/ below
 * core/cli (the faces do not include each other); ncurses, gnuplot through
 * a pipe.  The map of who may use whom is in docs/architecture.md.
 *
 * tui.h — the workbench's entry point, for main.c.  `lathe [-p FILE]`
 * with no command opens it.
 */
#ifndef LATHE_TUI_H
#define LATHE_TUI_H

/* Run the workbench on the project at path (offering to create it when
 * missing).  commands is the NULL-terminated list of the CLI's command
 * names that `:NAME ARGS` runs as a job and Tab completes (main.c gives
 * the command table's public names: the workbench does not link the CLI).
 * Returns the process exit status; the terminal is restored on every
 * path.  Prints a one-line error on stderr when it cannot start. */
int	tui_main(const char *path, const char *const *commands);

#endif
