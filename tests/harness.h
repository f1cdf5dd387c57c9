/* Test harness: graphs built in C, compiled and run. */
#ifndef HNNC_HARNESS_H
#define HNNC_HARNESS_H
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hnnc.h"

static jmp_buf harness_jb;
static _Noreturn void harness_throw(Graph *g) {
  fprintf(stderr, "graph error: %s\n", g->errmsg);
  longjmp(harness_jb, 1);
}

static inline Graph *harness_graph(void) {
  Graph *g = ir_new();
  g->throw_ = harness_throw;
  g->name = xstrdup("t");
  return g;
}

static inline int harness_param(Graph *g, const char *name, Shape s) {
  Param *p;
  g->param = xrealloc(g->param, (g->nparam + 1) * sizeof *g->param);
  p = &g->param[g->nparam];
  memset(p, 0, sizeof *p);
  p->name = xstrdup(name);
  p->shape = s;
  p->offset = g->nparams_total;
  strcpy(p->init, "zeros");
  g->nparams_total += shape_size(&s);
  p->node = ir_param(g, g->nparam++);
  return p->node;
}

/* Starts function number g->nfunc: its inputs are created by harness_input. */
static inline Func *harness_func(Graph *g, const char *name) {
  Func *f;
  g->func = xrealloc(g->func, (g->nfunc + 1) * sizeof *g->func);
  f = &g->func[g->nfunc];
  memset(f, 0, sizeof *f);
  f->name = xstrdup(name);
  f->in = xmalloc(8 * sizeof *f->in);
  f->loc = -1;
  return f;
}
static inline int harness_input(Graph *g, Func *f, const char *name, Shape s) {
  f->in[f->nin].name = xstrdup(name);
  f->in[f->nin].shape = s;
  f->in[f->nin].node = ir_input(g, f->nin, s);
  return f->in[f->nin++].node;
}
static inline void harness_output(Func *f, int node) {
  char b[16];
  f->out = xrealloc(f->out, (f->nout + 1) * sizeof *f->out);
  f->outname = xrealloc(f->outname, (f->nout + 1) * sizeof *f->outname);
  snprintf(b, sizeof b, "y%d", f->nout);
  f->outname[f->nout] = xstrdup(b);
  f->out[f->nout++] = node;
}
static inline void harness_end_func(Graph *g) { g->nfunc++; }

static inline Shape shp(int rank, int d0, int d1) {
  Shape s;
  memset(&s, 0, sizeof s);
  s.rank = rank, s.dim[0] = d0, s.dim[1] = d1;
  return s;
}
#endif
