/* The training progress line, the plots of a run, JSON numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plot.h"
#include "report.h"
#include "../runtime/error.h"

static void fmt_time(double s, char *buf, size_t n) {
  if (!isfinite(s) || s < 0) snprintf(buf, n, "?");
  else if (s < 60) snprintf(buf, n, "%.0f s", s);
  else if (s < 3600) snprintf(buf, n, "%d min %02d s", (int)(s / 60), (int)fmod(s, 60));
  else snprintf(buf, n, "%d h %02d min", (int)(s / 3600), (int)fmod(s / 60, 60));
}

void on_progress(void *ctx, const rt_train_progress *p) {
  Progress *g = ctx;
  long done = p->step + 1;
  double rate = p->seconds > 0 ? (done - p->first) / p->seconds : 0, now = rt_seconds();
  char left[32], test[32];
  if (!isnan(p->test_loss)) g->test = p->test_loss;
  if (isnan(g->test)) snprintf(test, sizeof test, "-");
  else snprintf(test, sizeof test, "%.4e", g->test);
  if (g->mode == 1) {
    int w = 30, fill = (int)((double)w * done / p->steps), i;
    char bar[40];
    if (now - g->last < 0.1 && done < p->steps) return;
    g->last = now;
    for (i = 0; i < w; i++) bar[i] = i < fill ? '#' : '.';
    bar[w] = 0;
    fmt_time(rate > 0 ? (p->steps - done) / rate : NAN, left, sizeof left);
    fprintf(stderr, "\r  step %ld/%ld [%s] train %.4e test %s  %.0f steps/s  %s left\033[K", done, p->steps, bar,
            p->train_loss, test, rate, left);
    if (done == p->steps) fputc('\n', stderr);
    fflush(stderr);
  } else if (g->mode == 2 && (p->step % 200 == 0 || done == p->steps)) {
    fprintf(stderr, "step %ld/%ld, train_loss %.4e, test_loss %s, %.1f steps/s, %.1f s\n", p->step, p->steps,
            p->train_loss, test, rate, p->total_seconds);
    fflush(stderr);
  }
}

static int write_plot(plot *p, const char *dir, const char *name, char *written, size_t nw) {
  char *path = xmalloc(strlen(dir) + strlen(name) + 6), err[4400];
  int rc;
  sprintf(path, "%s/%s.svg", dir, name);
  rc = plot_write_svg(p, path, err, sizeof err);
  if (!rc) snprintf(written + strlen(written), nw - strlen(written), " %s.svg", name);
  else fprintf(stderr, "hnnc: warning: %s\n", err);
  plot_free(p);
  free(path);
  return rc;
}

void report_loss(const rt_train_result *r, const char *dir, const char *name, char *written, size_t nw) {
  double *x = xmalloc((2 * r->nhist + 1) * sizeof *x), *y = x + r->nhist;
  long i, n;
  char title[256];
  plot *p;
  snprintf(title, sizeof title, "%s: loss", name);
  p = plot_new(title, "step", "mean squared error");
  plot_logy(p, 1);
  for (i = 0; i < r->nhist; i++) x[i] = r->hist[4 * i], y[i] = r->hist[4 * i + 1];
  plot_line(p, "train", (int)r->nhist, x, y, 0);
  for (i = n = 0; i < r->nhist; i++)
    if (!isnan(r->hist[4 * i + 2])) x[n] = r->hist[4 * i], y[n++] = r->hist[4 * i + 2];
  plot_line(p, "test", (int)n, x, y, 1);
  write_plot(p, dir, "loss", written, nw);
  free(x);
}

void report_rollouts(Setup *s, const rt_system *learned, const rt_system *truth, const rt_energy *H,
                          const rt_dataset *d, uint64_t seed, const char *dir, char *written, size_t nw) {
  const rt_task *t = s->task;
  enum { NROLL = 3 };
  rt_stats st;
  rt_system lf;
  int dim = t->dim, np = t->published == RT_PUBLISHED_TWO_BODY ? t->energy_npoints : 400, k, j, ok[NROLL];
  double *tt = xmalloc(np * sizeof *tt), *xt = xmalloc((size_t)NROLL * np * dim * sizeof *xt),
         *xl = xmalloc((size_t)NROLL * np * dim * sizeof *xl), *et = xmalloc(np * sizeof *et),
         *el = xmalloc(np * sizeof *el), *a = xmalloc(np * sizeof *a), *b = xmalloc(np * sizeof *b);
  char title[256];
  plot *p;
  rt_linspace(t->energy_t0, t->energy_t1, np, tt);
  for (k = 0; k < NROLL; k++) {
    double x0[RT_MAXDIM];
    if (rt_energy_x0(t, H, seed, k, x0)) { /* fewer rollouts than NROLL */
      ok[k] = 0;
      continue;
    }
    ok[k] = !rt_task_rk45(t, truth, t->energy_t0, t->energy_t1, x0, np, tt, 1e-10, 1e-10, xt + (size_t)k * np * dim, &st);
    lf = rt_learned_budget(learned, &st, 1);
    ok[k] = ok[k] && !rt_task_rk45(t, &lf, t->energy_t0, t->energy_t1, x0, np, tt, 1e-10, 1e-10, xl + (size_t)k * np * dim, NULL);
  }
  /* energy along the rollouts */
  snprintf(title, sizeof title, "%s: true energy along rollouts", s->m.g->name);
  p = plot_new(title, "t", "H");
  for (k = 0; k < NROLL; k++) {
    char lt[64], ll[64];
    if (!ok[k] || H->fn(H->ctx, np, xt + (size_t)k * np * dim, et) || H->fn(H->ctx, np, xl + (size_t)k * np * dim, el)) continue;
    snprintf(lt, sizeof lt, "true %d", k + 1), snprintf(ll, sizeof ll, "learned %d", k + 1);
    plot_line(p, lt, np, tt, et, k | PLOT_DASHED);
    plot_line(p, ll, np, tt, el, k);
  }
  write_plot(p, dir, "energy", written, nw);
  if (dim == 2) {
    enum { G = 17 };
    double L = 0, gx[G * G], gy[G * G], u[G * G], v[G * G];
    long i;
    for (i = 0; i < d->ntrain * 2; i++)
      if (fabs(d->x_train[i]) > L) L = fabs(d->x_train[i]);
    for (k = 0; k < NROLL; k++)
      for (j = 0; j < np * 2; j++)
        if (fabs(xt[(size_t)k * np * 2 + j]) > L) L = fabs(xt[(size_t)k * np * 2 + j]);
    L = L > 0 ? 1.1 * L : 1;
    for (i = 0; i < G * G; i++) gx[i] = -L + 2 * L * (i % G) / (G - 1), gy[i] = -L + 2 * L * (i / G) / (G - 1);
    snprintf(title, sizeof title, "%s: phase portrait", s->m.g->name);
    p = plot_new(title, "q", "p");
    plot_xlim(p, -L, L), plot_ylim(p, -L, L);
    plot_size(p, 640, 640);
    {
      double *gf = xmalloc(2 * G * G * sizeof *gf), *gin = xmalloc(2 * G * G * sizeof *gin);
      for (i = 0; i < G * G; i++) gin[2 * i] = gx[i], gin[2 * i + 1] = gy[i];
      if (!learned->field(learned->ctx, G * G, gin, gf)) {
        for (i = 0; i < G * G; i++) u[i] = gf[2 * i], v[i] = gf[2 * i + 1];
        plot_arrows(p, "learned field", G * G, gx, gy, u, v, PLOT_ARROWS_MAGNITUDE);
      }
      free(gf), free(gin);
    }
    for (k = 0; k < NROLL; k++) {
      if (!ok[k]) continue;
      for (j = 0; j < np; j++) a[j] = xt[((size_t)k * np + j) * 2], b[j] = xt[((size_t)k * np + j) * 2 + 1];
      plot_line(p, k ? NULL : "true", np, a, b, 7 | PLOT_DASHED);
      for (j = 0; j < np; j++) a[j] = xl[((size_t)k * np + j) * 2], b[j] = xl[((size_t)k * np + j) * 2 + 1];
      plot_line(p, k ? NULL : "learned", np, a, b, 3);
    }
    write_plot(p, dir, "phase", written, nw);
  } else if (dim % 2 == 0 && dim <= 16) { /* one (q_j, p_j) panel a degree of freedom */
    int n = dim / 2;
    for (int dof = 0; dof < n; dof++) {
      char name[32], xl_[16], yl_[16];
      snprintf(title, sizeof title, "%s: degree of freedom %d", s->m.g->name, dof + 1);
      snprintf(xl_, sizeof xl_, "q%d", dof + 1), snprintf(yl_, sizeof yl_, "p%d", dof + 1);
      p = plot_new(title, xl_, yl_);
      plot_size(p, 640, 640);
      for (k = 0; k < NROLL; k++) {
        if (!ok[k]) continue;
        for (j = 0; j < np; j++) a[j] = xt[((size_t)k * np + j) * dim + dof], b[j] = xt[((size_t)k * np + j) * dim + n + dof];
        plot_line(p, k ? NULL : "true", np, a, b, k | PLOT_DASHED);
        for (j = 0; j < np; j++) a[j] = xl[((size_t)k * np + j) * dim + dof], b[j] = xl[((size_t)k * np + j) * dim + n + dof];
        plot_line(p, k ? NULL : "learned", np, a, b, k);
      }
      snprintf(name, sizeof name, "phase_%d", dof + 1);
      write_plot(p, dir, name, written, nw);
    }
  }
  free(tt), free(xt), free(xl), free(et), free(el), free(a), free(b);
}

void json_num(const char *key, double v, int last) {
  if (isfinite(v)) printf("\"%s\": %.17g%s", key, v, last ? "" : ", ");
  else printf("\"%s\": null%s", key, last ? "" : ", ");
}
