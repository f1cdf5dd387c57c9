/* Checks: the model's own rules after tracing (verify_model), and the
 * verifiers run between passes (verify_graph after front, verify_plan after
 * schedule). The model rules report user errors; a verifier failure is a
 * compiler bug and is reported as "internal error: ..." naming the pass
 * after which the invariant broke.
 *
 * The verifiers recompute what the constructors and the scheduler decided,
 * from the definitions, not from their code: shapes and the batched flag of
 * every node from its op and operands, operand ids below the user's (id
 * order is topological), the plan's order, phases and workspace overlaps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verify.h"

#define N(id) (&g->node[id])

/* ---- the model's rules ---- */

/* At least one function; every parameter used by some function. */
int verify_model(Graph *g, const char *path, char *err, size_t nerr) {
  char *keep;
  int i, nroots = 0, *roots, bad = -1;
  if (!g->nfunc && g->data.present) return 0; /* a data set only: hnnc data */
  if (!g->nfunc) {
    snprintf(err, nerr, "%s: error: the model declares no function to compile (use hn.fn)", path);
    return 1;
  }
  for (i = 0; i < g->nfunc; i++) nroots += g->func[i].nout;
  roots = xmalloc(nroots * sizeof *roots);
  for (i = 0, nroots = 0; i < g->nfunc; i++) {
    memcpy(roots + nroots, g->func[i].out, g->func[i].nout * sizeof *roots);
    nroots += g->func[i].nout;
  }
  keep = xmalloc(g->nnode);
  ir_reach(g, roots, nroots, keep);
  for (i = 0; i < g->nparam && bad < 0; i++)
    if (!keep[g->param[i].node]) bad = i;
  free(roots);
  free(keep);
  if (bad >= 0) {
    const char *w = g->loc[g->param[bad].loc];
    snprintf(err, nerr, "%.*s: error: parameter '%s' is never used by any compiled function%s", ir_loc_head(w), w,
             g->param[bad].name, w + ir_loc_head(w));
    return 1;
  }
  return 0;
}

/* ---- the graph verifier ---- */

static int fail(char *err, size_t nerr, const char *after, int id, const char *what) {
  snprintf(err, nerr, "hnnc: internal error: after pass %s: node %%%d: %s", after, id, what);
  return 1;
}

/* The shape op(operands) must have, from the op's definition; 0 if the
 * operands do not fit the op. */
static int expected_shape(Graph *g, int i, Shape *s) {
  Node *n = N(i);
  const int *in = IR_IN(g, i);
  Shape a = n->nin ? N(in[0])->shape : n->shape;
  int k, r, ax = n->a[0];
  *s = a;
  switch (n->op) {
  case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: {
    Shape b = N(in[1])->shape;
    if (a.rank && b.rank && !shape_equal(&a, &b)) return 0;
    if (!a.rank) *s = b;
    return 1;
  }
  case OP_RESHAPE: *s = n->shape; return shape_size(&a) == shape_size(&n->shape);
  case OP_TRANSPOSE:
    if (a.rank != 2) return 0;
    s->dim[0] = a.dim[1], s->dim[1] = a.dim[0];
    return 1;
  case OP_SUM:
    if (ax < 0 || ax >= a.rank) return 0;
    for (k = ax; k < a.rank - 1; k++) s->dim[k] = a.dim[k + 1];
    s->dim[--s->rank] = 0;
    return 1;
  case OP_EXPAND:
    if (ax < 0 || ax > a.rank || a.rank == IR_MAXRANK || n->a[1] < 1) return 0;
    for (k = a.rank; k > ax; k--) s->dim[k] = a.dim[k - 1];
    s->dim[ax] = n->a[1], s->rank++;
    return 1;
  case OP_SLICE:
    if (ax < 0 || ax >= a.rank || n->a[1] < 0 || n->a[2] < 1 || n->a[1] + n->a[2] > a.dim[ax]) return 0;
    s->dim[ax] = n->a[2];
    return 1;
  case OP_PAD:
    if (ax < 0 || ax >= a.rank || n->a[1] < 0 || n->a[1] + a.dim[ax] > n->a[2]) return 0;
    s->dim[ax] = n->a[2];
    return 1;
  case OP_CONCAT:
    if (ax < 0 || ax >= a.rank) return 0;
    for (k = 1, s->dim[ax] = a.dim[ax]; k < n->nin; k++) {
      Shape b = N(in[k])->shape;
      if (b.rank != a.rank) return 0;
      for (r = 0; r < a.rank; r++)
        if (r != ax && b.dim[r] != a.dim[r]) return 0;
      s->dim[ax] += b.dim[ax];
    }
    return 1;
  case OP_MATMUL: case OP_BMATMUL: {
    Shape b = N(in[1])->shape;
    if (a.rank != 2 || b.rank != 2 || a.dim[!n->a[0]] != b.dim[n->a[1]]) return 0;
    s->dim[0] = a.dim[n->a[0]], s->dim[1] = b.dim[!n->a[1]];
    return 1;
  }
  case OP_SOLVE: {
    Shape b = N(in[1])->shape;
    if (a.rank == 3 && (a.dim[1] != a.dim[2] || b.rank != 2 || b.dim[0] != a.dim[0] || b.dim[1] != a.dim[1])) return 0;
    if (a.rank == 2 && (a.dim[0] != a.dim[1] || (b.rank != 1 && b.rank != 2) || b.dim[0] != a.dim[0])) return 0;
    if (a.rank != 2 && a.rank != 3) return 0;
    *s = b;
    return 1;
  }
  case OP_PARAM: *s = g->param[n->a[0]].shape; return 1;
  }
  return 1; /* leaves, elementwise unary, bsum, bcast: the operand's shape */
}

/* Whether the node holds one value per sample, from its op and operands. */
static int expected_batched(Graph *g, int i) {
  Node *n = N(i);
  int k, any = 0;
  switch (n->op) {
  case OP_INPUT: return 1;
  case OP_PARAM: case OP_TENSOR: case OP_NBATCH: case OP_BSUM: case OP_BMATMUL: return 0;
  case OP_CONST: return n->batched;
  case OP_BCAST: return 1;
  }
  for (k = 0; k < n->nin; k++) any |= N(IR_IN(g, i)[k])->batched;
  return any;
}

/* Every node: a known op with its number of operands, operands made before
 * it, rank and dims in range, the shape and batched flag its op and
 * operands give; parameters, inputs and outputs where the tables say. */
int verify_graph(Graph *g, const char *after, char *err, size_t nerr) {
  int i, k;
  for (i = 0; i < g->nnode; i++) {
    Node *n = N(i);
    Shape s;
    if (n->op < 0 || n->op >= OP_COUNT) return fail(err, nerr, after, i, "unknown op");
    if (ir_opnin[n->op] >= 0 ? n->nin != ir_opnin[n->op] : n->nin < 2)
      return fail(err, nerr, after, i, "wrong number of operands");
    for (k = 0; k < n->nin; k++)
      if (IR_IN(g, i)[k] < 0 || IR_IN(g, i)[k] >= i) return fail(err, nerr, after, i, "operand not made before its user");
    if (n->shape.rank < 0 || n->shape.rank > IR_MAXRANK) return fail(err, nerr, after, i, "rank out of range");
    for (k = 0; k < n->shape.rank; k++)
      if (n->shape.dim[k] < 1) return fail(err, nerr, after, i, "dimension below 1");
    if (n->op == OP_PARAM && (n->a[0] < 0 || n->a[0] >= g->nparam || g->param[n->a[0]].node != i))
      return fail(err, nerr, after, i, "parameter node not in the parameter table");
    if (ir_opkind[n->op] == KIND_EW1 && n->nin != 1) return fail(err, nerr, after, i, "elementwise arity");
    if (!expected_shape(g, i, &s) || !shape_equal(&s, &n->shape))
      return fail(err, nerr, after, i, "shape does not follow from the op and its operands");
    if (n->batched != expected_batched(g, i)) return fail(err, nerr, after, i, "batched flag does not follow from the operands");
    if ((n->op == OP_BSUM && !N(IR_IN(g, i)[0])->batched) || (n->op == OP_BCAST && N(IR_IN(g, i)[0])->batched))
      return fail(err, nerr, after, i, "batch sum of a shared value, or broadcast of a per-sample one");
  }
  for (i = 0; i < g->nfunc; i++) {
    Func *f = &g->func[i];
    for (k = 0; k < f->nin; k++)
      if (f->in[k].node < 0 || f->in[k].node >= g->nnode || N(f->in[k].node)->op != OP_INPUT ||
          N(f->in[k].node)->a[0] != k)
        return fail(err, nerr, after, f->in[k].node, "function input is not its input node");
    for (k = 0; k < f->nout; k++)
      if (f->out[k] < 0 || f->out[k] >= g->nnode) return fail(err, nerr, after, f->out[k], "output out of range");
  }
  return 0;
}

/* ---- the plan verifier ---- */

static int plan_fail(const Plan *p, char *err, size_t nerr, const char *after, int id, const char *what) {
  snprintf(err, nerr, "hnnc: internal error: after pass %s, function %s: node %%%d: %s", after, p->f->name, id, what);
  return 1;
}

static long stored_size(const Plan *p, int x) {
  const Node *n = &p->g->node[x];
  return shape_size(&n->shape) * (n->batched ? p->chunk : 1);
}

/* keep[] is exactly what the outputs reach: every node reachable or dead. */
int verify_reach(const Plan *p, const char *after, char *err, size_t nerr) {
  Graph *g = p->g;
  char *r = xmalloc(g->nnode);
  int i, bad = -1;
  ir_reach(g, p->f->out, p->f->nout, r);
  for (i = 0; i < g->nnode && bad < 0; i++)
    if (!r[i] != !p->keep[i]) bad = i;
  free(r);
  return bad >= 0 ? plan_fail(p, err, nerr, after, bad, "kept but unreachable, or reachable but dropped") : 0;
}

/* The last position at which x's storage must hold x's value. */
static int live_end(const Plan *p, const int *pos, const int *phase_end, int x) {
  Graph *g = p->g;
  int k, j, end = pos[x];
  for (k = 0; k < p->f->nout; k++)
    if (sched_base(p, p->f->out[k]) == x) return p->norder;
  for (k = 0; k < p->norder; k++) {
    int u = p->order[k];
    for (j = 0; j < N(u)->nin; j++) {
      int at;
      if (sched_base(p, IR_IN(g, u)[j]) != x) continue;
      at = p->phase[u] % 2 && p->phase[u] != p->phase[x] ? phase_end[p->phase[u]] : pos[u];
      if (at > end) end = at;
    }
  }
  return end;
}

/* The plan: keep[] as reachability says; every kept node once in the order,
 * after its operands, in a phase no earlier than theirs (later than a sum
 * over samples), per-sample work in chunk loops before the chunk's sums;
 * storage of the kind the op needs, inside its region of the workspace
 * (per-sample values in the thread's), and no two values alive at once in
 * overlapping workspace (so no node writes over its own operand). */
int verify_plan(const Plan *p, const char *after, char *err, size_t nerr) {
  Graph *g = p->g;
  int i, j, k, rc = 0, *pos, *begin, *end, *phase_end, kept = 0;
  if (verify_reach(p, after, err, nerr)) return 1;
  pos = xmalloc(g->nnode * sizeof *pos), begin = xmalloc(g->nnode * sizeof *begin);
  end = xmalloc(g->nnode * sizeof *end), phase_end = xmalloc((p->nphase + 1) * sizeof *phase_end);
  for (i = 0; i < g->nnode; i++) pos[i] = -1, kept += p->keep[i];
  for (k = 0; k < p->norder && !rc; k++) {
    int x = p->order[k];
    if (!p->keep[x] || pos[x] >= 0) rc = plan_fail(p, err, nerr, after, x, "in the order twice, or dead");
    else pos[x] = k;
    if (k && p->phase[x] < p->phase[p->order[k - 1]]) rc = plan_fail(p, err, nerr, after, x, "order not phase-major");
    else if (k && p->phase[x] == p->phase[p->order[k - 1]] && sched_is_reduction(N(p->order[k - 1])->op) &&
             !sched_is_reduction(N(x)->op))
      rc = plan_fail(p, err, nerr, after, x, "per-sample work after a sum over samples of its chunk");
    phase_end[p->phase[x]] = k;
  }
  if (!rc && p->norder != kept) rc = plan_fail(p, err, nerr, after, -1, "a kept node is missing from the order");
  for (k = 0; k < p->norder && !rc; k++) {
    int x = p->order[k];
    const Slot *s = &p->slot[x];
    for (j = 0; j < N(x)->nin && !rc; j++) {
      int a = IR_IN(g, x)[j];
      if (pos[a] >= k) rc = plan_fail(p, err, nerr, after, x, "scheduled before its operand");
      else if (p->phase[a] > p->phase[x] || (sched_is_reduction(N(a)->op) && p->phase[a] >= p->phase[x]))
        rc = plan_fail(p, err, nerr, after, x, "phase earlier than its operand's");
    }
    if (!rc && (N(x)->batched || sched_is_reduction(N(x)->op)) && N(x)->op != OP_CONST && p->phase[x] % 2 == 0)
      rc = plan_fail(p, err, nerr, after, x, "per-sample work outside a chunk loop");
    if (!rc && ((N(x)->op == OP_INPUT) != (s->kind == ST_INPUT) || (N(x)->op == OP_PARAM) != (s->kind == ST_PARAM) ||
                (N(x)->op == OP_TENSOR) != (s->kind == ST_TENSOR) || (s->kind == ST_VIEW && !(ir_op[N(x)->op].flags & OPF_VIEW))))
      rc = plan_fail(p, err, nerr, after, x, "storage kind does not fit the op");
    if (!rc && s->kind == ST_WS && (s->off < 0 || s->off + stored_size(p, x) > (N(x)->batched ? p->pack : p->ws_shared)))
      rc = plan_fail(p, err, nerr, after, x, "workspace slot outside the value region");
    if (!rc && s->kind == ST_FULL && (s->off < 0 || s->off + shape_size(&N(x)->shape) > p->ws_full))
      rc = plan_fail(p, err, nerr, after, x, "all-samples slot outside its region");
  }
  /* overlaps: accumulators are live from the start of their loop */
  for (k = 0; k < p->norder && !rc; k++) {
    int x = p->order[k], first = k;
    while (first > 0 && p->phase[p->order[first - 1]] == p->phase[x]) first--;
    begin[x] = sched_is_reduction(N(x)->op) ? first : k;
    end[x] = live_end(p, pos, phase_end, x);
  }
  for (i = 0; i < p->norder && !rc; i++)
    for (j = i + 1; j < p->norder && !rc; j++) {
      int x = p->order[i], y = p->order[j];
      if (p->slot[x].kind != ST_WS || p->slot[y].kind != ST_WS || N(x)->batched != N(y)->batched) continue; /* regions */
      if (begin[y] > end[x] || begin[x] > end[y]) continue; /* never alive together */
      if (p->slot[x].off < p->slot[y].off + stored_size(p, y) && p->slot[y].off < p->slot[x].off + stored_size(p, x))
        rc = plan_fail(p, err, nerr, after, y, "workspace overlaps a value alive at the same time");
    }
  free(pos), free(begin), free(end), free(phase_end);
  return rc;
}
