/* The matrix kernels of generated code (prelude/kernels.c) in isolation,
 * beside the core's peak and OpenBLAS's GEMM on the same shapes, in one
 * process, one thread: per-thread CPU time, median of repeated calls; the
 * large shapes also as generated code calls the kernels, a chunk of 32
 * samples a call (TN: 64 rows, the loss gradient's two a sample), OpenBLAS
 * likewise.
 *
 *   bench_kernels [--json]
 *
 * Built by make bench with the flags of hnnc's gcc path (-O3 -march=native
 * -ffp-contract=off), linked with OpenBLAS (cblas): double and float
 * (-DHN_FLOAT) in the default build (-DHN_FMA: fused multiply-adds), and
 * double in the --no-fma build. Prints OpenBLAS's core type and build. The shapes are the products of the benchmark models:
 * rows = batch x per-sample rows, K and M the layer widths. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#ifdef HN_FLOAT
typedef float hn_real;
#define HN_VW 8
#define GEMM cblas_sgemm
#define TYPE "float32"
#else
typedef double hn_real;
#define HN_VW 4
#define GEMM cblas_dgemm
#define TYPE "float64"
#endif
#include "../../prelude/kernels.c"
#ifdef HN_FMA
#define FMA 1
#else
#define FMA 0
#endif

static double cpu_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}
/* 64-byte aligned, as hnnc's arrays are (a vector load never splits a
 * cache line; malloc's 16-byte offsets cost 10-25% and made the L2 bound
 * below read slower than the field it bounds) */
static void *amalloc(size_t n) { return aligned_alloc(64, (n + 63) / 64 * 64); }
static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The peak of separate multiplies and adds at the widest vector width the
 * compiler targets: 6 independent multiply chains and 6 add chains (enough
 * to cover a 4-cycle latency on two ports; with x and d 14 vectors, within
 * AVX2's 16 registers: 16 chains spilled there and read half the peak);
 * FLOPs = lanes x 12 per round. The FMA build's: 12 chains of fused
 * multiply-adds, lanes x 24. (compiler/flops.c's loop, for hnnc bench.) */
__attribute__((noinline)) static hn_real peak_loop(long rounds, hn_real m, hn_real s) {
#ifdef HN_VECTOR
  hn_vec x = hn_splat(m), d = hn_splat(s);
  hn_vec p0 = x, p1 = x + x, p2 = p1 + x, p3 = p2 + x, p4 = p3 + x, p5 = p4 + x;
  hn_vec a0 = d, a1 = p0, a2 = p1, a3 = p2, a4 = p3, a5 = p4;
  long r;
  for (r = 0; r < rounds; r++) {
    /* the empty asm makes every value opaque: nothing is folded, merged or
     * hoisted (x = 1 and d = 0 at run time) */
    __asm__("" : "+v"(p0), "+v"(p1), "+v"(p2), "+v"(p3), "+v"(p4), "+v"(p5), "+v"(x));
    __asm__("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(d));
#ifdef HN_FMA
    HN_MAC(p0, x, d), HN_MAC(p1, x, d), HN_MAC(p2, x, d), HN_MAC(p3, x, d), HN_MAC(p4, x, d), HN_MAC(p5, x, d);
    HN_MAC(a0, x, d), HN_MAC(a1, x, d), HN_MAC(a2, x, d), HN_MAC(a3, x, d), HN_MAC(a4, x, d), HN_MAC(a5, x, d);
#else
    p0 *= x, p1 *= x, p2 *= x, p3 *= x, p4 *= x, p5 *= x;
    a0 += d, a1 += d, a2 += d, a3 += d, a4 += d, a5 += d;
#endif
  }
  p0 += p1 + p2 + p3 + p4 + p5 + a0 + a1 + a2 + a3 + a4 + a5;
  return p0[0];
#else
  (void)rounds;
  return m + s;
#endif
}

/* The streaming bound of the field at batch 1: the 200x200 weight read
 * twice (forward and backward) from L2, with vector loads and independent
 * adds, as a product at batch 1 reads it. Returns microseconds (median). */
__attribute__((noipa)) static hn_real stream_twice(const hn_real *w, long n) {
#ifdef HN_VECTOR
  hn_vec s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, s4 = {0}, s5 = {0}, s6 = {0}, s7 = {0};
  long i;
  int pass;
  for (pass = 0; pass < 2; pass++)
    for (i = 0; i + 8 * HN_VL <= n; i += 8 * HN_VL) {
      s0 += HN_LD(w + i), s1 += HN_LD(w + i + HN_VL), s2 += HN_LD(w + i + 2 * HN_VL), s3 += HN_LD(w + i + 3 * HN_VL);
      s4 += HN_LD(w + i + 4 * HN_VL), s5 += HN_LD(w + i + 5 * HN_VL), s6 += HN_LD(w + i + 6 * HN_VL);
      s7 += HN_LD(w + i + 7 * HN_VL);
    }
  s0 += s1 + s2 + s3 + s4 + s5 + s6 + s7;
  return s0[0];
#else
  return w[n - 1];
#endif
}
static double l2_bound_us(void) {
  long n = 200 * 200, i, k;
  hn_real *w = amalloc(n * sizeof *w), sink = 0;
  double t[41], t0;
  for (i = 0; i < n; i++) w[i] = (hn_real)(i % 7);
  for (k = 0; k < 41; k++) {
    t0 = cpu_us();
    for (i = 0; i < 100; i++) sink += stream_twice(w, n);
    t[k] = (cpu_us() - t0) / 100;
  }
  qsort(t, 41, sizeof *t, cmp);
  free(w);
  return t[20] + 0 * (double)sink;
}

/* chunk > 0: R rows in calls of chunk rows (NN, NT) or 2 chunk (TN), as
 * generated code calls the kernels: once a chunk of 32 samples, the loss
 * gradient's TN with two rows a sample */
typedef struct Shape { const char *model, *what; long R; int K, M, chunk; } Shape;

static double median_us(void (*f)(const Shape *, hn_real *const *), const Shape *s, hn_real *const *buf, double budget_us) {
  double t[64], t0;
  int k, n = 0;
  f(s, buf);
  t0 = cpu_us();
  f(s, buf);
  t0 = cpu_us() - t0;
  n = (int)(budget_us / (t0 > 1 ? t0 : 1));
  n = n < 5 ? 5 : n > 64 ? 64 : n;
  for (k = 0; k < n; k++) {
    t0 = cpu_us();
    f(s, buf);
    t[k] = cpu_us() - t0;
  }
  qsort(t, n, sizeof *t, cmp);
  return t[n / 2];
}

/* buf: a [R,K], b [K,M], y [R,M], pack, bt [M,K] (b transposed), at [K,R],
 * bt in hn_mm_ntp's panels. NT as generated code calls it: through the
 * panels where the target uses them (float under AVX-512, a call of at
 * least HN_NTP_MIN rows: copied once per call, not per chunk, so outside
 * the timing here) */
/* the rows of the call from row i on: c (0: all the rest) */
static long rows(const Shape *s, long i, long c) { return c > 0 && c < s->R - i ? c : s->R - i; }
static void run_nn(const Shape *s, hn_real *const *b) {
  for (long i = 0, n; i < s->R; i += n)
    n = rows(s, i, s->chunk), hn_mm_nn(n, s->K, s->M, b[0] + i * s->K, b[1], b[2] + i * s->M, b[3]);
}
static void run_nt(const Shape *s, hn_real *const *b) {
  for (long i = 0, n; i < s->R; i += n)
    n = rows(s, i, s->chunk), hn_mm_ntp(s->R, n, s->K, s->M, b[0] + i * s->K, b[4], b[6], b[2] + i * s->M);
}
static void run_tn(const Shape *s, hn_real *const *b) {
  for (long i = 0, n; i < s->R; i += n)
    n = rows(s, i, 2L * s->chunk), hn_mm_tn(n, s->M, s->K, b[2] + i * s->M, b[0] + i * s->K, b[5]);
}
static void run_gemm_nn(const Shape *s, hn_real *const *b) {
  for (long i = 0, n; i < s->R; i += n) {
    n = rows(s, i, s->chunk);
    GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, s->M, s->K, 1, b[0] + i * s->K, s->K, b[1], s->M, 0,
         b[2] + i * s->M, s->M);
  }
}
static void run_gemm_nt(const Shape *s, hn_real *const *b) {
  for (long i = 0, n; i < s->R; i += n) {
    n = rows(s, i, s->chunk);
    GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, s->M, s->K, 1, b[0] + i * s->K, s->K, b[4], s->K, 0,
         b[2] + i * s->M, s->M);
  }
}
static void run_gemm_tn(const Shape *s, hn_real *const *b) {
  for (long i = 0, n; i < s->R; i += n) {
    n = rows(s, i, 2L * s->chunk);
    GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, s->M, s->K, (int)n, 1, b[2] + i * s->M, s->M, b[0] + i * s->K, s->K,
         1, b[5], s->K);
  }
}

int main(int argc, char **argv) {
  static const Shape shapes[] = { /* the hidden layers of the benchmark models */
      {"200 wide", "batch 1", 1, 200, 200, 0},   {"200 wide", "batch 32", 32, 200, 200, 0},
      {"200 wide", "batch 1024", 1024, 200, 200, 0}, {"1000 wide", "batch 1", 1, 1000, 1000, 0},
      {"1000 wide", "batch 256", 256, 1000, 1000, 0},
      /* as generated code calls them: a chunk of 32 samples a call */
      {"200 wide", "batch 1024 in 32s", 1024, 200, 200, 32}, {"1000 wide", "batch 256 in 32s", 256, 1000, 1000, 32},
  };
  int json = argc > 1 && !strcmp(argv[1], "--json"), k, v;
  double peak, t0, t;
  long rounds = 50000000;
  /* the peak: lanes x 12 FLOPs a round (x 24 with FMA) */
  peak_loop(1000, 1, 0);
  t0 = cpu_us();
  t = peak_loop(rounds, (hn_real)1, (hn_real)0);
  t0 = cpu_us() - t0;
#ifdef HN_VECTOR
  peak = rounds * 12.0 * HN_VL / (t0 * 1e3);
#ifdef HN_FMA
  peak *= 2;
#endif
#else
  peak = 0;
#endif
  if (json)
    printf("{\"dtype\": \"%s\", \"fma\": %s, \"vector_bytes\": %d, \"peak_gflops\": %.2f, \"l2_twice_200x200_us\": %.3f, "
           "\"openblas_core\": \"%s\", \"openblas_config\": \"%s\", \"results\": [",
           TYPE, FMA ? "true" : "false", (int)(HN_VL * sizeof(hn_real)), peak + 0 * t, l2_bound_us(),
           openblas_get_corename(), openblas_get_config());
  else
    printf("%s, %d-byte vectors; peak (%s): %.1f GFLOP/s; the 200x200 weight twice from L2: %.2f us; OpenBLAS %s, core %s\n",
           TYPE, (int)(HN_VL * sizeof(hn_real)), FMA ? "fused multiply-adds" : "separate multiplies and adds", peak + 0 * t,
           l2_bound_us(), openblas_get_config(), openblas_get_corename());
  for (k = 0; k < (int)(sizeof shapes / sizeof *shapes); k++) {
    const Shape *s = &shapes[k];
    long R = s->R, K = s->K, M = s->M, i;
    hn_real *buf[7];
    static const char *const form[] = {"nn", "nt", "tn"};
    void (*ours[3])(const Shape *, hn_real *const *) = {run_nn, run_nt, run_tn};
    void (*blas[3])(const Shape *, hn_real *const *) = {run_gemm_nn, run_gemm_nt, run_gemm_tn};
    buf[0] = amalloc(R * K * sizeof(hn_real)), buf[1] = amalloc(K * M * sizeof(hn_real));
    buf[2] = amalloc(R * M * sizeof(hn_real)), buf[3] = amalloc(64 * K * sizeof(hn_real));
    buf[4] = amalloc(K * M * sizeof(hn_real)), buf[5] = memset(amalloc(K * M * sizeof(hn_real)), 0, K * M * sizeof(hn_real));
    buf[6] = amalloc(K * M * sizeof(hn_real));
    for (i = 0; i < R * K; i++) buf[0][i] = (hn_real)sin(0.1 * i);
    for (i = 0; i < K * M; i++) buf[1][i] = buf[4][i] = (hn_real)cos(0.3 * i) * 0.05f;
    for (i = 0; i < R * M; i++) buf[2][i] = (hn_real)sin(0.7 * i);
    hn_nt_pack(R, (int)K, (int)M, buf[4], buf[6]);
    for (v = 0; v < 3; v++) {
      double flops = 2.0 * R * K * M, a, b;
      a = median_us(ours[v], s, buf, 2e5);
      b = median_us(blas[v], s, buf, 2e5);
      if (json)
        printf("%s{\"model\": \"%s\", \"shape\": \"%s\", \"form\": \"%s\", \"R\": %ld, \"K\": %ld, \"M\": %ld, "
               "\"hnnc_us\": %.3f, \"blas_us\": %.3f, \"hnnc_gflops\": %.2f, \"blas_gflops\": %.2f}",
               k || v ? ", " : "", s->model, s->what, form[v], R, K, M, a, b, flops / a / 1e3, flops / b / 1e3);
      else
        printf("%-24s %-10s %s R=%-5ld K=%-5ld M=%-5ld hnnc %8.1f us %6.1f GFLOP/s  OpenBLAS %8.1f us %6.1f GFLOP/s  %5.0f%%\n",
               s->model, s->what, form[v], R, K, M, a, flops / a / 1e3, b, flops / b / 1e3, 100 * b / a);
      fflush(stdout);
    }
    for (i = 0; i < 7; i++) free(buf[i]);
  }
  if (json) printf("]}\n");
  return 0;
}
