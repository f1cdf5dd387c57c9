/* hnnc's random generator: xoshiro256** seeded by splitmix64, with
 * independent streams. The same seed gives the same numbers everywhere
 * (normals use hnnc's own log, sqrt and cos, not the platform's libm). */
#ifndef HNNC_RNG_H
#define HNNC_RNG_H
#include <stdint.h>

typedef struct rt_rng {
  uint64_t s[4];
} rt_rng;

void rt_rng_seed(rt_rng *r, uint64_t seed, uint64_t stream);
uint64_t rt_rng_next(rt_rng *r);
double rt_rng_uniform(rt_rng *r);             /* [0, 1), 53 random bits */
double rt_rng_normal(rt_rng *r);              /* N(0, 1) by Box-Muller, one per call */
uint64_t rt_rng_below(rt_rng *r, uint64_t n); /* uniform in [0, n), unbiased */
#endif
