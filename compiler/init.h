/* Parameter initializers (see init.c). */
#ifndef HNNC_INIT_H
#define HNNC_INIT_H
#include "ir.h"
/* Fills theta (g->nparams_total doubles) from the declared initializers. */
void init_params(const Graph *g, uint64_t seed, double *theta);
#endif
