/* hnnc poincare: Poincaré sections (q2 = 0, p2 > 0) of a system with two
 * degrees of freedom, the true one and a learned one side by side. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "cli.h"
#include "plot.h"
#include "../compiler/hnnc.h"
#include "../runtime/atomic.h"
#include "../runtime/evaluate.h"
#include "../runtime/npy.h"

const char usage_poincare[] =
    "usage: hnnc poincare MODEL.lua [--params DIR|FILE] --energy E -o DIR [--orbits K] [--crossings N]\n"
    "                     [--t-max T] [--dt D] [--rtol R] [--cc tcc|gcc]\n"
    "\n"
    "Poincaré sections of a system with two degrees of freedom, x = (q1, q2, p1,\n"
    "p2): the points (q1, p1) where an orbit crosses q2 = 0 with p2 > 0. MODEL is\n"
    "a system (its field), or a learned model with a data set (hn.data): then\n"
    "the sections of its system (true) and of its field with --params (learned)\n"
    "are drawn side by side, from the same initial states. The K orbits start\n"
    "on the section at energy E of the true H: q1 evenly spaced inside the\n"
    "allowed interval (H(q1, 0, 0, 0) < E), q2 = 0, p1 = 0, p2 > 0 with H = E.\n"
    "Each is integrated by DOP853 and sampled every D from its dense output; a\n"
    "crossing is bracketed by two samples, located by Hermite interpolation and\n"
    "refined by secant steps on the dense output.\n"
    "Writes DIR/poincare.svg (true | learned), poincare_true.svg,\n"
    "poincare_learned.svg and poincare.csv (system,orbit,crossing,t,q1,q2,p1,p2).\n"
    "\n"
    "  --energy E        the energy of the initial states (required)\n"
    "  --orbits K        orbits (default 12)\n"
    "  --crossings N     crossings an orbit (default 300)\n"
    "  --t-max T         stop an orbit at T (default 20000)\n"
    "  --dt D            sample spacing (default 0.05)\n"
    "  --rtol R          DOP853's rtol = atol (default 1e-10)\n"
    "  --params DIR|FILE the learned parameters (as evaluate's); --force as there\n"
    "  --cc tcc|gcc      backend (default gcc)\n";

/* the nested figure: two SVG files as the halves of one */
static int side_by_side(const char *a, const char *b, const char *path, char *err, size_t nerr) {
  const char *files[2] = {a, b};
  rt_atomic at;
  FILE *out = rt_atomic_open(&at, path, "w", err, nerr);
  int ok = out != NULL;
  if (!out) return 1;
  fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
               "width=\"1280\" height=\"640\" viewBox=\"0 0 1280 640\">\n");
  for (int i = 0; i < 2 && ok; i++) {
    FILE *f = fopen(files[i], "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int root = 1;
    if (!f) {
      ok = 0;
      break;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
      if (!strncmp(line, "<?xml", 5)) continue;
      if (root && !strncmp(line, "<svg", 4)) { /* the half's root, moved right */
        fprintf(out, "<svg x=\"%d\" y=\"0\"%s", i * 640, line + 4);
        root = 0;
        continue;
      }
      fputs(line, out);
    }
    free(line);
    fclose(f);
  }
  fprintf(out, "</svg>\n");
  return rt_atomic_commit(&at, ok, 0, path, err, nerr);
}

/* q1 where H(q1, 0, 0, 0) = E on the side sign (bisection); 0 if none */
static double q1_edge(const rt_energy *H, double E, double sign) {
  double lo = 0, hi = 0.01, x[4] = {0, 0, 0, 0}, h;
  for (;;) {
    x[0] = sign * hi;
    if (H->fn(H->ctx, 1, x, &h) || isnan(h) || h >= E) break;
    lo = hi, hi *= 2;
    if (hi > 1e6) return sign * lo;
  }
  for (int it = 0; it < 100; it++) {
    double mid = (lo + hi) / 2;
    x[0] = sign * mid;
    if (!H->fn(H->ctx, 1, x, &h) && h < E) lo = mid;
    else hi = mid;
  }
  return sign * lo;
}

/* K orbits from the q1 axis at energy E, each integrated to N crossings of
   q2 = 0 (p2 > 0) by every system: rows to cf, points to new plots pl[k], the true
   system's extent to lim */
static void trace_orbits(const rt_energy *H, double E, double q1lo, double q1hi, long K, long N, int nsys,
                         rt_system *sys, double dt, double tmax, double rtol, FILE *cf, plot **pl, double *lim) {
  double *pts = xmalloc((size_t)N * 4 * sizeof *pts), *tc = xmalloc((size_t)N * sizeof *tc);
  char err[8192];
  for (int k = 0; k < nsys; k++) {
    char title[256];
    snprintf(title, sizeof title, "%s: E = %g, q2 = 0, p2 > 0", k ? "learned" : "true", E);
    pl[k] = plot_new(title, "q1", "p1");
    plot_size(pl[k], 640, 640);
    plot_legend(pl[k], PLOT_LEGEND_NONE);
  }
  for (int o = 0; o < K; o++) {
    double x0[4], q1 = q1lo + (q1hi - q1lo) * (o + 0.5) / K;
    if (rt_section_start(H, E, q1, 0, x0)) continue;
    for (int k = 0; k < nsys; k++) {
      int n = rt_section(&sys[k], x0, dt, tmax, rtol, (int)N, pts, tc, err, sizeof err);
      if (n < 0) {
        fprintf(stderr, "hnnc: warning: %s orbit %d from q1 = %.6g: %s (%d crossings kept)\n", k ? "learned" : "true", o,
                q1, err, -1 - n);
        n = -1 - n;
      }
      double *qx = xmalloc((n + 1) * sizeof *qx), *px = xmalloc((n + 1) * sizeof *px);
      for (int c = 0; c < n; c++) {
        const double *x = pts + 4 * c;
        fprintf(cf, "%s,%d,%d,%.17g,%.17g,%.17g,%.17g,%.17g\n", k ? "learned" : "true", o, c, tc[c], x[0], x[1], x[2],
                x[3]);
        qx[c] = x[0], px[c] = x[2];
        if (k == 0) {
          lim[0] = fmin(lim[0], x[0]), lim[1] = fmax(lim[1], x[0]);
          lim[2] = fmin(lim[2], x[2]), lim[3] = fmax(lim[3], x[2]);
        }
      }
      plot_points(pl[k], NULL, n, qx, px, o);
      free(qx), free(px);
    }
  }
  free(pts), free(tc);
}

int cmd_poincare(int argc, char **argv) {
  const char *pos[1], *model, *params = NULL, *dir = NULL;
  double E = NAN, tmax = 20000, dt = 0.05, rtol = 1e-10;
  long K = 12, N = 300;
  int backend = JIT_GCC, force = 0, have_e = 0, ck_seed, rc = 1, nsys, dim;
  uint64_t cseed;
  const Opt opts[] = {{"--params", OPT_STR, &params},
                      {"--force", OPT_FLAG, &force},
                      {"--energy", OPT_DOUBLE, &E, .given = &have_e},
                      {"--orbits", OPT_LONG, &K, 1, 1000},
                      {"--crossings", OPT_LONG, &N, 1, 1000000},
                      {"--t-max", OPT_DOUBLE, &tmax, 1e-9, 1e12},
                      {"--dt", OPT_DOUBLE, &dt, 1e-9, 1e6},
                      {"--rtol", OPT_DOUBLE, &rtol, 1e-15, 1},
                      {"-o", OPT_STR, &dir},
                      {"--cc", OPT_BACKEND, &backend},
                      {0}};
  char err[8192], used[4200], path[3][4300];
  Setup s;
  Kern kt, kl, kh;
  rt_system sys[2];
  rt_energy H;
  double *theta_d = NULL, q1lo, q1hi, lim[4] = {INFINITY, -INFINITY, INFINITY, -INFINITY};
  void *theta = NULL;
  plot *pl[2] = {NULL, NULL};
  rt_atomic csv;
  FILE *cf = NULL;
  if (opts_parse("poincare", opts, "MODEL.lua", argc, argv, pos)) return 2;
  model = pos[0];
  if (!have_e) return usage_error("poincare", "no energy given (--energy E)");
  if (!dir) return usage_error("poincare", "no output folder given (-o DIR)");
  if (setup_open(&s, model, backend, 0, 0, 0, err, sizeof err)) return fail(err);
  memset(&kt, 0, sizeof kt), memset(&kl, 0, sizeof kl), memset(&kh, 0, sizeof kh);
  /* the true system: the data set's, else the model itself */
  Model *truth = s.have_sys ? &s.sys : &s.m;
  if (bind_field(&kt, truth, NULL, &sys[0], s.have_sys ? s.m.g->data.system : model, err, sizeof err)) {
    fail(err);
    goto done;
  }
  dim = sys[0].dim;
  if (dim != 4 || bind_energy(&kh, truth, NULL, 4, &H)) {
    fprintf(stderr, "%s: error: a Poincaré section needs two degrees of freedom, x = (q1, q2, p1, p2), and the "
            "system's H (the state has %d values%s)\n", s.have_sys ? s.m.g->data.system : model, dim,
            dim == 4 ? ", and no function H" : "");
    goto done;
  }
  nsys = 1;
  if (s.have_sys) { /* the learned field, with --params */
    theta_d = xmalloc((s.m.g->nparams_total + 1) * sizeof *theta_d);
    if (!params) {
      fprintf(stderr, "%s: error: a learned model needs its parameters (--params DIR), or give the system file %s\n",
              model, s.m.g->data.system);
      goto done;
    }
    if (load_params(&s.m, model, params, force, theta_d, &ck_seed, &cseed, used, sizeof used, err, sizeof err)) {
      fail(err);
      goto done;
    }
    theta = model_to_elem(&s.m, theta_d, s.m.g->nparams_total);
    if (bind_field(&kl, &s.m, theta, &sys[1], model, err, sizeof err) || sys[1].dim != 4) {
      fail(err);
      goto done;
    }
    nsys = 2;
  }
  q1lo = q1_edge(&H, E, -1), q1hi = q1_edge(&H, E, 1);
  if (!(q1hi > q1lo)) {
    fprintf(stderr, "%s: error: no state with q2 = p1 = p2 = 0 has H < %g: the energy is below the system's minimum\n",
            model, E);
    goto done;
  }
  if (prepare_dir(dir, err, sizeof err)) {
    fail(err);
    goto done;
  }
  snprintf(path[0], sizeof path[0], "%s/poincare.csv", dir);
  if (!(cf = rt_atomic_open(&csv, path[0], "w", err, sizeof err))) {
    fail(err);
    goto done;
  }
  fprintf(cf, "system,orbit,crossing,t,q1,q2,p1,p2\n");
  trace_orbits(&H, E, q1lo, q1hi, K, N, nsys, sys, dt, tmax, rtol, cf, pl, lim);
  if (rt_atomic_commit(&csv, !ferror(cf), 0, path[0], err, sizeof err)) {
    cf = NULL;
    fail(err);
    goto done;
  }
  cf = NULL;
  for (int k = 0; k < nsys; k++) {
    if (lim[1] > lim[0] && lim[3] > lim[2]) {
      double mx = 0.05 * (lim[1] - lim[0]), my = 0.05 * (lim[3] - lim[2]);
      plot_xlim(pl[k], lim[0] - mx, lim[1] + mx), plot_ylim(pl[k], lim[2] - my, lim[3] + my);
    }
    snprintf(path[1 + k], sizeof path[1 + k], "%s/poincare_%s.svg", dir, k ? "learned" : "true");
    if (plot_write_svg(pl[k], path[1 + k], err, sizeof err)) {
      fail(err);
      goto done;
    }
  }
  if (nsys == 2) {
    snprintf(path[0], sizeof path[0], "%s/poincare.svg", dir);
    if (side_by_side(path[1], path[2], path[0], err, sizeof err)) {
      fail(err);
      goto done;
    }
  }
  printf("Poincaré sections at E = %g of %s%s: %ld orbits, up to %ld crossings each, in %s/ (poincare.csv%s)\n", E,
         nsys == 2 ? "the true and the learned " : "", model, K, N, dir,
         nsys == 2 ? ", poincare.svg, poincare_true.svg, poincare_learned.svg" : ", poincare_true.svg");
  rc = 0;
done:
  if (cf) rt_atomic_abort(&csv);
  for (int k = 0; k < 2; k++) plot_free(pl[k]);
  free(theta), free(theta_d);
  kern_free(&kt), kern_free(&kl), kern_free(&kh);
  setup_free(&s);
  return rc;
}
