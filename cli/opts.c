/* Arguments and messages shared by the verbs. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int usage_error(const char *usage, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "hnnc: error: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n\n%s", usage);
  return 2;
}

int fail(const char *msg) {
  fprintf(stderr, "%s\n", msg);
  return 1;
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

double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
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
