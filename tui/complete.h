/*
 * complete.h — file path completion for the import prompt, as a shell
 * does it: Tab extends the typed path to the longest prefix shared by
 * the directory entries it could name (a directory gains its '/'), and
 * the candidates are listed for the person to see.  A leading "~/" means
 * $HOME.  Hidden entries are offered only when the typed name starts with
 * a dot.  Directories and *.csv / *.tsv / *.txt files come first in the
 * list, so the usual answer is on the first line.
 */
#ifndef LATHE_TUI_COMPLETE_H
#define LATHE_TUI_COMPLETE_H

#include <stddef.h>

struct completion {
	char	*line;		/* the completed text (malloc'd) */
	char	**cands;	/* entry names that match (malloc'd), dirs end in '/' */
	size_t	 ncands;
};

/* Complete `typed`.  0, or -1 on OOM.  Free with completion_free. */
int	path_complete(const char *typed, struct completion *c);
void	completion_free(struct completion *c);

#endif
