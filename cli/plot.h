/* Plots without a Python stack: lines, markers and vector fields on
 * linear or log axes, written as SVG (for a browser).
 *
 * A figure keeps copies of the caller's arrays, so they may be freed after
 * each call. Series are drawn in call order, each over the ones before.
 * NaN and infinite values (and |v| >= 1e300, and v <= 0 on a log axis) are
 * skipped: a line breaks there. The written bytes are a function of the
 * figure only (no locale, no time, no pointers). The file is written whole
 * or not at all (runtime/atomic.h); errors follow runtime/error.h.
 */
#ifndef HNNC_CLI_PLOT_H
#define HNNC_CLI_PLOT_H
#include <stddef.h>

typedef struct plot plot;

/* style of a line or of markers: a color index | flags. Colors 0..9 are
 * matplotlib's tab10 (blue, orange, green, red, purple, brown, pink, gray,
 * olive, cyan); the index is taken from the low 4 bits, modulo 10. */
#define PLOT_COLOR_MASK 15
#define PLOT_DASHED (1 << 4)
#define PLOT_DOTTED (1 << 5)

/* flags of plot_arrows */
#define PLOT_ARROWS_MAGNITUDE 1 /* color by |(u, v)| (viridis), else gray */
#define PLOT_ARROWS_UNIT 2      /* all arrows of one length, else length ∝ |(u, v)| */

/* legend placement (plot_legend), inside the axes. BEST (the default)
 * takes the corner whose box crosses the fewest line segments, markers
 * and arrows; ties go to the earlier corner in this list. */
enum {
  PLOT_LEGEND_BEST,
  PLOT_LEGEND_UPPER_RIGHT,
  PLOT_LEGEND_UPPER_LEFT,
  PLOT_LEGEND_LOWER_LEFT,
  PLOT_LEGEND_LOWER_RIGHT,
  PLOT_LEGEND_NONE
};

/* A new empty figure; any text may be NULL (left out). Text is UTF-8.
 * Returns NULL when out of memory; every function below accepts a NULL
 * figure (does nothing, or fails for the writer). */
plot *plot_new(const char *title, const char *xlabel, const char *ylabel);
void plot_free(plot *p);

void plot_logx(plot *p, int on);
void plot_logy(plot *p, int on);
/* Fixed axis range instead of the automatic one (data range plus a 5%
 * margin). lo >= hi, a NaN, or lo <= 0 on a log axis means automatic. */
void plot_xlim(plot *p, double lo, double hi);
void plot_ylim(plot *p, double lo, double hi);
void plot_legend(plot *p, int where); /* PLOT_LEGEND_*; default BEST */
/* SVG size in px, default 640 x 480; outside 64..8192 the writers fail */
void plot_size(plot *p, int width, int height);

/* Series. label NULL or "" keeps the series out of the legend. n < 0 is
 * taken as 0; the arrays hold n values each. */
void plot_line(plot *p, const char *label, int n, const double *x, const double *y, int style);
void plot_points(plot *p, const char *label, int n, const double *x, const double *y, int style);
/* A vector field: an arrow (u, v) centered on each point (x, y). The
 * longest arrow is 0.9 of the grid spacing (0.8 for all with UNIT), the
 * spacing estimated as sqrt(area of the bounding box) / (sqrt(n) - 1) of
 * the n arrows inside the axes, in pixels: exact for a square grid.
 * Arrows point along (u, v) as drawn on the axes (on a log axis, through
 * the local slope of the mapping). Zero vectors draw nothing. */
void plot_arrows(plot *p, const char *label, int n, const double *x, const double *y, const double *u, const double *v,
                 int flags);

/* Writes the figure. 0 on success; else 1, a message naming the file in
 * err (when err is not NULL) and no new file at path. */
int plot_write_svg(const plot *p, const char *path, char *err, size_t nerr);

/* The major ticks the writers put on an axis spanning [lo, hi] in data
 * units (lo < hi, lo > 0 on a log axis) with at most maxticks of them:
 * multiples of 1, 2 or 5 x 10^k, the smallest such step that fits; on a
 * log axis the decades 10^k (every 2nd, 5th, 10th ... when there are too
 * many) or, when the range holds fewer than two decades, linear ticks.
 * Writes at most cap of them (the doubles nearest the decimals, e.g. 0.3
 * not 0.30000000000000004) to ticks and returns how many it wrote. */
int plot_ticks(double lo, double hi, int log, int maxticks, double *ticks, int cap);
#endif
