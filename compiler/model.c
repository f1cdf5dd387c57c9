/* The pass list. One function, run_passes, calls every pass in order; the
 * verifiers run after each (with ModelOptions.verify; tests always), and
 * ModelOptions.after dumps the state after any one of them.
 *
 *   front      front_load: run the model file in the sandbox and trace it.
 *              Differentiation and simplification happen here, as nodes
 *              are made: hn.grad & co. build derivative nodes with the same
 *              constructors (a model uses a derivative as a value at once:
 *              the HNN's loss is built on its field), and every constructor
 *              folds exact identities and hash-conses (CSE).
 *   check      verify_model: the model's rules (functions exist, every
 *              parameter used); warnings go to the caller
 *   per function:
 *     dce      sched_dce: the nodes the outputs reach
 *     schedule sched_plan: phases, order, storage, workspace
 *   emit       emit_model: the .c and .h of all functions
 *   (then, on request, model_jit: libtcc or gcc)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "verify.h"
#include "model.h"

const char *const model_pass_name[PASS_COUNT] = {"none", "front", "check", "dce", "schedule", "emit"};

int model_pass(const char *name) {
  int i;
  for (i = PASS_FRONT; i < PASS_COUNT; i++)
    if (!strcmp(name, model_pass_name[i])) return i;
  return -1;
}

static void dump_put(void *ctx, const char *s) {
  const ModelOptions *o = ctx;
  o->dump(o->ctx, s);
}

/* The state after pass `pass` (of function fi, or the whole model). */
static void dump(Model *m, const ModelOptions *o, int pass, int fi) {
  Graph *g = m->g;
  Text t = {0};
  if (!o || o->after != pass || !o->dump) return;
  if (fi >= 0 && o->func && strcmp(o->func, g->func[fi].name)) return;
  if (pass == PASS_FRONT || pass == PASS_CHECK) {
    text_put(&t, "# model %s: %d nodes after %s\n", g->name, g->nnode, model_pass_name[pass]);
    o->dump(o->ctx, t.s);
    ir_print(g, NULL, 0, dump_put, (void *)o);
  } else if (pass == PASS_DCE) {
    Func *f = &g->func[fi];
    char *keep = xmalloc(g->nnode);
    Flops fl;
    flops_count(g, fi, &fl);
    text_put(&t, "# function %s: %d nodes after dead-code elimination\n", f->name, ir_reach(g, f->out, f->nout, keep));
    text_put(&t, "# FLOPs: %ld per sample + %ld shared; elementary functions: %ld per sample + %ld shared\n",
             fl.per_sample, fl.shared, fl.elem_per_sample, fl.elem_shared);
    free(keep);
    o->dump(o->ctx, t.s);
    ir_print(g, f->out, f->nout, dump_put, (void *)o);
  } else if (pass == PASS_SCHEDULE) {
    sched_print(&m->plans[fi], &t);
    o->dump(o->ctx, t.s);
  } else if (pass == PASS_EMIT) {
    o->dump(o->ctx, m->h.s);
    o->dump(o->ctx, m->c.s);
  }
  text_free(&t);
}

static int run_passes(Model *m, const char *source, int rules, const ModelOptions *o, char *err, size_t nerr) {
  Graph *g = m->g;
  int i, verify = !rules || (o && o->verify), chunk = o && o->chunk > 0 ? o->chunk : 32;
  EmitOptions eo;
  dump(m, o, PASS_FRONT, -1);
  if (verify && verify_graph(g, "front", err, nerr)) return 1;
  if (rules && verify_model(g, source, err, nerr)) return 1;
  if (g->warnings.s && o && o->note) o->note(o->ctx, g->warnings.s);
  dump(m, o, PASS_CHECK, -1);
  m->plans = xmalloc((g->nfunc + 1) * sizeof *m->plans);
  for (i = 0; i < g->nfunc; i++) {
    Plan *p = &m->plans[i];
    sched_dce(p, g, i);
    if (verify && verify_reach(p, "dce", err, nerr)) return 1;
    dump(m, o, PASS_DCE, i);
    sched_plan(p, chunk);
    if (verify && verify_plan(p, "schedule", err, nerr)) return 1;
    dump(m, o, PASS_SCHEDULE, i);
  }
  memset(&eo, 0, sizeof eo);
  eo.chunk = chunk;
  eo.source = source;
  emit_model(g, &eo, m->plans, &m->c, &m->h);
  dump(m, o, PASS_EMIT, -1);
  return 0;
}

int model_from_graph(Model *m, Graph *g, const char *source, const ModelOptions *o, char *err, size_t nerr) {
  memset(m, 0, sizeof *m);
  m->g = g;
  return run_passes(m, source, 0, o, err, nerr);
}

int model_build(Model *m, const char *path, const ModelOptions *o, char *err, size_t nerr) {
  FrontOptions fo;
  memset(m, 0, sizeof *m);
  memset(&fo, 0, sizeof fo);
  if (o) fo = o->limits, fo.note = o->note, fo.ctx = o->ctx;
  if (!(m->g = front_load(path, &fo, err, nerr))) return 1;
  if (run_passes(m, path, 1, o, err, nerr)) {
    model_free(m);
    return 1;
  }
  return 0;
}

const char *model_warnings(const Model *m) { return m->g && m->g->warnings.s ? m->g->warnings.s : ""; }

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

int model_jit(Model *m, int backend, char *err, size_t nerr) {
  int i;
  double t0 = now_ms();
  if (jit_compile(&m->jit, backend, m->c.s, err, nerr)) return 1;
  m->jit_ms = now_ms() - t0;
  m->fn = xmalloc(m->g->nfunc * sizeof *m->fn);
  m->phase = xmalloc(m->g->nfunc * sizeof *m->phase);
  m->sums = xmalloc(m->g->nfunc * sizeof *m->sums);
  for (i = 0; i < 3 * m->g->nfunc; i++) {
    static const char *const suffix[] = {"v", "phase", "sums"};
    char *name = text_fmt("%s_%s_%s", m->g->name, m->g->func[i / 3].name, suffix[i % 3]);
    void *sym = jit_symbol(&m->jit, name);
    if (!sym) snprintf(err, nerr, "hnnc: error: symbol %s missing from the compiled code", name);
    free(name);
    if (!sym) return 1;
    if (i % 3 == 0) memcpy(&m->fn[i / 3], &sym, sizeof sym);
    else memcpy(i % 3 == 1 ? &m->phase[i / 3] : &m->sums[i / 3], &sym, sizeof sym);
  }
  return 0;
}

int model_func(const Model *m, const char *name) {
  int i;
  for (i = 0; i < m->g->nfunc; i++)
    if (!strcmp(m->g->func[i].name, name)) return i;
  return -1;
}

long model_ws(const Model *m, int fi, long n) { return m->plans[fi].ws_fixed + m->plans[fi].ws_full * n; }
long model_ws_shared(const Model *m, int fi, long n) { return m->plans[fi].ws_shared + m->plans[fi].ws_full * n; }
long model_ws_thread(const Model *m, int fi) { return m->plans[fi].ws_thread; }
int model_phases(const Model *m, int fi) { return sched_phases(&m->plans[fi]); }
int model_chunk(const Model *m, int fi) { return m->plans[fi].chunk; }

int model_sums(const Model *m, int fi, int q) {
  const Plan *p = &m->plans[fi];
  int k;
  for (k = 0; k < p->norder; k++)
    if (p->phase[p->order[k]] == q && sched_is_reduction(m->g->node[p->order[k]].op)) return 1;
  return 0;
}
size_t model_elem(const Model *m) { return m->g->is_float ? sizeof(float) : sizeof(double); }

void model_free(Model *m) {
  int i;
  if (m->plans)
    for (i = 0; i < m->g->nfunc; i++) sched_free(&m->plans[i]); /* zeroed plans free nothing */
  free(m->plans);
  free(m->fn), free(m->phase), free(m->sums);
  jit_free(&m->jit);
  text_free(&m->c);
  text_free(&m->h);
  ir_free(m->g);
  memset(m, 0, sizeof *m);
}

void *model_to_elem(const Model *m, const double *x, long n) {
  void *p = xmalloc_vec(n * model_elem(m) + 64);
  long i;
  if (m->g->is_float)
    for (i = 0; i < n; i++) ((float *)p)[i] = (float)x[i];
  else
    memcpy(p, x, n * sizeof *x);
  return p;
}

void model_from_elem(const Model *m, const void *p, long n, double *x) {
  long i;
  if (m->g->is_float)
    for (i = 0; i < n; i++) x[i] = ((const float *)p)[i];
  else
    memcpy(x, p, n * sizeof *x);
}
