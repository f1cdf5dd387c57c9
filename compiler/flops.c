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
 * Per-sample nodes (and sums over the batch, which do their work once per
 * sample) count per sample; shared nodes count once per call. The work of a
 * call on n samples is per_sample * n + shared.
 */
#include "flops.h"

#define N(id) (&g->node[id])

static long size_of(const Graph *g, int x) { return shape_size(&N(x)->shape); }

/* FLOPs of node x (per sample if it is per sample), and its elementary calls */
static long node_flops(const Graph *g, int x, long *elem) {
  const Node *n = N(x);
  long S = size_of(g, x), k;
  *elem = 0;
  switch (n->op) {
  case OP_SQUARE: case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: return S;
  case OP_POWI:
    k = n->a[0] < 0 ? -n->a[0] : n->a[0];
    return S * ((k - 1) + (n->a[0] < 0));
  case OP_TANH: case OP_SIN: case OP_COS: case OP_EXP: case OP_LOG: case OP_SQRT: case OP_SOFTPLUS:
  case OP_SIGMOID:
    *elem = S;
    return 0;
  case OP_SUM: return size_of(g, IR_IN(g, x)[0]);
  case OP_BSUM: return S;
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
