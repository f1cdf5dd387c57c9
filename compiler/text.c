/* The string builder (see text.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "text.h"

void text_vput(Text *t, const char *fmt, va_list ap) {
  for (;;) {
    size_t room = t->cap - t->n;
    va_list aq;
    int k;
    va_copy(aq, ap);
    k = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? room : 0, fmt, aq);
    va_end(aq);
    if (k < 0) ir_bug(__FILE__, __LINE__, "bad format");
    if (t->s && (size_t)k < room) {
      t->n += k;
      return;
    }
    t->cap = 2 * (t->cap + k) + 256;
    t->s = xrealloc(t->s, t->cap);
  }
}

void text_put(Text *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  text_vput(t, fmt, ap);
  va_end(ap);
}

void text_free(Text *t) {
  free(t->s);
  memset(t, 0, sizeof *t);
}

char *text_fmt(const char *fmt, ...) {
  Text t = {0};
  va_list ap;
  va_start(ap, fmt);
  text_vput(&t, fmt, ap);
  va_end(ap);
  return t.s;
}
