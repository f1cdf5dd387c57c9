/* kernels.c: the matrix products of generated code. Pasted into every
 * generated file after "typedef double hn_real;" (or float) and
 * "#define HN_VW 4" (or 8): the number of elements in 32 bytes.
 *
 * Each kernel has two bodies: GNU C vector extensions, for gcc and clang,
 * and plain C99 for every other compiler (tcc). Both perform the same
 * IEEE operations in the same order on every output element, so they give
 * the same bits; the vector body only computes several outputs at once.
 * The vector width follows the target: 64 bytes where the compiler targets
 * AVX-512 (__AVX512F__), else 32; the order per output does not depend on
 * it, so neither do the bits (tests/test_kernels.c checks every width the
 * machine runs against the C99 body).
 *
 *   hn_mm_nn    y[R,M]  = a[R,K] b[K,M]      each y[i,j] = 0 + sum over p
 *               (pack: scratch of K * 4 * HN_VL elements)
 *                                            of a[i,p] b[p,j], p ascending
 *   hn_mm_nt    y[R,M]  = a[R,K] b[M,K]^T    eight partial sums: lane l
 *                                            takes p = l mod 8, ascending;
 *                                            then ((l0+l1)+(l2+l3)) +
 *                                            ((l4+l5)+(l6+l7))
 *   hn_mm_tn    y[K,M] += a[R,K]^T b[R,M]    each y[k,j] += a[r,k] b[r,j]
 *                                            for r ascending
 */
/* marks a loop whose iterations do not depend on each other (the fused
 * elementwise loops of generated code), so that gcc vectorizes it without
 * versioning it for aliasing (clang's counterpart, assume_safety, warns
 * where it cannot vectorize: left out) */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__TINYC__)
#define HN_IVDEP _Pragma("GCC ivdep")
#else
#define HN_IVDEP
#endif
#if defined(__GNUC__) && !defined(__TINYC__) && !defined(HN_NO_VECTOR)
#define HN_VECTOR 1
#ifdef __AVX512F__
#define HN_VL (2 * HN_VW) /* lanes of a vector: 64 bytes */
#else
#define HN_VL HN_VW /* 32 bytes */
#endif
__extension__ typedef hn_real hn_vec __attribute__((vector_size(HN_VL * sizeof(hn_real)), aligned(sizeof(hn_real)), may_alias));
/* the eight partial sums of hn_mm_nt, and a same-sized integer vector (the
 * lane selectors of the reduction) */
__extension__ typedef hn_real hn_v8 __attribute__((vector_size(8 * sizeof(hn_real)), aligned(sizeof(hn_real)), may_alias));
#if HN_VW == 4
__extension__ typedef long long hn_i8 __attribute__((vector_size(8 * sizeof(hn_real))));
#else
__extension__ typedef int hn_i8 __attribute__((vector_size(8 * sizeof(hn_real))));
#endif
#define HN_LD(p) (*(const hn_vec *)(const void *)(p))
#define HN_ST(p, v) (*(hn_vec *)(void *)(p) = (v))
#define HN_LD8(p) (*(const hn_v8 *)(const void *)(p))
/* keeps v in a register, loaded once: without it gcc folds each use of a
 * loaded panel vector into a fused multiply-add from memory (20 loads for
 * 16 products in hn_mm_tn's tile; the load ports, not the FMA units, then
 * bound it: float 1024x200x200 at 61% of OpenBLAS, 100% with it) */
#if defined(__x86_64__) && defined(__AVX__) /* where a vector fits one register */
#define HN_INREG(v) __extension__({ __asm__("" : "+v"(v)); })
#else
#define HN_INREG(v) ((void)0)
#endif
/* hn_mm_nn reads its panels of b in place for at most this many rows of a
 * (a chunk of the generated code: 32): so few rows do not pay for the copy
 * (double 32x200x200: 82 GFLOP/s packed, 100-106 in place) */
#define HN_NOPACK 64
/* rows of K per panel of hn_mm_nn: 32 KB, within L1 */
#define HN_KB (32768 / (4 * HN_VL * (int)sizeof(hn_real)))
/* x in every lane, without arithmetic (0 + x would cost an add and turn -0
 * into +0) */
#define HN_X4(x) (x), (x), (x), (x)
#define hn_splat8(x) ((hn_v8){HN_X4(x), HN_X4(x)})
#if HN_VL == 4
#define hn_splat(x) ((hn_vec){HN_X4(x)})
#elif HN_VL == 8
#define hn_splat(x) ((hn_vec){HN_X4(x), HN_X4(x)})
#else
#define hn_splat(x) ((hn_vec){HN_X4(x), HN_X4(x), HN_X4(x), HN_X4(x)})
#endif
#endif

/* Multiply-accumulate, c = c + a b: two roundings, or, in the FMA build
 * (HN_FMA defined, hn.model{fma = true}), one: fma(a, b, c), correctly
 * rounded, so that build too gives the same bits on every compiler and
 * width: the hardware's vector FMA where the target has it, else
 * __builtin_fma per lane, and for tcc a software fma (below). */
#ifdef HN_FMA
#define HN_SMAC(c, a, b) ((c) = hn_fma((a), (b), (c)))
#ifdef HN_VECTOR
/* lane by lane (gcc vectorizes this where the target has FMA) */
#define HN_LANES_FMA(T, n, c, a, b)                                                                                  \
  __extension__({                                                                                                    \
    T hn_r_ = (c), hn_a_ = (a), hn_b_ = (b);                                                                         \
    int hn_l_;                                                                                                       \
    for (hn_l_ = 0; hn_l_ < (n); hn_l_++) hn_r_[hn_l_] = hn_fma(hn_a_[hn_l_], hn_b_[hn_l_], hn_r_[hn_l_]);              \
    hn_r_;                                                                                                           \
  })
#if defined(__x86_64__) && defined(__AVX512F__) && !defined(__clang__) && HN_VW == 4
#define HN_MAC(c, a, b) ((c) = __builtin_ia32_vfmaddpd512_mask((a), (b), (c), (unsigned char)-1, 4))
#define HN_MAC8(c, a, b) HN_MAC(c, a, b)
#elif defined(__x86_64__) && defined(__AVX512F__) && !defined(__clang__)
#define HN_MAC(c, a, b) ((c) = __builtin_ia32_vfmaddps512_mask((a), (b), (c), (unsigned short)-1, 4))
#ifdef __FMA__
#define HN_MAC8(c, a, b) ((c) = __builtin_ia32_vfmaddps256((a), (b), (c)))
#else
#define HN_MAC8(c, a, b) ((c) = HN_LANES_FMA(hn_v8, 8, c, a, b))
#endif
#elif defined(__x86_64__) && defined(__FMA__) && !defined(__clang__) && HN_VW == 4
#define HN_MAC(c, a, b) ((c) = __builtin_ia32_vfmaddpd256((a), (b), (c)))
#define HN_MAC8(c, a, b) ((c) = HN_LANES_FMA(hn_v8, 8, c, a, b))
#elif defined(__x86_64__) && defined(__FMA__) && !defined(__clang__)
#define HN_MAC(c, a, b) ((c) = __builtin_ia32_vfmaddps256((a), (b), (c)))
#define HN_MAC8(c, a, b) HN_MAC(c, a, b)
#else
#define HN_MAC(c, a, b) ((c) = HN_LANES_FMA(hn_vec, HN_VL, c, a, b))
#define HN_MAC8(c, a, b) ((c) = HN_LANES_FMA(hn_v8, 8, c, a, b))
#endif
#endif
#else
#define HN_SMAC(c, a, b) ((c) += (a) * (b))
#define HN_MAC(c, a, b) ((c) += (a) * (b))
#define HN_MAC8(c, a, b) ((c) += (a) * (b))
#endif

#ifdef HN_FMA
/* fma(a, b, c) = a b + c rounded once. With gcc where the target has a
 * fused multiply-add, the instruction; elsewhere (tcc, older targets) in
 * software, by rounding to odd (Boldo and Melquiond, "Emulation of FMA and
 * correctly rounded sums", IEEE TC 2008): the exact product as a sum of two
 * numbers (float: one double; double: Dekker's product), an exact sum with
 * c, the low parts added with rounding to odd, one final rounding.
 * Correctly rounded for finite operands with |a|, |b| < 2^995 and |ab| =
 * 0 or >= 2^-968 (double; float: all finite operands); infinities and NaN
 * as a b + c. */
typedef union { double d; unsigned long long u; } hn_bits;
/* s = x + y rounded to odd: the odd neighbour when x + y is inexact */
static inline double hn_add_odd(double x, double y)
{
  double s = x + y, bb = s - x, e = (x - (s - bb)) + (y - bb);
  hn_bits w;
  w.d = s;
  if (e != 0 && !(w.u & 1)) w.u = (e > 0) == (s > 0) ? w.u + 1 : w.u - 1;
  return w.d;
}
#if defined(HN_HOST_FMA) && !defined(HN_SOFT_FMA)
/* hnnc's libtcc JIT defines HN_HOST_FMA and binds these to the C
 * library's fma and fmaf: correctly rounded too (the same bits), and the
 * hardware's instruction where the CPU has one (12x faster than the
 * software fma under tcc, measured). Standalone files never see it. */
#if HN_VW == 8
float hn_host_fmaf(float, float, float);
#define hn_fma(a, b, c) hn_host_fmaf((a), (b), (c))
#else
double hn_host_fma(double, double, double);
#define hn_fma(a, b, c) hn_host_fma((a), (b), (c))
#endif
#elif HN_VW == 8
#if defined(__GNUC__) && !defined(__TINYC__) && defined(__FP_FAST_FMAF)
#define hn_fma(a, b, c) __builtin_fmaf((a), (b), (c))
#else
static inline float hn_fma(float a, float b, float c)
{
  double p = (double)a * (double)b; /* exact: 48 bits */
  if (!(p - p == 0) || !(c - c == 0)) return (float)(p + c);
  return (float)hn_add_odd(p, (double)c); /* odd in 53 bits, then once to 24 */
}
#endif
#else
#if defined(__GNUC__) && !defined(__TINYC__) && defined(__FP_FAST_FMA)
#define hn_fma(a, b, c) __builtin_fma((a), (b), (c))
#else
static inline double hn_fma(double a, double b, double c)
{
  const double split = 134217729.0; /* 2^27 + 1 */
  double p = a * b, t, ah, al, bh, bl, e, s, bb, tl, v;
  if (!(p - p == 0) || !(c - c == 0) || a == 0 || b == 0 || c == 0) return p + c;
  t = split * a, ah = t - (t - a), al = a - ah;
  t = split * b, bh = t - (t - b), bl = b - bh;
  e = ((ah * bh - p) + ah * bl + al * bh) + al * bl; /* a b = p + e exactly */
  s = c + p, bb = s - c, tl = (c - (s - bb)) + (p - bb); /* c + p = s + tl exactly */
  v = hn_add_odd(tl, e);
  return v == 0 ? s : s + v;
}
#endif
#endif
#endif

#ifdef HN_VECTOR
#ifdef __AVX512F__
/* hn_mm_nn's four rows of a (at a0, rows K apart) by a packed panel of
 * four vectors (kn rows of K; k0 > 0 continues the sums in y): 32
 * registers hold 16 accumulators, enough independent fused multiply-adds
 * to cover their latency on two ports */
static inline void hn_nn_rows4(const hn_real *a0, int K, int M, int kn, int k0, const hn_real *bp, long ldp, hn_real *y0)
{
  const hn_real *a1 = a0 + K, *a2 = a1 + K, *a3 = a2 + K;
  hn_real *y1 = y0 + M, *y2 = y1 + M, *y3 = y2 + M;
  hn_vec c00 = {0}, c01 = {0}, c02 = {0}, c03 = {0}, c10 = {0}, c11 = {0}, c12 = {0}, c13 = {0};
  hn_vec c20 = {0}, c21 = {0}, c22 = {0}, c23 = {0}, c30 = {0}, c31 = {0}, c32 = {0}, c33 = {0};
  int p;
  if (k0) {
    c00 = HN_LD(y0), c01 = HN_LD(y0 + HN_VL), c02 = HN_LD(y0 + 2 * HN_VL), c03 = HN_LD(y0 + 3 * HN_VL);
    c10 = HN_LD(y1), c11 = HN_LD(y1 + HN_VL), c12 = HN_LD(y1 + 2 * HN_VL), c13 = HN_LD(y1 + 3 * HN_VL);
    c20 = HN_LD(y2), c21 = HN_LD(y2 + HN_VL), c22 = HN_LD(y2 + 2 * HN_VL), c23 = HN_LD(y2 + 3 * HN_VL);
    c30 = HN_LD(y3), c31 = HN_LD(y3 + HN_VL), c32 = HN_LD(y3 + 2 * HN_VL), c33 = HN_LD(y3 + 3 * HN_VL);
  }
  for (p = 0; p < kn; p++, bp += ldp) {
    hn_vec b0 = HN_LD(bp), b1 = HN_LD(bp + HN_VL), b2 = HN_LD(bp + 2 * HN_VL), b3 = HN_LD(bp + 3 * HN_VL), x;
    HN_INREG(b0);
    HN_INREG(b1);
    HN_INREG(b2);
    HN_INREG(b3);
    x = hn_splat(a0[p]), HN_MAC(c00, x, b0), HN_MAC(c01, x, b1), HN_MAC(c02, x, b2), HN_MAC(c03, x, b3);
    x = hn_splat(a1[p]), HN_MAC(c10, x, b0), HN_MAC(c11, x, b1), HN_MAC(c12, x, b2), HN_MAC(c13, x, b3);
    x = hn_splat(a2[p]), HN_MAC(c20, x, b0), HN_MAC(c21, x, b1), HN_MAC(c22, x, b2), HN_MAC(c23, x, b3);
    x = hn_splat(a3[p]), HN_MAC(c30, x, b0), HN_MAC(c31, x, b1), HN_MAC(c32, x, b2), HN_MAC(c33, x, b3);
  }
  HN_ST(y0, c00), HN_ST(y0 + HN_VL, c01), HN_ST(y0 + 2 * HN_VL, c02), HN_ST(y0 + 3 * HN_VL, c03);
  HN_ST(y1, c10), HN_ST(y1 + HN_VL, c11), HN_ST(y1 + 2 * HN_VL, c12), HN_ST(y1 + 3 * HN_VL, c13);
  HN_ST(y2, c20), HN_ST(y2 + HN_VL, c21), HN_ST(y2 + 2 * HN_VL, c22), HN_ST(y2 + 3 * HN_VL, c23);
  HN_ST(y3, c30), HN_ST(y3 + HN_VL, c31), HN_ST(y3 + 2 * HN_VL, c32), HN_ST(y3 + 3 * HN_VL, c33);
}
#endif

/* hn_mm_nn's columns from j0 on, fewer than a vector (an output layer:
 * M = 1 or 2), one scalar sum each */
static inline void hn_nn_last(long R, int K, int M, int j0, const hn_real *restrict a, const hn_real *restrict b,
                              hn_real *restrict y)
{
  long i;
  int j, p;
  for (j = j0; j < M; j++) { /* 8.5 us -> 2.2 at 32x200x2 */
    for (i = 0; i + 8 <= R; i += 8) { /* eight independent sums hide the latency */
      const hn_real *a0 = a + i * K, *a1 = a0 + K, *a2 = a1 + K, *a3 = a2 + K, *a4 = a3 + K, *a5 = a4 + K, *a6 = a5 + K;
      const hn_real *a7 = a6 + K, *bp = b + j;
      hn_real c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0;
      for (p = 0; p < K; p++, bp += M) {
        const hn_real bv = *bp;
        HN_SMAC(c0, a0[p], bv), HN_SMAC(c1, a1[p], bv), HN_SMAC(c2, a2[p], bv), HN_SMAC(c3, a3[p], bv);
        HN_SMAC(c4, a4[p], bv), HN_SMAC(c5, a5[p], bv), HN_SMAC(c6, a6[p], bv), HN_SMAC(c7, a7[p], bv);
      }
      y[i * M + j] = c0, y[(i + 1) * M + j] = c1, y[(i + 2) * M + j] = c2, y[(i + 3) * M + j] = c3;
      y[(i + 4) * M + j] = c4, y[(i + 5) * M + j] = c5, y[(i + 6) * M + j] = c6, y[(i + 7) * M + j] = c7;
    }
    for (; i < R; i++) {
      const hn_real *a0 = a + i * K;
      hn_real c0 = 0;
      for (p = 0; p < K; p++) HN_SMAC(c0, a0[p], b[(long)p * M + j]);
      y[i * M + j] = c0;
    }
  }
}
#endif

#ifdef HN_VECTOR
#define HN_ST8(p, v) (*(hn_v8 *)(void *)(p) = (v))
/* hn_mm_nn's columns j .. j + (lanes of V) - 1 left after the panels: eight
 * rows at a time, so that eight independent chains of multiply-adds cover
 * their latency (a row alone is one chain of K dependent operations: 40%
 * of a float 1024x200x200 product went to its last 8 columns) */
#define HN_NN_COLUMN(V, LD, ST, MAC, SPLAT)                                                                       \
  do {                                                                                                             \
    for (i = 0; i + 8 <= R; i += 8) {                                                                              \
      const hn_real *a0 = a + i * K, *bp = b + j;                                                                  \
      V c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0}, c6 = {0}, c7 = {0}, t;                         \
      for (p = 0; p < K; p++, bp += M) {                                                                           \
        t = LD(bp);                                                                                                \
        HN_INREG(t);                                                                                               \
        MAC(c0, SPLAT(a0[p]), t), MAC(c1, SPLAT(a0[K + p]), t), MAC(c2, SPLAT(a0[2 * K + p]), t);                  \
        MAC(c3, SPLAT(a0[3 * K + p]), t), MAC(c4, SPLAT(a0[4 * K + p]), t), MAC(c5, SPLAT(a0[5 * K + p]), t);      \
        MAC(c6, SPLAT(a0[6 * K + p]), t), MAC(c7, SPLAT(a0[7 * K + p]), t);                                        \
      }                                                                                                            \
      ST(y + i * M + j, c0), ST(y + (i + 1) * M + j, c1), ST(y + (i + 2) * M + j, c2), ST(y + (i + 3) * M + j, c3); \
      ST(y + (i + 4) * M + j, c4), ST(y + (i + 5) * M + j, c5), ST(y + (i + 6) * M + j, c6);                       \
      ST(y + (i + 7) * M + j, c7);                                                                                 \
    }                                                                                                              \
    for (; i < R; i++) {                                                                                           \
      const hn_real *a0 = a + i * K, *bp = b + j;                                                                  \
      V c0 = {0};                                                                                                  \
      for (p = 0; p < K; p++, bp += M) MAC(c0, SPLAT(a0[p]), LD(bp));                                              \
      ST(y + i * M + j, c0);                                                                                       \
    }                                                                                                              \
  } while (0)
#endif

#ifdef HN_VECTOR
/* eight vectors of y: c0 .. c7 = 0; c += x b[0 .. 8 vectors]; stored */
#define HN_ACC8(c) hn_vec c##0 = {0}, c##1 = {0}, c##2 = {0}, c##3 = {0}, c##4 = {0}, c##5 = {0}, c##6 = {0}, c##7 = {0}
#define HN_MAC8V(c, x, p)                                                                                         \
  (HN_MAC(c##0, x, HN_LD(p)), HN_MAC(c##1, x, HN_LD((p) + HN_VL)), HN_MAC(c##2, x, HN_LD((p) + 2 * HN_VL)),          \
   HN_MAC(c##3, x, HN_LD((p) + 3 * HN_VL)), HN_MAC(c##4, x, HN_LD((p) + 4 * HN_VL)),                                \
   HN_MAC(c##5, x, HN_LD((p) + 5 * HN_VL)), HN_MAC(c##6, x, HN_LD((p) + 6 * HN_VL)), HN_MAC(c##7, x, HN_LD((p) + 7 * HN_VL)))
#define HN_ST8V(p, c)                                                                                             \
  (HN_ST(p, c##0), HN_ST((p) + HN_VL, c##1), HN_ST((p) + 2 * HN_VL, c##2), HN_ST((p) + 3 * HN_VL, c##3),             \
   HN_ST((p) + 4 * HN_VL, c##4), HN_ST((p) + 5 * HN_VL, c##5), HN_ST((p) + 6 * HN_VL, c##6), HN_ST((p) + 7 * HN_VL, c##7))
#endif

#ifdef HN_VECTOR
/* hn_mm_nn for one row of a (batch 1), the columns up to the last four
 * vectors' block; returns the first column left */
static inline int hn_nn_row(int K, int M, const hn_real *restrict a, const hn_real *restrict b, hn_real *restrict y)
{
  const int M32 = M - M % (8 * HN_VL), M16 = M - M % (4 * HN_VL);
  int j = 0, p;
#ifdef __AVX512F__
  /* one row (batch 1) under AVX-512: 24 vectors of y in registers, so that
   * b streams row by row, 24 vectors of each contiguous (three blocks of
   * 8 read each row of b in three strided passes) */
  for (; j + 24 * HN_VL <= M; j += 24 * HN_VL) {
    const hn_real *bp = b + j;
    HN_ACC8(c);
    HN_ACC8(d);
    HN_ACC8(e);
    for (p = 0; p < K; p++, bp += M) {
      hn_vec x0 = hn_splat(a[p]);
      HN_MAC8V(c, x0, bp), HN_MAC8V(d, x0, bp + 8 * HN_VL), HN_MAC8V(e, x0, bp + 16 * HN_VL);
    }
    HN_ST8V(y + j, c), HN_ST8V(y + j + 8 * HN_VL, d), HN_ST8V(y + j + 16 * HN_VL, e);
  }
#endif
  for (; j < M32; j += 8 * HN_VL) { /* eight accumulators hide the latency of the adds */
    const hn_real *bp = b + j;
    HN_ACC8(c);
    for (p = 0; p < K; p++, bp += M) {
      hn_vec x0 = hn_splat(a[p]);
      HN_MAC8V(c, x0, bp);
    }
    HN_ST8V(y + j, c);
  }
  for (; j < M16; j += 4 * HN_VL) { /* four vectors, read in place: one row would read a packed copy only once */
    const hn_real *bp = b + j;
    hn_vec c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0};
    for (p = 0; p < K; p++, bp += M) {
      hn_vec x0 = hn_splat(a[p]);
      HN_MAC(c0, x0, HN_LD(bp)), HN_MAC(c1, x0, HN_LD(bp + HN_VL)), HN_MAC(c2, x0, HN_LD(bp + 2 * HN_VL)), HN_MAC(c3, x0, HN_LD(bp + 3 * HN_VL));
    }
    HN_ST(y + j, c0), HN_ST(y + j + HN_VL, c1), HN_ST(y + j + 2 * HN_VL, c2), HN_ST(y + j + 3 * HN_VL, c3);
  }
  return j;
}
#endif

/* Loop order for the cache: a panel of b (all K rows, a block of columns)
 * stays in L1 while every row of a passes over it. */
static inline void hn_mm_nn(long R, int K, int M, const hn_real *restrict a, const hn_real *restrict b, hn_real *restrict y,
                            hn_real *restrict pack)
{
  long i;
  int j, p, k0;
#ifdef HN_VECTOR
  const int M16 = M - M % (4 * HN_VL); /* explicit bounds */
  int M4 = M - M % HN_VL;
  j = 0;
  if (R == 1) j = hn_nn_row(K, M, a, b, y);
  for (; j < M16; j += 4 * HN_VL)
    for (k0 = 0; k0 < K; k0 += HN_KB) {
      const int kn = K - k0 < HN_KB ? K - k0 : HN_KB, packed = R > HN_NOPACK;
      const hn_real *panel = packed ? pack : b + (long)k0 * M + j;
      const long ldp = packed ? 4 * HN_VL : M;
      /* copy the panel b[k0:k0+kn, j:j+4*HN_VL] to pack, contiguous: one
       * stream through L1 instead of kn rows 8*M bytes apart (TLB misses;
       * 1.5x measured), at most 32 KB (blocks of K: wide layers) */
      for (p = 0; packed && p < kn; p++) {
        const hn_real *src = b + (long)(k0 + p) * M + j;
        hn_real *dst = pack + (long)p * 4 * HN_VL;
        HN_ST(dst, HN_LD(src)), HN_ST(dst + HN_VL, HN_LD(src + HN_VL));
        HN_ST(dst + 2 * HN_VL, HN_LD(src + 2 * HN_VL)), HN_ST(dst + 3 * HN_VL, HN_LD(src + 3 * HN_VL));
      }
      /* a later block of K continues the sums where the previous one left
       * them in y: the same additions in the same order */
      i = 0;
#ifdef __AVX512F__
      for (; i + 4 <= R; i += 4) hn_nn_rows4(a + i * K + k0, K, M, kn, k0, panel, ldp, y + i * M + j);
#endif
      for (; i + 2 <= R; i += 2) {
        const hn_real *a0 = a + i * K + k0, *a1 = a0 + K, *bp = panel;
        hn_real *y0 = y + i * M + j, *y1 = y0 + M;
        hn_vec c00 = {0}, c01 = {0}, c02 = {0}, c03 = {0}, c10 = {0}, c11 = {0}, c12 = {0}, c13 = {0};
        if (k0) {
          c00 = HN_LD(y0), c01 = HN_LD(y0 + HN_VL), c02 = HN_LD(y0 + 2 * HN_VL), c03 = HN_LD(y0 + 3 * HN_VL);
          c10 = HN_LD(y1), c11 = HN_LD(y1 + HN_VL), c12 = HN_LD(y1 + 2 * HN_VL), c13 = HN_LD(y1 + 3 * HN_VL);
        }
        for (p = 0; p < kn; p++, bp += ldp) {
          hn_vec b0 = HN_LD(bp), b1 = HN_LD(bp + HN_VL), b2 = HN_LD(bp + 2 * HN_VL), b3 = HN_LD(bp + 3 * HN_VL);
          HN_INREG(b0);
          HN_INREG(b1);
          HN_INREG(b2);
          HN_INREG(b3);
          hn_vec x0 = hn_splat(a0[p]), x1 = hn_splat(a1[p]);
          HN_MAC(c00, x0, b0), HN_MAC(c01, x0, b1), HN_MAC(c02, x0, b2), HN_MAC(c03, x0, b3);
          HN_MAC(c10, x1, b0), HN_MAC(c11, x1, b1), HN_MAC(c12, x1, b2), HN_MAC(c13, x1, b3);
        }
        HN_ST(y0, c00), HN_ST(y0 + HN_VL, c01), HN_ST(y0 + 2 * HN_VL, c02), HN_ST(y0 + 3 * HN_VL, c03);
        HN_ST(y1, c10), HN_ST(y1 + HN_VL, c11), HN_ST(y1 + 2 * HN_VL, c12), HN_ST(y1 + 3 * HN_VL, c13);
      }
      for (; i < R; i++) {
        const hn_real *a0 = a + i * K + k0, *bp = panel;
        hn_real *y0 = y + i * M + j;
        hn_vec c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0};
        if (k0) c0 = HN_LD(y0), c1 = HN_LD(y0 + HN_VL), c2 = HN_LD(y0 + 2 * HN_VL), c3 = HN_LD(y0 + 3 * HN_VL);
        for (p = 0; p < kn; p++, bp += ldp) {
          hn_vec x0 = hn_splat(a0[p]);
          HN_MAC(c0, x0, HN_LD(bp)), HN_MAC(c1, x0, HN_LD(bp + HN_VL)), HN_MAC(c2, x0, HN_LD(bp + 2 * HN_VL)), HN_MAC(c3, x0, HN_LD(bp + 3 * HN_VL));
        }
        HN_ST(y0, c0), HN_ST(y0 + HN_VL, c1), HN_ST(y0 + 2 * HN_VL, c2), HN_ST(y0 + 3 * HN_VL, c3);
      }
    }
  for (j = M16; j < M4; j += HN_VL) HN_NN_COLUMN(hn_vec, HN_LD, HN_ST, HN_MAC, hn_splat);
#if HN_VL > 8
  for (j = M4; j + 8 <= M; j += 8) /* half a 16-lane vector (float: 200 = 12 x 16 + 8) */
    HN_NN_COLUMN(hn_v8, HN_LD8, HN_ST8, HN_MAC8, hn_splat8);
  M4 = j;
#endif
  hn_nn_last(R, K, M, M4, a, b, y);
#else
  (void)pack, (void)k0;
  for (i = 0; i < R; i++) {
    const hn_real *ai = a + i * K;
    hn_real *yi = y + i * M;
    for (j = 0; j < M; j++) yi[j] = 0;
    for (p = 0; p < K; p++) {
      const hn_real av = ai[p], *bp = b + (long)p * M;
      for (j = 0; j < M; j++) HN_SMAC(yi[j], av, bp[j]);
    }
  }
#endif
}

/* the fixed reduction tree of the eight lanes */
static inline hn_real hn_lanes8(const hn_real *s)
{
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

#ifdef HN_VECTOR
/* lane i < 4: x[2i] + x[2i+1]; lane 4 + i: y[2i] + y[2i+1]. Three rounds
 * over the partial sums of eight outputs give the eight results of
 * hn_lanes8's tree, in the outputs' order. (A macro: a function returning
 * a vector wider than the target's registers would change the ABI.) */
#ifdef __clang__
#define hn_pairsum(x, y)                                                                                             \
  (__builtin_shufflevector((x), (y), 0, 2, 4, 6, 8, 10, 12, 14) + __builtin_shufflevector((x), (y), 1, 3, 5, 7, 9, 11, 13, 15))
#else
#define hn_pairsum(x, y) (__builtin_shuffle((x), (y), hn_even) + __builtin_shuffle((x), (y), hn_odd))
#endif
/* hn_mm_nt's results for eight outputs from their partial-sum vectors
 * c0 .. c7: hn_lanes8's tree, in the outputs' order */
#define HN_TREE8(c)                                                                                                  \
  hn_pairsum(hn_pairsum(hn_pairsum(c##0, c##1), hn_pairsum(c##2, c##3)), hn_pairsum(hn_pairsum(c##4, c##5), hn_pairsum(c##6, c##7)))
/* the eight partial-sum vectors c0 .. c7 from, and to, v[0 .. 7] */
#define HN_GET8(c, v) (c##0 = (v)[0], c##1 = (v)[1], c##2 = (v)[2], c##3 = (v)[3], c##4 = (v)[4], c##5 = (v)[5], c##6 = (v)[6], c##7 = (v)[7])
#define HN_PUT8(v, c) ((v)[0] = c##0, (v)[1] = c##1, (v)[2] = c##2, (v)[3] = c##3, (v)[4] = c##4, (v)[5] = c##5, (v)[6] = c##6, (v)[7] = c##7)
/* float under AVX-512: 16-lane vectors from two halves of eight, and
 * back (__builtin_shufflevector: gcc 12 and clang) */
#if defined(__AVX512F__) && HN_VW == 8 && defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector)
#define HN_NT_PAIRS 1
#define HN_CAT8(x, z) __builtin_shufflevector((x), (z), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
#define HN_HALF0(v) __builtin_shufflevector((v), (v), 0, 1, 2, 3, 4, 5, 6, 7)
#define HN_HALF1(v) __builtin_shufflevector((v), (v), 8, 9, 10, 11, 12, 13, 14, 15)
/* hn_pairsum on 16 lanes: lane i < 8 is x[2i] + x[2i+1], lane 8 + i is
 * y[2i] + y[2i+1] */
#define HN_PS16(x, y)                                                                                                 \
  (__builtin_shufflevector((x), (y), 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) +                     \
   __builtin_shufflevector((x), (y), 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31))
/* the results of two rows (lanes 0-7 and 8-15 of the partial sums c0 ..
 * c7) at y0 and y1: three rounds of pairs on whole vectors leave output q
 * of the first row in lane 2q and of the second in lane 2q + 1, each the
 * sum of hn_lanes8's tree; one shuffle puts the rows apart (a third of
 * the shuffles of reducing the halves separately) */
#define HN_NT_ROWS(y0, y1, c)                                                                                         \
  do {                                                                                                               \
    const hn_vec w_ = HN_PS16(HN_PS16(HN_PS16(c##0, c##1), HN_PS16(c##2, c##3)),                                      \
                              HN_PS16(HN_PS16(c##4, c##5), HN_PS16(c##6, c##7)));                                     \
    const hn_vec r_ = __builtin_shufflevector(w_, w_, 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);          \
    *(hn_v8 *)(void *)(y0) = HN_HALF0(r_), *(hn_v8 *)(void *)(y1) = HN_HALF1(r_);                                   \
  } while (0)
#endif
#endif
/* Outputs per block of hn_mm_nt: eight partial-sum vectors where they fit
 * the registers (64-byte vectors, or float), else four (double without
 * AVX-512, HN_VL == 4: each output's sums as two 4-lane halves). */
#if defined(__AVX512F__) || HN_VW == 8
#define HN_NTQ 8
#else
#define HN_NTQ 4
#endif
#endif

#if HN_NTQ == 8 && defined(__AVX512F__)
/* hn_mm_nt for wide layers (K > 2 HN_NTKB, eight rows of b beyond L1):
 * blocks of HN_NTKB columns of K, eight rows of b (16 KB) in L1 while a
 * group of up to 32 rows of a passes; each row's eight partial-sum
 * vectors wait in s (on the stack, 16 KB in double) between blocks, so
 * every lane still adds its terms in ascending order. Without the blocks
 * b came from L2 for every pair of rows of a: 60% of OpenBLAS at
 * 256x1000x1000. */
#define HN_NTKB (16384 / (8 * (int)sizeof(hn_real)))
#ifdef __clang__
__attribute__((noinline))
#else
__attribute__((noipa)) /* gcc's clones for a constant b (a model's small constant matrix) warned of
                        * reads past its end on this path, which needs K > 2 HN_NTKB */
#endif
static void hn_nt_wide(long R, int K, int MQ, int M, const hn_real *restrict a, const hn_real *restrict b,
                              hn_real *restrict y)
{
  const hn_i8 hn_even = {0, 2, 4, 6, 8, 10, 12, 14}, hn_odd = {1, 3, 5, 7, 9, 11, 13, 15};
  hn_v8 s[32][8];
  long i0, i;
  int j, k0, p;
  (void)hn_even, (void)hn_odd;
  for (i0 = 0; i0 < R; i0 += 32) {
    const long rn = R - i0 < 32 ? R - i0 : 32;
    for (j = 0; j < MQ; j += 8)
      for (k0 = 0; k0 < K; k0 += HN_NTKB) {
        const int kn = K - k0 < HN_NTKB ? K - k0 : HN_NTKB, last = k0 + kn == K;
        const hn_real *b0 = b + (long)j * K + k0;
        for (i = 0; i + 2 <= rn; i += 2) { /* two rows of a share each load of b */
          const hn_real *ai = a + (i0 + i) * K + k0, *aj = ai + K;
          hn_v8 c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0}, c6 = {0}, c7 = {0};
          hn_v8 d0 = {0}, d1 = {0}, d2 = {0}, d3 = {0}, d4 = {0}, d5 = {0}, d6 = {0}, d7 = {0}, t;
          if (k0) HN_GET8(c, s[i]), HN_GET8(d, s[i + 1]);
          for (p = 0; p < kn; p += 8) {
            const hn_real *bp = b0 + p;
            const hn_v8 x = HN_LD8(ai + p), z = HN_LD8(aj + p);
            t = HN_LD8(bp), HN_INREG(t), HN_MAC8(c0, x, t), HN_MAC8(d0, z, t);
            t = HN_LD8(bp + K), HN_INREG(t), HN_MAC8(c1, x, t), HN_MAC8(d1, z, t);
            t = HN_LD8(bp + 2 * K), HN_INREG(t), HN_MAC8(c2, x, t), HN_MAC8(d2, z, t);
            t = HN_LD8(bp + 3 * K), HN_INREG(t), HN_MAC8(c3, x, t), HN_MAC8(d3, z, t);
            t = HN_LD8(bp + 4 * K), HN_INREG(t), HN_MAC8(c4, x, t), HN_MAC8(d4, z, t);
            t = HN_LD8(bp + 5 * K), HN_INREG(t), HN_MAC8(c5, x, t), HN_MAC8(d5, z, t);
            t = HN_LD8(bp + 6 * K), HN_INREG(t), HN_MAC8(c6, x, t), HN_MAC8(d6, z, t);
            t = HN_LD8(bp + 7 * K), HN_INREG(t), HN_MAC8(c7, x, t), HN_MAC8(d7, z, t);
          }
          if (last)
            *(hn_v8 *)(void *)(y + (i0 + i) * M + j) = HN_TREE8(c), *(hn_v8 *)(void *)(y + (i0 + i + 1) * M + j) = HN_TREE8(d);
          else
            HN_PUT8(s[i], c), HN_PUT8(s[i + 1], d);
        }
        for (; i < rn; i++) {
          const hn_real *ai = a + (i0 + i) * K + k0;
          hn_v8 c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0}, c6 = {0}, c7 = {0};
          if (k0) HN_GET8(c, s[i]);
          for (p = 0; p < kn; p += 8) {
            const hn_real *bp = b0 + p;
            const hn_v8 x = HN_LD8(ai + p);
            HN_MAC8(c0, x, HN_LD8(bp)), HN_MAC8(c1, x, HN_LD8(bp + K)), HN_MAC8(c2, x, HN_LD8(bp + 2 * K));
            HN_MAC8(c3, x, HN_LD8(bp + 3 * K)), HN_MAC8(c4, x, HN_LD8(bp + 4 * K)), HN_MAC8(c5, x, HN_LD8(bp + 5 * K));
            HN_MAC8(c6, x, HN_LD8(bp + 6 * K)), HN_MAC8(c7, x, HN_LD8(bp + 7 * K));
          }
          if (last)
            *(hn_v8 *)(void *)(y + (i0 + i) * M + j) = HN_TREE8(c);
          else
            HN_PUT8(s[i], c);
        }
      }
  }
}
#endif

#ifdef HN_NT_PAIRS
/* hn_mm_nt's rows of a four at a time for the outputs j .. j + 7 (K a
 * multiple of 8); returns the first row left */
static inline long hn_nt_pairs(long R, int K, int M, int j, const hn_real *restrict a, const hn_real *restrict b,
                               hn_real *restrict y)
{
  long i = 0;
  int p;
  /* float: a 16-lane vector holds the eight partial sums of two rows of
   * a (lanes 0-7 and 8-15), so that each fused multiply-add serves both
   * (eight lanes alone left half of each register idle: 47% of
   * OpenBLAS at 1024x200x200); four rows share each load of b */
  for (; i + 4 <= R; i += 4) {
    const hn_real *a0 = a + i * K, *a2 = a0 + 2 * K, *b0 = b + (long)j * K;
    hn_vec c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0}, c6 = {0}, c7 = {0};
    hn_vec d0 = {0}, d1 = {0}, d2 = {0}, d3 = {0}, d4 = {0}, d5 = {0}, d6 = {0}, d7 = {0};
    for (p = 0; p < K; p += 8) {
      const hn_real *bp = b0 + p;
      const hn_vec x = HN_CAT8(HN_LD8(a0 + p), HN_LD8(a0 + K + p)), z = HN_CAT8(HN_LD8(a2 + p), HN_LD8(a2 + K + p));
      hn_vec t;
      t = HN_CAT8(HN_LD8(bp), HN_LD8(bp)), HN_INREG(t), HN_MAC(c0, x, t), HN_MAC(d0, z, t);
      t = HN_CAT8(HN_LD8(bp + K), HN_LD8(bp + K)), HN_INREG(t), HN_MAC(c1, x, t), HN_MAC(d1, z, t);
      t = HN_CAT8(HN_LD8(bp + 2 * K), HN_LD8(bp + 2 * K)), HN_INREG(t), HN_MAC(c2, x, t), HN_MAC(d2, z, t);
      t = HN_CAT8(HN_LD8(bp + 3 * K), HN_LD8(bp + 3 * K)), HN_INREG(t), HN_MAC(c3, x, t), HN_MAC(d3, z, t);
      t = HN_CAT8(HN_LD8(bp + 4 * K), HN_LD8(bp + 4 * K)), HN_INREG(t), HN_MAC(c4, x, t), HN_MAC(d4, z, t);
      t = HN_CAT8(HN_LD8(bp + 5 * K), HN_LD8(bp + 5 * K)), HN_INREG(t), HN_MAC(c5, x, t), HN_MAC(d5, z, t);
      t = HN_CAT8(HN_LD8(bp + 6 * K), HN_LD8(bp + 6 * K)), HN_INREG(t), HN_MAC(c6, x, t), HN_MAC(d6, z, t);
      t = HN_CAT8(HN_LD8(bp + 7 * K), HN_LD8(bp + 7 * K)), HN_INREG(t), HN_MAC(c7, x, t), HN_MAC(d7, z, t);
    }
    HN_NT_ROWS(y + i * M + j, y + (i + 1) * M + j, c);
    HN_NT_ROWS(y + (i + 2) * M + j, y + (i + 3) * M + j, d);
  }
  return i;
}
#endif

#if HN_NTQ == 8 && defined(__AVX512F__) && HN_VW == 4
/* hn_mm_nt's rows of a three at a time for the outputs j .. j + 7 (double,
 * K a multiple of 8: 24 partial-sum vectors, three rows share each load of
 * b; 2 rows: 68 -> 70-78 GFLOP/s at 1023x200x200 on a Xeon, whose loads
 * bind); returns the first row left */
static inline long hn_nt_rows3(long R, int K, int M, int j, const hn_real *restrict a, const hn_real *restrict b,
                               hn_real *restrict y)
{
  const hn_i8 hn_even = {0, 2, 4, 6, 8, 10, 12, 14}, hn_odd = {1, 3, 5, 7, 9, 11, 13, 15};
  long i = 0;
  int p;
  (void)hn_even, (void)hn_odd;
  for (; i + 3 <= R; i += 3) {
    const hn_real *ai = a + i * K, *aj = ai + K, *ak = aj + K, *b0 = b + (long)j * K;
    hn_v8 c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0}, c6 = {0}, c7 = {0};
    hn_v8 d0 = {0}, d1 = {0}, d2 = {0}, d3 = {0}, d4 = {0}, d5 = {0}, d6 = {0}, d7 = {0};
    hn_v8 e0 = {0}, e1 = {0}, e2 = {0}, e3 = {0}, e4 = {0}, e5 = {0}, e6 = {0}, e7 = {0}, t;
    for (p = 0; p < K; p += 8) {
      const hn_real *bp = b0 + p;
      const hn_v8 x = HN_LD8(ai + p), z = HN_LD8(aj + p), w = HN_LD8(ak + p);
#define HN_NT3(q) (t = HN_LD8(bp + (q) * K), HN_INREG(t), HN_MAC8(c##q, x, t), HN_MAC8(d##q, z, t), HN_MAC8(e##q, w, t))
      HN_NT3(0), HN_NT3(1), HN_NT3(2), HN_NT3(3), HN_NT3(4), HN_NT3(5), HN_NT3(6), HN_NT3(7);
#undef HN_NT3
    }
    *(hn_v8 *)(void *)(y + i * M + j) = HN_TREE8(c);
    *(hn_v8 *)(void *)(y + (i + 1) * M + j) = HN_TREE8(d);
    *(hn_v8 *)(void *)(y + (i + 2) * M + j) = HN_TREE8(e);
  }
  return i;
}
#endif

#if defined(HN_VECTOR) && HN_NTQ == 4
/* Double without AVX-512: gcc keeps vectors of eight doubles (64 bytes) in
 * memory there, not in two registers (double NT under AVX2 ran at 15
 * GFLOP/s, 28% of OpenBLAS, on a Xeon with AVX-512 turned off), so an
 * output's eight partial sums are two 4-lane halves, lanes 0-3 and 4-7. */
__extension__ typedef long long hn_i4 __attribute__((vector_size(32)));
/* HN_PA4(x, y) = [x0 + x1, y0 + y1, x2 + x3, y2 + y3] (shuffles within the
 * 16-byte lanes), HN_LH4(x, y) = [x0 + x2, x1 + x3, y0 + y2, y1 + y3] */
#ifdef __clang__
#define HN_PA4(x, y) (__builtin_shufflevector((x), (y), 0, 4, 2, 6) + __builtin_shufflevector((x), (y), 1, 5, 3, 7))
#define HN_LH4(x, y) (__builtin_shufflevector((x), (y), 0, 1, 4, 5) + __builtin_shufflevector((x), (y), 2, 3, 6, 7))
#else
#define HN_PA4(x, y) (__builtin_shuffle((x), (y), (hn_i4){0, 4, 2, 6}) + __builtin_shuffle((x), (y), (hn_i4){1, 5, 3, 7}))
#define HN_LH4(x, y) (__builtin_shuffle((x), (y), (hn_i4){0, 1, 4, 5}) + __builtin_shuffle((x), (y), (hn_i4){2, 3, 6, 7}))
#endif
/* the totals of four outputs (or rows) from their halves l, h: lane q is
 * ((l0 + l1) + (l2 + l3)) + ((h0 + h1) + (h2 + h3)) of the q-th, hn_lanes8's
 * tree (pairs within 16-byte lanes first, then across: 12 shuffles and 7
 * adds, where pairing even and odd lanes took 28, half of them across
 * lanes; at 32x200x200 on Zen 4 with AVX-512 off 0-3% faster, the noise) */
#define HN_RED4(l0, h0, l1, h1, l2, h2, l3, h3)                                                                      \
  (HN_LH4(HN_PA4(l0, l1), HN_PA4(l2, l3)) + HN_LH4(HN_PA4(h0, h1), HN_PA4(h2, h3)))
#define HN_MAC2(l, h, xl, xh, bp) (HN_MAC(l, xl, HN_LD(bp)), HN_MAC(h, xh, HN_LD((bp) + 4)))
/* one row of a (ai) by the rows j .. j + 3 of b, into yi[j .. j + 3] */
static inline void hn_nt_row4h(int K, int j, const hn_real *restrict ai, const hn_real *restrict b,
                               hn_real *restrict yi)
{
  const hn_real *b0 = b + (long)j * K, *b1 = b0 + K, *b2 = b1 + K, *b3 = b2 + K;
  const int K8 = K / 8 * 8;
  hn_vec l0 = {0}, l1 = {0}, l2 = {0}, l3 = {0}, h0 = {0}, h1 = {0}, h2 = {0}, h3 = {0}, r;
  int p, q;
  for (p = 0; p < K8; p += 8) {
    const hn_vec xl = HN_LD(ai + p), xh = HN_LD(ai + p + 4);
    HN_MAC2(l0, h0, xl, xh, b0 + p), HN_MAC2(l1, h1, xl, xh, b1 + p), HN_MAC2(l2, h2, xl, xh, b2 + p);
    HN_MAC2(l3, h3, xl, xh, b3 + p);
  }
  if (K8 < K) { /* the last K - K8 indices go to lanes 0 ..; the other lanes add 0 * 0 = +0 (hn_mm_nt) */
    hn_vec xl = {0}, xh = {0}, tl[4], th[4];
    for (q = 0; q < 4; q++) tl[q] = xl, th[q] = xl;
    for (p = K8; p < K; p++) {
      const int l = p - K8;
      if (l < 4)
        for (xl[l] = ai[p], q = 0; q < 4; q++) tl[q][l] = b0[(long)q * K + p];
      else
        for (xh[l - 4] = ai[p], q = 0; q < 4; q++) th[q][l - 4] = b0[(long)q * K + p];
    }
    HN_MAC(l0, xl, tl[0]), HN_MAC(h0, xh, th[0]), HN_MAC(l1, xl, tl[1]), HN_MAC(h1, xh, th[1]);
    HN_MAC(l2, xl, tl[2]), HN_MAC(h2, xh, th[2]), HN_MAC(l3, xl, tl[3]), HN_MAC(h3, xh, th[3]);
  }
  r = HN_RED4(l0, h0, l1, h1, l2, h2, l3, h3);
  yi[j] = r[0], yi[j + 1] = r[1], yi[j + 2] = r[2], yi[j + 3] = r[3];
}
/* Two rows of a (a0, a0 + K) by the rows b0, b0 + K, .. + 3K of b, over
 * the columns p < kn with p mod 8 in off .. off + 3 (off = 0 or 4): one
 * half (lanes 0-3 or 4-7) of each output's eight partial sums, c[q] for
 * the first row and c[4 + q] for the second, continued from c. Each half
 * in a pass of its own: eight accumulators, two loads of a and four of b
 * for eight multiply-adds (hn_nt_row4h's one pass over both halves loads
 * ten; three rows here measured no faster). */
static inline void hn_nt_half2(int K, int kn, int off, const hn_real *restrict a0, const hn_real *restrict b0, hn_vec *c)
{
  const hn_real *a1 = a0 + K, *b1 = b0 + K, *b2 = b1 + K, *b3 = b2 + K;
  hn_vec c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3], d0 = c[4], d1 = c[5], d2 = c[6], d3 = c[7], x, z, t;
  int p;
  for (p = off; p < kn; p += 8) {
    x = HN_LD(a0 + p), z = HN_LD(a1 + p);
    HN_INREG(x); /* else gcc reads a from memory in each multiply-add: twelve loads */
    HN_INREG(z);
    t = HN_LD(b0 + p), HN_INREG(t), HN_MAC(c0, x, t), HN_MAC(d0, z, t);
    t = HN_LD(b1 + p), HN_INREG(t), HN_MAC(c1, x, t), HN_MAC(d1, z, t);
    t = HN_LD(b2 + p), HN_INREG(t), HN_MAC(c2, x, t), HN_MAC(d2, z, t);
    t = HN_LD(b3 + p), HN_INREG(t), HN_MAC(c3, x, t), HN_MAC(d3, z, t);
  }
  c[0] = c0, c[1] = c1, c[2] = c2, c[3] = c3, c[4] = d0, c[5] = d1, c[6] = d2, c[7] = d3;
}
/* hn_mm_nt's rows of a two at a time for the outputs j .. j + 3 (K a
 * multiple of 8), over blocks of HN_NTKB4 columns of K where K is wider:
 * the four rows of b (16 KB) stay in L1 while a group of up to 32 rows
 * of a passes, and each row's partial sums wait in s between blocks, so
 * every lane still adds its terms in ascending order (hn_nt_wide's
 * scheme; without the blocks b came from L2 for every row of a: at
 * 256x1000x1000 in chunks of 32 rows on Zen 4 with AVX-512 off, 1.45-1.66x
 * faster now; at K = 200 0.92-0.99x, so narrower layers keep
 * hn_nt_row4h). Returns the first row left. */
#define HN_NTKB4 (16384 / (4 * (int)sizeof(hn_real)))
static long hn_nt_pairs4(long R, int K, int M, int j, const hn_real *restrict a, const hn_real *restrict b,
                         hn_real *restrict y)
{
  hn_vec s[32][8], r; /* rows i, i + 1: their lanes 0-3 in s[i], 4-7 in s[i + 1] */
  const long R2 = R / 2 * 2;
  long i0, i;
  int k0, q;
  for (i0 = 0; i0 < R2; i0 += 32) {
    const long rn = R2 - i0 < 32 ? R2 - i0 : 32;
    for (k0 = 0; k0 < K; k0 += HN_NTKB4) {
      const int kn = K - k0 < HN_NTKB4 ? K - k0 : HN_NTKB4;
      for (i = 0; i < rn; i += 2) {
        hn_vec *l = s[i], *h = s[i + 1];
        const hn_real *a0 = a + (i0 + i) * K + k0, *b0 = b + (long)j * K + k0;
        hn_real *y0 = y + (i0 + i) * M + j, *y1 = y0 + M;
        if (!k0)
          for (q = 0; q < 8; q++) l[q] = h[q] = (hn_vec){0};
        hn_nt_half2(K, kn, 0, a0, b0, l), hn_nt_half2(K, kn, 4, a0, b0, h);
        if (k0 + kn < K) continue;
        r = HN_RED4(l[0], h[0], l[1], h[1], l[2], h[2], l[3], h[3]);
        y0[0] = r[0], y0[1] = r[1], y0[2] = r[2], y0[3] = r[3];
        r = HN_RED4(l[4], h[4], l[5], h[5], l[6], h[6], l[7], h[7]);
        y1[0] = r[0], y1[1] = r[1], y1[2] = r[2], y1[3] = r[3];
      }
    }
  }
  return R2;
}
/* four rows of a (a0, K a multiple of 8) by the row bj of b, into y0[0],
 * y0[M], y0[2M], y0[3M] */
static inline void hn_nt_col4h(int K, int M, const hn_real *restrict a0, const hn_real *restrict bj,
                               hn_real *restrict y0)
{
  hn_vec l0 = {0}, l1 = {0}, l2 = {0}, l3 = {0}, h0 = {0}, h1 = {0}, h2 = {0}, h3 = {0}, r;
  int p;
  for (p = 0; p < K; p += 8) {
    const hn_vec tl = HN_LD(bj + p), th = HN_LD(bj + p + 4);
    HN_MAC2(l0, h0, tl, th, a0 + p), HN_MAC2(l1, h1, tl, th, a0 + K + p), HN_MAC2(l2, h2, tl, th, a0 + 2 * K + p);
    HN_MAC2(l3, h3, tl, th, a0 + 3 * K + p);
  }
  r = HN_RED4(l0, h0, l1, h1, l2, h2, l3, h3);
  y0[0] = r[0], y0[M] = r[1], y0[2 * M] = r[2], y0[3 * M] = r[3];
}
#endif

#ifdef HN_VECTOR
/* hn_mm_nt's last columns (an output layer's: M = 1 or 2), column j, rows
 * four at a time (K a multiple of 8): four independent chains of
 * multiply-adds instead of one (9% of the float pendulum field at 1024
 * rows went here); the pairs below leave each row's total in lane 0 .. 3,
 * by hn_lanes8's tree. Returns the first row left. */
static inline long hn_nt_last4(long R, int K, int M, int j, const hn_real *restrict a, const hn_real *restrict b,
                               hn_real *restrict y)
{
  const hn_i8 hn_even = {0, 2, 4, 6, 8, 10, 12, 14}, hn_odd = {1, 3, 5, 7, 9, 11, 13, 15};
  long i = 0;
  int p;
  (void)hn_even, (void)hn_odd, (void)p;
  for (; i + 4 <= R; i += 4) {
    const hn_real *a0 = a + i * K, *bj = b + (long)j * K;
#if HN_NTQ == 4
    hn_nt_col4h(K, M, a0, bj, y + i * M + j);
#else
    hn_v8 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0}, t, r;
    for (p = 0; p < K; p += 8) {
      t = HN_LD8(bj + p);
      HN_MAC8(s0, HN_LD8(a0 + p), t), HN_MAC8(s1, HN_LD8(a0 + K + p), t), HN_MAC8(s2, HN_LD8(a0 + 2 * K + p), t);
      HN_MAC8(s3, HN_LD8(a0 + 3 * K + p), t);
    }
    r = hn_pairsum(hn_pairsum(s0, s1), hn_pairsum(s2, s3));
    r = hn_pairsum(r, r);
    y[i * M + j] = r[0], y[(i + 1) * M + j] = r[1], y[(i + 2) * M + j] = r[2], y[(i + 3) * M + j] = r[3];
#endif
  }
  return i;
}
#endif

/* hn_mm_nt on the outputs j0 .. M - 1 (j0 a multiple of 16) */
static inline void hn_nt_cols(long R, int K, int M, int j0, const hn_real *restrict a, const hn_real *restrict b,
                              hn_real *restrict y)
{
  long i;
  int j = j0, p, l, K8 = K / 8 * 8, MQ = 0;
#ifdef HN_VECTOR
  const hn_i8 hn_even = {0, 2, 4, 6, 8, 10, 12, 14}, hn_odd = {1, 3, 5, 7, 9, 11, 13, 15};
  (void)hn_even, (void)hn_odd;
  MQ = M - M % HN_NTQ;
#if HN_NTQ == 8 && defined(__AVX512F__)
  if (!j0 && K8 == K && K > 2 * HN_NTKB) { /* wide layers: blocks of K */
    hn_nt_wide(R, K, MQ, M, a, b, y);
    j = MQ;
  }
#endif
  for (; j < MQ; j += HN_NTQ) { /* HN_NTQ rows of b stay in L1 for every row of a */
    i = 0;
#ifdef HN_NT_PAIRS
    if (K8 == K) i = hn_nt_pairs(R, K, M, j, a, b, y);
#endif
#if HN_NTQ == 8 && defined(__AVX512F__) /* 32 registers: two or three rows of a share each load of b */
#if HN_VW == 4
    if (K8 == K) i = hn_nt_rows3(R, K, M, j, a, b, y);
#endif
    if (K8 == K)
      for (; i + 2 <= R; i += 2) {
        const hn_real *ai = a + i * K, *aj = ai + K, *b0 = b + (long)j * K;
        hn_v8 c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0}, c6 = {0}, c7 = {0};
        hn_v8 d0 = {0}, d1 = {0}, d2 = {0}, d3 = {0}, d4 = {0}, d5 = {0}, d6 = {0}, d7 = {0}, t;
        for (p = 0; p < K; p += 8) {
          const hn_real *bp = b0 + p;
          hn_v8 x = HN_LD8(ai + p), z = HN_LD8(aj + p);
          t = HN_LD8(bp), HN_INREG(t), HN_MAC8(c0, x, t), HN_MAC8(d0, z, t);
          t = HN_LD8(bp + K), HN_INREG(t), HN_MAC8(c1, x, t), HN_MAC8(d1, z, t);
          t = HN_LD8(bp + 2 * K), HN_INREG(t), HN_MAC8(c2, x, t), HN_MAC8(d2, z, t);
          t = HN_LD8(bp + 3 * K), HN_INREG(t), HN_MAC8(c3, x, t), HN_MAC8(d3, z, t);
          t = HN_LD8(bp + 4 * K), HN_INREG(t), HN_MAC8(c4, x, t), HN_MAC8(d4, z, t);
          t = HN_LD8(bp + 5 * K), HN_INREG(t), HN_MAC8(c5, x, t), HN_MAC8(d5, z, t);
          t = HN_LD8(bp + 6 * K), HN_INREG(t), HN_MAC8(c6, x, t), HN_MAC8(d6, z, t);
          t = HN_LD8(bp + 7 * K), HN_INREG(t), HN_MAC8(c7, x, t), HN_MAC8(d7, z, t);
        }
        *(hn_v8 *)(void *)(y + i * M + j) = HN_TREE8(c);
        *(hn_v8 *)(void *)(y + (i + 1) * M + j) = HN_TREE8(d);
      }
#endif
#if HN_NTQ == 4
    if (K8 == K && K > HN_NTKB4) i = hn_nt_pairs4(R, K, M, j, a, b, y); /* wide layers */
    for (; i < R; i++) hn_nt_row4h(K, j, a + i * K, b, y + i * M);
#else
    for (; i < R; i++) {
      const hn_real *ai = a + i * K, *b0 = b + (long)j * K;
      hn_v8 c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0}, c6 = {0}, c7 = {0};
      for (p = 0; p < K8; p += 8) {
        const hn_real *bp = b0 + p;
        hn_v8 x = HN_LD8(ai + p);
        HN_MAC8(c0, x, HN_LD8(bp)), HN_MAC8(c1, x, HN_LD8(bp + K)), HN_MAC8(c2, x, HN_LD8(bp + 2 * K)), HN_MAC8(c3, x, HN_LD8(bp + 3 * K));
        HN_MAC8(c4, x, HN_LD8(bp + 4 * K)), HN_MAC8(c5, x, HN_LD8(bp + 5 * K)), HN_MAC8(c6, x, HN_LD8(bp + 6 * K));
        HN_MAC8(c7, x, HN_LD8(bp + 7 * K));
      }
      if (K8 < K) { /* the last K - K8 indices go to lanes 0 ..; the other
                     * lanes add 0 * 0 = +0, which leaves a partial sum
                     * unchanged (it starts at +0, so it is never -0) */
        hn_v8 x = {0}, t[8];
        int q;
        for (q = 0; q < 8; q++) t[q] = x;
        for (p = K8; p < K; p++) {
          x[p - K8] = ai[p];
          for (q = 0; q < 8; q++) t[q][p - K8] = b0[(long)q * K + p];
        }
        HN_MAC8(c0, x, t[0]), HN_MAC8(c1, x, t[1]), HN_MAC8(c2, x, t[2]), HN_MAC8(c3, x, t[3]);
        HN_MAC8(c4, x, t[4]), HN_MAC8(c5, x, t[5]), HN_MAC8(c6, x, t[6]), HN_MAC8(c7, x, t[7]);
      }
      *(hn_v8 *)(void *)(y + i * M + j) = HN_TREE8(c);
    }
#endif
  }
#endif
  for (j = MQ > j0 ? MQ : j0; j < M; j++) {
    i = 0;
#ifdef HN_VECTOR
    if (K8 == K) i = hn_nt_last4(R, K, M, j, a, b, y);
#endif
    for (; i < R; i++) {
      const hn_real *ai = a + i * K, *bj = b + (long)j * K;
      hn_real s[8];
      for (l = 0; l < 8; l++) s[l] = 0;
      for (p = 0; p < K8; p += 8)
        for (l = 0; l < 8; l++) HN_SMAC(s[l], ai[p + l], bj[p + l]);
      for (p = K8; p < K; p++) HN_SMAC(s[p - K8], ai[p], bj[p]);
      y[i * M + j] = hn_lanes8(s);
    }
  }
}

static inline void hn_mm_nt(long R, int K, int M, const hn_real *restrict a, const hn_real *restrict b, hn_real *restrict y)
{
  hn_nt_cols(R, K, M, 0, a, b, y);
}

/* hn_mm_nt through panels of b transposed, for a b shared by every chunk
 * of a call (a weight): hn_nt_pack copies it once per call, n rows, into
 * pk (K x M elements); hn_mm_ntp then multiplies a chunk. Float under
 * AVX-512 only: an output's eight partial sums are lanes of eight
 * vectors, one per l = p mod 8, and their tree is the same sums of
 * vectors, without shuffles (hn_mm_nt's tree shuffles on the port that
 * also issues fused multiply-adds on Intel's cores: float 1024x200x200
 * at 114 GFLOP/s against OpenBLAS's 151; 150 through panels). Elsewhere
 * both are hn_mm_nt (double: 58 against 63 GFLOP/s through panels). */
#if defined(HN_VECTOR) && defined(__AVX512F__) && HN_VW == 8
#define HN_NTP 1
#endif
#define HN_NTP_MIN 128  /* rows in a call from which the copy pays (11 us at 200 x 200) */
#define HN_NTP_KMAX 512 /* a panel, K x 16 floats, in 32 KB of L1 */
static inline int hn_ntp_on(long n, int K, int M)
{
#ifdef HN_NTP
  return n >= HN_NTP_MIN && K <= HN_NTP_KMAX && M >= HN_VL;
#else
  (void)n, (void)K, (void)M;
  return 0;
#endif
}
static inline void hn_nt_pack(long n, int K, int M, const hn_real *restrict b, hn_real *restrict pk)
{
#ifdef HN_NTP
  int j, k, q;
  if (!hn_ntp_on(n, K, M)) return;
  for (j = 0; j + HN_VL <= M; j += HN_VL) /* pk[j K + k HN_VL + q] = b[j + q, k] */
    for (k = 0; k < K; k++)
      for (q = 0; q < HN_VL; q++) pk[(long)j * K + (long)k * HN_VL + q] = b[(long)(j + q) * K + k];
#else
  (void)n, (void)K, (void)M, (void)b, (void)pk;
#endif
}
#ifdef HN_NTP
#define HN_NTP_ZERO(c) hn_vec c##0 = {0}, c##1 = {0}, c##2 = {0}, c##3 = {0}, c##4 = {0}, c##5 = {0}, c##6 = {0}, c##7 = {0}
#define HN_NTP_TREE(c) (((c##0 + c##1) + (c##2 + c##3)) + ((c##4 + c##5) + (c##6 + c##7)))
/* term p = k + l of three rows (c, d, e) and of one (c) */
#define HN_NTP_3(k, l)                                                                                                \
  (t = HN_LD(pj + (long)((k) + (l)) * HN_VL), HN_INREG(t), HN_MAC(c##l, hn_splat(a0[(k) + (l)]), t),                  \
   HN_MAC(d##l, hn_splat(a1[(k) + (l)]), t), HN_MAC(e##l, hn_splat(a2[(k) + (l)]), t))
#define HN_NTP_1(k, l) HN_MAC(c##l, hn_splat(a0[(k) + (l)]), HN_LD(pj + (long)((k) + (l)) * HN_VL))
/* every term of p ascending into its partial sum: eight at a time, then
 * the K - K8 last ones into lanes 0 .. */
#define HN_NTP_ALL(S)                                                                                                 \
  do {                                                                                                               \
    for (p = 0; p < K8; p += 8) S(p, 0), S(p, 1), S(p, 2), S(p, 3), S(p, 4), S(p, 5), S(p, 6), S(p, 7);               \
    if (K8 < K) S(K8, 0);                                                                                            \
    if (K8 + 1 < K) S(K8, 1);                                                                                        \
    if (K8 + 2 < K) S(K8, 2);                                                                                        \
    if (K8 + 3 < K) S(K8, 3);                                                                                        \
    if (K8 + 4 < K) S(K8, 4);                                                                                        \
    if (K8 + 5 < K) S(K8, 5);                                                                                        \
    if (K8 + 6 < K) S(K8, 6);                                                                                        \
  } while (0)
/* the outputs 0 .. M16 - 1 of y: three rows of a (24 partial-sum vectors)
 * over a panel of 16 outputs in L1 */
static void hn_ntp_panels(long R, int K, int M, const hn_real *restrict a, const hn_real *restrict pk,
                          hn_real *restrict y)
{
  const int K8 = K / 8 * 8;
  long i;
  int j, p;
  for (j = 0; j + HN_VL <= M; j += HN_VL) {
    const hn_real *pj = pk + (long)j * K;
    for (i = 0; i + 3 <= R; i += 3) {
      const hn_real *a0 = a + i * K, *a1 = a0 + K, *a2 = a1 + K;
      HN_NTP_ZERO(c);
      HN_NTP_ZERO(d);
      HN_NTP_ZERO(e);
      hn_vec t;
      HN_NTP_ALL(HN_NTP_3);
      HN_ST(y + i * M + j, HN_NTP_TREE(c));
      HN_ST(y + (i + 1) * M + j, HN_NTP_TREE(d));
      HN_ST(y + (i + 2) * M + j, HN_NTP_TREE(e));
    }
    for (; i < R; i++) {
      const hn_real *a0 = a + i * K;
      HN_NTP_ZERO(c);
      HN_NTP_ALL(HN_NTP_1);
      HN_ST(y + i * M + j, HN_NTP_TREE(c));
    }
  }
}
#endif
static inline void hn_mm_ntp(long n, long R, int K, int M, const hn_real *restrict a, const hn_real *restrict b,
                             const hn_real *restrict pk, hn_real *restrict y)
{
  int j0 = 0;
#ifdef HN_NTP
  if (hn_ntp_on(n, K, M)) hn_ntp_panels(R, K, M, a, pk, y), j0 = M / HN_VL * HN_VL;
#else
  (void)n, (void)pk;
#endif
  hn_nt_cols(R, K, M, j0, a, b, y);
}

/* Rows of a and b per block of hn_mm_tn: a panel of b, HN_TNB rows by
 * HN_TNW vectors, is 16 KB and stays in L1 while every block of four rows of y
 * passes over it (without blocks, b streamed from L2 for each of them);
 * and columns of a per block, HN_TNKB: HN_TNB rows of them, 128 KB, stay
 * in L2 while every panel of b passes (wide layers: 1.0 MB of a at
 * K = 1000 streamed from memory for each panel). 1.9x at 1024x200x200. */
#ifdef __AVX512F__
#define HN_TNW 4 /* vectors per tile of y: 16 accumulators in 32 registers */
#else
#define HN_TNW 2
#endif
#define HN_TNB (16384 / (HN_TNW * HN_VL * (int)sizeof(hn_real)))
#define HN_TNKB (131072 / (HN_TNB * (int)sizeof(hn_real)))
/* Where y is larger (HN_TNY bytes: a 1000x1000 weight's gradient, 8 MB in
 * double, against 320 KB at 200x200), the blocks of K are one tile high,
 * so that y is swept four rows at a time, each row in order: a call of a
 * chunk (64 rows) read and wrote every tile of it from L3, across rows
 * 8000 bytes apart; at 256x1000x1000 in chunks of 32 rows on Zen 4,
 * 1.29-1.54x with AVX-512 off, 1.01-1.32x with it (and 0.90-0.95x at
 * 200x200, hence the bound). */
#define HN_TNY (1L << 20)

static inline void hn_mm_tn(long R, int K, int M, const hn_real *restrict a, const hn_real *restrict b, hn_real *restrict y)
{
  long r, r0;
  int k = 0, j = 0, k0, kn;
#ifdef HN_VECTOR
  const int K4 = K - K % 4, M8 = M - M % (2 * HN_VL), M4 = M - M % HN_VL;
  const int kb = (long)K * M * (long)sizeof(hn_real) > HN_TNY ? 4 : HN_TNKB;
  /* y holds the sums between blocks of rows: each y[k,j] still adds its
   * terms for r ascending */
  for (r0 = 0; r0 < R; r0 += HN_TNB) {
    const long rn = R - r0 < HN_TNB ? R - r0 : HN_TNB;
    const hn_real *ab = a + r0 * K, *bb = b + r0 * M;
    for (k0 = 0; k0 < K4; k0 += kb) {
      kn = K4 - k0 < kb ? K4 : k0 + kb;
      j = 0;
#if HN_TNW == 4
      /* four rows of y, four vectors wide (from 8 rows on: at batch 1 it
       * measured slower, 7.0 us against 5.9) */
      for (; rn >= 8 && j + 4 * HN_VL <= M; j += 4 * HN_VL)
        for (k = k0; k < kn; k += 4) {
          hn_real *y0 = y + (long)k * M + j, *y1 = y0 + M, *y2 = y1 + M, *y3 = y2 + M;
          hn_vec c00 = HN_LD(y0), c01 = HN_LD(y0 + HN_VL), c02 = HN_LD(y0 + 2 * HN_VL), c03 = HN_LD(y0 + 3 * HN_VL);
          hn_vec c10 = HN_LD(y1), c11 = HN_LD(y1 + HN_VL), c12 = HN_LD(y1 + 2 * HN_VL), c13 = HN_LD(y1 + 3 * HN_VL);
          hn_vec c20 = HN_LD(y2), c21 = HN_LD(y2 + HN_VL), c22 = HN_LD(y2 + 2 * HN_VL), c23 = HN_LD(y2 + 3 * HN_VL);
          hn_vec c30 = HN_LD(y3), c31 = HN_LD(y3 + HN_VL), c32 = HN_LD(y3 + 2 * HN_VL), c33 = HN_LD(y3 + 3 * HN_VL);
          for (r = 0; r < rn; r++) {
            const hn_real *br = bb + r * M + j, *ar = ab + r * K + k;
            hn_vec b0 = HN_LD(br), b1 = HN_LD(br + HN_VL), b2 = HN_LD(br + 2 * HN_VL), b3 = HN_LD(br + 3 * HN_VL), x;
            HN_INREG(b0);
            HN_INREG(b1);
            HN_INREG(b2);
            HN_INREG(b3);
            x = hn_splat(ar[0]), HN_MAC(c00, x, b0), HN_MAC(c01, x, b1), HN_MAC(c02, x, b2), HN_MAC(c03, x, b3);
            x = hn_splat(ar[1]), HN_MAC(c10, x, b0), HN_MAC(c11, x, b1), HN_MAC(c12, x, b2), HN_MAC(c13, x, b3);
            x = hn_splat(ar[2]), HN_MAC(c20, x, b0), HN_MAC(c21, x, b1), HN_MAC(c22, x, b2), HN_MAC(c23, x, b3);
            x = hn_splat(ar[3]), HN_MAC(c30, x, b0), HN_MAC(c31, x, b1), HN_MAC(c32, x, b2), HN_MAC(c33, x, b3);
          }
          HN_ST(y0, c00), HN_ST(y0 + HN_VL, c01), HN_ST(y0 + 2 * HN_VL, c02), HN_ST(y0 + 3 * HN_VL, c03);
          HN_ST(y1, c10), HN_ST(y1 + HN_VL, c11), HN_ST(y1 + 2 * HN_VL, c12), HN_ST(y1 + 3 * HN_VL, c13);
          HN_ST(y2, c20), HN_ST(y2 + HN_VL, c21), HN_ST(y2 + 2 * HN_VL, c22), HN_ST(y2 + 3 * HN_VL, c23);
          HN_ST(y3, c30), HN_ST(y3 + HN_VL, c31), HN_ST(y3 + 2 * HN_VL, c32), HN_ST(y3 + 3 * HN_VL, c33);
        }
#endif
      for (; j < M8; j += 2 * HN_VL) /* four rows of y, two vectors wide */
        for (k = k0; k < kn; k += 4) {
          hn_real *y0 = y + (long)k * M + j, *y1 = y0 + M, *y2 = y1 + M, *y3 = y2 + M;
          hn_vec c00 = HN_LD(y0), c01 = HN_LD(y0 + HN_VL), c10 = HN_LD(y1), c11 = HN_LD(y1 + HN_VL);
          hn_vec c20 = HN_LD(y2), c21 = HN_LD(y2 + HN_VL), c30 = HN_LD(y3), c31 = HN_LD(y3 + HN_VL);
          for (r = 0; r < rn; r++) {
            const hn_real *br = bb + r * M + j, *ar = ab + r * K + k;
            hn_vec b0 = HN_LD(br), b1 = HN_LD(br + HN_VL), x;
            HN_INREG(b0);
            HN_INREG(b1);
            x = hn_splat(ar[0]), HN_MAC(c00, x, b0), HN_MAC(c01, x, b1);
            x = hn_splat(ar[1]), HN_MAC(c10, x, b0), HN_MAC(c11, x, b1);
            x = hn_splat(ar[2]), HN_MAC(c20, x, b0), HN_MAC(c21, x, b1);
            x = hn_splat(ar[3]), HN_MAC(c30, x, b0), HN_MAC(c31, x, b1);
          }
          HN_ST(y0, c00), HN_ST(y0 + HN_VL, c01), HN_ST(y1, c10), HN_ST(y1 + HN_VL, c11);
          HN_ST(y2, c20), HN_ST(y2 + HN_VL, c21), HN_ST(y3, c30), HN_ST(y3 + HN_VL, c31);
        }
      for (; j < M4; j += HN_VL) /* one vector wide */
        for (k = k0; k < kn; k += 4) {
          hn_real *y0 = y + (long)k * M + j, *y1 = y0 + M, *y2 = y1 + M, *y3 = y2 + M;
          hn_vec c0 = HN_LD(y0), c1 = HN_LD(y1), c2 = HN_LD(y2), c3 = HN_LD(y3);
          for (r = 0; r < rn; r++) {
            const hn_real *ar = ab + r * K + k;
            hn_vec b0 = HN_LD(bb + r * M + j);
            HN_MAC(c0, hn_splat(ar[0]), b0), HN_MAC(c1, hn_splat(ar[1]), b0), HN_MAC(c2, hn_splat(ar[2]), b0), HN_MAC(c3, hn_splat(ar[3]), b0);
          }
          HN_ST(y0, c0), HN_ST(y1, c1), HN_ST(y2, c2), HN_ST(y3, c3);
        }
  #if HN_VL > 8
      for (; j + 8 <= M; j += 8) /* half a 16-lane vector */
        for (k = k0; k < kn; k += 4) {
          hn_real *y0 = y + (long)k * M + j, *y1 = y0 + M, *y2 = y1 + M, *y3 = y2 + M;
          hn_v8 c0 = *(hn_v8 *)(void *)y0, c1 = *(hn_v8 *)(void *)y1, c2 = *(hn_v8 *)(void *)y2, c3 = *(hn_v8 *)(void *)y3;
          for (r = 0; r < rn; r++) {
            const hn_real *ar = ab + r * K + k;
            hn_v8 b0 = HN_LD8(bb + r * M + j);
            HN_MAC8(c0, hn_splat8(ar[0]), b0), HN_MAC8(c1, hn_splat8(ar[1]), b0), HN_MAC8(c2, hn_splat8(ar[2]), b0);
            HN_MAC8(c3, hn_splat8(ar[3]), b0);
          }
          *(hn_v8 *)(void *)y0 = c0, *(hn_v8 *)(void *)y1 = c1, *(hn_v8 *)(void *)y2 = c2, *(hn_v8 *)(void *)y3 = c3;
        }
  #endif
      for (; j < M; j++)
        for (k = k0; k < kn; k++) {
          hn_real *yk = y + (long)k * M + j, c0 = *yk;
          for (r = 0; r < rn; r++) HN_SMAC(c0, ab[r * K + k], bb[r * M + j]);
          *yk = c0;
        }
    }
    for (k = K4; k < K; k++) {
      hn_real *y0 = y + (long)k * M;
      for (j = 0; j < M4; j += HN_VL) {
        hn_vec c0 = HN_LD(y0 + j);
        for (r = 0; r < rn; r++) HN_MAC(c0, hn_splat(ab[r * K + k]), HN_LD(bb + r * M + j));
        HN_ST(y0 + j, c0);
      }
      for (j = M4; j < M; j++) {
        hn_real c0 = y0[j];
        for (r = 0; r < rn; r++) HN_SMAC(c0, ab[r * K + k], bb[r * M + j]);
        y0[j] = c0;
      }
    }
  }
#else
  (void)r0, (void)k0, (void)kn;
  for (r = 0; r < R; r++) {
    const hn_real *ar = a + r * K, *br = b + r * M;
    for (k = 0; k < K; k++) {
      const hn_real av = ar[k];
      hn_real *yk = y + (long)k * M;
      for (j = 0; j < M; j++) HN_SMAC(yk[j], av, br[j]);
    }
  }
#endif
}
