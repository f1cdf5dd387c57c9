/* The runtime's conventions for errors, and its clock.
 *
 * Errors. The runtime never prints and never exits. A function that can
 * fail returns int: 0 on success, nonzero on failure (a pointer-returning
 * one returns NULL), and writes one message, "WHO: error: WHAT", into the
 * caller's buffer (err, nerr), WHO being the file the problem is in (its
 * path as the caller gave it, never a temporary name) or the function's
 * name for a bad argument. The message says what to do when that is known.
 * err may be NULL; a message that does not fit is cut. rt_fail formats it.
 *
 * One exception: the integrators (integrate.h) are numerical kernels with
 * no file to name; they return an RT_ERR_* code (rt_strerror names it,
 * rt_integrate_explain adds the time and step), which callers turn into a
 * message of the form above.
 *
 * Callbacks the runtime calls (a field, an energy, an objective) return 0,
 * or nonzero to stop the computation, which then fails with a message
 * saying which callback stopped it.
 */
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

/* The clock: seconds from an arbitrary start, monotonic (wall time), and
 * the CPU time of the calling thread. */
double rt_seconds(void);
double rt_thread_seconds(void);
#endif
