/* Rows of numbers in text (contract in rows.h)
 *
 * Both entry points hand whole lines, NUL-terminated and with their length
 * (so that a NUL inside is seen), to one line parser.
 */
#include "rows.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

typedef struct reader {
  const char *name;
  long width, line, cap; /* cap: rows data can hold */
  rt_rows *out;
  char *err;
  size_t nerr;
} reader;

static int is_sep(char c) { return c == ',' || c == ' ' || c == '\t'; }

/* a header: fields of [A-Za-z_][A-Za-z0-9_]* between separators, none of
   which strtod reads as a number ("nan", "inf", "infinity") */
static int is_header(const char *s) {
  while (*s) {
    const char *f = s;
    char *end;
    if (is_sep(*s)) {
      s++;
      continue;
    }
    if (!(isalpha((unsigned char)*s) || *s == '_')) return 0;
    while (*s && !is_sep(*s))
      if (!(isalnum((unsigned char)*s++) || s[-1] == '_')) return 0;
    strtod(f, &end);
    if (end == s) return 0;
  }
  return 1;
}

/* "NAME:LINE:COL: error: WHAT: 'TOKEN'" with the token cut at 40 bytes */
static int token_error(reader *r, const char *line, const char *tok, size_t len, const char *what) {
  snprintf(r->err, r->nerr, "%s:%ld:%ld: error: %s: '%.*s%s'", r->name, r->line, (long)(tok - line) + 1, what,
           (int)(len > 40 ? 40 : len), tok, len > 40 ? "..." : "");
  return 1;
}

/* one line: line[len] == 0, no newline; 0 or 1 (error) */
static int parse_line(reader *r, char *line, size_t len) {
  rt_rows *o = r->out;
  const char *nul = memchr(line, 0, len);
  char *s = line;
  long k = 0;
  r->line++;
  if (len && line[len - 1] == '\r') line[--len] = 0;
  if (nul && nul < line + len) {
    snprintf(r->err, r->nerr, "%s:%ld:%ld: error: a NUL byte in the line", r->name, r->line, (long)(nul - line) + 1);
    return 1;
  }
  while (*s == ' ' || *s == '\t') s++;
  if (!*s || *s == '#') return 0;
  if (o->n == 0 && !o->header && is_header(s)) {
    o->header = 1;
    return 0;
  }
  if (o->n == r->cap) {
    long cap = r->cap ? 2 * r->cap : 64;
    double *d;
    if ((size_t)cap > SIZE_MAX / sizeof *d / (size_t)(r->width + 1) ||
        !(d = realloc(o->data, (size_t)cap * (r->width + 1) * sizeof *d)))
      return rt_fail(r->err, r->nerr, r->name, "out of memory at line %ld", r->line);
    o->data = d, r->cap = cap;
  }
  for (;;) {
    char *end, *tok;
    size_t tlen;
    double v;
    while (is_sep(*s)) s++;
    if (!*s) break;
    tok = s;
    while (*s && !is_sep(*s)) s++;
    tlen = (size_t)(s - tok);
    errno = 0;
    v = strtod(tok, &end);
    if (end != s || isspace((unsigned char)*tok)) return token_error(r, line, tok, tlen, "not a number");
    if (!isfinite(v)) return token_error(r, line, tok, tlen, "not a finite number");
    if (k < r->width) o->data[o->n * r->width + k] = v;
    k++;
  }
  if (k != r->width) {
    snprintf(r->err, r->nerr, "%s:%ld: error: %ld numbers, a row has %ld", r->name, r->line, k, r->width);
    return 1;
  }
  o->n++;
  return 0;
}

static void start(reader *r, const char *name, long width, rt_rows *out, char *err, size_t nerr) {
  memset(out, 0, sizeof *out);
  memset(r, 0, sizeof *r);
  out->width = width;
  r->name = name, r->width = width, r->out = out, r->err = err, r->nerr = nerr;
}

static int finish(rt_rows *out, int rc) {
  if (rc) rt_rows_free(out);
  return rc;
}

int rt_rows_read(FILE *f, const char *name, long width, rt_rows *out, char *err, size_t nerr) {
  reader r;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int rc = 0;
  start(&r, name, width, out, err, nerr);
  if (width < 1) return rt_fail(err, nerr, name, "a row must have at least one number");
  while (!rc && (len = getline(&line, &cap, f)) >= 0) {
    if (len && line[len - 1] == '\n') line[--len] = 0;
    rc = parse_line(&r, line, (size_t)len);
  }
  if (!rc && ferror(f)) rc = rt_fail(err, nerr, name, "read error after line %ld: %s", r.line, strerror(errno));
  free(line);
  return finish(out, rc);
}

int rt_rows_parse(const char *buf, size_t n, const char *name, long width, rt_rows *out, char *err, size_t nerr) {
  reader r;
  char *line;
  size_t at = 0;
  int rc = 0;
  start(&r, name, width, out, err, nerr);
  if (width < 1) return rt_fail(err, nerr, name, "a row must have at least one number");
  while (!rc && at < n) {
    const char *nl = memchr(buf + at, '\n', n - at);
    size_t len = nl ? (size_t)(nl - buf - at) : n - at;
    if (!(line = malloc(len + 1))) return finish(out, rt_fail(err, nerr, name, "out of memory"));
    memcpy(line, buf + at, len);
    line[len] = 0;
    rc = parse_line(&r, line, len);
    free(line);
    at += len + 1;
  }
  return finish(out, rc);
}

void rt_rows_free(rt_rows *r) {
  free(r->data);
  memset(r, 0, sizeof *r);
}
