/* The C emitter: one .c and one .h per model. */
#ifndef HNNC_EMIT_H
#define HNNC_EMIT_H
#include "plan.h"

typedef struct EmitOptions {
  int chunk;         /* samples per chunk in per-sample loops */
  const char *source; /* the model path, for comments */
  int internal;      /* kernels static, no _v entry points (export.c wraps them) */
} EmitOptions;

/* Emits the model's .c (into c) and .h (into h) from the plans of its
 * functions (plans[g->nfunc], made by sched_plan). */
void emit_model(Graph *g, const EmitOptions *o, Plan *plans, Text *c, Text *h);

/* The elementary-function library, pasted into every generated file. */
extern const char hnnc_elemfn[];
/* The matrix-product kernels (kernels.c), pasted after the element type. */
extern const char hnnc_kernels[];
#endif
