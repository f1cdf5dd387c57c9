/* The matrix kernels (prelude/kernels.c) give the same bits at every
 * vector width: the C99 body (compiled by libtcc) against the vector body
 * compiled by gcc for 32-byte vectors (-mavx2 -mno-avx512f), 64-byte
 * vectors (-mavx512f, when this CPU has AVX-512) and -march=native, in
 * double and float, on shapes that reach every remainder loop (R, K and M
 * not multiples of the blocks) and the blocks of K and R of wide layers and
 * large batches; the
 * same for the FMA build (HN_FMA: fused multiply-adds, the software fma on
 * tcc), whose software fma is checked against the C library's. */
#include <dlfcn.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "check.h"
#include "model.h"

typedef void (*mm_fn)(long R, int K, int M, const void *a, const void *b, void *y, void *pack);
typedef struct Kernels { mm_fn nn, nt, tn, ntp; void *dl; Jit jit; } Kernels;

static int fma_build; /* the kernels of hn.model{fma = true} */
static int soft_fma;  /* the software fma even under hnnc's tcc JIT (HN_SOFT_FMA) */

static const char driver[] =
    "void drv_nn(long R, int K, int M, const hn_real *a, const hn_real *b, hn_real *y, hn_real *pack)\n"
    "{ hn_mm_nn(R, K, M, a, b, y, pack); }\n"
    "void drv_nt(long R, int K, int M, const hn_real *a, const hn_real *b, hn_real *y, hn_real *pack)\n"
    "{ (void)pack; hn_mm_nt(R, K, M, a, b, y); }\n"
    "void drv_tn(long R, int K, int M, const hn_real *a, const hn_real *b, hn_real *y, hn_real *pack)\n"
    "{ (void)pack; hn_mm_tn(R, K, M, a, b, y); }\n"
    /* hn_mm_nt through b's panels (for any n where the target uses them) */
    "void drv_ntp(long R, int K, int M, const hn_real *a, const hn_real *b, hn_real *y, hn_real *pk)\n"
    "{ hn_nt_pack(1L << 20, K, M, b, pk); hn_mm_ntp(1L << 20, R, K, M, a, b, pk, y); }\n"
    "#ifdef HN_FMA\n"
    "hn_real drv_fma(hn_real a, hn_real b, hn_real c) { return hn_fma(a, b, c); }\n"
    "#endif\n";

static char *source(int is_float) {
  Text t = {0};
  text_put(&t, "typedef %s hn_real;\n#define HN_VW %d\n%s%s%s\n%s", is_float ? "float" : "double", is_float ? 8 : 4,
           fma_build ? "#define HN_FMA 1\n" : "", soft_fma ? "#define HN_SOFT_FMA 1\n" : "", hnnc_kernels, driver);
  return t.s;
}

static void bind(Kernels *k, void *(*sym)(void *, const char *), void *h) {
  k->nn = (mm_fn)(uintptr_t)sym(h, "drv_nn");
  k->nt = (mm_fn)(uintptr_t)sym(h, "drv_nt");
  k->tn = (mm_fn)(uintptr_t)sym(h, "drv_tn");
  k->ntp = (mm_fn)(uintptr_t)sym(h, "drv_ntp");
  assert_non_null(k->nn), assert_non_null(k->nt), assert_non_null(k->tn), assert_non_null(k->ntp);
}
static void *jit_sym(void *h, const char *name) { return jit_symbol(h, name); }

static void load_tcc(Kernels *k, int is_float) {
  char err[4096], *src = source(is_float);
  memset(k, 0, sizeof *k);
  if (jit_compile(&k->jit, JIT_TCC, src, err, sizeof err)) fail_msg("%s", err);
  bind(k, jit_sym, &k->jit);
  free(src);
}

/* gcc with the flags of hnnc's gcc path, the target flags replaced */
static void load_gcc(Kernels *k, int is_float, const char *target) {
  char dir[] = "/tmp/hnnc-kernels-XXXXXX", c[128], so[128], cmd[1024], *src = source(is_float);
  FILE *f;
  memset(k, 0, sizeof *k);
  assert_non_null(mkdtemp(dir));
  snprintf(c, sizeof c, "%s/k.c", dir), snprintf(so, sizeof so, "%s/k.so", dir);
  f = fopen(c, "w");
  assert_non_null(f);
  fputs(src, f);
  fclose(f);
  snprintf(cmd, sizeof cmd, "gcc -std=c99 -O3 %s -ffp-contract=off -fPIC -shared -o %s %s", target, so, c);
  assert_int_equal(system(cmd), 0);
  k->dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
  assert_non_null(k->dl);
  bind(k, dlsym, k->dl);
  remove(c), remove(so), rmdir(dir);
  free(src);
}
static void unload(Kernels *k) {
  if (k->dl) dlclose(k->dl);
  else jit_free(&k->jit);
}

static uint64_t lcg = 1;
static double rnd(void) {
  lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(lcg >> 11) / 9007199254740992.0 * 2 - 1;
}
static void fill(void *p, long n, int is_float) {
  long i;
  for (i = 0; i < n; i++) {
    double v = rnd();
    if (i % 37 == 5) v = 0;
    if (i % 41 == 7) v = -0.0;
    if (is_float) ((float *)p)[i] = (float)v;
    else ((double *)p)[i] = v;
  }
}

/* every kernel of k against ref on one shape; returns mismatching elements */
static long compare(Kernels *ref, Kernels *k, int is_float, long R, int K, int M) {
  size_t e = is_float ? 4 : 8;
  char *a = malloc(R * K * e), *b = malloc((size_t)K * M * e), *bt = malloc((size_t)M * K * e), *y0 = malloc(R * M * e),
       *y1 = malloc(R * M * e), *t0 = malloc((size_t)K * M * e), *t1 = malloc((size_t)K * M * e),
       *pack = malloc(64 * (size_t)K * e + 64), *pk = malloc((size_t)K * M * e);
  long bad = 0;
  fill(a, R * K, is_float), fill(b, (long)K * M, is_float), fill(bt, (long)M * K, is_float);
  ref->nn(R, K, M, a, b, y0, pack), k->nn(R, K, M, a, b, y1, pack);
  bad += memcmp(y0, y1, R * M * e) != 0;
  ref->nt(R, K, M, a, bt, y0, pack), k->nt(R, K, M, a, bt, y1, pack);
  bad += memcmp(y0, y1, R * M * e) != 0;
  memset(y1, 0x7f, R * M * e); /* every output written */
  k->ntp(R, K, M, a, bt, y1, pk);
  bad += memcmp(y0, y1, R * M * e) != 0;
  /* tn accumulates into y: start both from the same nonzero values */
  fill(t0, (long)K * M, is_float);
  memcpy(t1, t0, (size_t)K * M * e);
  ref->tn(R, K, M, a, y0, t0, pack), k->tn(R, K, M, a, y0, t1, pack);
  bad += memcmp(t0, t1, (size_t)K * M * e) != 0;
  if (bad) fprintf(stderr, "  %s R=%ld K=%d M=%d: %ld of 4 kernels differ\n", is_float ? "float" : "double", R, K, M, bad);
  free(a), free(b), free(bt), free(y0), free(y1), free(t0), free(t1), free(pack), free(pk);
  return bad;
}

static void run_width(const char *target) {
  static const long Rs[] = {1, 2, 3, 33, 64};
  static const int Ks[] = {1, 2, 7, 8, 9, 200, 301};
  static const int Ms[] = {1, 2, 3, 7, 8, 9, 17, 33, 64, 65, 200};
  /* and one row (batch 1) wider than its 24-vector block (hn_mm_nn),
   * hn_mm_nt's blocks of K (K > 2 HN_NTKB: 512 double, 1024 float; without
   * AVX-512, K > HN_NTKB4: 512 double) over more rows than a group of 32,
   * and hn_mm_tn's y swept row by row (K M beyond HN_TNY bytes: 1 MB in
   * float and double) */
  static const long big[][3] = {{300, 301, 200}, {257, 9, 65},  {513, 130, 33},
                                {1, 130, 450},   {1, 9, 833},   {35, 1040, 17}, {66, 1000, 12}, {70, 515, 517}};
  int is_float;
  for (is_float = 0; is_float < 2; is_float++) {
    Kernels ref, k;
    long bad = 0;
    size_t r, kk, m;
    load_tcc(&ref, is_float);
    load_gcc(&k, is_float, target);
    for (r = 0; r < sizeof Rs / sizeof *Rs; r++)
      for (kk = 0; kk < sizeof Ks / sizeof *Ks; kk++)
        for (m = 0; m < sizeof Ms / sizeof *Ms; m++) bad += compare(&ref, &k, is_float, Rs[r], Ks[kk], Ms[m]);
    /* more rows than a block of hn_mm_tn (HN_TNB: 128 or 256), with its
     * blocks of K and every remainder */
    for (r = 0; r < sizeof big / sizeof *big; r++) bad += compare(&ref, &k, is_float, big[r][0], (int)big[r][1], (int)big[r][2]);
    fprintf(stderr, "%s%s, %s: %ld mismatching products\n", fma_build ? "FMA build, " : "", target, is_float ? "float" : "double", bad);
    assert_int_equal(bad, 0);
    unload(&ref), unload(&k);
  }
}

static void test_avx2(void **state) {
  fma_build = state && *state;
  if (!__builtin_cpu_supports("avx2")) skip();
  run_width("-mavx2 -mfma -mno-avx512f");
}
static void test_avx512(void **state) {
  fma_build = state && *state;
  if (!__builtin_cpu_supports("avx512f")) {
    fprintf(stderr, "this CPU has no AVX-512: the 64-byte body is not run\n");
    skip();
  }
  run_width("-mavx2 -mavx512f");
}
static void test_native(void **state) {
  fma_build = state && *state;
  run_width("-march=native");
}
static void test_generic(void **state) { /* x86-64 baseline: SSE2, 32-byte vectors split by gcc */
  fma_build = state && *state;
  run_width("-mno-avx");
}

/* The software fma of the FMA build (tcc; gcc targets without FMA)
 * against the C library's fma, which is correctly rounded: random operands
 * over many magnitudes, products near c (cancellation), and exact ties. */
static void check_soft_fma(Kernels *k, int is_float) {
  typedef double (*fd)(double, double, double);
  typedef float (*ff)(float, float, float);
  void *sym = k->dl ? dlsym(k->dl, "drv_fma") : jit_symbol(&k->jit, "drv_fma");
  long i, bad = 0, n = 300000;
  assert_non_null(sym);
  for (i = 0; i < n; i++) {
    double a = rnd() * (double)(1LL << (i % 40)), b = rnd() / (1 << (i % 23)), c = rnd() * (1 << (i % 31)), want, got;
    if (i % 4 == 1) c = -a * b * (1 + rnd() * 1e-12); /* cancellation */
    if (i % 4 == 2) a = 1 + (double)(i % 1000) / 1024, b = 1 + (double)(i % 777) / 2048, c = rnd(); /* short mantissas: ties */
    if (i % 97 == 3) c = i % 2 ? 0.0 : -0.0;
    if (is_float) {
      float fa = (float)a, fb = (float)b, fc = (float)c;
      want = fmaf(fa, fb, fc), got = ((ff)(uintptr_t)sym)(fa, fb, fc);
      if (memcmp(&(float){(float)want}, &(float){(float)got}, 4)) bad++;
    } else {
      want = fma(a, b, c), got = ((fd)(uintptr_t)sym)(a, b, c);
      if (memcmp(&want, &got, 8)) {
        if (bad < 5) fprintf(stderr, "  fma(%a, %a, %a): %a, want %a\n", a, b, c, got, want);
        bad++;
      }
    }
  }
  fprintf(stderr, "software fma, %s: %ld of %ld differ from the C library's\n", is_float ? "float" : "double", bad, n);
  assert_int_equal(bad, 0);
}
static void test_soft_fma(void **state) {
  Kernels k;
  int is_float;
  (void)state;
  fma_build = 1;
  for (is_float = 0; is_float < 2; is_float++) {
    soft_fma = 1; /* standalone files under tcc */
    load_tcc(&k, is_float);
    check_soft_fma(&k, is_float);
    unload(&k);
    soft_fma = 0; /* hnnc's tcc JIT: the C library's fma, bound by jit.c */
    load_tcc(&k, is_float);
    check_soft_fma(&k, is_float);
    unload(&k);
    load_gcc(&k, is_float, "-mno-fma -mno-avx512f"); /* gcc without FMA: the software path too */
    check_soft_fma(&k, is_float);
    unload(&k);
  }
}

static int on = 1;
int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_avx2),
      cmocka_unit_test(test_avx512),
      cmocka_unit_test(test_native),
      cmocka_unit_test(test_generic),
      cmocka_unit_test(test_soft_fma),
      cmocka_unit_test_prestate(test_avx2, &on),
      cmocka_unit_test_prestate(test_avx512, &on),
      cmocka_unit_test_prestate(test_native, &on),
      cmocka_unit_test_prestate(test_generic, &on),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
