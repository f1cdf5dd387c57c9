/* Data sets from a recipe: sampling, integration, noise, split, .npy I/O
 *
 * requires the system's true field (and H for the energy-shell sampler),
 * rt_rk45 / rt_dop853, rt_rng, npy.c
 *
 * The published tasks' recipes (compiler/lib/hnnc/tasks.lua) follow the
 * reference code (experiment-spring/data.py, experiment-pend/data.py,
 * experiment-2body/data.py) formula by formula. scipy's RK45 steps are
 * matched even where they depend on the state's length: the two-body
 * state of the reference also carries the two masses (constant), which
 * count in the RMS error norm, so they are padded in (rt_task_rk45). The
 * deviations: random numbers come from rt_rng in separate streams
 * (data.h), not from numpy's single global stream, so the numbers differ
 * while the distributions are the same.
 */
#include "error.h"
#include "data.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "npy.h"

void rt_linspace(double a, double b, int n, double *t) {
  if (n <= 0) return;
  if (n == 1) {
    t[0] = a;
    return;
  }
  double step = (b - a) / (double)(n - 1);
  for (int k = 0; k < n; k++) t[k] = (double)k * step + a;
  t[n - 1] = b;
}

/* ---- initial states ---- */

/* a direction uniform in [-1,1]^dim, normalized; radius r_lo + u*(r_hi -
   r_lo). For dim 2 with r = u*0.9 + 0.1 this is the reference spring's
   y0 = rand(2)*2 - 1; y0 / sqrt(sum(y0**2)) * radius. */
static void sample_shell(const rt_sampler *s, int dim, rt_rng *r, double *x0) {
  double ss;
  do {
    ss = 0;
    for (int c = 0; c < dim; c++) {
      x0[c] = rt_rng_uniform(r) * 2.0 - 1.0;
      ss += x0[c] * x0[c];
    }
  } while (ss == 0.0);
  double norm = sqrt(ss);
  double radius = rt_rng_uniform(r) * (s->r_hi - s->r_lo) + s->r_lo;
  for (int c = 0; c < dim; c++) x0[c] = x0[c] / norm * radius;
}

int rt_energy_ray(const rt_energy *H, int dim, double E, double *x, const double *d) {
  double lo = 0, hi = 1, h;
#define AT(s)                                                                                                          \
  for (int c = 0; c < dim; c++)                                                                                        \
    if (d[c] != 0) x[c] = (s)*d[c];
  for (int c = 0; c < dim; c++)
    if (d[c] != 0) x[c] = 0;
  if (H->fn(H->ctx, 1, x, &h) || !(h <= E)) return 1;
  for (;;) {
    AT(hi);
    if (H->fn(H->ctx, 1, x, &h) || isnan(h)) return 1;
    if (h >= E) break;
    lo = hi, hi *= 2;
    if (hi > 1048576.0) return 1;
  }
  /* bisection until the interval stops shrinking: s to the last bit */
  for (int it = 0; it < 200; it++) {
    double mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    AT(mid);
    if (H->fn(H->ctx, 1, x, &h) || isnan(h)) return 1;
    if (h < E) lo = mid;
    else hi = mid;
  }
  AT(lo);
#undef AT
  return 0;
}

int rt_sample(const rt_task *t, const rt_sampler *s, const rt_energy *H, uint64_t seed, uint64_t stream, int n,
              double *x0, char *err, size_t nerr) {
  int dim = t->dim;
  rt_rng r;
  rt_rng_seed(&r, seed, stream);
  if (s->kind == RT_X0_LIST && s->nlist < n)
    return rt_fail(err, nerr, t->name, "%d initial states are needed, the list has %d", n, s->nlist);
  if (s->kind == RT_X0_ENERGY && (!H || dim % 2))
    return rt_fail(err, nerr, t->name, "the energy-shell sampler needs the system's H and an even state size");
  for (int j = 0; j < n; j++) {
    double *x = x0 + (size_t)j * dim;
    switch (s->kind) {
    case RT_X0_BOX:
      for (int c = 0; c < dim; c++) x[c] = rt_rng_uniform(&r) * (s->hi[c] - s->lo[c]) + s->lo[c];
      break;
    case RT_X0_SHELL: sample_shell(s, dim, &r, x); break;
    case RT_X0_LIST: memcpy(x, s->list + (size_t)j * dim, (size_t)dim * sizeof *x); break;
    case RT_X0_ENERGY: {
      double d[RT_MAXDIM], ss;
      int tries = 0;
      do {
        if (++tries > 100000)
          return rt_fail(err, nerr, t->name,
                         "no state with H = %g found in the position box after "
                         "100000 draws (is the box inside the energy surface?)",
                         s->energy);
        for (int c = 0; c < dim / 2; c++) x[c] = rt_rng_uniform(&r) * (s->hi[c] - s->lo[c]) + s->lo[c];
        do {
          ss = 0;
          for (int c = 0; c < dim / 2; c++) d[c] = rt_rng_normal(&r), ss += d[c] * d[c];
        } while (ss == 0.0);
        for (int c = 0; c < dim / 2; c++) d[dim / 2 + c] = d[c] / sqrt(ss), d[c] = 0;
      } while (rt_energy_ray(H, dim, s->energy, x, d)); /* p = s d, H = E */
      break;
    }
    case RT_X0_CALLBACK:
      if (s->fn(s->ctx, &r, x)) return rt_fail(err, nerr, t->name, "the initial-state sampler failed at state %d", j);
      break;
    default: return rt_fail(err, nerr, t->name, "unknown initial-state sampler %d", s->kind);
    }
    for (int c = 0; c < dim; c++)
      if (!isfinite(x[c]))
        return rt_fail(err, nerr, t->name, "initial state %d is not finite (component %d)", j, c + 1);
  }
  return 0;
}

int rt_task_initial_states(const rt_task *t, const rt_energy *H, uint64_t seed, double *x0, char *err, size_t nerr) {
  return rt_sample(t, &t->x0, H, seed, RT_STREAM_INIT, t->ntraj, x0, err, nerr);
}

/* rollout k: the first k+1 states of the stream, the last one kept (a list
   is read at k directly) */
int rt_energy_x0(const rt_task *t, const rt_energy *H, uint64_t seed, int k, double *x0) {
  if (k < 0 || t->dim < 1 || t->dim > RT_MAXDIM) return 1;
  if (t->eval_x0.kind == RT_X0_LIST) {
    if (k >= t->eval_x0.nlist) return 1;
    memcpy(x0, t->eval_x0.list + (size_t)k * t->dim, (size_t)t->dim * sizeof *x0);
    return 0;
  }
  double *all = malloc((size_t)(k + 1) * t->dim * sizeof *all);
  int rc = !all || rt_sample(t, &t->eval_x0, H, seed, RT_STREAM_ENERGY, k + 1, all, NULL, 0);
  if (!rc) memcpy(x0, all + (size_t)k * t->dim, (size_t)t->dim * sizeof *x0);
  free(all);
  return rc;
}

/* ---- the data set ---- */

/* the caller's field with npad constant components appended */
typedef struct {
  const rt_system *inner;
  int npad;
} padded_field;

static int padded_eval(void *ctx, int n, const double *x, double *xdot) {
  const padded_field *pf = ctx;
  int dim = pf->inner->dim, stride = dim + pf->npad;
  for (int k = 0; k < n; k++) {
    const double *xk = x + (size_t)k * stride;
    double *dk = xdot + (size_t)k * stride;
    if (pf->inner->field(pf->inner->ctx, 1, xk, dk) != 0) return 1;
    for (int i = dim; i < stride; i++) dk[i] = 0.0;
  }
  return 0;
}

static int integrate(const rt_task *t, const rt_system *s, double t0, double t1, const double *x0, int nt,
                     const double *t_eval, double rtol, double atol, double *out, rt_stats *st) {
  if (t->integrator == RT_INTEGRATOR_DOP853) return rt_dop853(s, t0, t1, x0, nt, t_eval, rtol, atol, out, st);
  return rt_rk45(s, t0, t1, x0, nt, t_eval, rtol, atol, out, st);
}

rt_system rt_learned_budget(const rt_system *learned, const rt_stats *truth, double span_ratio) {
  rt_system s = *learned;
  double b = (double)RT_LEARNED_STEPS * (double)(truth->nstep + truth->nreject) * (span_ratio > 1 ? span_ratio : 1);
  s.max_steps = b < (double)RT_LEARNED_MIN_STEPS ? RT_LEARNED_MIN_STEPS
                : b > (double)RT_MAX_STEPS       ? RT_MAX_STEPS
                                                 : (long)b;
  if (learned->max_steps > 0 && learned->max_steps < s.max_steps) s.max_steps = learned->max_steps;
  return s;
}

int rt_task_rk45(const rt_task *t, const rt_system *field, double t0, double t1, const double *x0, int nt,
                 const double *t_eval, double rtol, double atol, double *out, rt_stats *st) {
  if (t->npad == 0) return integrate(t, field, t0, t1, x0, nt, t_eval, rtol, atol, out, st);
  if (t->npad < 0 || field->dim + t->npad > RT_MAXDIM || nt < 0) return RT_ERR_ARG;
  padded_field pf = {field, t->npad};
  rt_system ps = {padded_eval, &pf, field->dim + t->npad, field->max_steps, field->min_step};
  double y0[RT_MAXDIM];
  double *pad = malloc((size_t)nt * ps.dim * sizeof *pad + 1);
  if (!pad) return -1;
  for (int i = 0; i < ps.dim; i++) y0[i] = i < field->dim ? x0[i] : 1.0;
  int e = integrate(t, &ps, t0, t1, y0, nt, t_eval, rtol, atol, pad, st);
  for (int k = 0; k < nt; k++)
    memcpy(out + (size_t)k * field->dim, pad + (size_t)k * ps.dim, (size_t)field->dim * sizeof *out);
  free(pad);
  return e;
}

void rt_dataset_free(rt_dataset *d) {
  free(d->x_train);
  free(d->dx_train);
  free(d->x_test);
  free(d->dx_test);
  free(d->t);
  memset(d, 0, sizeof *d);
}

static int all_finite(const double *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i])) return 0;
  return 1;
}

static int check_sampler(const rt_task *t, const rt_sampler *s, int need, const char *what, char *err, size_t nerr) {
  int n = s->kind == RT_X0_ENERGY ? t->dim / 2 : t->dim;
  switch (s->kind) {
  case RT_X0_BOX:
  case RT_X0_ENERGY:
    if (!s->lo || !s->hi) return rt_fail(err, nerr, t->name, "%s: the box has no bounds", what);
    for (int c = 0; c < n; c++)
      if (!(s->lo[c] <= s->hi[c]) || !isfinite(s->lo[c]) || !isfinite(s->hi[c]))
        return rt_fail(err, nerr, t->name, "%s: box component %d is not lo <= hi", what, c + 1);
    if (s->kind == RT_X0_ENERGY && (t->dim % 2 || !isfinite(s->energy)))
      return rt_fail(err, nerr, t->name, "%s: an energy shell needs an even state size and a finite energy", what);
    return 0;
  case RT_X0_SHELL:
    if (!(s->r_lo >= 0 && s->r_lo <= s->r_hi && isfinite(s->r_hi)))
      return rt_fail(err, nerr, t->name, "%s: the shell needs 0 <= r_lo <= r_hi", what);
    return 0;
  case RT_X0_LIST:
    if (!s->list || s->nlist < need)
      return rt_fail(err, nerr, t->name, "%s: %d states are needed, the list has %d", what, need, s->nlist);
    return 0;
  case RT_X0_CALLBACK: return s->fn ? 0 : rt_fail(err, nerr, t->name, "%s: no callback", what);
  }
  return rt_fail(err, nerr, t->name, "%s: no initial-state sampler of kind %d", what, s->kind);
}

int rt_task_check(const rt_task *t, char *err, size_t nerr) {
  if (t->dim < 1 || t->npad < 0 || t->dim + t->npad > RT_MAXDIM || t->ntraj < 1 || t->npoints < 1 ||
      !(t->split >= 0.0 && t->split <= 1.0) || !(t->noise >= 0.0) || !(t->rtol > 0) || !(t->atol > 0) ||
      (t->integrator != RT_INTEGRATOR_RK45 && t->integrator != RT_INTEGRATOR_DOP853))
    return rt_fail(err, nerr, t->name, "invalid task parameters");
  if (t->times) {
    for (int k = 1; k < t->npoints; k++)
      if (!(t->times[k] > t->times[k - 1]))
        return rt_fail(err, nerr, t->name, "the times are not increasing at index %d", k);
  } else if (!(t->t1 > t->t0) && t->npoints > 1)
    return rt_fail(err, nerr, t->name, "the time span [%g, %g] is empty", t->t0, t->t1);
  return check_sampler(t, &t->x0, t->ntraj, "x0", err, nerr);
}

/* rows [first, first + n) of x and dx (trajectories of np rows) into new
   arrays */
static int cut(const double *x, const double *dx, long first, long n, int dim, double **px, double **pdx) {
  size_t row = (size_t)dim * sizeof(double);
  *px = malloc((size_t)n * row + 1);
  *pdx = malloc((size_t)n * row + 1);
  if (!*px || !*pdx) return 1;
  memcpy(*px, x + (size_t)first * dim, (size_t)n * row);
  memcpy(*pdx, dx + (size_t)first * dim, (size_t)n * row);
  return 0;
}

int rt_dataset_make(const rt_task *t, const rt_system *field, const rt_energy *H, uint64_t seed, rt_dataset *out,
                    char *err, size_t nerr) {
  double *x = NULL, *dx = NULL, *t_eval = NULL, *x0 = NULL;
  rt_rng noise;
  rt_dataset d;
  int rc = 1;

  memset(out, 0, sizeof *out);
  memset(&d, 0, sizeof d);
  if (field->dim != t->dim)
    return rt_fail(err, nerr, t->name,
                   "the field has dimension %d, the "
                   "task needs %d",
                   field->dim, t->dim);
  if (rt_task_check(t, err, nerr)) return 1;

  int dim = t->dim, np = t->npoints;
  long rows = (long)t->ntraj * np;
  size_t nx = (size_t)rows * dim;
  x = malloc(nx * sizeof *x);
  dx = malloc(nx * sizeof *dx);
  t_eval = malloc((size_t)np * sizeof *t_eval);
  x0 = malloc((size_t)t->ntraj * dim * sizeof *x0);
  if (!x || !dx || !t_eval || !x0) {
    rt_fail(err, nerr, t->name, "out of memory for %ld rows", rows);
    goto done;
  }
  if (rt_task_initial_states(t, H, seed, x0, err, nerr)) goto done;
  if (t->times) memcpy(t_eval, t->times, (size_t)np * sizeof *t_eval);
  else rt_linspace(t->t0, t->t1, np, t_eval);
  rt_rng_seed(&noise, seed, RT_STREAM_NOISE);

  for (int j = 0; j < t->ntraj; j++) {
    double *xj = x + (size_t)j * np * dim, *dxj = dx + (size_t)j * np * dim;
    int e = np == 1 ? (memcpy(xj, x0 + (size_t)j * dim, (size_t)dim * sizeof *xj), 0)
                    : rt_task_rk45(t, field, t_eval[0], t_eval[np - 1], x0 + (size_t)j * dim, np, t_eval, t->rtol,
                                   t->atol, xj, NULL);
    if (e) {
      rt_fail(err, nerr, t->name, "trajectory %d of %d: %s: %s", j, t->ntraj,
              t->integrator == RT_INTEGRATOR_DOP853 ? "dop853" : "rk45", e < 0 ? "out of memory" : rt_strerror(e));
      goto done;
    }
    if (field->field(field->ctx, np, xj, dxj) != 0 || !all_finite(dxj, (size_t)np * dim)) {
      rt_fail(err, nerr, t->name,
              "trajectory %d of %d: the field "
              "failed or is not finite at a sampled state",
              j, t->ntraj);
      goto done;
    }
    if (t->noise > 0.0)
      for (int c = 0; c < dim; c++)
        for (int k = 0; k < np; k++) xj[(size_t)k * dim + c] += rt_rng_normal(&noise) * t->noise;
  }

  /* split by trajectory: the first nfirst go to test or train */
  long nfirst = (long)((double)t->ntraj * t->split);
  long ntr_train = t->test_first ? t->ntraj - nfirst : nfirst;
  long train0 = t->test_first ? nfirst : 0, test0 = t->test_first ? 0 : nfirst;
  d.dim = dim;
  d.npoints = np;
  d.ntraj_train = ntr_train;
  d.ntraj_test = t->ntraj - ntr_train;
  d.ntrain = d.ntraj_train * np;
  d.ntest = d.ntraj_test * np;
  d.t = t_eval, t_eval = NULL;
  if (cut(x, dx, train0 * np, d.ntrain, dim, &d.x_train, &d.dx_train) ||
      cut(x, dx, test0 * np, d.ntest, dim, &d.x_test, &d.dx_test)) {
    rt_fail(err, nerr, t->name, "out of memory for %ld rows", rows);
    rt_dataset_free(&d);
    goto done;
  }
  *out = d;
  rc = 0;
done:
  free(x);
  free(dx);
  free(t_eval);
  free(x0);
  return rc;
}

/* ---- folders of .npy files ---- */

static const char *const file_names[4] = {"x_train.npy", "dx_train.npy", "x_test.npy", "dx_test.npy"};

static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, name);
  return p;
}

int rt_dataset_save(const rt_dataset *d, const char *dir, char *err, size_t nerr) {
  double *arrays[4] = {d->x_train, d->dx_train, d->x_test, d->dx_test};
  long rows[4] = {d->ntrain, d->ntrain, d->ntest, d->ntest};
  long traj[4] = {d->ntraj_train, d->ntraj_train, d->ntraj_test, d->ntraj_test};

  if (mkdir(dir, 0777) != 0 && errno != EEXIST)
    return rt_fail(err, nerr, dir, "cannot create the folder: %s", strerror(errno));
  for (int i = 0; i < 5; i++) {
    rt_npy a = {RT_NPY_F8, 2, {rows[i % 4], d->dim}, 0, arrays[i % 4]};
    if (i == 4) {
      if (!d->t || d->npoints < 1) break;
      a.rank = 1, a.shape[0] = d->npoints, a.data = d->t;
    } else if (d->npoints > 0) {
      a.rank = 3, a.shape[0] = traj[i], a.shape[1] = d->npoints, a.shape[2] = d->dim;
    }
    char *path = join(dir, i == 4 ? "t.npy" : file_names[i]);
    if (!path) return rt_fail(err, nerr, dir, "out of memory");
    int e = rt_npy_write(path, &a, 0, err, nerr);
    free(path);
    if (e) return 1;
  }
  return 0;
}

/* checks array i of a folder against array 0 (and x against dx) */
static int check_shape(const rt_npy *a, int i, const char *path, char *err, size_t nerr) {
  int r = a[i].rank;
  if ((r != 2 && r != 3) || a[i].shape[r - 1] < 1 || a[i].shape[r - 1] > RT_MAXDIM)
    return rt_fail(err, nerr, path,
                   "expected a (rows, dim) or (trajectories, points, dim) array with "
                   "1 <= dim <= %d, found rank %d",
                   RT_MAXDIM, r);
  if (r != a[0].rank) return rt_fail(err, nerr, path, "rank %d differs from %s's %d", r, file_names[0], a[0].rank);
  if (a[i].shape[r - 1] != a[0].shape[r - 1])
    return rt_fail(err, nerr, path, "dim %ld differs from %s's %ld", a[i].shape[r - 1], file_names[0],
                   a[0].shape[r - 1]);
  if (r == 3 && a[i].shape[1] != a[0].shape[1])
    return rt_fail(err, nerr, path, "%ld points a trajectory, but %s has %ld", a[i].shape[1], file_names[0],
                   a[0].shape[1]);
  if ((i == 1 || i == 3) && a[i].shape[0] != a[i - 1].shape[0])
    return rt_fail(err, nerr, path, "%ld %s, but %s has %ld", a[i].shape[0], r == 3 ? "trajectories" : "rows",
                   file_names[i - 1], a[i - 1].shape[0]);
  return 0;
}

int rt_dataset_load(const char *dir, rt_dataset *out, char *err, size_t nerr) {
  rt_npy a[5];
  char *path = NULL;
  int rc = 1;

  memset(out, 0, sizeof *out);
  memset(a, 0, sizeof a);
  {
    struct stat st;
    char *npy = join(dir, file_names[0]), *csv = join(dir, "x_train.csv");
    int use_csv = npy && csv && stat(npy, &st) != 0 && stat(csv, &st) == 0;
    free(npy), free(csv);
    if (use_csv) return rt_dataset_load_csv(dir, out, err, nerr);
  }
  for (int i = 0; i < 4; i++) {
    free(path);
    path = join(dir, file_names[i]);
    if (!path) {
      rt_fail(err, nerr, dir, "out of memory");
      goto done;
    }
    if (rt_npy_read(path, RT_NPY_FINITE | RT_NPY_AS_F8, &a[i], err, nerr) || check_shape(a, i, path, err, nerr))
      goto done;
  }
  int r = a[0].rank;
  out->dim = (int)a[0].shape[r - 1];
  out->ntrain = a[0].count / out->dim;
  out->ntest = a[2].count / out->dim;
  if (r == 3) {
    out->npoints = (int)a[0].shape[1];
    out->ntraj_train = a[0].shape[0];
    out->ntraj_test = a[2].shape[0];
    free(path);
    path = join(dir, "t.npy");
    if (!path) {
      rt_fail(err, nerr, dir, "out of memory");
      goto done;
    }
    struct stat st;
    if (stat(path, &st) == 0) {
      if (rt_npy_read(path, RT_NPY_FINITE | RT_NPY_AS_F8, &a[4], err, nerr)) goto done;
      if (a[4].rank != 1 || a[4].shape[0] != out->npoints) {
        rt_fail(err, nerr, path, "expected %d times (a vector), found %ld values", out->npoints, a[4].count);
        goto done;
      }
      out->t = a[4].data;
      a[4].data = NULL;
    }
  }
  out->x_train = a[0].data;
  out->dx_train = a[1].data;
  out->x_test = a[2].data;
  out->dx_test = a[3].data;
  for (int i = 0; i < 4; i++) a[i].data = NULL;
  rc = 0;
done:
  free(path);
  for (int i = 0; i < 5; i++) rt_npy_free(&a[i]);
  if (rc) rt_dataset_free(out);
  return rc;
}
