/* See error.h. */
#include <stdarg.h>
#include <stdio.h>

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
