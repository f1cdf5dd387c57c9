/* The hn.data binding: the C half of compiler/lib/hnnc/data.lua.
 *
 * data.lua checks a declaration and normalizes it; the functions here
 * load the system model it names (to know its state size and that it has
 * a field), give Lua samplers hnnc's generator, and copy the normalized
 * declaration into the graph's DataSpec. Errors are Lua errors: the front
 * end's message handler gives them the user's hn.data line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "front.h"
#include "../prelude/rng.h"

#define RNG_MT "hnnc.rng"
#define MAXDIM 64 /* the runtime's integrators keep states of at most 64 values */

void dataspec_free(DataSpec *d) {
  free(d->name), free(d->published), free(d->system), free(d->times);
  free(d->file_x), free(d->file_dx), free(d->file_t);
  free(d->x0.lo), free(d->x0.hi), free(d->x0.list);
  free(d->eval_x0.lo), free(d->eval_x0.hi), free(d->eval_x0.list);
  memset(d, 0, sizeof *d);
}

/* path relative to the model file's folder (absolute paths kept) */
static char *relative(lua_State *L, const char *s) {
  const char *model = front_path(L), *slash = strrchr(model, '/');
  size_t n = strlen(s) + strlen(model) + 2;
  char *p = xmalloc(n);
  if (s[0] == '/' || !slash) snprintf(p, n, "%s", s);
  else snprintf(p, n, "%.*s/%s", (int)(slash - model), model, s);
  return p;
}

/* _data_system(path): {path = resolved, dim = d} of a system model with a
   function field(x [d]) -> [d], d even; nil inside a system being loaded */
static int l_data_system(lua_State *L) {
  const char *s = luaL_checkstring(L, 1);
  char *path, err[2048];
  FrontOptions o;
  Graph *sys;
  int i, dim = -1, ok = 0;
  if (front_nested(L)) return 0;
  path = relative(L, s);
  memset(&o, 0, sizeof o);
  o.nested = 1;
  if (!(sys = front_load(path, &o, err, sizeof err))) {
    lua_pushfstring(L, "hn.data: cannot load the system '%s': %s", path, err);
    free(path);
    return lua_error(L);
  }
  for (i = 0; i < sys->nfunc; i++) {
    Func *f = &sys->func[i];
    if (strcmp(f->name, "field")) continue;
    dim = f->nin == 1 ? (int)shape_size(&f->in[0].shape) : -1;
    ok = f->nin == 1 && f->nout >= 1 && sys->node[f->out[0]].batched && shape_size(&sys->node[f->out[0]].shape) == dim;
  }
  if (!ok || dim < 2 || dim % 2 || dim > MAXDIM || sys->nparams_total) {
    char why[160];
    if (dim < 0) snprintf(why, sizeof why, "has no function 'field' (hn.fn(\"field\", {x = d}, hn.field(H)))");
    else if (!ok) snprintf(why, sizeof why, "has a 'field' that does not map a per-sample x [d] to [d]");
    else if (dim % 2 || dim < 2) snprintf(why, sizeof why, "has an odd state size (%d): a state is (q, p), positions then momenta", dim);
    else if (sys->nparams_total) snprintf(why, sizeof why, "has parameters: a system's H is analytic");
    else snprintf(why, sizeof why, "has a state of %d values (at most %d)", dim, MAXDIM);
    lua_pushfstring(L, "hn.data: the system %s %s", path, why);
    ir_free(sys);
    free(path);
    return lua_error(L);
  }
  ir_free(sys);
  lua_createtable(L, 0, 2);
  lua_pushstring(L, path);
  lua_setfield(L, -2, "path");
  lua_pushinteger(L, dim);
  lua_setfield(L, -2, "dim");
  free(path);
  return 1;
}

/* ---- rng(stream): hnnc's generator for Lua samplers ---- */

static int l_rng(lua_State *L) {
  lua_Integer stream = luaL_checkinteger(L, 1);
  rt_rng *r = lua_newuserdatauv(L, sizeof *r, 0);
  rt_rng_seed(r, front_data_seed(L), (uint64_t)stream);
  luaL_setmetatable(L, RNG_MT);
  return 1;
}
static int l_rng_uniform(lua_State *L) {
  lua_pushnumber(L, rt_rng_uniform(luaL_checkudata(L, 1, RNG_MT)));
  return 1;
}
static int l_rng_normal(lua_State *L) {
  lua_pushnumber(L, rt_rng_normal(luaL_checkudata(L, 1, RNG_MT)));
  return 1;
}

/* ---- _data_declare(d): the normalized declaration into g->data ---- */

static double num_field(lua_State *L, int idx, const char *k) {
  double v;
  lua_getfield(L, idx, k);
  v = lua_tonumber(L, -1);
  lua_pop(L, 1);
  return v;
}
static char *str_field(lua_State *L, int idx, const char *k) {
  char *s = NULL;
  lua_getfield(L, idx, k);
  if (lua_isstring(L, -1)) s = xstrdup(lua_tostring(L, -1));
  lua_pop(L, 1);
  return s;
}
/* field k, a list of numbers (or of lists of `width` numbers, flattened),
   as a new array; *n gets the list's length; NULL if absent */
static double *nums_field(lua_State *L, int idx, const char *k, int width, int *n) {
  double *a = NULL;
  int i, j, len;
  *n = 0;
  lua_getfield(L, idx, k);
  if (lua_istable(L, -1)) {
    len = (int)luaL_len(L, -1);
    a = xmalloc(((size_t)len * width + 1) * sizeof *a);
    for (i = 0; i < len; i++) {
      lua_geti(L, -1, i + 1);
      if (width == 1) a[i] = lua_tonumber(L, -1);
      else
        for (j = 0; j < width; j++) {
          lua_geti(L, -1, j + 1);
          a[(size_t)i * width + j] = lua_tonumber(L, -1);
          lua_pop(L, 1);
        }
      lua_pop(L, 1);
    }
    *n = len;
  }
  lua_pop(L, 1);
  return a;
}

static void sampler_field(lua_State *L, int idx, const char *k, int dim, DataSampler *s) {
  const char *kind;
  int n;
  lua_getfield(L, idx, k);
  idx = lua_gettop(L);
  if (!lua_istable(L, idx)) { /* none: files without a sampler */
    lua_pop(L, 1);
    s->kind = DS_LIST;
    return;
  }
  lua_getfield(L, idx, "kind");
  kind = lua_tostring(L, -1);
  s->kind = !strcmp(kind, "box") ? DS_BOX : !strcmp(kind, "shell") ? DS_SHELL : !strcmp(kind, "energy") ? DS_ENERGY : DS_LIST;
  lua_pop(L, 1);
  s->lo = nums_field(L, idx, "lo", 1, &n);
  s->hi = nums_field(L, idx, "hi", 1, &n);
  s->r_lo = num_field(L, idx, "r_lo"), s->r_hi = num_field(L, idx, "r_hi");
  s->energy = num_field(L, idx, "energy");
  s->list = nums_field(L, idx, "list", dim, &s->nlist);
  lua_getfield(L, idx, "drawn");
  s->drawn = lua_toboolean(L, -1);
  lua_pop(L, 2);
}

static int l_data_declare(lua_State *L) {
  Graph *g = front_graph(L);
  DataSpec *d = &g->data;
  char *s;
  int n;
  luaL_checktype(L, 1, LUA_TTABLE);
  if (d->present) return luaL_error(L, "hn.data is given twice");
  d->present = 1, d->loc = g->curloc;
  d->name = str_field(L, 1, "name");
  d->published = str_field(L, 1, "published");
  d->system = str_field(L, 1, "system");
  d->dim = (int)num_field(L, 1, "dim");
  d->ntraj = (int)num_field(L, 1, "trajectories");
  sampler_field(L, 1, "x0", d->dim, &d->x0);
  d->t0 = num_field(L, 1, "t0"), d->t1 = num_field(L, 1, "t1");
  d->npoints = (int)num_field(L, 1, "points");
  d->times = nums_field(L, 1, "times", 1, &n);
  s = str_field(L, 1, "integrator");
  d->integrator = s && !strcmp(s, "dop853") ? DS_DOP853 : DS_RK45;
  free(s);
  d->rtol = num_field(L, 1, "rtol"), d->atol = num_field(L, 1, "atol");
  d->pad = (int)num_field(L, 1, "pad");
  d->noise = num_field(L, 1, "noise");
  d->split = num_field(L, 1, "split");
  lua_getfield(L, 1, "test_first");
  d->test_first = lua_toboolean(L, -1);
  lua_pop(L, 1);
  sampler_field(L, 1, "eval_x0", d->dim, &d->eval_x0);
  d->rollouts = (int)num_field(L, 1, "rollouts");
  d->eval_t0 = num_field(L, 1, "eval_t0"), d->eval_t1 = num_field(L, 1, "eval_t1");
  d->eval_points = (int)num_field(L, 1, "eval_points");
  d->eval_rtol = num_field(L, 1, "eval_rtol"), d->eval_atol = num_field(L, 1, "eval_atol");
  d->seed = front_data_seed(L);
  lua_getfield(L, 1, "files");
  if (lua_istable(L, -1)) {
    char **dst[3] = {&d->file_x, &d->file_dx, &d->file_t};
    static const char *const keys[3] = {"x", "dx", "t"};
    for (n = 0; n < 3; n++) {
      char *f = str_field(L, -1, keys[n]);
      if (f) *dst[n] = relative(L, f);
      free(f);
    }
  }
  lua_pop(L, 1);
  return 0;
}

void front_data_open(lua_State *L) {
  static const luaL_Reg funcs[] = {{"_data_system", l_data_system}, {"_data_declare", l_data_declare},
                                   {"rng", l_rng}, {NULL, NULL}};
  static const luaL_Reg methods[] = {{"uniform", l_rng_uniform}, {"normal", l_rng_normal}, {NULL, NULL}};
  luaL_setfuncs(L, funcs, 0);
  luaL_newmetatable(L, RNG_MT);
  luaL_newlib(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, RNG_MT);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
}
