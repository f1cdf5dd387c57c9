/* tests of cli/plot.c: SVG well-formedness (a small XML checker written
 * here), element counts, nice and decade ticks, NaN handling,
 * deterministic bytes, failed writes leaving no file.
 *
 * test_examples renders the three plots of the HNN reproduction (phase
 * portrait over a vector field, energy along rollouts, loss curves) and
 * checks what they hold: series, arrows, legend labels, tick labels. With
 * HNNC_PLOT_EXAMPLES=dir they are kept in dir, else written to the
 * temporary directory and removed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plot.h"

#define PI 3.14159265358979323846

static char tmpdir[64];

/* tmpdir/name, in a static buffer per slot */
static const char *tmp_path(int slot, const char *name) {
  static char buf[4][256];
  snprintf(buf[slot], sizeof buf[slot], "%s/%s", tmpdir, name);
  return buf[slot];
}

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* the whole file, NUL-terminated; *n its size */
static unsigned char *read_all(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  unsigned char *p;
  long len;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  len = ftell(f);
  fseek(f, 0, SEEK_SET);
  p = malloc((size_t)len + 1);
  if (p && fread(p, 1, (size_t)len, f) != (size_t)len) free(p), p = NULL;
  fclose(f);
  if (p) p[len] = 0, *n = (size_t)len;
  return p;
}

static char *read_text(const char *path) {
  size_t n;
  char *s = (char *)read_all(path, &n);
  assert_non_null(s);
  return s;
}

static int count(const char *s, const char *needle) {
  int n = 0;
  size_t k = strlen(needle);
  while ((s = strstr(s, needle))) n++, s += k;
  return n;
}

/* ---- a small XML well-formedness checker ---- */

static int is_name_char(int c) { return c == '_' || c == ':' || c == '-' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

/* the length of the entity reference at s ("&amp;", "&#60;" ...), 0 if invalid */
static int entity_len(const char *s) {
  static const char *names[5] = {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"};
  int i;
  for (i = 0; i < 5; i++)
    if (!strncmp(s, names[i], strlen(names[i]))) return (int)strlen(names[i]);
  if (s[1] == '#') {
    for (i = 2; s[i] >= '0' && s[i] <= '9'; i++) {}
    if (i > 2 && s[i] == ';') return i + 1;
  }
  return 0;
}

/* Checks that s is one well-formed XML element (after an optional
 * declaration and comments): tags balance, attributes are quoted and
 * unique-named, text and values hold no raw '<' and only valid '&'
 * references, no control characters. Returns NULL or what is wrong. */
static const char *xml_check(const char *s, long *where) {
  const char *start = s, *stack[64];
  size_t stacklen[64];
  int depth = 0, roots = 0;
#define BAD(msg) do { *where = (long)(s - start); return msg; } while (0)
  if (!strncmp(s, "<?xml", 5)) {
    if (!(s = strstr(s, "?>"))) BAD("unterminated declaration");
    s += 2;
  }
  while (*s) {
    if ((unsigned char)*s < 32 && *s != '\n' && *s != '\t' && *s != '\r') BAD("control character");
    if (!strncmp(s, "<!--", 4)) {
      if (!(s = strstr(s, "-->"))) BAD("unterminated comment");
      s += 3;
    } else if (s[0] == '<' && s[1] == '/') {
      const char *name = s + 2;
      size_t k = 0;
      while (is_name_char(name[k])) k++;
      if (!depth || k != stacklen[depth - 1] || strncmp(name, stack[depth - 1], k)) BAD("mismatched end tag");
      s = name + k;
      while (*s == ' ' || *s == '\n') s++;
      if (*s != '>') BAD("bad end tag");
      s++, depth--;
    } else if (*s == '<') {
      const char *name = ++s, *attrs[64];
      size_t k = 0, alen[64];
      int na = 0, i;
      while (is_name_char(s[k])) k++;
      if (!k) BAD("bad tag name");
      if (!depth && roots++) BAD("second root element");
      s += k;
      for (;;) {
        while (*s == ' ' || *s == '\n' || *s == '\t') s++;
        if (*s == '>' || (s[0] == '/' && s[1] == '>')) break;
        attrs[na] = s;
        for (alen[na] = 0; is_name_char(s[alen[na]]); alen[na]++) {}
        if (!alen[na]) BAD("bad attribute name");
        for (i = 0; i < na; i++)
          if (alen[i] == alen[na] && !strncmp(attrs[i], s, alen[na])) BAD("duplicate attribute");
        s += alen[na];
        if (na < 63) na++;
        if (*s++ != '=') BAD("attribute without =");
        if (*s != '"' && *s != '\'') BAD("unquoted attribute");
        {
          char q = *s++;
          while (*s && *s != q) {
            if (*s == '<') BAD("< in attribute");
            if (*s == '&' && !entity_len(s)) BAD("bad & in attribute");
            s++;
          }
          if (!*s++) BAD("unterminated attribute");
        }
      }
      if (*s == '/') s += 2;
      else {
        if (depth == 64) BAD("too deep");
        stack[depth] = name, stacklen[depth] = k, depth++;
        s++;
      }
    } else {
      if (!depth && *s != ' ' && *s != '\n' && *s != '\t' && *s != '\r') BAD("text outside the root");
      if (*s == '&' && !entity_len(s)) BAD("bad & in text");
      s++;
    }
  }
  if (depth) BAD("unclosed element");
  if (roots != 1) BAD("no root element");
  return NULL;
#undef BAD
}

static void assert_xml(const char *svg) {
  long where = 0;
  const char *msg = xml_check(svg, &where);
  if (msg) fprintf(stderr, "  XML error at byte %ld: %s: %.60s\n", where, msg, svg + where);
  assert_null(msg);
}

static void test_xml_checker(void **state) {
  long w;
  (void)state;
  assert_null(xml_check("<?xml version=\"1.0\"?>\n<a x=\"1\"><b/>t &amp; u</a>\n", &w));
  assert_non_null(xml_check("<a><b></a></b>", &w));
  assert_non_null(xml_check("<a>x < y</a>", &w));
  assert_non_null(xml_check("<a>x & y</a>", &w));
  assert_non_null(xml_check("<a x=1></a>", &w));
  assert_non_null(xml_check("<a x=\"1\" x=\"2\"></a>", &w));
  assert_non_null(xml_check("<a></a><b></b>", &w));
  assert_non_null(xml_check("<a>", &w));
}

/* ---- ticks ---- */

/* step = m 10^k with m in {1, 2, 5}, ticks on multiples of it, exact decimals */
static void assert_nice(const double *t, int n, double lo, double hi, int maxticks) {
  int i;
  assert_true(n >= 2 && n <= maxticks);
  for (i = 0; i < n; i++) {
    char buf[32];
    assert_true(t[i] >= lo - 1e-12 * fabs(lo) && t[i] <= hi + 1e-12 * fabs(hi));
    snprintf(buf, sizeof buf, "%.12g", t[i]); /* short decimal, e.g. 0.3 */
    if (strtod(buf, NULL) != t[i]) fprintf(stderr, "  tick %.17g is not a short decimal\n", t[i]);
    assert_true(strtod(buf, NULL) == t[i]);
  }
  {
    double step = t[1] - t[0], e = pow(10, floor(log10(step) + 1e-9)), m = step / e;
    assert_true(fabs(m - 1) < 1e-6 || fabs(m - 2) < 1e-6 || fabs(m - 5) < 1e-6);
    for (i = 0; i < n; i++) {
      double k = t[i] / step;
      assert_true(fabs(k - nearbyint(k)) < 1e-6);
      if (i) assert_true(fabs(t[i] - t[i - 1] - step) < 1e-9 * step);
    }
  }
}

static void test_ticks_linear(void **state) {
  static const double ranges[][3] = {
    {0, 1, 6}, {-2.2, 2.2, 10}, {0.1, 0.7, 7}, {-3.3, 3.3, 5}, {-1050, 50, 8}, {1e-7, 3e-6, 6},
    {0.9999, 1.0003, 5}, {1234567, 1234890, 6}, {-0.05, 1.05, 11}, {3, 1000, 4}, {-7e9, 2e10, 6},
  };
  double t[64];
  int i, n;
  (void)state;
  for (i = 0; i < (int)(sizeof ranges / sizeof ranges[0]); i++) {
    n = plot_ticks(ranges[i][0], ranges[i][1], 0, (int)ranges[i][2], t, 64);
    assert_nice(t, n, ranges[i][0], ranges[i][1], (int)ranges[i][2]);
  }
  n = plot_ticks(-0.05, 1.05, 0, 6, t, 64);
  assert_int_equal(n, 6);
  assert_true(t[0] == 0 && t[1] == 0.2 && t[2] == 0.4 && t[3] == 0.6 && t[4] == 0.8 && t[5] == 1);
  n = plot_ticks(-2.2, 2.2, 0, 10, t, 64);
  assert_int_equal(n, 9);
  assert_true(t[0] == -2 && t[1] == -1.5 && t[8] == 2);
  n = plot_ticks(0.25, 0.35, 0, 3, t, 64);
  assert_int_equal(n, 3);
  assert_true(t[0] == 0.25 && t[1] == 0.3 && t[2] == 0.35);
  assert_int_equal(plot_ticks(1, 0, 0, 5, t, 64), 0);
  assert_int_equal(plot_ticks(NAN, 1, 0, 5, t, 64), 0);
  assert_int_equal(plot_ticks(0, 1, 0, 6, t, 3), 3);
}

static void test_ticks_log(void **state) {
  double t[64];
  int n, k;
  (void)state;
  n = plot_ticks(5e-5, 2, 1, 10, t, 64);
  assert_int_equal(n, 5);
  for (k = 0; k < n; k++) {
    char buf[16];
    snprintf(buf, sizeof buf, "1e%d", k - 4);
    assert_true(t[k] == strtod(buf, NULL));
  }
  /* 25 decades, at most 6 ticks: every 5th */
  n = plot_ticks(1e-12, 1e12, 1, 6, t, 64);
  assert_int_equal(n, 5);
  assert_true(t[0] == 1e-10 && t[1] == 1e-5 && t[2] == 1 && t[3] == 1e5 && t[4] == 1e10);
  /* within one decade: linear ticks */
  n = plot_ticks(2, 8, 1, 4, t, 64);
  assert_nice(t, n, 2, 8, 4);
  assert_int_equal(plot_ticks(0, 10, 1, 5, t, 64), 0);
}

/* ---- SVG ---- */


static void test_svg_structure(void **state) {
  double q[50], p[50], gx[400], gy[400], gu[400], gv[400];
  const char *path = tmp_path(0, "structure.svg");
  char err[256], *svg;
  plot *fig = plot_new("a < b & c > \"d\" 'e'", "q", "p");
  int i, j;
  (void)state;
  for (i = 0; i < 20; i++)
    for (j = 0; j < 20; j++) {
      int k = 20 * i + j;
      gx[k] = -3 + 6.0 * j / 19, gy[k] = -3 + 6.0 * i / 19;
      gu[k] = gy[k], gv[k] = -sin(gx[k]);
    }
  plot_arrows(fig, "field", 400, gx, gy, gu, gv, PLOT_ARROWS_MAGNITUDE);
  for (j = 0; j < 3; j++) {
    for (i = 0; i < 50; i++) q[i] = (j + 1) * cos(2 * PI * i / 49), p[i] = (j + 1) * sin(2 * PI * i / 49);
    plot_line(fig, j == 0 ? "true" : NULL, 50, q, p, j);
  }
  q[25] = NAN; /* one more line, broken in two */
  plot_line(fig, "learned & <broken>", 50, q, p, 3 | PLOT_DASHED);
  plot_points(fig, "starts", 5, gx, gy, 1);
  assert_int_equal(plot_write_svg(fig, path, err, sizeof err), 0);
  svg = read_text(path);
  assert_xml(svg);
  assert_int_equal(count(svg, "class=\"series\""), 5);
  assert_int_equal(count(svg, "<polyline"), 5 + 2); /* and two legend samples */
  assert_int_equal(count(svg, "class=\"arrow\""), 400);
  assert_int_equal(count(svg, "class=\"marker\""), 5);
  assert_int_equal(count(svg, "stroke-dasharray"), 2 + 1); /* two runs and the legend sample */
  assert_non_null(strstr(svg, "a &lt; b &amp; c &gt; &quot;d&quot; &apos;e&apos;"));
  assert_non_null(strstr(svg, ">learned &amp; &lt;broken&gt;</text>"));
  assert_non_null(strstr(svg, "width=\"640\" height=\"480\""));
  assert_null(strstr(svg, "nan"));
  free(svg);
  remove(path);
  plot_free(fig);
}

/* the texts of the <text class="cls" ...> elements, one a line */
static void tick_texts(const char *svg, const char *cls, char *out, size_t nout) {
  char key[64];
  size_t used = 0;
  snprintf(key, sizeof key, "<text class=\"%s\"", cls);
  out[0] = 0;
  while ((svg = strstr(svg, key))) {
    const char *a = strchr(svg, '>') + 1, *b = strstr(a, "</text>");
    used += (size_t)snprintf(out + used, nout - used, "%.*s\n", (int)(b - a), a);
    svg = b;
  }
}

static void test_svg_log_axis(void **state) {
  double step[200], train[200], test[200];
  const char *path = tmp_path(0, "loss.svg");
  char err[256], *svg, texts[4096];
  plot *fig = plot_new("loss", "step", "loss");
  int i;
  (void)state;
  for (i = 0; i < 200; i++) {
    step[i] = 10 * i;
    train[i] = 0.5 * exp(-step[i] / 300) + 2e-4;
    test[i] = i % 7 == 3 ? -1 : 0.6 * exp(-step[i] / 350) + 4e-4; /* values <= 0 are skipped */
  }
  plot_logy(fig, 1);
  plot_line(fig, "train", 200, step, train, 0);
  plot_line(fig, "test", 200, step, test, 1);
  assert_int_equal(plot_write_svg(fig, path, err, sizeof err), 0);
  svg = read_text(path);
  assert_xml(svg);
  tick_texts(svg, "ytick", texts, sizeof texts);
  /* decades 10^-3 .. 10^-1; minor ticks are unlabeled */
  assert_string_equal(texts,
                      "10<tspan dy=\"-4.4\" font-size=\"8.25\">-3</tspan>\n"
                      "10<tspan dy=\"-4.4\" font-size=\"8.25\">-2</tspan>\n"
                      "10<tspan dy=\"-4.4\" font-size=\"8.25\">-1</tspan>\n");
  tick_texts(svg, "xtick", texts, sizeof texts);
  assert_string_equal(texts, "0\n200\n400\n600\n800\n1000\n1200\n1400\n1600\n1800\n2000\n");
  assert_int_equal(count(svg, "class=\"series\""), 1 + 29); /* the test line is broken at 28 points */
  free(svg);
  remove(path);
  plot_free(fig);
}

static void test_nan_inf(void **state) {
  double x[8] = {0, 1, 2, 3, 4, 5, 6, 7}, y[8] = {0, 1, NAN, 3, INFINITY, 5, 1e308, 7};
  double nan2[2] = {NAN, NAN};
  const char *path = tmp_path(0, "nan.svg");
  char err[256], *svg;
  plot *fig = plot_new("NaN", NULL, NULL);
  (void)state;
  plot_line(fig, "broken", 8, x, y, 0);
  plot_line(fig, "all NaN", 2, nan2, nan2, 1);
  plot_points(fig, NULL, 8, x, y, 2);
  plot_arrows(fig, NULL, 8, x, y, y, x, 0);
  assert_int_equal(plot_write_svg(fig, path, err, sizeof err), 0);
  svg = read_text(path);
  assert_xml(svg);
  /* runs {0, 1}, {3}, {5}, {7}: only the first has two points */
  assert_int_equal(count(svg, "class=\"series\""), 1);
  assert_int_equal(count(svg, "class=\"marker\""), 5);
  assert_null(strstr(svg, "nan"));
  assert_null(strstr(svg, "inf"));
  free(svg);
  remove(path);
  plot_free(fig);
}

/* Fixed limits with data far outside: lines are cut at the axes, so every
 * coordinate stays near the canvas; arrows outside are left out. */
static void test_limits_clip(void **state) {
  double x[3] = {-1e200, 0.5, 1e200}, y[3] = {-1e200, 0.5, 1e200}, u[3] = {1, 1, 1};
  const char *path = tmp_path(0, "clip.svg");
  char err[256], *svg, *s;
  plot *fig = plot_new("clip", "x", "y");
  int nums = 0;
  (void)state;
  plot_xlim(fig, 0, 1), plot_ylim(fig, 0, 1);
  plot_line(fig, NULL, 3, x, y, 0);
  plot_arrows(fig, NULL, 3, x, y, u, u, 0);
  plot_points(fig, NULL, 3, x, y, 0);
  assert_int_equal(plot_write_svg(fig, path, err, sizeof err), 0);
  svg = read_text(path);
  assert_xml(svg);
  assert_int_equal(count(svg, "class=\"series\""), 1);
  assert_int_equal(count(svg, "class=\"arrow\""), 1);
  assert_int_equal(count(svg, "class=\"marker\""), 1);
  s = strstr(strstr(svg, "class=\"series\""), "points=\"") + 8;
  while (*s != '"') {
    double v = strtod(s, &s);
    assert_true(v > -20 && v < 660);
    nums++;
    if (*s == ',' || *s == ' ') s++;
  }
  assert_int_equal(nums, 6); /* where it enters, (0.5, 0.5), where it leaves */
  free(svg);
  remove(path);
  plot_free(fig);
}

static void test_empty(void **state) {
  double x[3] = {1, 1, 1};
  const char *path = tmp_path(0, "empty.svg");
  char err[256], *svg;
  plot *fig = plot_new(NULL, NULL, NULL);
  (void)state;
  assert_int_equal(plot_write_svg(fig, path, err, sizeof err), 0);
  svg = read_text(path);
  assert_xml(svg);
  assert_int_equal(count(svg, "<polyline"), 0);
  assert_null(strstr(svg, "<title>"));
  free(svg);
  /* a constant series: the range is widened around it */
  plot_line(fig, NULL, 3, x, x, 0);
  plot_logx(fig, 1);
  assert_int_equal(plot_write_svg(fig, path, err, sizeof err), 0);
  svg = read_text(path);
  assert_xml(svg);
  assert_int_equal(count(svg, "class=\"series\""), 1);
  free(svg);
  remove(path);
  plot_free(fig);
}

static void test_text_sanitized(void **state) {
  const char *path = tmp_path(0, "utf8.svg");
  char err[256], *svg;
  plot *fig = plot_new("bad \xff\x01 byte, \xce\x94t ok, \xed\xa0\x80 surrogate", "x", "y");
  (void)state;
  assert_int_equal(plot_write_svg(fig, path, err, sizeof err), 0);
  svg = read_text(path);
  assert_xml(svg);
  assert_non_null(strstr(svg, "bad ?? byte, \xce\x94t ok, ??? surrogate"));
  free(svg);
  remove(path);
  plot_free(fig);
}

static void build_figure(plot **out) {
  double x[100], y[100];
  int i;
  plot *fig = plot_new("determinism", "t", "H");
  for (i = 0; i < 100; i++) x[i] = 0.01 * i * PI, y[i] = sin(x[i]) / 3;
  plot_line(fig, "sin", 100, x, y, 0);
  for (i = 0; i < 100; i++) y[i] = cos(x[i]) * 1e-3;
  plot_line(fig, "cos", 100, x, y, 1 | PLOT_DOTTED);
  *out = fig;
}

static void test_deterministic(void **state) {
  plot *a, *b;
  unsigned char *pa, *pb, *pc;
  size_t na, nb, nc;
  char err[256];
  (void)state;
  build_figure(&a), build_figure(&b);
  assert_int_equal(plot_write_svg(a, tmp_path(0, "d1.svg"), err, sizeof err), 0);
  assert_int_equal(plot_write_svg(b, tmp_path(1, "d2.svg"), err, sizeof err), 0);
  pa = read_all(tmp_path(0, "d1.svg"), &na), pb = read_all(tmp_path(1, "d2.svg"), &nb);
  assert_true(na == nb && !memcmp(pa, pb, na));
  /* the same figure written again over the old file */
  assert_int_equal(plot_write_svg(a, tmp_path(0, "d1.svg"), err, sizeof err), 0);
  pc = read_all(tmp_path(0, "d1.svg"), &nc);
  assert_true(nc == na && !memcmp(pa, pc, na));
  free(pa), free(pb), free(pc);
  remove(tmp_path(0, "d1.svg")), remove(tmp_path(1, "d2.svg"));
  plot_free(a), plot_free(b);
}

static void test_write_errors(void **state) {
  plot *fig;
  char err[256], dir[256];
  const char *bad = "/nonexistent-hnnc-dir/plot.svg";
  (void)state;
  build_figure(&fig);
  err[0] = 0;
  assert_int_not_equal(plot_write_svg(fig, bad, err, sizeof err), 0);
  assert_non_null(strstr(err, bad));
  assert_false(file_exists(bad));
  /* the target is a directory: the rename fails and no temporary is left */
  snprintf(dir, sizeof dir, "%s", tmp_path(0, "adir"));
  assert_int_equal(mkdir(dir, 0700), 0);
  assert_int_not_equal(plot_write_svg(fig, dir, err, sizeof err), 0);
  assert_non_null(strstr(err, dir));
  assert_null(strstr(err, ".tmp"));
  rmdir(dir); /* fails in teardown if a temporary is left beside it */
  /* a bad size, a NULL figure, a failed series */
  plot_size(fig, 10, 10);
  assert_int_not_equal(plot_write_svg(fig, tmp_path(0, "small.svg"), err, sizeof err), 0);
  assert_non_null(strstr(err, "small.svg: error:"));
  assert_false(file_exists(tmp_path(0, "small.svg")));
  plot_free(fig);
  build_figure(&fig);
  assert_int_not_equal(plot_write_svg(NULL, tmp_path(0, "null.svg"), err, sizeof err), 0);
  assert_false(file_exists(tmp_path(0, "null.svg")));
  plot_line(fig, "oops", 3, NULL, NULL, 0);
  assert_int_not_equal(plot_write_svg(fig, tmp_path(0, "null.svg"), NULL, 0), 0);
  assert_false(file_exists(tmp_path(0, "null.svg")));
  plot_free(fig);
}

/* ---- the HNN plots ---- */

/* pendulum of Greydanus et al.: H = 3 (1 - cos q) + p^2 / 2 (m = l = 1,
 * g = 3); the "learned" field adds a small damping, as a baseline's drift */
static void pendulum(double q, double p, double damping, double *dq, double *dp) {
  *dq = p;
  *dp = -3 * sin(q) - damping * p;
}

static double energy(double q, double p) { return 3 * (1 - cos(q)) + p * p / 2; }

static void rollout(double q0, double p0, double damping, int n, double dt, double *q, double *p) {
  int i;
  q[0] = q0, p[0] = p0;
  for (i = 1; i < n; i++) { /* RK4 */
    double a, b, k1q, k1p, k2q, k2p, k3q, k3p, k4q, k4p;
    a = q[i - 1], b = p[i - 1];
    pendulum(a, b, damping, &k1q, &k1p);
    pendulum(a + dt / 2 * k1q, b + dt / 2 * k1p, damping, &k2q, &k2p);
    pendulum(a + dt / 2 * k2q, b + dt / 2 * k2p, damping, &k3q, &k3p);
    pendulum(a + dt * k3q, b + dt * k3p, damping, &k4q, &k4p);
    q[i] = a + dt / 6 * (k1q + 2 * k2q + 2 * k3q + k4q);
    p[i] = b + dt / 6 * (k1p + 2 * k2p + 2 * k3p + k4p);
  }
}

/* writes fig to dir/name.svg and returns its text, checked for XML */
static char *write_svg(plot *fig, const char *dir, const char *name) {
  char path[512], err[512], *svg;
  snprintf(path, sizeof path, "%s/%s.svg", dir, name);
  if (plot_write_svg(fig, path, err, sizeof err)) fprintf(stderr, "  %s\n", err), fail();
  svg = read_text(path);
  assert_non_null(svg);
  assert_xml(svg);
  return svg;
}

static void test_examples(void **state) {
  enum { N = 300, G = 21, STEPS = 400 }; /* G odd: p = 0 is a grid row */
  static double q[N], p[N], t[N], H[N], gx[G * G], gy[G * G], gu[G * G], gv[G * G];
  static double step[STEPS], train[STEPS], test[STEPS];
  static const double starts[3] = {0.8, 1.6, 2.4};
  const char *env = getenv("HNNC_PLOT_EXAMPLES"), *dir = env && *env ? env : tmpdir;
  plot *phase = plot_new("Pendulum: phase portrait", "q", "p");
  plot *en = plot_new("Energy along rollouts", "time", "H(q, p)");
  plot *loss = plot_new("Training", "step", "loss (MSE)");
  double dt = 0.05;
  char *svg, texts[4096];
  int i, j;
  uint32_t seed = 12345;
  (void)state;
  if (env && *env) mkdir(dir, 0755);

  /* phase portrait: the learned field, then true (solid) and learned
   * (dashed) trajectories */
  for (i = 0; i < G; i++)
    for (j = 0; j < G; j++) {
      int k = G * i + j;
      gx[k] = -PI + 2 * PI * j / (G - 1), gy[k] = -4 + 8.0 * i / (G - 1);
      pendulum(gx[k], gy[k], 0.1, &gu[k], &gv[k]);
    }
  plot_size(phase, 560, 480);
  plot_arrows(phase, "learned field", G * G, gx, gy, gu, gv, PLOT_ARROWS_MAGNITUDE);
  for (j = 0; j < 3; j++) {
    char label[64];
    rollout(starts[j], 0, 0, N, dt, q, p);
    snprintf(label, sizeof label, "true, q0 = %.1f", starts[j]);
    plot_line(phase, label, N, q, p, j);
    plot_points(phase, NULL, 1, q, p, j);
  }
  for (j = 0; j < 3; j++) {
    rollout(starts[j], 0, 0.1, N, dt, q, p);
    plot_line(phase, j == 0 ? "learned (dashed)" : NULL, N, q, p, j | PLOT_DASHED);
  }
  svg = write_svg(phase, dir, "phase_portrait");
  /* 3 true and 3 learned lines, a start marker each, 5 legend rows; the
   * arrows: the longest is 0.9 of the grid spacing (about 23 px here), one
   * shorter than a pixel is left out, so those under 2% of the longest go
   * (the three at p = 0, q = 0 or +-pi: 0 and 1e-16) and those over 6%
   * stay (none is in between) */
  assert_int_equal(count(svg, "class=\"series\""), 6);
  assert_int_equal(count(svg, "class=\"marker\""), 3);
  {
    double big = 0;
    int kept = 0, unclear = 0;
    for (i = 0; i < G * G; i++) big = fmax(big, hypot(gu[i], gv[i]));
    for (i = 0; i < G * G; i++) {
      double r = hypot(gu[i], gv[i]) / big;
      kept += r > 0.06, unclear += r >= 0.02 && r <= 0.06;
    }
    assert_int_equal(unclear, 0);
    assert_int_equal(kept, G * G - 3);
    assert_int_equal(count(svg, "class=\"arrow\""), kept);
  }
  assert_int_equal(count(svg, "<text class=\"legend\""), 5);
  assert_non_null(strstr(svg, ">true, q0 = 2.4</text>"));
  assert_non_null(strstr(svg, ">learned (dashed)</text>"));
  assert_int_equal(count(svg, "stroke-dasharray"), 3 + 1); /* and the legend sample */
  free(svg);

  /* energy: constant for the true system, decaying for the learned one */
  for (j = 0; j < 3; j++) {
    char label[64];
    rollout(starts[j], 0, 0, N, dt, q, p);
    for (i = 0; i < N; i++) t[i] = i * dt, H[i] = energy(q[i], p[i]);
    snprintf(label, sizeof label, "true, q0 = %.1f", starts[j]);
    plot_line(en, label, N, t, H, j);
    rollout(starts[j], 0, 0.1, N, dt, q, p);
    for (i = 0; i < N; i++) H[i] = energy(q[i], p[i]);
    snprintf(label, sizeof label, "learned, q0 = %.1f", starts[j]);
    plot_line(en, label, N, t, H, j | PLOT_DASHED);
  }
  plot_ylim(en, 0, 8); /* room for the legend above the lines */
  svg = write_svg(en, dir, "energy");
  /* the fixed range 0..8: the y ticks start at 0 and end at 8 */
  tick_texts(svg, "ytick", texts, sizeof texts);
  assert_true(!strncmp(texts, "0\n", 2) && strlen(texts) >= 2 && !strcmp(texts + strlen(texts) - 2, "8\n"));
  assert_int_equal(count(svg, "class=\"series\""), 6);
  assert_int_equal(count(svg, "<text class=\"legend\""), 6);
  free(svg);

  /* loss: noisy exponential decays on a log axis */
  for (i = 0; i < STEPS; i++) {
    double noise;
    seed = seed * 1664525u + 1013904223u;
    noise = (seed >> 8) / 16777216.0;
    step[i] = 5 * i;
    train[i] = (0.3 * exp(-step[i] / 250) + 3e-4) * (1 + 0.3 * noise);
    test[i] = (0.35 * exp(-step[i] / 300) + 6e-4) * (1 + 0.1 * noise);
  }
  plot_logy(loss, 1);
  plot_line(loss, "train", STEPS, step, train, 0);
  plot_line(loss, "test", STEPS, step, test, 1);
  svg = write_svg(loss, dir, "loss");
  /* train from about 4e-4 to 0.39, test from 7e-4 to 0.39: the decades
   * 10^-3 .. 10^-1 */
  tick_texts(svg, "ytick", texts, sizeof texts);
  assert_string_equal(texts,
                      "10<tspan dy=\"-4.4\" font-size=\"8.25\">-3</tspan>\n"
                      "10<tspan dy=\"-4.4\" font-size=\"8.25\">-2</tspan>\n"
                      "10<tspan dy=\"-4.4\" font-size=\"8.25\">-1</tspan>\n");
  assert_int_equal(count(svg, "class=\"series\""), 2);
  assert_non_null(strstr(svg, ">train</text>"));
  assert_non_null(strstr(svg, ">test</text>"));
  free(svg);

  if (!(env && *env)) {
    static const char *names[3] = {"phase_portrait.svg", "energy.svg", "loss.svg"};
    for (i = 0; i < 3; i++) remove(tmp_path(0, names[i]));
  }
  plot_free(phase), plot_free(en), plot_free(loss);
}

static int setup(void **state) {
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/test_plot.XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  return rmdir(tmpdir); /* fails, and says so, if a test left a file */
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_xml_checker),
    cmocka_unit_test(test_ticks_linear),
    cmocka_unit_test(test_ticks_log),
    cmocka_unit_test(test_svg_structure),
    cmocka_unit_test(test_svg_log_axis),
    cmocka_unit_test(test_nan_inf),
    cmocka_unit_test(test_limits_clip),
    cmocka_unit_test(test_empty),
    cmocka_unit_test(test_text_sanitized),
    cmocka_unit_test(test_deterministic),
    cmocka_unit_test(test_write_errors),
    cmocka_unit_test(test_examples),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
