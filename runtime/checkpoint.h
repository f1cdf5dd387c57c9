/* Training checkpoints: everything a run needs to continue bit for bit.
 *
 * One binary file, little-endian whatever the host, written to PATH.tmp.PID
 * and renamed to PATH when complete (so PATH holds the old or the whole new
 * checkpoint, never a part). Layout, version 1:
 *
 *   "HNNCCKPT" magic (8 bytes), u32 version, u32 element size (4 float, 8 double)
 *   u64 model hash, u64 nparams, u32 ntensor, ntensor x (u32 rank, u32 dim[4])
 *   u64 seed, i64 step (updates done), f64 lr, f64 weight_decay, i64 batch,
 *   u32 sampler, i64 test_batch
 *   Adam: f64 lr, beta1, beta2, eps, weight_decay, i64 step, f64 beta1^t, beta2^t
 *   rng_train s[4], rng_test s[4] (u64 each)
 *   i64 ntrain, i64 ntest, i64 cursor, ntrain x i64 perm, ntest x i64 test perm
 *   f64 seconds (wall time of training so far)
 *   i64 nhist, nhist x (f64 step, train loss, test loss, seconds)
 *   theta, Adam m, Adam v: nparams elements each, of the element size
 *   u64 FNV-1a 64 of every byte before it
 *
 * The reader checks the magic, the version, the sizes against the file
 * length and the checksum, and that theta, the Adam moments (v >= 0) and
 * the optimizer's scalars are finite (a checksum only proves that the bytes
 * are those written); errors name the file ("PATH: error: ...").
 * Checking that a checkpoint belongs to a model (hash, dtype, shapes) is
 * the caller's business (rt_train).
 */
#ifndef RT_CHECKPOINT_H
#define RT_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "adam.h"
#include "../prelude/rng.h"

#define RT_CHECKPOINT_VERSION 1

typedef struct rt_checkpoint {
  int version;
  int elem;      /* 4: float, 8: double */
  uint64_t hash; /* the model's (see rt_objective) */
  long nparams;
  int ntensor;
  int (*shape)[5]; /* per parameter tensor: rank, dim[4] */
  uint64_t seed;
  long step; /* Adam updates done */
  double lr, weight_decay;
  long batch;      /* 0: full batch */
  int sampler;     /* RT_SAMPLE_* (train.h) */
  long test_batch; /* 0: the whole test set */
  rt_adam adam;
  rt_rng rng_train, rng_test;
  long ntrain, ntest, cursor;
  long *perm, *test_perm; /* ntrain and ntest entries */
  double seconds;
  long nhist;
  double *hist;        /* nhist rows: step, train loss, test loss, seconds */
  void *theta, *m, *v; /* nparams elements each */
} rt_checkpoint;

/* Writes c to path atomically. 0, or nonzero with "PATH: error: ..." */
int rt_checkpoint_write(const char *path, const rt_checkpoint *c, char *err, size_t nerr);
/* Reads path into *c (arrays malloc'd; free with rt_checkpoint_free). On
   error *c is zeroed and nothing stays allocated. */
int rt_checkpoint_read(const char *path, rt_checkpoint *c, char *err, size_t nerr);
void rt_checkpoint_free(rt_checkpoint *c);
/* 1 if the file at path starts with the checkpoint magic */
int rt_checkpoint_is(const char *path);

/* FNV-1a 64 (the checksum, and the model hash of the CLI): prelude/hash.h's */
#define RT_FNV_INIT 0xcbf29ce484222325ULL
uint64_t rt_fnv1a(uint64_t h, const void *data, size_t n);
#endif
