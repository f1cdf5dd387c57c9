/* hnnc train | evaluate | simulate | data: the verbs that train and use
 * models.
 *
 * Binds a compiled model to the runtime: its loss_grad and loss become an
 * rt_objective (runtime/train.h), its field an rt_system for the
 * integrators, its H (or the system's) an rt_energy. A task's data set is
 * made from the compiled field of the system model that hn.train names.
 * Like main.c, these functions print, and return the exit status (1: an
 * error, whose message names the file; 2: a usage error).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_train.h"
#include "../compiler/init.h"
#include "../compiler/model.h"
#include "../runtime/checkpoint.h"
#include "../runtime/data.h"
#include "../runtime/evaluate.h"
#include "../runtime/integrate.h"
#include "../runtime/npy.h"
#include "../runtime/plot.h"
#include "../runtime/train.h"

const char usage_train[] =
    "usage: hnnc train MODEL.lua -o DIR [--seed S] [--steps N] [--cc tcc|gcc] [--eval-every K] [--resume]\n"
    "\n"
    "Trains MODEL.lua as its hn.train{...} says: makes the task's data set from\n"
    "the compiled vector field of the system model it names, then runs Adam\n"
    "(PyTorch's semantics: weight decay as an L2 term) on the model's\n"
    "loss_grad, with the test loss (the model's loss on the test rows) after\n"
    "every update, as the reference does. The same seed gives the same bits.\n"
    "Leaves in DIR:\n"
    "  checkpoint.bin  the final state: parameters, Adam moments, generators, metrics\n"
    "  params.npy      the trained parameters (float64, in the model's theta layout)\n"
    "  metrics.csv     step,train_loss,test_loss,seconds\n"
    "  data/           the data set: x_train.npy dx_train.npy x_test.npy dx_test.npy\n"
    "  loss.svg        train and test loss\n"
    "  phase.svg       (2-D tasks) true and learned trajectories over the learned field\n"
    "  energy.svg      the true energy along true and learned rollouts\n"
    "and prints a summary. A diverging run (loss NaN or infinite) stops with\n"
    "an error and keeps the last good checkpoint.\n"
    "\n"
    "  -o DIR                  output folder (created if missing)\n"
    "  --seed S                seed of the initial parameters, the data set and the\n"
    "                          batches (default: the model's seed; with --resume,\n"
    "                          the checkpoint's)\n"
    "  --steps N               Adam updates in all (default: hn.train's steps)\n"
    "  --cc tcc|gcc            backend (default gcc)\n"
    "  --dtype float64|float32 element type of the learned model, overriding its\n"
    "                          hn.model (the reference trained in float32);\n"
    "                          evaluate with the same --dtype\n"
    "  --eval-every K          test loss every K steps and at the last (default 1)\n"
    "  --test-batch N          test rows per evaluation, 0 = all (default: all for\n"
    "                          full-batch training; with mini-batches, N = the batch\n"
    "                          size, drawn at random each time as the reference does)\n"
    "  --sampler epoch|random  mini-batches: reshuffle every epoch (default), or an\n"
    "                          independent random subset every step (the reference's\n"
    "                          torch.randperm(N)[:batch])\n"
    "  --checkpoint-every K    steps between checkpoints (default 500; and the last)\n"
    "  --resume                continue from DIR/checkpoint.bin: the same bits as an\n"
    "                          uninterrupted run\n"
    "  --png                   also write the plots as PNG\n"
    "  --quiet                 no progress output\n"
    "\n"
    "Progress goes to stderr: a progress bar on a terminal, else a line every\n"
    "200 steps.\n";

const char usage_evaluate[] =
    "usage: hnnc evaluate MODEL.lua --params DIR|FILE [--json] [--cc tcc|gcc] [--seed S] [--data DIR]\n"
    "\n"
    "Evaluates trained parameters on the model's task (hn.train):\n"
    "  - train and test loss, mean over all elements of (xdot - field(x))^2, with\n"
    "    the reference's standard error (std of the squared errors / sqrt(rows));\n"
    "  - energy MSE over 15 rollouts of the learned field against the true one\n"
    "    (RK45, rtol 1e-12; two-body rtol 1e-9), error bar = std of 5 group\n"
    "    means / sqrt(5), under the published protocol (the reference analysis\n"
    "    code: spring time spans growing from run to run up to t = 79, learned\n"
    "    time rescaled by 1.09; pendulum energy q^2 + p^2) and the corrected one\n"
    "    (nominal time span, the system's true H).\n"
    "\n"
    "  --params DIR|FILE  DIR/params.npy (else DIR/checkpoint.bin), or a .npy of the\n"
    "                     parameters (float64 or float32, any shape, nparams values),\n"
    "                     or a checkpoint file\n"
    "  --json             print one JSON object with the keys train_loss,\n"
    "                     train_loss_se, test_loss, test_loss_se, energy_mse,\n"
    "                     energy_mse_se, energy_mse_corrected, energy_mse_corrected_se\n"
    "  --cc tcc|gcc       backend (default gcc)\n"
    "  --dtype float64|float32  the element type the model was trained with\n"
    "  --seed S           seed of the data set and of the rollouts' initial states\n"
    "                     (default: the checkpoint's if there is one, else the model's)\n"
    "  --data DIR         the data set's folder (default: DIR/data of --params DIR\n"
    "                     when it exists, else made anew from the seed)\n";

const char usage_simulate[] =
    "usage: hnnc simulate MODEL.lua [--params DIR|FILE] --x0 a,b,... --t T[:N]\n"
    "                     [--integrator rk45|dop853|rk4|leapfrog|yoshida4|implicit_midpoint]\n"
    "                     [--h STEP] [--rtol R] [--atol A] [-o FILE.csv|FILE.npy] [--cc tcc|gcc]\n"
    "\n"
    "Integrates the model's field from x0 over [0, T] and prints N rows (default\n"
    "101) at the times linspace(0, T, N): t, the state, and its energy: the\n"
    "model's H if it has one, else the H of its hn.train system (column\n"
    "H_true), else none. Without --params, the parameters are the model's\n"
    "initializers with its seed.\n"
    "\n"
    "  --integrator NAME  rk45 (default) and dop853: adaptive, as scipy's solve_ivp;\n"
    "                     rk4; leapfrog and yoshida4: symplectic, for separable H\n"
    "                     (a learned H is not); implicit_midpoint: symplectic for any\n"
    "                     H, Newton's method with the model's `jacobian` function if\n"
    "                     it has one (hn.fn(\"jacobian\", {x = d}, function(x) return\n"
    "                     hn.jacobian(field(x), x) end)), else central differences\n"
    "                     of the compiled field\n"
    "  --h STEP           fixed-step methods: the largest step (default: a tenth of\n"
    "                     the output spacing); made smaller so that each output\n"
    "                     time falls on a step\n"
    "  --rtol R, --atol A adaptive methods (default 1e-10 and 1e-12)\n"
    "  -o FILE            write FILE.csv or FILE.npy (float64, rows x columns)\n"
    "                     instead of printing\n"
    "  --cc tcc|gcc       backend (default gcc)\n"
    "  --dtype float64|float32  the element type the model was trained with\n";

const char usage_data[] =
    "usage: hnnc data SYSTEM.lua --task spring|pendulum|two_body -o DIR [--seed S] [--csv]\n"
    "\n"
    "Makes the data set of a task of Greydanus et al. (2019) with the true\n"
    "dynamics of SYSTEM.lua (its compiled `field`): trajectories by RK45,\n"
    "targets = the exact field at the clean states, noise, split, all as the\n"
    "reference code does, from hnnc's seeded generator. Writes\n"
    "DIR/x_train.npy, dx_train.npy, x_test.npy, dx_test.npy ('<f8', rows x dim).\n"
    "\n"
    "  --seed S    seed (default 0)\n"
    "  --csv       also write the four arrays as CSV (same names, .csv)\n"
    "  --cc tcc|gcc  backend (default tcc)\n";

/* ---- small helpers ---- */

static int usage_error(const char *usage, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "hnnc: error: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n\n%s", usage);
  return 2;
}

static int fail(const char *msg) {
  fprintf(stderr, "%s\n", msg);
  return 1;
}

static int parse_double(const char *s, double *v) {
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  return end == s || *end || errno == ERANGE || !isfinite(*v);
}
static int parse_long(const char *s, long *v) {
  char *end;
  errno = 0;
  *v = strtol(s, &end, 10);
  return end == s || *end || errno == ERANGE;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int is_dir(const char *p) {
  struct stat st;
  return !stat(p, &st) && S_ISDIR(st.st_mode);
}
static int exists(const char *p) {
  struct stat st;
  return !stat(p, &st);
}

/* Creates dir if missing and checks that a file can be created in it. */
static int prepare_dir(const char *dir, char *err, size_t nerr) {
  char probe[4200];
  FILE *f;
  if (mkdir(dir, 0777) && errno != EEXIST) {
    snprintf(err, nerr, "%s: error: cannot create the output folder: %s", dir, strerror(errno));
    return 1;
  }
  if (!is_dir(dir)) {
    snprintf(err, nerr, "%s: error: not a folder", dir);
    return 1;
  }
  snprintf(probe, sizeof probe, "%s/.hnnc-probe.%d", dir, (int)getpid());
  if (!(f = fopen(probe, "w"))) {
    snprintf(err, nerr, "%s: error: the output folder is not writable: %s", dir, strerror(errno));
    return 1;
  }
  fclose(f);
  remove(probe);
  return 0;
}

/* ---- a compiled function of one per-sample input and output, on doubles ---- */

typedef struct Kern {
  Model *m;
  int fi;
  const void *theta;  /* in the model's element type */
  void *ws, *xb, *yb; /* workspace; float copies of the rows */
  long cap;           /* rows the buffers hold */
  int din, dout;      /* per-sample sizes of input 0 and output 0 */
} Kern;

/* Binds function fname (inputs: one per-sample tensor; output 0 per sample).
   -1 if the model has no such function, 1 if it has another signature. */
static int kern_init(Kern *k, Model *m, const char *fname, const void *theta) {
  Func *f;
  memset(k, 0, sizeof *k);
  k->fi = model_func(m, fname);
  if (k->fi < 0) return -1;
  f = &m->g->func[k->fi];
  if (f->nin != 1 || f->nout < 1 || !m->g->node[f->out[0]].batched) return 1;
  k->m = m, k->theta = theta;
  k->din = (int)shape_size(&f->in[0].shape);
  k->dout = (int)shape_size(&m->g->node[f->out[0]].shape);
  return 0;
}

static void kern_free(Kern *k) {
  free(k->ws), free(k->xb), free(k->yb);
  k->ws = k->xb = k->yb = NULL;
  k->cap = 0;
}

static int kern_call(Kern *k, long n, const double *x, double *y) {
  Model *m = k->m;
  size_t es = model_elem(m);
  const void *in[1];
  void *out[16];
  Func *f = &m->g->func[k->fi];
  long i;
  int j;
  if (n > k->cap) {
    long cap = n > 2 * k->cap ? n : 2 * k->cap;
    free(k->ws), free(k->xb), free(k->yb);
    k->ws = malloc((model_ws(m, k->fi, cap) + 8) * es);
    k->xb = malloc((size_t)cap * k->din * es + 8);
    k->yb = malloc((size_t)cap * k->dout * es + 8);
    k->cap = k->ws && k->xb && k->yb ? cap : 0;
    if (!k->cap) return 1;
  }
  if (f->nout > 16) return 1;
  for (j = 1; j < f->nout; j++) { /* extra outputs (rare): scratch */
    Node *o = &m->g->node[f->out[j]];
    out[j] = malloc(((o->batched ? n : 1) * shape_size(&o->shape) + 1) * es);
  }
  if (m->g->is_float) {
    for (i = 0; i < n * k->din; i++) ((float *)k->xb)[i] = (float)x[i];
    in[0] = k->xb, out[0] = k->yb;
    m->fn[k->fi]((int)n, k->theta, in, out, k->ws);
    for (i = 0; i < n * k->dout; i++) y[i] = ((float *)k->yb)[i];
  } else {
    in[0] = x, out[0] = y;
    m->fn[k->fi]((int)n, k->theta, in, out, k->ws);
  }
  for (j = 1; j < f->nout; j++) free(out[j]);
  return 0;
}

static int kern_field(void *ctx, int n, const double *x, double *xdot) { return kern_call(ctx, n, x, xdot); }
static int kern_energy(void *ctx, int n, const double *x, double *e) { return kern_call(ctx, n, x, e); }

/* the field (function "field") of m as an rt_system */
static int bind_field(Kern *k, Model *m, const void *theta, rt_system *s, const char *path, char *err, size_t nerr) {
  int rc = kern_init(k, m, "field", theta);
  if (rc || k->din != k->dout || k->din < 1 || k->din > RT_MAXDIM) {
    snprintf(err, nerr, "%s: error: %s", path,
             rc < 0 ? "the model has no function 'field' (hn.fn(\"field\", {x = d}, ...))"
                    : "'field' must map a per-sample x [d] to a per-sample [d] (d <= 64)");
    return 1;
  }
  s->field = kern_field, s->ctx = k, s->dim = k->din;
  return 0;
}

/* H of m as an rt_energy; 1 if m has no usable H */
static int bind_energy(Kern *k, Model *m, const void *theta, int dim, rt_energy *e) {
  if (kern_init(k, m, "H", theta) || k->din != dim || k->dout != 1) return 1;
  e->fn = kern_energy, e->ctx = k;
  return 0;
}

/* ---- the model's loss and gradient as an rt_objective ---- */

typedef struct Obj {
  Model *m;
  int fgrad, floss;
  void *ws;
  long cap;  /* workspace elements */
  void **out;
  float lossf;
  double lossd;
  int (*shape)[5];
} Obj;

static int obj_eval(void *ctx, int n, const void *theta, const void *x, const void *xdot, double *loss, void *grad) {
  Obj *o = ctx;
  Model *m = o->m;
  size_t es = model_elem(m);
  const void *in[2];
  int fi = grad ? o->fgrad : o->floss, i;
  long need = model_ws(m, fi, n) + 8;
  if (need > o->cap) {
    free(o->ws);
    if (!(o->ws = malloc(need * es))) { o->cap = 0; return 1; }
    o->cap = need;
  }
  in[0] = x, in[1] = xdot;
  o->out[0] = m->g->is_float ? (void *)&o->lossf : (void *)&o->lossd;
  if (grad)
    for (i = 0; i < m->g->nparam; i++) o->out[1 + i] = (char *)grad + m->g->param[i].offset * es;
  m->fn[fi](n, theta, in, o->out, o->ws);
  *loss = m->g->is_float ? (double)o->lossf : o->lossd;
  return 0;
}

/* FNV-1a of the generated C without its comments (they name the model
   file, which may be reached by other paths), the parameter layout, the
   element type and the learning-rate schedule: resuming needs the same
   compiled model trained the same way. */
static uint64_t model_hash(const Model *m) {
  uint64_t h = RT_FNV_INIT;
  const char *s = m->c.s;
  int i, k;
  while (*s) {
    if (s[0] == '/' && s[1] == '*') {
      const char *e = strstr(s + 2, "*/");
      s = e ? e + 2 : s + strlen(s);
      continue;
    }
    h = rt_fnv1a(h, s++, 1);
  }
  for (i = 0; i < m->g->nparam; i++) {
    const Param *p = &m->g->param[i];
    long v[6];
    h = rt_fnv1a(h, p->name, strlen(p->name) + 1);
    v[0] = p->shape.rank, v[5] = p->offset;
    for (k = 0; k < 4; k++) v[1 + k] = k < p->shape.rank ? p->shape.dim[k] : 0;
    h = rt_fnv1a(h, v, sizeof v);
  }
  h = rt_fnv1a(h, &m->g->is_float, sizeof m->g->is_float);
  if (strcmp(m->g->train.schedule, "constant") && m->g->train.schedule[0]) { /* constant: as before schedules */
    double v[3];
    v[0] = (double)m->g->train.decay_steps, v[1] = m->g->train.gamma, v[2] = m->g->train.min_lr;
    h = rt_fnv1a(h, m->g->train.schedule, strlen(m->g->train.schedule));
    h = rt_fnv1a(h, v, sizeof v);
  }
  return h;
}

/* Checks loss_grad and loss and fills the objective. */
static int bind_objective(Obj *o, rt_objective *obj, Model *m, const char *path, char *err, size_t nerr) {
  Graph *g = m->g;
  Func *fg, *fl;
  int i, k, dim;
  memset(o, 0, sizeof *o);
  o->m = m;
  o->fgrad = model_func(m, "loss_grad"), o->floss = model_func(m, "loss");
  if (o->fgrad < 0 || o->floss < 0) {
    snprintf(err, nerr, "%s: error: a trainable model needs the functions loss(x, xdot) and loss_grad(x, xdot)", path);
    return 1;
  }
  fg = &g->func[o->fgrad], fl = &g->func[o->floss];
  dim = fg->nin == 2 ? (int)shape_size(&fg->in[0].shape) : 0;
  if (fg->nin != 2 || fl->nin != 2 || shape_size(&fg->in[1].shape) != dim || shape_size(&fl->in[0].shape) != dim ||
      shape_size(&fl->in[1].shape) != dim) {
    snprintf(err, nerr, "%s: error: loss and loss_grad must take (x [d], xdot [d])", path);
    return 1;
  }
  if (fl->nout < 1 || g->node[fl->out[0]].batched || shape_size(&g->node[fl->out[0]].shape) != 1 ||
      fg->nout != 1 + g->nparam || g->node[fg->out[0]].batched || shape_size(&g->node[fg->out[0]].shape) != 1) {
    snprintf(err, nerr,
             "%s: error: loss must return a scalar mean over the batch, and loss_grad the loss and the gradient of "
             "every parameter (return L, hn.grad(L, hn.params()))",
             path);
    return 1;
  }
  for (i = 0; i < g->nparam; i++) {
    Node *n = &g->node[fg->out[1 + i]];
    if (n->batched || !shape_equal(&n->shape, &g->param[i].shape)) {
      snprintf(err, nerr, "%s: error: loss_grad output %d must be the gradient of parameter %s", path, i + 2,
               g->param[i].name);
      return 1;
    }
  }
  o->out = xmalloc((g->nparam + 1) * sizeof *o->out);
  o->shape = xmalloc((g->nparam + 1) * sizeof *o->shape);
  for (i = 0; i < g->nparam; i++) {
    o->shape[i][0] = g->param[i].shape.rank;
    for (k = 0; k < 4; k++) o->shape[i][1 + k] = k < g->param[i].shape.rank ? g->param[i].shape.dim[k] : 0;
  }
  memset(obj, 0, sizeof *obj);
  obj->is_float = g->is_float;
  obj->nparams = g->nparams_total;
  obj->dim = dim;
  obj->eval = obj_eval;
  obj->ctx = o;
  obj->hash = model_hash(m);
  obj->ntensor = g->nparam;
  obj->shape = (const int(*)[5])o->shape;
  return 0;
}

static void obj_free(Obj *o) {
  free(o->ws), free(o->out), free(o->shape);
  memset(o, 0, sizeof *o);
}

/* ---- the model and its system ---- */

typedef struct Setup {
  const char *path;
  Model m, sys;
  int have_sys;
  const rt_task *task;
} Setup;

static void setup_free(Setup *s) {
  model_free(&s->m);
  if (s->have_sys) model_free(&s->sys);
  s->have_sys = 0;
}

/* Builds and compiles the model and, if it has hn.train, its task's system. */
static int setup(Setup *s, const char *path, int backend, int need_train, int dtype, char *err, size_t nerr) {
  TrainSpec *t;
  ModelOptions mo;
  memset(s, 0, sizeof *s);
  memset(&mo, 0, sizeof mo);
  mo.limits.dtype = dtype; /* the learned model only: data always come from the double system */
  s->path = path;
  if (model_build(&s->m, path, &mo, err, nerr)) return 1;
  t = &s->m.g->train;
  if (need_train && !t->present) {
    snprintf(err, nerr, "%s: error: the model has no training settings: add hn.train{task = \"pendulum\", system = "
             "\"../systems/pendulum.lua\", steps = 2001, lr = 1e-3, weight_decay = 1e-4, batch = 0}", path);
    model_free(&s->m);
    return 1;
  }
  if (model_jit(&s->m, backend, err, nerr)) {
    model_free(&s->m);
    return 1;
  }
  if (!t->present) return 0;
  if (!(s->task = rt_task_find(t->task))) {
    snprintf(err, nerr, "%s: error: unknown task '%s' (tasks: %s)", path, t->task, rt_task_names());
    model_free(&s->m);
    return 1;
  }
  if (model_build(&s->sys, t->system, NULL, err, nerr) || model_jit(&s->sys, backend, err, nerr)) {
    model_free(&s->m);
    if (s->sys.g) model_free(&s->sys);
    return 1;
  }
  s->have_sys = 1;
  return 0;
}

/* the task's data set: loaded from data_dir if given, else made with the
   system's field */
static int get_data(Setup *s, uint64_t seed, const char *data_dir, rt_dataset *d, char *err, size_t nerr) {
  Kern k;
  rt_system field;
  int rc;
  if (data_dir) {
    if (rt_dataset_load(data_dir, d, err, nerr)) return 1;
    if (d->dim != s->task->dim) {
      snprintf(err, nerr, "%s: error: the data have rows of %d values, the task %s needs %d", data_dir, d->dim,
               s->task->name, s->task->dim);
      rt_dataset_free(d);
      return 1;
    }
    return 0;
  }
  if (bind_field(&k, &s->sys, NULL, &field, s->m.g->train.system, err, nerr)) return 1;
  if (s->sys.g->nparams_total) {
    snprintf(err, nerr, "%s: error: a system model must have no parameters", s->m.g->train.system);
    return 1;
  }
  rc = rt_dataset_make(s->task, &field, seed, d, err, nerr);
  kern_free(&k);
  return rc;
}

/* Parameters (nparams doubles) from DIR (DIR/params.npy, else
   DIR/checkpoint.bin) or FILE (a .npy, or a checkpoint). A checkpoint
   anywhere there gives *seed (and *has_seed = 1). */
static int load_params(Setup *s, const char *arg, double *theta, int *has_seed, uint64_t *seed, char *used,
                       size_t nused, char *err, size_t nerr) {
  char path[4200], ck[4200];
  long P = s->m.g->nparams_total;
  *has_seed = 0;
  ck[0] = 0;
  if (is_dir(arg)) {
    snprintf(path, sizeof path, "%s/params.npy", arg);
    snprintf(ck, sizeof ck, "%s/checkpoint.bin", arg);
    if (!exists(path)) {
      if (!exists(ck)) {
        snprintf(err, nerr, "%s: error: no params.npy or checkpoint.bin in this folder", arg);
        return 1;
      }
      snprintf(path, sizeof path, "%s", ck);
    }
    if (!exists(ck)) ck[0] = 0;
  } else
    snprintf(path, sizeof path, "%s", arg);
  snprintf(used, nused, "%s", path);
  if (rt_checkpoint_is(path) || ck[0]) {
    rt_checkpoint c;
    const char *cp = rt_checkpoint_is(path) ? path : ck;
    uint64_t h = model_hash(&s->m);
    if (rt_checkpoint_read(cp, &c, err, nerr)) return 1;
    if (c.hash != h || c.nparams != P || (c.elem == 4) != s->m.g->is_float) {
      snprintf(err, nerr, "%s: error: the checkpoint belongs to another model (hash %016llx, %ld %s parameters; "
               "%s has hash %016llx, %ld %s)", cp, (unsigned long long)c.hash, c.nparams, c.elem == 4 ? "float" : "double",
               s->path, (unsigned long long)h, P, s->m.g->is_float ? "float" : "double");
      rt_checkpoint_free(&c);
      return 1;
    }
    *has_seed = 1, *seed = c.seed;
    if (cp == path) {
      long i;
      for (i = 0; i < P; i++) theta[i] = c.elem == 4 ? ((float *)c.theta)[i] : ((double *)c.theta)[i];
      rt_checkpoint_free(&c);
      return 0;
    }
    rt_checkpoint_free(&c);
  }
  {
    rt_npy a;
    if (rt_npy_read(path, RT_NPY_FINITE | RT_NPY_AS_F8, &a, err, nerr)) return 1;
    if (a.count != P) {
      snprintf(err, nerr, "%s: error: %ld parameters, the model %s has %ld", path, a.count, s->path, P);
      rt_npy_free(&a);
      return 1;
    }
    memcpy(theta, a.data, P * sizeof *theta);
    rt_npy_free(&a);
  }
  return 0;
}

/* ---- plots ---- */

static int write_plot(rt_plot *p, const char *dir, const char *name, int png, char *written, size_t nw) {
  char path[4200], err[4400];
  int rc;
  snprintf(path, sizeof path, "%s/%s.svg", dir, name);
  rc = rt_plot_write_svg(p, path, err, sizeof err);
  if (!rc) snprintf(written + strlen(written), nw - strlen(written), " %s.svg", name);
  if (!rc && png) {
    snprintf(path, sizeof path, "%s/%s.png", dir, name);
    rc = rt_plot_write_png(p, path, 960, 720, err, sizeof err);
    if (!rc) snprintf(written + strlen(written), nw - strlen(written), " %s.png", name);
  }
  if (rc) fprintf(stderr, "hnnc: warning: %s\n", err);
  rt_plot_free(p);
  return rc;
}

static void plot_loss(const rt_train_result *r, const char *dir, const char *name, int png, char *written, size_t nw) {
  double *x = xmalloc((2 * r->nhist + 1) * sizeof *x), *y = x + r->nhist;
  long i, n;
  char title[256];
  rt_plot *p;
  snprintf(title, sizeof title, "%s: loss", name);
  p = rt_plot_new(title, "step", "mean squared error");
  rt_plot_logy(p, 1);
  for (i = 0; i < r->nhist; i++) x[i] = r->hist[4 * i], y[i] = r->hist[4 * i + 1];
  rt_plot_line(p, "train", (int)r->nhist, x, y, 0);
  for (i = n = 0; i < r->nhist; i++)
    if (!isnan(r->hist[4 * i + 2])) x[n] = r->hist[4 * i], y[n++] = r->hist[4 * i + 2];
  rt_plot_line(p, "test", (int)n, x, y, 1);
  write_plot(p, dir, "loss", png, written, nw);
  free(x);
}

/* Rollouts from the first energy-metric initial states (nominal span) of
   the true and learned fields; the true H along both; for 2-D tasks the
   learned field on a grid under them. */
static void plot_rollouts(Setup *s, const rt_system *learned, const rt_system *truth, const rt_energy *H,
                          const rt_dataset *d, uint64_t seed, const char *dir, int png, char *written, size_t nw) {
  const rt_task *t = s->task;
  enum { NROLL = 3 };
  int dim = t->dim, np = t->kind == RT_TASK_TWO_BODY ? t->energy_npoints : 400, k, j, ok[NROLL];
  double *tt = xmalloc(np * sizeof *tt), *xt = xmalloc((size_t)NROLL * np * dim * sizeof *xt),
         *xl = xmalloc((size_t)NROLL * np * dim * sizeof *xl), *et = xmalloc(np * sizeof *et),
         *el = xmalloc(np * sizeof *el), *a = xmalloc(np * sizeof *a), *b = xmalloc(np * sizeof *b);
  char title[256];
  rt_plot *p;
  rt_linspace(t->energy_t0, t->energy_t1, np, tt);
  for (k = 0; k < NROLL; k++) {
    double x0[RT_MAXDIM];
    rt_energy_x0(t, seed, k, x0);
    ok[k] = !rt_task_rk45(t, truth, t->energy_t0, t->energy_t1, x0, np, tt, 1e-10, 1e-10, xt + (size_t)k * np * dim);
    ok[k] &= !rt_task_rk45(t, learned, t->energy_t0, t->energy_t1, x0, np, tt, 1e-10, 1e-10, xl + (size_t)k * np * dim);
  }
  /* energy along the rollouts */
  snprintf(title, sizeof title, "%s: true energy along rollouts", s->m.g->name);
  p = rt_plot_new(title, "t", "H");
  for (k = 0; k < NROLL; k++) {
    char lt[64], ll[64];
    if (H->fn(H->ctx, np, xt + (size_t)k * np * dim, et) || H->fn(H->ctx, np, xl + (size_t)k * np * dim, el)) continue;
    snprintf(lt, sizeof lt, "true %d", k + 1), snprintf(ll, sizeof ll, "learned %d", k + 1);
    rt_plot_line(p, lt, np, tt, et, k | RT_PLOT_DASHED);
    rt_plot_line(p, ll, np, tt, el, k);
  }
  write_plot(p, dir, "energy", png, written, nw);
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
    p = rt_plot_new(title, "q", "p");
    rt_plot_xlim(p, -L, L), rt_plot_ylim(p, -L, L);
    rt_plot_size(p, 640, 640);
    {
      double *gf = xmalloc(2 * G * G * sizeof *gf), *gin = xmalloc(2 * G * G * sizeof *gin);
      for (i = 0; i < G * G; i++) gin[2 * i] = gx[i], gin[2 * i + 1] = gy[i];
      if (!learned->field(learned->ctx, G * G, gin, gf)) {
        for (i = 0; i < G * G; i++) u[i] = gf[2 * i], v[i] = gf[2 * i + 1];
        rt_plot_arrows(p, "learned field", G * G, gx, gy, u, v, RT_PLOT_ARROWS_MAGNITUDE);
      }
      free(gf), free(gin);
    }
    for (k = 0; k < NROLL; k++) {
      if (!ok[k]) continue;
      for (j = 0; j < np; j++) a[j] = xt[((size_t)k * np + j) * 2], b[j] = xt[((size_t)k * np + j) * 2 + 1];
      rt_plot_line(p, k ? NULL : "true", np, a, b, 7 | RT_PLOT_DASHED);
      for (j = 0; j < np; j++) a[j] = xl[((size_t)k * np + j) * 2], b[j] = xl[((size_t)k * np + j) * 2 + 1];
      rt_plot_line(p, k ? NULL : "learned", np, a, b, 3);
    }
    write_plot(p, dir, "phase", png, written, nw);
  }
  free(tt), free(xt), free(xl), free(et), free(el), free(a), free(b);
}

/* ---- train ---- */

typedef struct Progress {
  int mode;        /* 0 quiet, 1 bar (terminal), 2 log lines */
  double last;     /* time of the last bar update */
  double test;     /* last evaluated test loss */
} Progress;

static void fmt_time(double s, char *buf, size_t n) {
  if (!isfinite(s) || s < 0) snprintf(buf, n, "?");
  else if (s < 60) snprintf(buf, n, "%.0f s", s);
  else if (s < 3600) snprintf(buf, n, "%d min %02d s", (int)(s / 60), (int)fmod(s, 60));
  else snprintf(buf, n, "%d h %02d min", (int)(s / 3600), (int)fmod(s / 60, 60));
}

static void on_progress(void *ctx, const rt_train_progress *p) {
  Progress *g = ctx;
  long done = p->step + 1;
  double rate = p->seconds > 0 ? (done - p->first) / p->seconds : 0, now = now_s();
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

static int write_params(const Setup *s, const void *theta, const char *path, char *err, size_t nerr) {
  long P = s->m.g->nparams_total;
  double *t = xmalloc((P + 1) * sizeof *t);
  rt_npy a;
  int rc;
  model_from_elem(&s->m, theta, P, t);
  memset(&a, 0, sizeof a);
  a.dtype = RT_NPY_F8, a.rank = 1, a.shape[0] = P, a.data = t;
  rc = rt_npy_write(path, &a, RT_NPY_FSYNC, err, nerr);
  free(t);
  return rc;
}

int cmd_train(int argc, char **argv) {
  int dtype = 0; /* --dtype: 0 as the model says, 1 float64, 2 float32 */
  const char *model = NULL, *dir = NULL;
  int backend = JIT_GCC, resume = 0, png = 0, quiet = 0, have_seed = 0, rc, i;
  long steps = -1, eval_every = 1, test_batch = -1, ckpt_every = 500;
  int sampler = RT_SAMPLE_EPOCH;
  uint64_t seed = 0;
  char err[8192], path[4200], written[1024] = "";
  Setup s;
  Obj o;
  rt_objective obj;
  rt_dataset d;
  rt_train_options opt;
  rt_train_result res;
  Progress prog;
  double *theta_d, t_start = now_s();
  void *theta;
  for (i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    long l;
    if (!strcmp(a, "-o") && v) dir = v, i++;
    else if (!strcmp(a, "--seed") && v) {
      if (parse_long(v, &l) || l < 0) return usage_error(usage_train, "--seed takes an integer >= 0, not '%s'", v);
      seed = (uint64_t)l, have_seed = 1, i++;
    } else if (!strcmp(a, "--steps") && v) {
      if (parse_long(v, &steps) || steps < 0 || steps > 100000000) return usage_error(usage_train, "bad --steps '%s'", v);
      i++;
    } else if (!strcmp(a, "--cc") && v) {
      if ((backend = jit_backend(v)) < 0) return usage_error(usage_train, "unknown backend '%s'", v);
      i++;
    } else if (!strcmp(a, "--dtype") && v) {
      if (!strcmp(v, "float64") || !strcmp(v, "double")) dtype = 1;
      else if (!strcmp(v, "float32") || !strcmp(v, "float")) dtype = 2;
      else return usage_error(usage_train, "--dtype is float64 or float32, not '%s'", v);
      i++;
    } else if (!strcmp(a, "--eval-every") && v) {
      if (parse_long(v, &eval_every) || eval_every < 1) return usage_error(usage_train, "bad --eval-every '%s'", v);
      i++;
    } else if (!strcmp(a, "--test-batch") && v) {
      if (parse_long(v, &test_batch) || test_batch < 0) return usage_error(usage_train, "bad --test-batch '%s'", v);
      i++;
    } else if (!strcmp(a, "--checkpoint-every") && v) {
      if (parse_long(v, &ckpt_every) || ckpt_every < 0) return usage_error(usage_train, "bad --checkpoint-every '%s'", v);
      i++;
    } else if (!strcmp(a, "--sampler") && v) {
      if (!strcmp(v, "epoch")) sampler = RT_SAMPLE_EPOCH;
      else if (!strcmp(v, "random")) sampler = RT_SAMPLE_RANDOM;
      else return usage_error(usage_train, "--sampler is epoch or random, not '%s'", v);
      i++;
    } else if (!strcmp(a, "--resume")) resume = 1;
    else if (!strcmp(a, "--png")) png = 1;
    else if (!strcmp(a, "--quiet")) quiet = 1;
    else if (a[0] == '-') return usage_error(usage_train, "unknown option '%s'%s", a, v ? "" : " (or missing value)");
    else if (!model) model = a;
    else return usage_error(usage_train, "unexpected argument '%s'", a);
  }
  if (!model) return usage_error(usage_train, "no model file given");
  if (!dir) return usage_error(usage_train, "no output folder given (-o DIR)");
  if (setup(&s, model, backend, 1, dtype, err, sizeof err)) return fail(err);
  if (prepare_dir(dir, err, sizeof err)) {
    setup_free(&s);
    return fail(err);
  }
  if (!have_seed) seed = s.m.g->seed;
  if (resume) { /* the seed is the checkpoint's unless given */
    rt_checkpoint c;
    snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
    if (rt_checkpoint_read(path, &c, err, sizeof err)) {
      setup_free(&s);
      return fail(err);
    }
    if (!have_seed) seed = c.seed;
    rt_checkpoint_free(&c);
  }
  if (bind_objective(&o, &obj, &s.m, model, err, sizeof err)) {
    setup_free(&s);
    return fail(err);
  }
  if (obj.dim != s.task->dim) {
    fprintf(stderr, "%s: error: the model's loss takes rows of %d values, the task %s has %d\n", model, obj.dim,
            s.task->name, s.task->dim);
    obj_free(&o), setup_free(&s);
    return 1;
  }
  if (get_data(&s, seed, NULL, &d, err, sizeof err)) {
    obj_free(&o), setup_free(&s);
    return fail(err);
  }
  snprintf(path, sizeof path, "%s/data", dir);
  if (rt_dataset_save(&d, path, err, sizeof err)) {
    rt_dataset_free(&d), obj_free(&o), setup_free(&s);
    return fail(err);
  }
  theta_d = xmalloc((obj.nparams + 1) * sizeof *theta_d);
  init_params(s.m.g, seed, theta_d);
  theta = model_to_elem(&s.m, theta_d, obj.nparams);

  rt_train_defaults(&opt);
  opt.steps = steps >= 0 ? steps : s.m.g->train.steps;
  opt.lr = s.m.g->train.lr;
  opt.schedule = !strcmp(s.m.g->train.schedule, "cosine")        ? RT_LR_COSINE
                 : !strcmp(s.m.g->train.schedule, "step")        ? RT_LR_STEP
                 : !strcmp(s.m.g->train.schedule, "exponential") ? RT_LR_EXPONENTIAL
                                                                 : RT_LR_CONSTANT;
  opt.decay_steps = s.m.g->train.decay_steps, opt.gamma = s.m.g->train.gamma, opt.min_lr = s.m.g->train.min_lr;
  opt.weight_decay = s.m.g->train.weight_decay;
  opt.batch = s.m.g->train.batch;
  opt.sampler = sampler;
  opt.test_batch = test_batch >= 0 ? test_batch : opt.batch;
  opt.eval_every = eval_every;
  opt.seed = seed;
  opt.dir = dir;
  opt.checkpoint_every = ckpt_every;
  opt.resume = resume;
  prog.mode = quiet ? 0 : isatty(2) ? 1 : 2;
  prog.last = 0, prog.test = NAN;
  opt.progress = on_progress, opt.progress_ctx = &prog;
  if (!quiet) {
    char how[128];
    if (opt.batch > 0)
      snprintf(how, sizeof how, "batches of %ld (%s)", opt.batch, sampler == RT_SAMPLE_EPOCH ? "epochs" : "random subsets");
    else
      snprintf(how, sizeof how, "full batch");
    fprintf(stderr, "training %s on %s: %ld train / %ld test rows, %ld parameters (%s), %ld steps, lr %g, weight decay %g, %s, seed %llu%s\n",
            s.m.g->name, s.task->name, d.ntrain, d.ntest, obj.nparams, obj.is_float ? "float32" : "float64", opt.steps,
            opt.lr, opt.weight_decay, how, (unsigned long long)seed, resume ? ", resumed" : "");
  }
  rc = rt_train(&obj, &d, &opt, theta, &res, err, sizeof err);
  if (rc) {
    fprintf(stderr, "%s\n", err);
    rt_train_result_free(&res), free(theta), free(theta_d), rt_dataset_free(&d), obj_free(&o), setup_free(&s);
    return 1;
  }
  snprintf(path, sizeof path, "%s/params.npy", dir);
  if (write_params(&s, theta, path, err, sizeof err)) {
    rt_train_result_free(&res), free(theta), free(theta_d), rt_dataset_free(&d), obj_free(&o), setup_free(&s);
    return fail(err);
  }
  {
    double train_loss = NAN, test_loss = NAN;
    double t_run = res.seconds - (res.first > 0 && res.first <= res.nhist ? res.hist[4 * (res.first - 1) + 3] : 0);
    Kern kl, kt, kh;
    rt_system learned, truth;
    rt_energy H;
    for (i = (int)res.nhist - 1; i >= 0; i--)
      if (!isnan(res.hist[4 * i + 2])) { test_loss = res.hist[4 * i + 2]; break; }
    if (res.nhist) train_loss = res.hist[4 * (res.nhist - 1) + 1];
    plot_loss(&res, dir, s.m.g->name, png, written, sizeof written);
    if (!bind_field(&kl, &s.m, theta, &learned, model, err, sizeof err) &&
        !bind_field(&kt, &s.sys, NULL, &truth, s.m.g->train.system, err, sizeof err) &&
        !bind_energy(&kh, &s.sys, NULL, truth.dim, &H) && learned.dim == truth.dim) {
      plot_rollouts(&s, &learned, &truth, &H, &d, seed, dir, png, written, sizeof written);
      kern_free(&kl), kern_free(&kt), kern_free(&kh);
    }
    printf("trained %s (%s) on %s, seed %llu, %s backend: steps %ld to %ld in %.2f s (%.0f steps/s)\n", s.m.g->name,
           model, s.task->name, (unsigned long long)seed, backend == JIT_GCC ? "gcc" : "tcc", res.first, res.step, t_run,
           res.step > res.first && t_run > 0 ? (res.step - res.first) / t_run : 0);
    printf("  final train loss %.4e, test loss %.4e\n", train_loss, test_loss);
    printf("  wrote %s/: checkpoint.bin params.npy metrics.csv data/%s (%.1f s in all)\n", dir, written, now_s() - t_start);
  }
  rt_train_result_free(&res);
  free(theta), free(theta_d);
  rt_dataset_free(&d);
  obj_free(&o);
  setup_free(&s);
  return 0;
}

/* ---- evaluate ---- */

static void json_num(const char *key, double v, int last) {
  if (isfinite(v)) printf("\"%s\": %.17g%s", key, v, last ? "" : ", ");
  else printf("\"%s\": null%s", key, last ? "" : ", ");
}

/* mean and standard error of (xdot - field(x))^2 over all rows */
static int field_loss(Kern *k, const double *x, const double *dx, long rows, int dim, double *mean, double *se) {
  double *f = xmalloc(((size_t)rows * dim + 1) * sizeof *f);
  long i;
  if (kern_call(k, rows, x, f)) {
    free(f);
    return 1;
  }
  for (i = 0; i < rows * dim; i++) f[i] = (dx[i] - f[i]) * (dx[i] - f[i]);
  rt_loss_stats(f, rows * dim, rows, mean, se);
  free(f);
  return 0;
}

int cmd_evaluate(int argc, char **argv) {
  int dtype = 0; /* --dtype: 0 as the model says, 1 float64, 2 float32 */
  const char *model = NULL, *params = NULL, *data_dir = NULL;
  int backend = JIT_GCC, json = 0, have_seed = 0, ck_seed = 0, i, nfail[2], rc = 1;
  uint64_t seed = 0, cseed = 0;
  char err[8192], used[4200], ddir[4300], ferr[2][1024];
  Setup s;
  rt_dataset d;
  double *theta_d, tr, tr_se, te, te_se, e[2], e_se[2], *mse;
  void *theta;
  Kern kl, kt, kh;
  rt_system learned, truth;
  rt_energy H;
  for (i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    long l;
    if (!strcmp(a, "--params") && v) params = v, i++;
    else if (!strcmp(a, "--data") && v) data_dir = v, i++;
    else if (!strcmp(a, "--json")) json = 1;
    else if (!strcmp(a, "--seed") && v) {
      if (parse_long(v, &l) || l < 0) return usage_error(usage_evaluate, "--seed takes an integer >= 0, not '%s'", v);
      seed = (uint64_t)l, have_seed = 1, i++;
    } else if (!strcmp(a, "--cc") && v) {
      if ((backend = jit_backend(v)) < 0) return usage_error(usage_evaluate, "unknown backend '%s'", v);
      i++;
    } else if (!strcmp(a, "--dtype") && v) {
      if (!strcmp(v, "float64") || !strcmp(v, "double")) dtype = 1;
      else if (!strcmp(v, "float32") || !strcmp(v, "float")) dtype = 2;
      else return usage_error(usage_evaluate, "--dtype is float64 or float32, not '%s'", v);
      i++;
    } else if (a[0] == '-') return usage_error(usage_evaluate, "unknown option '%s'%s", a, v ? "" : " (or missing value)");
    else if (!model) model = a;
    else return usage_error(usage_evaluate, "unexpected argument '%s'", a);
  }
  if (!model) return usage_error(usage_evaluate, "no model file given");
  if (!params) return usage_error(usage_evaluate, "no parameters given (--params DIR|FILE)");
  if (setup(&s, model, backend, 1, dtype, err, sizeof err)) return fail(err);
  theta_d = xmalloc((s.m.g->nparams_total + 1) * sizeof *theta_d);
  if (load_params(&s, params, theta_d, &ck_seed, &cseed, used, sizeof used, err, sizeof err)) {
    free(theta_d), setup_free(&s);
    return fail(err);
  }
  if (!have_seed) seed = ck_seed ? cseed : s.m.g->seed;
  snprintf(ddir, sizeof ddir, "%s/data", params);
  if (!data_dir && is_dir(params) && is_dir(ddir)) data_dir = ddir;
  theta = model_to_elem(&s.m, theta_d, s.m.g->nparams_total);
  if (bind_field(&kl, &s.m, theta, &learned, model, err, sizeof err) ||
      bind_field(&kt, &s.sys, NULL, &truth, s.m.g->train.system, err, sizeof err)) {
    free(theta), free(theta_d), setup_free(&s);
    return fail(err);
  }
  memset(&d, 0, sizeof d);
  mse = xmalloc((s.task->energy_nrollout + 1) * sizeof *mse);
  if (bind_energy(&kh, &s.sys, NULL, truth.dim, &H) || learned.dim != s.task->dim || truth.dim != s.task->dim) {
    fprintf(stderr, "%s: error: the system needs H(x [%d]) and field(x [%d]), and the model field(x [%d])\n",
            s.m.g->train.system, s.task->dim, s.task->dim, s.task->dim);
    goto done;
  }
  if (get_data(&s, seed, data_dir, &d, err, sizeof err)) {
    fail(err);
    goto done;
  }
  if (field_loss(&kl, d.x_train, d.dx_train, d.ntrain, d.dim, &tr, &tr_se) ||
      field_loss(&kl, d.x_test, d.dx_test, d.ntest, d.dim, &te, &te_se)) {
    fprintf(stderr, "%s: error: out of memory evaluating the field\n", model);
    goto done;
  }
  for (i = 0; i < 2; i++) {
    ferr[i][0] = 0;
    nfail[i] = rt_energy_metric(s.task, i ? RT_PROTOCOL_CORRECTED : RT_PROTOCOL_PUBLISHED, &truth, &learned, &H, seed,
                                mse, &e[i], &e_se[i], NULL, NULL, ferr[i], sizeof ferr[i]);
    if (nfail[i] < 0) {
      fprintf(stderr, "%s\n", ferr[i]);
      goto done;
    }
    if (nfail[i]) fprintf(stderr, "hnnc: warning: %d of %d %s rollouts failed, their energy MSE is NaN (first: %s)\n",
                          nfail[i], s.task->energy_nrollout, i ? "corrected" : "published", ferr[i]);
  }
  if (json) {
    printf("{");
    json_num("train_loss", tr, 0), json_num("train_loss_se", tr_se, 0);
    json_num("test_loss", te, 0), json_num("test_loss_se", te_se, 0);
    json_num("energy_mse", e[0], 0), json_num("energy_mse_se", e_se[0], 0);
    json_num("energy_mse_corrected", e[1], 0), json_num("energy_mse_corrected_se", e_se[1], 1);
    printf("}\n");
  } else {
    const rt_task *t = s.task;
    double t1, t1l, *tt = xmalloc(2 * t->energy_npoints * sizeof *tt);
    rt_energy_times(t, RT_PROTOCOL_PUBLISHED, t->energy_nrollout - 1, &t1, tt, &t1l, tt + t->energy_npoints);
    printf("%s (%s) on %s, seed %llu, parameters %s%s%s\n", s.m.g->name, model, t->name, (unsigned long long)seed,
           used, data_dir ? ", data " : "", data_dir ? data_dir : "");
    printf("  train loss            %.4e +/- %.2e   (%ld rows)\n", tr, tr_se, d.ntrain);
    printf("  test loss             %.4e +/- %.2e   (%ld rows)\n", te, te_se, d.ntest);
    printf("  energy MSE published  %.4e +/- %.2e   (%d rollouts; %s)\n", e[0], e_se[0], t->energy_nrollout,
           t->kind == RT_TASK_SPRING ? "E = q^2 + p^2; spans grow per rollout as in the reference analysis"
           : t->kind == RT_TASK_PENDULUM ? "E = q^2 + p^2 as in the reference analysis; t in [0, 20]"
                                         : "E = true H; t in [0, 25]");
    if (t->kind == RT_TASK_SPRING) printf("                                                  (the last learned rollout ends at t = %.1f)\n", t1l);
    printf("  energy MSE corrected  %.4e +/- %.2e   (%d rollouts; E = true H; t in [%g, %g])\n", e[1], e_se[1],
           t->energy_nrollout, t->energy_t0, t->energy_t1);
    free(tt);
  }
  rc = 0;
done:
  free(mse);
  kern_free(&kl), kern_free(&kt), kern_free(&kh);
  rt_dataset_free(&d);
  free(theta), free(theta_d);
  setup_free(&s);
  return rc;
}

/* ---- simulate ---- */

typedef struct JacCtx {
  Kern *field, *jac;  /* jac NULL: central differences of field */
  int dim;
} JacCtx;

static int sim_field(void *ctx, int n, const double *x, double *xdot) {
  JacCtx *j = ctx;
  return kern_call(j->field, n, x, xdot);
}

static int sim_jacobian(void *ctx, const double *x, double *J) {
  JacCtx *j = ctx;
  int d = j->dim, a, b;
  double xp[RT_MAXDIM], fp[RT_MAXDIM], fm[RT_MAXDIM];
  if (j->jac) return kern_call(j->jac, 1, x, J);
  memcpy(xp, x, d * sizeof *xp);
  for (b = 0; b < d; b++) {
    double h = 1e-6 * (fabs(x[b]) > 1 ? fabs(x[b]) : 1);
    xp[b] = x[b] + h;
    if (kern_call(j->field, 1, xp, fp)) return 1;
    xp[b] = x[b] - h;
    if (kern_call(j->field, 1, xp, fm)) return 1;
    xp[b] = x[b];
    for (a = 0; a < d; a++) J[a * d + b] = (fp[a] - fm[a]) / (2 * h);
  }
  return 0;
}

int cmd_simulate(int argc, char **argv) {
  int dtype = 0; /* --dtype: 0 as the model says, 1 float64, 2 float32 */
  const char *model = NULL, *params = NULL, *x0s = NULL, *ts = NULL, *integ = "rk45", *out = NULL;
  int backend = JIT_GCC, i, dim, N = 101, has_energy = 0, ncol, rc = 1, ck_seed, nx0 = 0;
  double T = 0, h = 0, rtol = 1e-10, atol = 1e-12, x0[RT_MAXDIM], *theta_d, *tev = NULL, *X = NULL, *E = NULL,
         *table = NULL;
  uint64_t cseed;
  char err[8192], used[4200], header[4096];
  Setup s;
  Kern kf, kj, kh;
  JacCtx jc;
  rt_system sys;
  rt_energy H;
  rt_stats st;
  void *theta;
  for (i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--params") && v) params = v, i++;
    else if (!strcmp(a, "--x0") && v) x0s = v, i++;
    else if (!strcmp(a, "--t") && v) ts = v, i++;
    else if (!strcmp(a, "--integrator") && v) integ = v, i++;
    else if (!strcmp(a, "-o") && v) out = v, i++;
    else if (!strcmp(a, "--h") && v) {
      if (parse_double(v, &h) || h <= 0) return usage_error(usage_simulate, "bad --h '%s'", v);
      i++;
    } else if (!strcmp(a, "--rtol") && v) {
      if (parse_double(v, &rtol) || rtol <= 0) return usage_error(usage_simulate, "bad --rtol '%s'", v);
      i++;
    } else if (!strcmp(a, "--atol") && v) {
      if (parse_double(v, &atol) || atol <= 0) return usage_error(usage_simulate, "bad --atol '%s'", v);
      i++;
    } else if (!strcmp(a, "--cc") && v) {
      if ((backend = jit_backend(v)) < 0) return usage_error(usage_simulate, "unknown backend '%s'", v);
      i++;
    } else if (!strcmp(a, "--dtype") && v) {
      if (!strcmp(v, "float64") || !strcmp(v, "double")) dtype = 1;
      else if (!strcmp(v, "float32") || !strcmp(v, "float")) dtype = 2;
      else return usage_error(usage_simulate, "--dtype is float64 or float32, not '%s'", v);
      i++;
    } else if (a[0] == '-' && !(a[1] >= '0' && a[1] <= '9'))
      return usage_error(usage_simulate, "unknown option '%s'%s", a, v ? "" : " (or missing value)");
    else if (!model) model = a;
    else return usage_error(usage_simulate, "unexpected argument '%s'", a);
  }
  if (!model) return usage_error(usage_simulate, "no model file given");
  if (!x0s) return usage_error(usage_simulate, "no initial state given (--x0 a,b,...)");
  if (!ts) return usage_error(usage_simulate, "no time span given (--t T or --t T:N)");
  {
    char buf[256], *colon;
    long n;
    snprintf(buf, sizeof buf, "%s", ts);
    if ((colon = strchr(buf, ':'))) {
      *colon = 0;
      if (parse_long(colon + 1, &n) || n < 2 || n > 10000000) return usage_error(usage_simulate, "bad point count in --t '%s'", ts);
      N = (int)n;
    }
    if (parse_double(buf, &T) || T <= 0) return usage_error(usage_simulate, "bad time span in --t '%s' (T > 0)", ts);
  }
  if (strcmp(integ, "rk45") && strcmp(integ, "dop853") && strcmp(integ, "rk4") && strcmp(integ, "leapfrog") &&
      strcmp(integ, "yoshida4") && strcmp(integ, "implicit_midpoint"))
    return usage_error(usage_simulate, "unknown integrator '%s'", integ);
  if (out && !(strlen(out) > 4 && (!strcmp(out + strlen(out) - 4, ".csv") || !strcmp(out + strlen(out) - 4, ".npy"))))
    return usage_error(usage_simulate, "-o takes a .csv or .npy file name, not '%s'", out);
  {
    char buf[4096], *tok, *save;
    snprintf(buf, sizeof buf, "%s", x0s);
    for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
      double v;
      if (parse_double(tok, &v)) {
        fprintf(stderr, "hnnc: error: --x0: not a finite number: '%s'\n", tok);
        return 1;
      }
      if (nx0 < RT_MAXDIM) x0[nx0] = v;
      nx0++;
    }
  }
  memset(&kf, 0, sizeof kf), memset(&kj, 0, sizeof kj), memset(&kh, 0, sizeof kh);
  if (setup(&s, model, backend, 0, dtype, err, sizeof err)) return fail(err);
  theta_d = xmalloc((s.m.g->nparams_total + 1) * sizeof *theta_d);
  if (params) {
    if (load_params(&s, params, theta_d, &ck_seed, &cseed, used, sizeof used, err, sizeof err)) {
      free(theta_d), setup_free(&s);
      return fail(err);
    }
  } else
    init_params(s.m.g, s.m.g->seed, theta_d);
  theta = model_to_elem(&s.m, theta_d, s.m.g->nparams_total);
  if (bind_field(&kf, &s.m, theta, &sys, model, err, sizeof err)) {
    fail(err);
    goto done;
  }
  dim = sys.dim;
  if (nx0 != dim) {
    fprintf(stderr, "hnnc: error: --x0 has %d values, the model's state has %d\n", nx0, dim);
    goto done;
  }
  jc.field = &kf, jc.jac = NULL, jc.dim = dim;
  {
    int r = kern_init(&kj, &s.m, "jacobian", theta);
    if (!r && kj.din == dim && kj.dout == dim * dim) jc.jac = &kj;
  }
  sys.field = sim_field, sys.ctx = &jc;
  /* energy: the model's H, else the system's */
  if (!bind_energy(&kh, &s.m, theta, dim, &H)) has_energy = 1;
  else if (s.have_sys && !bind_energy(&kh, &s.sys, NULL, dim, &H)) has_energy = 2;
  tev = xmalloc(N * sizeof *tev);
  X = xmalloc((size_t)N * dim * sizeof *X);
  rt_linspace(0, T, N, tev);
  memset(&st, 0, sizeof st);
  if (!strcmp(integ, "rk45")) rc = rt_rk45(&sys, 0, T, x0, N, tev, rtol, atol, X, &st);
  else if (!strcmp(integ, "dop853")) rc = rt_dop853(&sys, 0, T, x0, N, tev, rtol, atol, X, &st);
  else {
    double dt = T / (N - 1);
    long every = h > 0 ? (long)ceil(dt / h - 1e-9) : 10;
    if (every < 1) every = 1;
    if ((double)every * (N - 1) > 2e9) {
      fprintf(stderr, "hnnc: error: --h %g needs more than 2e9 steps\n", h);
      goto done;
    }
    if (h > 0 && fabs(dt / every - h) > 1e-12 * h)
      fprintf(stderr, "hnnc: note: step %.17g (the output spacing / %ld)\n", dt / every, every);
    h = dt / every;
    if (!strcmp(integ, "rk4")) rc = rt_rk4(&sys, 0, h, (int)(every * (N - 1)), (int)every, x0, X, &st);
    else if (!strcmp(integ, "leapfrog")) rc = rt_leapfrog(&sys, 0, h, (int)(every * (N - 1)), (int)every, x0, X, &st);
    else if (!strcmp(integ, "yoshida4")) rc = rt_yoshida4(&sys, 0, h, (int)(every * (N - 1)), (int)every, x0, X, &st);
    else {
      rc = rt_implicit_midpoint(&sys, sim_jacobian, 0, h, (int)(every * (N - 1)), (int)every, x0, 1e-14, 50, X, &st);
      if (!jc.jac) fprintf(stderr, "hnnc: note: %s has no function 'jacobian'; Newton used central differences of its field\n", model);
    }
  }
  if (rc) fprintf(stderr, "hnnc: warning: %s stopped at t = %.17g: %s (the rows after it are NaN)\n", integ, st.t, rt_strerror(rc));
  if (has_energy) {
    E = xmalloc(N * sizeof *E);
    for (i = 0; i < N; i++) {
      if (kern_call(&kh, 1, X + (size_t)i * dim, E + i)) E[i] = NAN;
    }
  }
  ncol = 1 + dim + (has_energy ? 1 : 0);
  table = xmalloc((size_t)N * ncol * sizeof *table);
  for (i = 0; i < N; i++) {
    double *r = table + (size_t)i * ncol;
    r[0] = tev[i];
    memcpy(r + 1, X + (size_t)i * dim, dim * sizeof *r);
    if (has_energy) r[1 + dim] = E[i];
  }
  {
    int n = snprintf(header, sizeof header, "t");
    for (i = 0; i < dim; i++) {
      if (dim == 2) n += snprintf(header + n, sizeof header - n, ",%s", i ? "p" : "q");
      else if (dim % 2 == 0) n += snprintf(header + n, sizeof header - n, ",%s%d", i < dim / 2 ? "q" : "p", i % (dim / 2) + 1);
      else n += snprintf(header + n, sizeof header - n, ",x%d", i + 1);
    }
    if (has_energy) snprintf(header + n, sizeof header - n, ",%s", has_energy == 1 ? "H" : "H_true");
  }
  rc = 0;
  if (!out) {
    long r;
    int c;
    printf("%s\n", header);
    for (r = 0; r < N; r++) {
      for (c = 0; c < ncol; c++) printf("%s%.17g", c ? "," : "", table[r * ncol + c]);
      printf("\n");
    }
  } else if (!strcmp(out + strlen(out) - 4, ".csv")) {
    if (rt_csv_write(out, header, N, ncol, table, err, sizeof err)) rc = fail(err);
  } else {
    rt_npy a;
    memset(&a, 0, sizeof a);
    a.dtype = RT_NPY_F8, a.rank = 2, a.shape[0] = N, a.shape[1] = ncol, a.data = table;
    if (rt_npy_write(out, &a, 0, err, sizeof err)) rc = fail(err);
  }
  if (out && !rc)
    fprintf(stderr, "wrote %s: %d rows (%s); %s: %ld steps, %ld field evaluations\n", out, N, header, integ, st.nstep, st.nfev);
done:
  free(table), free(E), free(X), free(tev);
  kern_free(&kf), kern_free(&kj), kern_free(&kh);
  free(theta), free(theta_d);
  setup_free(&s);
  return rc;
}

/* ---- data ---- */

int cmd_data(int argc, char **argv) {
  const char *system = NULL, *taskname = NULL, *dir = NULL;
  int backend = JIT_TCC, csv = 0, i;
  uint64_t seed = 0;
  char err[8192];
  Setup s;
  Kern k;
  rt_system field;
  rt_dataset d;
  const rt_task *t;
  for (i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    long l;
    if (!strcmp(a, "--task") && v) taskname = v, i++;
    else if (!strcmp(a, "-o") && v) dir = v, i++;
    else if (!strcmp(a, "--csv")) csv = 1;
    else if (!strcmp(a, "--seed") && v) {
      if (parse_long(v, &l) || l < 0) return usage_error(usage_data, "--seed takes an integer >= 0, not '%s'", v);
      seed = (uint64_t)l, i++;
    } else if (!strcmp(a, "--cc") && v) {
      if ((backend = jit_backend(v)) < 0) return usage_error(usage_data, "unknown backend '%s'", v);
      i++;
    } else if (a[0] == '-') return usage_error(usage_data, "unknown option '%s'%s", a, v ? "" : " (or missing value)");
    else if (!system) system = a;
    else return usage_error(usage_data, "unexpected argument '%s'", a);
  }
  if (!system) return usage_error(usage_data, "no system model given");
  if (!taskname) return usage_error(usage_data, "no task given (--task %s)", rt_task_names());
  if (!dir) return usage_error(usage_data, "no output folder given (-o DIR)");
  if (!(t = rt_task_find(taskname))) return usage_error(usage_data, "unknown task '%s' (tasks: %s)", taskname, rt_task_names());
  if (prepare_dir(dir, err, sizeof err)) return fail(err);
  memset(&s, 0, sizeof s);
  if (model_build(&s.m, system, NULL, err, sizeof err) || model_jit(&s.m, backend, err, sizeof err)) {
    if (s.m.g) model_free(&s.m);
    return fail(err);
  }
  if (bind_field(&k, &s.m, NULL, &field, system, err, sizeof err)) {
    model_free(&s.m);
    return fail(err);
  }
  if (s.m.g->nparams_total) {
    fprintf(stderr, "%s: error: a system model must have no parameters\n", system);
    return 1;
  }
  if (rt_dataset_make(t, &field, seed, &d, err, sizeof err) || rt_dataset_save(&d, dir, err, sizeof err)) {
    kern_free(&k), model_free(&s.m);
    return fail(err);
  }
  if (csv) {
    static const char *const names[4] = {"x_train", "dx_train", "x_test", "dx_test"};
    double *arr[4] = {d.x_train, d.dx_train, d.x_test, d.dx_test};
    long rows[4] = {d.ntrain, d.ntrain, d.ntest, d.ntest};
    for (i = 0; i < 4; i++) {
      char path[4200], header[1024];
      int n = 0, c;
      for (c = 0; c < d.dim; c++) {
        const char *pre = i % 2 ? "d" : "";
        if (d.dim == 2) n += snprintf(header + n, sizeof header - n, "%s%s%s", c ? "," : "", pre, c ? "p" : "q");
        else n += snprintf(header + n, sizeof header - n, "%s%s%s%d", c ? "," : "", pre, c < d.dim / 2 ? "q" : "p", c % (d.dim / 2) + 1);
      }
      snprintf(path, sizeof path, "%s/%s.csv", dir, names[i]);
      if (rt_csv_write(path, header, rows[i], d.dim, arr[i], err, sizeof err)) {
        rt_dataset_free(&d), kern_free(&k), model_free(&s.m);
        return fail(err);
      }
    }
  }
  printf("%s data set from %s, seed %llu: %ld train and %ld test rows of %d values in %s/%s\n", t->name, system,
         (unsigned long long)seed, d.ntrain, d.ntest, d.dim, dir, csv ? " (.npy and .csv)" : "");
  rt_dataset_free(&d);
  kern_free(&k);
  model_free(&s.m);
  return 0;
}
