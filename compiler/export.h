/* Export: a model with its parameters as one standalone C file, and the
 * separability test of a Hamiltonian field (export.c). */
#ifndef HNNC_EXPORT_H
#define HNNC_EXPORT_H
#include "emit.h"

/* 1 when the field of function fi, x = (q, p) [2m] -> [2m], is separable:
 * ∂f_q/∂q and ∂f_p/∂p (for f = Ω∇H: the mixed block ∂²H/∂q∂p) simplify to
 * exactly zero. 0 when they do not (or not provably), -1 when fi is not such
 * a field. Adds the derivative nodes to g; functions, plans and emitted
 * code are unchanged. */
int export_separable(Graph *g, int fi);

enum { EXPORT_AUTO, EXPORT_LEAPFROG, EXPORT_MIDPOINT, EXPORT_RK4 };
extern const char *const export_integrator_name[4]; /* "auto", "leapfrog", ... */

typedef struct ExportOptions {
  const char *name;        /* symbol and file prefix (default: the model's name) */
  const char *source;      /* model path, for comments and messages */
  const char *origin;      /* where the parameters come from (hash, step, seed), one line */
  const double *theta;     /* g->nparams_total values (rounded to float for float models) */
  int integrator;          /* EXPORT_*: AUTO is leapfrog when separable, else implicit midpoint */
  int newton;              /* implicit midpoint: Newton iterations a step (0: 4) */
  int example;             /* also write example.c */
  double h;                /* example: the step */
  const double *x0;        /* example: the initial state (dim values) */
} ExportOptions;

typedef struct Export {
  Text c, h, example;      /* NAME.c, NAME.h, example.c (when asked) */
  int has_H, has_flow;     /* what was exported: H, field, step; forward, inverse */
  int integrator;          /* the one chosen (with H) */
  int separable;
  int dim;
  long code_bytes;         /* NAME.c without the parameter table */
  long table_bytes;        /* the parameter table's source text */
  long const_bytes;        /* parameters and constant tensors in memory */
  long stack_bytes;        /* the largest workspace an entry point puts on the stack */
} Export;

/* Writes ex (free with export_free). Nonzero with "FILE: error: ..." in err
 * when the model has no H(x) to export, or leapfrog is asked for a field
 * that is not separable. Adds nodes to g (the derivatives it needs). */
int export_model(Graph *g, const ExportOptions *o, Export *ex, char *err, size_t nerr);
/* The same checks without writing (and without o->theta): fills
 * ex->integrator, ex->separable and ex->dim. */
int export_check(Graph *g, const ExportOptions *o, Export *ex, char *err, size_t nerr);
void export_free(Export *ex);
#endif
