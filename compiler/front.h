/* The front end: runs a model file in a sandboxed Lua 5.4 state and traces
 * it into a Graph. */
#ifndef HNNC_FRONT_H
#define HNNC_FRONT_H
#include "ir.h"

typedef struct FrontOptions {
  size_t memory;      /* bytes the Lua state may hold (0: 512 MB)             */
  long instructions;  /* Lua VM instructions the file may run (0: 500 million) */
  int dtype;          /* 0: as the model says; 1: double; 2: float (overrides) */
} FrontOptions;

/* Returns the traced graph, or NULL with "FILE:LINE: error: ..." in err. */
Graph *front_load(const char *path, const FrontOptions *lim, char *err, size_t nerr);

/* The embedded Lua library (generated from compiler/lib at build time). */
extern const char *const hnnc_lualib[][2]; /* {module name, source}, NULL-terminated */
#endif
