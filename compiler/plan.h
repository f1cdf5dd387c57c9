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
  ST_WS,     /* ws + off (shared values), or wt + off (per-sample ones:
                one chunk of samples, in the thread's workspace)       */
  ST_FULL,   /* ws + ws_shared + off*n: batched values for all samples  */
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
  /* Workspace: the shared region ws (ws_shared + ws_full * n elements:
   * shared values, accumulators, then the all-samples values) and a
   * thread's region wt (ws_thread: chunk buffers, then the kernels'
   * scratch at wt + pack). One call on one thread: wt follows ws, the
   * whole workspace is ws_fixed + ws_full * n elements. */
  long ws_shared, ws_thread, ws_fixed, ws_full;
  long pack;
  int no_panels;   /* no hn_mm_ntp panels (set between sched_dce and
                    * sched_plan: hnnc export's workspace is on the stack) */
  long *ntpk;      /* per node: for a product by a shared matrix transposed,
                    * ws + ntpk holds that matrix in hn_mm_ntp's panels
                    * (hn_nt_pack, at the end of the shared phase before
                    * its first such product); else -1 */
} Plan;

/* The passes of one function: sched_dce marks p->keep (returns the count),
 * sched_plan fills phases, order, storage and the workspace. */
int sched_dce(Plan *p, Graph *g, int fi);
int sched_plan(Plan *p, int chunk);
void sched_free(Plan *p);
void sched_print(const Plan *p, Text *t); /* the plan as text, for dumps */
int sched_is_reduction(int op); /* bsum, bmatmul: accumulate over chunks */
/* the phases of the emitted code: the plan's, and a last shared one (the
   shared outputs' copies) when the plan ends with a chunk loop */
int sched_phases(const Plan *p);
/* the node whose storage holds x's value (follows views) */
int sched_base(const Plan *p, int x);
/* hn_nt_pack of x's right operand comes before x, at the end of the
   shared phase before x's (the first product by that matrix) */
int sched_ntpk_first(const Plan *p, int x);
#endif
