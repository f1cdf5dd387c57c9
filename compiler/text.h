/* The growable string builder of the compiler: every text whose length a
 * user controls (names, paths, messages, generated C, dumps) is built here,
 * never in a fixed-size buffer. */
#ifndef HNNC_TEXT_H
#define HNNC_TEXT_H
#include <stdarg.h>
#include <stddef.h>

typedef struct Text {
  char *s;
  size_t n, cap;
} Text; /* s is NUL-terminated once written */

void text_put(Text *t, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void text_vput(Text *t, const char *fmt, va_list ap);
void text_free(Text *t);
/* A new heap string (free it), formatted as printf would (chibicc's format). */
char *text_fmt(const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;
#endif
