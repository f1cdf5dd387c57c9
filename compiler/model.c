/* The pipeline, in order:
 *   front_load     run the model file, trace it into a graph (hash-consed,
 *                  exact folding and CSE happen at construction;
 *                  derivatives were built while tracing by hn.grad & co.)
 *   sched_plan     per function: dead-code elimination (reachability),
 *                  phases, storage, workspace (inside emit_model)
 *   emit_model     C source and header
 *   jit            libtcc or gcc
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"

static void put_stderr(void *ctx, const char *s) { (void)ctx; fputs(s, stderr); }

void model_from_graph(Model *m, Graph *g, const char *source, const ModelOptions *o) {
  EmitOptions eo;
  int i;
  memset(m, 0, sizeof *m);
  m->g = g;
  if (o && o->dump)
    for (i = 0; i < m->g->nfunc; i++) {
      fprintf(stderr, "# function %s\n", m->g->func[i].name);
      ir_print(m->g, m->g->func[i].out, m->g->func[i].nout, put_stderr, NULL);
    }
  eo.chunk = o && o->chunk > 0 ? o->chunk : 32;
  eo.source = source;
  m->plans = xmalloc(m->g->nfunc * sizeof *m->plans);
  emit_model(m->g, &eo, m->plans, &m->c, &m->h);
}

int model_build(Model *m, const char *path, const ModelOptions *o, char *err, size_t nerr) {
  Graph *g = front_load(path, o ? &o->limits : NULL, err, nerr);
  memset(m, 0, sizeof *m);
  if (!g) return 1;
  model_from_graph(m, g, path, o);
  if (g->warnings[0]) fputs(g->warnings, stderr);
  return 0;
}

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
  for (i = 0; i < m->g->nfunc; i++) {
    char name[512];
    void *sym;
    snprintf(name, sizeof name, "%s_%s_v", m->g->name, m->g->func[i].name);
    sym = jit_symbol(&m->jit, name);
    if (!sym) { snprintf(err, nerr, "hnnc: error: symbol %s missing from the compiled code", name); return 1; }
    memcpy(&m->fn[i], &sym, sizeof sym);
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
size_t model_elem(const Model *m) { return m->g->is_float ? sizeof(float) : sizeof(double); }

void model_free(Model *m) {
  int i;
  if (m->plans)
    for (i = 0; i < m->g->nfunc; i++) sched_free(&m->plans[i]);
  free(m->plans);
  free(m->fn);
  jit_free(&m->jit);
  text_free(&m->c);
  text_free(&m->h);
  ir_free(m->g);
  memset(m, 0, sizeof *m);
}

void *model_to_elem(const Model *m, const double *x, long n) {
  void *p = xmalloc(n * model_elem(m) + 64);
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
