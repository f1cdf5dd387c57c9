/* FLOP accounting of compiled functions (flops.c). */
#ifndef HNNC_FLOPS_H
#define HNNC_FLOPS_H
#include <stdlib.h>

#include "ir.h"

/* The work of a call on n samples: per_sample * n + shared FLOPs (IEEE
 * +, -, *, /), and elem_per_sample * n + elem_shared elementary-function
 * calls (tanh, exp, sqrt, ...), which are not counted as FLOPs. */
typedef struct Flops { long per_sample, shared, elem_per_sample, elem_shared; } Flops;

/* Counts function fi of g over the nodes its outputs reach. */
void flops_count(const Graph *g, int fi, Flops *f);
#endif
