/* Flows in `hnnc train` and `hnnc evaluate`: trajectory windows as
 * training rows, and the action-angle measures of a trained flow.
 *
 * A flow model (flow.declare) trains its loss on windows: W time samples
 * of one trajectory, x [W, 2n]. `hnnc train` gives rt_train the
 * trajectories and the window (rt_train_options.window), and the runtime
 * cuts the windows anew every epoch (runtime/train.h). For its `loss`,
 * evaluate cuts every training trajectory EVAL_CUTS times the same way
 * (a fresh random permutation of its time indices, Fisher-Yates, hnnc's
 * generator, stream 6, into floor(T/W) windows) and averages over all.
 *
 * flow_evaluate maps every sample x(t) of a trajectory to the latent
 * (Q̂, P̂) = T⁻¹(x) (evaluation mode) and reports, over trajectories:
 *   rel_std        max over trajectories of max_j std_t(r_j) / Σ_j mean_t(r_j),
 *                  r_j = Q̂_j² + P̂_j² (std with ddof 0); _heldout: test trajectories
 *   sum_mean_r     Σ_j mean_t(r_j), averaged over the training trajectories
 *   angle_rates    per degree of freedom, the least-squares slope of the
 *                  unwrapped angle atan2(P̂_j, Q̂_j) against t, averaged over
 *                  the training trajectories (a harmonic oscillator
 *                  q = cos t, p = -sin t has rate -1)
 *   loss, loss_untrained, loss_ratio: the model's loss over EVAL_CUTS
 *                  cuts of the training trajectories into windows, at the
 *                  trained and the initial parameters
 * and, when the model notes a linear baseline (flow.baseline), the same
 * rel_std for its actions (see baseline_actions).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "cli.h"
#include "flow_eval.h"
#include "plot.h"
#include "report.h"
#include "../compiler/hnnc.h"
#include "../prelude/rng.h"

enum { FLOW_STREAM_WINDOWS = 6, EVAL_CUTS = 64 };

/* the value of note KEY (its first word), or NULL */
static const char *note(const Model *m, const char *key, char *buf, size_t nbuf) {
  const char *s = m->g->notes;
  size_t lk = strlen(key);
  while (s && *s) {
    const char *nl = strchr(s, '\n');
    if (!strncmp(s, key, lk) && s[lk] == ' ') {
      snprintf(buf, nbuf, "%.*s", (int)(nl - s - lk - 1), s + lk + 1);
      return buf;
    }
    s = nl + 1;
  }
  return NULL;
}

int flow_is(const Model *m) {
  char b[64];
  return note(m, "flow.n", b, sizeof b) != NULL;
}

int flow_window(const Model *m, int *W) {
  char b[64];
  *W = note(m, "flow.window", b, sizeof b) ? atoi(b) : 0;
  return *W > 0;
}

/* R rounds of windows of the ntraj trajectories at x (and dx). */
static void cut(const double *x, const double *dx, long ntraj, int T, int dim, int W, int R, rt_rng *rng,
                double *wx, double *wdx) {
  long k, per = T / W, row = 0;
  int r, i, *perm = xmalloc(T * sizeof *perm);
  for (r = 0; r < R; r++)
    for (k = 0; k < ntraj; k++) {
      for (i = 0; i < T; i++) perm[i] = i;
      for (i = T - 1; i > 0; i--) {
        int j = (int)rt_rng_below(rng, (uint64_t)i + 1), t = perm[i];
        perm[i] = perm[j], perm[j] = t;
      }
      for (i = 0; i < per * W; i++, row++) {
        const long src = (k * T + perm[i]) * dim;
        memcpy(wx + row * dim, x + src, dim * sizeof *wx);
        memcpy(wdx + row * dim, dx + src, dim * sizeof *wdx);
      }
    }
  free(perm);
}

/* R cuts into windows [W x dim] of d's training trajectories, one of the
   test trajectories; out owns its arrays (rt_dataset_free). */
static int flow_windows(const rt_dataset *d, int W, int R, uint64_t seed, rt_dataset *out, char *err, size_t nerr) {
  rt_rng rng;
  long per;
  memset(out, 0, sizeof *out);
  if (d->npoints < W || d->ntraj_train < 1) {
    snprintf(err, nerr, "error: the flow's loss takes windows of %d time samples of a trajectory; the data set has %s",
             W, d->npoints > 0 ? "shorter trajectories" : "no trajectories (rows only)");
    return 1;
  }
  per = d->npoints / W;
  out->dim = W * d->dim;
  out->ntrain = (long)R * d->ntraj_train * per;
  out->ntest = d->ntraj_test * per;
  out->x_train = xmalloc((out->ntrain + 1) * out->dim * sizeof *out->x_train);
  out->dx_train = xmalloc((out->ntrain + 1) * out->dim * sizeof *out->dx_train);
  out->x_test = xmalloc((out->ntest + 1) * out->dim * sizeof *out->x_test);
  out->dx_test = xmalloc((out->ntest + 1) * out->dim * sizeof *out->dx_test);
  rt_rng_seed(&rng, seed, FLOW_STREAM_WINDOWS);
  cut(d->x_train, d->dx_train, d->ntraj_train, d->npoints, d->dim, W, R, &rng, out->x_train, out->dx_train);
  cut(d->x_test, d->dx_test, d->ntraj_test, d->npoints, d->dim, W, 1, &rng, out->x_test, out->dx_test);
  return 0;
}

/* ---- action-angle measures ---- */

typedef struct Measure { double rel_std, sum_mean_r, *rate; } Measure;

double flow_angle_rate(const double *z, const double *t, int T, int n, int j) {
  double prev = 0, turn = 0, st = 0, sa = 0, stt = 0, sta = 0;
  int k;
  for (k = 0; k < T; k++) {
    double a = atan2(z[k * 2 * n + n + j], z[k * 2 * n + j]);
    if (k && a - prev > M_PI) turn -= 2 * M_PI;
    if (k && a - prev < -M_PI) turn += 2 * M_PI;
    prev = a, a += turn;
    st += t[k], sa += a, stt += t[k] * t[k], sta += t[k] * a;
  }
  return (T * sta - st * sa) / (T * stt - st * st);
}

/* rel_std, Σ mean r and the angle rates of trajectory z [T, 2n] (latent) */
static void measure_traj(const double *z, const double *t, int T, int n, double *rel, double *summ, double *rate) {
  int j, k;
  double worst = 0, total = 0;
  for (j = 0; j < n; j++) {
    double mean = 0, var = 0;
    for (k = 0; k < T; k++) {
      double q = z[k * 2 * n + j], p = z[k * 2 * n + n + j];
      mean += q * q + p * p;
    }
    mean /= T;
    for (k = 0; k < T; k++) {
      double q = z[k * 2 * n + j], p = z[k * 2 * n + n + j], r = q * q + p * p;
      var += (r - mean) * (r - mean);
    }
    if (sqrt(var / T) > worst) worst = sqrt(var / T);
    total += mean;
    rate[j] = flow_angle_rate(z, t, T, n, j);
  }
  *rel = worst / total, *summ = total;
}

/* Over ntraj trajectories of T points, latent z: max rel_std, mean of
   Σ mean r and of the rates. */
static void measure_all(const double *z, long ntraj, int T, int n, const double *t, Measure *m) {
  long k;
  int j;
  double *rate = xmalloc(n * sizeof *rate);
  m->rel_std = 0, m->sum_mean_r = 0;
  for (j = 0; j < n; j++) m->rate[j] = 0;
  for (k = 0; k < ntraj; k++) {
    double rel, summ;
    measure_traj(z + k * T * 2 * n, t, T, n, &rel, &summ, rate);
    if (!(rel <= m->rel_std)) m->rel_std = rel;
    m->sum_mean_r += summ / ntraj;
    for (j = 0; j < n; j++) m->rate[j] += rate[j] / ntraj;
  }
  free(rate);
}

/* The flow's loss over all windows (one call) at theta (doubles). */
static int window_loss(Setup *s, const rt_dataset *w, const double *theta_d, double *loss, char *err, size_t nerr) {
  Obj o;
  rt_objective obj;
  void *th, *x, *dx;
  int rc;
  if (bind_objective(&o, &obj, &s->m, s->path, err, nerr)) return 1;
  if (obj.dim != w->dim) {
    snprintf(err, nerr, "%s: error: the loss takes rows of %d values, windows have %d", s->path, obj.dim, w->dim);
    obj_free(&o);
    return 1;
  }
  th = model_to_elem(&s->m, theta_d, obj.nparams);
  x = model_to_elem(&s->m, w->x_train, w->ntrain * w->dim);
  dx = model_to_elem(&s->m, w->dx_train, w->ntrain * w->dim);
  rc = obj.eval(obj.ctx, (int)w->ntrain, th, x, dx, loss, NULL);
  free(th), free(x), free(dx), obj_free(&o);
  if (rc) snprintf(err, nerr, "%s: error: out of memory evaluating the loss", s->path);
  return rc;
}

/* latent coordinates of every row of x (n rows) */
static int latent(Setup *s, const double *theta_d, const double *x, long rows, double *z, char *err, size_t nerr) {
  Kern k;
  void *th = model_to_elem(&s->m, theta_d, s->m.g->nparams_total);
  int rc = kern_init(&k, &s->m, "inverse", th);
  if (!rc) rc = kern_call(&k, rows, x, z);
  kern_free(&k), free(th);
  if (rc) snprintf(err, nerr, "%s: error: cannot evaluate the flow's inverse", s->path);
  return rc;
}

/* The linear baseline's r_j for one state x [2n]: the model notes
   "flow.baseline running_wave w_1 ... w_n" (x in orthonormal normal
   modes, w_j the mode frequencies): a_j = (w_j Q_j + i P_j)/sqrt(2 w_j);
   consecutive modes of equal frequency (c, s) become the running waves
   (a_c -+ i a_s)/sqrt(2); r_j = 2|a_j|² (= Q̂² + P̂² of the linear normal
   form's own latent coordinates). */
static void baseline_r(const double *x, int n, const double *w, double *r) {
  int j;
  for (j = 0; j < n; j++) {
    double s = sqrt(2 * w[j]);
    double re = w[j] * x[j] / s, im = x[n + j] / s;
    if (j + 1 < n && w[j + 1] == w[j]) {
      double re2 = w[j + 1] * x[j + 1] / sqrt(2 * w[j + 1]), im2 = x[n + j + 1] / sqrt(2 * w[j + 1]);
      /* (a_c - i a_s)/sqrt2 and (a_c + i a_s)/sqrt2 */
      double ar = (re + im2) / sqrt(2), ai = (im - re2) / sqrt(2), br = (re - im2) / sqrt(2), bi = (im + re2) / sqrt(2);
      r[j] = 2 * (ar * ar + ai * ai), r[j + 1] = 2 * (br * br + bi * bi);
      j++;
      continue;
    }
    r[j] = 2 * (re * re + im * im);
  }
}

/* rel_std of the baseline over ntraj trajectories of T rows x */
static double baseline_rel_std(const double *x, long ntraj, int T, int n, const double *w) {
  double worst = 0, *r = xmalloc(n * sizeof *r), *sum = xmalloc(2 * n * sizeof *sum);
  long k;
  int i, j;
  for (k = 0; k < ntraj; k++) {
    double total = 0, sd = 0;
    for (j = 0; j < 2 * n; j++) sum[j] = 0;
    for (i = 0; i < T; i++) {
      baseline_r(x + (k * T + i) * 2 * n, n, w, r);
      for (j = 0; j < n; j++) sum[j] += r[j] / T;
    }
    for (i = 0; i < T; i++) {
      baseline_r(x + (k * T + i) * 2 * n, n, w, r);
      for (j = 0; j < n; j++) sum[n + j] += (r[j] - sum[j]) * (r[j] - sum[j]) / T;
    }
    for (j = 0; j < n; j++) total += sum[j], sd = sqrt(sum[n + j]) > sd ? sqrt(sum[n + j]) : sd;
    if (!(sd / total <= worst)) worst = sd / total;
  }
  free(r), free(sum);
  return worst;
}

/* (Q̂_j, P̂_j) planes of the first trajectory, and r_j over time */
static void plots(const double *z, const double *t, int T, int n, const char *dir, const char *tag, const char *title) {
  char path[4300], err[512], label[64];
  int j, k;
  double *a = xmalloc(T * sizeof *a), *b = xmalloc(T * sizeof *b);
  plot *p = plot_new(title, "Q̂_j", "P̂_j"), *q = plot_new(title, "t", "r_j = Q̂_j² + P̂_j²");
  for (j = 0; j < n; j++) {
    for (k = 0; k < T; k++) a[k] = z[k * 2 * n + j], b[k] = z[k * 2 * n + n + j];
    snprintf(label, sizeof label, "j = %d", j + 1);
    plot_line(p, label, T, a, b, j);
    for (k = 0; k < T; k++) a[k] = a[k] * a[k] + b[k] * b[k];
    plot_line(q, label, T, t, a, j);
  }
  plot_size(p, 600, 600);
  snprintf(path, sizeof path, "%s/latent%s.svg", dir, tag);
  if (plot_write_svg(p, path, err, sizeof err)) fprintf(stderr, "%s\n", err);
  snprintf(path, sizeof path, "%s/actions%s.svg", dir, tag);
  if (plot_write_svg(q, path, err, sizeof err)) fprintf(stderr, "%s\n", err);
  plot_free(p), plot_free(q), free(a), free(b);
}

static int baseline_freqs(const Model *m, int n, double *w) {
  char b[1024], *s, *e;
  int j;
  if (!note(m, "flow.baseline", b, sizeof b) || strncmp(b, "running_wave ", 13)) return 0;
  s = b + 13;
  for (j = 0; j < n; j++, s = e) {
    w[j] = strtod(s, &e);
    if (e == s || !(w[j] > 0)) return 0;
  }
  return 1;
}

static void print_result(const Measure *tr, const Measure *te, int n, double loss, double loss0, int have_base,
                         const double *base, int json) {
  int j;
  if (json) {
    printf("{");
    json_num("loss", loss, 0), json_num("loss_untrained", loss0, 0), json_num("loss_ratio", loss / loss0, 0);
    json_num("rel_std", tr->rel_std, 0), json_num("rel_std_heldout", te->rel_std, 0);
    json_num("sum_mean_r", tr->sum_mean_r, 0);
    if (have_base) json_num("baseline_rel_std", base[0], 0), json_num("baseline_rel_std_heldout", base[1], 0);
    printf("\"angle_rates\": [");
    for (j = 0; j < n; j++) printf(isfinite(tr->rate[j]) ? "%s%.17g" : "%snull", j ? ", " : "", tr->rate[j]);
    printf("]}\n");
    return;
  }
  printf("loss %.4e (untrained %.4e, ratio %.3e)\n", loss, loss0, loss / loss0);
  printf("rel_std %.4e (held out %.4e)%s", tr->rel_std, te->rel_std, have_base ? "" : "\n");
  if (have_base) printf("; running-wave baseline %.4e (held out %.4e)\n", base[0], base[1]);
  printf("sum_mean_r %.6f\nangle_rates", tr->sum_mean_r);
  for (j = 0; j < n; j++) printf(" %.6f", tr->rate[j]);
  printf("\n");
}

int flow_evaluate(Setup *s, const double *theta_d, uint64_t seed, const char *data_dir, int json, const char *plotdir) {
  char err[8192];
  rt_dataset d, w;
  int W, n, have_base, rc = 1;
  double loss, loss0, *theta0, *z = NULL, *zt = NULL, *t = NULL, base[2] = {NAN, NAN}, *freq;
  Measure tr, te;
  char b[64];
  n = atoi(note(&s->m, "flow.n", b, sizeof b));
  memset(&w, 0, sizeof w);
  if (!flow_window(&s->m, &W)) W = 2;
  if (get_data(s, seed, data_dir, &d, err, sizeof err)) return fail(err);
  if (d.dim != 2 * n || d.npoints < 2) {
    fprintf(stderr, "%s: error: the flow has n = %d; the data set needs trajectories of %d values a row\n", s->path, n, 2 * n);
    rt_dataset_free(&d);
    return 1;
  }
  theta0 = xmalloc((s->m.g->nparams_total + 1) * sizeof *theta0);
  init_params(s->m.g, seed, theta0);
  freq = xmalloc(n * sizeof *freq);
  tr.rate = xmalloc(n * sizeof *tr.rate), te.rate = xmalloc(n * sizeof *te.rate);
  loss = loss0 = NAN;
  if (model_func(&s->m, "loss") >= 0) {
    if (flow_windows(&d, W, EVAL_CUTS, seed, &w, err, sizeof err) || window_loss(s, &w, theta_d, &loss, err, sizeof err) ||
        window_loss(s, &w, theta0, &loss0, err, sizeof err)) {
      fprintf(stderr, "%s\n", err);
      goto done;
    }
  }
  z = xmalloc((d.ntrain + 1) * d.dim * sizeof *z), zt = xmalloc((d.ntest + 1) * d.dim * sizeof *zt);
  if (latent(s, theta_d, d.x_train, d.ntrain, z, err, sizeof err) ||
      (d.ntest && latent(s, theta_d, d.x_test, d.ntest, zt, err, sizeof err))) {
    fprintf(stderr, "%s\n", err);
    goto done;
  }
  t = xmalloc(d.npoints * sizeof *t);
  for (int k = 0; k < d.npoints; k++) t[k] = d.t ? d.t[k] : k;
  measure_all(z, d.ntraj_train, d.npoints, n, t, &tr);
  measure_all(zt, d.ntraj_test, d.npoints, n, t, &te);
  if (!d.ntraj_test) te.rel_std = NAN;
  if ((have_base = baseline_freqs(&s->m, n, freq))) {
    base[0] = baseline_rel_std(d.x_train, d.ntraj_train, d.npoints, n, freq);
    base[1] = d.ntraj_test ? baseline_rel_std(d.x_test, d.ntraj_test, d.npoints, n, freq) : NAN;
  }
  print_result(&tr, &te, n, loss, loss0, have_base, base, json);
  if (plotdir) {
    plots(z, t, d.npoints, n, plotdir, "", "trained: the first training trajectory in latent coordinates");
    if (d.ntraj_test) plots(zt, t, d.npoints, n, plotdir, "_heldout", "trained: the first held-out trajectory");
    if (!latent(s, theta0, d.x_train, d.npoints, z, err, sizeof err))
      plots(z, t, d.npoints, n, plotdir, "_untrained", "untrained: the first training trajectory");
  }
  rc = 0;
done:
  rt_dataset_free(&d), rt_dataset_free(&w);
  free(theta0), free(freq), free(tr.rate), free(te.rate), free(z), free(zt), free(t);
  return rc;
}
