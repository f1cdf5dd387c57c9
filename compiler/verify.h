/* The model's rules after tracing, and the verifiers between passes. Each
 * returns 0, or 1 with a message in err (see hnnc.h for the convention). */
#ifndef HNNC_VERIFY_H
#define HNNC_VERIFY_H
#include "plan.h"

int verify_model(Graph *g, const char *path, char *err, size_t nerr); /* user errors */
int verify_graph(Graph *g, const char *after, char *err, size_t nerr);
int verify_reach(const Plan *p, const char *after, char *err, size_t nerr);
int verify_plan(const Plan *p, const char *after, char *err, size_t nerr);
#endif
