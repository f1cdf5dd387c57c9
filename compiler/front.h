/* The front end: runs a model file in a sandboxed Lua 5.4 state and traces
 * it into a Graph. */
#ifndef HNNC_FRONT_H
#define HNNC_FRONT_H
#include "ir.h"

typedef struct FrontLimits {
  size_t memory;      /* bytes the Lua state may hold        */
  long instructions;  /* Lua VM instructions the file may run */
} FrontLimits;

/* Returns the traced graph, or NULL with "FILE:LINE: error: ..." in err. */
Graph *front_load(const char *path, const FrontLimits *lim, char *err, size_t nerr);

/* The embedded Lua library (generated from compiler/lib at build time). */
extern const char *const hnnc_lualib[][2]; /* {module name, source}, NULL-terminated */
#endif
