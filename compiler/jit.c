/* Backends.
 *
 * tcc: -nostdlib, no headers; the generated code needs no symbol but
 * memset/memcpy (which tcc may call for local array initializers), bound
 * explicitly. About 0.1 ms for a model.
 *
 * gcc: the file is compiled with JIT_GCC_FLAGS into a shared object, cached
 * under $XDG_CACHE_HOME/hnnc (or ~/.cache/hnnc) by a hash of the source and
 * the flags; the cache entry is written to a temporary name and renamed, so
 * concurrent runs never see half a file.
 */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libtcc.h>

#include "ir.h"
#include "jit.h"
#include "../prelude/hash.h"

int jit_backend(const char *name) {
  if (!strcmp(name, "tcc")) return JIT_TCC;
  if (!strcmp(name, "gcc")) return JIT_GCC;
  return -1;
}

typedef struct ErrCtx { const char *src; char *err; size_t nerr; } ErrCtx;

/* "<string>:LINE: error: msg" -> "MODEL:L: error: ..." using the user's
 * line in the node comment nearest above LINE. */
static void map_error(ErrCtx *c, const char *msg) {
  const char *p = strstr(msg, ":"), *s = c->src, *best = NULL;
  long line = p ? strtol(p + 1, NULL, 10) : 0, l = 1;
  char *where = NULL;
  if (c->err[0]) return; /* keep the first */
  for (; *s && l <= line; s++) {
    if (s[0] == '/' && s[1] == '*' && s[3] == '%') best = s;
    if (*s == '\n') l++;
  }
  if (best) {
    const char *comma = NULL, *end = strstr(best, "*/"), *q;
    for (q = best; q < end; q++)
      if (*q == ',') comma = q;
    if (comma && end) { /* the comment ends ", USER:LINE" or ", USER:LINE (LIB:LINE in F())" (emit.c) */
      const char *lib = strstr(comma, " (");
      if (!lib || lib > end) lib = end - 1;
      where = text_fmt("%.*s", (int)(lib - comma - 2), comma + 2);
    }
  }
  if (where) snprintf(c->err, c->nerr, "%s: error: generated C did not compile: %s", where, msg);
  else snprintf(c->err, c->nerr, "hnnc: error: generated C did not compile: %s", msg);
  free(where);
}
static void tcc_error_cb(void *opaque, const char *msg) {
  if (!strstr(msg, "warning")) map_error(opaque, msg);
}

static int run(char *const argv[], char *err, size_t nerr, const char *log) {
  pid_t pid = fork();
  int status;
  if (pid < 0) { snprintf(err, nerr, "hnnc: error: fork: %s", strerror(errno)); return 1; }
  if (pid == 0) {
    FILE *f = freopen(log, "w", stderr);
    (void)f;
    execvp(argv[0], argv);
    _exit(127);
  }
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
    FILE *f = fopen(log, "r");
    char buf[1024] = "";
    size_t k = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[k] = 0;
    snprintf(err, nerr, "hnnc: error: %s failed (status %d)%s%s", argv[0], WIFEXITED(status) ? WEXITSTATUS(status) : -1,
             k ? ":\n" : "", buf);
    return 1;
  }
  return 0;
}

static int mkdirs(const char *path) {
  char *buf = xstrdup(path), *p;
  int rc = 0;
  for (p = buf + 1; *p && !rc; p++)
    if (*p == '/') {
      *p = 0;
      if (mkdir(buf, 0755) && errno != EEXIST) rc = -1;
      *p = '/';
    }
  if (!rc && mkdir(buf, 0755) && errno != EEXIST) rc = -1;
  free(buf);
  return rc;
}

/* The cache folder: $XDG_CACHE_HOME/hnnc, ~/.cache/hnnc, or /tmp/hnnc-cache-UID. */
static char *cache_dir(void) {
  const char *base = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  if (base && *base) return text_fmt("%s/hnnc", base);
  if (home && *home) return text_fmt("%s/.cache/hnnc", home);
  return text_fmt("/tmp/hnnc-cache-%d", (int)getuid());
}

/* Compiles src with cc into tmpso (a temporary .c and log beside it). */
static int gcc_run(const char *cc, const char *src, const char *stem, const char *tmpso, char *err, size_t nerr) {
  char *tmpc = text_fmt("%s.c", stem), *log = text_fmt("%s.log", stem), *argv[16];
  char flags[] = JIT_GCC_FLAGS, *tok;
  int k = 0, rc = 1;
  FILE *f;
  if (!(f = fopen(tmpc, "w")) || fputs(src, f) < 0 || fclose(f)) {
    snprintf(err, nerr, "hnnc: error: cannot write %s", tmpc);
  } else {
    argv[k++] = (char *)cc;
    for (tok = strtok(flags, " "); tok && k < 12; tok = strtok(NULL, " ")) argv[k++] = tok;
    argv[k++] = "-o", argv[k++] = (char *)tmpso, argv[k++] = tmpc, argv[k] = NULL;
    rc = run(argv, err, nerr, log);
  }
  remove(tmpc);
  remove(log);
  free(tmpc), free(log);
  return rc;
}

/* The machine the code is built for, as the cache key sees it: the model
 * name and feature flags of the first CPU in /proc/cpuinfo (-march=native
 * code from an AVX-512 machine would stop with SIGILL on an AVX2 one that
 * shares the home folder); nothing where there is no such file. */
static uint64_t cpu_key(uint64_t h) {
  FILE *f = fopen("/proc/cpuinfo", "r");
  char line[8192];
  int got = 0;
  if (!f) return h;
  while (got < 2 && fgets(line, sizeof line, f))
    if (!strncmp(line, "model name", 10) || !strncmp(line, "flags", 5) || !strncmp(line, "Features", 8))
      h = hn_fnv1a(h, line, strlen(line)), got++;
  fclose(f);
  return h;
}

static int gcc_compile(Jit *j, const char *src, char *err, size_t nerr) {
  const char *cc = getenv("HNNC_CC");
  char *dir = cache_dir(), *so = NULL, *stem = NULL, *tmpso = NULL;
  uint64_t h = hn_fnv1a(hn_fnv1a(HN_FNV_INIT, src, strlen(src)), JIT_GCC_FLAGS, strlen(JIT_GCC_FLAGS));
  int rc = 1;
  if (!cc) cc = "gcc";
  h = cpu_key(hn_fnv1a(h, cc, strlen(cc) + 1)); /* the compiler and the machine too */
  if (mkdirs(dir)) {
    snprintf(err, nerr, "hnnc: error: cannot create the cache folder %s: %s", dir, strerror(errno));
    goto out;
  }
  so = text_fmt("%s/%016llx.so", dir, (unsigned long long)h);
  if (access(so, R_OK)) { /* build under a temporary name, then rename */
    stem = text_fmt("%s/%016llx.%d", dir, (unsigned long long)h, (int)getpid());
    tmpso = text_fmt("%s.so", stem);
    if (gcc_run(cc, src, stem, tmpso, err, nerr)) { remove(tmpso); goto out; }
    if (rename(tmpso, so)) { snprintf(err, nerr, "hnnc: error: cannot rename %s", tmpso); goto out; }
  }
  j->dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  if (!j->dl) snprintf(err, nerr, "hnnc: error: dlopen: %s", dlerror());
  else rc = 0;
out:
  free(dir), free(so), free(stem), free(tmpso);
  return rc;
}

int jit_compile(Jit *j, int backend, const char *src, char *err, size_t nerr) {
  TCCState *s;
  ErrCtx c;
  memset(j, 0, sizeof *j);
  j->backend = backend;
  err[0] = 0;
  if (backend == JIT_GCC) return gcc_compile(j, src, err, nerr);
  s = tcc_new();
  if (!s) { snprintf(err, nerr, "hnnc: error: tcc_new failed"); return 1; }
  c.src = src, c.err = err, c.nerr = nerr;
  tcc_set_error_func(s, &c, tcc_error_cb);
  tcc_set_options(s, "-nostdlib");
  tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
  tcc_add_symbol(s, "memset", memset);
  tcc_add_symbol(s, "memcpy", memcpy);
  tcc_add_symbol(s, "memmove", memmove);
  /* the FMA build's fma (prelude/kernels.c): the C library's, correctly rounded */
  tcc_define_symbol(s, "HN_HOST_FMA", "1");
  tcc_add_symbol(s, "hn_host_fma", fma);
  tcc_add_symbol(s, "hn_host_fmaf", fmaf);
  if (tcc_compile_string(s, src) < 0 || tcc_relocate(s, TCC_RELOCATE_AUTO) < 0) {
    if (!err[0]) snprintf(err, nerr, "hnnc: error: tcc failed on the generated code");
    tcc_delete(s);
    return 1;
  }
  j->tcc = s;
  return 0;
}

void *jit_symbol(Jit *j, const char *name) {
  if (j->tcc) return tcc_get_symbol(j->tcc, name);
  if (j->dl) return dlsym(j->dl, name);
  return NULL;
}

void jit_free(Jit *j) {
  if (j->tcc) tcc_delete(j->tcc);
  if (j->dl) dlclose(j->dl);
  memset(j, 0, sizeof *j);
}
