/* Checkpoint files (layout in checkpoint.h)
 *
 * The file is built in memory, then written to PATH.tmp.PID, flushed to
 * disk and renamed; the reader loads the whole file and parses it with
 * bounds checks, so a truncated file is reported as such and never read
 * past its end.
 */
#include "atomic.h"
#include "error.h"
#include "checkpoint.h"
#include "../prelude/hash.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "HNNCCKPT"

uint64_t rt_fnv1a(uint64_t h, const void *data, size_t n) { return hn_fnv1a(h, data, n); }

/* ---- a growing little-endian byte buffer ---- */

typedef struct buf {
  unsigned char *p;
  size_t n, cap;
  int oom;
} buf;

static void put(buf *b, uint64_t v, int bytes) {
  int i;
  if (b->n + bytes > b->cap) {
    size_t cap = b->cap ? 2 * b->cap : 4096;
    unsigned char *p;
    while (cap < b->n + bytes) cap *= 2;
    if (!(p = realloc(b->p, cap))) {
      b->oom = 1;
      return;
    }
    b->p = p, b->cap = cap;
  }
  for (i = 0; i < bytes; i++) b->p[b->n++] = (unsigned char)(v >> (8 * i));
}
static void put_u32(buf *b, uint32_t v) { put(b, v, 4); }
static void put_u64(buf *b, uint64_t v) { put(b, v, 8); }
static void put_i64(buf *b, long v) { put(b, (uint64_t)(int64_t)v, 8); }
static void put_f64(buf *b, double v) {
  uint64_t u;
  memcpy(&u, &v, 8);
  put(b, u, 8);
}
static void put_elems(buf *b, const void *a, long n, int elem) {
  long i;
  for (i = 0; i < n; i++) {
    if (elem == 8) put_f64(b, ((const double *)a)[i]);
    else {
      uint32_t u;
      memcpy(&u, (const float *)a + i, 4);
      put_u32(b, u);
    }
  }
}

int rt_checkpoint_write(const char *path, const rt_checkpoint *c, char *err, size_t nerr) {
  buf b = {0};
  rt_atomic af;
  FILE *f;
  int i, ok;
  long k;
  if (c->elem != 4 && c->elem != 8) return rt_fail(err, nerr, path, "element size %d (must be 4 or 8)", c->elem);
  for (i = 0; i < 8; i++) put(&b, (unsigned char)MAGIC[i], 1);
  put_u32(&b, RT_CHECKPOINT_VERSION);
  put_u32(&b, (uint32_t)c->elem);
  put_u64(&b, c->hash);
  put_u64(&b, (uint64_t)c->nparams);
  put_u32(&b, (uint32_t)c->ntensor);
  for (i = 0; i < c->ntensor; i++)
    for (k = 0; k < 5; k++) put_u32(&b, (uint32_t)c->shape[i][k]);
  put_u64(&b, c->seed);
  put_i64(&b, c->step);
  put_f64(&b, c->lr);
  put_f64(&b, c->weight_decay);
  put_i64(&b, c->batch);
  put_u32(&b, (uint32_t)c->sampler);
  put_i64(&b, c->test_batch);
  put_f64(&b, c->adam.lr), put_f64(&b, c->adam.beta1), put_f64(&b, c->adam.beta2), put_f64(&b, c->adam.eps);
  put_f64(&b, c->adam.weight_decay), put_i64(&b, c->adam.step), put_f64(&b, c->adam.beta1_t),
      put_f64(&b, c->adam.beta2_t);
  for (i = 0; i < 4; i++) put_u64(&b, c->rng_train.s[i]);
  for (i = 0; i < 4; i++) put_u64(&b, c->rng_test.s[i]);
  put_i64(&b, c->ntrain);
  put_i64(&b, c->ntest);
  put_i64(&b, c->cursor);
  for (k = 0; k < c->ntrain; k++) put_i64(&b, c->perm[k]);
  for (k = 0; k < c->ntest; k++) put_i64(&b, c->test_perm[k]);
  put_f64(&b, c->seconds);
  put_i64(&b, c->nhist);
  for (k = 0; k < 4 * c->nhist; k++) put_f64(&b, c->hist[k]);
  put_elems(&b, c->theta, c->nparams, c->elem);
  put_elems(&b, c->m, c->nparams, c->elem);
  put_elems(&b, c->v, c->nparams, c->elem);
  if (!b.oom) put_u64(&b, rt_fnv1a(RT_FNV_INIT, b.p, b.n));
  if (b.oom) {
    free(b.p);
    return rt_fail(err, nerr, path, "out of memory");
  }
  if (!(f = rt_atomic_open(&af, path, "wb", err, nerr))) {
    free(b.p);
    return 1;
  }
  ok = fwrite(b.p, 1, b.n, f) == b.n;
  free(b.p);
  return rt_atomic_commit(&af, ok, 1, path, err, nerr);
}

/* ---- reading ---- */

typedef struct rd {
  const unsigned char *p;
  size_t n, at;
  int short_;
} rd;

static uint64_t get(rd *r, int bytes) {
  uint64_t v = 0;
  int i;
  if (r->short_ || r->at + bytes > r->n) {
    r->short_ = 1;
    return 0;
  }
  for (i = 0; i < bytes; i++) v |= (uint64_t)r->p[r->at + i] << (8 * i);
  r->at += bytes;
  return v;
}
static double get_f64(rd *r) {
  uint64_t u = get(r, 8);
  double v;
  memcpy(&v, &u, 8);
  return v;
}
static long get_i64(rd *r) { return (long)(int64_t)get(r, 8); }
/* n elements, if the file holds them; NULL (and r->short_) if not */
static void *get_elems(rd *r, long n, int elem) {
  void *a;
  long i;
  if (r->short_ || n < 0 || (size_t)n > (r->n - r->at) / elem) {
    r->short_ = 1;
    return NULL;
  }
  if (!(a = malloc((size_t)n * elem + 1))) return NULL;
  for (i = 0; i < n; i++) {
    if (elem == 8) ((double *)a)[i] = get_f64(r);
    else {
      uint32_t u = (uint32_t)get(r, 4);
      memcpy((float *)a + i, &u, 4);
    }
  }
  return a;
}
static long *get_longs(rd *r, long n) {
  long *a, i;
  if (r->short_ || n < 0 || (size_t)n > (r->n - r->at) / 8) {
    r->short_ = 1;
    return NULL;
  }
  if (!(a = malloc((size_t)n * sizeof *a + 1))) return NULL;
  for (i = 0; i < n; i++) a[i] = get_i64(r);
  return a;
}

void rt_checkpoint_free(rt_checkpoint *c) {
  free(c->shape), free(c->perm), free(c->test_perm), free(c->hist);
  free(c->theta), free(c->m), free(c->v);
  memset(c, 0, sizeof *c);
}

int rt_checkpoint_is(const char *path) {
  char m[8];
  FILE *f = fopen(path, "rb");
  int is = f && fread(m, 1, 8, f) == 8 && !memcmp(m, MAGIC, 8);
  if (f) fclose(f);
  return is;
}

/* index of the first element of a that is not finite (or negative, if
   nonneg), or -1 */
static long first_bad(const void *a, long n, int elem, int nonneg) {
  long i;
  for (i = 0; i < n; i++) {
    double v = elem == 8 ? ((const double *)a)[i] : ((const float *)a)[i];
    if (!isfinite(v) || (nonneg && v < 0)) return i;
  }
  return -1;
}

/* A checksum proves the bytes are the ones written, not that the state is
   sound: a run that wrote NaN moments (or a hand-made file) would resume
   into NaN. Refuses non-finite parameters, moments and Adam scalars. */
static int check_values(const char *path, rt_checkpoint *c, char *err, size_t nerr) {
  static const char *const what[3] = {"the parameters hold", "Adam's first moment holds", "Adam's second moment holds"};
  const void *arr[3] = {c->theta, c->m, c->v};
  const rt_adam *a = &c->adam;
  int k;
  for (k = 0; k < 3; k++) {
    long i = first_bad(arr[k], c->nparams, c->elem, k == 2);
    if (i >= 0) {
      double v = c->elem == 8 ? ((const double *)arr[k])[i] : ((const float *)arr[k])[i];
      rt_checkpoint_free(c);
      return rt_fail(err, nerr, path,
                     "%s %g at element %ld: the checkpoint cannot be resumed or used (a diverged "
                     "run, or a damaged file); train anew, or use an earlier checkpoint",
                     what[k], v, i);
    }
  }
  if (!isfinite(c->lr) || !isfinite(c->weight_decay) || !isfinite(a->lr) || !isfinite(a->beta1) ||
      !isfinite(a->beta2) || !isfinite(a->eps) || !isfinite(a->weight_decay) || !isfinite(a->beta1_t) ||
      !isfinite(a->beta2_t) || a->step < 0 || c->step < 0 || !isfinite(c->seconds)) {
    rt_checkpoint_free(c);
    return rt_fail(err, nerr, path,
                   "the optimizer state holds a NaN, an infinity or a negative count: the checkpoint "
                   "cannot be resumed (a damaged file); train anew");
  }
  return 0;
}

int rt_checkpoint_read(const char *path, rt_checkpoint *c, char *err, size_t nerr) {
  FILE *f;
  unsigned char *data = NULL;
  size_t size = 0, cap = 0, got;
  rd r;
  int i, k;
  memset(c, 0, sizeof *c);
  if (!(f = fopen(path, "rb"))) return rt_fail(err, nerr, path, "cannot open the checkpoint: %s", strerror(errno));
  for (;;) {
    if (size == cap) {
      unsigned char *p = realloc(data, cap = cap ? 2 * cap : 1 << 16);
      if (!p) {
        free(data), fclose(f);
        return rt_fail(err, nerr, path, "out of memory");
      }
      data = p;
    }
    got = fread(data + size, 1, cap - size, f);
    size += got;
    if (!got) break;
  }
  if (ferror(f)) {
    free(data), fclose(f);
    return rt_fail(err, nerr, path, "cannot read: %s", strerror(errno));
  }
  fclose(f);
  r.p = data, r.n = size, r.at = 0, r.short_ = 0;
  if (size < 8 || memcmp(data, MAGIC, 8)) {
    free(data);
    return rt_fail(err, nerr, path, "not an hnnc checkpoint (no \"%s\" magic)", MAGIC);
  }
  r.at = 8;
  c->version = (int)get(&r, 4);
  if (!r.short_ && c->version != RT_CHECKPOINT_VERSION) {
    free(data);
    return rt_fail(err, nerr, path, "checkpoint version %d; this hnnc reads version %d", c->version,
                   RT_CHECKPOINT_VERSION);
  }
  c->elem = (int)get(&r, 4);
  if (!r.short_ && c->elem != 4 && c->elem != 8) {
    free(data);
    return rt_fail(err, nerr, path, "bad element size %d in the checkpoint header (corrupted)", c->elem);
  }
  c->hash = get(&r, 8);
  c->nparams = (long)get(&r, 8);
  c->ntensor = (int)get(&r, 4);
  if (!r.short_ && (c->ntensor < 0 || (size_t)c->ntensor > (size - r.at) / 20)) r.short_ = 1;
  if (!r.short_ && !(c->shape = malloc((c->ntensor + 1) * sizeof *c->shape))) goto oom;
  for (i = 0; !r.short_ && i < c->ntensor; i++)
    for (k = 0; k < 5; k++) c->shape[i][k] = (int)get(&r, 4);
  c->seed = get(&r, 8);
  c->step = get_i64(&r);
  c->lr = get_f64(&r);
  c->weight_decay = get_f64(&r);
  c->batch = get_i64(&r);
  c->sampler = (int)get(&r, 4);
  c->test_batch = get_i64(&r);
  c->adam.lr = get_f64(&r), c->adam.beta1 = get_f64(&r), c->adam.beta2 = get_f64(&r), c->adam.eps = get_f64(&r);
  c->adam.weight_decay = get_f64(&r), c->adam.step = get_i64(&r);
  c->adam.beta1_t = get_f64(&r), c->adam.beta2_t = get_f64(&r);
  for (i = 0; i < 4; i++) c->rng_train.s[i] = get(&r, 8);
  for (i = 0; i < 4; i++) c->rng_test.s[i] = get(&r, 8);
  c->ntrain = get_i64(&r);
  c->ntest = get_i64(&r);
  c->cursor = get_i64(&r);
  c->perm = get_longs(&r, c->ntrain);
  if (!r.short_ && !c->perm) goto oom;
  c->test_perm = get_longs(&r, c->ntest);
  if (!r.short_ && !c->test_perm) goto oom;
  c->seconds = get_f64(&r);
  c->nhist = get_i64(&r);
  if (!r.short_ && (c->nhist < 0 || (size_t)c->nhist > (size - r.at) / 32)) r.short_ = 1;
  c->hist = r.short_ ? NULL : get_elems(&r, 4 * c->nhist, 8);
  if (!r.short_ && !c->hist) goto oom;
  if (!r.short_ && (c->nparams < 0 || (size_t)c->nparams > (size - r.at) / c->elem)) r.short_ = 1;
  c->theta = get_elems(&r, c->nparams, c->elem);
  if (!r.short_ && !c->theta) goto oom;
  c->m = get_elems(&r, c->nparams, c->elem);
  if (!r.short_ && !c->m) goto oom;
  c->v = get_elems(&r, c->nparams, c->elem);
  if (!r.short_ && !c->v) goto oom;
  if (r.short_ || r.at + 8 > size) {
    free(data);
    rt_checkpoint_free(c);
    return rt_fail(err, nerr, path, "truncated checkpoint (%zu bytes)", size);
  }
  {
    uint64_t want = rt_fnv1a(RT_FNV_INIT, data, r.at), have = get(&r, 8);
    if (want != have || r.at != size) {
      free(data);
      rt_checkpoint_free(c);
      if (want != have) return rt_fail(err, nerr, path, "checksum mismatch: the checkpoint is corrupted");
      return rt_fail(err, nerr, path, "%zu bytes of trailing data after the checkpoint (corrupted)", size - r.at);
    }
  }
  free(data);
  return check_values(path, c, err, nerr);
oom:
  free(data);
  rt_checkpoint_free(c);
  return rt_fail(err, nerr, path, "out of memory");
}
