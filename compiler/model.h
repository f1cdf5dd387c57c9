/* A compiled model: the pipeline from a model file to callable kernels. */
#ifndef HNNC_MODEL_H
#define HNNC_MODEL_H
#include "emit.h"
#include "flops.h"
#include "front.h"
#include "jit.h"

typedef void (*kernel_fn)(int n, const void *theta, const void *const *in, void *const *out, void *ws);

typedef struct Model {
  Graph *g;
  Plan *plans;     /* one per function */
  Text c, h;       /* generated source */
  Jit jit;
  kernel_fn *fn;   /* uniform entry points, NULL until jit */
  double jit_ms;   /* compile time of the backend */
} Model;

typedef struct ModelOptions {
  int chunk;       /* samples per chunk (default 32) */
  int dump;        /* print the IR of every function to stderr */
  FrontOptions limits;  /* sandbox limits, element type override */
} ModelOptions;

/* Front end, passes and emitter: m->g, m->plans, m->c, m->h. */
int model_build(Model *m, const char *path, const ModelOptions *o, char *err, size_t nerr);
/* The same from a graph built in C (tests); the model takes g. */
void model_from_graph(Model *m, Graph *g, const char *source, const ModelOptions *o);
/* Compiles the generated C with a backend and binds every function. */
int model_jit(Model *m, int backend, char *err, size_t nerr);
int model_func(const Model *m, const char *name); /* index, or -1 */
long model_ws(const Model *m, int fi, long n);    /* workspace elements */
void model_free(Model *m);
size_t model_elem(const Model *m);                 /* sizeof element */
/* n doubles as a new array of the model's element type (free it), and back */
void *model_to_elem(const Model *m, const double *x, long n);
void model_from_elem(const Model *m, const void *p, long n, double *x);
#endif
