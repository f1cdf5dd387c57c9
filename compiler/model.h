/* A compiled model: the pass list from a model file to callable kernels.
 * The public interface of the library is hnnc.h. */
#ifndef HNNC_MODEL_H
#define HNNC_MODEL_H
#include "emit.h"
#include "flops.h"
#include "front.h"
#include "jit.h"

typedef void (*kernel_fn)(int n, const void *theta, const void *const *in, void *const *out, void *ws);
/* one phase, or one chunk of it, of a function (NAME_FUNC_phase, _sums) */
typedef void (*stage_fn)(int phase, int n, int s0, const void *theta, const void *const *in, void *const *out, void *ws,
                         void *wt);

typedef struct Model {
  Graph *g;
  Plan *plans;     /* one per function */
  Text c, h;       /* generated source */
  Jit jit;
  kernel_fn *fn;   /* uniform entry points, NULL until jit */
  stage_fn *phase, *sums; /* the same in phases, for threads (the protocol
                           * at the top of the generated header) */
  double jit_ms;   /* compile time of the backend */
} Model;

/* The passes, in order (model.c lists them in one function). */
enum { PASS_NONE, PASS_FRONT, PASS_CHECK, PASS_DCE, PASS_SCHEDULE, PASS_EMIT, PASS_COUNT };
extern const char *const model_pass_name[PASS_COUNT]; /* "front", "check", ... */
int model_pass(const char *name);                      /* PASS_*, or -1 */

typedef struct ModelOptions {
  int chunk;           /* samples per chunk (default 32) */
  int verify;          /* run the verifiers between passes (tests always do) */
  int after;           /* dump the state after this pass (PASS_*), PASS_NONE: no dump */
  const char *func;    /* dump only this function (NULL: all) */
  void (*dump)(void *ctx, const char *text); /* receives dumps */
  void (*note)(void *ctx, const char *text); /* receives warnings and the model's print() */
  void *ctx;
  FrontOptions limits; /* sandbox limits, element type override */
} ModelOptions;

/* Front end, checks, passes and emitter: m->g, m->plans, m->c, m->h. */
int model_build(Model *m, const char *path, const ModelOptions *o, char *err, size_t nerr);
/* The same from a graph built in C (tests): the passes after the front end,
 * verifiers on, without the model-file rules; the model takes g. */
int model_from_graph(Model *m, Graph *g, const char *source, const ModelOptions *o, char *err, size_t nerr);
/* Compiles the generated C with a backend and binds every function. */
int model_jit(Model *m, int backend, char *err, size_t nerr);
int model_func(const Model *m, const char *name); /* index, or -1 */
long model_ws(const Model *m, int fi, long n);    /* workspace elements */
/* For threads: the shared workspace, a thread's, the phases, whether odd
   phase q sums over samples, the samples of a chunk */
long model_ws_shared(const Model *m, int fi, long n);
long model_ws_thread(const Model *m, int fi);
int model_phases(const Model *m, int fi);
int model_sums(const Model *m, int fi, int q);
int model_chunk(const Model *m, int fi);
const char *model_warnings(const Model *m);      /* "FILE:LINE: warning: ..." lines, or "" */
void model_free(Model *m);
size_t model_elem(const Model *m);                 /* sizeof element */
/* n doubles as a new array of the model's element type (free it), and back */
void *model_to_elem(const Model *m, const double *x, long n);
void model_from_elem(const Model *m, const void *p, long n, double *x);
#endif
