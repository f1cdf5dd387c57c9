/* Flows in `hnnc train` and `hnnc evaluate` (flow_eval.c). */
#ifndef HNNC_FLOW_EVAL_H
#define HNNC_FLOW_EVAL_H
#include <stdint.h>

#include "binding.h"

int flow_is(const Model *m);                     /* declared with flow.declare */
int flow_window(const Model *m, int *W, int *R); /* its loss window and reshuffles; 0: none */
/* R rounds of windows [W x dim] of d's trajectories (train) and one of the
   test trajectories; out owns its arrays (rt_dataset_free). */
int flow_windows(const rt_dataset *d, int W, int R, uint64_t seed, rt_dataset *out, char *err, size_t nerr);
/* prints the measures (flow_eval.c); writes plots into plotdir unless NULL */
int flow_evaluate(Setup *s, const double *theta_d, uint64_t seed, const char *data_dir, int json, const char *plotdir);
#endif
