/* The front end's shared state: the sandbox (front.c) runs model files; the
 * bindings (bind.c) turn the Lua calls of hnnc's core module into graph
 * nodes. Internal to the front end. */
#ifndef HNNC_BIND_H
#define HNNC_BIND_H
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "front.h"

typedef struct Front {
  Graph *g;
  lua_State *L;       /* the running thread, for errors */
  const char *path;
  char *chunk;        /* "@path" */
  size_t mem, memcap;
  long instr, instrcap;
  int lastline;       /* last user line seen by the hook */
  int formatted;      /* the error on the stack is final  */
  int tracing;        /* inside hn.fn */
  int dtype_forced;   /* the caller chose the element type */
  int fma_forced;     /* the caller chose mul+add or FMA products */
  FrontOptions opt;   /* as given (zeros if none) */
} Front;

#define TENSOR_MT "hnnc.tensor"

static inline Front *front(lua_State *L) { return *(Front **)lua_getextraspace(L); }

/* Sets the location of new nodes to the user's line (with a note when the
 * code runs in the library) and returns it (front.c). */
int front_where(lua_State *L);

/* Reports a user error at the current line; never returns. */
#define ERR(L, ...) ir_error(front(L)->g, front_where(L), __VA_ARGS__)

/* Enter a binding: remember the thread, set the location for new nodes. */
static inline Graph *enter(lua_State *L) {
  Front *F = front(L);
  F->L = L;
  front_where(L);
  return F->g;
}

/* Registers the core module (registry "hnnc.core") and the tensor
 * metatable in L (bind.c). */
void bind_open(lua_State *L);
#endif
