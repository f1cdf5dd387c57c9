/* The front end: a sandboxed Lua 5.4 state in which model files run (the
 * bindings that turn Lua calls into graph nodes are in bind.c).
 *
 * The sandbox: no io, os, debug or package libraries; no load, loadfile,
 * dofile; require reaches only hnnc's own embedded library; text chunks only;
 * a memory cap (allocator) and an instruction cap (count hook).
 *
 * Every node is created at the location of the user's line that led to it,
 * even when the call happens inside the layer library; such locations carry a
 * note naming the library line. Errors of every kind (syntax, Lua runtime,
 * shape errors in the graph) leave as one "FILE:LINE: error: ..." string.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bind.h"

Graph *front_graph(lua_State *L) { return front(L)->g; }
const char *front_path(lua_State *L) { return front(L)->path; }
uint64_t front_data_seed(lua_State *L) { return front(L)->opt.data_seed_given ? front(L)->opt.data_seed : front(L)->g->seed; }
int front_nested(lua_State *L) { return front(L)->opt.nested; }

/* ---- locations ---- */

/* "path:line" of the user's innermost frame, with a note when the current
 * code is in the library. */
int front_where(lua_State *L) {
  Front *F = front(L);
  lua_Debug ar, inner, entry;
  int level, have_inner = 0, have_entry = 0;
  Text t = {0};
  memset(&inner, 0, sizeof inner);
  memset(&entry, 0, sizeof entry);
  for (level = 0; lua_getstack(L, level, &ar); level++) {
    lua_getinfo(L, "Sln", &ar);
    if (ar.currentline <= 0) continue; /* C function */
    if (!strcmp(ar.source, F->chunk)) {
      text_put(&t, "%s:%d", F->path, ar.currentline);
      if (have_inner)
        text_put(&t, "\n%s:%d: note: in %s%s called from %s:%d", inner.short_src, inner.currentline,
                 have_entry && entry.name ? entry.name : "library code", have_entry && entry.name ? "()" : "", F->path,
                 ar.currentline);
      break;
    }
    if (!have_inner) inner = ar, have_inner = 1;
    entry = ar, have_entry = 1;
  }
  if (!t.s && have_inner) text_put(&t, "%s:%d", inner.short_src, inner.currentline);
  else if (!t.s) text_put(&t, "%s", F->path);
  F->g->curloc = ir_location(F->g, t.s);
  text_free(&t);
  return F->g->curloc;
}

static _Noreturn void front_throw(Graph *g) {
  Front *F = g->ud;
  F->formatted = 1;
  lua_pushstring(F->L, g->errmsg);
  lua_error(F->L);
  abort();
}

/* ---- the sandbox ---- */

static void *l_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  Front *F = ud;
  size_t old = ptr ? osize : 0;
  void *p;
  if (nsize == 0) {
    F->mem -= old;
    free(ptr);
    return NULL;
  }
  if (F->mem - old + nsize > F->memcap) {
    lua_Debug ar; /* remember the user's line: getinfo "Sl" does not allocate */
    int level;
    for (level = 0; F->L && lua_getstack(F->L, level, &ar); level++)
      if (lua_getinfo(F->L, "Sl", &ar) && ar.currentline > 0 && !strcmp(ar.source, F->chunk)) {
        F->lastline = ar.currentline;
        break;
      }
    return NULL;
  }
  p = realloc(ptr, nsize);
  if (p) F->mem = F->mem - old + nsize;
  return p;
}

static void hook(lua_State *L, lua_Debug *ar) {
  Front *F = front(L);
  lua_getinfo(L, "Sl", ar);
  if (!strcmp(ar->source, F->chunk) && ar->currentline > 0) F->lastline = ar->currentline;
  F->instr += 1000;
  if (F->instr > F->instrcap) {
    F->L = L;
    ERR(L, "instruction limit exceeded (%ld million Lua instructions): a runaway loop?", F->instrcap / 1000000);
  }
}

/* Message handler: gives Lua's own errors the user's location. */
static int msgh(lua_State *L) {
  Front *F = front(L);
  const char *msg = lua_tostring(L, 1), *p, *w; /* msg stays at index 1 */
  int loc;
  if (F->formatted) return 1;
  if (!msg) msg = "error object is not a string";
  /* drop Lua's "chunk:line: " prefix; where() knows the user's line */
  p = msg;
  while (*p && *p != ':' && *p != '\n') p++;
  if (*p == ':' && isdigit((unsigned char)p[1])) {
    const char *q = p + 1;
    while (isdigit((unsigned char)*q)) q++;
    if (q[0] == ':' && q[1] == ' ') msg = q + 2;
  }
  loc = front_where(L);
  w = F->g->loc[loc];
  lua_pushfstring(L, "%s: error: %s%s", lua_pushlstring(L, w, ir_loc_head(w)), msg, w + ir_loc_head(w));
  F->formatted = 1;
  return 1;
}

static int l_require(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  int i;
  lua_getfield(L, LUA_REGISTRYINDEX, "hnnc.loaded");
  lua_getfield(L, -1, name);
  if (!lua_isnil(L, -1)) return 1;
  lua_pop(L, 1);
  for (i = 0; hnnc_lualib[i][0]; i++) {
    if (strcmp(hnnc_lualib[i][0], name)) continue;
    {
      char chunk[128];
      snprintf(chunk, sizeof chunk, "@%s.lua", hnnc_lualib[i][0]);
      for (char *c = chunk + 1; *c; c++)
        if (*c == '.' && strcmp(c, ".lua")) *c = '/';
      if (luaL_loadbufferx(L, hnnc_lualib[i][1], strlen(hnnc_lualib[i][1]), chunk, "t")) return lua_error(L);
    }
    lua_getfield(L, LUA_REGISTRYINDEX, "hnnc.core");
    lua_call(L, 1, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
    return 1;
  }
  return luaL_error(L, "module '%s' not found (models may require only hnnc's library: hnnc, hnnc.nn, hnnc.flow)", name);
}

/* print: one line to the caller's note callback (the CLI's stderr: stdout
 * belongs to the CLI), or nowhere. */
static int l_print(lua_State *L) {
  const FrontOptions *o = &front(L)->opt;
  int i, n = lua_gettop(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (i = 1; i <= n; i++) {
    luaL_tolstring(L, i, NULL);
    luaL_addvalue(&b);
    if (i < n) luaL_addchar(&b, '\t');
  }
  luaL_addchar(&b, '\n');
  luaL_pushresult(&b);
  if (o->note) o->note(o->ctx, lua_tostring(L, -1));
  return 0;
}
static int l_no_random(lua_State *L) {
  return luaL_error(L, "math.random is not available in models: results must not depend on Lua's random seed "
                       "(declare parameters with hn.param{init = ...}, drawn from the model's seed)");
}

static void open_sandbox(lua_State *L) {
  static const luaL_Reg libs[] = {{LUA_GNAME, luaopen_base}, {LUA_TABLIBNAME, luaopen_table},
                                  {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
                                  {LUA_UTF8LIBNAME, luaopen_utf8}, {NULL, NULL}};
  static const char *const removed[] = {"dofile", "loadfile", "load", "collectgarbage", "pcall", "xpcall", NULL};
  const luaL_Reg *lib;
  int i;
  for (lib = libs; lib->func; lib++) {
    luaL_requiref(L, lib->name, lib->func, 1);
    lua_pop(L, 1);
  }
  for (i = 0; removed[i]; i++) {
    lua_pushnil(L);
    lua_setglobal(L, removed[i]);
  }
  lua_getglobal(L, "string");
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  lua_pop(L, 1);
  lua_getglobal(L, "math");
  lua_pushcfunction(L, l_no_random);
  lua_setfield(L, -2, "random");
  lua_pushcfunction(L, l_no_random);
  lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);
  lua_register(L, "print", l_print);
  lua_register(L, "require", l_require);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, "hnnc.loaded");
  bind_open(L);
}

/* the whole file, or NULL with the reason in why. Read in pieces, so that
   pipes work and a folder (which opens like a file, and whose "size" used
   to be allocated: an abort) is refused by name. */
static char *read_file(const char *path, size_t *len, const char **why) {
  FILE *fp = fopen(path, "rb");
  struct stat st;
  char *buf = NULL;
  size_t n = 0, cap = 0, got;
  *why = NULL;
  if (!fp) { *why = strerror(errno); return NULL; }
  if (!fstat(fileno(fp), &st) && S_ISDIR(st.st_mode)) {
    *why = "it is a folder (give a .lua file)";
    fclose(fp);
    return NULL;
  }
  do {
    if (n == cap) {
      if (cap >= (size_t)1 << 30) { *why = "larger than 1 GB"; free(buf); fclose(fp); return NULL; }
      buf = xrealloc(buf, (cap = cap ? 2 * cap : 1 << 16) + 1);
    }
    n += got = fread(buf + n, 1, cap - n, fp);
  } while (got);
  if (ferror(fp)) { *why = strerror(errno); free(buf); fclose(fp); return NULL; }
  fclose(fp);
  buf[n] = 0;
  *len = n;
  return buf;
}

/* The file name without .lua, made a C identifier. */
static void default_name(Graph *g, const char *path) {
  const char *b = strrchr(path, '/');
  Text t = {0};
  int i;
  b = b ? b + 1 : path;
  if (isdigit((unsigned char)*b)) text_put(&t, "m");
  for (i = 0; b[i] && strcmp(b + i, ".lua"); i++) text_put(&t, "%c", isalnum((unsigned char)b[i]) ? b[i] : '_');
  g->name = t.s ? t.s : xstrdup("model");
}

Graph *front_load(const char *path, const FrontOptions *lim, char *err, size_t nerr) {
  Front F;
  lua_State *L;
  char *src;
  const char *why;
  size_t len;
  int rc;
  memset(&F, 0, sizeof F);
  F.path = path;
  if (lim) F.opt = *lim;
  F.memcap = lim && lim->memory ? lim->memory : (size_t)512 << 20;
  F.instrcap = lim && lim->instructions ? lim->instructions : 500000000L;
  if (!(src = read_file(path, &len, &why))) {
    snprintf(err, nerr, "%s: error: cannot read the model file%s%s", path, why ? ": " : "", why ? why : "");
    return NULL;
  }
  F.chunk = text_fmt("@%s", path);
  F.g = ir_new();
  if (lim && lim->dtype) F.g->is_float = lim->dtype == 2, F.dtype_forced = 1;
  /* products by fused multiply-adds unless the model or the caller says
   * otherwise: 1.1-1.4x faster on the gcc path (README, Benchmarks) */
  F.g->fma = 1;
  if (lim && lim->fma) F.g->fma = lim->fma == 2, F.fma_forced = 1;
  F.g->throw_ = front_throw;
  F.g->ud = &F;
  default_name(F.g, path);
  L = lua_newstate(l_alloc, &F);
  if (!L) {
    snprintf(err, nerr, "%s: error: cannot create a Lua state", path);
    free(src);
    free(F.chunk);
    ir_free(F.g);
    return NULL;
  }
  *(Front **)lua_getextraspace(L) = &F;
  F.L = L;
  open_sandbox(L);
  lua_sethook(L, hook, LUA_MASKCOUNT, 1000);
  lua_pushcfunction(L, msgh);
  rc = luaL_loadbufferx(L, src, len, F.chunk, "t");
  free(src);
  if (rc == LUA_OK) rc = lua_pcall(L, 0, 0, 1);
  else { /* syntax error: "path:line: msg" */
    const char *m = lua_tostring(L, -1), *p = m ? strstr(m, ": ") : NULL;
    if (m && p && rc == LUA_ERRSYNTAX && !strncmp(m, path, strlen(path)))
      lua_pushfstring(L, "%s: error: %s", lua_pushlstring(L, m, p - m), p + 2);
    else if (rc != LUA_ERRMEM) /* not "path:line: ...": a binary chunk (found by fuzzing: no file, no "error") */
      lua_pushfstring(L, "%s: error: %s", path,
                      m && strstr(m, "binary chunk") ? "a precompiled Lua chunk: hnnc reads Lua source only"
                                                     : m ? m : "cannot load the model file");
    F.formatted = 1;
  }
  if (rc != LUA_OK) {
    if (rc == LUA_ERRMEM)
      snprintf(err, nerr, "%s:%d: error: the model exceeded its memory limit (%zu MB)", path, F.lastline, F.memcap >> 20);
    else
      snprintf(err, nerr, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
    lua_close(L);
    free(F.chunk);
    ir_free(F.g);
    return NULL;
  }
  lua_close(L);
  free(F.chunk);
  F.g->throw_ = NULL;
  F.g->ud = NULL;
  return F.g;
}
