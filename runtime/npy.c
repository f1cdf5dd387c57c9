/* NumPy .npy reader and writer, CSV export
 *
 * The format (numpy/lib/format.py): the magic "\x93NUMPY", a major and a
 * minor version byte, the header length (uint16 little-endian in 1.0,
 * uint32 in 2.0 and 3.0), then the header: a Python dict literal
 * {'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), } padded with
 * spaces and ended by '\n' so that the data start at a multiple of 64.
 * The writer reproduces np.save (numpy 1.24) byte for byte, including the
 * spare spaces numpy leaves for growing the first axis. The reader takes
 * the keys in any order, either quote, Python 2's "3L" integers, and
 * rejects everything else that np.load would reject for these dtypes.
 *
 * Values are encoded and decoded byte by byte, so the files are
 * little-endian whatever the host.
 */
#include "atomic.h"
#include "error.h"
#include "npy.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "\x93NUMPY"
#define MAGIC_LEN 6
#define ARRAY_ALIGN 64 /* numpy's data alignment */
#define GROWTH_AXIS_MAX_DIGITS 21
#define MAX_HEADER 10000 /* np.load's default max_header_size */

/* ---- little-endian encoding ---- */

static void put_f8(unsigned char *b, double v) {
  uint64_t u;
  memcpy(&u, &v, 8);
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)(u >> (8 * i));
}

static double get_f8(const unsigned char *b) {
  uint64_t u = 0;
  double v;
  for (int i = 0; i < 8; i++) u |= (uint64_t)b[i] << (8 * i);
  memcpy(&v, &u, 8);
  return v;
}

static void put_f4(unsigned char *b, float v) {
  uint32_t u;
  memcpy(&u, &v, 4);
  for (int i = 0; i < 4; i++) b[i] = (unsigned char)(u >> (8 * i));
}

static float get_f4(const unsigned char *b) {
  uint32_t u = 0;
  float v;
  for (int i = 0; i < 4; i++) u |= (uint32_t)b[i] << (8 * i);
  memcpy(&v, &u, 4);
  return v;
}

/* ---- writing ---- */

/* count of a shape, or -1 if a dimension is negative or the byte size
   overflows */
static long shape_count(int rank, const long *shape, int size) {
  long count = 1;
  for (int i = 0; i < rank; i++) {
    if (shape[i] < 0) return -1;
    if (shape[i] > 0 && count > LONG_MAX / size / shape[i]) return -1;
    count *= shape[i];
  }
  return count;
}

/* np.save's header for a C-order array; returns its length (a multiple of
   64) or 0 if it does not fit buf */
static size_t make_header(char *buf, size_t nbuf, int dtype, int rank, const long *shape) {
  char dict[256], dim0[32];
  int n = snprintf(dict, sizeof dict,
                   "{'descr': '<f%d', "
                   "'fortran_order': False, 'shape': (",
                   dtype);
  for (int i = 0; i < rank; i++) n += snprintf(dict + n, sizeof dict - n, i ? ", %ld" : "%ld", shape[i]);
  n += snprintf(dict + n, sizeof dict - n, "%s), }", rank == 1 ? "," : "");
  if (rank > 0) { /* spare room to grow axis 0 (numpy >= 1.23) */
    int pad = GROWTH_AXIS_MAX_DIGITS - snprintf(dim0, sizeof dim0, "%ld", shape[0]);
    for (int i = 0; i < pad; i++) dict[n++] = ' ';
  }
  /* _wrap_header: a 10-byte preamble (magic, version, uint16 length);
	   hlen counts the final '\n'; padlen is never 0 */
  size_t hlen = (size_t)n + 1;
  size_t padlen = ARRAY_ALIGN - (10 + hlen) % ARRAY_ALIGN;
  size_t total = 10 + hlen + padlen;
  if (total > nbuf || hlen + padlen > 65535) return 0;
  memcpy(buf, MAGIC, MAGIC_LEN);
  buf[6] = 1, buf[7] = 0;
  buf[8] = (char)((hlen + padlen) & 0xff);
  buf[9] = (char)((hlen + padlen) >> 8);
  memcpy(buf + 10, dict, (size_t)n);
  memset(buf + 10 + n, ' ', padlen);
  buf[total - 1] = '\n';
  return total;
}

int rt_npy_write(const char *path, const rt_npy *a, int flags, char *err, size_t nerr) {
  char header[512];
  unsigned char buf[8192];
  rt_atomic af;

  if (a->dtype != RT_NPY_F8 && a->dtype != RT_NPY_F4)
    return rt_fail(err, nerr, path,
                   "dtype %d is neither RT_NPY_F8 nor "
                   "RT_NPY_F4",
                   a->dtype);
  if (a->rank < 0 || a->rank > RT_NPY_MAXRANK)
    return rt_fail(err, nerr, path, "rank %d is outside 0..%d", a->rank, RT_NPY_MAXRANK);
  long count = shape_count(a->rank, a->shape, a->dtype);
  if (count < 0) return rt_fail(err, nerr, path, "invalid shape (negative or too large)");
  if (count > 0 && !a->data) return rt_fail(err, nerr, path, "no data for %ld elements", count);
  size_t hlen = make_header(header, sizeof header, a->dtype, a->rank, a->shape);
  if (hlen == 0) return rt_fail(err, nerr, path, "header too long");

  if (!rt_atomic_open(&af, path, "wb", err, nerr)) return 1;
  int ok = fwrite(header, 1, hlen, af.f) == hlen;
  long per = (long)sizeof buf / a->dtype;
  for (long i = 0; i < count; i += per) {
    long m = count - i < per ? count - i : per;
    for (long k = 0; k < m; k++) {
      if (a->dtype == RT_NPY_F8) put_f8(buf + 8 * k, ((const double *)a->data)[i + k]);
      else put_f4(buf + 4 * k, ((const float *)a->data)[i + k]);
    }
    if (!ok || fwrite(buf, (size_t)a->dtype, (size_t)m, af.f) != (size_t)m) {
      ok = 0;
      break;
    }
  }
  return rt_atomic_commit(&af, ok, (flags & RT_NPY_FSYNC) != 0, path, err, nerr);
}

/* ---- reading: the header dict ---- */

typedef struct {
  const char *s, *end;
} cursor;

static void skip_space(cursor *c) {
  while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r')) c->s++;
}

static int accept(cursor *c, char ch) {
  skip_space(c);
  if (c->s < c->end && *c->s == ch) {
    c->s++;
    return 1;
  }
  return 0;
}

/* a '...' or "..." literal without escapes, into buf */
static int parse_string(cursor *c, char *buf, size_t nbuf) {
  skip_space(c);
  if (c->s >= c->end || (*c->s != '\'' && *c->s != '"')) return 1;
  char q = *c->s++;
  size_t n = 0;
  while (c->s < c->end && *c->s != q) {
    if (*c->s == '\\' || n + 1 >= nbuf) return 1;
    buf[n++] = *c->s++;
  }
  if (c->s >= c->end) return 1;
  c->s++;
  buf[n] = 0;
  return 0;
}

/* a nonnegative Python int (with Python 2's optional L suffix) */
static int parse_dim(cursor *c, long *v) {
  skip_space(c);
  if (c->s >= c->end || *c->s < '0' || *c->s > '9') return 1;
  long x = 0;
  while (c->s < c->end && *c->s >= '0' && *c->s <= '9') {
    int d = *c->s++ - '0';
    if (x > (LONG_MAX - d) / 10) return 1;
    x = x * 10 + d;
  }
  if (c->s < c->end && (*c->s == 'L' || *c->s == 'l')) c->s++;
  *v = x;
  return 0;
}

/* (), (3,), (3, 4), (3, 4,) ...; (3) is an int, not a tuple */
static int parse_shape(cursor *c, int *rank, long *shape) {
  int n = 0, comma = 0;
  if (!accept(c, '(')) return 1;
  while (!accept(c, ')')) {
    if (n > 0 && !comma) return 1;
    if (n == RT_NPY_MAXRANK) return 2;
    if (parse_dim(c, &shape[n++])) return 1;
    comma = accept(c, ',');
  }
  if (n == 1 && !comma) return 1;
  *rank = n;
  return 0;
}

static int parse_word(cursor *c, const char *w) {
  size_t n = strlen(w);
  skip_space(c);
  if ((size_t)(c->end - c->s) >= n && memcmp(c->s, w, n) == 0 &&
      (c->s + n == c->end || !isalnum((unsigned char)c->s[n]))) {
    c->s += n;
    return 1;
  }
  return 0;
}

static int parse_header(const char *path, const char *h, size_t hlen, rt_npy *a, char *err, size_t nerr) {
  cursor c = {h, h + hlen};
  char key[32], descr[64];
  int seen_descr = 0, seen_order = 0, seen_shape = 0;

  if (!accept(&c, '{')) return rt_fail(err, nerr, path, "header is not a Python dict: %.60s", h);
  while (!accept(&c, '}')) {
    if (parse_string(&c, key, sizeof key) || !accept(&c, ':'))
      return rt_fail(err, nerr, path, "malformed header near '%.30s'", c.s);
    if (strcmp(key, "descr") == 0 && !seen_descr) {
      seen_descr = 1;
      skip_space(&c);
      if (c.s < c.end && (*c.s == '[' || *c.s == '{'))
        return rt_fail(err, nerr, path,
                       "structured dtype is not "
                       "supported (only '<f8' and '<f4')");
      if (parse_string(&c, descr, sizeof descr)) return rt_fail(err, nerr, path, "malformed 'descr' in header");
      if (strcmp(descr, "<f8") == 0) a->dtype = RT_NPY_F8;
      else if (strcmp(descr, "<f4") == 0) a->dtype = RT_NPY_F4;
      else if (descr[0] == '>' && (strcmp(descr + 1, "f8") == 0 || strcmp(descr + 1, "f4") == 0))
        return rt_fail(err, nerr, path,
                       "big-endian dtype '%s' is not "
                       "supported (only '<f8' and '<f4'; convert with "
                       "a.astype('<f8'))",
                       descr);
      else
        return rt_fail(err, nerr, path,
                       "unsupported dtype '%s' (only "
                       "'<f8' and '<f4')",
                       descr);
    } else if (strcmp(key, "fortran_order") == 0 && !seen_order) {
      seen_order = 1;
      if (parse_word(&c, "True"))
        return rt_fail(err, nerr, path,
                       "fortran_order is True; only C "
                       "order is supported (save np.ascontiguousarray(a))");
      if (!parse_word(&c, "False")) return rt_fail(err, nerr, path, "fortran_order is not a bool");
    } else if (strcmp(key, "shape") == 0 && !seen_shape) {
      seen_shape = 1;
      int r = parse_shape(&c, &a->rank, a->shape);
      if (r == 2) return rt_fail(err, nerr, path, "rank above %d is not supported", RT_NPY_MAXRANK);
      if (r)
        return rt_fail(err, nerr, path,
                       "'shape' is not a tuple of "
                       "nonnegative ints");
    } else {
      int known = !strcmp(key, "descr") || !strcmp(key, "shape") || !strcmp(key, "fortran_order");
      return rt_fail(err, nerr, path,
                     "%s key '%s' in header (expected "
                     "descr, fortran_order, shape)",
                     known ? "repeated" : "unexpected", key);
    }
    if (!accept(&c, ',')) {
      if (accept(&c, '}')) break;
      return rt_fail(err, nerr, path, "malformed header near '%.30s'", c.s);
    }
  }
  skip_space(&c);
  if (c.s != c.end) return rt_fail(err, nerr, path, "junk after the header dict");
  if (!seen_descr || !seen_order || !seen_shape)
    return rt_fail(err, nerr, path, "header lacks '%s'",
                   !seen_descr   ? "descr"
                   : !seen_order ? "fortran_order"
                                 : "shape");
  return 0;
}

static void format_index(char *buf, size_t nbuf, const rt_npy *a, long flat) {
  long idx[RT_NPY_MAXRANK];
  for (int i = a->rank - 1; i >= 0; i--) {
    idx[i] = flat % a->shape[i];
    flat /= a->shape[i];
  }
  int n = snprintf(buf, nbuf, "[");
  for (int i = 0; i < a->rank; i++) n += snprintf(buf + n, nbuf - n, i ? ", %ld" : "%ld", idx[i]);
  snprintf(buf + n, nbuf - n, "]");
}

/* the preamble: magic, version, header length; the header starts at
   *start and has *hlen bytes */
static int read_preamble(FILE *f, const char *path, long long fsize, size_t *hlen, size_t *start, char *err,
                         size_t nerr) {
  unsigned char pre[12];
  if (fread(pre, 1, 10, f) != 10 || memcmp(pre, MAGIC, MAGIC_LEN) != 0) {
    rt_fail(err, nerr, path, "not a .npy file (no \\x93NUMPY magic)");
    return 1;
  }
  int major = pre[6], minor = pre[7];
  if (major == 1 && minor == 0) {
    *hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
    *start = 10;
  } else if ((major == 2 || major == 3) && minor == 0) {
    if (fread(pre + 10, 1, 2, f) != 2) {
      rt_fail(err, nerr, path,
              "truncated: file has %lld bytes, shorter "
              "than the 12-byte preamble",
              fsize);
      return 1;
    }
    *hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    *start = 12;
  } else {
    rt_fail(err, nerr, path,
            "unsupported format version %d.%d (1.0, 2.0, "
            "3.0 are read)",
            major, minor);
    return 1;
  }
  if (*hlen > MAX_HEADER) {
    rt_fail(err, nerr, path, "header length %zu exceeds %d bytes", *hlen, MAX_HEADER);
    return 1;
  }
  if ((long long)(*start + *hlen) > fsize) {
    rt_fail(err, nerr, path,
            "truncated: file has %lld bytes, the header "
            "needs %zu",
            fsize, *start + *hlen);
    return 1;
  }
  return 0;
}

int rt_npy_read(const char *path, int flags, rt_npy *out, char *err, size_t nerr) {
  char *header = NULL;
  unsigned char *raw = NULL;
  struct stat st;
  rt_npy a;
  int rc = 1;

  memset(out, 0, sizeof *out);
  memset(&a, 0, sizeof a);
  FILE *f = fopen(path, "rb");
  if (!f) return rt_fail(err, nerr, path, "cannot open: %s", strerror(errno));
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    rt_fail(err, nerr, path, "not a regular file");
    goto done;
  }
  long long fsize = (long long)st.st_size;
  size_t hlen, start;
  if (read_preamble(f, path, fsize, &hlen, &start, err, nerr)) goto done;
  header = malloc(hlen + 1);
  if (!header || fread(header, 1, hlen, f) != hlen) {
    rt_fail(err, nerr, path, header ? "read error" : "out of memory");
    goto done;
  }
  header[hlen] = 0;
  if (memchr(header, 0, hlen)) {
    rt_fail(err, nerr, path, "NUL byte in the header");
    goto done;
  }
  if (parse_header(path, header, hlen, &a, err, nerr)) goto done;
  a.count = shape_count(a.rank, a.shape, a.dtype);
  if (a.count < 0) {
    rt_fail(err, nerr, path, "shape too large");
    goto done;
  }
  long long want = (long long)(start + hlen) + (long long)a.count * a.dtype;
  if (fsize != want) {
    rt_fail(err, nerr, path,
            "%s: file has %lld bytes, expected %lld "
            "(%zu header + %ld elements x %d bytes)",
            fsize < want ? "truncated" : "trailing data", fsize, want, start + hlen, a.count, a.dtype);
    goto done;
  }
  size_t nbytes = (size_t)a.count * (size_t)a.dtype;
  int as_f8 = (flags & RT_NPY_AS_F8) && a.dtype == RT_NPY_F4;
  raw = malloc(nbytes ? nbytes : 1);
  a.data = malloc((size_t)a.count * (as_f8 ? 8 : (size_t)a.dtype) + 1);
  if (!raw || !a.data) {
    rt_fail(err, nerr, path, "out of memory for %ld elements", a.count);
    goto done;
  }
  if (fread(raw, 1, nbytes, f) != nbytes) {
    rt_fail(err, nerr, path, "read error: %s", strerror(errno));
    goto done;
  }
  for (long i = 0; i < a.count; i++) {
    double v;
    if (a.dtype == RT_NPY_F8) {
      v = get_f8(raw + 8 * i);
      ((double *)a.data)[i] = v;
    } else {
      float x = get_f4(raw + 4 * i);
      v = x;
      if (as_f8) ((double *)a.data)[i] = v;
      else ((float *)a.data)[i] = x;
    }
    if ((flags & RT_NPY_FINITE) && !isfinite(v)) {
      char idx[96];
      format_index(idx, sizeof idx, &a, i);
      rt_fail(err, nerr, path,
              "non-finite value %s at index %s (flat "
              "index %ld)",
              isnan(v) ? "NaN"
              : v > 0  ? "+Inf"
                       : "-Inf",
              idx, i);
      goto done;
    }
  }
  if (as_f8) a.dtype = RT_NPY_F8;
  *out = a;
  a.data = NULL;
  rc = 0;
done:
  fclose(f);
  free(header);
  free(raw);
  free(a.data);
  return rc;
}

void rt_npy_free(rt_npy *a) {
  free(a->data);
  a->data = NULL;
}

/* ---- CSV ---- */

int rt_csv_write(const char *path, const char *header, long rows, long cols, const double *data, char *err,
                 size_t nerr) {
  rt_atomic af;
  if (rows < 0 || cols < 0 || (rows > 0 && cols > 0 && !data))
    return rt_fail(err, nerr, path, "invalid table (%ld x %ld)", rows, cols);
  if (!rt_atomic_open(&af, path, "w", err, nerr)) return 1;
  if (header) fprintf(af.f, "%s\n", header);
  for (long i = 0; i < rows; i++) {
    for (long j = 0; j < cols; j++) fprintf(af.f, j ? ",%.17g" : "%.17g", data[i * cols + j]);
    if (fputc('\n', af.f) == EOF) break;
  }
  return rt_atomic_commit(&af, 1, 0, path, err, nerr); /* ferror: commit */
}
