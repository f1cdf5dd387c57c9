/* Adam, as torch.optim.Adam (amsgrad off, maximize off):
 *   g  = grad + weight_decay * theta
 *   m  = beta1 m + (1 - beta1) g
 *   v  = beta2 v + (1 - beta2) g²
 *   theta -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * The last line is computed with one division instead of PyTorch's two,
 *   theta -= (lr sqrt(1 - beta2^t) / (1 - beta1^t)) * m / (sqrt(v) + eps sqrt(1 - beta2^t)),
 * the same quantity up to rounding and twice as fast (the divider is the
 * bottleneck: 40801 parameters took 63 us, now about half).
 * The float version keeps the moments in float and does the arithmetic in
 * float, as PyTorch does for float32 parameters. */
#include <math.h>

#include "adam.h"

void rt_adam_init(rt_adam *a, double lr, double weight_decay) {
  a->lr = lr, a->weight_decay = weight_decay;
  a->beta1 = 0.9, a->beta2 = 0.999, a->eps = 1e-8;
  a->step = 0;
  a->beta1_t = a->beta2_t = 1;
}

#define ADAM_BODY(T, SQRT)                                                         \
  long i;                                                                          \
  T b1 = (T)a->beta1, b2 = (T)a->beta2, wd = (T)a->weight_decay, eps = (T)a->eps;  \
  T step, eps_t;                                                                    \
  double bc2_sqrt;                                                                 \
  a->step++;                                                                       \
  a->beta1_t *= a->beta1, a->beta2_t *= a->beta2;                                  \
  bc2_sqrt = sqrt(1 - a->beta2_t);                                                 \
  step = (T)(a->lr * bc2_sqrt / (1 - a->beta1_t));                                 \
  eps_t = (T)(a->eps * bc2_sqrt);                                                  \
  (void)eps;                                                                       \
  for (i = 0; i < n; i++) {                                                        \
    T gi = g[i] + wd * theta[i];                                                   \
    m[i] = b1 * m[i] + (1 - b1) * gi;                                              \
    v[i] = b2 * v[i] + (1 - b2) * gi * gi;                                         \
    theta[i] -= step * m[i] / (SQRT(v[i]) + eps_t);                                \
  }

/* The loops vectorize (-O3 for this file); with gcc, an AVX-512 or an AVX2
 * clone is chosen at run time where the CPU has it. Every clone does the
 * same IEEE operations (no contraction), so they give the same bits. The
 * AVX-512 one matters where the divider is as wide: on Zen 5 the square
 * roots and divisions of 41200 parameters take 16 us in 64-byte vectors
 * against 31 us in 32-byte ones (on an Intel Xeon, the same). */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define VECTOR_CLONES
#endif

VECTOR_CLONES void rt_adam_step(rt_adam *a, long n, double *restrict theta, const double *restrict g, double *restrict m,
                                double *restrict v) {
  ADAM_BODY(double, sqrt)
}
VECTOR_CLONES void rt_adam_stepf(rt_adam *a, long n, float *restrict theta, const float *restrict g, float *restrict m,
                                 float *restrict v) {
  ADAM_BODY(float, sqrtf)
}
