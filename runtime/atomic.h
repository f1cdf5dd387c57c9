/* Files written whole or not at all: write to PATH.tmp.PID, then rename. */
#ifndef HNNC_ATOMIC_H
#define HNNC_ATOMIC_H
#include <stddef.h>
#include <stdio.h>

/* Opens the temporary file of path (its name in tmp, ntmp >= strlen(path) +
 * 24); NULL with "path: error: ..." in err on failure. */
FILE *rt_atomic_open(const char *path, const char *mode, char *tmp, size_t ntmp, char *err, size_t nerr);

/* Finishes a file from rt_atomic_open: ok says whether every write
 * succeeded; flushes (and fsyncs when sync), closes and renames tmp to
 * path. On any failure removes tmp and returns nonzero with a message. */
int rt_atomic_commit(FILE *f, int ok, int sync, const char *tmp, const char *path, char *err, size_t nerr);
#endif
