/*
 * tui.h — the workbench's entry point, for main.c.  `lathe [-p FILE]`
 * with no command opens it.
 */
#ifndef LATHE_TUI_H
#define LATHE_TUI_H

/* Run the workbench on the project at path (offering to create it when
 * missing).  Returns the process exit status. */
int	tui_main(const char *path);

#endif
