/*
 * plot.h — plots drawn by gnuplot, driven over a pipe.
 *
 * A plot is a title, axis labels and a few series of (x, y) points, each
 * drawn as lines, points, boxes or horizontal bars.  plot_script() turns it into a gnuplot
 * script with the data inline (numbers written with %.17g under the C
 * locale, so nothing is lost); plot_render() runs gnuplot with the text
 * terminal `dumb` sized to the pane, so plots work over any SSH session,
 * and returns the picture as text; plot_export() writes PNG (pngcairo,
 * else png) or SVG to a file.
 *
 * gnuplot is $LATHE_GNUPLOT, else `gnuplot` on the PATH.  When it is
 * missing or fails, the functions say so in *err and nothing else breaks.
 * gnuplot runs as a child with its own pipes; a plot that takes more than
 * PLOT_TIMEOUT_MS is abandoned (the child is killed).
 */
#ifndef LATHE_TUI_PLOT_H
#define LATHE_TUI_PLOT_H

#include <stddef.h>
#include "base/util.h"

#define PLOT_TIMEOUT_MS	5000

enum plot_style {
	PS_LINES,
	PS_POINTS,
	PS_BOXES,
	PS_STEPS,
	PS_HBARS,	/* horizontal bars from 0 to x at row y (labels: ytics) */
};

struct plot_series {
	char		*title;
	enum plot_style	 style;
	double		*x, *y;
	size_t		 n, cap;
};

struct plot {
	char			*title, *xlabel, *ylabel;
	struct plot_series	*s;
	size_t			 ns;
	int			 diagonal;	/* draw y = x (predicted vs actual, ROC) */
	int			 logy;
	int			 square;	/* equal ranges [0,1] on both axes (ROC) */
	char			**xtics;	/* category labels at x = 0, 1, ... (or NULL) */
	size_t			 nxtics;
	char			**ytics;	/* category labels at y = 0, 1, ... top down */
	size_t			 nytics;
};

void	plot_init(struct plot *pl, const char *title, const char *xlabel, const char *ylabel);
void	plot_free(struct plot *pl);
/* Add a series (title copied); returns it, or NULL on OOM. */
struct plot_series *plot_series_add(struct plot *pl, const char *title, enum plot_style st);
/* Append a point.  0 or -1 (OOM). */
int	plot_point(struct plot_series *s, double x, double y);
/* Category label for x = i.  0 or -1 (OOM). */
int	plot_xtic(struct plot *pl, const char *label);
/* Category label for y = i (the first at the top).  0 or -1 (OOM). */
int	plot_ytic(struct plot *pl, const char *label);
/* Points over all series. */
size_t	plot_npoints(const struct plot *pl);

/* The gnuplot script for pl with the given `set terminal` line and output
 * file (NULL: stdout) into b. */
void	plot_script(const struct plot *pl, const char *terminal, const char *output, struct sbuf *b);

/* 1 if gnuplot can be started. */
int	plot_available(void);
/* Render as text of w x h characters: *text (malloc'd) holds h lines.
 * 0, or -1 with *err ("gnuplot is not installed ...", or its message). */
int	plot_render(const struct plot *pl, int w, int h, char **text, char **err);
/* Write a PNG (svg = 0) or SVG (svg = 1) file at path.  0 or -1 with *err. */
int	plot_export(const struct plot *pl, const char *path, int svg, char **err);

#endif
