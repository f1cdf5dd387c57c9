/* Parameter initializers, drawn from hnnc's generator: parameter i uses
 * stream i + 1 of the model seed, so adding a parameter never changes the
 * values of the others. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "init.h"
#include "../prelude/rng.h"

/* Orthonormalizes the columns of a (rows x cols, rows >= cols, row-major)
 * by modified Gram-Schmidt run twice; the diagonal of R stays positive,
 * which is the sign convention of torch.nn.init.orthogonal_. */
static void orthonormalize(double *a, int rows, int cols) {
  int j, k, i, pass;
  for (j = 0; j < cols; j++) {
    for (pass = 0; pass < 2; pass++)
      for (k = 0; k < j; k++) {
        double d = 0;
        for (i = 0; i < rows; i++) d += a[i * cols + k] * a[i * cols + j];
        for (i = 0; i < rows; i++) a[i * cols + j] -= d * a[i * cols + k];
      }
    {
      double nrm = 0;
      for (i = 0; i < rows; i++) nrm += a[i * cols + j] * a[i * cols + j];
      nrm = sqrt(nrm);
      for (i = 0; i < rows; i++) a[i * cols + j] /= nrm;
    }
  }
}

void init_params(const Graph *g, uint64_t seed, double *theta) {
  int i;
  long k;
  for (i = 0; i < g->nparam; i++) {
    const Param *p = &g->param[i];
    double *w = theta + p->offset;
    long sz = shape_size(&p->shape);
    int rows = p->shape.rank >= 2 ? p->shape.dim[0] : (int)sz, cols = p->shape.rank >= 2 ? (int)(sz / rows) : 1;
    rt_rng r;
    rt_rng_seed(&r, seed, (uint64_t)i + 1);
    if (!strcmp(p->init, "zeros") || !strcmp(p->init, "ones"))
      for (k = 0; k < sz; k++) w[k] = p->init[0] == 'o';
    else if (!strcmp(p->init, "normal"))
      for (k = 0; k < sz; k++) w[k] = p->arg[0] + p->arg[1] * rt_rng_normal(&r);
    else if (!strcmp(p->init, "uniform"))
      for (k = 0; k < sz; k++) w[k] = p->arg[0] + (p->arg[1] - p->arg[0]) * rt_rng_uniform(&r);
    else if (!strcmp(p->init, "glorot")) { /* fan in = rows, fan out = columns */
      double lim = p->arg[0] * sqrt(6.0 / (rows + cols));
      for (k = 0; k < sz; k++) w[k] = lim * (2 * rt_rng_uniform(&r) - 1);
    } else if (!strcmp(p->init, "torch")) { /* PyTorch's Linear default */
      double lim = 1 / sqrt(p->arg[0]);
      for (k = 0; k < sz; k++) w[k] = lim * (2 * rt_rng_uniform(&r) - 1);
    } else if (!strcmp(p->init, "orthogonal")) {
      int tall = rows >= cols, R = tall ? rows : cols, C = tall ? cols : rows, a, b;
      double *m = malloc((size_t)sz * sizeof *m);
      for (k = 0; k < sz; k++) m[k] = rt_rng_normal(&r);
      orthonormalize(m, R, C);
      for (a = 0; a < rows; a++)
        for (b = 0; b < cols; b++) w[(long)a * cols + b] = p->arg[0] * (tall ? m[(long)a * cols + b] : m[(long)b * rows + a]);
      free(m);
    }
    if (g->is_float)
      for (k = 0; k < sz; k++) w[k] = (float)w[k];
  }
}
