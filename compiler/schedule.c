/* Scheduling: phases, storage and the workspace plan of one function.
 *
 * Phases alternate: even phases compute shared values once; odd phases run
 * a loop over chunks of samples and compute the per-sample nodes of the
 * chunk. Sums over samples (bsum, bmatmul) accumulate during the loop in
 * ascending sample order, so a result never depends on the chunk size or on
 * n, and are available from the next phase on. A per-sample value needed in
 * a later phase (after a sum over the batch) is kept for all samples
 * ("full" storage, workspace growing with n); chunk buffers are reused.
 *
 * Workspace: linear scan in emission order; a node's buffer is allocated
 * before its operands' buffers are released, so no node ever writes over
 * its own operand (emitted code may declare its pointers restrict).
 */
#include <stdlib.h>
#include <string.h>

#include "plan.h"

#define N(id) (&g->node[id])

int sched_is_reduction(int op) { return op == OP_BSUM || op == OP_BMATMUL; }

int sched_base(const Plan *p, int x) {
  while (p->slot[x].kind == ST_VIEW) x = IR_IN(p->g, x)[0];
  return x;
}

/* Free-list allocator over the fixed workspace region. */
typedef struct Block { long off, size; } Block;
typedef struct Alloc { Block *free; int nfree, cap; long top, peak; } Alloc;

static long round8(long n) { return (n + 7) & ~7L; }

static long alloc_take(Alloc *a, long size) {
  int i, best = -1;
  long off;
  size = round8(size);
  for (i = 0; i < a->nfree; i++) /* best fit, lowest offset on ties */
    if (a->free[i].size >= size && (best < 0 || a->free[i].size < a->free[best].size)) best = i;
  if (best < 0) {
    off = a->top;
    a->top += size;
    if (a->top > a->peak) a->peak = a->top;
    return off;
  }
  off = a->free[best].off;
  a->free[best].off += size;
  a->free[best].size -= size;
  if (!a->free[best].size) a->free[best] = a->free[--a->nfree];
  return off;
}

static void alloc_give(Alloc *a, long off, long size) {
  int i;
  size = round8(size);
  if (a->nfree == a->cap) {
    a->cap = a->cap ? 2 * a->cap : 16;
    a->free = xrealloc(a->free, a->cap * sizeof *a->free);
  }
  a->free[a->nfree].off = off, a->free[a->nfree].size = size;
  a->nfree++;
  for (i = 0; i < a->nfree; i++) { /* merge neighbours */
    int j;
    for (j = 0; j < a->nfree; j++) {
      if (i != j && a->free[i].off + a->free[i].size == a->free[j].off) {
        a->free[i].size += a->free[j].size;
        a->free[j] = a->free[--a->nfree];
        i = -1;
        break;
      }
    }
  }
  for (i = 0; i < a->nfree; i++) /* give back the top */
    if (a->free[i].off + a->free[i].size == a->top) {
      a->top = a->free[i].off;
      a->free[i] = a->free[--a->nfree];
      i = -1;
    }
}

static int is_leaf_value(int op) { return op == OP_CONST || op == OP_NBATCH; }

int sched_plan(Plan *p, Graph *g, int fi, int chunk) {
  Func *f = &g->func[fi];
  int i, j, k, maxphase = 0;
  int *avail, *pos, *last, *ismat, *phase_end;
  Alloc al;
  memset(p, 0, sizeof *p);
  memset(&al, 0, sizeof al);
  p->g = g, p->f = f, p->fi = fi, p->chunk = chunk;
  p->keep = xmalloc(g->nnode);
  ir_reach(g, f->out, f->nout, p->keep);
  p->phase = xmalloc(g->nnode * sizeof *p->phase);
  p->slot = xmalloc(g->nnode * sizeof *p->slot);
  p->outcopy = xmalloc(f->nout * sizeof *p->outcopy);
  avail = xmalloc(g->nnode * sizeof *avail);
  pos = xmalloc(g->nnode * sizeof *pos);
  last = xmalloc(g->nnode * sizeof *last);
  ismat = xmalloc(g->nnode * sizeof *ismat);

  /* constants and n get storage only where an op needs a pointer */
  for (i = 0; i < g->nnode; i++) {
    if (!p->keep[i]) continue;
    for (j = 0; j < N(i)->nin; j++) {
      int x = IR_IN(g, i)[j];
      if (is_leaf_value(N(x)->op) && ir_opkind[N(i)->op] != KIND_EW1 && ir_opkind[N(i)->op] != KIND_EW2)
        ismat[x] = 1;
    }
  }

  /* phases */
  for (i = 0; i < g->nnode; i++) {
    int q = 0;
    if (!p->keep[i]) continue;
    for (j = 0; j < N(i)->nin; j++) q = q > avail[IR_IN(g, i)[j]] ? q : avail[IR_IN(g, i)[j]];
    if (N(i)->op == OP_INPUT) q = 1;
    else if (N(i)->batched || sched_is_reduction(N(i)->op)) q |= 1; /* inside a chunk loop */
    p->phase[i] = q;
    avail[i] = sched_is_reduction(N(i)->op) ? q + 1 : q;
    maxphase = maxphase > avail[i] ? maxphase : avail[i];
  }
  p->nphase = maxphase + 1;

  /* emission order: phase-major, id order within a phase */
  p->order = xmalloc(g->nnode * sizeof *p->order);
  for (k = 0; k < p->nphase; k++)
    for (i = 0; i < g->nnode; i++)
      if (p->keep[i] && p->phase[i] == k) pos[i] = p->norder, p->order[p->norder++] = i;

  /* storage kinds */
  for (i = 0; i < g->nnode; i++) {
    Slot *s = &p->slot[i];
    if (!p->keep[i]) continue;
    switch (N(i)->op) {
    case OP_INPUT: s->kind = ST_INPUT, s->index = N(i)->a[0]; break;
    case OP_PARAM: s->kind = ST_PARAM, s->off = g->param[N(i)->a[0]].offset; break;
    case OP_TENSOR: s->kind = ST_TENSOR; break;
    case OP_CONST: case OP_NBATCH: s->kind = ismat[i] ? ST_WS : ST_NONE; break;
    case OP_RESHAPE: s->kind = ST_VIEW; break;
    default: s->kind = ST_WS;
    }
  }
  /* outputs: computed nodes write straight into the output array */
  for (k = 0; k < f->nout; k++) {
    int x = f->out[k], dup = 0;
    for (j = 0; j < k; j++) dup |= f->out[j] == x;
    if (!dup && p->slot[x].kind == ST_WS && !is_leaf_value(N(x)->op)) {
      p->slot[x].kind = ST_OUT, p->slot[x].index = k;
      p->outcopy[k] = 0;
    } else
      p->outcopy[k] = 1;
  }
  /* a per-sample value used after its chunk loop is kept for all samples */
  for (i = 0; i < g->nnode; i++) {
    if (!p->keep[i]) continue;
    for (j = 0; j < N(i)->nin; j++) {
      int x = sched_base(p, IR_IN(g, i)[j]);
      if (N(x)->batched && p->slot[x].kind == ST_WS && p->phase[x] != p->phase[i]) p->slot[x].kind = ST_FULL;
    }
  }
  /* last use, in emission order (views extend their base's life) */
  phase_end = xmalloc((p->nphase + 1) * sizeof *phase_end);
  for (i = 0; i < g->nnode; i++) last[i] = p->keep[i] ? pos[i] : -1;
  for (k = p->norder - 1; k >= 0; k--) /* the last position of each phase */
    if (k == p->norder - 1 || p->phase[p->order[k + 1]] != p->phase[p->order[k]]) phase_end[p->phase[p->order[k]]] = k;
  for (k = 0; k < p->norder; k++) {
    int u = p->order[k], end = phase_end[p->phase[u]];
    /* a value from outside a chunk loop is read by every iteration: it
     * lives to the end of the loop */
    for (j = 0; j < N(u)->nin; j++) {
      int x = sched_base(p, IR_IN(g, u)[j]), at = pos[u];
      if (p->phase[u] % 2 && p->phase[x] != p->phase[u]) at = end;
      if (last[x] < at) last[x] = at;
    }
  }
  for (k = 0; k < f->nout; k++) {
    int x = sched_base(p, f->out[k]);
    last[x] = p->norder; /* copied out at the very end of its phase */
  }
  /* a chunk buffer used by a later node of its phase must survive to the end
   * of the chunk iteration, which linear order gives; accumulators live from
   * the start of their loop */
  for (k = 0; k < p->norder; k++) {
    int x = p->order[k], q, r;
    Slot *s = &p->slot[x];
    if (k == 0 || p->phase[p->order[k - 1]] != p->phase[x]) {
      /* entering a phase: accumulators of this phase first */
      for (q = k; q < p->norder && p->phase[p->order[q]] == p->phase[x]; q++) {
        int y = p->order[q];
        if (sched_is_reduction(N(y)->op) && p->slot[y].kind == ST_WS)
          p->slot[y].off = alloc_take(&al, shape_size(&N(y)->shape));
      }
    }
    if (s->kind == ST_WS && !sched_is_reduction(N(x)->op))
      s->off = alloc_take(&al, shape_size(&N(x)->shape) * (N(x)->batched ? chunk : 1));
    if (s->kind == ST_FULL) {
      s->off = p->ws_full;
      p->ws_full += shape_size(&N(x)->shape);
    }
    /* release operands whose last use is this node */
    for (j = 0; j < N(x)->nin; j++) {
      int y = sched_base(p, IR_IN(g, x)[j]), dup = 0;
      for (r = 0; r < j; r++) dup |= sched_base(p, IR_IN(g, x)[r]) == y;
      if (!dup && last[y] == k && p->slot[y].kind == ST_WS)
        alloc_give(&al, p->slot[y].off, shape_size(&N(y)->shape) * (N(y)->batched ? chunk : 1));
    }
    if (last[x] == k && s->kind == ST_WS) /* never used: a dead value */
      alloc_give(&al, s->off, shape_size(&N(x)->shape) * (N(x)->batched ? chunk : 1));
  }
  /* after the values: scratch for hn_mm_nn's panel copies, K x 64 elements
   * (room for float's 8-wide vectors too) */
  p->pack = round8(al.peak);
  p->ws_fixed = p->pack;
  for (k = 0; k < p->norder; k++) {
    int x = p->order[k];
    if (N(x)->op == OP_MATMUL) {
      long need = 64L * N(IR_IN(g, x)[1])->shape.dim[0];
      if (p->pack + need > p->ws_fixed) p->ws_fixed = p->pack + need;
    }
  }
  free(al.free);
  free(avail), free(pos), free(last), free(ismat), free(phase_end);
  return 0;
}

void sched_free(Plan *p) {
  free(p->keep), free(p->order), free(p->phase), free(p->slot), free(p->outcopy);
  memset(p, 0, sizeof *p);
}
