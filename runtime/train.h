/* Training: Adam (PyTorch's semantics) on a compiled loss and its parameter
 * gradient, over a data set of (x, xdot) rows.
 *
 * requires an rt_objective (in hnnc, the model's compiled loss_grad and
 * loss: see cli/cli_train.c), an rt_dataset (data.h), adam.c, rng.c,
 * checkpoint.c, npy.c (metrics.csv is written by rt_csv-like code here).
 *
 * One step s = 0, 1, ..., steps-1, as the reference's loop does it:
 *   (train loss, gradient) = loss_grad(theta_s, batch_s)
 *   theta_{s+1} = Adam(theta_s, gradient)
 *   test loss = loss(theta_{s+1}, test rows)      (every eval_every steps)
 * and the metrics row (s, train loss, test loss, seconds).
 *
 * Batches. batch = 0 (or >= the training rows): the whole training set each
 * step. Otherwise two samplers, both drawing from hnnc's rt_rng:
 *   RT_SAMPLE_EPOCH   (default) a permutation of the rows, reshuffled at the
 *                     start of every epoch (Fisher-Yates), cut into batches
 *                     in order; the last floor(rows/batch) * batch rows of an
 *                     epoch are used, a remainder is dropped (PyTorch's
 *                     drop_last), so every step has exactly `batch` rows.
 *   RT_SAMPLE_RANDOM  what the reference's two-body code does:
 *                     torch.randperm(N)[:batch] every step, i.e. a uniform
 *                     random subset of `batch` distinct rows, drawn
 *                     independently at each step (rows may be seen twice
 *                     or never in an "epoch").
 * test_batch > 0 evaluates the test loss on a random subset of that many
 * test rows each time (the reference's two-body test loss each step uses
 * randperm(Ntest)[:200]); 0 uses the whole test set.
 *
 * Windows (window = W > 0, for a loss of a trajectory's samples, as a
 * flow's trajectory loss): the data must be trajectory-shaped (npoints =
 * T >= W rows each), and a sample, what the objective takes as one row of
 * W * dim values, is W rows of one trajectory at random times. An epoch
 * cuts every training trajectory anew: its T time indices in a fresh
 * random order (Fisher-Yates), cut into floor(T/W) windows (a remainder
 * of T mod W samples sits out that epoch), and all windows in random
 * order; batches (counted in windows) are taken from that in order, so
 * the pairing of time samples changes every epoch. batch = 0 is a batch
 * of all windows, cut anew every step; RT_SAMPLE_RANDOM cuts anew every
 * step and takes `batch` of the windows. The test windows are cut once,
 * at the start (stream RT_STREAM_TEST), and test_batch counts windows.
 * All of it lives in the row permutation that the checkpoint holds, so a
 * resumed run draws the same windows.
 *
 * Determinism. The same objective, data, options and seed give the same
 * bits: the samplers use streams RT_STREAM_TRAIN and RT_STREAM_TEST of the
 * seed, the kernels and Adam have fixed operation orders. A run resumed from
 * a checkpoint (which holds theta, the Adam moments and counters, both
 * generators, the permutations and the metrics so far) continues with the
 * same bits as an uninterrupted one.
 *
 * Element type: theta, the Adam moments, the data copies and the gradient
 * are in the objective's type (float or double); losses are reported as
 * double.
 *
 * Files (when dir is not NULL): DIR/checkpoint.bin every checkpoint_every
 * steps and at the end, DIR/metrics.csv rewritten (atomically) with it.
 * Divergence (a non-finite train or test loss) stops the run with
 * RT_TRAIN_DIVERGED before the bad state is saved: the last checkpoint
 * written stays the last good one.
 */
#ifndef RT_TRAIN_H
#define RT_TRAIN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "data.h"

enum { RT_STREAM_TRAIN = 4, RT_STREAM_TEST = 5 }; /* after data.h's 1..3 */
enum { RT_SAMPLE_EPOCH, RT_SAMPLE_RANDOM };
enum { RT_TRAIN_OK = 0, RT_TRAIN_ERROR = 1, RT_TRAIN_DIVERGED = 2, RT_TRAIN_INTERRUPTED = 3 };

/* The function being minimized: a mean loss over rows of (x, xdot) and
   its gradient with respect to theta. */
typedef struct rt_objective {
  int is_float;         /* element type: float (1) or double (0) */
  long nparams;
  int dim;              /* width of a row of x and of xdot */
  /* loss over n rows (x and xdot: n x dim, row-major) at theta into *loss;
     the gradient (nparams elements) into grad unless grad is NULL. Returns
     0, or nonzero if it could not evaluate (out of memory: the messages
     say so). */
  int (*eval)(void *ctx, int n, const void *theta, const void *x, const void *xdot, double *loss, void *grad);
  void *ctx;
  /* optional (NULL: none): called after every update with the step's n
     rows of x, to set state kept among the parameters that Adam does not
     train (a flow's moving averages); nonzero if it could not evaluate */
  int (*after_step)(void *ctx, int n, void *theta, const void *x);
  /* identity of the model, checked when a checkpoint is loaded */
  uint64_t hash;
  int ntensor;
  const int (*shape)[5]; /* per parameter tensor: rank, dim[4] */
} rt_objective;

/* What rt_train reports after each step to the progress callback. */
typedef struct rt_train_progress {
  long step, steps;     /* step just done (0-based), total */
  long first;           /* first step of this run (> 0 when resumed) */
  double train_loss, test_loss; /* test_loss NaN when not evaluated */
  double seconds;       /* since this run started */
  double total_seconds; /* including the runs before a resume */
} rt_train_progress;

enum { RT_LR_CONSTANT, RT_LR_COSINE, RT_LR_STEP, RT_LR_EXPONENTIAL };

typedef struct rt_train_options {
  long steps;           /* Adam updates in all (a resumed run counts the earlier ones) */
  double lr, weight_decay;
  int schedule;         /* RT_LR_*: the learning rate of update t (0-based):
                         *   constant     lr
                         *   cosine       min_lr + (lr - min_lr)(1 + cos(pi min(t, T)/T))/2,
                         *                T = decay_steps (0: steps)
                         *   step         lr gamma^floor(t / decay_steps)
                         *   exponential  lr gamma^t                              */
  long decay_steps;
  double gamma, min_lr;
  long batch;           /* samples per step (rows, or windows), 0: full batch */
  int sampler;          /* RT_SAMPLE_EPOCH or RT_SAMPLE_RANDOM */
  long test_batch;      /* test samples per evaluation, 0: all */
  long window;          /* 0: a sample is a row; W > 0: W rows of one trajectory (above) */
  long eval_every;      /* test loss at steps s with s % eval_every == 0 and at the last; >= 1 */
  uint64_t seed;
  const char *dir;      /* checkpoint.bin and metrics.csv; NULL: no files */
  long checkpoint_every;/* steps between checkpoints (0: only the last) */
  int resume;           /* continue from DIR/checkpoint.bin */
  void (*progress)(void *ctx, const rt_train_progress *p);
  void *progress_ctx;
  /* if not NULL and nonzero after a step (a signal handler sets it), the
     run saves a checkpoint and the metrics at the step reached and returns
     RT_TRAIN_INTERRUPTED: a clean stop that --resume continues bit for bit */
  volatile sig_atomic_t *stop;
} rt_train_options;

typedef struct rt_train_result {
  long step;            /* updates done (theta holds theta_step) */
  long first;           /* the step this run started from (0, or the checkpoint's) */
  long nhist;
  double *hist;         /* nhist rows (step, train loss, test loss, seconds); malloc'd */
  double seconds;       /* total wall time of training, resumed runs included */
  long checkpoint_step; /* step of the last checkpoint written or read, -1: none */
  /* the losses to report at the end: the last metrics row's train loss and
     the last test loss evaluated; with no rows (steps 0), the losses at the
     initial theta on the whole training and test sets (NaN: none) */
  double train_loss, test_loss;
} rt_train_result;

/* The learning rate of update t (0-based) under o's schedule; the same bits
   on every platform (powers by repeated squaring, hnnc's own cosine). */
double rt_train_lr(const rt_train_options *o, long t);

/* lr 1e-3, no weight decay, full batch, RT_SAMPLE_EPOCH, test loss every
   step on the whole test set, seed 0, no files, checkpoints every 500. */
void rt_train_defaults(rt_train_options *o);

/* Trains theta (nparams elements of the objective's type: the initial
   parameters in, the trained ones out; with resume, the checkpoint's
   replace them). Returns RT_TRAIN_OK, RT_TRAIN_DIVERGED (res holds the
   history up to the bad step, theta the parameters whose loss was not
   finite; nothing is saved after the last checkpoint),
   RT_TRAIN_INTERRUPTED (o->stop was set: theta, the checkpoint and the
   metrics hold the step reached, res->step; err says where) or
   RT_TRAIN_ERROR, with "WHO: error: ..." in err. res is always filled
   (free it with rt_train_result_free). */
int rt_train(const rt_objective *obj, const rt_dataset *d, const rt_train_options *o, void *theta,
             rt_train_result *res, char *err, size_t nerr);
void rt_train_result_free(rt_train_result *r);

/* Writes the metrics rows as CSV (step,train_loss,test_loss,seconds; a NaN
   test loss, not evaluated, is an empty field), atomically. */
int rt_write_metrics(const char *path, const double *hist, long nhist, char *err, size_t nerr);
#endif
