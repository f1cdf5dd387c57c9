/* Rows of numbers in text: what `hnnc eval` reads on stdin.
 *
 * One sample a line: numbers separated by commas, spaces or tabs, exactly
 * width of them (a CRLF ending is accepted). Blank lines and lines starting
 * with '#' are skipped. The first other line may be a header of names, as
 * in the CSV files hnnc writes ("q,p", "t,q1,q2,p1,p2,H"): a line whose
 * fields all start with a letter or '_' and hold only letters, digits and
 * '_'. Lines of any length are read (getline). Errors name the line and the
 * column (1-based, in bytes):
 *
 *   <stdin>:3:7: error: not a number: 'x1e'
 *   <stdin>:4:9: error: not a finite number: 'nan'
 *   <stdin>:5:2: error: a NUL byte in the line
 *   <stdin>:6: error: 3 numbers, a sample has 2
 */
#ifndef RT_ROWS_H
#define RT_ROWS_H

#include <stddef.h>
#include <stdio.h>

typedef struct rt_rows {
  long n; /* rows read */
  long width;
  double *data; /* n x width, row-major (malloc'd) */
  int header;   /* 1 if a header line was skipped */
} rt_rows;

/* Reads every line of f (named name in messages) into *out. 0, or 1 with
   "NAME:LINE[:COL]: error: ..." in err; on error *out is freed. */
int rt_rows_read(FILE *f, const char *name, long width, rt_rows *out, char *err, size_t nerr);

/* The same on a buffer of n bytes (the fuzz target; n may hold NULs). */
int rt_rows_parse(const char *buf, size_t n, const char *name, long width, rt_rows *out, char *err, size_t nerr);

void rt_rows_free(rt_rows *r);
#endif
