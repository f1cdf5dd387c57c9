/* The bindings: the functions of hnnc's core module (hn.matmul, hn.grad,
 * hn.param, hn.fn, ...) and the tensor metatable. Each binding checks its
 * arguments, sets the location of new nodes to the user's line (enter) and
 * calls the graph constructors; errors leave through ERR as
 * "FILE:LINE: error: ...". The library's hnnc.lua wraps this module.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"

/* ---- tensors ---- */

/* A tensor in Lua: its node, and the parameter whose gradient hn.grad
 * made it (or -1): an output that is such a tensor is named d_PARAM. Its
 * user value is the name hn.name gave it (or nil), which wins. The node
 * id comes first, so *(int *) of the userdata is the id. */
typedef struct LTensor { int id, dparam; } LTensor;

static void push_named(lua_State *L, int id, int dparam) {
  LTensor *u = lua_newuserdatauv(L, sizeof *u, 1);
  u->id = id, u->dparam = dparam;
  luaL_setmetatable(L, TENSOR_MT);
}
static void push_tensor(lua_State *L, int id) { push_named(L, id, -1); }

static int is_tensor(lua_State *L, int idx) { return luaL_testudata(L, idx, TENSOR_MT) != NULL; }

/* The node of argument idx: a tensor, or a number made a scalar constant. */
static int tensor_arg(lua_State *L, int idx, const char *fname) {
  Graph *g = front(L)->g;
  if (is_tensor(L, idx)) return *(int *)lua_touserdata(L, idx);
  if (lua_type(L, idx) == LUA_TNUMBER) {
    double v = lua_tonumber(L, idx);
    if (!isfinite(v)) ERR(L, "non-finite constant %g in %s", v, fname);
    return ir_scalar(g, v);
  }
  ERR(L, "bad argument #%d to '%s' (tensor expected, got %s)", idx, fname, luaL_typename(L, idx));
}

static int int_arg(lua_State *L, int idx, const char *fname, int lo, int hi) {
  lua_Integer v;
  int ok;
  v = lua_tointegerx(L, idx, &ok);
  if (!ok) ERR(L, "bad argument #%d to '%s' (integer expected, got %s)", idx, fname, luaL_typename(L, idx));
  if (v < lo || v > hi) ERR(L, "bad argument #%d to '%s' (%lld out of range %d..%d)", idx, fname, (long long)v, lo, hi);
  return (int)v;
}

/* A shape: a number n (meaning [n]) or a list of positive integers. */
static Shape shape_arg(lua_State *L, int idx, const char *fname) {
  Shape s;
  int i, n;
  memset(&s, 0, sizeof s);
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TNUMBER) {
    s.rank = 1;
    s.dim[0] = int_arg(L, idx, fname, 1, 1 << 28);
    return s;
  }
  if (!lua_istable(L, idx)) ERR(L, "bad shape in '%s' (number or list of numbers expected, got %s)", fname, luaL_typename(L, idx));
  n = (int)luaL_len(L, idx);
  if (n > IR_MAXRANK) ERR(L, "bad shape in '%s' (rank %d, at most %d)", fname, n, IR_MAXRANK);
  s.rank = n;
  for (i = 0; i < n; i++) {
    lua_geti(L, idx, i + 1);
    s.dim[i] = int_arg(L, -1, fname, 1, 1 << 28);
    lua_pop(L, 1);
  }
  if (shape_size(&s) > IR_MAXELEMS) ERR(L, "shape in '%s' is too large (more than %ld elements)", fname, (long)IR_MAXELEMS);
  return s;
}

/* Fails on keys of the option table at idx that are not in allowed (the
 * alphabetically first unknown key is named, so the message is stable). */
static void check_options(lua_State *L, int idx, const char *fname, const char *const *allowed) {
  const char *bad = NULL;
  char list[256] = "";
  int i;
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      const char *k = lua_tostring(L, -1);
      for (i = 0; allowed[i] && strcmp(allowed[i], k); i++) {}
      if (!allowed[i] && (!bad || strcmp(k, bad) < 0)) bad = k;
    }
  }
  if (bad) {
    for (i = 0; allowed[i]; i++) snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", allowed[i]);
    ERR(L, "unknown option '%s' to %s (expected one of: %s)", bad, fname, list);
  }
}

/* ---- arithmetic metamethods ---- */

static int arith(lua_State *L, int op, const char *name) {
  Graph *g = enter(L);
  int a = tensor_arg(L, 1, name), b = tensor_arg(L, 2, name);
  push_tensor(L, ir_binary(g, op, a, b));
  return 1;
}
static int m_add(lua_State *L) { return arith(L, OP_ADD, "+"); }
static int m_sub(lua_State *L) { return arith(L, OP_SUB, "-"); }
static int m_mul(lua_State *L) { return arith(L, OP_MUL, "*"); }
static int m_div(lua_State *L) { return arith(L, OP_DIV, "/"); }
static int m_unm(lua_State *L) {
  Graph *g = enter(L);
  push_tensor(L, ir_unary(g, OP_NEG, tensor_arg(L, 1, "-")));
  return 1;
}

/* x^c for a constant c: integers by multiplication, halves by sqrt, anything
 * else as exp(c log x); a tensor exponent as exp(y log x). */
static int m_pow(lua_State *L) {
  Graph *g = enter(L);
  int x = tensor_arg(L, 1, "^"), r;
  if (lua_type(L, 2) == LUA_TNUMBER) {
    double c = lua_tonumber(L, 2);
    if (!isfinite(c)) ERR(L, "non-finite exponent");
    if (c == floor(c) && fabs(c) <= 64) r = ir_powi(g, x, (int)c);
    else if (c == 0.5) r = ir_unary(g, OP_SQRT, x);
    else if (c == -0.5) r = ir_binary(g, OP_DIV, ir_scalar(g, 1.0), ir_unary(g, OP_SQRT, x));
    else if (c == 1.5) r = ir_binary(g, OP_MUL, x, ir_unary(g, OP_SQRT, x));
    else if (c == -1.5) r = ir_binary(g, OP_DIV, ir_scalar(g, 1.0), ir_binary(g, OP_MUL, x, ir_unary(g, OP_SQRT, x)));
    else r = ir_unary(g, OP_EXP, ir_binary(g, OP_MUL, ir_scalar(g, c), ir_unary(g, OP_LOG, x)));
  } else {
    int y = tensor_arg(L, 2, "^");
    r = ir_unary(g, OP_EXP, ir_binary(g, OP_MUL, y, ir_unary(g, OP_LOG, x)));
  }
  push_tensor(L, r);
  return 1;
}

static int drop_axis(Graph *g, int x, int axis) {
  Shape s = g->node[x].shape;
  int i;
  for (i = axis; i < s.rank - 1; i++) s.dim[i] = s.dim[i + 1];
  s.dim[--s.rank] = 0;
  return ir_reshape(g, x, s);
}

static int m_index(lua_State *L);
static int m_len(lua_State *L) {
  Graph *g = enter(L);
  int x = tensor_arg(L, 1, "#");
  if (!g->node[x].shape.rank) ERR(L, "length of a scalar tensor");
  lua_pushinteger(L, g->node[x].shape.dim[0]);
  return 1;
}
static int m_tostring(lua_State *L) {
  Graph *g = front(L)->g;
  int x = *(int *)luaL_checkudata(L, 1, TENSOR_MT);
  char buf[64];
  lua_pushfstring(L, "tensor %%%d %s%s", x, shape_str(&g->node[x].shape, buf), g->node[x].batched ? " per-sample" : "");
  return 1;
}

/* ---- primitives ---- */

/* hn.NAME(x) for the unary ops the op table marks OPF_LUA; the op is the
 * closure's upvalue (bind_open registers one closure per row). */
static int l_unary(lua_State *L) {
  Graph *g = enter(L);
  int op = (int)lua_tointeger(L, lua_upvalueindex(1));
  push_tensor(L, ir_unary(g, op, tensor_arg(L, 1, ir_op[op].name)));
  return 1;
}

/* solve(A, b): x = A⁻¹ b for A [m,m] and b [m] or [m,k] (LU with partial
 * pivoting in the generated code; derivatives by the adjoint method). */
static int l_solve(lua_State *L) {
  Graph *g = enter(L);
  int a = tensor_arg(L, 1, "solve"), b = tensor_arg(L, 2, "solve");
  push_tensor(L, ir_solve(g, a, b, 0));
  return 1;
}

static int l_matmul(lua_State *L) {
  Graph *g = enter(L);
  int a = tensor_arg(L, 1, "matmul"), b = tensor_arg(L, 2, "matmul"), r;
  Shape sa = g->node[a].shape, sb = g->node[b].shape, s1, s2;
  if (sa.rank < 1 || sa.rank > 2 || sb.rank < 1 || sb.rank > 2) {
    char b1[64], b2[64];
    ERR(L, "matmul needs vectors or matrices, got %s and %s", shape_str(&sa, b1), shape_str(&sb, b2));
  }
  if (sa.rank == 1 && sb.rank == 1) {
    if (sa.dim[0] != sb.dim[0]) {
      char b1[64], b2[64];
      ERR(L, "matmul: inner dimensions differ (%s times %s)", shape_str(&sa, b1), shape_str(&sb, b2));
    }
    push_tensor(L, ir_sum_all(g, ir_binary(g, OP_MUL, a, b)));
    return 1;
  }
  memset(&s1, 0, sizeof s1);
  memset(&s2, 0, sizeof s2);
  if (sa.rank == 1) { /* row vector times matrix */
    s1.rank = 2, s1.dim[0] = 1, s1.dim[1] = sa.dim[0];
    r = ir_matmul(g, ir_reshape(g, a, s1), b, 0, 0);
    s2.rank = 1, s2.dim[0] = g->node[r].shape.dim[1];
    r = ir_reshape(g, r, s2);
  } else if (sb.rank == 1) { /* matrix times column vector: (bᵀ Aᵀ)ᵀ keeps a per-sample b on the left */
    s1.rank = 2, s1.dim[0] = 1, s1.dim[1] = sb.dim[0];
    if (sa.dim[1] != sb.dim[0]) {
      char b1[64], b2[64];
      ERR(L, "matmul: inner dimensions differ (%s times %s)", shape_str(&sa, b1), shape_str(&sb, b2));
    }
    r = ir_matmul(g, ir_reshape(g, b, s1), a, 0, 1);
    s2.rank = 1, s2.dim[0] = sa.dim[0];
    r = ir_reshape(g, r, s2);
  } else
    r = ir_matmul(g, a, b, 0, 0);
  push_tensor(L, r);
  return 1;
}

static int l_transpose(lua_State *L) {
  Graph *g = enter(L);
  push_tensor(L, ir_transpose(g, tensor_arg(L, 1, "transpose")));
  return 1;
}

/* sum(x) over all elements, or sum(x, axis) over one (1-based). */
static int reduce(lua_State *L, int mean, const char *name) {
  Graph *g = enter(L);
  int x = tensor_arg(L, 1, name), r;
  long count;
  if (lua_isnoneornil(L, 2)) {
    count = shape_size(&g->node[x].shape);
    r = ir_sum_all(g, x);
  } else {
    int axis = int_arg(L, 2, name, 1, g->node[x].shape.rank > 0 ? g->node[x].shape.rank : 1) - 1;
    if (!g->node[x].shape.rank) ERR(L, "%s over an axis of a scalar", name);
    count = g->node[x].shape.dim[axis];
    r = ir_sum(g, x, axis);
  }
  if (mean) r = ir_binary(g, OP_DIV, r, ir_scalar(g, (double)count));
  push_tensor(L, r);
  return 1;
}
static int l_sum(lua_State *L) { return reduce(L, 0, "sum"); }
static int l_mean(lua_State *L) { return reduce(L, 1, "mean"); }

static int l_dot(lua_State *L) {
  Graph *g = enter(L);
  int a = tensor_arg(L, 1, "dot"), b = tensor_arg(L, 2, "dot");
  push_tensor(L, ir_sum_all(g, ir_binary(g, OP_MUL, a, b)));
  return 1;
}

static int as_vector(Graph *g, int x) { /* scalars concatenate as [1] */
  Shape s;
  if (g->node[x].shape.rank) return x;
  memset(&s, 0, sizeof s);
  s.rank = 1, s.dim[0] = 1;
  return ir_reshape(g, x, s);
}

static int l_concat(lua_State *L) {
  Graph *g = enter(L);
  int n, i, axis, *xs, r;
  if (!lua_istable(L, 1)) ERR(L, "bad argument #1 to 'concat' (list of tensors expected, got %s)", luaL_typename(L, 1));
  axis = lua_isnoneornil(L, 2) ? 0 : int_arg(L, 2, "concat", 1, IR_MAXRANK) - 1;
  lua_settop(L, 1);
  n = (int)luaL_len(L, 1);
  if (n < 1) ERR(L, "concat of an empty list");
  xs = lua_newuserdatauv(L, n * sizeof *xs, 0); /* freed by Lua's GC, even on error */
  for (i = 0; i < n; i++) {
    lua_geti(L, 1, i + 1);
    xs[i] = as_vector(g, tensor_arg(L, lua_gettop(L), "concat"));
    lua_pop(L, 1);
  }
  r = ir_concat(g, xs, n, axis);
  push_tensor(L, r);
  return 1;
}

/* split(x, k [, axis]) into k equal parts, or split(x, {n1, n2, ...}). */
static int l_split(lua_State *L) {
  Graph *g = enter(L);
  int x = tensor_arg(L, 1, "split"), axis, len, k, i, off = 0;
  axis = lua_isnoneornil(L, 3) ? 0 : int_arg(L, 3, "split", 1, IR_MAXRANK) - 1;
  if (axis >= g->node[x].shape.rank) ERR(L, "split: axis %d out of range", axis + 1);
  len = g->node[x].shape.dim[axis];
  if (lua_istable(L, 2)) {
    k = (int)luaL_len(L, 2);
    luaL_checkstack(L, k, "split");
    for (i = 0; i < k; i++) {
      int n;
      lua_geti(L, 2, i + 1);
      n = int_arg(L, -1, "split", 1, len);
      lua_pop(L, 1);
      if (off + n > len) ERR(L, "split: sizes add up to more than %d", len);
      push_tensor(L, ir_slice(g, x, axis, off, n));
      off += n;
    }
    if (off != len) ERR(L, "split: sizes add up to %d, not %d", off, len);
    return k;
  }
  k = int_arg(L, 2, "split", 1, len);
  if (len % k) ERR(L, "split: %d elements do not split into %d equal parts", len, k);
  luaL_checkstack(L, k, "split");
  for (i = 0; i < k; i++) push_tensor(L, ir_slice(g, x, axis, i * (len / k), len / k));
  return k;
}

/* slice(x, i, j [, axis]): elements i..j (1-based, inclusive). */
static int l_slice(lua_State *L) {
  Graph *g = enter(L);
  int x = tensor_arg(L, 1, "slice"), axis, i, j, len;
  axis = lua_isnoneornil(L, 4) ? 0 : int_arg(L, 4, "slice", 1, IR_MAXRANK) - 1;
  if (axis >= g->node[x].shape.rank) ERR(L, "slice: axis %d out of range", axis + 1);
  len = g->node[x].shape.dim[axis];
  i = int_arg(L, 2, "slice", 1, len);
  j = int_arg(L, 3, "slice", i, len);
  push_tensor(L, ir_slice(g, x, axis, i - 1, j - i + 1));
  return 1;
}

/* expand(x, axis, len): a new axis of length len at position axis (1-based,
 * up to rank + 1), the values copied along it: expand(b, 1, T) turns a row
 * b [k] into T equal rows [T, k]. */
static int l_expand(lua_State *L) {
  Graph *g = enter(L);
  int x = tensor_arg(L, 1, "expand"), rank = g->node[x].shape.rank, axis, len;
  if (rank == IR_MAXRANK) ERR(L, "expand: the tensor has rank %d already", IR_MAXRANK);
  axis = int_arg(L, 2, "expand", 1, rank + 1) - 1;
  len = int_arg(L, 3, "expand", 1, 1 << 28);
  if (shape_size(&g->node[x].shape) * (long)len > IR_MAXELEMS) ERR(L, "expand: the result is too large");
  push_tensor(L, ir_expand(g, x, axis, len));
  return 1;
}

static int l_reshape(lua_State *L) {
  Graph *g = enter(L);
  int x = tensor_arg(L, 1, "reshape");
  push_tensor(L, ir_reshape(g, x, shape_arg(L, 2, "reshape")));
  return 1;
}

/* x[i]: the i-th entry along the first axis. */
static int m_index(lua_State *L) {
  Graph *g;
  int x, i;
  if (lua_type(L, 2) == LUA_TSTRING) { /* methods */
    lua_getfield(L, lua_upvalueindex(1), lua_tostring(L, 2));
    if (lua_isnil(L, -1)) {
      g = enter(L);
      ERR(L, "tensors have no field '%s'", lua_tostring(L, 2));
    }
    return 1;
  }
  g = enter(L);
  x = tensor_arg(L, 1, "[]");
  if (!g->node[x].shape.rank) ERR(L, "cannot index a scalar tensor");
  i = int_arg(L, 2, "[]", 1, g->node[x].shape.dim[0]);
  push_tensor(L, drop_axis(g, ir_slice(g, x, 0, i - 1, 1), 0));
  return 1;
}

static int l_shape(lua_State *L) {
  Graph *g = enter(L);
  int x = tensor_arg(L, 1, "shape"), i;
  lua_createtable(L, g->node[x].shape.rank, 0);
  for (i = 0; i < g->node[x].shape.rank; i++) {
    lua_pushinteger(L, g->node[x].shape.dim[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}
static int l_size(lua_State *L) {
  Graph *g = enter(L);
  lua_pushinteger(L, shape_size(&g->node[tensor_arg(L, 1, "size")].shape));
  return 1;
}

/* Constants: const(number) or const(nested list) for a tensor. */
static void nested_shape(lua_State *L, int idx, Shape *s, int depth) {
  int n = (int)luaL_len(L, idx);
  if (depth >= IR_MAXRANK) ERR(L, "constant nested deeper than rank %d", IR_MAXRANK);
  if (n < 1) ERR(L, "empty list in a constant");
  s->dim[depth] = n;
  s->rank = depth + 1;
  lua_geti(L, idx, 1);
  if (lua_istable(L, -1)) nested_shape(L, lua_gettop(L), s, depth + 1);
  lua_pop(L, 1);
}
static void nested_fill(lua_State *L, int idx, const Shape *s, int depth, double *out, long *k) {
  int i;
  if ((int)luaL_len(L, idx) != s->dim[depth]) ERR(L, "ragged constant: rows of different lengths");
  for (i = 1; i <= s->dim[depth]; i++) {
    lua_geti(L, idx, i);
    if (depth + 1 < s->rank) {
      if (!lua_istable(L, -1)) ERR(L, "ragged constant: expected a list at depth %d", depth + 2);
      nested_fill(L, lua_gettop(L), s, depth + 1, out, k);
    } else {
      if (lua_type(L, -1) != LUA_TNUMBER) ERR(L, "constant entries must be numbers, got %s", luaL_typename(L, -1));
      out[(*k)++] = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
  }
}
static int l_const(lua_State *L) {
  Graph *g = enter(L);
  Shape s;
  double *data;
  long k = 0;
  if (lua_type(L, 1) == LUA_TNUMBER) {
    push_tensor(L, tensor_arg(L, 1, "const"));
    return 1;
  }
  luaL_checktype(L, 1, LUA_TTABLE);
  memset(&s, 0, sizeof s);
  nested_shape(L, 1, &s, 0);
  if (shape_size(&s) > (1 << 24)) ERR(L, "constant tensor too large");
  data = lua_newuserdatauv(L, shape_size(&s) * sizeof *data, 0);
  nested_fill(L, 1, &s, 0, data, &k);
  push_tensor(L, ir_tensor(g, data, s));
  return 1;
}
static int fill(lua_State *L, double v, const char *name) {
  Graph *g = enter(L);
  push_tensor(L, ir_const(g, v, shape_arg(L, 1, name), 0));
  return 1;
}
static int l_zeros(lua_State *L) { return fill(L, 0.0, "zeros"); }
static int l_ones(lua_State *L) { return fill(L, 1.0, "ones"); }

static int l_batch_sum(lua_State *L) {
  Graph *g = enter(L);
  push_tensor(L, ir_bsum(g, tensor_arg(L, 1, "batch_sum")));
  return 1;
}
static int l_batch_mean(lua_State *L) {
  Graph *g = enter(L);
  int x = tensor_arg(L, 1, "batch_mean");
  push_tensor(L, ir_binary(g, OP_DIV, ir_bsum(g, x), ir_nbatch(g)));
  return 1;
}

/* Tensors of a wrt argument: one tensor, or a list. Returns the count. */
static int wrt_list(lua_State *L, int idx, int **out, const char *name) {
  int n, i;
  if (is_tensor(L, idx)) {
    *out = lua_newuserdatauv(L, sizeof(int), 0);
    (*out)[0] = *(int *)lua_touserdata(L, idx);
    return 1; /* the buffer stays on the stack until the binding returns */
  }
  if (!lua_istable(L, idx)) ERR(L, "bad argument #%d to '%s' (tensor or list of tensors expected)", idx, name);
  n = (int)luaL_len(L, idx);
  if (n < 1) ERR(L, "%s with respect to an empty list", name);
  *out = lua_newuserdatauv(L, n * sizeof(int), 0);
  for (i = 0; i < n; i++) {
    lua_geti(L, idx, i + 1);
    if (!is_tensor(L, -1)) ERR(L, "%s: entry %d of the list is not a tensor", name, i + 1);
    (*out)[i] = *(int *)lua_touserdata(L, -1);
    lua_pop(L, 1);
  }
  return n;
}

/* The results r[0..n-1] (a list if list); the gradient of a parameter
 * wrt[i] carries its name (dparam). */
static void push_results(lua_State *L, int list, const int *r, int n, const int *wrt, int named) {
  Graph *g = front(L)->g;
  int i;
  if (!list) n = 1;
  else lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) {
    push_named(L, r[i], named && g->node[wrt[i]].op == OP_PARAM ? g->node[wrt[i]].a[0] : -1);
    if (list) lua_rawseti(L, -2, i + 1);
  }
}

/* gradient(y, wrt): y a scalar; wrt a tensor or a list of tensors. */
static int l_gradient(lua_State *L) {
  Graph *g = enter(L);
  int y, *wrt, *res, n, i;
  char buf[64];
  lua_settop(L, 2);
  y = tensor_arg(L, 1, "grad");
  if (g->node[y].shape.rank) ERR(L, "grad needs a scalar, got shape %s (use hn.vjp or hn.jacobian)", shape_str(&g->node[y].shape, buf));
  n = wrt_list(L, 2, &wrt, "grad");
  for (i = 0; i < n; i++)
    if (g->node[y].batched && !g->node[wrt[i]].batched)
      ERR(L, "grad of a per-sample value with respect to a shared tensor (a parameter): reduce over the batch first with hn.batch_mean or hn.batch_sum");
  res = lua_newuserdatauv(L, n * sizeof(int), 0);
  ad_vjp(g, y, ir_scalar(g, 1.0), wrt, n, res);
  push_results(L, !is_tensor(L, 2), res, n, wrt, 1);
  return 1;
}

/* vjp(y, wrt, v): vᵀ ∂y/∂wrt. */
static int l_vjp(lua_State *L) {
  Graph *g = enter(L);
  int y, *wrt, *res, n, v, i;
  char b1[64], b2[64];
  lua_settop(L, 3);
  y = tensor_arg(L, 1, "vjp");
  n = wrt_list(L, 2, &wrt, "vjp");
  v = tensor_arg(L, 3, "vjp");
  if (!shape_equal(&g->node[v].shape, &g->node[y].shape))
    ERR(L, "vjp: the cotangent has shape %s, the value %s", shape_str(&g->node[v].shape, b1), shape_str(&g->node[y].shape, b2));
  for (i = 0; i < n; i++)
    if ((g->node[y].batched || g->node[v].batched) && !g->node[wrt[i]].batched)
      ERR(L, "vjp of a per-sample value with respect to a shared tensor: reduce over the batch first");
  res = lua_newuserdatauv(L, n * sizeof(int), 0);
  ad_vjp(g, y, v, wrt, n, res);
  push_results(L, !is_tensor(L, 2), res, n, wrt, 0);
  return 1;
}

/* jvp(y, wrt, t): ∂y/∂wrt · t (t a tensor, or a list matching wrt). */
static int l_jvp(lua_State *L) {
  Graph *g = enter(L);
  int y, *wrt, *tan, n, m, i;
  char b1[64], b2[64];
  lua_settop(L, 3);
  y = tensor_arg(L, 1, "jvp");
  n = wrt_list(L, 2, &wrt, "jvp");
  m = wrt_list(L, 3, &tan, "jvp");
  if (m != n) ERR(L, "jvp: %d tangents for %d tensors", m, n);
  for (i = 0; i < n; i++)
    if (!shape_equal(&g->node[wrt[i]].shape, &g->node[tan[i]].shape))
      ERR(L, "jvp: tangent %d has shape %s, its tensor %s", i + 1, shape_str(&g->node[tan[i]].shape, b1),
          shape_str(&g->node[wrt[i]].shape, b2));
  push_tensor(L, ad_jvp(g, y, wrt, tan, n));
  return 1;
}

/* ---- parameters, functions, model options ---- */

static const char *const param_options[] = {"shape", "init", "name", "mean", "std", "lo", "hi", "gain", "fan_in", NULL};
static const char *const inits[] = {"zeros", "ones", "normal", "uniform", "glorot", "orthogonal", "torch", NULL};

static double num_option(lua_State *L, int idx, const char *key, double dflt) {
  double v;
  lua_getfield(L, idx, key);
  if (lua_isnil(L, -1)) { lua_pop(L, 1); return dflt; }
  if (lua_type(L, -1) != LUA_TNUMBER) ERR(L, "option '%s' must be a number, got %s", key, luaL_typename(L, -1));
  v = lua_tonumber(L, -1);
  lua_pop(L, 1);
  if (!isfinite(v)) ERR(L, "option '%s' is not finite", key);
  return v;
}

/* param{shape = {2, 200}, init = "orthogonal", name = "W1", ...} */
static int l_param(lua_State *L) {
  Graph *g = enter(L);
  Param *p;
  Shape s;
  const char *init, *name;
  char auto_name[32];
  int i;
  luaL_checktype(L, 1, LUA_TTABLE);
  check_options(L, 1, "param", param_options);
  if (front(L)->tracing) ERR(L, "parameters must be declared outside hn.fn");
  lua_getfield(L, 1, "shape");
  if (lua_isnil(L, -1)) ERR(L, "param needs a shape, e.g. hn.param{shape = {2, 200}, init = \"glorot\"}");
  s = shape_arg(L, -1, "param");
  lua_pop(L, 1);
  lua_getfield(L, 1, "init");
  init = lua_isnil(L, -1) ? "zeros" : lua_tostring(L, -1);
  if (!init) ERR(L, "option 'init' must be a string");
  for (i = 0; inits[i] && strcmp(inits[i], init); i++) {}
  if (!inits[i]) ERR(L, "unknown initializer '%s' (expected zeros, ones, normal, uniform, glorot, orthogonal or torch)", init);
  if (!strcmp(init, "orthogonal") && s.rank != 2) ERR(L, "orthogonal init needs a matrix shape");
  lua_getfield(L, 1, "name");
  if (lua_isnil(L, -1)) { snprintf(auto_name, sizeof auto_name, "p%d", g->nparam); name = auto_name; }
  else if (!(name = lua_tostring(L, -1))) ERR(L, "option 'name' must be a string");
  for (i = 0; i < g->nparam; i++)
    if (!strcmp(g->param[i].name, name)) ERR(L, "a parameter named '%s' already exists", name);
  if (g->nparams_total + shape_size(&s) > IR_MAXELEMS) ERR(L, "parameters too large (more than %ld in all)", (long)IR_MAXELEMS);
  g->param = xrealloc(g->param, (g->nparam + 1) * sizeof *g->param);
  p = &g->param[g->nparam];
  memset(p, 0, sizeof *p);
  p->name = xstrdup(name);
  lua_pop(L, 2);
  p->shape = s;
  p->offset = g->nparams_total;
  p->loc = g->curloc;
  snprintf(p->init, sizeof p->init, "%s", init);
  if (!strcmp(init, "normal")) p->arg[0] = num_option(L, 1, "mean", 0), p->arg[1] = num_option(L, 1, "std", 1);
  if (!strcmp(init, "uniform")) p->arg[0] = num_option(L, 1, "lo", -1), p->arg[1] = num_option(L, 1, "hi", 1);
  if (!strcmp(init, "orthogonal") || !strcmp(init, "glorot")) p->arg[0] = num_option(L, 1, "gain", 1);
  if (!strcmp(init, "torch")) p->arg[0] = num_option(L, 1, "fan_in", s.rank ? s.dim[0] : 1);
  if (p->arg[0] <= 0 && !strcmp(init, "torch")) ERR(L, "option 'fan_in' must be positive");
  g->nparams_total += shape_size(&s);
  p->node = ir_param(g, g->nparam++);
  push_tensor(L, p->node);
  return 1;
}

static int l_params(lua_State *L) {
  Graph *g = enter(L);
  int i;
  lua_createtable(L, g->nparam, 0);
  for (i = 0; i < g->nparam; i++) {
    push_tensor(L, g->param[i].node);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

static int valid_ident(const char *s) {
  if (!*s || isdigit((unsigned char)*s)) return 0;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_') return 0;
  return 1;
}

/* name(x, "loss"): x, named: as an output of hn.fn it is out_loss in the
 * generated C (instead of out_y0, or out_d_PARAM for a gradient). */
static int l_name(lua_State *L) {
  Graph *g = enter(L);
  int x = tensor_arg(L, 1, "name");
  const char *s = lua_tostring(L, 2);
  (void)g;
  if (!s || !valid_ident(s)) ERR(L, "hn.name: the name must be a C identifier (letters, digits, _), e.g. \"loss\"");
  push_named(L, x, -1);
  lua_pushvalue(L, 2);
  lua_setiuservalue(L, -2, 1);
  return 1;
}

/* A function of per-sample inputs returns a shared value only where the
 * value is a sum over the batch, or is computed from one (a loss), or is a
 * parameter's gradient (a sum over the samples by nature, zero or not).
 * Anything else that came out shared, a value that folding made constant
 * (x ^ 0) or a parameter returned as it is, is per sample in meaning: it
 * is broadcast, so every sample gets its row. */
static int per_sample(Graph *g, const Func *f, int y) {
  int i, r;
  char *reduced;
  if (!f->nin || g->node[y].batched) return y; /* no inputs: all is shared */
  reduced = xmalloc(y + 1);
  for (i = 0; i <= y; i++) {
    const Node *n = &g->node[i];
    const int *in = IR_IN(g, i);
    int k;
    reduced[i] = (ir_op[n->op].flags & OPF_REDUCE) != 0;
    for (k = 0; k < n->nin && !reduced[i]; k++) reduced[i] = reduced[in[k]];
  }
  r = reduced[y];
  free(reduced);
  return r ? y : ir_bcast(g, y);
}

static void add_output(Func *f, int id, char *name) {
  f->out = xrealloc(f->out, (f->nout + 1) * sizeof *f->out);
  f->outname = xrealloc(f->outname, (f->nout + 1) * sizeof *f->outname);
  f->out[f->nout] = id, f->outname[f->nout++] = name;
}

/* Collects the results of a traced function (tensors or lists of them);
 * the gradient of a parameter is named d_PARAM, others later y0, y1, ... */
static void collect(lua_State *L, int idx, Func *f) {
  Graph *g = front(L)->g;
  int n, i;
  if (is_tensor(L, idx)) {
    const LTensor *t = lua_touserdata(L, idx);
    char *name = NULL;
    if (lua_getiuservalue(L, idx, 1) == LUA_TSTRING) { /* hn.name's */
      name = xstrdup(lua_tostring(L, -1));
      for (i = 0; i < f->nout; i++)
        if (f->outname[i] && !strcmp(f->outname[i], name))
          free(name), ERR(L, "function '%s' has two outputs named '%s'", f->name, lua_tostring(L, -1));
    }
    lua_pop(L, 1);
    if (!name && t->dparam >= 0) {
      char *id = ir_c_ident(g->param[t->dparam].name);
      name = text_fmt("d_%s", id);
      free(id);
    }
    for (i = 0; name && i < f->nout; i++)
      if (f->outname[i] && !strcmp(f->outname[i], name)) free(name), name = NULL; /* returned twice */
    add_output(f, t->dparam >= 0 ? t->id : per_sample(g, f, t->id), name);
    return;
  }
  if (lua_type(L, idx) == LUA_TNUMBER) {
    add_output(f, per_sample(g, f, tensor_arg(L, idx, "fn")), NULL);
    return;
  }
  if (!lua_istable(L, idx)) ERR(L, "function '%s' returned a %s; return tensors or lists of tensors", f->name, luaL_typename(L, idx));
  n = (int)luaL_len(L, idx);
  for (i = 1; i <= n; i++) {
    lua_geti(L, idx, i);
    collect(L, lua_gettop(L), f);
    lua_pop(L, 1);
  }
}

/* fn(name, {x = 2, xdot = {2}}, function(x, xdot) ... end): traces a
 * function to compile. Input order is the Lua function's parameter order. */
/* an input of size 0 (or less) is named, rather than reported as "bad
   argument #5 to 'fn'": the shape on the top of the stack */
static void zero_dim_check(lua_State *L, const char *input, const char *fname) {
  int i, n = lua_istable(L, -1) ? (int)luaL_len(L, -1) : 0;
  if (lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) < 1)
    ERR(L, "input '%s' of '%s' has size %g: every dimension must be at least 1", input, fname, lua_tonumber(L, -1));
  for (i = 1; i <= n && i <= IR_MAXRANK; i++) {
    lua_geti(L, -1, i);
    if (lua_type(L, -1) == LUA_TNUMBER && lua_tonumber(L, -1) < 1)
      ERR(L, "input '%s' of '%s' has size %g in dimension %d: every dimension must be at least 1", input, fname,
          lua_tonumber(L, -1), i);
    lua_pop(L, 1);
  }
}

/* fn's options (argument 4): {cold = true} for functions only diagnostics
 * call (a flow's Jacobians): gcc compiles them for size, in a fraction of
 * the time, with the same bits. */
static int fn_cold(lua_State *L, const char *name) {
  const char *stray = NULL;
  if (lua_isnoneornil(L, 4)) return 0;
  if (!lua_istable(L, 4)) ERR(L, "bad argument #4 to 'fn' (table of options expected, got %s)", luaL_typename(L, 4));
  lua_pushnil(L);
  while (lua_next(L, 4)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING || strcmp(lua_tostring(L, -1), "cold")) {
      const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
      if (!stray || strcmp(k, stray) < 0) stray = k;
    }
  }
  if (stray) ERR(L, "unknown option '%s' to fn '%s' (expected: cold)", stray, name);
  lua_getfield(L, 4, "cold");
  if (!lua_isnil(L, -1) && !lua_isboolean(L, -1)) ERR(L, "fn '%s': cold must be true or false", name);
  return lua_toboolean(L, -1);
}

static int l_fn(lua_State *L) {
  Graph *g = enter(L);
  Front *F = front(L);
  const char *name = luaL_checkstring(L, 1);
  lua_Debug ar;
  Func *f;
  int i, nparams, base, top, declloc = g->curloc, cold;
  if (F->tracing) ERR(L, "hn.fn cannot be called inside another hn.fn");
  if (!valid_ident(name)) ERR(L, "function name '%s' is not a C identifier", name);
  for (i = 0; i < g->nfunc; i++)
    if (!strcmp(g->func[i].name, name)) ERR(L, "function '%s' is declared twice", name);
  if (!lua_istable(L, 2)) ERR(L, "bad argument #2 to 'fn' (table of input shapes expected, got %s)", luaL_typename(L, 2));
  if (lua_type(L, 3) != LUA_TFUNCTION) ERR(L, "bad argument #3 to 'fn' (function expected, got %s)", luaL_typename(L, 3));
  cold = fn_cold(L, name);
  lua_settop(L, 3);
  lua_pushvalue(L, 3);
  lua_getinfo(L, ">u", &ar);
  nparams = ar.nparams;
  if (ar.isvararg) ERR(L, "the function of '%s' must name its inputs (no ...)", name);
  g->func = xrealloc(g->func, (g->nfunc + 1) * sizeof *g->func);
  f = &g->func[g->nfunc];
  memset(f, 0, sizeof *f);
  f->name = xstrdup(name);
  f->loc = declloc;
  f->cold = cold;
  f->in = xmalloc((nparams + 1) * sizeof *f->in);
  g->nfunc++; /* from here on the graph owns f */
  /* every key of the shape table must be an input (the alphabetically first
   * stray key is named, so the message does not depend on pairs order) */
  {
    const char *stray = NULL;
    lua_pushnil(L);
    while (lua_next(L, 2)) {
      const char *k;
      int found = 0;
      lua_pop(L, 1);
      if (lua_type(L, -1) != LUA_TSTRING) ERR(L, "input shapes of '%s' must be keyed by input name", name);
      k = lua_tostring(L, -1);
      lua_pushvalue(L, 3);
      for (i = 1; i <= nparams; i++) found |= !strcmp(lua_getlocal(L, NULL, i), k);
      lua_pop(L, 1);
      if (!found && (!stray || strcmp(k, stray) < 0)) stray = k;
    }
    if (stray) ERR(L, "'%s' has no input named '%s'", name, stray);
  }
  base = lua_gettop(L);
  lua_pushvalue(L, 3);
  for (i = 1; i <= nparams; i++) {
    const char *pname;
    lua_pushvalue(L, 3);
    pname = lua_getlocal(L, NULL, i);
    lua_pop(L, 1);
    f->in[i - 1].name = xstrdup(pname);
    f->nin = i;
    lua_getfield(L, 2, pname);
    if (lua_isnil(L, -1)) ERR(L, "no shape given for input '%s' of '%s'", pname, name);
    zero_dim_check(L, pname, name);
    f->in[i - 1].shape = shape_arg(L, -1, "fn");
    lua_pop(L, 1);
    g->nfunc--; /* inputs are numbered within their function */
    f->in[i - 1].node = ir_input(g, i - 1, f->in[i - 1].shape);
    g->nfunc++;
    push_tensor(L, f->in[i - 1].node);
  }
  F->tracing = 1;
  lua_call(L, nparams, LUA_MULTRET);
  F->tracing = 0;
  g->curloc = declloc;
  top = lua_gettop(L);
  for (i = base + 1; i <= top; i++) collect(L, i, f);
  if (!f->nout) ERR(L, "function '%s' returns no tensor", name);
  for (i = 0; i < f->nout; i++)
    if (!f->outname[i]) f->outname[i] = text_fmt("y%d", i);
  return 0;
}

/* where(): "FILE:LINE" of the user's line running now (a layer library
 * records it when a layer is built, to name it in later messages). */
static int l_where(lua_State *L) {
  Graph *g = enter(L);
  const char *w = g->loc[g->curloc], *nl = strchr(w, '\n');
  lua_pushlstring(L, w, nl ? (size_t)(nl - w) : strlen(w));
  return 1;
}

/* note(key, text): a line "key text" the model hands to the tools (the flow
 * library describes its layers this way for `hnnc check`). Neither key nor
 * text may contain a newline; the key no blank. */
static int l_note(lua_State *L) {
  Graph *g = enter(L);
  const char *k = luaL_checkstring(L, 1), *t = luaL_checkstring(L, 2);
  size_t lk = strlen(k), lt = strlen(t), old = g->notes ? strlen(g->notes) : 0;
  if (!lk || strpbrk(k, " \t\n") || strchr(t, '\n')) ERR(L, "note: the key must be one word and the text one line");
  g->notes = xrealloc(g->notes, old + lk + lt + 3);
  sprintf(g->notes + old, "%s %s\n", k, t);
  return 0;
}

static const char *const train_options[] = {"steps", "lr", "weight_decay", "batch", "schedule",
                                            "decay_steps", "gamma", "min_lr", NULL};

/* train{steps = 2001, lr = 1e-3, weight_decay = 1e-4, batch = 0}: how
 * `hnnc train` trains this model (on its hn.data set; hnnc.lua turns the
 * shorthand task = "...", system = "..." into hnnc.tasks' declaration). */
static int l_train(lua_State *L) {
  Graph *g = enter(L);
  TrainSpec *t = &g->train;
  const char *s;
  luaL_checktype(L, 1, LUA_TTABLE);
  check_options(L, 1, "train", train_options);
  if (t->present) ERR(L, "hn.train is given twice");
  memset(t, 0, sizeof *t);
  t->present = 1, t->loc = g->curloc;
  t->steps = (long)num_option(L, 1, "steps", 2001);
  t->lr = num_option(L, 1, "lr", 1e-3);
  t->weight_decay = num_option(L, 1, "weight_decay", 0);
  t->batch = (long)num_option(L, 1, "batch", 0);
  if (t->steps < 0 || t->lr <= 0 || t->weight_decay < 0 || t->batch < 0)
    ERR(L, "hn.train: steps, batch and weight_decay must be >= 0 and lr > 0");
  lua_getfield(L, 1, "schedule");
  s = lua_isnil(L, -1) ? "constant" : lua_tostring(L, -1);
  if (!s || (strcmp(s, "constant") && strcmp(s, "cosine") && strcmp(s, "step") && strcmp(s, "exponential")))
    ERR(L, "unknown schedule '%s' (expected constant, cosine, step or exponential)", s ? s : "?");
  snprintf(t->schedule, sizeof t->schedule, "%s", s);
  t->decay_steps = (long)num_option(L, 1, "decay_steps", 0);
  t->gamma = num_option(L, 1, "gamma", !strcmp(s, "step") ? 0.1 : !strcmp(s, "exponential") ? 0.999 : 1);
  t->min_lr = num_option(L, 1, "min_lr", 0);
  if (t->decay_steps < 0 || !(t->gamma > 0) || t->gamma > 1 || t->min_lr < 0 || t->min_lr > t->lr)
    ERR(L, "hn.train: need decay_steps >= 0, 0 < gamma <= 1 and 0 <= min_lr <= lr");
  if (!strcmp(s, "step") && t->decay_steps == 0) ERR(L, "hn.train: schedule \"step\" needs decay_steps");
  return 0;
}

static const char *const model_options[] = {"name", "dtype", "seed", "fma", NULL};

/* model{name = "pendulum_hnn", dtype = "double", seed = 0, fma = false} */
static int l_model(lua_State *L) {
  Graph *g = enter(L);
  const char *s;
  luaL_checktype(L, 1, LUA_TTABLE);
  check_options(L, 1, "model", model_options);
  if (g->nnode) ERR(L, "hn.model must come before any parameter, constant or function");
  if (g->data.present) ERR(L, "hn.model must come before hn.data (its seed draws the data)");
  lua_getfield(L, 1, "name");
  if (!lua_isnil(L, -1)) {
    if (!(s = lua_tostring(L, -1)) || !valid_ident(s)) ERR(L, "model name must be a C identifier");
    free(g->name);
    g->name = xstrdup(s);
  }
  lua_getfield(L, 1, "dtype");
  if (!lua_isnil(L, -1)) {
    s = lua_tostring(L, -1);
    if (!s || (strcmp(s, "double") && strcmp(s, "float"))) ERR(L, "dtype must be \"double\" or \"float\"");
    if (!front(L)->dtype_forced) g->is_float = !strcmp(s, "float");
  }
  lua_getfield(L, 1, "seed");
  if (!lua_isnil(L, -1)) g->seed = (uint64_t)int_arg(L, -1, "model", 0, 0x7fffffff);
  lua_getfield(L, 1, "fma");
  if (!lua_isnil(L, -1)) {
    if (!lua_isboolean(L, -1)) ERR(L, "fma must be true or false");
    if (!front(L)->fma_forced) g->fma = lua_toboolean(L, -1);
  }
  return 0;
}

static const luaL_Reg core_funcs[] = {
    {"matmul", l_matmul}, {"solve", l_solve}, {"transpose", l_transpose}, {"sum", l_sum}, {"mean", l_mean},
    {"dot", l_dot}, {"concat", l_concat}, {"split", l_split}, {"slice", l_slice}, {"reshape", l_reshape}, {"expand", l_expand},
    {"const", l_const}, {"zeros", l_zeros}, {"ones", l_ones}, {"batch_sum", l_batch_sum},
    {"batch_mean", l_batch_mean}, {"gradient", l_gradient}, {"vjp", l_vjp}, {"jvp", l_jvp},
    {"param", l_param}, {"params", l_params}, {"fn", l_fn}, {"model", l_model}, {"train", l_train},
    {"shape", l_shape}, {"size", l_size}, {"where", l_where}, {"note", l_note},
    {"name", l_name}, {NULL, NULL}};

static const luaL_Reg tensor_meta[] = {
    {"__add", m_add}, {"__sub", m_sub}, {"__mul", m_mul}, {"__div", m_div}, {"__pow", m_pow},
    {"__unm", m_unm}, {"__len", m_len}, {"__tostring", m_tostring}, {NULL, NULL}};


void bind_open(lua_State *L) {
  int i;
  /* the core module: C primitives; the library's hnnc.lua wraps it */
  luaL_newlib(L, core_funcs);
  for (i = 0; i < OP_COUNT; i++) /* the unary functions of the op table */
    if (ir_op[i].flags & OPF_LUA) {
      lua_pushinteger(L, i);
      lua_pushcclosure(L, l_unary, 1);
      lua_setfield(L, -2, ir_op[i].name);
    }
  front_data_open(L);
  lua_setfield(L, LUA_REGISTRYINDEX, "hnnc.core");
  luaL_newmetatable(L, TENSOR_MT);
  luaL_setfuncs(L, tensor_meta, 0);
  lua_newtable(L); /* methods, an upvalue of __index */
  lua_getfield(L, LUA_REGISTRYINDEX, "hnnc.core");
  {
    static const char *const methods[] = {"shape", "size", "sum", "mean", "reshape", "transpose", "slice", "split", NULL};
    for (i = 0; methods[i]; i++) {
      lua_getfield(L, -1, methods[i]);
      lua_setfield(L, -3, methods[i]);
    }
  }
  lua_pop(L, 1);
  lua_pushcclosure(L, m_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, "hnnc.tensor");
  lua_setfield(L, -2, "__metatable"); /* getmetatable cannot reach the bindings */
  lua_pop(L, 1);
}
