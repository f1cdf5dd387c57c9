/* Scheduling: phases, storage and the workspace plan of one function.
 *
 * Phases alternate: even phases compute shared values once; odd phases run
 * a loop over chunks of samples and compute the per-sample nodes of the
 * chunk. Sums over samples (bsum, bmatmul) accumulate during the loop in
 * ascending sample order, so a result never depends on the chunk size or on
 * n, and are available from the next phase on. They come last in their
 * chunk (nothing in their phase reads them): a chunk is its per-sample work,
 * then its terms of the sums, so chunks may run on several threads, each
 * with its own chunk buffers, while the sums are added in chunk order (the
 * bits of one thread). A per-sample value needed in a later phase (after a
 * sum over the batch) is kept for all samples ("full" storage, workspace
 * growing with n); chunk buffers are reused.
 *
 * Workspace: two regions, each a linear scan in emission order: shared
 * values and accumulators (ws), and the chunk buffers and the kernels'
 * scratch (wt, one per thread). A node's buffer is allocated before its
 * operands' buffers are released, so no node ever writes over its own
 * operand (emitted code may declare its pointers restrict).
 */
#include <stdlib.h>
#include <string.h>

#include "plan.h"

#define N(id) (&g->node[id])

int sched_is_reduction(int op) { return ir_op[op].flags & OPF_REDUCE; }

int sched_phases(const Plan *p) { return p->nphase % 2 ? p->nphase : p->nphase + 1; }

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

static int is_leaf_value(int op) { return ir_op[op].flags & OPF_INLINE; }

/* Dead-code elimination: the nodes the function's outputs reach. */
int sched_dce(Plan *p, Graph *g, int fi) {
  Func *f = &g->func[fi];
  memset(p, 0, sizeof *p);
  p->g = g, p->f = f, p->fi = fi;
  p->keep = xmalloc(g->nnode);
  return ir_reach(g, f->out, f->nout, p->keep);
}

/* Phases: a node runs in the first phase where its operands are available;
 * per-sample nodes and sums over samples in odd phases (chunk loops); a
 * sum's value is available from the next phase. Then the emission order:
 * phase-major, id order within a phase, sums over samples last. */
static void fill_phases(Plan *p, int *pos) {
  Graph *g = p->g;
  int i, j, k, maxphase = 0, *avail = xmalloc(g->nnode * sizeof *avail);
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
  p->order = xmalloc(g->nnode * sizeof *p->order);
  for (k = 0; k < p->nphase; k++)
    for (j = 0; j < 2; j++)
      for (i = 0; i < g->nnode; i++)
        if (p->keep[i] && p->phase[i] == k && !sched_is_reduction(N(i)->op) == !j) pos[i] = p->norder, p->order[p->norder++] = i;
  free(avail);
}

/* Storage kinds: leaves where they are, views on their operand, outputs
 * written in place when the node is computed here, the rest in the
 * workspace (for all samples when a later phase reads a per-sample value). */
static void fill_storage(Plan *p) {
  Graph *g = p->g;
  Func *f = p->f;
  int i, j, k;
  char *ismat = xmalloc(g->nnode);
  /* constants and n get storage only where an op needs a pointer */
  for (i = 0; i < g->nnode; i++) {
    if (!p->keep[i]) continue;
    for (j = 0; j < N(i)->nin; j++) {
      int x = IR_IN(g, i)[j];
      if (is_leaf_value(N(x)->op) && ir_opkind[N(i)->op] != KIND_EW1 && ir_opkind[N(i)->op] != KIND_EW2)
        ismat[x] = 1;
    }
  }
  for (i = 0; i < g->nnode; i++) {
    Slot *s = &p->slot[i];
    if (!p->keep[i]) continue;
    switch (N(i)->op) {
    case OP_INPUT: s->kind = ST_INPUT, s->index = N(i)->a[0]; break;
    case OP_PARAM: s->kind = ST_PARAM, s->off = g->param[N(i)->a[0]].offset; break;
    case OP_TENSOR: s->kind = ST_TENSOR; break;
    default:
      if (is_leaf_value(N(i)->op)) s->kind = ismat[i] ? ST_WS : ST_NONE;
      else s->kind = ir_op[N(i)->op].flags & OPF_VIEW ? ST_VIEW : ST_WS;
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
  free(ismat);
}

/* The last use of every value, in emission order (views extend their
 * base's life; a value read inside a chunk loop but made outside it lives
 * to the end of the loop; outputs to the very end). */
static void fill_last_use(Plan *p, const int *pos, int *last) {
  Graph *g = p->g;
  int i, j, k, *phase_end = xmalloc((p->nphase + 1) * sizeof *phase_end);
  for (i = 0; i < g->nnode; i++) last[i] = p->keep[i] ? pos[i] : -1;
  for (k = p->norder - 1; k >= 0; k--) /* the last position of each phase */
    if (k == p->norder - 1 || p->phase[p->order[k + 1]] != p->phase[p->order[k]]) phase_end[p->phase[p->order[k]]] = k;
  for (k = 0; k < p->norder; k++) {
    int u = p->order[k], end = phase_end[p->phase[u]];
    for (j = 0; j < N(u)->nin; j++) {
      int x = sched_base(p, IR_IN(g, u)[j]), at = pos[u];
      if (p->phase[u] % 2 && p->phase[x] != p->phase[u]) at = end;
      if (last[x] < at) last[x] = at;
    }
  }
  for (k = 0; k < p->f->nout; k++) last[sched_base(p, p->f->out[k])] = p->norder; /* copied out at the end */
  free(phase_end);
}

static long ws_size(Plan *p, int x) {
  return shape_size(&p->g->node[x].shape) * (p->g->node[x].batched ? p->chunk : 1);
}

/* hn_mm_ntp's panels: a product of a chunk's rows by a shared matrix
 * transposed (hn_mm_nt's form, b a weight) reads b as panels of 16
 * columns, copied once per call by hn_nt_pack instead of reshuffled in
 * every chunk. Each such matrix gets a region of the shared workspace of
 * its own (K x M elements), live for the whole call. Where kernels.c never
 * uses the panels (double; K > HN_NTP_KMAX; M below 16 lanes) none, nor
 * where the plan says no_panels (the export: 160 KB more stack a weight). */
enum { NTP_KMAX = 512, NTP_MMIN = 16 };
static int ntp_form(const Plan *p, int x) {
  Graph *g = p->g;
  int A, B;
  if (p->no_panels || !g->is_float || N(x)->op != OP_MATMUL || N(x)->a[0] || !N(x)->a[1]) return 0;
  A = IR_IN(g, x)[0], B = sched_base(p, IR_IN(g, x)[1]);
  return N(A)->batched && !N(B)->batched && p->phase[B] % 2 == 0 && p->phase[B] < p->phase[x] &&
         p->slot[B].kind != ST_NONE && N(A)->shape.dim[1] <= NTP_KMAX && N(x)->shape.dim[1] >= NTP_MMIN;
}
int sched_ntpk_first(const Plan *p, int x) {
  int k;
  if (p->ntpk[x] < 0) return 0;
  for (k = 0; k < p->norder && p->order[k] != x; k++) /* a matrix's region is its own: the same offset, the same matrix */
    if (p->ntpk[p->order[k]] == p->ntpk[x]) return 0;
  return 1;
}
static void ntp_regions(Plan *p) {
  Graph *g = p->g;
  long *at = xmalloc(g->nnode * sizeof *at); /* per matrix: its region */
  int k;
  p->ntpk = xmalloc(g->nnode * sizeof *p->ntpk);
  for (k = 0; k < g->nnode; k++) p->ntpk[k] = at[k] = -1;
  for (k = 0; k < p->norder; k++) {
    int x = p->order[k], B;
    if (!ntp_form(p, x)) continue;
    B = sched_base(p, IR_IN(g, x)[1]);
    if (at[B] < 0) at[B] = p->ws_shared, p->ws_shared += round8(shape_size(&N(B)->shape));
    p->ntpk[x] = at[B];
  }
  free(at);
}

/* Workspace offsets by a linear scan in emission order, per region: chunk
 * buffers (per-sample values) in the thread's region, the rest in the
 * shared one. A chunk buffer used by a later node of its phase survives to
 * the end of the chunk iteration, which linear order gives; accumulators
 * live from the start of their loop; a node's buffer is taken before its
 * operands' are given back. */
static void allocate(Plan *p, const int *last) {
  Graph *g = p->g;
  Alloc al[2]; /* shared, thread */
  int j, k, q, r;
  memset(al, 0, sizeof al);
  for (k = 0; k < p->norder; k++) {
    int x = p->order[k];
    Slot *s = &p->slot[x];
    if (k == 0 || p->phase[p->order[k - 1]] != p->phase[x]) {
      /* entering a phase: accumulators of this phase first */
      for (q = k; q < p->norder && p->phase[p->order[q]] == p->phase[x]; q++) {
        int y = p->order[q];
        if (sched_is_reduction(N(y)->op) && p->slot[y].kind == ST_WS)
          p->slot[y].off = alloc_take(&al[0], shape_size(&N(y)->shape));
      }
    }
    if (s->kind == ST_WS && !sched_is_reduction(N(x)->op)) s->off = alloc_take(&al[N(x)->batched], ws_size(p, x));
    if (s->kind == ST_FULL) {
      s->off = p->ws_full;
      p->ws_full += shape_size(&N(x)->shape);
    }
    /* release operands whose last use is this node */
    for (j = 0; j < N(x)->nin; j++) {
      int y = sched_base(p, IR_IN(g, x)[j]), dup = 0;
      for (r = 0; r < j; r++) dup |= sched_base(p, IR_IN(g, x)[r]) == y;
      if (!dup && last[y] == k && p->slot[y].kind == ST_WS) alloc_give(&al[N(y)->batched], p->slot[y].off, ws_size(p, y));
    }
    if (last[x] == k && s->kind == ST_WS) alloc_give(&al[N(x)->batched], s->off, ws_size(p, x)); /* never used: dead */
  }
  /* after the chunk buffers: scratch for hn_mm_nn's panel copies, K x 64
   * elements (room for float's 8-wide vectors too) */
  p->ws_shared = round8(al[0].peak);
  ntp_regions(p);
  p->pack = round8(al[1].peak);
  p->ws_thread = p->pack;
  for (k = 0; k < p->norder; k++) {
    int x = p->order[k];
    if (N(x)->op == OP_MATMUL) {
      long need = 64L * N(IR_IN(g, x)[1])->shape.dim[0];
      if (p->pack + need > p->ws_thread) p->ws_thread = p->pack + need;
    }
  }
  p->ws_fixed = p->ws_shared + p->ws_thread;
  free(al[0].free), free(al[1].free);
}

/* The plan of a function whose nodes sched_dce marked. */
int sched_plan(Plan *p, int chunk) {
  Graph *g = p->g;
  int *pos = xmalloc(g->nnode * sizeof *pos), *last = xmalloc(g->nnode * sizeof *last);
  p->chunk = chunk;
  p->phase = xmalloc(g->nnode * sizeof *p->phase);
  p->slot = xmalloc(g->nnode * sizeof *p->slot);
  p->outcopy = xmalloc(p->f->nout * sizeof *p->outcopy);
  fill_phases(p, pos);
  fill_storage(p);
  fill_last_use(p, pos, last);
  allocate(p, last);
  free(pos), free(last);
  return 0;
}

/* The plan as text: nodes in emission order with phase and storage. */
void sched_print(const Plan *p, Text *t) {
  static const char *const kinds[] = {"-", "input", "param", "tensor", "ws", "ws (all samples)", "output", "view"};
  const Graph *g = p->g;
  int k;
  char sh[64];
  text_put(t, "# function %s: %d nodes, workspace %ld + %ld n shared, %ld a thread, chunks of %d\n", p->f->name,
           p->norder, p->ws_shared, p->ws_full, p->ws_thread, p->chunk);
  for (k = 0; k < p->norder; k++) {
    int x = p->order[k];
    const Slot *s = &p->slot[x];
    text_put(t, "phase %d  %%%-5d %-9s %-10s %s", p->phase[x], x, ir_opname[g->node[x].op], shape_str(&g->node[x].shape, sh),
             s->kind == ST_WS && g->node[x].batched ? "wt" : kinds[s->kind]); /* a chunk buffer: the thread's */
    if (s->kind == ST_WS || s->kind == ST_FULL || s->kind == ST_PARAM) text_put(t, " +%ld", s->off);
    if (p->ntpk[x] >= 0) text_put(t, " (b in panels at ws +%ld)", p->ntpk[x]);
    if (s->kind == ST_OUT) text_put(t, " %s", p->f->outname[s->index]);
    if (s->kind == ST_INPUT) text_put(t, " %s", p->f->in[s->index].name);
    text_put(t, "\n");
  }
}

void sched_free(Plan *p) {
  free(p->keep), free(p->order), free(p->phase), free(p->slot), free(p->outcopy), free(p->ntpk);
  memset(p, 0, sizeof *p);
}
