/* See atomic.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "error.h"

FILE *rt_atomic_open(const char *path, const char *mode, char *tmp, size_t ntmp, char *err, size_t nerr) {
  FILE *f;
  int n = snprintf(tmp, ntmp, "%s.tmp.%d", path, (int)getpid());
  if (n < 0 || (size_t)n >= ntmp) {
    rt_fail(err, nerr, path, "cannot write: the path is too long");
    return NULL;
  }
  if (!(f = fopen(tmp, mode))) rt_fail(err, nerr, path, "cannot write: %s", strerror(errno));
  return f;
}

int rt_atomic_commit(FILE *f, int ok, int sync, const char *tmp, const char *path, char *err, size_t nerr) {
  ok = !fflush(f) && ok;
  if (sync) ok = !fsync(fileno(f)) && ok;
  ok = !fclose(f) && ok;
  if (!ok) {
    int e = errno;
    remove(tmp);
    return rt_fail(err, nerr, path, "cannot write: %s", strerror(e));
  }
  if (rename(tmp, path)) {
    int e = errno;
    remove(tmp);
    return rt_fail(err, nerr, path, "cannot write: %s", strerror(e)); /* never name tmp */
  }
  return 0;
}
