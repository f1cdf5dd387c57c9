/* FLOP accounting: the floating-point work of one compiled function, counted
 * from its graph after differentiation and simplification, for the nodes its
 * outputs reach (what the emitter writes code for).
 *
 * A FLOP is one IEEE add, subtract, multiply or divide that the generated
 * code executes: a matrix product whose outputs each sum K products counts
 * 2K per output (K multiplies, K adds: the kernels start every sum from 0 or
 * add into the accumulator), a sum over an axis one add per term, x² one
 * multiply, x^k |k|-1 multiplies (and a division when k < 0). Negation, abs,
 * sign, relu, step, copies, slices and concatenations count nothing.
 * Elementary functions (tanh, exp, sqrt, ...) are counted apart, as calls:
 * their cost is a few tens of FLOPs each and depends on the implementation.
 *
 * flops_peak measures the core's ceiling for the element type in the same
 * process (a short loop compiled by the gcc path), for "fraction of peak".
 *
 * Per-sample nodes (and sums over the batch, which do their work once per
 * sample) count per sample; shared nodes count once per call. The work of a
 * call on n samples is per_sample * n + shared.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "emit.h"
#include "flops.h"
#include "jit.h"

#define N(id) (&g->node[id])

static long size_of(const Graph *g, int x) { return shape_size(&N(x)->shape); }

/* FLOPs of node x (per sample if it is per sample), and its elementary calls */
static long node_flops(const Graph *g, int x, long *elem) {
  const Node *n = N(x);
  long S = size_of(g, x), k;
  *elem = 0;
  if (n->op == OP_POWI) { /* repeated multiplication, and 1/r for k < 0 */
    k = n->a[0] < 0 ? -n->a[0] : n->a[0];
    return S * ((k - 1) + (n->a[0] < 0));
  }
  if (ir_op[n->op].kind == KIND_EW1 || ir_op[n->op].kind == KIND_EW2) { /* the op table's columns */
    if (ir_op[n->op].flags & OPF_CALL) *elem = S;
    return S * ir_op[n->op].flops;
  }
  switch (n->op) {
  case OP_SUM: return size_of(g, IR_IN(g, x)[0]);
  case OP_BSUM: return S;
  case OP_SOLVE: { /* LU: per column c, m-c-1 rows of a division and 2(m-c-1) + 2k; back substitution k m² */
    const Shape *a = &N(IR_IN(g, x)[0])->shape;
    long m = a->dim[a->rank - 1], r = a->rank == 3 ? a->dim[0] : 1, k = S / (r * m), c, total = k * m * m;
    for (c = 0; c < m; c++) total += (m - c - 1) * (1 + 2 * (m - c - 1) + 2 * k);
    return r * total; /* r systems of m unknowns, k right sides each */
  }
  case OP_MATMUL: case OP_BMATMUL: {
    const Shape *a = &N(IR_IN(g, x)[0])->shape;
    long K = a->dim[!n->a[0]];
    return 2 * K * S;
  }
  default: return 0;
  }
}

void flops_count(const Graph *g, int fi, Flops *f) {
  const Func *fn = &g->func[fi];
  char *keep = xmalloc(g->nnode + 1);
  int x;
  f->per_sample = f->shared = f->elem_per_sample = f->elem_shared = 0;
  ir_reach((Graph *)g, fn->out, fn->nout, keep);
  for (x = 0; x < g->nnode; x++) {
    long fl, el;
    if (!keep[x]) continue;
    fl = node_flops(g, x, &el);
    /* a sum over samples (bsum, bmatmul) is a shared node doing per-sample work */
    if (N(x)->batched || N(x)->op == OP_BSUM || N(x)->op == OP_BMATMUL) f->per_sample += fl, f->elem_per_sample += el;
    else f->shared += fl, f->elem_shared += el;
  }
  free(keep);
}

/* ---- the core's ceiling ----
 * Separate multiplies and adds at the widest vector width the gcc path
 * targets (the kernels' hn_vec): 6 independent multiply chains and 6 add
 * chains, enough to cover a 4-cycle latency on two ports, and with x and d
 * 14 vectors: within AVX2's 16 registers (16 chains spilled there and
 * measured half the peak). The empty asm makes every value opaque each
 * round, so nothing is folded, merged or hoisted (x = 1 and d = 0 at run
 * time); FLOPs = 12 lanes a round. The FMA build's peak: 12 chains of fused
 * multiply-adds, 24 lanes a round. */
static const char peak_src[] =
    "#if defined(__x86_64__)\n#define HN_OPAQUE(v) __asm__(\"\" : \"+v\"(v))\n"
    "#elif defined(__aarch64__)\n#define HN_OPAQUE(v) __asm__(\"\" : \"+w\"(v))\n"
    "#else\n#define HN_OPAQUE(v) (void)0\n#endif\n"
    "int hn_peak_bytes(void) { return (int)sizeof(hn_vec); }\n"
    "double hn_peak(long rounds, hn_real m, hn_real s) {\n"
    "  hn_vec x = hn_splat(m), d = hn_splat(s);\n"
    "  hn_vec p0 = x, p1 = x + x, p2 = p1 + x, p3 = p2 + x, p4 = p3 + x, p5 = p4 + x;\n"
    "  hn_vec a0 = d, a1 = p0, a2 = p1, a3 = p2, a4 = p3, a5 = p4;\n"
    "  long r;\n"
    "  for (r = 0; r < rounds; r++) {\n"
    "    HN_OPAQUE(p0); HN_OPAQUE(p1); HN_OPAQUE(p2); HN_OPAQUE(p3); HN_OPAQUE(p4); HN_OPAQUE(p5); HN_OPAQUE(x);\n"
    "    HN_OPAQUE(a0); HN_OPAQUE(a1); HN_OPAQUE(a2); HN_OPAQUE(a3); HN_OPAQUE(a4); HN_OPAQUE(a5); HN_OPAQUE(d);\n"
    "#ifdef HN_FMA\n"
    "    HN_MAC(p0, x, d), HN_MAC(p1, x, d), HN_MAC(p2, x, d), HN_MAC(p3, x, d), HN_MAC(p4, x, d), HN_MAC(p5, x, d);\n"
    "    HN_MAC(a0, x, d), HN_MAC(a1, x, d), HN_MAC(a2, x, d), HN_MAC(a3, x, d), HN_MAC(a4, x, d), HN_MAC(a5, x, d);\n"
    "#else\n"
    "    p0 *= x, p1 *= x, p2 *= x, p3 *= x, p4 *= x, p5 *= x;\n"
    "    a0 += d, a1 += d, a2 += d, a3 += d, a4 += d, a5 += d;\n"
    "#endif\n"
    "  }\n"
    "  p0 += p1 + p2 + p3 + p4 + p5 + a0 + a1 + a2 + a3 + a4 + a5;\n"
    "  return (double)p0[0];\n"
    "}\n";

static double thread_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

int flops_peak(int is_float, int fma, FlopsPeak *pk, char *err, size_t nerr) {
  Text t = {0};
  Jit j;
  int (*bytes)(void);
  double (*loop)(long, double, double), best = 0;
  double (*loopf)(long, float, float);
  int k;
  memset(pk, 0, sizeof *pk);
  text_put(&t, "typedef %s hn_real;\n#define HN_VW %d\n%s%s\n#ifndef HN_VECTOR\n#error no vector body\n#endif\n%s",
           is_float ? "float" : "double", is_float ? 8 : 4, fma ? "#define HN_FMA 1\n" : "", hnnc_kernels, peak_src);
  k = jit_compile(&j, JIT_GCC, t.s, err, nerr);
  text_free(&t);
  if (k) return 1;
  bytes = (int (*)(void))(uintptr_t)jit_symbol(&j, "hn_peak_bytes");
  loop = (double (*)(long, double, double))(uintptr_t)jit_symbol(&j, "hn_peak");
  loopf = (double (*)(long, float, float))(uintptr_t)jit_symbol(&j, "hn_peak");
  pk->vector_bytes = bytes();
  pk->lanes = pk->vector_bytes / (is_float ? 4 : 8);
  for (k = 0; k < 5; k++) { /* the best of 5 runs of about 10 ms each */
    long rounds = 2000000;
    double t0 = thread_us(), us;
    if (is_float) loopf(rounds, 1, 0);
    else loop(rounds, 1, 0);
    us = thread_us() - t0;
    if (us > 0 && rounds * (fma ? 24.0 : 12.0) * pk->lanes / (us * 1e3) > best)
      best = rounds * (fma ? 24.0 : 12.0) * pk->lanes / (us * 1e3);
  }
  pk->gflops = best;
  jit_free(&j);
  return 0;
}
