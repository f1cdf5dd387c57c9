/* The plan of one function: where each node's value lives and when it is
 * computed. Made by schedule.c, read by emit.c. */
#ifndef HNNC_PLAN_H
#define HNNC_PLAN_H
#include "ir.h"

enum {
  ST_NONE,   /* not needed, or inlined (scalar constants, n)            */
  ST_INPUT,  /* an input array: index = input number                    */
  ST_PARAM,  /* theta + off                                             */
  ST_TENSOR, /* a static const array in the generated file              */
  ST_WS,     /* ws + off: shared, or one chunk of samples               */
  ST_FULL,   /* ws + full_base + off*n: batched values for all samples  */
  ST_OUT,    /* an output array: index = output number                  */
  ST_VIEW    /* the storage of operand 0 (reshape)                      */
};

typedef struct Slot { int kind, index; long off; } Slot;

typedef struct Plan {
  Graph *g;
  Func *f;
  int fi;
  char *keep;      /* nodes the function needs                       */
  int *order, norder; /* emission order: phase-major, then id        */
  int *phase;      /* phase in which a node's code runs: 0, 2, ... shared;
                    * 1, 3, ... inside a loop over chunks of samples  */
  int nphase;
  Slot *slot;
  int *outcopy;    /* per output: copy the node's value into the output */
  int chunk;       /* samples per chunk                               */
  long ws_fixed, ws_full; /* workspace = ws_fixed + ws_full * n elements */
  long pack;       /* ws + pack: scratch of the matrix kernels (panel copies) */
} Plan;

/* The passes of one function: sched_dce marks p->keep (returns the count),
 * sched_plan fills phases, order, storage and the workspace. */
int sched_dce(Plan *p, Graph *g, int fi);
int sched_plan(Plan *p, int chunk);
void sched_free(Plan *p);
void sched_print(const Plan *p, Text *t); /* the plan as text, for dumps */
int sched_is_reduction(int op); /* bsum, bmatmul: accumulate over chunks */
/* the node whose storage holds x's value (follows views) */
int sched_base(const Plan *p, int x);
#endif
