/* A user's data files as a data set (data.h: rt_dataset_read, and the CSV
 * half of rt_dataset_load)
 *
 * requires npy.c (.npy), rows.c (CSV lines), error.c
 *
 * An array file is a .npy of shape (rows, dim) or (trajectories, points,
 * dim), or a CSV with a header line: columns named `trajectory` and `t`
 * are the trajectory number and the time of the row, the others the state
 * (as `hnnc data --csv` writes them: trajectory,t,q1,..,pn). CSV rows with
 * a trajectory column form trajectories of consecutive rows with one
 * number; rows with a t column but no trajectory column, one trajectory.
 *
 * Targets by finite differences, when no dx is given: along each
 * trajectory, at sample k with h0 = t_k - t_{k-1}, h1 = t_{k+1} - t_k,
 *   interior  dx_k = (h0^2 (x_{k+1} - x_k) + h1^2 (x_k - x_{k-1})) / (h0 h1 (h0 + h1))
 *   ends      the derivative of the parabola through the first (last) three
 *             samples
 * the exact derivative of the interpolating parabola: the error is
 * h0 h1 |x'''| / 6 inside (h^2/6 on a uniform grid) and (h0 (h0 + h1)) |x'''|
 * / 6 at the ends (h^2/3); noise of std s on x adds about s / (sqrt(2) h)
 * inside. Two samples give the first-order difference (error h |x''| / 2).
 */
#include "data.h"
#include "error.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "npy.h"
#include "rows.h"

/* one array file, rows x dim; trajectory-shaped when npoints > 0; t: the
   time of each row, or NULL */
typedef struct table {
  double *x, *t;
  long rows, ntraj;
  int dim, npoints;
} table;

static void table_free(table *tb) {
  free(tb->x), free(tb->t);
  memset(tb, 0, sizeof *tb);
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcmp(s + n - m, suffix);
}

/* the header's column names: *traj and *tcol their indices (-1: none) */
static int csv_header(FILE *f, const char *path, long *width, long *traj, long *tcol, char *err, size_t nerr) {
  char *line = NULL, *s;
  size_t cap = 0;
  long k = 0;
  ssize_t len;
  *traj = *tcol = -1;
  while ((len = getline(&line, &cap, f)) >= 0 && (line[0] == '#' || strspn(line, " \t\r\n") == (size_t)len)) {}
  if (len < 0) {
    free(line);
    return rt_fail(err, nerr, path, "empty file: a CSV needs a header line and rows");
  }
  for (s = strtok(line, ", \t\r\n"); s; s = strtok(NULL, ", \t\r\n"), k++) {
    if (!strcmp(s, "trajectory")) *traj = k;
    else if (!strcmp(s, "t")) *tcol = k;
    else if (!(s[0] == '_' || (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z'))) {
      rt_fail(err, nerr, path, "the first line must be a header of column names (trajectory,t,q,p ...), found '%s'", s);
      free(line); /* after formatting: s points into line */
      return 1;
    }
  }
  free(line);
  *width = k;
  return 0;
}

/* rows of a CSV into tb; trajectories from the trajectory column */
static int read_csv(const char *path, table *tb, char *err, size_t nerr) {
  FILE *f = fopen(path, "r");
  long width = 0, traj, tcol, r, c, j;
  rt_rows rows;
  if (!f) return rt_fail(err, nerr, path, "cannot open: %s", strerror(errno));
  if (csv_header(f, path, &width, &traj, &tcol, err, nerr)) return fclose(f), 1;
  rewind(f);
  if (rt_rows_read(f, path, width, &rows, err, nerr)) return fclose(f), 1;
  fclose(f);
  tb->dim = (int)(width - (traj >= 0) - (tcol >= 0));
  tb->rows = rows.n;
  if (tb->dim < 1 || rows.n < 1) {
    rt_rows_free(&rows);
    return rt_fail(err, nerr, path, "%s", rows.n < 1 ? "no rows" : "no state columns besides trajectory and t");
  }
  tb->x = malloc((size_t)rows.n * tb->dim * sizeof *tb->x + 1);
  tb->t = tcol >= 0 ? malloc((size_t)rows.n * sizeof *tb->t + 1) : NULL;
  if (!tb->x || (tcol >= 0 && !tb->t)) {
    rt_rows_free(&rows);
    free(tb->x), free(tb->t), tb->x = tb->t = NULL;
    return rt_fail(err, nerr, path, "out of memory");
  }
  for (r = 0; r < rows.n; r++) {
    const double *row = rows.data + (size_t)r * width;
    for (c = j = 0; c < width; c++)
      if (c != traj && c != tcol) tb->x[(size_t)r * tb->dim + j++] = row[c];
    if (tb->t) tb->t[r] = row[tcol];
  }
  if (traj >= 0 || tcol >= 0) { /* trajectories: runs of one number */
    long n = 0, len = 0, start = 0;
    for (r = 1; r <= rows.n; r++) {
      if (r < rows.n && (traj < 0 || rows.data[(size_t)r * width + traj] == rows.data[(size_t)(r - 1) * width + traj]))
        continue;
      if (n == 0) len = r - start;
      else if (r - start != len) {
        rt_rows_free(&rows);
        free(tb->x), free(tb->t), tb->x = tb->t = NULL;
        return rt_fail(err, nerr, path,
                       "trajectory %ld (data row %ld) has %ld rows, trajectory 0 has %ld: "
                       "trajectories must have equal lengths",
                       n, start + 1, r - start, len);
      }
      n++, start = r;
    }
    tb->ntraj = n, tb->npoints = (int)len;
  }
  rt_rows_free(&rows);
  return 0;
}

static int read_table(const char *path, table *tb, char *err, size_t nerr) {
  rt_npy a;
  memset(tb, 0, sizeof *tb);
  if (ends_with(path, ".csv")) return read_csv(path, tb, err, nerr);
  if (rt_npy_read(path, RT_NPY_FINITE | RT_NPY_AS_F8, &a, err, nerr)) return 1;
  if ((a.rank != 2 && a.rank != 3) || a.shape[a.rank - 1] < 1 || a.shape[a.rank - 1] > RT_MAXDIM || a.count < 1) {
    rt_npy_free(&a);
    return rt_fail(err, nerr, path,
                   "expected a (rows, dim) or (trajectories, points, dim) array with 1 <= dim <= %d "
                   "and a row or more, found rank %d",
                   RT_MAXDIM, a.rank);
  }
  tb->x = a.data;
  tb->dim = (int)a.shape[a.rank - 1];
  tb->rows = a.count / tb->dim;
  if (a.rank == 3) tb->ntraj = a.shape[0], tb->npoints = (int)a.shape[1];
  return 0;
}

/* the times of a trajectory-shaped x: one vector for all (npoints values)
   or one a row, from a file */
static int read_times(const char *path, table *x, const char *xpath, char *err, size_t nerr) {
  table tt;
  long n;
  if (ends_with(path, ".csv")) {
    if (read_csv(path, &tt, err, nerr)) return 1;
  } else {
    rt_npy a;
    if (rt_npy_read(path, RT_NPY_FINITE | RT_NPY_AS_F8, &a, err, nerr)) return 1;
    memset(&tt, 0, sizeof tt);
    tt.x = a.data, tt.rows = a.count, tt.dim = 1;
  }
  n = tt.rows * tt.dim;
  if (n != x->rows && !(x->npoints > 0 && n == x->npoints)) {
    table_free(&tt);
    return rt_fail(err, nerr, path, "%ld times; %s has %ld rows%s", n, xpath, x->rows,
                   x->npoints > 0 ? " (or give one time a point of a trajectory)" : "");
  }
  free(x->t);
  x->t = malloc((size_t)x->rows * sizeof *x->t + 1);
  if (!x->t) return table_free(&tt), rt_fail(err, nerr, path, "out of memory");
  for (long r = 0; r < x->rows; r++) x->t[r] = tt.x[n == x->rows ? r : r % x->npoints];
  if (x->npoints <= 0) x->ntraj = 1, x->npoints = (int)x->rows; /* rows with times: one trajectory */
  table_free(&tt);
  return 0;
}

/* dx of every trajectory by finite differences (file comment) */
static int differences(const table *x, double *dx, const char *who, char *err, size_t nerr) {
  int np = x->npoints, dim = x->dim;
  if (np < 2) return rt_fail(err, nerr, who, "finite differences need 2 or more samples a trajectory");
  for (long j = 0; j < x->ntraj; j++) {
    const double *t = x->t + (size_t)j * np, *xs = x->x + (size_t)j * np * dim;
    double *d = dx + (size_t)j * np * dim;
    for (int k = 1; k < np; k++)
      if (!(t[k] > t[k - 1]))
        return rt_fail(err, nerr, who,
                       "the times of trajectory %ld are not increasing at its sample %d (t = %.17g "
                       "after %.17g)",
                       j, k, t[k], t[k - 1]);
    for (int k = 0; k < np; k++) {
      int a = np == 2 ? 0 : k == 0 ? 0 : k == np - 1 ? np - 3 : k - 1; /* the three samples a, a+1, a+2 */
      for (int c = 0; c < dim; c++) {
        double x0 = xs[(size_t)a * dim + c], x1 = xs[(size_t)(a + 1) * dim + c];
        if (np == 2) {
          d[(size_t)k * dim + c] = (x1 - x0) / (t[1] - t[0]);
          continue;
        }
        double x2 = xs[(size_t)(a + 2) * dim + c], h0 = t[a + 1] - t[a], h1 = t[a + 2] - t[a + 1];
        double s0 = (x1 - x0) / h0, s1 = (x2 - x1) / h1, curv = (s1 - s0) / (h0 + h1);
        /* the parabola's derivative at t[k]: s0 + curv * (2 t[k] - t[a] - t[a+1]) */
        double at = k == a ? -h0 : k == a + 1 ? h0 : h0 + 2 * h1;
        d[(size_t)k * dim + c] = s0 + curv * at;
      }
    }
  }
  return 0;
}

int rt_dataset_read(const char *xpath, const char *dxpath, const char *tpath, const double *grid, int ngrid,
                    double split, int test_first, rt_dataset *out, char *err, size_t nerr) {
  table x, dx;
  int rc = 1;
  long first, ntr, per;
  memset(out, 0, sizeof *out);
  memset(&dx, 0, sizeof dx);
  if (read_table(xpath, &x, err, nerr)) return 1;
  if (tpath && read_times(tpath, &x, xpath, err, nerr)) goto done;
  if (!x.t && grid && ngrid > 0 && x.npoints == ngrid) { /* the declared grid */
    x.t = malloc((size_t)x.rows * sizeof *x.t + 1);
    if (!x.t) goto oom;
    for (long r = 0; r < x.rows; r++) x.t[r] = grid[r % ngrid];
  }
  if (dxpath) {
    if (read_table(dxpath, &dx, err, nerr)) goto done;
    if (dx.rows != x.rows || dx.dim != x.dim) {
      rt_fail(err, nerr, dxpath, "%ld rows of %d values, but %s has %ld rows of %d", dx.rows, dx.dim, xpath, x.rows,
              x.dim);
      goto done;
    }
  } else {
    if (!x.t || x.npoints < 1) {
      rt_fail(err, nerr, xpath,
              "no dx: the targets are then finite differences along time, which need trajectories "
              "and their times (a t column, files.t, or the declaration's t = {t0, t1, points = N} matching the "
              "points a trajectory)");
      goto done;
    }
    dx.x = malloc((size_t)x.rows * x.dim * sizeof *dx.x + 1);
    if (!dx.x) goto oom;
    if (differences(&x, dx.x, xpath, err, nerr)) goto done;
  }
  /* split by trajectory (rows are trajectories of one point) */
  per = x.npoints > 0 ? x.npoints : 1;
  {
    long n = x.rows / per;
    first = (long)((double)n * split);
    ntr = test_first ? n - first : first;
    if (ntr < 1) {
      rt_fail(err, nerr, xpath, "the split leaves no training %s (%ld in all)", x.npoints > 0 ? "trajectory" : "row",
              n);
      goto done;
    }
    long train0 = test_first ? first : 0, test0 = test_first ? 0 : ntr;
    size_t row = (size_t)x.dim * sizeof(double);
    out->dim = x.dim;
    out->ntrain = ntr * per, out->ntest = (n - ntr) * per;
    if (x.npoints > 0) out->npoints = x.npoints, out->ntraj_train = ntr, out->ntraj_test = n - ntr;
    out->x_train = malloc((size_t)out->ntrain * row + 1), out->dx_train = malloc((size_t)out->ntrain * row + 1);
    out->x_test = malloc((size_t)out->ntest * row + 1), out->dx_test = malloc((size_t)out->ntest * row + 1);
    if (!out->x_train || !out->dx_train || !out->x_test || !out->dx_test) goto oom;
    memcpy(out->x_train, x.x + (size_t)train0 * per * x.dim, (size_t)out->ntrain * row);
    memcpy(out->dx_train, dx.x + (size_t)train0 * per * x.dim, (size_t)out->ntrain * row);
    memcpy(out->x_test, x.x + (size_t)test0 * per * x.dim, (size_t)out->ntest * row);
    memcpy(out->dx_test, dx.x + (size_t)test0 * per * x.dim, (size_t)out->ntest * row);
    if (x.t && x.npoints > 0) {
      if (!(out->t = malloc((size_t)x.npoints * sizeof *out->t))) goto oom;
      memcpy(out->t, x.t, (size_t)x.npoints * sizeof *out->t); /* the first trajectory's */
    }
  }
  rc = 0;
  goto done;
oom:
  rt_fail(err, nerr, xpath, "out of memory");
done:
  if (rc) rt_dataset_free(out);
  table_free(&x), table_free(&dx);
  return rc;
}

int rt_dataset_load_csv(const char *dir, rt_dataset *out, char *err, size_t nerr) {
  static const char *const names[4] = {"x_train", "dx_train", "x_test", "dx_test"};
  double **dst[4] = {&out->x_train, &out->dx_train, &out->x_test, &out->dx_test};
  table tb[4];
  int rc = 1, i;
  char *path[4] = {0};
  memset(out, 0, sizeof *out);
  memset(tb, 0, sizeof tb);
  for (i = 0; i < 4; i++) {
    size_t n = strlen(dir) + 16;
    if (!(path[i] = malloc(n))) goto done;
    snprintf(path[i], n, "%s/%s.csv", dir, names[i]);
    if (read_table(path[i], &tb[i], err, nerr)) goto done;
    if (tb[i].dim != tb[0].dim || tb[i].npoints != tb[0].npoints || (i % 2 && tb[i].rows != tb[i - 1].rows)) {
      rt_fail(err, nerr, path[i], "%ld rows of %d values (%d a trajectory), but %s has %ld rows of %d (%d)", tb[i].rows,
              tb[i].dim, tb[i].npoints, path[i % 2 ? i - 1 : 0], tb[i % 2 ? i - 1 : 0].rows, tb[i % 2 ? i - 1 : 0].dim,
              tb[i % 2 ? i - 1 : 0].npoints);
      goto done;
    }
  }
  for (i = 0; i < 4; i++) *dst[i] = tb[i].x, tb[i].x = NULL;
  out->dim = tb[0].dim, out->ntrain = tb[0].rows, out->ntest = tb[2].rows;
  if (tb[0].npoints > 0) {
    out->npoints = tb[0].npoints, out->ntraj_train = tb[0].ntraj, out->ntraj_test = tb[2].ntraj;
    if (tb[0].t && (out->t = malloc((size_t)out->npoints * sizeof *out->t)))
      memcpy(out->t, tb[0].t, (size_t)out->npoints * sizeof *out->t);
  }
  rc = 0;
done:
  for (i = 0; i < 4; i++) table_free(&tb[i]), free(path[i]);
  if (rc) rt_dataset_free(out);
  return rc;
}
