/* kernels.c: the matrix products of generated code. Pasted into every
 * generated file after "typedef double hn_real;" (or float) and
 * "#define HN_VW 4" (or 8): the number of elements in 32 bytes.
 *
 * Each kernel has two bodies: GNU C vector extensions, for gcc and clang,
 * and plain C99 for every other compiler (tcc). Both perform the same
 * IEEE operations in the same order on every output element, so they give
 * the same bits; the vector body only computes several outputs at once.
 *
 *   hn_mm_nn    y[R,M]  = a[R,K] b[K,M]      each y[i,j] = 0 + sum over p
 *               (pack: scratch of K * 4 * HN_VW elements)
 *                                            of a[i,p] b[p,j], p ascending
 *   hn_mm_nt    y[R,M]  = a[R,K] b[M,K]^T    eight partial sums: lane l
 *                                            takes p = l mod 8, ascending;
 *                                            then ((l0+l1)+(l2+l3)) +
 *                                            ((l4+l5)+(l6+l7))
 *   hn_mm_tn    y[K,M] += a[R,K]^T b[R,M]    each y[k,j] += a[r,k] b[r,j]
 *                                            for r ascending
 */
#if defined(__GNUC__) && !defined(__TINYC__) && !defined(HN_NO_VECTOR)
#define HN_VECTOR 1
__extension__ typedef hn_real hn_vec __attribute__((vector_size(32), aligned(sizeof(hn_real)), may_alias));
#define HN_LD(p) (*(const hn_vec *)(const void *)(p))
#define HN_ST(p, v) (*(hn_vec *)(void *)(p) = (v))
/* x in every lane, without arithmetic (0 + x would cost an add and turn -0
 * into +0) */
#if HN_VW == 4
#define hn_splat(x) ((hn_vec){(x), (x), (x), (x)})
#else
#define hn_splat(x) ((hn_vec){(x), (x), (x), (x), (x), (x), (x), (x)})
#endif
#endif

/* Loop order for the cache: a panel of b (all K rows, a block of columns)
 * stays in L1 while every row of a passes over it. */
static inline void hn_mm_nn(long R, int K, int M, const hn_real *restrict a, const hn_real *restrict b, hn_real *restrict y,
                            hn_real *restrict pack)
{
  long i;
  int j, p;
#ifdef HN_VECTOR
  const int M32 = M - M % (8 * HN_VW), M16 = M - M % (4 * HN_VW), M4 = M - M % HN_VW; /* explicit bounds */
  j = 0;
  if (R == 1) /* one row (batch 1): eight accumulators hide the latency of the adds */
    for (; j < M32; j += 8 * HN_VW) {
      const hn_real *bp = b + j;
      hn_vec c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0}, c6 = {0}, c7 = {0};
      for (p = 0; p < K; p++, bp += M) {
        hn_vec x0 = hn_splat(a[p]);
        c0 += x0 * HN_LD(bp), c1 += x0 * HN_LD(bp + HN_VW), c2 += x0 * HN_LD(bp + 2 * HN_VW), c3 += x0 * HN_LD(bp + 3 * HN_VW);
        c4 += x0 * HN_LD(bp + 4 * HN_VW), c5 += x0 * HN_LD(bp + 5 * HN_VW), c6 += x0 * HN_LD(bp + 6 * HN_VW);
        c7 += x0 * HN_LD(bp + 7 * HN_VW);
      }
      HN_ST(y + j, c0), HN_ST(y + j + HN_VW, c1), HN_ST(y + j + 2 * HN_VW, c2), HN_ST(y + j + 3 * HN_VW, c3);
      HN_ST(y + j + 4 * HN_VW, c4), HN_ST(y + j + 5 * HN_VW, c5), HN_ST(y + j + 6 * HN_VW, c6), HN_ST(y + j + 7 * HN_VW, c7);
    }
  for (; j < M16; j += 4 * HN_VW) {
    /* copy the panel b[:, j:j+16] to pack, contiguous: one stream through
     * L1 instead of K rows 8*M bytes apart (TLB misses; 1.5x measured) */
    for (p = 0; p < K; p++) {
      const hn_real *src = b + (long)p * M + j;
      hn_real *dst = pack + (long)p * 4 * HN_VW;
      HN_ST(dst, HN_LD(src)), HN_ST(dst + HN_VW, HN_LD(src + HN_VW));
      HN_ST(dst + 2 * HN_VW, HN_LD(src + 2 * HN_VW)), HN_ST(dst + 3 * HN_VW, HN_LD(src + 3 * HN_VW));
    }
    for (i = 0; i + 2 <= R; i += 2) {
      const hn_real *a0 = a + i * K, *a1 = a0 + K, *bp = pack;
      hn_real *y0 = y + i * M + j, *y1 = y0 + M;
      hn_vec c00 = {0}, c01 = {0}, c02 = {0}, c03 = {0}, c10 = {0}, c11 = {0}, c12 = {0}, c13 = {0};
      for (p = 0; p < K; p++, bp += 4 * HN_VW) {
        hn_vec b0 = HN_LD(bp), b1 = HN_LD(bp + HN_VW), b2 = HN_LD(bp + 2 * HN_VW), b3 = HN_LD(bp + 3 * HN_VW);
        hn_vec x0 = hn_splat(a0[p]), x1 = hn_splat(a1[p]);
        c00 += x0 * b0, c01 += x0 * b1, c02 += x0 * b2, c03 += x0 * b3;
        c10 += x1 * b0, c11 += x1 * b1, c12 += x1 * b2, c13 += x1 * b3;
      }
      HN_ST(y0, c00), HN_ST(y0 + HN_VW, c01), HN_ST(y0 + 2 * HN_VW, c02), HN_ST(y0 + 3 * HN_VW, c03);
      HN_ST(y1, c10), HN_ST(y1 + HN_VW, c11), HN_ST(y1 + 2 * HN_VW, c12), HN_ST(y1 + 3 * HN_VW, c13);
    }
    for (; i < R; i++) {
      const hn_real *a0 = a + i * K, *bp = pack;
      hn_real *y0 = y + i * M + j;
      hn_vec c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0};
      for (p = 0; p < K; p++, bp += 4 * HN_VW) {
        hn_vec x0 = hn_splat(a0[p]);
        c0 += x0 * HN_LD(bp), c1 += x0 * HN_LD(bp + HN_VW), c2 += x0 * HN_LD(bp + 2 * HN_VW), c3 += x0 * HN_LD(bp + 3 * HN_VW);
      }
      HN_ST(y0, c0), HN_ST(y0 + HN_VW, c1), HN_ST(y0 + 2 * HN_VW, c2), HN_ST(y0 + 3 * HN_VW, c3);
    }
  }
  for (j = M16; j < M4; j += HN_VW)
    for (i = 0; i < R; i++) {
      const hn_real *a0 = a + i * K, *bp = b + j;
      hn_vec c0 = {0};
      for (p = 0; p < K; p++, bp += M) c0 += hn_splat(a0[p]) * HN_LD(bp);
      HN_ST(y + i * M + j, c0);
    }
  for (j = M4; j < M; j++)
    for (i = 0; i < R; i++) {
      const hn_real *a0 = a + i * K;
      hn_real c0 = 0;
      for (p = 0; p < K; p++) c0 += a0[p] * b[(long)p * M + j];
      y[i * M + j] = c0;
    }
#else
  (void)pack;
  for (i = 0; i < R; i++) {
    const hn_real *ai = a + i * K;
    hn_real *yi = y + i * M;
    for (j = 0; j < M; j++) yi[j] = 0;
    for (p = 0; p < K; p++) {
      const hn_real av = ai[p], *bp = b + (long)p * M;
      for (j = 0; j < M; j++) yi[j] += av * bp[j];
    }
  }
#endif
}

/* the fixed reduction tree of the eight lanes */
static inline hn_real hn_lanes8(const hn_real *s)
{
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

static inline void hn_mm_nt(long R, int K, int M, const hn_real *restrict a, const hn_real *restrict b, hn_real *restrict y)
{
  long i;
  int j = 0, p, l, q, K8 = K / 8 * 8, M4 = 0;
#ifdef HN_VECTOR
  M4 = M - M % 4;
  for (j = 0; j < M4; j += 4) /* four rows of b stay in L1 for every row of a */
    for (i = 0; i < R; i++) {
      const hn_real *ai = a + i * K, *b0 = b + (long)j * K;
      hn_real s[4][8];
#if HN_VW == 4
      hn_vec c[4][2] = {{{0}}};
      for (p = 0; p < K8; p += 8) {
        hn_vec x0 = HN_LD(ai + p), x1 = HN_LD(ai + p + 4);
        for (q = 0; q < 4; q++) c[q][0] += x0 * HN_LD(b0 + q * K + p), c[q][1] += x1 * HN_LD(b0 + q * K + p + 4);
      }
      for (q = 0; q < 4; q++)
        for (l = 0; l < 4; l++) s[q][l] = c[q][0][l], s[q][l + 4] = c[q][1][l];
#else
      hn_vec c[4] = {{0}};
      for (p = 0; p < K8; p += 8) {
        hn_vec x0 = HN_LD(ai + p);
        for (q = 0; q < 4; q++) c[q] += x0 * HN_LD(b0 + q * K + p);
      }
      for (q = 0; q < 4; q++)
        for (l = 0; l < 8; l++) s[q][l] = c[q][l];
#endif
      for (q = 0; q < 4; q++) {
        const hn_real *bq = b0 + q * K;
        for (p = K8; p < K; p++) s[q][p - K8] += ai[p] * bq[p];
        y[i * M + j + q] = hn_lanes8(s[q]);
      }
    }
#endif
  for (j = M4; j < M; j++)
    for (i = 0; i < R; i++) {
      const hn_real *ai = a + i * K, *bj = b + (long)j * K;
      hn_real s[8];
      for (l = 0; l < 8; l++) s[l] = 0;
      for (p = 0; p < K8; p += 8)
        for (l = 0; l < 8; l++) s[l] += ai[p + l] * bj[p + l];
      for (p = K8; p < K; p++) s[p - K8] += ai[p] * bj[p];
      y[i * M + j] = hn_lanes8(s);
    }
  (void)q;
}

static inline void hn_mm_tn(long R, int K, int M, const hn_real *restrict a, const hn_real *restrict b, hn_real *restrict y)
{
  long r;
  int k = 0, j = 0;
#ifdef HN_VECTOR
  const int K4 = K - K % 4, M8 = M - M % (2 * HN_VW), M4 = M - M % HN_VW;
  for (k = 0; k < K4; k += 4) { /* four rows of y, two vectors wide */
    hn_real *y0 = y + (long)k * M, *y1 = y0 + M, *y2 = y1 + M, *y3 = y2 + M;
    for (j = 0; j < M8; j += 2 * HN_VW) {
      hn_vec c00 = HN_LD(y0 + j), c01 = HN_LD(y0 + j + HN_VW), c10 = HN_LD(y1 + j), c11 = HN_LD(y1 + j + HN_VW);
      hn_vec c20 = HN_LD(y2 + j), c21 = HN_LD(y2 + j + HN_VW), c30 = HN_LD(y3 + j), c31 = HN_LD(y3 + j + HN_VW);
      for (r = 0; r < R; r++) {
        const hn_real *br = b + r * M + j, *ar = a + r * K + k;
        hn_vec b0 = HN_LD(br), b1 = HN_LD(br + HN_VW), x;
        x = hn_splat(ar[0]), c00 += x * b0, c01 += x * b1;
        x = hn_splat(ar[1]), c10 += x * b0, c11 += x * b1;
        x = hn_splat(ar[2]), c20 += x * b0, c21 += x * b1;
        x = hn_splat(ar[3]), c30 += x * b0, c31 += x * b1;
      }
      HN_ST(y0 + j, c00), HN_ST(y0 + j + HN_VW, c01), HN_ST(y1 + j, c10), HN_ST(y1 + j + HN_VW, c11);
      HN_ST(y2 + j, c20), HN_ST(y2 + j + HN_VW, c21), HN_ST(y3 + j, c30), HN_ST(y3 + j + HN_VW, c31);
    }
    for (j = M8; j < M; j++) {
      int q;
      for (q = 0; q < 4; q++) {
        hn_real *yq = y + (long)(k + q) * M + j, c0 = *yq;
        const hn_real *aq = a + k + q, *bj = b + j;
        for (r = 0; r < R; r++) c0 += aq[r * K] * bj[r * M];
        *yq = c0;
      }
    }
  }
  for (k = K4; k < K; k++) {
    hn_real *y0 = y + (long)k * M;
    for (j = 0; j < M4; j += HN_VW) {
      hn_vec c0 = HN_LD(y0 + j);
      for (r = 0; r < R; r++) c0 += hn_splat(a[r * K + k]) * HN_LD(b + r * M + j);
      HN_ST(y0 + j, c0);
    }
    for (j = M4; j < M; j++) {
      hn_real c0 = y0[j];
      for (r = 0; r < R; r++) c0 += a[r * K + k] * b[r * M + j];
      y0[j] = c0;
    }
  }
#else
  for (r = 0; r < R; r++) {
    const hn_real *ar = a + r * K, *br = b + r * M;
    for (k = 0; k < K; k++) {
      const hn_real av = ar[k];
      hn_real *yk = y + (long)k * M;
      for (j = 0; j < M; j++) yk[j] += av * br[j];
    }
  }
#endif
}
