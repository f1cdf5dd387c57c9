/* The front end: runs a model file in a sandboxed Lua 5.4 state and traces
 * it into a Graph. */
#ifndef HNNC_FRONT_H
#define HNNC_FRONT_H
#include "ir.h"



typedef struct FrontOptions {
  size_t memory;      /* bytes the Lua state may hold (0: 512 MB)             */
  long instructions;  /* Lua VM instructions the file may run (0: 500 million) */
  int dtype;          /* 0: as the model says; 1: double; 2: float (overrides) */
  int fma;            /* 0: as the model says; 1: off; 2: on (overrides)      */
  int data_seed_given;/* hn.data draws its Lua samplers from data_seed, else */
  uint64_t data_seed; /* from the model's seed                              */
  int nested;         /* a system loaded by hn.data: its own hn.data is skipped */
  void (*note)(void *ctx, const char *text); /* receives the model's print(); NULL: dropped */
  void *ctx;
} FrontOptions;

/* The front pass: runs the model file and returns the traced graph (with
 * its derivatives, folded and hash-consed), or NULL with
 * "FILE:LINE: error: ..." in err. */
Graph *front_load(const char *path, const FrontOptions *lim, char *err, size_t nerr);

/* For the hn.data binding (front_data.c): the graph, the model file, the
 * seed of hn.data's samplers, whether this file is a system loaded by
 * another's hn.data; front_data_open adds its functions to the core table
 * on top of the stack. */
struct lua_State;
Graph *front_graph(struct lua_State *L);
const char *front_path(struct lua_State *L);
uint64_t front_data_seed(struct lua_State *L);
int front_nested(struct lua_State *L);
void front_data_open(struct lua_State *L);

/* The embedded Lua library (generated from compiler/lib at build time). */
extern const char *const hnnc_lualib[][2]; /* {module name, source}, NULL-terminated */
#endif
