/* See atomic.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "error.h"

FILE *rt_atomic_open(rt_atomic *a, const char *path, const char *mode, char *err, size_t nerr) {
  size_t n = strlen(path) + 32;
  a->f = NULL;
  if (!(a->tmp = malloc(n))) {
    rt_fail(err, nerr, path, "cannot write: out of memory");
    return NULL;
  }
  snprintf(a->tmp, n, "%s.tmp.%ld", path, (long)getpid());
  if (!(a->f = fopen(a->tmp, mode))) {
    rt_fail(err, nerr, path, "cannot write: %s", strerror(errno));
    free(a->tmp);
    a->tmp = NULL;
  }
  return a->f;
}

void rt_atomic_abort(rt_atomic *a) {
  if (a->f) fclose(a->f);
  if (a->tmp) remove(a->tmp);
  free(a->tmp);
  a->f = NULL, a->tmp = NULL;
}

int rt_atomic_commit(rt_atomic *a, int ok, int sync, const char *path, char *err, size_t nerr) {
  int e = 0;
  errno = 0;
  ok = !fflush(a->f) && !ferror(a->f) && ok;
  if (ok && sync) ok = !fsync(fileno(a->f));
  e = errno;
  if (fclose(a->f) && ok) ok = 0, e = errno;
  a->f = NULL;
  if (ok && rename(a->tmp, path)) ok = 0, e = errno;
  if (!ok) {
    rt_atomic_abort(a);
    return rt_fail(err, nerr, path, "cannot write: %s", e ? strerror(e) : "write error");
  }
  free(a->tmp);
  a->tmp = NULL;
  return 0;
}

int rt_atomic_write(const char *path, const void *data, size_t n, int sync, char *err, size_t nerr) {
  rt_atomic a;
  if (!rt_atomic_open(&a, path, "wb", err, nerr)) return 1;
  return rt_atomic_commit(&a, fwrite(data, 1, n, a.f) == n, sync, path, err, nerr);
}
