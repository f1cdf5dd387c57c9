/* The option parser, usage errors, and the small helpers the verbs share
 * (numbers, files, the clock). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "../compiler/hnnc.h"

int usage_error(const char *verb, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "hnnc%s%s: error: ", verb ? " " : "", verb ? verb : "");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nsee 'hnnc %s%s--help'\n", verb ? verb : "", verb ? " " : "");
  return 2;
}

/* Edit distance with transpositions (optimal string alignment): "--stpes"
   is one edit from "--steps". */
static size_t edits(const char *a, const char *b) {
  size_t m = strlen(a), n = strlen(b), i, j, d;
  size_t *row = malloc(3 * (n + 1) * sizeof *row), *prev2 = row, *prev = row + n + 1, *cur = row + 2 * (n + 1);
  if (!row) return (size_t)-1;
  for (j = 0; j <= n; j++) prev[j] = j;
  for (i = 1; i <= m; i++) {
    cur[0] = i;
    for (j = 1; j <= n; j++) {
      size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]), del = prev[j] + 1, ins = cur[j - 1] + 1;
      d = sub < del ? sub : del;
      d = d < ins ? d : ins;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < d) d = prev2[j - 2] + 1;
      cur[j] = d;
    }
    size_t *t = prev2;
    prev2 = prev, prev = cur, cur = t;
  }
  d = prev[n];
  free(row);
  return d;
}

const char *did_you_mean(const char *s, const char *const *names, int n) {
  const char *best = NULL;
  size_t bestd = (size_t)-1, len = strlen(s);
  int i;
  for (i = 0; i < n; i++) {
    size_t d = edits(s, names[i]);
    if (d < bestd) bestd = d, best = names[i];
  }
  /* a typo: at most 2 edits, and fewer than a third of the word */
  return best && bestd <= 2 && 3 * bestd <= len ? best : NULL;
}

static int bad_option(const char *verb, const Opt *opts, const char *name) {
  const char **names;
  const char *near;
  int n = 0;
  while (opts[n].name) n++;
  names = malloc((n + 1) * sizeof *names);
  for (n = 0; names && opts[n].name; n++) names[n] = opts[n].name;
  near = names ? did_you_mean(name, names, n) : NULL;
  if (near) usage_error(verb, "unknown option '%s' (did you mean '%s'?)", name, near);
  else usage_error(verb, "unknown option '%s'", name);
  free(names);
  return 2;
}

static int bad_choice(const char *verb, const Opt *o, const char *v) {
  const char *names[32], *near; /* choices: a table's, at most 32 */
  char *copy = strdup(o->choices), *save, *w;
  int n = 0;
  for (w = copy ? strtok_r(copy, "|", &save) : NULL; w && n < 32; w = strtok_r(NULL, "|", &save)) names[n++] = w;
  if ((near = did_you_mean(v, names, n)))
    usage_error(verb, "%s is one of %s, not '%s' (did you mean '%s'?)", o->name, o->choices, v, near);
  else usage_error(verb, "%s is one of %s, not '%s'", o->name, o->choices, v);
  free(copy);
  return 2;
}

/* Sets *o's destination from the text v; 2 after a usage error. */
static int set_value(const char *verb, const Opt *o, const char *v) {
  long l;
  double d;
  int k;
  const char *c;
  size_t vlen = strlen(v);
  switch (o->kind) {
  case OPT_FLAG:
  case OPT_SET: break;
  case OPT_STR: *(const char **)o->dst = v; break;
  case OPT_LONG:
    if (parse_long(v, &l)) return usage_error(verb, "%s takes an integer, not '%s'", o->name, v);
    if (o->min < o->max && (l < o->min || l > o->max)) {
      if (o->max >= (double)LONG_MAX) return usage_error(verb, "%s must be >= %.0f, not %s", o->name, o->min, v);
      return usage_error(verb, "%s must be in %.0f..%.0f, not %s", o->name, o->min, o->max, v);
    }
    *(long *)o->dst = l;
    break;
  case OPT_SEED:
    if (parse_long(v, &l) || l < 0) return usage_error(verb, "%s takes an integer >= 0, not '%s'", o->name, v);
    *(uint64_t *)o->dst = (uint64_t)l;
    break;
  case OPT_DOUBLE:
    if (parse_double(v, &d)) return usage_error(verb, "%s takes a finite number, not '%s'", o->name, v);
    if (o->min < o->max && (d < o->min || d > o->max))
      return usage_error(verb, "%s must be in [%g, %g], not %s", o->name, o->min, o->max, v);
    *(double *)o->dst = d;
    break;
  case OPT_CHOICE:
    for (k = 0, c = o->choices; *c; k++) {
      size_t n = strcspn(c, "|");
      if (n == vlen && !strncmp(c, v, n)) {
        *(int *)o->dst = k;
        return 0;
      }
      c += n + (c[n] == '|');
    }
    return bad_choice(verb, o, v);
  case OPT_BACKEND:
    if ((k = jit_backend(v)) < 0) return usage_error(verb, "%s is tcc or gcc, not '%s'", o->name, v);
    *(int *)o->dst = k;
    break;
  case OPT_DTYPE:
    if (!strcmp(v, "float64") || !strcmp(v, "double")) k = 1;
    else if (!strcmp(v, "float32") || !strcmp(v, "float")) k = 2;
    else return usage_error(verb, "%s is float64 or float32, not '%s'", o->name, v);
    *(int *)o->dst = k;
    break;
  }
  return 0;
}

/* an option, not a value: "-x" or "--x", but not "-" or a negative number */
static int is_option(const char *a) { return a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9') && a[1] != '.'; }

/* the number of words of a synopsis ("MODEL.lua [FUNC]"), and of those
   not in brackets, which come first */
static void count_words(const char *args, int *npos, int *nreq) {
  const char *s = args;
  *npos = *nreq = 0;
  while (*s) {
    size_t n;
    s += strspn(s, " ");
    if (!*s) break;
    n = strcspn(s, " ");
    ++*npos;
    if (*s != '[') ++*nreq;
    s += n;
  }
}

/* the i-th word of a synopsis, for a message */
static void word(const char *args, int i, char *buf, size_t nbuf) {
  const char *s = args;
  size_t n = 0;
  for (;;) {
    s += strspn(s, " ");
    n = strcspn(s, " ");
    if (i-- == 0 || !*s) break;
    s += n;
  }
  snprintf(buf, nbuf, "%.*s", (int)n, s);
}

int opts_parse(const char *verb, const Opt *opts, const char *args, int argc, char **argv, const char **pos) {
  int i, k, np = 0, only_pos = 0, npos, nreq;
  char what[64];
  count_words(args, &npos, &nreq);
  for (i = 0; i < argc; i++) {
    const char *a = argv[i], *eq, *v;
    const Opt *o = NULL;
    size_t len;
    if (only_pos || !is_option(a)) {
      if (np == npos) return usage_error(verb, "unexpected argument '%s'", a);
      pos[np++] = a;
      continue;
    }
    if (!strcmp(a, "--")) {
      only_pos = 1;
      continue;
    }
    eq = strchr(a, '=');
    len = eq ? (size_t)(eq - a) : strlen(a);
    for (k = 0; opts[k].name; k++)
      if (strlen(opts[k].name) == len && !strncmp(opts[k].name, a, len)) o = &opts[k];
    if (!o) {
      char *name = strndup(a, len);
      int rc = bad_option(verb, opts, name ? name : a);
      free(name);
      return rc;
    }
    if (o->given) *o->given = 1;
    if (o->kind == OPT_FLAG || o->kind == OPT_SET) {
      if (eq) return usage_error(verb, "%s takes no value", o->name);
      *(int *)o->dst = o->kind == OPT_SET ? (int)o->min : 1;
      continue;
    }
    if (eq) v = eq + 1;
    else if (i + 1 < argc) v = argv[++i];
    else return usage_error(verb, "%s needs a value", o->name);
    if (set_value(verb, o, v)) return 2;
  }
  if (np < nreq) {
    word(args, np, what, sizeof what);
    return usage_error(verb, "missing %s", what);
  }
  for (k = np; k < npos; k++) pos[k] = NULL;
  return 0;
}

int fail(const char *msg) {
  fprintf(stderr, "%s\n", msg);
  return 1;
}

void cli_note(void *ctx, const char *text) {
  (void)ctx;
  fputs(text, stderr);
}

int parse_double(const char *s, double *v) {
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  return end == s || *end || errno == ERANGE || !isfinite(*v);
}
int parse_long(const char *s, long *v) {
  char *end;
  errno = 0;
  *v = strtol(s, &end, 10);
  return end == s || *end || errno == ERANGE;
}

int is_dir(const char *p) {
  struct stat st;
  return !stat(p, &st) && S_ISDIR(st.st_mode);
}
int exists(const char *p) {
  struct stat st;
  return !stat(p, &st);
}

/* Creates dir if missing and checks that a file can be created in it. */
int prepare_dir(const char *dir, char *err, size_t nerr) {
  char probe[4200];
  FILE *f;
  if (mkdir(dir, 0777) && errno != EEXIST) {
    snprintf(err, nerr, "%s: error: cannot create the output folder: %s", dir, strerror(errno));
    return 1;
  }
  if (!is_dir(dir)) {
    snprintf(err, nerr, "%s: error: not a folder", dir);
    return 1;
  }
  snprintf(probe, sizeof probe, "%s/.hnnc-probe.%d", dir, (int)getpid());
  if (!(f = fopen(probe, "w"))) {
    snprintf(err, nerr, "%s: error: the output folder is not writable: %s", dir, strerror(errno));
    return 1;
  }
  fclose(f);
  remove(probe);
  return 0;
}
