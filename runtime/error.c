/* See error.h: the error formatter and the clock. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "error.h"

int rt_fail(char *err, size_t nerr, const char *who, const char *fmt, ...) {
  if (err && nerr > 0) {
    va_list ap;
    int n = snprintf(err, nerr, "%s: error: ", who);
    if (n >= 0 && (size_t)n < nerr) {
      va_start(ap, fmt);
      vsnprintf(err + n, nerr - n, fmt, ap);
      va_end(ap);
    }
  }
  return 1;
}

double rt_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double rt_thread_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
