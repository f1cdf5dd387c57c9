/* The runtime's error messages: "WHO: error: ..." into a caller's buffer. */
#ifndef HNNC_ERROR_H
#define HNNC_ERROR_H
#include <stddef.h>

/* Formats "who: error: fmt..." into err (when err and nerr allow) and
 * returns 1, so that `return rt_fail(...)` reports a failure. */
int rt_fail(char *err, size_t nerr, const char *who, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    ;
#endif
