/* Losses with standard errors and the energy metric (evaluate.h) */
#include "error.h"
#include "evaluate.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rt_loss_stats(const double *v, long n, long rows, double *mean, double *se) {
  double s = 0, ss = 0, m;
  long i;
  for (i = 0; i < n; i++) s += v[i];
  m = n > 0 ? s / n : NAN;
  for (i = 0; i < n; i++) ss += (v[i] - m) * (v[i] - m);
  *mean = m;
  *se = n > 1 && rows > 0 ? sqrt(ss / (n - 1)) / sqrt((double)rows) : NAN;
}

int rt_group_stats(const double *v, int n, int groups, double *mean, double *se) {
  double total = 0, gm[64], gmean = 0, var = 0;
  int g, i, size;
  if (groups < 1 || groups > 64 || n < groups || n % groups) {
    *mean = *se = NAN;
    return 1;
  }
  size = n / groups;
  for (i = 0; i < n; i++) total += v[i];
  for (g = 0; g < groups; g++) {
    double s = 0;
    for (i = 0; i < size; i++) s += v[g * size + i];
    gm[g] = s / size;
    gmean += gm[g];
  }
  gmean /= groups;
  for (g = 0; g < groups; g++) var += (gm[g] - gmean) * (gm[g] - gmean);
  *mean = total / n;
  *se = sqrt(var / groups) / sqrt((double)groups);
  return 0;
}

void rt_energy_times(const rt_task *t, int protocol, int k, double *t1_true, double *t_true, double *t1_learned,
                     double *t_learned) {
  int n = t->energy_npoints, j, i;
  if (protocol == RT_PROTOCOL_PUBLISHED && t->published == RT_PUBLISHED_SPRING) {
    const double f = 1 + .9 * 0.1; /* 1 + .9 * noise_std, as Python computes it */
    double span = t->energy_t1 * f; /* the figure's call before the loop */
    rt_linspace(t->energy_t0, span, n, t_true);
    for (i = 0; i < k; i++) { /* rollouts 0 .. k-1 each scale both in place */
      span *= f;
      for (j = 0; j < n; j++) t_true[j] *= f;
    }
    *t1_true = span;
    *t1_learned = span * f;
    for (j = 0; j < n; j++) t_learned[j] = t_true[j] * f;
    return;
  }
  *t1_true = *t1_learned = t->energy_t1;
  rt_linspace(t->energy_t0, t->energy_t1, n, t_true);
  memcpy(t_learned, t_true, n * sizeof *t_true);
}

/* E = sum of the squared components: the reference analysis' energy_loss */
static int sum_squares(void *ctx, int n, const double *x, double *e) {
  int dim = *(const int *)ctx, i, c;
  for (i = 0; i < n; i++) {
    double s = 0;
    for (c = 0; c < dim; c++) s += x[(size_t)i * dim + c] * x[(size_t)i * dim + c];
    e[i] = s;
  }
  return 0;
}

/* One run of the metric: the rollouts are tasks of the team; the task in
 * slot th integrates with truth[th], learned[th] and E[th] into buffer th;
 * each rollout leaves its value and its failure (why[k], 0: none), and the
 * first failure in rollout order is reported, as on one thread. */
typedef struct Rollouts {
  const rt_task *t;
  int protocol;
  const rt_system *truth, *learned;
  const rt_energy *true_h, *E; /* E: true_h, or &sq for every thread */
  int Estride;                 /* 1 when E is per thread, else 0 */
  uint64_t seed;
  double *mse, *traj_true, *traj_learned;
  double **buf; /* per slot: times, states, energies (true, learned) */
  int *why, *code;
} Rollouts;

enum { WHY_X0 = 1, WHY_TRUE, WHY_LEARNED, WHY_ENERGY }; /* WHY_TRUE, _LEARNED: that rollout failed */

static void rollout(void *ctx, int th, int k) {
  Rollouts *r = ctx;
  const rt_task *t = r->t;
  int n = t->energy_npoints, dim = t->dim, j, e1, e2;
  double *tt = r->buf[th], *tl = tt + n, *xt = tl + n, *xl = xt + (size_t)n * dim, *et = xl + (size_t)n * dim, *el = et + n;
  double x0[RT_MAXDIM], t1t, t1l, s = 0;
  const rt_energy *E = &r->E[th * r->Estride];
  rt_stats st;
  rt_system learned;
  r->mse[k] = NAN;
  if (rt_energy_x0(t, &r->true_h[th], r->seed, k, x0)) {
    r->why[k] = WHY_X0;
    return;
  }
  rt_energy_times(t, r->protocol, k, &t1t, tt, &t1l, tl);
  e1 = rt_task_rk45(t, &r->truth[th], t->energy_t0, t1t, x0, n, tt, t->energy_rtol, t->energy_atol, xt, &st);
  learned = e1 ? r->learned[th] : rt_learned_budget(&r->learned[th], &st, (t1l - t->energy_t0) / (t1t - t->energy_t0));
  e2 = rt_task_rk45(t, &learned, t->energy_t0, t1l, x0, n, tl, t->energy_rtol, t->energy_atol, xl, NULL);
  if (r->traj_true) memcpy(r->traj_true + (size_t)k * n * dim, xt, (size_t)n * dim * sizeof *xt);
  if (r->traj_learned) memcpy(r->traj_learned + (size_t)k * n * dim, xl, (size_t)n * dim * sizeof *xl);
  if (e1 || e2) {
    r->why[k] = e1 ? WHY_TRUE : WHY_LEARNED, r->code[k] = e1 ? e1 : e2;
    return;
  }
  if (E->fn(E->ctx, n, xt, et) || E->fn(E->ctx, n, xl, el)) {
    r->why[k] = WHY_ENERGY;
    return;
  }
  for (j = 0; j < n; j++) s += (et[j] - el[j]) * (et[j] - el[j]);
  r->mse[k] = s / n;
}

/* The first failure's message and the count */
static int rollout_failures(const Rollouts *r, char *err, size_t nerr) {
  int k, failed = 0;
  for (k = 0; k < r->t->energy_nrollout; k++) {
    int c = r->code[k];
    if (!r->why[k]) continue;
    if (!failed++) {
      if (r->why[k] == WHY_X0) (void)rt_fail(err, nerr, r->t->name, "energy rollout %d: no initial state", k);
      else if (r->why[k] == WHY_ENERGY)
        (void)rt_fail(err, nerr, r->t->name, "energy rollout %d: the energy could not be evaluated: out of memory", k);
      else
        (void)rt_fail(err, nerr, r->t->name, "energy rollout %d: the %s rollout failed: %s", k,
                      r->why[k] == WHY_TRUE ? "true" : "learned", c < 0 ? "out of memory" : rt_strerror(c));
    }
  }
  return failed;
}

int rt_energy_metric_pool(rt_pool *pool, const rt_task *t, int protocol, const rt_system *truth,
                          const rt_system *learned, const rt_energy *true_h, uint64_t seed, double *mse, double *mean,
                          double *se, double *traj_true, double *traj_learned, char *err, size_t nerr) {
  int n = t->energy_npoints, dim = t->dim, nt = rt_pool_slots(pool), th, failed, ok = 1;
  int sq_dim = dim;
  rt_energy sq = {sum_squares, &sq_dim};
  Rollouts r;
  *mean = *se = NAN;
  if (truth->dim != dim || learned->dim != dim || n < 1 || t->energy_nrollout < 1) {
    (void)rt_fail(err, nerr, t->name, "the fields have dimensions %d and %d, the task %d", truth->dim, learned->dim, dim);
    return -1;
  }
  memset(&r, 0, sizeof r);
  r.t = t, r.protocol = protocol, r.truth = truth, r.learned = learned, r.true_h = true_h, r.seed = seed;
  r.E = true_h, r.Estride = 1;
  if (protocol == RT_PROTOCOL_PUBLISHED && (t->published == RT_PUBLISHED_SPRING || t->published == RT_PUBLISHED_PENDULUM))
    r.E = &sq, r.Estride = 0;
  r.mse = mse, r.traj_true = traj_true, r.traj_learned = traj_learned;
  r.buf = calloc(nt, sizeof *r.buf);
  r.why = calloc(t->energy_nrollout, sizeof *r.why), r.code = calloc(t->energy_nrollout, sizeof *r.code);
  ok = r.buf && r.why && r.code;
  for (th = 0; ok && th < nt; th++) ok = (r.buf[th] = malloc((size_t)(4 + 2 * dim) * n * sizeof(double) + 8)) != NULL;
  if (ok) ok = !rt_pool_run(pool, t->energy_nrollout, rollout, NULL, &r);
  for (th = 0; r.buf && th < nt; th++) free(r.buf[th]);
  failed = ok ? rollout_failures(&r, err, nerr) : -1;
  free(r.buf), free(r.why), free(r.code);
  if (!ok) {
    (void)rt_fail(err, nerr, t->name, "out of memory");
    return -1;
  }
  if (t->energy_nrollout % RT_ENERGY_GROUPS == 0) rt_group_stats(mse, t->energy_nrollout, RT_ENERGY_GROUPS, mean, se);
  else {
    double tmp;
    rt_loss_stats(mse, t->energy_nrollout, t->energy_nrollout, mean, &tmp);
    *se = NAN;
  }
  return failed;
}

int rt_energy_metric(const rt_task *t, int protocol, const rt_system *truth, const rt_system *learned,
                     const rt_energy *true_h, uint64_t seed, double *mse, double *mean, double *se, double *traj_true,
                     double *traj_learned, char *err, size_t nerr) {
  return rt_energy_metric_pool(NULL, t, protocol, truth, learned, true_h, seed, mse, mean, se, traj_true, traj_learned,
                               err, nerr);
}

/* ---- Poincaré sections (evaluate.h) ---- */

int rt_section_start(const rt_energy *H, double E, double q1, double p1, double *x0) {
  const double up[4] = {0, 0, 0, 1}; /* p2 */
  x0[0] = q1, x0[1] = 0, x0[2] = p1;
  return rt_energy_ray(H, 4, E, x0, up);
}

/* the cubic Hermite interpolant of (a, fa) at 0 and (b, fb) at h, at s*h */
static double hermite(double a, double fa, double b, double fb, double h, double s) {
  double s2 = s * s, s3 = s2 * s;
  return (2 * s3 - 3 * s2 + 1) * a + (s3 - 2 * s2 + s) * h * fa + (-2 * s3 + 3 * s2) * b + (s3 - s2) * h * fb;
}

/* the crossing between samples (ta, xa) and (ta + dt, xb): its time and
   state from the dense output; 0, or an RT_ERR_* code */
static int locate(const rt_system *s, double ta, const double *xa, const double *xb, double dt, double tol,
                  double *tc, double *xc) {
  double fa[4], fb[4], lo = 0, hi = 1, sc, t0, t1, q0, qn;
  int e;
  if (s->field(s->ctx, 1, xa, fa) || s->field(s->ctx, 1, xb, fb)) return RT_ERR_FIELD;
  for (int it = 0; it < 60; it++) { /* bisection on the Hermite cubic of q2 */
    double mid = (lo + hi) / 2;
    if (hermite(xa[1], fa[1], xb[1], fb[1], dt, mid) < 0) lo = mid;
    else hi = mid;
  }
  sc = (lo + hi) / 2;
  /* secant steps on q2 of the dense output, from the bracket's ends */
  t0 = ta + sc * dt, t1 = ta + (sc < 0.5 ? sc + 1e-3 : sc - 1e-3) * dt;
  if ((e = rt_dop853(s, ta, ta + dt, xa, 1, &t0, tol, tol, xc, NULL))) return e;
  q0 = xc[1];
  for (int it = 0; it < 20; it++) {
    double tn;
    if ((e = rt_dop853(s, ta, ta + dt, xa, 1, &t1, tol, tol, xc, NULL))) return e;
    qn = xc[1];
    if (qn == q0) break;
    tn = t1 - qn * (t1 - t0) / (qn - q0);
    if (!(tn >= ta && tn <= ta + dt)) break;
    t0 = t1, q0 = qn, t1 = tn;
    if (fabs(t1 - t0) < 1e-13) break;
  }
  *tc = t1;
  return rt_dop853(s, ta, ta + dt, xa, 1, &t1, tol, tol, xc, NULL);
}

int rt_section(const rt_system *s, const double *x0, double dt, double tmax, double tol, int n, double *out, double *t,
               char *err, size_t nerr) {
  enum { CHUNK = 256 };
  double tev[CHUNK + 1], *xs = malloc((CHUNK + 1) * 4 * sizeof *xs), tstart = 0, cur[4];
  int found = 0, e = 0;
  if (!xs || s->dim != 4 || !(dt > 0) || n < 0) {
    free(xs);
    (void)rt_fail(err, nerr, "poincare", "a section needs a state (q1, q2, p1, p2) and dt > 0");
    return -1;
  }
  memcpy(xs, x0, 4 * sizeof *xs);
  while (found < n && tstart < tmax) {
    int m = CHUNK;
    for (int k = 0; k <= m; k++) tev[k] = tstart + k * dt;
    memcpy(cur, xs, sizeof cur);
    if ((e = rt_dop853(s, tstart, tev[m], cur, m + 1, tev, tol, tol, xs, NULL))) break;
    for (int k = 0; k < m && found < n; k++) {
      const double *a = xs + 4 * k, *b = a + 4;
      if (a[1] < 0 && b[1] >= 0 && (a[3] > 0 || b[3] > 0)) {
        double tc, xc[4];
        if ((e = locate(s, tev[k], a, b, dt, tol, &tc, xc))) break;
        memcpy(out + 4 * found, xc, 4 * sizeof *xc);
        if (t) t[found] = tc;
        found++;
      }
    }
    if (e) break;
    tstart = tev[m];
    memmove(xs, xs + 4 * m, 4 * sizeof *xs);
  }
  free(xs);
  if (e) {
    (void)rt_fail(err, nerr, "poincare", "the integration stopped near t = %g: %s", tstart, rt_strerror(e));
    return -1 - found;
  }
  return found;
}
