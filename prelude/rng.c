/* xoshiro256** (Blackman & Vigna), seeded through splitmix64. */
#include "rng.h"
#include "elemfn.c"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void rt_rng_seed(rt_rng *r, uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL);
  int i;
  for (i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rt_rng_next(rt_rng *r) {
  uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double rt_rng_uniform(rt_rng *r) { return (double)(rt_rng_next(r) >> 11) * 0x1.0p-53; }

double rt_rng_normal(rt_rng *r) {
  double u1 = 1.0 - rt_rng_uniform(r), u2 = rt_rng_uniform(r); /* u1 in (0, 1] */
  return hn_sqrt(-2.0 * hn_log(u1)) * hn_cos(6.283185307179586 * u2);
}

uint64_t rt_rng_below(rt_rng *r, uint64_t n) {
  uint64_t lim = -n % n, x; /* reject the low values that bias the modulo */
  do x = rt_rng_next(r);
  while (x < lim);
  return x % n;
}
