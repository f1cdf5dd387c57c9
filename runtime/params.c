/* Sidecars of parameter files (format in params.h)
 *
 * The reader takes exactly the five lines the writer writes, in order;
 * lines of any length are read with getline, and every error names the
 * sidecar and the line.
 */
#include "params.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "error.h"

#define MAGIC_LINE "hnnc-params 1"

char *rt_params_id_path(const char *npy_path) {
  size_t n = strlen(npy_path);
  char *p = malloc(n + 8);
  if (!p) return NULL;
  if (n > 4 && !strcmp(npy_path + n - 4, ".npy")) n -= 4;
  memcpy(p, npy_path, n);
  memcpy(p + n, ".model", 7);
  return p;
}

int rt_params_id_write(const char *npy_path, const rt_params_id *id, char *err, size_t nerr) {
  char *path = rt_params_id_path(npy_path);
  rt_atomic af;
  FILE *f;
  int rc, ok;
  if (!path) return rt_fail(err, nerr, npy_path, "out of memory");
  if (strchr(id->model, '\n')) {
    rc = rt_fail(err, nerr, path, "the model name holds a newline");
    free(path);
    return rc;
  }
  if (!(f = rt_atomic_open(&af, path, "w", err, nerr))) {
    free(path);
    return 1;
  }
  ok = fprintf(f, MAGIC_LINE "\nmodel %s\nhash %016" PRIx64 "\nnparams %ld\nelem %s\n", id->model, id->hash,
               id->nparams, id->elem == 4 ? "float32" : "float64") > 0;
  rc = rt_atomic_commit(&af, ok, 1, path, err, nerr);
  free(path);
  return rc;
}

void rt_params_id_free(rt_params_id *id) {
  free(id->model);
  memset(id, 0, sizeof *id);
}

/* line k (1-based) of the sidecar must be "KEY VALUE"; *value points into line */
static int field(const char *line, const char *key, const char **value) {
  size_t n = strlen(key);
  if (strncmp(line, key, n) || line[n] != ' ' || !line[n + 1]) return 1;
  *value = line + n + 1;
  return 0;
}

int rt_params_id_read(const char *npy_path, rt_params_id *id, char *err, size_t nerr) {
  static const char *const keys[5] = {NULL, "model", "hash", "nparams", "elem"};
  char *path = rt_params_id_path(npy_path), *line = NULL, *end;
  size_t cap = 0;
  ssize_t len;
  FILE *f;
  int k, rc = 1;
  memset(id, 0, sizeof *id);
  if (!path) return rt_fail(err, nerr, npy_path, "out of memory");
  if (!(f = fopen(path, "r"))) {
    rc = errno == ENOENT ? -1 : rt_fail(err, nerr, path, "cannot open: %s", strerror(errno));
    free(path);
    return rc;
  }
  for (k = 0; k < 5; k++) {
    const char *v = NULL;
    if ((len = getline(&line, &cap, f)) < 0) {
      rt_fail(err, nerr, path, "%s after %d lines: the sidecar is truncated", ferror(f) ? "read error" : "end of file",
              k);
      goto done;
    }
    if (len > 0 && line[len - 1] == '\n') line[--len] = 0;
    if ((size_t)len != strlen(line)) {
      snprintf(err, nerr, "%s:%d: error: a NUL byte in the line", path, k + 1);
      goto done;
    }
    if (k == 0 ? strcmp(line, MAGIC_LINE) != 0 : field(line, keys[k], &v)) {
      snprintf(err, nerr, "%s:%d: error: expected '%s', not a parameter sidecar of hnnc (or damaged)", path, k + 1,
               k ? keys[k] : MAGIC_LINE);
      goto done;
    }
    errno = 0;
    if (k == 1 && !(id->model = strdup(v))) {
      rt_fail(err, nerr, path, "out of memory");
      goto done;
    }
    if (k == 2 &&
        (strlen(v) != 16 || strspn(v, "0123456789abcdef") != 16 || (id->hash = strtoull(v, &end, 16), *end))) {
      snprintf(err, nerr, "%s:3: error: the hash is not 16 hexadecimal digits", path);
      goto done;
    }
    if (k == 3 && (strspn(v, "0123456789") != strlen(v) || (id->nparams = strtol(v, &end, 10), *end || errno))) {
      snprintf(err, nerr, "%s:4: error: the parameter count is not a count", path);
      goto done;
    }
    if (k == 4 && !(id->elem = !strcmp(v, "float32") ? 4 : !strcmp(v, "float64") ? 8 : 0)) {
      snprintf(err, nerr, "%s:5: error: the element type is neither float32 nor float64", path);
      goto done;
    }
  }
  if (getline(&line, &cap, f) >= 0) {
    snprintf(err, nerr, "%s:6: error: trailing lines after the sidecar", path);
    goto done;
  }
  rc = 0;
done:
  if (rc) rt_params_id_free(id);
  free(line);
  fclose(f);
  free(path);
  return rc;
}
