/* Plots: figures of lines, markers and vector fields, written as SVG by
 * hnnc's own code (no Python stack, no external library). Only the CLI
 * draws plots (report.c), so the writer lives in cli/.
 *
 * A figure (plot) keeps copies of the caller's series. The writer lays the
 * figure out (axis ranges with a 5% margin, ticks at 1, 2, 5 x 10^k or at
 * decades, margins from the label widths, a legend), draws it as SVG
 * elements, and writes the file whole or not at all (runtime/atomic.h).
 *
 * The bytes are a function of the figure only: numbers are printed with
 * integer arithmetic (never %f or %g, whose decimal point follows the
 * locale), and nothing depends on pointers, time or hashing.
 *
 * Why no PNG: text on a raster needs a font (hnnc carried a bitmap font
 * and an uncompressed encoder, 2 MB a plot); SVG has text for free, is a
 * few kB, and every browser shows it.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "../runtime/atomic.h"
#include "../runtime/error.h"

#define HUGE_VALUE 1e300 /* |v| >= this is skipped like NaN, so spans stay finite */
#define MAX_TICKS 160
#define MIN_SIZE 64
#define MAX_SIZE 8192

typedef struct rgb {
  unsigned char r, g, b;
} rgb;

/* matplotlib's tab10 */
static const rgb palette[10] = {
    {0x1f, 0x77, 0xb4}, {0xff, 0x7f, 0x0e}, {0x2c, 0xa0, 0x2c}, {0xd6, 0x27, 0x28}, {0x94, 0x67, 0xbd},
    {0x8c, 0x56, 0x4b}, {0xe3, 0x77, 0xc2}, {0x7f, 0x7f, 0x7f}, {0xbc, 0xbd, 0x22}, {0x17, 0xbe, 0xcf},
};
/* viridis at 0, 1/4, 1/2, 3/4, 1; linear in between */
static const rgb viridis[5] = {
    {0x44, 0x01, 0x54}, {0x3b, 0x52, 0x8b}, {0x21, 0x91, 0x8c}, {0x5e, 0xc9, 0x62}, {0xfd, 0xe7, 0x25},
};
static const rgb black = {0, 0, 0}, white = {255, 255, 255};
static const rgb grid_gray = {0xeb, 0xeb, 0xeb}, legend_gray = {0xcc, 0xcc, 0xcc};
static const rgb arrow_gray = {0x80, 0x80, 0x80};

/* ---- the figure ---- */

enum { ITEM_LINE, ITEM_POINTS, ITEM_ARROWS };

typedef struct item {
  int kind, style, flags;
  char *label; /* NULL: not in the legend */
  int n;
  double *x, *y, *u, *v; /* point into data; u, v for arrows only */
  double *data;
} item;

struct plot {
  char *title, *xlabel, *ylabel;
  int logx, logy, legend, width, height;
  double xlim[2], ylim[2]; /* fixed range when xlim[0] < xlim[1] */
  int nitems, cap;
  item *items;
  char error[160]; /* the first failure while building; the writers report it */
};

static char *copy_string(const char *s) {
  size_t n;
  char *c;
  if (!s || !*s) return NULL;
  n = strlen(s) + 1;
  if ((c = malloc(n))) memcpy(c, s, n);
  return c;
}

static void fail(plot *p, const char *what) {
  if (!p->error[0]) snprintf(p->error, sizeof p->error, "%s", what);
}

plot *plot_new(const char *title, const char *xlabel, const char *ylabel) {
  plot *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->title = copy_string(title), p->xlabel = copy_string(xlabel), p->ylabel = copy_string(ylabel);
  if ((title && *title && !p->title) || (xlabel && *xlabel && !p->xlabel) || (ylabel && *ylabel && !p->ylabel)) {
    plot_free(p);
    return NULL;
  }
  p->width = 640, p->height = 480;
  p->legend = PLOT_LEGEND_BEST;
  return p;
}

void plot_free(plot *p) {
  int i;
  if (!p) return;
  for (i = 0; i < p->nitems; i++) free(p->items[i].label), free(p->items[i].data);
  free(p->items), free(p->title), free(p->xlabel), free(p->ylabel), free(p);
}

void plot_logx(plot *p, int on) {
  if (p) p->logx = on != 0;
}
void plot_logy(plot *p, int on) {
  if (p) p->logy = on != 0;
}
void plot_xlim(plot *p, double lo, double hi) {
  if (p) p->xlim[0] = lo, p->xlim[1] = hi;
}
void plot_ylim(plot *p, double lo, double hi) {
  if (p) p->ylim[0] = lo, p->ylim[1] = hi;
}

void plot_legend(plot *p, int where) {
  if (p && where >= PLOT_LEGEND_BEST && where <= PLOT_LEGEND_NONE) p->legend = where;
}

void plot_size(plot *p, int width, int height) {
  if (!p) return;
  if (width < MIN_SIZE || width > MAX_SIZE || height < MIN_SIZE || height > MAX_SIZE) {
    fail(p, "plot_size: width and height must be in 64..8192");
    return;
  }
  p->width = width, p->height = height;
}

/* appends a series holding copies of the narr arrays src[0..narr) */
static void add_item(plot *p, const char *fn, int kind, const char *label, int n, const double *const *src, int narr,
                     int style, int flags) {
  item *it;
  int k;
  if (!p) return;
  if (n < 0) n = 0;
  for (k = 0; k < narr; k++)
    if (n > 0 && !src[k]) {
      char msg[80];
      snprintf(msg, sizeof msg, "%s: NULL array with n = %d", fn, n);
      fail(p, msg);
      return;
    }
  if (p->nitems == p->cap) {
    int cap = p->cap ? 2 * p->cap : 8;
    item *items = realloc(p->items, (size_t)cap * sizeof *items);
    if (!items) {
      fail(p, "out of memory");
      return;
    }
    p->items = items, p->cap = cap;
  }
  it = &p->items[p->nitems];
  memset(it, 0, sizeof *it);
  it->kind = kind, it->style = style, it->flags = flags, it->n = n;
  it->label = copy_string(label);
  if (n > 0) it->data = malloc((size_t)n * (size_t)narr * sizeof(double));
  if ((label && *label && !it->label) || (n > 0 && !it->data)) {
    free(it->label), free(it->data);
    fail(p, "out of memory");
    return;
  }
  for (k = 0; k < narr; k++) {
    double *dst = it->data + (size_t)k * (size_t)n;
    if (n > 0) memcpy(dst, src[k], (size_t)n * sizeof(double));
    if (k == 0) it->x = dst;
    if (k == 1) it->y = dst;
    if (k == 2) it->u = dst;
    if (k == 3) it->v = dst;
  }
  p->nitems++;
}

void plot_line(plot *p, const char *label, int n, const double *x, const double *y, int style) {
  const double *src[2] = {x, y};
  add_item(p, "plot_line", ITEM_LINE, label, n, src, 2, style, 0);
}

void plot_points(plot *p, const char *label, int n, const double *x, const double *y, int style) {
  const double *src[2] = {x, y};
  add_item(p, "plot_points", ITEM_POINTS, label, n, src, 2, style, 0);
}

void plot_arrows(plot *p, const char *label, int n, const double *x, const double *y, const double *u, const double *v,
                 int flags) {
  const double *src[4] = {x, y, u, v};
  add_item(p, "plot_arrows", ITEM_ARROWS, label, n, src, 4, 0, flags);
}

/* ---- numbers as text, by integer arithmetic ---- */

/* 10^k: exact for |k| <= 22, so 10^-k is correctly rounded there */
static double pow10i(int k) {
  double r = 1;
  int i, a = k < 0 ? -k : k;
  for (i = 0; i < a; i++) r *= 10;
  return k < 0 ? 1 / r : r;
}

/* x to two decimals without trailing zeros: "12.5", "-3", "0.25". Callers
 * keep |x| far below 1e15 (coordinates are clipped to near the canvas). */
static const char *fmt_num(char buf[32], double x) {
  long long v = llround(x * 100);
  unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
  int frac = (int)(a % 100);
  char *s = buf;
  if (v < 0) *s++ = '-';
  s += sprintf(s, "%llu", a / 100);
  if (frac % 10) sprintf(s, ".%02d", frac);
  else if (frac) sprintf(s, ".%d", frac / 10);
  return buf;
}

/* n x 10^e as text. fixed: max(0, -e) decimals ("0.5", "1.0", "2000");
 * else scientific with the mantissa's trailing zeros dropped ("1.5e-5"). */
static void fmt_scaled(char *buf, size_t nbuf, long long n, int e, int fixed) {
  char digits[32], *s = buf;
  unsigned long long a = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
  int len;
  if (a == 0) {
    snprintf(buf, nbuf, fixed && e < 0 ? "0.%0*d" : "0", -e, 0);
    return;
  }
  if (n < 0) *s++ = '-', nbuf--;
  if (fixed) {
    if (e >= 0) {
      len = snprintf(s, nbuf, "%llu", a);
      while (e-- > 0 && (size_t)len + 1 < nbuf) s[len++] = '0';
      s[len] = 0;
    } else {
      len = snprintf(digits, sizeof digits, "%0*llu", 1 - e, a);
      snprintf(s, nbuf, "%.*s.%s", len + e, digits, digits + len + e);
    }
    return;
  }
  while (a % 10 == 0) a /= 10, e++;
  len = snprintf(digits, sizeof digits, "%llu", a);
  if (len > 1) snprintf(s, nbuf, "%c.%se%d", digits[0], digits + 1, e + len - 1);
  else snprintf(s, nbuf, "%ce%d", digits[0], e + len - 1);
}

/* ---- axes: ranges and ticks ---- */

typedef struct tick {
  double t;  /* position in axis units: the value, or its log10 on a log axis */
  double v;  /* the value: the double nearest its decimal text */
  int minor; /* no label */
  int pow10; /* the label is 10^text */
  char text[48];
} tick;

typedef struct axis {
  int log;
  double lo, hi; /* range in axis units, lo < hi */
  double p0, p1; /* pixel coordinates of lo and hi */
  int nticks;
  tick ticks[MAX_TICKS];
} axis;

/* v in axis units, or NaN when v is not drawn */
static double to_units(int log, double v) {
  if (!(fabs(v) < HUGE_VALUE)) return NAN;
  if (log) return v > 0 ? log10(v) : NAN;
  return v;
}

static double to_px(const axis *a, double t) { return a->p0 + (t - a->lo) * (a->p1 - a->p0) / (a->hi - a->lo); }

static void add_tick(axis *a, double t, double v, int minor, int pow10, const char *text) {
  tick *k;
  if (a->nticks == MAX_TICKS) return;
  k = &a->ticks[a->nticks++];
  k->t = t, k->v = v, k->minor = minor, k->pow10 = pow10;
  snprintf(k->text, sizeof k->text, "%s", text);
}

static long long floor_div(long long a, long long b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }
static long long ceil_div(long long a, long long b) { return -floor_div(-a, b); }

/* Major ticks at i m 10^e in [vlo, vhi] (data units), m in {1, 2, 5}: the
 * smallest step giving at most maxticks of them. On a log axis, values
 * <= 0 are left out. */
static void ticks_linear(axis *a, double vlo, double vhi, int maxticks) {
  static const int mult[3] = {1, 2, 5};
  double span = vhi - vlo, step, scale, biggest;
  long long i, ilo, ihi;
  int e = (int)floor(log10(span / maxticks)) - 1, k = 0, m, fixed;
  for (;;) {
    m = mult[k];
    scale = pow10i(e < 0 ? -e : e); /* 10^|e|, exact for |e| <= 22 */
    step = e >= 0 ? m * scale : m / scale;
    ilo = (long long)ceil(vlo / step - 1e-9), ihi = (long long)floor(vhi / step + 1e-9);
    if (ihi - ilo + 1 <= maxticks) break;
    if (++k == 3) k = 0, e++;
  }
  biggest = (double)(llabs(ilo) > llabs(ihi) ? llabs(ilo) : llabs(ihi)) * step;
  fixed = e >= -5 && biggest < 1e7;
  for (i = ilo; i <= ihi; i++) {
    double v = e >= 0 ? (double)(i * m) * scale : (double)(i * m) / scale;
    char text[48];
    if (a->log && v <= 0) continue;
    fmt_scaled(text, sizeof text, i * m, e, fixed);
    add_tick(a, a->log ? log10(v) : v, v, 0, 0, text);
  }
}

/* Decades 10^k, every stride-th with stride in 1, 2, 5, 10, 20, ..., and
 * unlabeled minor ticks at 2..9 x 10^k when every decade is shown. */
static void ticks_log(axis *a, int maxticks) {
  static const int mult[3] = {1, 2, 5};
  long long klo = (long long)ceil(a->lo - 1e-9), khi = (long long)floor(a->hi + 1e-9), k, stride = 1;
  int j = 0, m;
  if (khi - klo + 1 < 2) {
    ticks_linear(a, pow(10, a->lo), pow(10, a->hi), maxticks);
    return;
  }
  while (floor_div(khi, stride) - ceil_div(klo, stride) + 1 > maxticks) {
    j++;
    stride = mult[j % 3] * (long long)pow10i(j / 3);
  }
  for (k = ceil_div(klo, stride) * stride; k <= khi; k += stride) {
    char text[48];
    snprintf(text, sizeof text, "%lld", k);
    add_tick(a, (double)k, pow10i((int)k), 0, 1, text);
  }
  if (stride == 1 && khi - klo <= 10)
    for (k = klo - 1; k <= khi; k++)
      for (m = 2; m <= 9; m++) {
        double t = (double)k + log10(m);
        if (t >= a->lo && t <= a->hi) add_tick(a, t, m * pow10i((int)k), 1, 0, "");
      }
}

static void make_ticks(axis *a, int maxticks) {
  a->nticks = 0;
  if (maxticks < 2) maxticks = 2;
  if (maxticks > MAX_TICKS / 2) maxticks = MAX_TICKS / 2;
  if (a->log) ticks_log(a, maxticks);
  else ticks_linear(a, a->lo, a->hi, maxticks);
}

/* Widens a range too narrow for the doubles to show (or empty) around its
 * middle: +-10% of it (+-1 at 0), or +-half a decade on a log axis. */
static void widen_if_degenerate(axis *a) {
  double span = a->hi - a->lo, mag = fmax(fabs(a->lo), fabs(a->hi)), c, half;
  if (span > 1e-10 * mag && span > 0) return;
  c = a->lo / 2 + a->hi / 2;
  half = a->log ? 0.5 : c != 0 ? 0.1 * fabs(c) : 1;
  a->lo = c - half, a->hi = c + half;
}

/* The range of axis which (0: x, 1: y) in axis units: the fixed limits if
 * set, else the points drawn (finite on both axes) plus 5% each side. */
static void axis_range(const plot *p, int which, axis *a) {
  const double *lim = which ? p->ylim : p->xlim;
  double lo = INFINITY, hi = -INFINITY;
  int i, j;
  a->log = which ? p->logy : p->logx;
  if (lim[0] < lim[1] && (!a->log || lim[0] > 0) && fabs(lim[0]) < HUGE_VALUE && fabs(lim[1]) < HUGE_VALUE) {
    a->lo = to_units(a->log, lim[0]), a->hi = to_units(a->log, lim[1]);
    widen_if_degenerate(a);
    return;
  }
  for (i = 0; i < p->nitems; i++) {
    const item *it = &p->items[i];
    for (j = 0; j < it->n; j++) {
      double tx = to_units(p->logx, it->x[j]), ty = to_units(p->logy, it->y[j]);
      double t = which ? ty : tx;
      if (isnan(tx) || isnan(ty)) continue;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
  }
  if (lo > hi) {
    a->lo = 0, a->hi = 1; /* empty: [0, 1], or [1, 10] on a log axis */
    return;
  }
  a->lo = lo, a->hi = hi;
  if (hi - lo > 1e-10 * fmax(fabs(lo), fabs(hi)) && hi > lo) {
    double margin = 0.05 * (hi - lo);
    a->lo -= margin, a->hi += margin;
  } else {
    widen_if_degenerate(a);
  }
}

int plot_ticks(double lo, double hi, int log, int maxticks, double *ticks, int cap) {
  axis a;
  int i, n = 0;
  if (!(lo < hi) || (log && !(lo > 0)) || !(fabs(lo) < HUGE_VALUE && fabs(hi) < HUGE_VALUE)) return 0;
  memset(&a, 0, sizeof a);
  a.log = log != 0;
  a.lo = to_units(a.log, lo), a.hi = to_units(a.log, hi);
  widen_if_degenerate(&a);
  make_ticks(&a, maxticks);
  for (i = 0; i < a.nticks; i++)
    if (!a.ticks[i].minor) {
      if (n < cap) ticks[n] = a.ticks[i].v;
      n++;
    }
  return n < cap ? n : cap;
}

/* ---- bytes in memory ---- */

typedef struct sbuf {
  char *p;
  size_t n, cap;
  int failed; /* out of memory: the writer reports it */
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    char *p;
    while (cap < b->n + n + 1) cap *= 2;
    if (!(p = realloc(b->p, cap))) {
      b->failed = 1;
      return;
    }
    b->p = p, b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}

/* printf for integers (%d, %02x) and strings only: those ignore the locale */
static void sb_printf(sbuf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    b->failed = 1;
    return;
  }
  if ((size_t)n < sizeof small) {
    sb_add(b, small, (size_t)n);
    return;
  }
  {
    char *big = malloc((size_t)n + 1);
    if (!big) {
      b->failed = 1;
      return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_add(b, big, (size_t)n);
    free(big);
  }
}

/* appends a string literal */
#define sb_lit(b, s) sb_add(b, s, sizeof(s) - 1)

static void sb_num(sbuf *b, double x) {
  char buf[32];
  fmt_num(buf, x);
  sb_add(b, buf, strlen(buf));
}

static void sb_color(sbuf *b, rgb c) { sb_printf(b, "#%02x%02x%02x", c.r, c.g, c.b); }

/* the length of the valid UTF-8 sequence at u (1..4), 0 when invalid;
 * U+FFFE and U+FFFF, which XML forbids, count as invalid */
static int utf8_len(const unsigned char *u) {
  unsigned c = u[0], lo, hi;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return (u[1] & 0xc0) == 0x80 ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    if (u[1] < lo || u[1] > hi || (u[2] & 0xc0) != 0x80) return 0;
    if (c == 0xef && u[1] == 0xbf && u[2] >= 0xbe) return 0;
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    if (u[1] < lo || u[1] > hi || (u[2] & 0xc0) != 0x80 || (u[3] & 0xc0) != 0x80) return 0;
    return 4;
  }
  return 0;
}

/* text as XML character data or attribute value: & < > " ' escaped,
 * control characters and invalid UTF-8 bytes replaced by '?' */
static void sb_xml(sbuf *b, const char *s) {
  const unsigned char *u = (const unsigned char *)s;
  while (*u) {
    int len = utf8_len(u);
    if (len > 1) {
      sb_add(b, (const char *)u, (size_t)len);
      u += len;
      continue;
    }
    switch (len ? *u : 0) {
    case '&': sb_lit(b, "&amp;"); break;
    case '<': sb_lit(b, "&lt;"); break;
    case '>': sb_lit(b, "&gt;"); break;
    case '"': sb_lit(b, "&quot;"); break;
    case '\'': sb_lit(b, "&apos;"); break;
    default: sb_add(b, *u >= 32 && len ? (const char *)u : "?", 1);
    }
    u++;
  }
}

/* ---- the canvas: SVG elements ---- */

enum { FONT_TICK, FONT_LABEL, FONT_TITLE };
enum { ANCHOR_START, ANCHOR_MIDDLE, ANCHOR_END };

static const double svg_font_px[3] = {11, 12, 14};

typedef struct canvas {
  int w, h;
  sbuf out;
  int failed; /* out of memory */
} canvas;

/* code points of UTF-8 text (continuation bytes are not counted) */
static int glyph_count(const char *s) {
  int n = 0;
  for (; s && *s; s++) n += ((unsigned char)*s & 0xc0) != 0x80;
  return n;
}

static double font_height(const canvas *c, int font) {
  (void)c;
  return svg_font_px[font];
}

/* width of text followed by a superscript sup (may be NULL): an estimate
 * (0.6 em a character), used for margins and the legend box */
static double text_width(const canvas *c, int font, const char *text, const char *sup) {
  (void)c;
  return 0.6 * svg_font_px[font] * (glyph_count(text) + 0.75 * glyph_count(sup));
}

static void cv_rect(canvas *c, double x, double y, double w, double h, const rgb *fill, const rgb *stroke) {
  sb_printf(&c->out, "<rect x=\"");
  sb_num(&c->out, x), sb_lit(&c->out, "\" y=\""), sb_num(&c->out, y);
  sb_lit(&c->out, "\" width=\""), sb_num(&c->out, w), sb_lit(&c->out, "\" height=\""), sb_num(&c->out, h);
  sb_lit(&c->out, "\" fill=\"");
  if (fill) sb_color(&c->out, *fill);
  else sb_lit(&c->out, "none");
  if (stroke) sb_lit(&c->out, "\" stroke=\""), sb_color(&c->out, *stroke);
  sb_printf(&c->out, "\" shape-rendering=\"crispEdges\"/>\n");
}

/* n separate segments xy[4i .. 4i+3], one unit wide */
static void cv_segments(canvas *c, const char *cls, int n, const double *xy, rgb col) {
  int i;
  if (n <= 0) return;
  sb_printf(&c->out, "<path class=\"%s\" d=\"", cls);
  for (i = 0; i < n; i++) {
    if (i) sb_lit(&c->out, " ");
    sb_lit(&c->out, "M"), sb_num(&c->out, xy[4 * i]), sb_lit(&c->out, " "), sb_num(&c->out, xy[4 * i + 1]);
    sb_lit(&c->out, " L"), sb_num(&c->out, xy[4 * i + 2]), sb_lit(&c->out, " "), sb_num(&c->out, xy[4 * i + 3]);
  }
  sb_lit(&c->out, "\" fill=\"none\" stroke=\""), sb_color(&c->out, col);
  sb_printf(&c->out, "\" stroke-width=\"1\" shape-rendering=\"crispEdges\"/>\n");
}

/* a data line through n points xy[2i], xy[2i+1] in a style's color and dash */
static void cv_polyline(canvas *c, const char *cls, int n, const double *xy, int style) {
  rgb col = palette[(style & PLOT_COLOR_MASK) % 10];
  int i;
  sb_printf(&c->out, "<polyline class=\"%s\" points=\"", cls);
  for (i = 0; i < n; i++) {
    if (i) sb_lit(&c->out, " ");
    sb_num(&c->out, xy[2 * i]), sb_lit(&c->out, ","), sb_num(&c->out, xy[2 * i + 1]);
  }
  sb_lit(&c->out, "\" fill=\"none\" stroke=\""), sb_color(&c->out, col);
  sb_printf(&c->out, "\" stroke-width=\"1.75\" stroke-linejoin=\"round\"%s/>\n",
            style & PLOT_DASHED   ? " stroke-dasharray=\"7,4\""
            : style & PLOT_DOTTED ? " stroke-dasharray=\"2,3\""
                                  : "");
}

/* an arrow: shaft xy[0..3], filled head triangle xy[4..9] */
static void cv_arrow(canvas *c, const char *cls, const double *xy, rgb col) {
  int i;
  sb_printf(&c->out, "<path class=\"%s\" d=\"M", cls);
  for (i = 0; i < 5; i++) {
    if (i == 1 || i == 3 || i == 4) sb_lit(&c->out, " L");
    if (i == 2) sb_lit(&c->out, " M");
    sb_num(&c->out, xy[2 * i]), sb_lit(&c->out, " "), sb_num(&c->out, xy[2 * i + 1]);
  }
  sb_lit(&c->out, " Z\" fill=\""), sb_color(&c->out, col);
  sb_lit(&c->out, "\" stroke=\""), sb_color(&c->out, col);
  sb_printf(&c->out, "\" stroke-width=\"1\"/>\n");
}

static void cv_disc(canvas *c, const char *cls, double x, double y, double r, rgb col) {
  sb_printf(&c->out, "<circle class=\"%s\" cx=\"", cls);
  sb_num(&c->out, x), sb_lit(&c->out, "\" cy=\""), sb_num(&c->out, y);
  sb_lit(&c->out, "\" r=\""), sb_num(&c->out, r), sb_lit(&c->out, "\" fill=\""), sb_color(&c->out, col);
  sb_lit(&c->out, "\"/>\n");
}

/* Text with its capitals centered vertically on y (horizontally on x when
 * rotated to read upwards); sup, if not NULL, follows as a superscript. */
static void cv_text(canvas *c, const char *cls, double x, double y, int font, int anchor, int rotate, const char *text,
                    const char *sup) {
  static const char *anchors[3] = {"start", "middle", "end"};
  double size = font_height(c, font);
  /* the capitals' center is 0.36 em above the baseline */
  if (rotate) x += 0.36 * size;
  else y += 0.36 * size;
  sb_printf(&c->out, "<text class=\"%s\" x=\"", cls);
  sb_num(&c->out, x), sb_lit(&c->out, "\" y=\""), sb_num(&c->out, y);
  sb_lit(&c->out, "\" font-size=\""), sb_num(&c->out, size);
  sb_printf(&c->out, "\" text-anchor=\"%s\"", anchors[anchor]);
  if (rotate) {
    sb_lit(&c->out, " transform=\"rotate(-90 "), sb_num(&c->out, x);
    sb_lit(&c->out, " "), sb_num(&c->out, y), sb_lit(&c->out, ")\"");
  }
  sb_lit(&c->out, ">");
  sb_xml(&c->out, text);
  if (sup) {
    sb_lit(&c->out, "<tspan dy=\""), sb_num(&c->out, -0.4 * size);
    sb_lit(&c->out, "\" font-size=\""), sb_num(&c->out, 0.75 * size), sb_lit(&c->out, "\">");
    sb_xml(&c->out, sup);
    sb_lit(&c->out, "</tspan>");
  }
  sb_lit(&c->out, "</text>\n");
}

/* drawing after cv_clip(c, 1, ...) is cut to the rectangle, until cv_clip(c, 0, ...) */
static void cv_clip(canvas *c, int on, double x0, double y0, double x1, double y1) {
  if (!on) {
    sb_lit(&c->out, "</g>\n");
    return;
  }
  sb_lit(&c->out, "<defs><clipPath id=\"plotarea\"><rect x=\""), sb_num(&c->out, x0);
  sb_lit(&c->out, "\" y=\""), sb_num(&c->out, y0), sb_lit(&c->out, "\" width=\""), sb_num(&c->out, x1 - x0);
  sb_lit(&c->out, "\" height=\""), sb_num(&c->out, y1 - y0);
  sb_lit(&c->out, "\"/></clipPath></defs>\n<g clip-path=\"url(#plotarea)\">\n");
}

/* ---- layout ---- */

typedef struct layout {
  double left, top, right, bottom; /* the axes' box, pixels */
  axis x, y;
} layout;

static double widest_label(const canvas *c, const axis *a) {
  double w = 0;
  int i;
  for (i = 0; i < a->nticks; i++)
    if (!a->ticks[i].minor) {
      const tick *k = &a->ticks[i];
      w = fmax(w, text_width(c, FONT_TICK, k->pow10 ? "10" : k->text, k->pow10 ? k->text : NULL));
    }
  return w;
}

static int count_major(const axis *a) {
  int i, n = 0;
  for (i = 0; i < a->nticks; i++) n += !a->ticks[i].minor;
  return n;
}

/* Margins from the text sizes: the y ticks (whose labels set the left
 * margin) come from the height left after the title and the x labels;
 * the x ticks then take as many as their labels' widths allow. */
static void make_layout(const canvas *c, const plot *p, layout *L) {
  double u = 1, pad = 8 * u, ticklen = 5 * u, gap = 3 * u;
  double ft = font_height(c, FONT_TICK), fl = font_height(c, FONT_LABEL), fT = font_height(c, FONT_TITLE);
  int maxticks;
  axis_range(p, 0, &L->x);
  axis_range(p, 1, &L->y);
  L->top = floor(pad + (p->title ? fT + pad : 0));
  L->bottom = floor(c->h - pad - (p->xlabel ? fl + pad : 0) - ft - gap - ticklen);
  if (L->bottom < L->top + 8) L->bottom = L->top + 8;
  L->y.p0 = L->bottom, L->y.p1 = L->top;
  make_ticks(&L->y, (int)((L->bottom - L->top) / (3.5 * ft)));
  L->left = floor(pad + (p->ylabel ? fl + pad : 0) + widest_label(c, &L->y) + gap + ticklen);
  L->right = floor(c->w - 2.5 * pad);
  if (L->right < L->left + 8) L->right = L->left + 8;
  L->x.p0 = L->left, L->x.p1 = L->right;
  for (maxticks = (int)((L->right - L->left) / (3.5 * ft));; maxticks--) {
    make_ticks(&L->x, maxticks);
    if (maxticks <= 2 || count_major(&L->x) * (widest_label(c, &L->x) + 2 * ft) <= L->right - L->left) break;
  }
}

/* ---- drawing ---- */

/* The visible part [t0, t1] of the segment a-b inside box = {x0, y0, x1,
 * y1} (Liang-Barsky); 0 when none of it is. */
static int clip_segment(const double *box, double ax, double ay, double bx, double by, double *t0, double *t1) {
  double p[4] = {ax - bx, bx - ax, ay - by, by - ay}, q[4] = {ax - box[0], box[2] - ax, ay - box[1], box[3] - ay};
  double lo = 0, hi = 1;
  int i;
  for (i = 0; i < 4; i++) {
    double r;
    if (p[i] == 0) {
      if (q[i] < 0) return 0;
      continue;
    }
    r = q[i] / p[i];
    if (p[i] < 0) lo = fmax(lo, r);
    else hi = fmin(hi, r);
    if (lo > hi) return 0;
  }
  *t0 = lo, *t1 = hi;
  return 1;
}

/* pixel coordinates of point j of a series; 0 when it is not drawn */
static int point_px(const layout *L, const item *it, int j, double *X, double *Y) {
  double tx = to_units(L->x.log, it->x[j]), ty = to_units(L->y.log, it->y[j]);
  if (isnan(tx) || isnan(ty)) return 0;
  *X = to_px(&L->x, tx), *Y = to_px(&L->y, ty);
  return isfinite(*X) && isfinite(*Y);
}

/* One polyline per unbroken run of drawn points, cut to box. */
static void draw_line(canvas *c, const layout *L, const double *box, const item *it) {
  double *run = malloc(sizeof(double) * 2 * ((size_t)it->n + 1)), ax = 0, ay = 0, X, Y, t0, t1;
  int j, m = 0, have = 0;
  if (!run) {
    c->failed = 1;
    return;
  }
  for (j = 0; j <= it->n; j++) {
    int ok = j < it->n && point_px(L, it, j, &X, &Y);
    int visible = ok && have && clip_segment(box, ax, ay, X, Y, &t0, &t1);
    if ((!visible || t0 > 0) && m > 0) {
      if (m >= 2) cv_polyline(c, "series", m, run, it->style);
      m = 0;
    }
    if (visible) {
      if (m == 0) run[0] = ax + t0 * (X - ax), run[1] = ay + t0 * (Y - ay), m = 1;
      run[2 * m] = ax + t1 * (X - ax), run[2 * m + 1] = ay + t1 * (Y - ay), m++;
      if (t1 < 1) {
        cv_polyline(c, "series", m, run, it->style);
        m = 0;
      }
    }
    have = ok, ax = X, ay = Y;
  }
  free(run);
}

static int inside(const double *box, double x, double y) {
  return x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3];
}

static void draw_points(canvas *c, const layout *L, const double *box, const item *it) {
  rgb col = palette[(it->style & PLOT_COLOR_MASK) % 10];
  double X, Y;
  int j;
  for (j = 0; j < it->n; j++)
    if (point_px(L, it, j, &X, &Y) && inside(box, X, Y)) cv_disc(c, "marker", X, Y, 3, col);
}

static rgb colormap(double t) {
  double pos = fmin(fmax(t, 0), 1) * 4, f;
  int i = (int)floor(pos);
  rgb a, b, r;
  if (i > 3) i = 3;
  f = pos - i, a = viridis[i], b = viridis[i + 1];
  r.r = (unsigned char)lround(a.r + (b.r - a.r) * f);
  r.g = (unsigned char)lround(a.g + (b.g - a.g) * f);
  r.b = (unsigned char)lround(a.b + (b.b - a.b) * f);
  return r;
}

/* dpx/dv at v: the slope of the axis mapping */
static double slope_px(const axis *a, double v) {
  double s = (a->p1 - a->p0) / (a->hi - a->lo);
  return a->log ? s / (v * log(10.0)) : s;
}

/* an arrow of pixel length len centered on (X, Y) along unit (dx, dy) */
static void arrow_at(canvas *c, const char *cls, double X, double Y, double dx, double dy, double len, rgb col) {
  double head = fmin(0.35 * len, 7), half = 0.45 * head;
  double tx = X + dx * len / 2, ty = Y + dy * len / 2, bx = tx - dx * head, by = ty - dy * head;
  double xy[10] = {X - dx * len / 2,
                   Y - dy * len / 2,
                   tx - dx * 0.5 * head,
                   ty - dy * 0.5 * head,
                   bx - dy * half,
                   by + dx * half,
                   tx,
                   ty,
                   bx + dy * half,
                   by - dx * half};
  cv_arrow(c, cls, xy, col);
}

static void draw_arrows(canvas *c, const layout *L, const double *box, const item *it) {
  double *px = malloc(sizeof(double) * 5 * ((size_t)it->n + 1));
  double *py = px + it->n, *vx = py + it->n, *vy = vx + it->n, *mag = vy + it->n;
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY, maxpx = 0, maxmag = 0, cell;
  int j, nv = 0;
  if (!px) {
    c->failed = 1;
    return;
  }
  for (j = 0; j < it->n; j++) {
    double u = it->u[j], v = it->v[j];
    mag[j] = NAN;
    if (!point_px(L, it, j, &px[j], &py[j]) || !(fabs(u) < HUGE_VALUE) || !(fabs(v) < HUGE_VALUE)) continue;
    vx[j] = u * slope_px(&L->x, it->x[j]), vy[j] = v * slope_px(&L->y, it->y[j]);
    mag[j] = hypot(u, v);
    if (!isfinite(vx[j]) || !isfinite(vy[j]) || !isfinite(mag[j]) || !inside(box, px[j], py[j])) {
      mag[j] = NAN;
      continue;
    }
    xmin = fmin(xmin, px[j]), xmax = fmax(xmax, px[j]), ymin = fmin(ymin, py[j]), ymax = fmax(ymax, py[j]);
    maxpx = fmax(maxpx, hypot(vx[j], vy[j])), maxmag = fmax(maxmag, mag[j]);
    nv++;
  }
  /* the grid spacing of the arrows drawn, exact for a square grid */
  if (nv <= 1) cell = 30;
  else if (xmax > xmin && ymax > ymin) cell = sqrt((xmax - xmin) * (ymax - ymin)) / (sqrt(nv) - 1);
  else cell = fmax(xmax - xmin, ymax - ymin) / (nv - 1);
  for (j = 0; j < it->n; j++) {
    double len, norm;
    if (isnan(mag[j])) continue;
    norm = hypot(vx[j], vy[j]);
    if (!(norm > 0)) continue;
    len = it->flags & PLOT_ARROWS_UNIT ? 0.8 * cell : 0.9 * cell * norm / maxpx;
    if (len < 1) continue;
    arrow_at(c, "arrow", px[j], py[j], vx[j] / norm, vy[j] / norm, len,
             it->flags & PLOT_ARROWS_MAGNITUDE ? colormap(maxmag > 0 ? mag[j] / maxmag : 0) : arrow_gray);
  }
  free(px);
}

/* How much data a legend box would hide: line segments crossing it,
 * markers and arrows inside it. */
static long legend_overlap(const plot *p, const layout *L, const double *box) {
  long n = 0;
  int i, j;
  for (i = 0; i < p->nitems; i++) {
    const item *it = &p->items[i];
    double ax = 0, ay = 0, X, Y, t0, t1;
    int have = 0;
    for (j = 0; j < it->n; j++) {
      if (!point_px(L, it, j, &X, &Y)) {
        have = 0;
        continue;
      }
      if (it->kind != ITEM_LINE) n += inside(box, X, Y);
      else if (have) n += clip_segment(box, ax, ay, X, Y, &t0, &t1);
      have = 1, ax = X, ay = Y;
    }
  }
  return n;
}

static void draw_legend(canvas *c, const plot *p, const layout *L) {
  double u = 1, ft = font_height(c, FONT_TICK), row = 1.6 * ft, pad = 6 * u, sample = 26 * u;
  double textw = 0, w, h, x = 0, y = 0;
  int i, n = 0, where;
  long best = -1;
  if (p->legend == PLOT_LEGEND_NONE) return;
  for (i = 0; i < p->nitems; i++)
    if (p->items[i].label) n++, textw = fmax(textw, text_width(c, FONT_TICK, p->items[i].label, NULL));
  if (!n) return;
  w = pad + sample + pad + textw + pad, h = 2 * pad + n * row - (row - ft);
  /* the given corner, or the first corner hiding the least data */
  for (where = PLOT_LEGEND_UPPER_RIGHT; where <= PLOT_LEGEND_LOWER_RIGHT; where++) {
    double bx, by, box[4];
    long overlap;
    if (p->legend != PLOT_LEGEND_BEST && where != p->legend) continue;
    bx = where == PLOT_LEGEND_UPPER_LEFT || where == PLOT_LEGEND_LOWER_LEFT ? L->left + 8 * u : L->right - 8 * u - w;
    by = where == PLOT_LEGEND_UPPER_LEFT || where == PLOT_LEGEND_UPPER_RIGHT ? L->top + 8 * u : L->bottom - 8 * u - h;
    bx = floor(bx), by = floor(by);
    box[0] = bx, box[1] = by, box[2] = bx + w, box[3] = by + h;
    overlap = p->legend == PLOT_LEGEND_BEST ? legend_overlap(p, L, box) : 0;
    if (best < 0 || overlap < best) best = overlap, x = bx, y = by;
  }
  cv_rect(c, x, y, w, h, &white, &legend_gray);
  for (i = 0, n = 0; i < p->nitems; i++) {
    const item *it = &p->items[i];
    double cy = y + pad + ft / 2 + n * row, sx = x + pad;
    if (!it->label) continue;
    if (it->kind == ITEM_LINE) {
      double xy[4] = {sx, cy, sx + sample, cy};
      cv_polyline(c, "legend", 2, xy, it->style);
    } else if (it->kind == ITEM_POINTS) {
      cv_disc(c, "legend", sx + sample / 2, cy, 3, palette[(it->style & PLOT_COLOR_MASK) % 10]);
    } else {
      arrow_at(c, "legend", sx + sample / 2, cy, 1, 0, sample * 0.8,
               it->flags & PLOT_ARROWS_MAGNITUDE ? colormap(0.5) : arrow_gray);
    }
    cv_text(c, "legend", sx + sample + pad, cy, FONT_TICK, ANCHOR_START, 0, it->label, NULL);
    n++;
  }
}

static void draw_figure(canvas *c, const plot *p) {
  layout *L = malloc(sizeof *L);
  double u, ticklen, gap, box[4], *seg;
  int i, n;
  if (!L || !(seg = malloc(sizeof(double) * 4 * 2 * MAX_TICKS))) {
    free(L);
    c->failed = 1;
    return;
  }
  u = 1, ticklen = 5 * u, gap = 3 * u;
  make_layout(c, p, L);
  cv_rect(c, 0, 0, c->w, c->h, &white, NULL);

  /* grid at the major ticks */
  for (i = 0, n = 0; i < L->x.nticks; i++)
    if (!L->x.ticks[i].minor) {
      double X = floor(to_px(&L->x, L->x.ticks[i].t));
      seg[4 * n] = X, seg[4 * n + 1] = L->top, seg[4 * n + 2] = X, seg[4 * n + 3] = L->bottom, n++;
    }
  for (i = 0; i < L->y.nticks; i++)
    if (!L->y.ticks[i].minor) {
      double Y = floor(to_px(&L->y, L->y.ticks[i].t));
      seg[4 * n] = L->left, seg[4 * n + 1] = Y, seg[4 * n + 2] = L->right, seg[4 * n + 3] = Y, n++;
    }
  cv_segments(c, "grid", n, seg, grid_gray);

  /* the series, cut to the axes (box: a little outside, so no line ends show) */
  box[0] = L->left - 10 * u, box[1] = L->top - 10 * u, box[2] = L->right + 10 * u, box[3] = L->bottom + 10 * u;
  cv_clip(c, 1, L->left, L->top, L->right, L->bottom);
  for (i = 0; i < p->nitems; i++) {
    const item *it = &p->items[i];
    if (it->kind == ITEM_LINE) draw_line(c, L, box, it);
    else if (it->kind == ITEM_POINTS) draw_points(c, L, box, it);
    else draw_arrows(c, L, box, it);
  }
  cv_clip(c, 0, 0, 0, 0, 0);

  /* frame, ticks (minor ones shorter) and their labels */
  cv_rect(c, L->left, L->top, L->right - L->left, L->bottom - L->top, NULL, &black);
  for (i = 0, n = 0; i < L->x.nticks; i++) {
    double X = floor(to_px(&L->x, L->x.ticks[i].t));
    seg[4 * n] = X, seg[4 * n + 1] = L->bottom, seg[4 * n + 2] = X,
            seg[4 * n + 3] = L->bottom + (L->x.ticks[i].minor ? 0.6 : 1) * ticklen, n++;
  }
  for (i = 0; i < L->y.nticks; i++) {
    double Y = floor(to_px(&L->y, L->y.ticks[i].t));
    seg[4 * n] = L->left, seg[4 * n + 1] = Y, seg[4 * n + 2] = L->left - (L->y.ticks[i].minor ? 0.6 : 1) * ticklen,
            seg[4 * n + 3] = Y, n++;
  }
  cv_segments(c, "ticks", n, seg, black);
  for (i = 0; i < L->x.nticks; i++) {
    const tick *k = &L->x.ticks[i];
    if (k->minor) continue;
    cv_text(c, "xtick", floor(to_px(&L->x, k->t)), L->bottom + ticklen + gap + font_height(c, FONT_TICK) / 2, FONT_TICK,
            ANCHOR_MIDDLE, 0, k->pow10 ? "10" : k->text, k->pow10 ? k->text : NULL);
  }
  for (i = 0; i < L->y.nticks; i++) {
    const tick *k = &L->y.ticks[i];
    if (k->minor) continue;
    cv_text(c, "ytick", L->left - ticklen - gap, floor(to_px(&L->y, k->t)), FONT_TICK, ANCHOR_END, 0,
            k->pow10 ? "10" : k->text, k->pow10 ? k->text : NULL);
  }

  /* labels, title, legend */
  if (p->xlabel)
    cv_text(c, "xlabel", (L->left + L->right) / 2, c->h - 8 * u - font_height(c, FONT_LABEL) / 2, FONT_LABEL,
            ANCHOR_MIDDLE, 0, p->xlabel, NULL);
  if (p->ylabel)
    cv_text(c, "ylabel", 8 * u + font_height(c, FONT_LABEL) / 2, (L->top + L->bottom) / 2, FONT_LABEL, ANCHOR_MIDDLE, 1,
            p->ylabel, NULL);
  if (p->title)
    cv_text(c, "title", (L->left + L->right) / 2, 8 * u + font_height(c, FONT_TITLE) / 2, FONT_TITLE, ANCHOR_MIDDLE, 0,
            p->title, NULL);
  draw_legend(c, p, L);
  free(seg);
  free(L);
}

/* ---- files ---- */

static int check_figure(const plot *p, const char *path, char *err, size_t nerr) {
  if (!path) return rt_fail(err, nerr, "plot_write_svg", "no file name");
  if (!p) return rt_fail(err, nerr, path, "cannot write: no figure (plot_new failed?)");
  if (p->error[0]) return rt_fail(err, nerr, path, "cannot write: %s", p->error);
  return 0;
}

int plot_write_svg(const plot *p, const char *path, char *err, size_t nerr) {
  canvas c;
  int rc;
  if (check_figure(p, path, err, nerr)) return 1;
  memset(&c, 0, sizeof c);
  c.w = p->width, c.h = p->height;
  sb_printf(&c.out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
            " font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n",
            c.w, c.h, c.w, c.h);
  if (p->title) {
    sb_lit(&c.out, "<title>");
    sb_xml(&c.out, p->title);
    sb_lit(&c.out, "</title>\n");
  }
  draw_figure(&c, p);
  sb_lit(&c.out, "</svg>\n");
  if (c.failed || c.out.failed) {
    free(c.out.p);
    return rt_fail(err, nerr, path, "cannot write: out of memory");
  }
  rc = rt_atomic_write(path, c.out.p, c.out.n, 0, err, nerr);
  free(c.out.p);
  return rc;
}
