/* The model-to-runtime binding (binding.h): kernels on doubles, the
 * objective, the model hash, the model with its system, its data and its
 * parameters. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "cli.h"
#include "../runtime/checkpoint.h"
#include "../runtime/npy.h"
#include "../runtime/params.h"

/* ---- calls of compiled functions, on one thread or on a pool ---- */

typedef struct Run {
  Model *m;
  Work *w;
  int fi, q, n, chunk;
  const void *theta;
  const void *const *in;
  void *const *out;
} Run;

static void run_phase(void *ctx, int slot, int k) {
  Run *r = ctx;
  r->m->phase[r->fi](r->q, r->n, k * r->chunk, r->theta, r->in, r->out, r->w->ws, r->w->wt[slot]);
}
static void run_sums(void *ctx, int slot, int k) {
  Run *r = ctx;
  r->m->sums[r->fi](r->q, r->n, k * r->chunk, r->theta, r->in, r->out, r->w->ws, r->w->wt[slot]);
}

/* n elements and 8 spare (rt_alloc_vec: aligned); NULL if out of memory */
static void *vec_alloc(long n, size_t es) { return rt_alloc_vec((size_t)(n + 8) * es); }

/* Grows a workspace to need elements of es bytes; 1 when out of memory. */
static int grow(void **p, long *cap, long need, size_t es) {
  if (need <= *cap) return 0;
  free(*p);
  *p = vec_alloc(need, es);
  *cap = *p ? need : 0;
  return !*p;
}

int work_call(Work *w, Model *m, int fi, int n, const void *theta, const void *const *in, void *const *out) {
  size_t es = model_elem(m);
  int nt = rt_pool_slots(w->pool), t, q, chunk = model_chunk(m, fi);
  Run r;
  if (rt_pool_size(w->pool) == 1 || n <= chunk) { /* one thread: the function itself */
    if (grow(&w->ws, &w->cap, model_ws(m, fi, n), es)) return 1;
    m->fn[fi](n, theta, in, out, w->ws);
    return 0;
  }
  if (grow(&w->ws, &w->cap, model_ws_shared(m, fi, n), es)) return 1;
  if (w->nwt < nt || w->wtcap < model_ws_thread(m, fi)) { /* at least 1: wtcap 0 means none */
    long need = model_ws_thread(m, fi) > w->wtcap ? model_ws_thread(m, fi) : w->wtcap > 1 ? w->wtcap : 1;
    for (t = 0; t < w->nwt; t++) free(w->wt[t]);
    free(w->wt);
    w->wt = calloc(nt, sizeof *w->wt);
    w->nwt = w->wt ? nt : 0;
    for (t = 0, w->wtcap = need; t < w->nwt; t++)
      if (!(w->wt[t] = vec_alloc(need, es))) w->wtcap = 0;
    if (!w->wt || !w->wtcap) return 1;
  }
  r.m = m, r.w = w, r.fi = fi, r.n = n, r.chunk = chunk, r.theta = theta, r.in = in, r.out = out;
  for (q = 0; q < model_phases(m, fi); q++) {
    r.q = q;
    if (q % 2 == 0) m->phase[fi](q, n, 0, theta, in, out, w->ws, w->wt[0]);
    else if (rt_pool_run(w->pool, (n + chunk - 1) / chunk, run_phase, model_sums(m, fi, q) ? run_sums : NULL, &r))
      return 1;
  }
  return 0;
}

rt_pool *cli_pool(long n) {
  static rt_pool *pool;
  if (n <= 0) n = rt_threads_default();
  if (rt_pool_size(pool) == n) return pool;
  rt_pool_free(pool);
  pool = n > 1 ? rt_pool_new((int)n) : NULL;
  if (n > 1 && !pool) fprintf(stderr, "hnnc: warning: could not start %ld threads; running on one\n", n);
  return pool;
}

void work_free(Work *w) {
  int t;
  for (t = 0; t < w->nwt; t++) free(w->wt[t]);
  free(w->wt), free(w->ws);
  w->wt = NULL, w->ws = NULL, w->nwt = 0, w->cap = w->wtcap = 0;
}

/* ---- a compiled function of one per-sample input and output, on doubles ---- */

/* Binds function fname (inputs: one per-sample tensor; output 0 per sample).
   -1 if the model has no such function, 1 if it has another signature. */
int kern_init(Kern *k, Model *m, const char *fname, const void *theta) {
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

void kern_free(Kern *k) {
  work_free(&k->w);
  free(k->xb), free(k->yb);
  k->xb = k->yb = NULL;
  k->cap = 0;
}

int kern_call(Kern *k, long n, const double *x, double *y) {
  Model *m = k->m;
  size_t es = model_elem(m);
  const void *in[1];
  void *out[16];
  Func *f = &m->g->func[k->fi];
  long i;
  int j, rc;
  if (n > k->cap) {
    long cap = n > 2 * k->cap ? n : 2 * k->cap;
    free(k->xb), free(k->yb);
    k->xb = malloc((size_t)cap * k->din * es + 8);
    k->yb = malloc((size_t)cap * k->dout * es + 8);
    k->cap = k->xb && k->yb ? cap : 0;
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
    rc = work_call(&k->w, m, k->fi, (int)n, k->theta, in, out);
    for (i = 0; i < n * k->dout; i++) y[i] = ((float *)k->yb)[i];
  } else {
    in[0] = x, out[0] = y;
    rc = work_call(&k->w, m, k->fi, (int)n, k->theta, in, out);
  }
  for (j = 1; j < f->nout; j++) free(out[j]);
  return rc;
}

static int kern_field(void *ctx, int n, const double *x, double *xdot) { return kern_call(ctx, n, x, xdot); }
static int kern_energy(void *ctx, int n, const double *x, double *e) { return kern_call(ctx, n, x, e); }

/* the field (function "field") of m as an rt_system */
int bind_field(Kern *k, Model *m, const void *theta, rt_system *s, const char *path, char *err, size_t nerr) {
  int rc = kern_init(k, m, "field", theta);
  if (rc || k->din != k->dout || k->din < 1 || k->din > RT_MAXDIM) {
    snprintf(err, nerr, "%s: error: %s", path,
             rc < 0 ? "the model has no function 'field' (hn.fn(\"field\", {x = d}, ...))"
                    : "'field' must map a per-sample x [d] to a per-sample [d] (d <= 64)");
    return 1;
  }
  memset(s, 0, sizeof *s); /* default integration limits */
  s->field = kern_field, s->ctx = k, s->dim = k->din;
  return 0;
}

/* H of m as an rt_energy; 1 if m has no usable H */
int bind_energy(Kern *k, Model *m, const void *theta, int dim, rt_energy *e) {
  if (kern_init(k, m, "H", theta) || k->din != dim || k->dout != 1) return 1;
  e->fn = kern_energy, e->ctx = k;
  return 0;
}

/* ---- the model's loss and gradient as an rt_objective ---- */

static int obj_eval(void *ctx, int n, const void *theta, const void *x, const void *xdot, double *loss, void *grad) {
  Obj *o = ctx;
  Model *m = o->m;
  size_t es = model_elem(m);
  const void *in[2];
  int fi = grad ? o->fgrad : o->floss, i;
  in[0] = x, in[1] = xdot;
  o->out[0] = m->g->is_float ? (void *)&o->lossf : (void *)&o->lossd;
  if (grad)
    for (i = 0; i < m->g->nparam; i++) o->out[1 + i] = (char *)grad + m->g->param[i].offset * es;
  if (work_call(&o->w, m, fi, n, theta, in, o->out)) return 1;
  *loss = m->g->is_float ? (double)o->lossf : o->lossd;
  return 0;
}

/* A flow's state (flow.declare): state_update(x) returns the new value of
 * each parameter its "flow.state NAME" notes list, in order; written into
 * theta after every update (the moving averages of zero_center). */
static int obj_state(void *ctx, int n, void *theta, const void *x) {
  Obj *o = ctx;
  Model *m = o->m;
  size_t es = model_elem(m);
  const Func *f = &m->g->func[o->fstate];
  void *out[64];
  const void *in[1];
  long need = model_ws(m, o->fstate, n) + 8, size[64], total = 0;
  int j;
  for (j = 0; j < f->nout; j++) total += size[j] = shape_size(&m->g->node[f->out[j]].shape);
  if (need + total > o->scap) { /* the workspace, then the new values (outputs must not overlap theta) */
    free(o->sws);
    if (!(o->sws = vec_alloc(need + total, es))) { o->scap = 0; return 1; }
    o->scap = need + total;
  }
  for (j = 0, total = 0; j < f->nout; total += size[j++]) out[j] = (char *)o->sws + (need + total) * es;
  in[0] = x;
  m->fn[o->fstate](n, theta, in, out, o->sws);
  for (j = 0; j < f->nout; j++) memcpy((char *)theta + o->state_off[j] * es, out[j], size[j] * es);
  return 0;
}

/* Binds state_update when the model notes state parameters; 1 on a
   mismatch (the names, shapes or count of its outputs). */
static int bind_state(Obj *o, Model *m, const char *path, char *err, size_t nerr) {
  const char *s = m->g->notes;
  const Func *f;
  int k = 0, i;
  o->fstate = model_func(m, "state_update");
  if (o->fstate < 0) return 0;
  f = &m->g->func[o->fstate];
  if (f->nin != 1 || f->nout > 64) goto bad;
  o->state_off = xmalloc((f->nout + 1) * sizeof *o->state_off);
  for (; s && *s; s = strchr(s, '\n') + 1) {
    const char *nl = strchr(s, '\n');
    if (strncmp(s, "flow.state ", 11)) continue;
    for (i = 0; i < m->g->nparam; i++)
      if ((long)strlen(m->g->param[i].name) == nl - s - 11 && !strncmp(m->g->param[i].name, s + 11, nl - s - 11)) break;
    if (i == m->g->nparam || k >= f->nout || m->g->node[f->out[k]].batched ||
        shape_size(&m->g->node[f->out[k]].shape) != shape_size(&m->g->param[i].shape))
      goto bad;
    o->state_off[k++] = m->g->param[i].offset;
  }
  if (k == f->nout) return 0;
bad:
  snprintf(err, nerr, "%s: error: state_update must return the new value of each parameter noted flow.state, in order", path);
  return 1;
}

/* FNV-1a of the generated C without its comments (they name the model
   file, which may be reached by other paths), the parameter layout, the
   element type and the learning-rate schedule: resuming needs the same
   compiled model trained the same way. */
uint64_t model_hash(const Model *m) {
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
int bind_objective(Obj *o, rt_objective *obj, Model *m, const char *path, char *err, size_t nerr) {
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
  if (bind_state(o, m, path, err, nerr)) {
    obj_free(o);
    return 1;
  }
  if (o->fstate >= 0) obj->after_step = obj_state;
  obj->hash = model_hash(m);
  obj->ntensor = g->nparam;
  obj->shape = (const int(*)[5])o->shape;
  return 0;
}

void obj_free(Obj *o) {
  work_free(&o->w);
  free(o->out), free(o->shape), free(o->state_off), free(o->sws);
  memset(o, 0, sizeof *o);
}
/* ---- the model and its system ---- */

void setup_free(Setup *s) {
  model_free(&s->m);
  if (s->have_sys) model_free(&s->sys);
  s->have_sys = 0;
}

/* Builds and compiles the model and, if it declares a data set, its system. */
int setup_open(Setup *s, const char *path, int backend, int need_train, int dtype, int fma, char *err, size_t nerr) {
  DataSpec *d;
  ModelOptions mo, so;
  memset(s, 0, sizeof *s);
  memset(&mo, 0, sizeof mo);
  memset(&so, 0, sizeof so);
  mo.note = so.note = cli_note;
  mo.limits.dtype = dtype; /* the learned model only: data always come from the double system */
  mo.limits.fma = fma;
  s->path = path;
  if (model_build(&s->m, path, &mo, err, nerr)) return 1;
  d = &s->m.g->data;
  if (need_train && (!s->m.g->train.present || !d->present)) {
    snprintf(err, nerr, "%s: error: the model has no %s: add %s", path,
             !d->present ? "data set" : "training settings",
             !d->present ? "hn.data{system = \"../systems/NAME.lua\", x0 = ..., trajectories = N, t = {0, T, points = K}} "
                           "(or a published task: require(\"hnnc.tasks\").pendulum{system = \"../systems/pendulum.lua\"})"
                         : "hn.train{steps = 2001, lr = 1e-3, weight_decay = 1e-4, batch = 0}");
    model_free(&s->m);
    return 1;
  }
  if (model_jit(&s->m, backend, err, nerr)) {
    model_free(&s->m);
    return 1;
  }
  if (!d->present) return 0;
  recipe_from_spec(d, &s->recipe);
  s->task = &s->recipe;
  if (!d->system) return 0; /* a user's files without a system: no true H */
  if (model_build(&s->sys, d->system, &so, err, nerr) || model_jit(&s->sys, backend, err, nerr)) {
    model_free(&s->m);
    if (s->sys.g) model_free(&s->sys);
    return 1;
  }
  s->have_sys = 1;
  return 0;
}

/* the task's data set: loaded from data_dir if given, else made with the
   system's field */
int get_data(Setup *s, uint64_t seed, const char *data_dir, rt_dataset *d, char *err, size_t nerr) {
  Kern k, kh;
  rt_system field;
  rt_energy H;
  const DataSpec *ds = &s->m.g->data;
  int rc;
  memset(d, 0, sizeof *d);
  if (recipe_reseed(s, seed, err, nerr)) return 1;
  if (data_dir || ds->file_x) {
    double *grid = NULL;
    if (data_dir) rc = rt_dataset_load(data_dir, d, err, nerr);
    else {
      if (ds->npoints > 0 && !(grid = ds->times)) {
        grid = xmalloc(ds->npoints * sizeof *grid);
        rt_linspace(ds->t0, ds->t1, ds->npoints, grid);
      }
      rc = rt_dataset_read(ds->file_x, ds->file_dx, ds->file_t, grid, ds->npoints, ds->split, ds->test_first, d, err,
                           nerr);
      if (grid != ds->times) free(grid);
    }
    if (rc) return 1;
    if (s->task->dim && d->dim != s->task->dim) {
      snprintf(err, nerr, "%s: error: the data have rows of %d values, the system %s has %d",
               data_dir ? data_dir : ds->file_x, d->dim, ds->system, s->task->dim);
      rt_dataset_free(d);
      return 1;
    }
    s->recipe.dim = d->dim;
    return 0;
  }
  if (bind_field(&k, &s->sys, NULL, &field, ds->system, err, nerr)) return 1;
  memset(&kh, 0, sizeof kh);
  rc = rt_dataset_make(s->task, &field, bind_energy(&kh, &s->sys, NULL, field.dim, &H) ? NULL : &H, seed, d, err, nerr);
  kern_free(&k), kern_free(&kh);
  return rc;
}

/* Parameters (nparams doubles) from DIR (DIR/params.npy, else
   DIR/checkpoint.bin) or FILE (a .npy, or a checkpoint). A checkpoint
   anywhere there gives *seed (and *has_seed = 1). */
/* The identity check of parameters made for the model with hash `have`
   (named `whose`, from `src`): 0 when it is m's, or when force says to use
   them anyway (with a warning); else 1 with the error. */
static int check_identity(const Model *m, const char *mpath, const char *src, const char *whose, uint64_t have,
                          int force, char *err, size_t nerr) {
  uint64_t want = model_hash(m);
  if (have == want) return 0;
  if (force) {
    fprintf(stderr, "hnnc: warning: %s: parameters of %s (hash %016llx) used for %s (hash %016llx), as --force says\n",
            src, whose, (unsigned long long)have, mpath, (unsigned long long)want);
    return 0;
  }
  snprintf(err, nerr,
           "%s: error: these parameters belong to %s (model hash %016llx), not to %s (hash %016llx): another model, "
           "another element type (--dtype), other products (--no-fma), or another hnnc; --force uses them anyway",
           src, whose, (unsigned long long)have, mpath, (unsigned long long)want);
  return 1;
}

/* text numbers separated by commas or white space: exactly P of them;
   a bad one is named by line and column */
static int read_text_params(const char *path, long P, double *theta, char *err, size_t nerr) {
  FILE *f = fopen(path, "r");
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  long k = 0, ln = 0;
  int rc = 0;
  if (!f) {
    snprintf(err, nerr, "%s: error: cannot open: %s", path, strerror(errno));
    return 1;
  }
  while (!rc && (len = getline(&line, &cap, f)) >= 0) {
    char *s = line, *end;
    ln++;
    if ((size_t)len != strlen(line)) {
      snprintf(err, nerr, "%s:%ld: error: a NUL byte in the line (not a text file?)", path, ln);
      rc = 1;
    }
    while (!rc) {
      char *tok;
      double v;
      while (*s && strchr(", \t\r\n", *s)) s++;
      if (!*s) break;
      tok = s;
      while (*s && !strchr(", \t\r\n", *s)) s++;
      v = strtod(tok, &end);
      if (end != s || !isfinite(v)) {
        snprintf(err, nerr, "%s:%ld:%ld: error: parameter %ld is not a finite number: '%.*s'", path, ln,
                 (long)(tok - line) + 1, k + 1, (int)(s - tok > 40 ? 40 : s - tok), tok);
        rc = 1;
      } else if (k >= P) {
        snprintf(err, nerr, "%s:%ld: error: more than the %ld parameters of the model", path, ln, P);
        rc = 1;
      } else
        theta[k++] = v;
    }
  }
  free(line);
  fclose(f);
  if (!rc && k != P) {
    snprintf(err, nerr, "%s: error: %ld parameters, the model has %ld", path, k, P);
    rc = 1;
  }
  return rc;
}

int load_params(Model *m, const char *mpath, const char *arg, int force, double *theta, int *has_seed, uint64_t *seed,
                char *used, size_t nused, char *err, size_t nerr) {
  long P = m->g->nparams_total, i;
  char *npy = NULL, *ck = NULL;
  const char *path = arg;
  int rc = 1;
  *has_seed = 0;
  if (is_dir(arg)) { /* a training folder: params.npy (and params.model), else checkpoint.bin */
    size_t n = strlen(arg) + 32;
    npy = xmalloc(n), ck = xmalloc(n);
    snprintf(npy, n, "%s/params.npy", arg);
    snprintf(ck, n, "%s/checkpoint.bin", arg);
    if (!exists(ck)) free(ck), ck = NULL;
    if (!exists(npy)) {
      free(npy), npy = NULL;
      if (!ck) {
        snprintf(err, nerr, "%s: error: no params.npy or checkpoint.bin in this folder", arg);
        return 1;
      }
    }
    path = npy ? npy : ck;
  } else if (rt_checkpoint_is(arg))
    path = ck = xstrdup(arg);
  snprintf(used, nused, "%s", path ? path : arg);
  if (ck) { /* the checkpoint: the seed, and the identity unless params.npy has its own */
    rt_checkpoint c;
    rt_params_id id;
    int side = npy ? rt_params_id_read(npy, &id, err, nerr) : -1;
    if (side > 0 || rt_checkpoint_read(ck, &c, err, nerr)) goto done;
    if (side == 0) rt_params_id_free(&id);
    if (c.nparams != P) {
      snprintf(err, nerr, "%s: error: %ld parameters, the model %s has %ld", ck, c.nparams, mpath, P);
      rt_checkpoint_free(&c);
      goto done;
    }
    if (side < 0 && check_identity(m, mpath, ck, "another model", c.hash, force, err, nerr)) {
      rt_checkpoint_free(&c);
      goto done;
    }
    *has_seed = 1, *seed = c.seed;
    if (!npy) {
      for (i = 0; i < P; i++) theta[i] = c.elem == 4 ? ((float *)c.theta)[i] : ((double *)c.theta)[i];
      rt_checkpoint_free(&c);
      rc = 0;
      goto done;
    }
    rt_checkpoint_free(&c);
  }
  {
    size_t n = strlen(path);
    FILE *f = fopen(path, "rb");
    char magic[6] = {0};
    int is_npy = f && fread(magic, 1, 6, f) == 6 && !memcmp(magic, "\x93NUMPY", 6);
    if (f) fclose(f);
    if (is_npy || (n > 4 && !strcmp(path + n - 4, ".npy"))) {
      rt_npy a;
      rt_params_id id;
      int side = rt_params_id_read(path, &id, err, nerr);
      if (side > 0) goto done;
      if (side < 0 && !npy)
        fprintf(stderr, "hnnc: note: %s has no sidecar (.model) naming its model: used as %s's, unchecked\n", path,
                mpath);
      if (side == 0) {
        int bad = check_identity(m, mpath, path, id.model, id.hash, force, err, nerr);
        rt_params_id_free(&id);
        if (bad) goto done;
      }
      if (rt_npy_read(path, RT_NPY_FINITE | RT_NPY_AS_F8, &a, err, nerr)) goto done;
      if (a.count != P) {
        snprintf(err, nerr, "%s: error: %ld parameters, the model %s has %ld", path, a.count, mpath, P);
        rt_npy_free(&a);
        goto done;
      }
      memcpy(theta, a.data, P * sizeof *theta);
      rt_npy_free(&a);
      rc = 0;
    } else
      rc = read_text_params(path, P, theta, err, nerr);
  }
done:
  free(npy), free(ck);
  return rc;
}
