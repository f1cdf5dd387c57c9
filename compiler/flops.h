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

/* The core's peak for separate multiplies and adds (the kernels of the
 * default build never fuse them), or for fused multiply-adds (fma: the FMA
 * build), at the widest vector width of the gcc path, measured now in
 * per-thread CPU time: GFLOP/s, and the vector width. Nonzero, with a
 * message in err, when gcc cannot compile it. */
typedef struct FlopsPeak { double gflops; int vector_bytes, lanes; } FlopsPeak;
int flops_peak(int is_float, int fma, FlopsPeak *pk, char *err, size_t nerr);
#endif
