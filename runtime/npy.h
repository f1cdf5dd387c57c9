/* NumPy .npy files and CSV export
 *
 * Reads format versions 1.0, 2.0 and 3.0 and writes 1.0 (what np.save
 * writes for any array of rank <= 4: the file is byte-identical to
 * np.save's). Only little-endian float64 ('<f8') and float32 ('<f4') in C
 * order, rank 0 to RT_NPY_MAXRANK. Writes are atomic: the data go to
 * PATH.tmp.PID, which is renamed to PATH only when complete, so PATH holds
 * either its old content or the whole new file, and an error leaves no
 * partial file behind.
 *
 * Every function returns 0 or nonzero; on error it fills err (when not
 * NULL, nerr bytes, always NUL-terminated) with "PATH: error: message".
 * No global state; memory is malloc'd and freed by rt_npy_free.
 */
#ifndef RT_NPY_H
#define RT_NPY_H

#include <stddef.h>

#define RT_NPY_MAXRANK 4

/* element types; the value is the element size in bytes */
enum { RT_NPY_F4 = 4, RT_NPY_F8 = 8 };

/* read and write flags */
enum {
  RT_NPY_FINITE = 1, /* read: reject NaN and Inf, naming the first */
  RT_NPY_AS_F8 = 2,  /* read: widen '<f4' data to double (exactly) */
  RT_NPY_FSYNC = 4   /* write: fsync the file before the rename */
};

typedef struct rt_npy {
  int dtype;                  /* RT_NPY_F8 or RT_NPY_F4 */
  int rank;                   /* 0 .. RT_NPY_MAXRANK */
  long shape[RT_NPY_MAXRANK]; /* shape[0 .. rank-1] >= 0 */
  long count;                 /* product of the shape (1 for rank 0) */
  void *data;                 /* count doubles or floats, C order */
} rt_npy;

/* Writes a (data in a->dtype, count elements, C order) to path, format 1.0.
   a->count is not read: the shape decides. flags: RT_NPY_FSYNC or 0. */
int rt_npy_write(const char *path, const rt_npy *a, int flags, char *err, size_t nerr);

/* Reads path into *out (data malloc'd; free with rt_npy_free). Validates
   the magic, version, header, dtype, fortran_order, shape and that the file
   size is exactly header + count * element size. flags: RT_NPY_FINITE,
   RT_NPY_AS_F8. On error *out is zeroed and nothing is allocated. */
int rt_npy_read(const char *path, int flags, rt_npy *out, char *err, size_t nerr);

void rt_npy_free(rt_npy *a);

/* Writes rows x cols doubles (row-major) as CSV, each value as "%.17g"
   (round-trips exactly), comma-separated, one line per row, after the line
   header if header is not NULL (given without its newline). Atomic as
   rt_npy_write. */
int rt_csv_write(const char *path, const char *header, long rows, long cols, const double *data, char *err,
                 size_t nerr);

#endif
