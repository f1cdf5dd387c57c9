/* Flows in `hnnc train` and `hnnc evaluate` (flow_eval.c). */
#ifndef HNNC_FLOW_EVAL_H
#define HNNC_FLOW_EVAL_H
#include <stdint.h>

#include "binding.h"

int flow_is(const Model *m);             /* declared with flow.declare */
int flow_window(const Model *m, int *W); /* its loss window; 0: none */
/* The rate of the angle atan2(P̂_j, Q̂_j) of latent points z [T, 2n] at
   times t: the least-squares slope of the angle against t, unwrapped by
   taking every step between samples to the nearest multiple of 2π (so
   a step must turn less than π: sample finer than half a turn). It
   counts turns about the origin: a circle traversed twice a period turns
   at twice the frequency; one that does not enclose the origin, at 0. */
double flow_angle_rate(const double *z, const double *t, int T, int n, int j);
/* prints the measures (flow_eval.c); writes plots into plotdir unless NULL */
int flow_evaluate(Setup *s, const double *theta_d, uint64_t seed, const char *data_dir, int json, const char *plotdir);
#endif
