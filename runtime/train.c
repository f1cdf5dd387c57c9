/* The training loop (contract in train.h)
 *
 * requires the objective's kernels, Adam (adam.c), rt_rng, checkpoint.c
 *
 * The state that decides the next bits is exactly what a checkpoint holds:
 * theta, the Adam moments and counters, the two generators, the two
 * permutations and the epoch cursor. Everything else (batch buffers, the
 * gradient, the float copies of the data) is rebuilt from it.
 */
#include "atomic.h"
#include "error.h"
#include "pool.h"
#include "train.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adam.h"
#include "checkpoint.h"
#include "../prelude/rng.h"

static double hn_cos_(double x);

/* gamma^k by repeated squaring: a fixed sequence of correctly rounded
   multiplications, the same bits everywhere */
static double power(double gamma, long k) {
  double r = 1, b = gamma;
  for (; k > 0; k >>= 1, b *= b)
    if (k & 1) r *= b;
  return r;
}

double rt_train_lr(const rt_train_options *o, long t) {
  long T;
  switch (o->schedule) {
  case RT_LR_COSINE:
    T = o->decay_steps > 0 ? o->decay_steps : o->steps;
    if (T <= 0) return o->lr;
    if (t > T) t = T;
    return o->min_lr + (o->lr - o->min_lr) * (1 + hn_cos_(3.141592653589793 * (double)t / (double)T)) / 2;
  case RT_LR_STEP: return o->decay_steps > 0 ? o->lr * power(o->gamma, t / o->decay_steps) : o->lr;
  case RT_LR_EXPONENTIAL: return o->lr * power(o->gamma, t);
  default: return o->lr;
  }
}

void rt_train_defaults(rt_train_options *o) {
  memset(o, 0, sizeof *o);
  o->steps = 2001;
  o->lr = 1e-3;
  o->sampler = RT_SAMPLE_EPOCH;
  o->eval_every = 1;
  o->checkpoint_every = 500;
}

void rt_train_result_free(rt_train_result *r) {
  free(r->hist);
  memset(r, 0, sizeof *r);
  r->checkpoint_step = -1;
}

/* Fisher-Yates over perm[0..n): after k swaps, perm[0..k) is a uniform
   random k-subset of the entries in random order (k = n - 1: a full
   shuffle). */
static void shuffle(rt_rng *r, long *perm, long n, long k) {
  long i;
  for (i = 0; i < k && i < n - 1; i++) {
    long j = i + (long)rt_rng_below(r, (uint64_t)(n - i)), t = perm[i];
    perm[i] = perm[j], perm[j] = t;
  }
}

/* Samples. A sample is a row, or with o->window = W a window: W rows of
   one trajectory (of T = the data's npoints rows), at random times. Both
   are blocks of an index permutation perm of the rows: sample slot k is
   perm[first(k) .. first(k) + W), the (k % (T/W))-th block of W of
   trajectory k / (T/W); rows are the case W = T = 1. Shuffling the rows of
   every trajectory (shuffle_times) and then the blocks (shuffle_blocks)
   draws new windows, each pairing time samples of one trajectory at
   random; perm alone holds them, so a checkpoint does too. */
typedef struct blocks { long W, T, n; } blocks; /* window, trajectory length, samples */

static long first_row(const blocks *b, long k) { return k / (b->T / b->W) * b->T + k % (b->T / b->W) * b->W; }

/* windows: perm anew, every trajectory's T rows in a fresh random order
   (Fisher-Yates) in its own T entries; rows (T = 1): nothing */
static void shuffle_times(rt_rng *r, long *perm, long nrows, const blocks *b) {
  long k;
  if (b->T == 1) return;
  for (k = 0; k < nrows; k++) perm[k] = k;
  for (k = 0; k + b->T <= nrows; k += b->T) shuffle(r, perm + k, b->T, b->T - 1);
}

/* Fisher-Yates over the b->n blocks: after k swaps, slots 0..k hold a
   uniform random k-subset of the blocks (rows: exactly shuffle()) */
static void shuffle_blocks(rt_rng *r, long *perm, const blocks *b, long k) {
  long i, m;
  for (i = 0; i < k && i < b->n - 1; i++) {
    long j = i + (long)rt_rng_below(r, (uint64_t)(b->n - i)), *u = perm + first_row(b, i), *v = perm + first_row(b, j);
    for (m = 0; m < b->W; m++) {
      long t = u[m];
      u[m] = v[m], v[m] = t;
    }
  }
}

/* samples in slots k0 .. k0+n of perm, each W rows of a (dim values,
   element size es), into out */
static void gather(const void *a, const long *perm, const blocks *b, long k0, long n, int dim, size_t es, void *out) {
  long k, m;
  size_t row = (size_t)dim * es;
  char *o = out;
  for (k = k0; k < k0 + n; k++)
    for (m = 0; m < b->W; m++, o += row) memcpy(o, (const char *)a + (size_t)perm[first_row(b, k) + m] * row, row);
}

static void *to_float(const double *a, long n) {
  float *f = rt_alloc_vec((size_t)n * sizeof *f + 1);
  long i;
  if (f)
    for (i = 0; i < n; i++) f[i] = (float)a[i];
  return f;
}

int rt_write_metrics(const char *path, const double *hist, long nhist, char *err, size_t nerr) {
  rt_atomic af;
  FILE *f;
  long i;
  int ok;
  if (!(f = rt_atomic_open(&af, path, "w", err, nerr))) return 1;
  ok = fputs("step,train_loss,test_loss,seconds\n", f) >= 0;
  for (i = 0; ok && i < nhist; i++) {
    const double *h = hist + 4 * i;
    char test[40] = "";
    if (!isnan(h[2])) snprintf(test, sizeof test, "%.17g", h[2]);
    ok = fprintf(f, "%ld,%.17g,%s,%.6f\n", (long)h[0], h[1], test, h[3]) > 0;
  }
  return rt_atomic_commit(&af, ok, 0, path, err, nerr);
}

typedef struct state {
  const rt_objective *obj;
  const rt_train_options *o;
  size_t es;                   /* element size */
  int dim;
  long ntrain, ntest, batch, test_batch; /* rows; samples per step and per test evaluation */
  blocks tr, te;               /* the samples of the training and test rows */
  const void *xtr, *dxtr, *xte, *dxte;   /* data in the element type */
  void *own[4];                /* float copies, freed at the end */
  void *xb, *dxb, *xtb, *dxtb; /* batch buffers */
  void *grad, *m, *v;
  rt_adam adam;
  rt_rng rng_train, rng_test;
  long *perm, *test_perm, cursor;
  double *hist;
  long nhist;
} state;

static void state_free(state *s) {
  int i;
  for (i = 0; i < 4; i++) free(s->own[i]);
  free(s->xb), free(s->dxb), free(s->xtb), free(s->dxtb);
  free(s->grad), free(s->m), free(s->v), free(s->perm), free(s->test_perm);
}

static void path_join(char *out, size_t n, const char *dir, const char *name) { snprintf(out, n, "%s/%s", dir, name); }

static int save(state *s, void *theta, long step, double seconds, char *err, size_t nerr) {
  rt_checkpoint c;
  char path[4200];
  memset(&c, 0, sizeof c);
  c.elem = (int)s->es;
  c.hash = s->obj->hash;
  c.nparams = s->obj->nparams;
  c.ntensor = s->obj->ntensor;
  c.shape = (int(*)[5])s->obj->shape;
  c.seed = s->o->seed;
  c.step = step;
  c.lr = s->o->lr, c.weight_decay = s->o->weight_decay;
  c.batch = s->batch, c.sampler = s->o->sampler, c.test_batch = s->test_batch;
  c.adam = s->adam;
  c.rng_train = s->rng_train, c.rng_test = s->rng_test;
  c.ntrain = s->ntrain, c.ntest = s->ntest, c.cursor = s->cursor;
  c.perm = s->perm, c.test_perm = s->test_perm;
  c.seconds = seconds;
  c.nhist = s->nhist, c.hist = s->hist;
  c.theta = theta, c.m = s->m, c.v = s->v;
  path_join(path, sizeof path, s->o->dir, "checkpoint.bin");
  if (rt_checkpoint_write(path, &c, err, nerr)) return 1;
  path_join(path, sizeof path, s->o->dir, "metrics.csv");
  return rt_write_metrics(path, s->hist, s->nhist, err, nerr);
}

static const char *shape_text(const int *sh, char *buf) {
  int i, n = sprintf(buf, "[");
  for (i = 0; i < sh[0] && i < 4; i++) n += sprintf(buf + n, "%s%d", i ? "," : "", sh[1 + i]);
  sprintf(buf + n, "]");
  return buf;
}

/* Restores s and theta from DIR/checkpoint.bin after checking that it was
   made by this model with these settings; *step and *seconds from it. */
static int restore(state *s, void *theta, long *step, double *seconds, char *err, size_t nerr) {
  const rt_objective *obj = s->obj;
  const rt_train_options *o = s->o;
  rt_checkpoint c;
  char path[4200], b1[64], b2[64];
  long i;
  int rc = RT_TRAIN_ERROR;
  path_join(path, sizeof path, o->dir, "checkpoint.bin");
  if (rt_checkpoint_read(path, &c, err, nerr)) return RT_TRAIN_ERROR;
  if (c.hash != obj->hash) {
    rt_fail(err, nerr, path, "the checkpoint belongs to another model (model hash %016llx; this model's is %016llx)",
         (unsigned long long)c.hash, (unsigned long long)obj->hash);
    goto done;
  }
  if ((size_t)c.elem != s->es) {
    rt_fail(err, nerr, path, "the checkpoint holds %s parameters, the model is %s", c.elem == 4 ? "float" : "double",
         s->es == 4 ? "float" : "double");
    goto done;
  }
  if (c.nparams != obj->nparams || c.ntensor != obj->ntensor) {
    rt_fail(err, nerr, path, "the checkpoint has %ld parameters in %d tensors, the model %ld in %d", c.nparams, c.ntensor,
         obj->nparams, obj->ntensor);
    goto done;
  }
  for (i = 0; i < c.ntensor; i++)
    if (memcmp(c.shape[i], obj->shape[i], sizeof c.shape[i])) {
      rt_fail(err, nerr, path, "parameter tensor %ld has shape %s in the checkpoint, %s in the model", i + 1,
           shape_text(c.shape[i], b1), shape_text(obj->shape[i], b2));
      goto done;
    }
  if (c.seed != o->seed || c.lr != o->lr || c.weight_decay != o->weight_decay || c.batch != s->batch ||
      c.sampler != o->sampler || c.test_batch != s->test_batch) {
    rt_fail(err, nerr, path,
         "the checkpoint was made with seed %llu, lr %g, weight decay %g, batch %ld, sampler %d, test batch %ld; "
         "this run has seed %llu, lr %g, weight decay %g, batch %ld, sampler %d, test batch %ld",
         (unsigned long long)c.seed, c.lr, c.weight_decay, c.batch, c.sampler, c.test_batch,
         (unsigned long long)o->seed, o->lr, o->weight_decay, s->batch, o->sampler, s->test_batch);
    goto done;
  }
  if (c.ntrain != s->ntrain || c.ntest != s->ntest) {
    rt_fail(err, nerr, path, "the checkpoint was trained on %ld/%ld train/test rows, this data set has %ld/%ld", c.ntrain,
         c.ntest, s->ntrain, s->ntest);
    goto done;
  }
  if (c.step < 0 || c.step > o->steps || c.nhist != c.step || c.cursor < 0 || c.cursor > s->tr.n) {
    if (c.step > o->steps) rt_fail(err, nerr, path, "the checkpoint is at step %ld, beyond the %ld steps asked for", c.step, o->steps);
    else rt_fail(err, nerr, path, "inconsistent step counters (corrupted)");
    goto done;
  }
  for (i = 0; i < c.ntrain; i++)
    if (c.perm[i] < 0 || c.perm[i] >= c.ntrain) { rt_fail(err, nerr, path, "row index out of range (corrupted)"); goto done; }
  for (i = 0; i < c.ntest; i++)
    if (c.test_perm[i] < 0 || c.test_perm[i] >= c.ntest) { rt_fail(err, nerr, path, "row index out of range (corrupted)"); goto done; }
  memcpy(theta, c.theta, c.nparams * s->es);
  memcpy(s->m, c.m, c.nparams * s->es);
  memcpy(s->v, c.v, c.nparams * s->es);
  memcpy(s->perm, c.perm, c.ntrain * sizeof *s->perm);
  memcpy(s->test_perm, c.test_perm, c.ntest * sizeof *s->test_perm);
  memcpy(s->hist, c.hist, 4 * c.nhist * sizeof *s->hist);
  s->nhist = c.nhist;
  s->adam = c.adam;
  s->rng_train = c.rng_train, s->rng_test = c.rng_test;
  s->cursor = c.cursor;
  *step = c.step;
  *seconds = c.seconds;
  rc = RT_TRAIN_OK;
done:
  rt_checkpoint_free(&c);
  return rc;
}

/* the test loss on all test samples, or (batch and o->test_batch) on a
   random test batch of them; nonzero on failure. Test windows are cut
   once, at the start of the run (rt_train). */
static int test_loss_of(state *s, const void *theta, int batch, double *loss) {
  const void *xt = s->xte, *dxt = s->dxte;
  long nt = s->te.n;
  if (batch && s->test_batch) shuffle_blocks(&s->rng_test, s->test_perm, &s->te, nt = s->test_batch);
  if (nt < s->ntest) { /* a batch, or windows */
    gather(s->xte, s->test_perm, &s->te, 0, nt, s->dim, s->es, s->xtb);
    gather(s->dxte, s->test_perm, &s->te, 0, nt, s->dim, s->es, s->dxtb);
    xt = s->xtb, dxt = s->dxtb;
  }
  return s->obj->eval(s->obj->ctx, (int)nt, theta, xt, dxt, loss, NULL);
}

/* res->train_loss and test_loss (see train.h) */
static void final_losses(state *s, const void *theta, rt_train_result *res) {
  const rt_objective *obj = s->obj;
  long i;
  res->train_loss = res->test_loss = NAN;
  if (s->nhist) {
    res->train_loss = s->hist[4 * (s->nhist - 1) + 1];
    for (i = s->nhist - 1; i >= 0; i--)
      if (!isnan(s->hist[4 * i + 2])) { res->test_loss = s->hist[4 * i + 2]; break; }
    return;
  }
  if (s->tr.T > 1) { /* windows: all of them, as perm cuts them now */
    gather(s->xtr, s->perm, &s->tr, 0, s->tr.n, s->dim, s->es, s->xb);
    gather(s->dxtr, s->perm, &s->tr, 0, s->tr.n, s->dim, s->es, s->dxb);
    if (obj->eval(obj->ctx, (int)s->tr.n, theta, s->xb, s->dxb, &res->train_loss, NULL)) res->train_loss = NAN;
  } else if (obj->eval(obj->ctx, (int)s->ntrain, theta, s->xtr, s->dxtr, &res->train_loss, NULL))
    res->train_loss = NAN;
  if (s->te.n > 0 && test_loss_of(s, theta, 0, &res->test_loss)) res->test_loss = NAN;
}

/* the samples of this step: all rows, or a batch drawn by o->sampler (with
   windows, full batch is a batch of all windows, drawn anew every step) */
static void next_batch(state *s, const void **x, const void **dx, long *nb) {
  long k0 = 0;
  *x = s->xtr, *dx = s->dxtr, *nb = s->ntrain;
  if (!s->batch) return;
  if (s->o->sampler == RT_SAMPLE_RANDOM) {
    shuffle_times(&s->rng_train, s->perm, s->ntrain, &s->tr);
    shuffle_blocks(&s->rng_train, s->perm, &s->tr, s->batch);
  } else {
    if (s->cursor == 0) {
      shuffle_times(&s->rng_train, s->perm, s->ntrain, &s->tr);
      shuffle_blocks(&s->rng_train, s->perm, &s->tr, s->tr.n - 1);
    }
    k0 = s->cursor;
    s->cursor += s->batch;
    if (s->cursor + s->batch > s->tr.n) s->cursor = 0;
  }
  gather(s->xtr, s->perm, &s->tr, k0, s->batch, s->dim, s->es, s->xb);
  gather(s->dxtr, s->perm, &s->tr, k0, s->batch, s->dim, s->es, s->dxb);
  *x = s->xb, *dx = s->dxb, *nb = s->batch;
}

/* s->tr and s->te: rows, or (o->window) windows of trajectories */
static int samples(state *s, const rt_objective *obj, const rt_dataset *d, const rt_train_options *o, const char *who,
                   char *err, size_t nerr) {
  blocks rows = {1, 1, 0};
  long W = o->window, T = d->npoints;
  if (!W) {
    if (obj->dim != d->dim) return rt_fail(err, nerr, who, "the model takes rows of %d values, the data have %d", obj->dim, d->dim);
    s->tr = s->te = rows;
    s->tr.n = d->ntrain, s->te.n = d->ntest;
    return 0;
  }
  if (W < 0 || T < W || d->ntrain != d->ntraj_train * T || d->ntest != d->ntraj_test * T)
    return rt_fail(err, nerr, who, "windows of %ld time samples need trajectories of at least %ld samples; the data have %s", W,
                   W, T > 0 ? "shorter ones" : "rows, not trajectories");
  if (obj->dim != W * d->dim)
    return rt_fail(err, nerr, who, "the model takes samples of %d values, windows of %ld rows of %d values have %ld", obj->dim,
                   W, d->dim, W * d->dim);
  s->tr.W = s->te.W = W, s->tr.T = s->te.T = T;
  s->tr.n = d->ntraj_train * (T / W), s->te.n = d->ntraj_test * (T / W);
  return 0;
}

/* checks the options and allocates the state's buffers (rt_train's first half) */
static int setup(state *s, const rt_objective *obj, const rt_dataset *d, const rt_train_options *o,
                 rt_train_result *res, const char *who, char *err, size_t nerr) {
  long i, P = obj->nparams, nb, ntb;
  if (samples(s, obj, d, o, who, err, nerr)) return 1;
  if (d->ntrain < 1) return rt_fail(err, nerr, who, "no training rows");
  if (o->steps < 0 || o->eval_every < 1 || o->batch < 0 || o->test_batch < 0 || !(o->lr > 0) || !(o->weight_decay >= 0))
    return rt_fail(err, nerr, who, "invalid training options (steps %ld, eval_every %ld, batch %ld, lr %g)", o->steps,
                o->eval_every, o->batch, o->lr);
  if (d->ntrain > 2147483647L || d->ntest > 2147483647L) return rt_fail(err, nerr, who, "too many rows");
  s->obj = obj, s->o = o;
  s->es = obj->is_float ? sizeof(float) : sizeof(double);
  s->dim = d->dim;
  s->ntrain = d->ntrain, s->ntest = d->ntest;
  s->batch = o->batch > 0 && o->batch < s->tr.n ? o->batch : s->tr.T > 1 ? s->tr.n : 0;
  s->test_batch = o->test_batch > 0 && o->test_batch < s->te.n ? o->test_batch : 0;
  nb = (s->tr.T > 1 ? s->tr.n : s->batch) * s->tr.W, ntb = (s->te.T > 1 ? s->te.n : s->test_batch) * s->te.W;
  if (obj->is_float) {
    long ntr = d->ntrain * d->dim, nte = d->ntest * d->dim;
    s->xtr = s->own[0] = to_float(d->x_train, ntr), s->dxtr = s->own[1] = to_float(d->dx_train, ntr);
    s->xte = s->own[2] = to_float(d->x_test, nte), s->dxte = s->own[3] = to_float(d->dx_test, nte);
  } else
    s->xtr = d->x_train, s->dxtr = d->dx_train, s->xte = d->x_test, s->dxte = d->dx_test;
  s->xb = rt_alloc_vec((size_t)(nb + 1) * s->dim * s->es), s->dxb = rt_alloc_vec((size_t)(nb + 1) * s->dim * s->es);
  s->xtb = rt_alloc_vec((size_t)(ntb + 1) * s->dim * s->es), s->dxtb = rt_alloc_vec((size_t)(ntb + 1) * s->dim * s->es);
  s->grad = rt_alloc_vec(P * s->es + 8), s->m = rt_alloc_vec((P + 1) * s->es), s->v = rt_alloc_vec((P + 1) * s->es);
  s->perm = malloc((s->ntrain + 1) * sizeof *s->perm), s->test_perm = malloc((s->ntest + 1) * sizeof *s->test_perm);
  s->hist = res->hist = malloc(4 * (o->steps + 1) * sizeof *s->hist);
  if (!s->xtr || !s->dxtr || !s->xte || !s->dxte || !s->xb || !s->dxb || !s->xtb || !s->dxtb || !s->grad || !s->m || !s->v ||
      !s->perm || !s->test_perm || !s->hist) {
    state_free(s);
    return rt_fail(err, nerr, who, "out of memory");
  }
  for (i = 0; i < s->ntrain; i++) s->perm[i] = i;
  for (i = 0; i < s->ntest; i++) s->test_perm[i] = i;
  return 0;
}

int rt_train(const rt_objective *obj, const rt_dataset *d, const rt_train_options *o, void *theta,
             rt_train_result *res, char *err, size_t nerr) {
  state s;
  const char *who = o->dir ? o->dir : "train";
  long first = 0, step, P = obj->nparams, ckpt = -1;
  double seconds0 = 0, t0;
  int rc = RT_TRAIN_OK;

  memset(res, 0, sizeof *res);
  res->checkpoint_step = -1;
  res->train_loss = res->test_loss = NAN;
  memset(&s, 0, sizeof s);
  if (setup(&s, obj, d, o, res, who, err, nerr)) return RT_TRAIN_ERROR;
  rt_adam_init(&s.adam, o->lr, o->weight_decay);
  rt_rng_seed(&s.rng_train, o->seed, RT_STREAM_TRAIN);
  rt_rng_seed(&s.rng_test, o->seed, RT_STREAM_TEST);
  shuffle_times(&s.rng_test, s.test_perm, s.ntest, &s.te); /* the test windows, once (rows: nothing) */
  if (o->resume) {
    if (!o->dir) {
      state_free(&s);
      return rt_fail(err, nerr, who, "resume needs a folder with a checkpoint");
    }
    if (restore(&s, theta, &first, &seconds0, err, nerr)) {
      state_free(&s);
      return RT_TRAIN_ERROR;
    }
    ckpt = first;
  }
  res->first = first;

  t0 = rt_seconds();
  for (step = first; step < o->steps && !(o->stop && *o->stop); step++) {
    const void *x, *dx;
    long nb;
    double train_loss, test_loss = NAN, *h;
    int evaluated = 0;
    next_batch(&s, &x, &dx, &nb);
    if (obj->eval(obj->ctx, (int)nb, theta, x, dx, &train_loss, s.grad)) {
      rc = rt_fail(err, nerr, who, "the loss gradient could not be evaluated at step %ld: out of memory", step);
      break;
    }
    if (isfinite(train_loss)) {
      s.adam.lr = rt_train_lr(o, step);
      if (obj->is_float) rt_adam_stepf(&s.adam, P, theta, s.grad, s.m, s.v);
      else rt_adam_step(&s.adam, P, theta, s.grad, s.m, s.v);
      if (obj->after_step && obj->after_step(obj->ctx, (int)nb, theta, x)) {
        rc = rt_fail(err, nerr, who, "the state update could not be evaluated at step %ld: out of memory", step);
        break;
      }
      if (s.ntest > 0 && (step % o->eval_every == 0 || step == o->steps - 1)) {
        if (test_loss_of(&s, theta, 1, &test_loss)) {
          rc = rt_fail(err, nerr, who, "the test loss could not be evaluated at step %ld: out of memory", step);
          break;
        }
        evaluated = 1;
      }
    }
    h = s.hist + 4 * s.nhist++;
    h[0] = (double)step, h[1] = train_loss, h[2] = test_loss, h[3] = seconds0 + (rt_seconds() - t0);
    if (!isfinite(train_loss) || (evaluated && !isfinite(test_loss))) {
      char where[4300];
      if (o->dir && ckpt >= 0) snprintf(where, sizeof where, "the last good checkpoint, %s/checkpoint.bin (step %ld), is kept", o->dir, ckpt);
      else if (o->dir) snprintf(where, sizeof where, "no checkpoint had been written yet");
      else snprintf(where, sizeof where, "no checkpoints were asked for");
      double bad = isfinite(train_loss) ? test_loss : train_loss;
      rt_fail(err, nerr, who, "training diverged at step %ld: the %s loss is %s (lr %g); %s", step,
           isfinite(train_loss) ? "test" : "train", isnan(bad) ? "NaN" : bad > 0 ? "+Inf" : "-Inf", o->lr, where);
      rc = RT_TRAIN_DIVERGED;
      if (o->dir) {
        char path[4200], e2[256];
        path_join(path, sizeof path, o->dir, "metrics.csv");
        rt_write_metrics(path, s.hist, s.nhist, e2, sizeof e2);
      }
      step += isfinite(train_loss); /* the update was made */
      break;
    }
    if (o->progress) {
      rt_train_progress p;
      p.step = step, p.steps = o->steps, p.first = first;
      p.train_loss = train_loss, p.test_loss = test_loss;
      p.seconds = rt_seconds() - t0, p.total_seconds = h[3];
      o->progress(o->progress_ctx, &p);
    }
    if (o->dir && ((o->checkpoint_every > 0 && (step + 1) % o->checkpoint_every == 0) || step + 1 == o->steps)) {
      if (save(&s, theta, step + 1, h[3], err, nerr)) {
        rc = RT_TRAIN_ERROR;
        step++;
        break;
      }
      ckpt = step + 1;
    }
  }
  if (rc == RT_TRAIN_OK && step < o->steps) { /* stopped by o->stop after `step` updates */
    double secs = s.nhist ? s.hist[4 * (s.nhist - 1) + 3] : seconds0;
    if (o->dir && ckpt != step && save(&s, theta, step, secs, err, nerr)) rc = RT_TRAIN_ERROR;
    else {
      if (o->dir) ckpt = step;
      if (o->dir)
        snprintf(err, nerr, "%s: interrupted after %ld of %ld steps; %s/checkpoint.bin and %s/metrics.csv hold them", who,
                 step, o->steps, o->dir, o->dir);
      else
        snprintf(err, nerr, "%s: interrupted after %ld of %ld steps", who, step, o->steps);
      rc = RT_TRAIN_INTERRUPTED;
    }
  } else if (rc == RT_TRAIN_OK && o->dir && first == o->steps) /* nothing to do: keep the files consistent */
    if (save(&s, theta, first, seconds0, err, nerr)) rc = RT_TRAIN_ERROR;
  if (rc == RT_TRAIN_OK) final_losses(&s, theta, res);
  res->step = step;
  res->nhist = s.nhist;
  res->seconds = s.nhist ? s.hist[4 * (s.nhist - 1) + 3] : seconds0;
  res->checkpoint_step = ckpt;
  s.hist = NULL; /* owned by res */
  state_free(&s);
  return rc;
}

/* hnnc's own cosine (prelude/elemfn.c), so schedules do not depend on libm */
#include "../prelude/elemfn.c"
static double hn_cos_(double x) { return hn_cos(x); }
