/* Derivatives as graph -> graph transforms.
 *
 * Each rule is written with the ordinary constructors, so a derivative graph
 * is an ordinary graph: it is simplified by the same hash-consing and folding,
 * emitted like any other, and can be differentiated again (the HNN's training
 * loss contains grad_x H, and training needs grad_theta of that loss).
 *
 * A missing adjoint or tangent means zero: no zero nodes are built, so no
 * 0*x is ever folded (which would be wrong for x = Inf or NaN).
 *
 * Batching: a shared operand used by a batched node receives the sum over
 * samples of its per-sample contributions (bsum, or bmatmul for products).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

#define N(id) (&g->node[id])

/* f'(x) of an elementwise unary node, from the op table's expression
 * (ops.h): x the operand, y the node, numbers, + - * /, parentheses and the
 * table's unary ops by name. Nodes are made left to right with the
 * ordinary constructors, so the derivative folds and hash-conses as any
 * other graph. A small recursive-descent reader over a string of ops.h. */
typedef struct Deriv { Graph *g; const char *s; int x, y; } Deriv;

static int d_sum(Deriv *d);
static void d_space(Deriv *d) { while (*d->s == ' ') d->s++; }

static int d_factor(Deriv *d) {
  Graph *g = d->g;
  char *end;
  double v;
  int op, r;
  d_space(d);
  if (*d->s == '(') {
    d->s++, r = d_sum(d), d_space(d);
    if (*d->s++ != ')') ir_bug(__FILE__, __LINE__, "ops.h: ')' expected in a derivative");
    return r;
  }
  v = strtod(d->s, &end);
  if (end != d->s && (*d->s == '-' || (*d->s >= '0' && *d->s <= '9'))) { d->s = end; return ir_scalar(g, v); }
  if (*d->s == '-') { d->s++; return ir_unary(g, OP_NEG, d_factor(d)); }
  if ((*d->s == 'x' || *d->s == 'y') && !isalnum((unsigned char)d->s[1])) return *d->s++ == 'x' ? d->x : d->y;
  for (op = 0; op < OP_COUNT; op++) {
    size_t n = strlen(ir_op[op].name);
    if (ir_op[op].kind == KIND_EW1 && !strncmp(d->s, ir_op[op].name, n) && d->s[n] == '(') {
      d->s += n;
      return ir_unary(g, op, d_factor(d));
    }
  }
  ir_bug(__FILE__, __LINE__, "ops.h: bad derivative expression");
}
static int d_product(Deriv *d) {
  int r = d_factor(d);
  for (d_space(d); *d->s == '*' || *d->s == '/'; d_space(d)) {
    int op = *d->s++ == '*' ? OP_MUL : OP_DIV;
    r = ir_binary(d->g, op, r, d_factor(d));
  }
  return r;
}
static int d_sum(Deriv *d) {
  int r = d_product(d);
  for (d_space(d); *d->s == '+' || *d->s == '-'; d_space(d)) {
    int op = *d->s++ == '+' ? OP_ADD : OP_SUB;
    r = ir_binary(d->g, op, r, d_product(d));
  }
  return r;
}

/* f'(x) for an elementwise unary node i (y = f(x)), or -1 when it is zero. */
static int derivative(Graph *g, int i) {
  Deriv d;
  int r;
  if (N(i)->op == OP_POWI) { /* k x^(k-1) */
    int k = N(i)->a[0];
    return ir_binary(g, OP_MUL, ir_scalar(g, (double)k), ir_powi(g, IR_IN(g, i)[0], k - 1));
  }
  if (N(i)->op == OP_STEP) /* only relu's derivative makes a step: this is relu'' */
    ir_warn(g, N(i)->loc, "the second derivative of relu is zero: a loss on the Hamiltonian field of a relu "
                          "network gets no curvature (use tanh, softplus or sin)");
  d.g = g, d.s = ir_op[N(i)->op].deriv, d.x = IR_IN(g, i)[0], d.y = i;
  if (!*d.s) ir_bug(__FILE__, __LINE__, "ops.h: an elementwise op without a derivative");
  if (!strcmp(d.s, "0")) return -1;
  r = d_sum(&d);
  d_space(&d);
  if (*d.s) ir_bug(__FILE__, __LINE__, "ops.h: trailing text in a derivative");
  return r;
}

/* op(X) op(Y), summed over samples when the result must be shared. */
static int product(Graph *g, int x, int y, int tx, int ty, int shared) {
  if (shared && (N(x)->batched || N(y)->batched)) return ir_bmatmul(g, x, y, tx, ty);
  return ir_matmul(g, x, y, tx, ty);
}

/* The adjoints of A and B for Y = op(A) op(B) with adjoint G. */
static void matmul_adjoints(Graph *g, int i, int G, int *dA, int *dB) {
  int A = IR_IN(g, i)[0], B = IR_IN(g, i)[1], ta = N(i)->a[0], tb = N(i)->a[1];
  int sa = !N(A)->batched, sb = !N(B)->batched;
  if (!ta && !tb) *dA = product(g, G, B, 0, 1, sa), *dB = product(g, A, G, 1, 0, sb);
  else if (!ta && tb) *dA = product(g, G, B, 0, 0, sa), *dB = product(g, G, A, 1, 0, sb);
  else if (ta && !tb) *dA = product(g, B, G, 0, 1, sa), *dB = product(g, A, G, 0, 0, sb);
  else *dA = product(g, B, G, 1, 1, sa), *dB = product(g, G, A, 1, 1, sb);
}

/* x = op(A)⁻¹ b with adjoint G (the adjoint method): b̄ = op(A)⁻ᵀ G, and
 * Ā = -b̄ xᵀ (op(A) = A) or -x b̄ᵀ (op(A) = Aᵀ), summed over samples when
 * A is shared. Vectors are columns [m,1] in the products. */
static void solve_adjoints(Graph *g, int i, int G, int *dA, int *dB) {
  int A = IR_IN(g, i)[0], ta = N(i)->a[0], x = i, bb, m = N(A)->shape.dim[1];
  Shape col = N(i)->shape;
  bb = *dB = ir_solve(g, A, G, !ta);
  if (N(A)->shape.rank == 3) { /* rows of systems: outer products row by row */
    int u = ta ? x : bb, v = ta ? bb : x;
    *dA = ir_unary(g, OP_NEG, ir_binary(g, OP_MUL, ir_expand(g, u, 2, m), ir_expand(g, v, 1, m)));
    return;
  }
  if (col.rank == 1) col.rank = 2, col.dim[1] = 1, x = ir_reshape(g, x, col), bb = ir_reshape(g, bb, col);
  *dA = ir_unary(g, OP_NEG, ta ? product(g, x, bb, 0, 1, !N(A)->batched) : product(g, bb, x, 0, 1, !N(A)->batched));
}

/* The tangent of x = op(A)⁻¹ b: op(A)⁻¹ (t_b - op(t_A) x). */
static int solve_tangent(Graph *g, int i, int tA, int tb) {
  int A = IR_IN(g, i)[0], ta = N(i)->a[0], t = tb, x = i, r;
  Shape col = N(i)->shape;
  if (tA >= 0 && N(A)->shape.rank == 3) { /* row by row: (op(t_A) x)_ri = sum_j op(t_A)_rij x_rj */
    int m = N(A)->shape.dim[1];
    r = ta ? ir_sum(g, ir_binary(g, OP_MUL, tA, ir_expand(g, x, 2, m)), 1)
           : ir_sum(g, ir_binary(g, OP_MUL, tA, ir_expand(g, x, 1, m)), 2);
    t = t < 0 ? ir_unary(g, OP_NEG, r) : ir_binary(g, OP_SUB, t, r);
  } else if (tA >= 0) {
    if (col.rank == 1) col.rank = 2, col.dim[1] = 1, x = ir_reshape(g, x, col);
    r = ir_reshape(g, ir_matmul(g, tA, x, ta, 0), N(i)->shape);
    t = t < 0 ? ir_unary(g, OP_NEG, r) : ir_binary(g, OP_SUB, t, r);
  }
  return ir_solve(g, A, t, ta);
}

/* Two sums over samples of products, sum_s A1ᵀB1 + sum_s A2ᵀB2 (a weight
 * used twice: in H and in its gradient), become one sum over stacked rows,
 * sum_s [A1; A2]ᵀ [B1; B2]: one accumulator, each sample's terms added in
 * turn, still independent of the chunking. */
static int merge_products(Graph *g, int a, int c) {
  int xs[2], ys[2], *ia = IR_IN(g, a), *ic = IR_IN(g, c);
  if (N(a)->op != OP_BMATMUL || N(c)->op != OP_BMATMUL || !N(a)->a[0] || N(a)->a[1] || !N(c)->a[0] || N(c)->a[1])
    return -1;
  if (N(ia[0])->shape.dim[1] != N(ic[0])->shape.dim[1] || N(ia[1])->shape.dim[1] != N(ic[1])->shape.dim[1]) return -1;
  xs[0] = ia[0], xs[1] = ic[0], ys[0] = ia[1], ys[1] = ic[1];
  return ir_bmatmul(g, ir_concat(g, xs, 2, 0), ir_concat(g, ys, 2, 0), 1, 0);
}

/* Adds contribution c to the adjoint of x, reduced to x's shape first. */
static void accumulate(Graph *g, int *adj, int x, int c) {
  int m;
  if (N(x)->shape.rank == 0 && N(c)->shape.rank > 0) c = ir_sum_all(g, c);
  if (!N(x)->batched && N(c)->batched) c = ir_bsum(g, c);
  if (adj[x] >= 0 && (m = merge_products(g, adj[x], c)) >= 0) adj[x] = m;
  else adj[x] = adj[x] < 0 ? c : ir_binary(g, OP_ADD, adj[x], c);
}

/* Adjoints that arrive through slices (x[i], split) are kept as pieces and
 * assembled with one concat when the node is reached, instead of a sum of
 * zero-padded tensors: the gradient of x from q = x[1], p = x[2] is then
 * concat(dq, dp), not pad(dq) + pad(dp). */
typedef struct Piece { int node, axis, start, next; } Piece;
typedef struct Pieces { Piece *p; int n, cap; int *head; } Pieces;

static void add_piece(Pieces *ps, int x, int axis, int start, int node) {
  if (ps->n == ps->cap) {
    ps->cap = ps->cap ? 2 * ps->cap : 64;
    ps->p = xrealloc(ps->p, ps->cap * sizeof *ps->p);
  }
  ps->p[ps->n].node = node, ps->p[ps->n].axis = axis, ps->p[ps->n].start = start;
  ps->p[ps->n].next = ps->head[x];
  ps->head[x] = ps->n++;
}

static void assemble(Graph *g, Pieces *ps, int *adj, int x) {
  int k, count = 0, axis = -1, ok = 1, *parts, nparts = 0, pos = 0, len;
  Piece *list;
  if (ps->head[x] < 0) return;
  for (k = ps->head[x]; k >= 0; k = ps->p[k].next) {
    if (axis >= 0 && ps->p[k].axis != axis) ok = 0;
    axis = ps->p[k].axis;
    count++;
  }
  list = xmalloc(count * sizeof *list);
  for (k = ps->head[x], count = 0; k >= 0; k = ps->p[k].next) list[count++] = ps->p[k];
  /* sort by start (insertion: few pieces); ties keep arrival order */
  for (k = 1; k < count; k++) {
    Piece t = list[k];
    int j = k - 1;
    while (j >= 0 && list[j].start > t.start) list[j + 1] = list[j], j--;
    list[j + 1] = t;
  }
  len = ok ? N(x)->shape.dim[axis] : 0;
  for (k = 0; ok && k < count; k++) {
    if (list[k].start < pos) ok = 0; /* overlapping pieces: add them */
    pos = list[k].start + N(list[k].node)->shape.dim[axis];
  }
  if (ok) {
    parts = xmalloc((2 * count + 1) * sizeof *parts);
    for (k = 0, pos = 0; k < count; k++) {
      if (list[k].start > pos) {
        Shape s = N(x)->shape;
        s.dim[axis] = list[k].start - pos;
        parts[nparts++] = ir_const(g, 0.0, s, 0);
      }
      parts[nparts++] = list[k].node;
      pos = list[k].start + N(list[k].node)->shape.dim[axis];
    }
    if (pos < len) {
      Shape s = N(x)->shape;
      s.dim[axis] = len - pos;
      parts[nparts++] = ir_const(g, 0.0, s, 0);
    }
    accumulate(g, adj, x, ir_concat(g, parts, nparts, axis));
    free(parts);
  } else
    for (k = 0; k < count; k++)
      accumulate(g, adj, x, ir_pad(g, list[k].node, list[k].axis, list[k].start, N(x)->shape.dim[list[k].axis]));
  free(list);
  ps->head[x] = -1;
}

/* ---- derivatives with respect to a concatenation ----
 * Slices of a concatenation fold to its pieces (ir_slice: slice(concat(a,
 * b)) = a), so a value may read the entries of X = concat(a, b) without
 * reaching the node X, whose adjoint then misses those reads. When that
 * happens (y reaches a piece by a path that avoids X), the derivative with
 * respect to X is taken with respect to its pieces (a piece that is a
 * concatenation again is opened the same way) as independent leaves: the
 * sweep does not pass a leaf's adjoint on to its operands, so b = f(a)
 * does not leak b's adjoint into a. The pieces' derivatives are assembled
 * into X's shape. A value that reads a piece directly, not through X, is
 * counted as reading X: after folding the two are the same node. Pieces
 * that repeat, constants and pieces shared where X is per sample are not
 * opened: X is then differentiated as a node, and hnnc warns. */

/* Marks the nodes <= y that depend on any of wrt, not through the node
 * avoid (-1: none). */
static char *depends(Graph *g, int y, const int *wrt, int nwrt, int avoid) {
  char *dep = xmalloc(y + 1);
  int i, j;
  for (i = 0; i < nwrt; i++)
    if (wrt[i] <= y) dep[wrt[i]] = 1;
  for (i = 0; i <= y; i++)
    for (j = 0; j < N(i)->nin && !dep[i] && i != avoid; j++) dep[i] = dep[IR_IN(g, i)[j]];
  return dep;
}

typedef struct Frontier { int *node, n, cap, ok; } Frontier;

/* The pieces of concatenation x, opening nested concatenations; ok is
 * cleared for a repeated piece, a constant or a shared piece of a
 * per-sample x. */
static void open_pieces(Graph *g, int x, int root, Frontier *f) {
  int k;
  if (N(x)->op == OP_CONCAT) {
    for (k = 0; k < N(x)->nin; k++) open_pieces(g, IR_IN(g, x)[k], root, f);
    return;
  }
  for (k = 0; k < f->n; k++) f->ok &= f->node[k] != x;
  f->ok &= N(x)->op != OP_CONST && N(x)->batched == N(root)->batched;
  if (f->n == f->cap) f->cap = f->cap ? 2 * f->cap : 16, f->node = xrealloc(f->node, f->cap * sizeof *f->node);
  f->node[f->n++] = x;
}

/* 1 when y reads the concatenation x through folded slices (and x can be
 * opened), with its pieces in f; 0 otherwise. */
static int bypassed(Graph *g, int y, int x, Frontier *f) {
  char *d;
  int r;
  memset(f, 0, sizeof *f);
  if (x > y || N(x)->op != OP_CONCAT) return 0;
  f->ok = 1;
  open_pieces(g, x, x, f);
  d = depends(g, y, f->node, f->n, x), r = d[y], free(d);
  if (r && !f->ok)
    ir_warn(g, g->curloc, "the value reads this concatenation through slices, which fold to its pieces, and its "
                          "pieces repeat or are constants or shared: its derivative counts only the reads of the "
                          "concatenation itself; differentiate at X + 0 (a node of its own) if the slices should count");
  if (!r || !f->ok) free(f->node);
  return r && f->ok;
}

/* X's derivative from its pieces' (d, in f's order, from *k on). */
static int assemble_pieces(Graph *g, int x, const int *d, int *k) {
  int j, *parts, r;
  if (N(x)->op != OP_CONCAT) return d[(*k)++];
  parts = xmalloc(N(x)->nin * sizeof *parts);
  for (j = 0; j < N(x)->nin; j++) parts[j] = assemble_pieces(g, IR_IN(g, x)[j], d, k);
  r = ir_concat(g, parts, N(x)->nin, N(x)->a[0]);
  free(parts);
  return r;
}

/* The reverse sweep from y to the wrt nodes. A leaf (leaf[i] set) keeps
 * its adjoint: it is not passed on to its operands. */
static void vjp_sweep(Graph *g, int y, int seed, const int *wrt, int nwrt, const char *leaf, int *out) {
  char *dep = depends(g, y, wrt, nwrt, -1);
  int *adj = xmalloc((y + 1) * sizeof *adj);
  int i, j, saveloc = g->curloc;
  Pieces ps;
  memset(&ps, 0, sizeof ps);
  ps.head = xmalloc((y + 1) * sizeof *ps.head);
  memset(ps.head, -1, (y + 1) * sizeof *ps.head);
  memset(adj, -1, (y + 1) * sizeof *adj);
  adj[y] = seed;
  for (i = y; i >= 0; i--) {
    int G, op = N(i)->op, a, b, k, off;
    const int *in;
    if (dep[i]) g->curloc = N(i)->loc, assemble(g, &ps, adj, i);
    in = IR_IN(g, i); /* after assemble: new nodes may move the operand pool */
    G = adj[i];
    if (G < 0 || !dep[i] || N(i)->nin == 0 || (leaf && leaf[i])) continue;
    g->curloc = N(i)->loc; /* derivative nodes carry their primal's line */
    a = in[0];
    b = N(i)->nin > 1 ? in[1] : -1;
    switch (ir_opkind[op]) {
    case KIND_EW1: {
      int d = derivative(g, i);
      if (d >= 0 && dep[a]) accumulate(g, adj, a, ir_binary(g, OP_MUL, G, d));
      break;
    }
    case KIND_EW2:
      if (op == OP_ADD || op == OP_SUB) {
        if (dep[a]) accumulate(g, adj, a, G);
        if (dep[b]) accumulate(g, adj, b, op == OP_ADD ? G : ir_unary(g, OP_NEG, G));
      } else if (op == OP_MUL) {
        if (dep[a]) accumulate(g, adj, a, ir_binary(g, OP_MUL, G, b));
        if (dep[b]) accumulate(g, adj, b, ir_binary(g, OP_MUL, G, a));
      } else { /* y = a/b: da = G/b, db = -(G y)/b */
        if (dep[a]) accumulate(g, adj, a, ir_binary(g, OP_DIV, G, b));
        if (dep[b])
          accumulate(g, adj, b, ir_unary(g, OP_NEG, ir_binary(g, OP_DIV, ir_binary(g, OP_MUL, G, i), b)));
      }
      break;
    case KIND_SOLVE: {
      int dA, dB;
      solve_adjoints(g, i, G, &dA, &dB);
      if (dep[a]) accumulate(g, adj, a, dA);
      if (dep[b]) accumulate(g, adj, b, dB);
      break;
    }
    case KIND_MM: {
      int dA, dB;
      matmul_adjoints(g, i, G, &dA, &dB);
      if (dep[a]) accumulate(g, adj, a, dA);
      if (dep[b]) accumulate(g, adj, b, dB);
      break;
    }
    case KIND_LIN:
      switch (op) {
      case OP_RESHAPE: accumulate(g, adj, a, ir_reshape(g, G, N(a)->shape)); break;
      case OP_TRANSPOSE: accumulate(g, adj, a, ir_transpose(g, G)); break;
      case OP_SUM: accumulate(g, adj, a, ir_expand(g, G, N(i)->a[0], N(a)->shape.dim[N(i)->a[0]])); break;
      case OP_EXPAND: accumulate(g, adj, a, ir_sum(g, G, N(i)->a[0])); break;
      case OP_SLICE: add_piece(&ps, a, N(i)->a[0], N(i)->a[1], G); break;
      case OP_PAD: accumulate(g, adj, a, ir_slice(g, G, N(i)->a[0], N(i)->a[1], N(a)->shape.dim[N(i)->a[0]])); break;
      case OP_CONCAT:
        for (k = 0, off = 0; k < N(i)->nin; k++) {
          int x = IR_IN(g, i)[k], len = N(x)->shape.dim[N(i)->a[0]];
          if (dep[x]) accumulate(g, adj, x, ir_slice(g, G, N(i)->a[0], off, len));
          off += len;
        }
        break;
      case OP_BSUM: accumulate(g, adj, a, G); break;  /* shared G stands for every sample */
      case OP_BCAST: accumulate(g, adj, a, G); break; /* accumulate sums over samples */
      default: ir_bug(__FILE__, __LINE__, "no vjp rule");
      }
      break;
    default: ir_bug(__FILE__, __LINE__, "no vjp rule");
    }
  }
  for (j = 0; j < nwrt; j++) {
    int w = wrt[j], r = w <= y && adj[w] >= 0 ? adj[w] : ir_zeros_like(g, w);
    if (N(w)->batched && !N(r)->batched) r = ir_bcast(g, r);
    out[j] = r;
  }
  g->curloc = saveloc;
  free(adj);
  free(dep);
  free(ps.p);
  free(ps.head);
}

void ad_vjp(Graph *g, int y, int seed, const int *wrt, int nwrt, int *out) {
  Frontier f;
  int j, k, n = 0, *rest = xmalloc((nwrt + 1) * sizeof *rest), *idx = xmalloc((nwrt + 1) * sizeof *idx);
  for (j = 0; j < nwrt; j++) {
    char *leaf;
    int *d;
    if (!bypassed(g, y, wrt[j], &f)) {
      rest[n] = wrt[j], idx[n++] = j;
      continue;
    }
    leaf = xmalloc(y + 1);
    for (k = 0; k < f.n; k++) leaf[f.node[k]] = 1;
    d = xmalloc(f.n * sizeof *d);
    vjp_sweep(g, y, seed, f.node, f.n, leaf, d);
    k = 0, out[j] = assemble_pieces(g, wrt[j], d, &k);
    free(leaf), free(d), free(f.node);
  }
  if (n == nwrt) vjp_sweep(g, y, seed, wrt, nwrt, NULL, out); /* the common case, unchanged */
  else if (n) {
    int *o = xmalloc(n * sizeof *o);
    vjp_sweep(g, y, seed, rest, n, NULL, o);
    for (k = 0; k < n; k++) out[idx[k]] = o[k];
    free(o);
  }
  free(rest), free(idx);
}

/* t broadcast to y's shape (a scalar tangent of a tensor result). */
static int widen(Graph *g, int t, int y) {
  if (N(t)->shape.rank == 0 && N(y)->shape.rank > 0)
    return ir_binary(g, OP_MUL, t, ir_const(g, 1.0, N(y)->shape, 0));
  return t;
}
static int tadd(Graph *g, int a, int b) { return a < 0 ? b : b < 0 ? a : ir_binary(g, OP_ADD, a, b); }

/* Seeds the pieces of concatenation x with the slices of its tangent t,
 * as leaves (see "derivatives with respect to a concatenation"). */
static void seed_pieces(Graph *g, int x, int t, int y, int *tan, char *leaf) {
  int k, off = 0;
  if (x <= y) tan[x] = t, leaf[x] = 1;
  if (N(x)->op != OP_CONCAT) return;
  for (k = 0; k < N(x)->nin; k++) {
    int c = IR_IN(g, x)[k], len = N(c)->shape.dim[N(x)->a[0]];
    seed_pieces(g, c, ir_slice(g, t, N(x)->a[0], off, len), y, tan, leaf);
    off += len;
  }
}

/* The forward sweep: tangents from the seeded nodes to y; a leaf keeps its seed. */
static int jvp_sweep(Graph *g, int y, int *tan, const char *leaf) {
  int i, r, saveloc = g->curloc;
  for (i = 0; i <= y; i++) {
    const int *in = IR_IN(g, i);
    int op = N(i)->op, any = 0, a, b, ta, tb, t = -1, k;
    for (k = 0; k < N(i)->nin; k++) any |= tan[in[k]] >= 0;
    if (!any || (leaf && leaf[i])) continue;
    g->curloc = N(i)->loc;
    a = in[0], ta = tan[a];
    b = N(i)->nin > 1 ? in[1] : -1;
    tb = b >= 0 ? tan[b] : -1;
    switch (ir_opkind[op]) {
    case KIND_EW1: {
      int d = derivative(g, i);
      t = d < 0 ? -1 : ir_binary(g, OP_MUL, ta, d);
      break;
    }
    case KIND_EW2:
      if (op == OP_ADD) t = tadd(g, ta, tb);
      else if (op == OP_SUB) t = tadd(g, ta, tb < 0 ? -1 : ir_unary(g, OP_NEG, tb));
      else if (op == OP_MUL)
        t = tadd(g, ta < 0 ? -1 : ir_binary(g, OP_MUL, ta, b), tb < 0 ? -1 : ir_binary(g, OP_MUL, a, tb));
      else /* (ta - y tb)/b */
        t = tadd(g, ta < 0 ? -1 : ir_binary(g, OP_DIV, ta, b),
                 tb < 0 ? -1 : ir_unary(g, OP_NEG, ir_binary(g, OP_DIV, ir_binary(g, OP_MUL, i, tb), b)));
      if (t >= 0) t = widen(g, t, i);
      break;
    case KIND_SOLVE: t = solve_tangent(g, i, ta, tb); break;
    case KIND_MM: {
      int (*mm)(Graph *, int, int, int, int) = op == OP_MATMUL ? ir_matmul : ir_bmatmul;
      t = tadd(g, ta < 0 ? -1 : mm(g, ta, b, N(i)->a[0], N(i)->a[1]),
               tb < 0 ? -1 : mm(g, a, tb, N(i)->a[0], N(i)->a[1]));
      break;
    }
    case KIND_LIN:
      switch (op) {
      case OP_RESHAPE: t = ir_reshape(g, ta, N(i)->shape); break;
      case OP_TRANSPOSE: t = ir_transpose(g, ta); break;
      case OP_SUM: t = ir_sum(g, ta, N(i)->a[0]); break;
      case OP_EXPAND: t = ir_expand(g, ta, N(i)->a[0], N(i)->a[1]); break;
      case OP_SLICE: t = ir_slice(g, ta, N(i)->a[0], N(i)->a[1], N(i)->a[2]); break;
      case OP_PAD: t = ir_pad(g, ta, N(i)->a[0], N(i)->a[1], N(i)->a[2]); break;
      case OP_BSUM: t = ir_bsum(g, ta); break;
      case OP_BCAST: t = ir_bcast(g, ta); break;
      case OP_CONCAT: {
        int *parts = xmalloc(N(i)->nin * sizeof *parts);
        for (k = 0; k < N(i)->nin; k++) parts[k] = tan[in[k]] >= 0 ? tan[in[k]] : ir_zeros_like(g, in[k]);
        t = ir_concat(g, parts, N(i)->nin, N(i)->a[0]);
        free(parts);
        break;
      }
      default: ir_bug(__FILE__, __LINE__, "no jvp rule");
      }
      break;
    default: ir_bug(__FILE__, __LINE__, "no jvp rule");
    }
    tan[i] = t;
  }
  r = tan[y];
  g->curloc = saveloc;
  return r;
}

int ad_jvp(Graph *g, int y, const int *wrt, const int *tangent, int nwrt) {
  int *tan = xmalloc((y + 1) * sizeof *tan), j, r = -1, any = 0;
  Frontier f;
  for (j = 0; j < nwrt; j++)
    if (bypassed(g, y, wrt[j], &f)) any = 1, free(f.node);
  memset(tan, -1, (y + 1) * sizeof *tan);
  if (!any) { /* the common case, unchanged */
    for (j = 0; j < nwrt; j++)
      if (wrt[j] <= y) tan[wrt[j]] = tangent[j];
    r = jvp_sweep(g, y, tan, NULL);
  } else /* one sweep per tensor, the pieces of a concatenation seeded as leaves */
    for (j = 0; j < nwrt; j++) {
      char *leaf = xmalloc(y + 1);
      int t;
      memset(tan, -1, (y + 1) * sizeof *tan);
      seed_pieces(g, wrt[j], tangent[j], y, tan, leaf);
      t = jvp_sweep(g, y, tan, leaf);
      r = t < 0 ? r : tadd(g, r, t);
      free(leaf);
    }
  free(tan);
  return r >= 0 ? r : ir_zeros_like(g, y);
}
