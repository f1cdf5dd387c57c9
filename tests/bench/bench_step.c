/* One training step of the pendulum HNN, as PyTorch's benchmark does it:
 * the loss, its parameter gradient through grad_x H (one compiled kernel),
 * and an Adam update (lr 1e-3, weight decay 1e-4). Prints JSON. Also Adam
 * alone over the model's parameters, the divider's bound on it (a loop of
 * nothing but Adam's square root and division a parameter), and one pass
 * over its arrays without them.
 *   bench_step [--json] [--cc gcc|tcc] [--batch 1,32,750] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adam.h"
#include "pool.h"
#include "hnnc.h"

static double clock_us(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}
static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Adam's divider work alone: y = m / (sqrt(v) + e), vectorized as
 * runtime/adam.c is (-O3, AVX-512 and AVX2 clones); the square root and the division
 * share the divider, whose throughput bounds Adam in double. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default"), optimize("O3")))
#endif
static void sqrt_div(long n, double *restrict y, const double *restrict m, const double *restrict v, double e) {
  for (long i = 0; i < n; i++) y[i] = m[i] / (__builtin_sqrt(v[i]) + e);
}

/* One pass over Adam's arrays without its divider: theta, g and both
 * moments read, theta and the moments written, the same multiply-adds with
 * the square root and the division replaced by a multiply (the issue's
 * "one pass over theta and its moments"). */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default"), optimize("O3")))
#endif
static void one_pass(long n, double *restrict th, const double *restrict g, double *restrict m, double *restrict v) {
  for (long i = 0; i < n; i++) {
    double gi = g[i] + 1e-4 * th[i];
    m[i] = 0.9 * m[i] + 0.1 * gi;
    v[i] = 0.999 * v[i] + 0.001 * gi * gi;
    th[i] -= 1e-3 * m[i] * v[i];
  }
}

/* the median per-thread CPU time of Adam (which = 0), of its divider work
 * alone (which = 1), or of one pass over its arrays (which = 2) over P
 * parameters */
static double adam_us(long P, int which) {
  double *th = malloc(P * sizeof *th), *g = malloc(P * sizeof *g), *mo = calloc(P, sizeof *mo),
         *v = calloc(P, sizeof *v), t[101], c0;
  rt_adam opt;
  long k;
  for (k = 0; k < P; k++) th[k] = 0.01 * (double)(k % 97), g[k] = 1e-3 * (double)(k % 89 - 44), v[k] = 1e-6 * (k % 13);
  rt_adam_init(&opt, 1e-3, 1e-4);
  for (k = 0; k < 101; k++) {
    c0 = clock_us(CLOCK_THREAD_CPUTIME_ID);
    if (which == 1) sqrt_div(P, th, g, v, 1e-8);
    else if (which == 2) one_pass(P, th, g, mo, v);
    else rt_adam_step(&opt, P, th, g, mo, v);
    t[k] = clock_us(CLOCK_THREAD_CPUTIME_ID) - c0;
  }
  qsort(t, 101, sizeof *t, cmp);
  free(th), free(g), free(mo), free(v);
  return t[50];
}

int main(int argc, char **argv) {
  const char *model = "models/hnn/pendulum.lua", *batches = "1,32,750";
  int json = 0, backend = JIT_GCC, i, fi, first = 1;
  Model m;
  Flops fl;
  char err[4096], list[256];
  for (i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) json = 1;
    else if (!strcmp(argv[i], "--cc") && i + 1 < argc) backend = jit_backend(argv[++i]);
    else if (!strcmp(argv[i], "--batch") && i + 1 < argc) batches = argv[++i];
    else if (!strcmp(argv[i], "--model") && i + 1 < argc) model = argv[++i];
    else { fprintf(stderr, "usage: bench_step [--json] [--cc gcc|tcc] [--batch LIST] [--model FILE]\n"); return 2; }
  }
  if (backend < 0) { fprintf(stderr, "bench_step: unknown backend\n"); return 2; }
  if (model_build(&m, model, NULL, err, sizeof err) || model_jit(&m, backend, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  fi = model_func(&m, "loss_grad");
  if (fi < 0 || m.g->is_float) { fprintf(stderr, "%s: error: needs a double model with loss_grad\n", model); return 1; }
  flops_count(m.g, fi, &fl);
  if (json) printf("{\"results\": [");
  else printf("%-8s %8s %14s %14s\n", "what", "batch", "wall us/step", "cpu us/step");
  snprintf(list, sizeof list, "%s", batches);
  for (char *t = strtok(list, ","); t; t = strtok(NULL, ",")) {
    long n = atol(t), P = m.g->nparams_total, k, reps, r, per;
    /* 64-byte aligned, as hnnc train's arrays (rt_alloc_vec): at malloc's
     * offsets the step at 750 rows measured 8.7 ms against 5.3 for the
     * loss gradient alone in hnnc bench */
    double *theta = rt_alloc_vec(P * sizeof *theta), *g = rt_alloc_vec(P * sizeof *g), *mo = rt_alloc_vec(P * sizeof *mo),
           *v = rt_alloc_vec(P * sizeof *v), *x = rt_alloc_vec(2 * n * sizeof *x), *xd = rt_alloc_vec(2 * n * sizeof *xd),
           loss, *ws = rt_alloc_vec(model_ws(&m, fi, n) * sizeof *ws), *wall, *cpu, t0, c0, flop;
    void *in[2], *out[64];
    rt_adam opt;
    if (n < 1) continue;
    init_params(m.g, m.g->seed, theta);
    for (k = 0; k < 2 * n; k++) x[k] = 0.8 * ((k * 37) % 101 - 50) / 50.0, xd[k] = 0.5 * ((k * 53) % 97 - 48) / 48.0;
    in[0] = x, in[1] = xd;
    out[0] = &loss;
    for (k = 0; k < m.g->nparam; k++) out[k + 1] = g + m.g->param[k].offset;
    rt_adam_init(&opt, 1e-3, 1e-4);
    m.fn[fi]((int)n, theta, (const void *const *)in, out, ws); /* warm: the first call faults pages in */
    t0 = clock_us(CLOCK_MONOTONIC);
    m.fn[fi]((int)n, theta, (const void *const *)in, out, ws);
    rt_adam_step(&opt, P, theta, g, mo, v);
    t0 = clock_us(CLOCK_MONOTONIC) - t0;
    per = (long)(100 / (t0 > 0.05 ? t0 : 0.05)) + 1; /* steps per timed sample (hnnc bench's rule) */
    reps = (long)(3e5 / (t0 > 1 ? t0 : 1)) / per;
    if (reps < 5) reps = 5;
    if (reps > 20000) reps = 20000;
    wall = malloc(reps * sizeof *wall), cpu = malloc(reps * sizeof *cpu);
    for (r = 0; r < reps; r++) {
      t0 = clock_us(CLOCK_MONOTONIC), c0 = clock_us(CLOCK_THREAD_CPUTIME_ID);
      for (k = 0; k < per; k++) {
        m.fn[fi]((int)n, theta, (const void *const *)in, out, ws);
        rt_adam_step(&opt, P, theta, g, mo, v);
      }
      wall[r] = (clock_us(CLOCK_MONOTONIC) - t0) / per, cpu[r] = (clock_us(CLOCK_THREAD_CPUTIME_ID) - c0) / per;
    }
    qsort(wall, reps, sizeof *wall, cmp);
    qsort(cpu, reps, sizeof *cpu, cmp);
    /* the loss gradient's FLOPs, and Adam's: 13 per parameter (and a sqrt) */
    flop = (double)fl.per_sample * n + fl.shared + 13.0 * P;
    if (json)
      printf("%s{\"what\": \"step\", \"batch\": %ld, \"wall_us\": %.3f, \"cpu_us\": %.3f, \"reps\": %ld, "
             "\"flops\": %.0f}", first ? "" : ", ", n, wall[reps / 2], cpu[reps / 2], reps, flop);
    else printf("%-8s %8ld %14.2f %14.2f\n", "step", n, wall[reps / 2], cpu[reps / 2]);
    first = 0;
    free(theta), free(g), free(mo), free(v), free(x), free(xd), free(ws), free(wall), free(cpu);
  }
  {
    double a = adam_us(m.g->nparams_total, 0), d = adam_us(m.g->nparams_total, 1), o = adam_us(m.g->nparams_total, 2);
    if (json)
      printf("%s{\"what\": \"adam\", \"batch\": 1, \"params\": %ld, \"cpu_us\": %.3f}, "
             "{\"what\": \"sqrt_div\", \"batch\": 1, \"params\": %ld, \"cpu_us\": %.3f}, "
             "{\"what\": \"one_pass\", \"batch\": 1, \"params\": %ld, \"cpu_us\": %.3f}",
             first ? "" : ", ", m.g->nparams_total, a, m.g->nparams_total, d, m.g->nparams_total, o);
    else
      printf("adam over %ld parameters: %.2f us; its square roots and divisions alone: %.2f us; one pass over its arrays "
             "without them: %.2f us\n", m.g->nparams_total, a, d, o);
  }
  if (json) printf("]}\n");
  model_free(&m);
  return 0;
}
