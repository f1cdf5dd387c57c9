/* Files written whole or not at all: the runtime's one atomic writer.
 *
 * A file is written to PATH.tmp.PID (PID: two processes writing the same
 * file never share a temporary), flushed (and fsynced on request), closed
 * and renamed to PATH, so a reader sees the old file or the whole new one,
 * never a part. On any failure the temporary is removed and the message
 * names PATH, never the temporary. Errors follow error.h.
 */
#ifndef HNNC_ATOMIC_H
#define HNNC_ATOMIC_H
#include <stddef.h>
#include <stdio.h>

typedef struct rt_atomic {
  FILE *f;   /* write here between open and commit */
  char *tmp; /* the temporary's name (heap) */
} rt_atomic;

/* Opens the temporary of path with mode ("w" or "wb"); returns a->f, or
 * NULL with "path: error: cannot write: ..." in err. */
FILE *rt_atomic_open(rt_atomic *a, const char *path, const char *mode, char *err, size_t nerr);

/* Finishes a file from rt_atomic_open: ok says whether every write
 * succeeded; flushes (and fsyncs when sync), closes, renames to path.
 * Returns 0, or 1 with a message (nothing left at the temporary). */
int rt_atomic_commit(rt_atomic *a, int ok, int sync, const char *path, char *err, size_t nerr);

/* Gives up a file from rt_atomic_open: closes and removes the temporary. */
void rt_atomic_abort(rt_atomic *a);

/* The whole file at once: n bytes of data. */
int rt_atomic_write(const char *path, const void *data, size_t n, int sync, char *err, size_t nerr);
#endif
