/* The single binding of a compiled model to the runtime, used by the verbs
 * and the tests alike (one model hash).
 *
 * A Kern is a compiled function of one per-sample input and output on
 * doubles (converted to float for float32 models); bind_field and
 * bind_energy make an rt_system and an rt_energy of the model's `field` and
 * `H`. An Obj makes the model's loss and loss_grad an rt_objective. A Setup
 * is a model compiled with the system model its hn.train names.
 */
#ifndef HNNC_BINDING_H
#define HNNC_BINDING_H
#include <stdint.h>

#include "../compiler/hnnc.h"
#include "../runtime/data.h"
#include "../runtime/evaluate.h"
#include "../runtime/integrate.h"
#include "../runtime/pool.h"
#include "../runtime/train.h"

/* The workspaces of calls of compiled functions, and the threads that run
 * them: pool NULL (or of one thread) calls the function; a pool of more
 * runs its phases (the protocol at the top of every generated header),
 * chunks of samples on every thread, sums in chunk order: the same bits. */
typedef struct Work {
  rt_pool *pool; /* set by the caller after kern_init or bind_objective */
  void *ws;      /* the shared workspace (the whole one on one thread) */
  long cap;      /* its elements */
  void **wt;     /* a workspace per slot of the pool (rt_pool_slots) */
  long wtcap;
  int nwt;
} Work;

/* fi(n rows) of m into out; 1 when out of memory */
int work_call(Work *w, Model *m, int fi, int n, const void *theta, const void *const *in, void *const *out);
void work_free(Work *w);

/* The process's team for --threads N (0: the processors online): made once
   and kept (remade only for another N); NULL for one thread, or, with a
   warning, when the system refuses threads. */
rt_pool *cli_pool(long n);

typedef struct Kern {
  Model *m;
  int fi;
  const void *theta; /* in the model's element type */
  Work w;
  void *xb, *yb; /* float copies of the rows */
  long cap;      /* rows the buffers hold */
  int din, dout; /* per-sample sizes of input 0 and output 0 */
} Kern;

/* Binds function fname (inputs: one per-sample tensor; output 0 per sample).
   -1 if the model has no such function, 1 if it has another signature. */
int kern_init(Kern *k, Model *m, const char *fname, const void *theta);
void kern_free(Kern *k);
/* y = fname(x) for n rows; 1 when out of memory */
int kern_call(Kern *k, long n, const double *x, double *y);
/* the field (function "field") of m as an rt_system; errors name path */
int bind_field(Kern *k, Model *m, const void *theta, rt_system *s, const char *path, char *err, size_t nerr);
/* H of m as an rt_energy; 1 if m has no usable H */
int bind_energy(Kern *k, Model *m, const void *theta, int dim, rt_energy *e);

typedef struct Obj {
  Model *m;
  int fgrad, floss;
  Work w;
  void **out;
  float lossf;
  double lossd;
  int (*shape)[5];
  int fstate;      /* the model's state_update, or -1 */
  long *state_off; /* theta offsets of its outputs (flow.state notes) */
  void *sws;       /* its workspace */
  long scap;
} Obj;

/* the identity of a compiled model for checkpoints */
uint64_t model_hash(const Model *m);
/* Checks loss_grad and loss and fills the objective; errors name path. */
int bind_objective(Obj *o, rt_objective *obj, Model *m, const char *path, char *err, size_t nerr);
void obj_free(Obj *o);

typedef struct Setup {
  const char *path;
  Model m, sys;
  int have_sys;
  const rt_task *task; /* &recipe when the model declares a data set */
  rt_task recipe;      /* its hn.data (recipe.c), pointing into m.g->data */
} Setup;

/* Builds and compiles the model and, if it declares a data set, its
   system. need_train: the model must have hn.train and hn.data.
   dtype: 0 as the model says, 1 float64, 2 float32. */
/* fma: 0 as the model says, 1 off, 2 on (--fma) */
int setup_open(Setup *s, const char *path, int backend, int need_train, int dtype, int fma, char *err, size_t nerr);
void setup_free(Setup *s);
/* recipe.c: the hn.data declaration as a recipe; recipe_reseed draws the
   initial states of Lua samplers for another seed (runs the model file
   again) */
void recipe_from_spec(const DataSpec *d, rt_task *t);
int recipe_reseed(Setup *s, uint64_t seed, char *err, size_t nerr);
/* the task's data set: loaded from data_dir if given, else made with the
   system's field (and H) */
int get_data(Setup *s, uint64_t seed, const char *data_dir, rt_dataset *d, char *err, size_t nerr);
/* Parameters (nparams doubles) for model m (its file mpath, for messages)
   from arg, the same way for every verb: a training folder (its
   params.npy, else its checkpoint.bin), a checkpoint, a .npy, or text
   numbers (commas or white space). The identity is checked where there is
   one: the checkpoint's model hash, or the sidecar X.model of X.npy
   (runtime/params.h); another model's parameters are an error unless
   force (then a warning). A checkpoint (or the folder's) gives *seed (and
   *has_seed = 1); *used is the file read. */
int load_params(Model *m, const char *mpath, const char *arg, int force, double *theta, int *has_seed, uint64_t *seed,
                char *used, size_t nused, char *err, size_t nerr);
#endif
