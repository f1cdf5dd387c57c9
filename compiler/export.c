/* Export: a trained model as one standalone C file with its parameters.
 *
 * requires a traced graph (front_load) with a function H(x), x = (q, p)
 * [2m] per sample -> a per-sample scalar. The model's `field` and
 * `jacobian` functions are used when it has them (as `hnnc simulate` uses
 * them, so the bits agree), else they are built from H with the derivative
 * transforms, as hn.field and hn.jacobian build them.
 *
 * NAME.c holds hnnc's kernels of H, the field and (implicit midpoint) its
 * Jacobian, made static; θ as an exact constant table; and the entry
 * points NAME_H, NAME_field (one state, n states) and NAME_step. The
 * integrators repeat runtime/integrate.c operation for operation, so a step
 * has the bits of `hnnc simulate` with the same integrator and step;
 * implicit midpoint runs a fixed number of Newton iterations from z = 0
 * (simulate --newton N does the same), so its cost and its bits are fixed.
 *
 * Separability is decided on the graph: the blocks ∂f_q/∂q and ∂f_p/∂p of
 * the field's Jacobian (for f = Ω∇H, the mixed block ∂²H/∂q∂p) are built
 * row by row with vjp and must fold to constant zeros. The test is exact
 * where it says yes; it may say no for a separable H written so that the
 * zeros do not fold (then implicit midpoint is used: correct, slower).
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

#define N(id) (&g->node[id])

const char *const export_integrator_name[4] = {"auto", "leapfrog", "implicit_midpoint", "rk4"};

enum { MAXDIM = 64 };    /* the runtime's RT_MAXDIM: simulate takes no larger state */
enum { CHUNK = 1 };      /* samples per chunk in the kernels: the smallest workspace */

/* ir_error while building derivatives unwinds here (no user input can
 * cause one: the shapes are checked first; this is a safety net). */
typedef struct Catch { jmp_buf jb; void (*throw_)(Graph *); void *ud; int loc; } Catch;
static _Noreturn void catch_throw(Graph *g) { longjmp(((Catch *)g->ud)->jb, 1); }
static void catch_on(Graph *g, Catch *c) {
  c->throw_ = g->throw_, c->ud = g->ud, c->loc = g->curloc;
  g->throw_ = catch_throw, g->ud = c;
}
static void uncatch(Graph *g, Catch *c) { g->throw_ = c->throw_, g->ud = c->ud, g->curloc = c->loc; }

/* ---- separability ---- */

/* Which elements of a derivative are zero: one flag per element and node,
 * propagated in id order (a topological order) by each op's structure:
 * constant zeros, products with a zero factor (0 * x = 0 for a finite x),
 * sums of zeros, and the index maps of the structural ops. No value is
 * computed and nothing cancels, so a zero found here is zero wherever the
 * model's values are finite. */

/* f(0) = 0: the zeros of x are zeros of f(x) */
static int keeps_zero(const Node *n) {
  switch (n->op) {
  case OP_NEG: case OP_SQUARE: case OP_ABS: case OP_SIGN: case OP_RELU: case OP_STEP: case OP_TANH: case OP_SIN:
  case OP_SQRT: return 1;
  case OP_POWI: return n->a[0] > 0;
  }
  return 0;
}

/* outer x len x inner around axis */
static void around(const Shape *s, int axis, long *outer, long *len, long *inner) {
  int i;
  *outer = *inner = 1;
  for (i = 0; i < axis; i++) *outer *= s->dim[i];
  *len = s->dim[axis];
  for (i = axis + 1; i < s->rank; i++) *inner *= s->dim[i];
}

/* y[o, start + l, k] of the larger shape is x[o, l, k] of the smaller (pad),
 * or the reverse (slice); concat places each piece at its offset */
static void mask_linear(Graph *g, int x, char **z, char *y) {
  Node *n = N(x);
  const int *in = IR_IN(g, x);
  const char *a = z[in[0]];
  long S = shape_size(&n->shape), o, l, k, O, L, K, i, j, off = 0;
  int q;
  switch (n->op) {
  case OP_RESHAPE: case OP_BSUM: case OP_BCAST: memcpy(y, a, S); return;
  case OP_TRANSPOSE:
    for (i = 0; i < n->shape.dim[1]; i++)
      for (j = 0; j < n->shape.dim[0]; j++) y[j * n->shape.dim[1] + i] = a[i * n->shape.dim[0] + j];
    return;
  case OP_SUM:
    around(&N(in[0])->shape, n->a[0], &O, &L, &K);
    for (o = 0; o < O; o++)
      for (k = 0; k < K; k++) {
        y[o * K + k] = 1;
        for (l = 0; l < L; l++) y[o * K + k] &= a[(o * L + l) * K + k];
      }
    return;
  case OP_EXPAND:
    around(&n->shape, n->a[0], &O, &L, &K);
    for (o = 0; o < O; o++)
      for (l = 0; l < L; l++)
        for (k = 0; k < K; k++) y[(o * L + l) * K + k] = a[o * K + k];
    return;
  case OP_SLICE: case OP_PAD: {
    int sl = n->op == OP_SLICE;
    long len = sl ? n->a[2] : N(in[0])->shape.dim[n->a[0]];
    around(sl ? &N(in[0])->shape : &n->shape, n->a[0], &O, &L, &K);
    if (!sl) memset(y, 1, S);
    for (o = 0; o < O; o++)
      for (l = 0; l < len; l++)
        for (k = 0; k < K; k++) {
          long big = (o * L + n->a[1] + l) * K + k, small = (o * len + l) * K + k;
          if (sl) y[small] = a[big];
          else y[big] = a[small];
        }
    return;
  }
  case OP_CONCAT:
    around(&n->shape, n->a[0], &O, &L, &K);
    for (q = 0; q < n->nin; q++) {
      long len = N(in[q])->shape.dim[n->a[0]];
      for (o = 0; o < O; o++)
        for (l = 0; l < len; l++)
          for (k = 0; k < K; k++) y[(o * L + off + l) * K + k] = z[in[q]][(o * len + l) * K + k];
      off += len;
    }
    return;
  }
  memset(y, 0, S); /* not known to be zero */
}

/* y[i, j] = sum over p of op(A)[i, p] op(B)[p, j]: zero when every term has
 * a zero factor */
static void mask_matmul(Graph *g, int x, char **z, char *y) {
  Node *n = N(x);
  int A = IR_IN(g, x)[0], B = IR_IN(g, x)[1], ta = n->a[0], tb = n->a[1];
  int ca = N(A)->shape.dim[1], cb = N(B)->shape.dim[1], r = n->shape.dim[0], m = n->shape.dim[1];
  int K = ta ? N(A)->shape.dim[0] : ca, i, j, p;
  for (i = 0; i < r; i++)
    for (j = 0; j < m; j++) {
      char zero = 1;
      for (p = 0; p < K && zero; p++)
        zero = z[A][ta ? (long)p * ca + i : (long)i * ca + p] || z[B][tb ? (long)j * cb + p : (long)p * cb + j];
      y[(long)i * m + j] = zero;
    }
}

static void mask_node(Graph *g, int x, char **z, char *y) {
  Node *n = N(x);
  const int *in = IR_IN(g, x);
  long S = shape_size(&n->shape), i;
  int kind = ir_opkind[n->op];
  if (kind == KIND_EW1 || kind == KIND_EW2) { /* operands of size 1 broadcast */
    const char *a = z[in[0]], *b = n->nin > 1 ? z[in[1]] : NULL;
    long sa = shape_size(&N(in[0])->shape), sb = b ? shape_size(&N(in[1])->shape) : 0;
    for (i = 0; i < S; i++) {
      char za = a[sa == 1 ? 0 : i], zb = b ? b[sb == 1 ? 0 : i] : 0;
      switch (n->op) {
      case OP_ADD: case OP_SUB: y[i] = za && zb; break;
      case OP_MUL: y[i] = za || zb; break;
      case OP_DIV: y[i] = za; break;
      default: y[i] = za && keeps_zero(n);
      }
    }
  } else if (kind == KIND_MM) mask_matmul(g, x, z, y);
  else if (kind == KIND_SOLVE) memset(y, 0, S); /* no entry known to be zero */
  else if (n->op == OP_CONST) memset(y, n->value == 0, S);
  else if (n->op == OP_TENSOR)
    for (i = 0; i < S; i++) y[i] = g->cdata[n->data + i] == 0;
  else if (kind == KIND_LEAF) memset(y, 0, S);
  else mask_linear(g, x, z, y);
}

/* 1 when every element of root is zero */
static int all_zero(Graph *g, int root) {
  char *keep = xmalloc(g->nnode), **z = xmalloc(g->nnode * sizeof *z);
  long S = shape_size(&N(root)->shape), i;
  int x, r = 1;
  ir_reach(g, &root, 1, keep);
  for (x = 0; x <= root; x++)
    if (keep[x]) {
      z[x] = xmalloc(shape_size(&N(x)->shape) + 1);
      mask_node(g, x, z, z[x]);
    }
  for (i = 0; i < S; i++) r &= z[root][i];
  for (x = 0; x <= root; x++) free(z[x]);
  free(z), free(keep);
  return r;
}

/* f = y(x), x = (q, p): the q-half of f must not depend on q, the p-half
 * not on p. One vjp a half, with a seed of ones: the sum of the half's rows
 * of the Jacobian, zero exactly where each row is (nothing cancels). */
static int separable(Graph *g, int y, int x) {
  int m = N(x)->shape.dim[0] / 2, h;
  Shape half = shape_make(1, &m);
  for (h = 0; h < 2; h++) {
    int adj;
    ad_vjp(g, ir_slice(g, y, 0, h * m, m), ir_const(g, 1.0, half, 0), &x, 1, &adj);
    if (!all_zero(g, ir_slice(g, adj, 0, h * m, m))) return 0;
  }
  return 1;
}

/* fi maps a per-sample x [2m] to a per-sample [2m] */
static int is_field(Graph *g, int fi) {
  Func *f = &g->func[fi];
  int x, y;
  if (f->nin != 1 || f->nout < 1) return 0;
  x = f->in[0].node, y = f->out[0];
  return N(x)->shape.rank == 1 && N(x)->shape.dim[0] % 2 == 0 && shape_equal(&N(x)->shape, &N(y)->shape) &&
         N(y)->batched;
}

int export_separable(Graph *g, int fi) {
  Catch c;
  int r;
  if (fi < 0 || fi >= g->nfunc || !is_field(g, fi)) return -1;
  catch_on(g, &c);
  if (setjmp(c.jb)) {
    uncatch(g, &c);
    return 0; /* not provably separable */
  }
  g->curloc = g->func[fi].loc;
  r = separable(g, g->func[fi].out[0], g->func[fi].in[0].node);
  uncatch(g, &c);
  return r;
}

/* ---- the functions to export ---- */

static int find(Graph *g, const char *name) {
  int i;
  for (i = 0; i < g->nfunc; i++)
    if (!strcmp(g->func[i].name, name)) return i;
  return -1;
}

/* Ω∇H, as hn.field builds it */
static int field_from_H(Graph *g, int H, int x) {
  int grad, parts[2], m = N(x)->shape.dim[0] / 2;
  ad_vjp(g, H, ir_scalar(g, 1.0), &x, 1, &grad);
  parts[0] = ir_slice(g, grad, 0, m, m);
  parts[1] = ir_unary(g, OP_NEG, ir_slice(g, grad, 0, 0, m));
  return ir_concat(g, parts, 2, 0);
}

/* ∂y/∂x [d, d], as hn.jacobian builds it: rows by vjp with unit seeds */
static int jacobian(Graph *g, int y, int x) {
  int d = N(x)->shape.dim[0], i, j, J, *rows = xmalloc(d * sizeof *rows);
  double *e = xmalloc(d * sizeof *e);
  Shape row = shape_make(2, (int[]){1, d}), square = shape_make(2, (int[]){d, d});
  for (i = 0; i < d; i++) {
    int r;
    for (j = 0; j < d; j++) e[j] = i == j;
    ad_vjp(g, y, ir_reshape(g, ir_tensor(g, e, N(y)->shape), N(y)->shape), &x, 1, &r);
    rows[i] = ir_reshape(g, r, row);
  }
  J = ir_reshape(g, ir_concat(g, rows, d, 0), square);
  free(rows), free(e);
  return J;
}

typedef struct Ex {
  Graph *g;
  const ExportOptions *o;
  Export *ex;
  const char *name, *T, *suf; /* prefix, element type, literal suffix */
  int d, x;                   /* state size; H's input node */
  int H, field, fx, jac;      /* output and input nodes (0: none) */
  int fw, fwx, iv, ivx;       /* the flow's forward and inverse (0: none) */
  int kH, kF, kJ, kfw, kiv;   /* their indices in fn[] (-1: none) */
  int nfn;
  Func fn[5];                 /* k_H, k_field, k_jacobian, k_forward, k_inverse */
  Input in[5];
  int out[5];
  char *outname[5];
  Plan plan[5];
} Ex;

static int fail(Ex *e, char *err, size_t nerr, const char *msg) {
  snprintf(err, nerr, "%s: error: %s", e->o->source, msg);
  return 1;
}

/* fi maps a per-sample x [d] to a per-sample [d] (d = 0: any even d) */
static int is_map(Graph *g, int fi, int d) {
  Func *f = &g->func[fi];
  Node *x, *y;
  if (f->nin != 1 || f->nout < 1) return 0;
  x = &g->node[f->in[0].node], y = &g->node[f->out[0]];
  return x->shape.rank == 1 && x->shape.dim[0] % 2 == 0 && x->shape.dim[0] <= MAXDIM && (!d || x->shape.dim[0] == d) &&
         shape_size(&y->shape) == x->shape.dim[0] && y->batched;
}

/* A flow (flow.declare): its forward and inverse maps. */
static int choose_flow(Ex *e, char *err, size_t nerr) {
  Graph *g = e->g;
  int fw = find(g, "forward"), iv = find(g, "inverse");
  if (fw < 0 && iv < 0) return 0;
  if (fw < 0 || iv < 0 || !is_map(g, fw, e->d) || !is_map(g, iv, g->node[g->func[fw].in[0].node].shape.dim[0]))
    return fail(e, err, nerr, "the flow's 'forward' and 'inverse' must map a per-sample x [2n] to [2n] (flow.declare), "
                              "of the size of H's state when there is an H");
  e->fw = g->func[fw].out[0], e->fwx = g->func[fw].in[0].node;
  e->iv = g->func[iv].out[0], e->ivx = g->func[iv].in[0].node;
  if (!e->d) e->d = N(e->fwx)->shape.dim[0];
  e->ex->has_flow = 1;
  return 0;
}

/* H, the field, separability, the integrator, the Jacobian; then a flow. */
static int choose(Ex *e, char *err, size_t nerr) {
  Graph *g = e->g;
  int fh = find(g, "H"), ff = find(g, "field"), sep;
  Func *f;
  if (fh < 0) {
    if (choose_flow(e, err, nerr)) return 1;
    if (!e->ex->has_flow)
      return fail(e, err, nerr, "the model has neither a Hamiltonian nor a flow to export: add hn.fn(\"H\", {x = d}, H), "
                                "or flow.declare(T)");
    if (e->o->integrator != EXPORT_AUTO) return fail(e, err, nerr, "the model has a flow but no H: nothing to integrate");
    return 0;
  }
  f = &g->func[fh];
  e->x = f->in[0].node, e->H = f->out[0];
  if (f->nin != 1 || N(e->x)->shape.rank != 1 || N(e->x)->shape.dim[0] % 2 || N(e->x)->shape.dim[0] > MAXDIM ||
      shape_size(&N(e->H)->shape) != 1 || !N(e->H)->batched)
    return fail(e, err, nerr, "H must map a per-sample state x = (q, p) of even size (at most 64) to a per-sample scalar");
  e->d = N(e->x)->shape.dim[0];
  e->ex->has_H = 1;
  g->curloc = f->loc;
  if (N(e->H)->shape.rank) e->H = ir_reshape(g, e->H, shape_make(0, NULL));
  if (ff >= 0) {
    if (!is_map(g, ff, e->d))
      return fail(e, err, nerr, "the model's 'field' must map the state x [d] of H to a per-sample [d]");
    e->field = g->func[ff].out[0], e->fx = g->func[ff].in[0].node;
  } else
    e->field = field_from_H(g, e->H, e->x), e->fx = e->x;
  sep = e->ex->separable = separable(g, e->field, e->fx);
  e->ex->integrator = e->o->integrator == EXPORT_AUTO ? (sep ? EXPORT_LEAPFROG : EXPORT_MIDPOINT) : e->o->integrator;
  if (e->ex->integrator == EXPORT_LEAPFROG && !sep)
    return fail(e, err, nerr,
                "leapfrog needs a separable H(q, p) = T(p) + V(q), and this model's mixed derivative d2H/dqdp is not "
                "zero: use --integrator implicit_midpoint (symplectic for any H) or rk4");
  /* always built here, as hn.jacobian builds it: a model's `jacobian` may
   * be another map's (flow.declare's is the flow's) */
  if (e->ex->integrator == EXPORT_MIDPOINT) e->jac = jacobian(g, e->field, e->fx);
  return choose_flow(e, err, nerr);
}

static void add_fn(Ex *e, const char *name, int y, int x, int loc) {
  int k = e->nfn++;
  Func *f = &e->fn[k];
  memset(f, 0, sizeof *f);
  f->name = (char *)name;
  f->nin = 1, f->nout = 1;
  e->in[k].name = "x", e->in[k].shape = e->g->node[x].shape, e->in[k].node = x;
  e->out[k] = y;
  e->outname[k] = "y";
  f->in = &e->in[k], f->out = &e->out[k], f->outname = &e->outname[k];
  f->loc = loc;
}

/* The kernels, static, from the graph with only the exported functions. */
static void emit_kernels(Ex *e, Text *c) {
  Graph *g = e->g;
  Func *func = g->func;
  int nfunc = g->nfunc, i;
  char *name = g->name;
  EmitOptions eo;
  Text h = {0};
  e->kH = e->kF = e->kJ = e->kfw = e->kiv = -1;
  if (e->ex->has_H) {
    e->kH = e->nfn, add_fn(e, "k_H", e->H, e->x, -1);
    e->kF = e->nfn, add_fn(e, "k_field", e->field, e->fx, -1);
    if (e->jac) e->kJ = e->nfn, add_fn(e, "k_jacobian", e->jac, e->fx, -1);
  }
  if (e->ex->has_flow) {
    e->kfw = e->nfn, add_fn(e, "k_forward", e->fw, e->fwx, -1);
    e->kiv = e->nfn, add_fn(e, "k_inverse", e->iv, e->ivx, -1);
  }
  memset(&eo, 0, sizeof eo);
  eo.chunk = CHUNK, eo.source = e->o->source, eo.internal = 1;
  g->func = e->fn, g->nfunc = e->nfn, g->name = (char *)e->name;
  for (i = 0; i < e->nfn; i++) /* no NT panels: the workspace is on the stack */
    sched_dce(&e->plan[i], g, i), e->plan[i].no_panels = 1, sched_plan(&e->plan[i], CHUNK);
  emit_model(g, &eo, e->plan, c, &h);
  g->func = func, g->nfunc = nfunc, g->name = name;
  text_free(&h);
  for (i = 0; i < e->nfn; i++) e->plan[i].f = NULL; /* pointed into e->fn */
}

/* ---- the text ---- */

static void literal(Ex *e, double v, char *buf, size_t n) {
  if (e->g->is_float) snprintf(buf, n, "%af", (double)(float)v);
  else snprintf(buf, n, "%a", v);
}

static void table(Ex *e, Text *c) {
  Graph *g = e->g;
  long k, P = g->nparams_total;
  int i;
  char sh[64], lit[64];
  text_put(c, "/* ---- the parameters θ: %ld values, exact (hexadecimal constants) ----\n", P);
  text_put(c, " * %s\n", e->o->origin ? e->o->origin : "origin not recorded");
  for (i = 0; i < g->nparam; i++)
    text_put(c, " *   %-16s %-12s at %ld\n", g->param[i].name, shape_str(&g->param[i].shape, sh), g->param[i].offset);
  text_put(c, " */\nstatic const hn_real hx_theta[%ld] = {", P ? P : 1);
  for (k = 0; k < P; k++) {
    literal(e, e->o->theta[k], lit, sizeof lit);
    text_put(c, "%s%s%s", k % 6 ? " " : "\n  ", lit, k + 1 < P ? "," : "");
  }
  text_put(c, P ? "\n};\n\n" : "0};\n\n");
}

/* the entry points' declarations: the same text in NAME.h and NAME.c */
static void api(Ex *e, Text *t) {
  const char *n = e->name, *T = e->T;
  static const char *what[4] = {"", "leapfrog (Stormer-Verlet, kick-drift-kick: H is separable)",
                                "the implicit midpoint rule (fixed Newton iterations)", "classic 4th-order Runge-Kutta"};
  if (e->ex->has_H) {
    text_put(t, "/* H(x) at one state x[%d] = (q, p) */\n%s %s_H(const %s *x);\n", e->d, T, n, T);
    text_put(t, "/* H at n states: x holds n rows of %d values; H gets n values */\n", e->d);
    text_put(t, "void %s_H_n(long n, const %s *x, %s *H);\n", n, T, T);
    text_put(t, "/* the vector field xdot = (dH/dp, -dH/dq) at one state, and at n states */\n");
    text_put(t, "void %s_field(const %s *x, %s *xdot);\n", n, T, T);
    text_put(t, "void %s_field_n(long n, const %s *x, %s *xdot);\n", n, T, T);
    text_put(t, "/* n_steps steps of size h of %s, in place.\n", what[e->ex->integrator]);
    text_put(t, "   Returns 0, or 1 when a state became NaN or infinite%s; x then holds\n",
             e->ex->integrator == EXPORT_MIDPOINT ? " (or a Newton matrix singular)" : "");
    text_put(t, "   the last finite state. Calls compose: two calls of a and b steps give\n");
    text_put(t, "   the bits of one call of a + b steps. */\n");
    text_put(t, "int %s_step(%s *x, %s h, long n_steps);\n", n, T, T);
  }
  if (e->ex->has_flow) {
    text_put(t, "/* the flow T (a canonical map): y = T(x), from the latent (Q, P) to (q, p),\n");
    text_put(t, "   and x = T^-1(y); at one point x[%d], and at n points (rows) */\n", e->d);
    text_put(t, "void %s_forward(const %s *x, %s *y);\n", n, T, T);
    text_put(t, "void %s_forward_n(long n, const %s *x, %s *y);\n", n, T, T);
    text_put(t, "void %s_inverse(const %s *y, %s *x);\n", n, T, T);
    text_put(t, "void %s_inverse_n(long n, const %s *y, %s *x);\n", n, T, T);
  }
}

/* One kernel as a function of one state, and of n states in blocks that
 * fit a fixed workspace on the stack (results do not depend on the block). */
static long wrappers(Ex *e, Text *c, int k, const char *fn) {
  Plan *p = &e->plan[k];
  long block = p->ws_full ? 8 : 4096, ws1 = p->ws_fixed + p->ws_full + 1, wsb = p->ws_fixed + p->ws_full * block + 1;
  long es = e->g->is_float ? 4 : 8;
  if (es * wsb > e->ex->stack_bytes) e->ex->stack_bytes = es * wsb;
  text_put(c, "static void hx_%s(const hn_real *x, hn_real *y)\n{\n", fn);
  text_put(c, "  hn_real ws[%ld]; /* %ld bytes of workspace */\n", ws1, ws1 * (long)es);
  text_put(c, "  %s_%s(1, hx_theta, x, y, ws);\n}\n", e->name, e->fn[k].name);
  if (!strcmp(fn, "jacobian")) return es * ws1;
  text_put(c, "static void hx_%s_n(long n, const hn_real *x, hn_real *y)\n{\n", fn);
  text_put(c, "  hn_real ws[%ld];\n  long s;\n", wsb);
  text_put(c, "  for (s = 0; s < n; s += %ld) {\n", block);
  text_put(c, "    int nb = (int)(n - s < %ld ? n - s : %ld);\n", block, block);
  text_put(c, "    %s_%s(nb, hx_theta, x + s * %d, y + s * %ld, ws);\n  }\n}\n", e->name, e->fn[k].name, e->d,
           shape_size(&e->g->node[e->out[k]].shape));
  return es * ws1;
}

/* The integrators of runtime/integrate.c, operation for operation, on
 * hn_real, with hx_dim, hx_half, hx_newton, hx_field, hx_jacobian. */
static const char finite_text[] =
    "/* x - x is 0 for a finite x, NaN for Inf and NaN (no libm: no isfinite) */\n"
    "static int hx_finite(const hn_real *x)\n{\n"
    "  for (int i = 0; i < hx_dim; i++)\n"
    "    if (!(x[i] - x[i] == 0)) return 0;\n"
    "  return 1;\n}\n\n";

static const char leapfrog_text[] =
    "/* Leapfrog, kick-drift-kick: p += h/2 f_p(q); q += h f_q(p); p += h/2 f_p(q).\n"
    " * The last kick's force is the next step's first: the p-half of the field\n"
    " * reads q alone (the separability hnnc checked), so it stays valid. */\n"
    "static int hx_step(hn_real *x, hn_real h, long n_steps)\n{\n"
    "  hn_real f[hx_dim], fd[hx_dim], last[hx_dim];\n"
    "  if (n_steps <= 0) return 0;\n"
    "  hx_field(x, f);\n"
    "  for (long k = 0; k < n_steps; k++) {\n"
    "    for (int i = 0; i < hx_dim; i++) last[i] = x[i];\n"
    "    for (int i = 0; i < hx_half; i++) x[hx_half + i] = x[hx_half + i] + ((hn_real)0.5 * h) * f[hx_half + i];\n"
    "    hx_field(x, fd);\n"
    "    for (int i = 0; i < hx_half; i++) x[i] = x[i] + h * fd[i];\n"
    "    hx_field(x, f);\n"
    "    for (int i = 0; i < hx_half; i++) x[hx_half + i] = x[hx_half + i] + ((hn_real)0.5 * h) * f[hx_half + i];\n"
    "    if (!hx_finite(x)) {\n"
    "      for (int i = 0; i < hx_dim; i++) x[i] = last[i];\n"
    "      return 1;\n"
    "    }\n"
    "  }\n"
    "  return 0;\n}\n";

static const char rk4_text[] =
    "/* k1 = f(x), k2 = f(x + h/2 k1), k3 = f(x + h/2 k2), k4 = f(x + h k3),\n"
    " * x += h/6 (k1 + 2 k2 + 2 k3 + k4) */\n"
    "static int hx_step(hn_real *x, hn_real h, long n_steps)\n{\n"
    "  hn_real k1[hx_dim], k2[hx_dim], k3[hx_dim], k4[hx_dim], arg[hx_dim], last[hx_dim];\n"
    "  hn_real half = (hn_real)0.5 * h, sixth = h / 6;\n"
    "  for (long k = 0; k < n_steps; k++) {\n"
    "    for (int i = 0; i < hx_dim; i++) last[i] = x[i];\n"
    "    hx_field(x, k1);\n"
    "    for (int i = 0; i < hx_dim; i++) arg[i] = x[i] + half * k1[i];\n"
    "    hx_field(arg, k2);\n"
    "    for (int i = 0; i < hx_dim; i++) arg[i] = x[i] + half * k2[i];\n"
    "    hx_field(arg, k3);\n"
    "    for (int i = 0; i < hx_dim; i++) arg[i] = x[i] + h * k3[i];\n"
    "    hx_field(arg, k4);\n"
    "    for (int i = 0; i < hx_dim; i++) x[i] = x[i] + sixth * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);\n"
    "    if (!hx_finite(x)) {\n"
    "      for (int i = 0; i < hx_dim; i++) x[i] = last[i];\n"
    "      return 1;\n"
    "    }\n"
    "  }\n"
    "  return 0;\n}\n";

static const char midpoint_text[] =
    "static hn_real hx_abs(hn_real x) { return x < 0 ? -x : x; }\n\n"
    "/* Solves M y = b in place (b becomes y) by Gaussian elimination with partial\n"
    " * pivoting (the first row with the largest |pivot|); 1 if M is singular. */\n"
    "static int hx_solve(hn_real *M, hn_real *b)\n{\n"
    "  for (int c = 0; c < hx_dim; c++) {\n"
    "    int piv = c;\n"
    "    for (int r = c + 1; r < hx_dim; r++)\n"
    "      if (hx_abs(M[r * hx_dim + c]) > hx_abs(M[piv * hx_dim + c])) piv = r;\n"
    "    if (!(hx_abs(M[piv * hx_dim + c]) > 0) || !(M[piv * hx_dim + c] - M[piv * hx_dim + c] == 0)) return 1;\n"
    "    if (piv != c) {\n"
    "      for (int j = 0; j < hx_dim; j++) {\n"
    "        hn_real t = M[c * hx_dim + j];\n"
    "        M[c * hx_dim + j] = M[piv * hx_dim + j];\n"
    "        M[piv * hx_dim + j] = t;\n"
    "      }\n"
    "      hn_real t = b[c];\n"
    "      b[c] = b[piv];\n"
    "      b[piv] = t;\n"
    "    }\n"
    "    for (int r = c + 1; r < hx_dim; r++) {\n"
    "      hn_real l = M[r * hx_dim + c] / M[c * hx_dim + c];\n"
    "      for (int j = c + 1; j < hx_dim; j++) M[r * hx_dim + j] -= l * M[c * hx_dim + j];\n"
    "      b[r] -= l * b[c];\n"
    "    }\n"
    "  }\n"
    "  for (int i = hx_dim - 1; i >= 0; i--) {\n"
    "    hn_real sum = b[i];\n"
    "    for (int j = i + 1; j < hx_dim; j++) sum -= M[i * hx_dim + j] * b[j];\n"
    "    b[i] = sum / M[i * hx_dim + i];\n"
    "  }\n"
    "  return 0;\n}\n\n"
    "/* Implicit midpoint, x1 = x0 + h f((x0 + x1)/2): solves z = (h/2) f(x0 + z)\n"
    " * by hx_newton Newton iterations from z = 0 on (I - (h/2) J) d = (h/2) f - z,\n"
    " * J the compiled Jacobian of the field; then x += 2 z. */\n"
    "static int hx_step(hn_real *x, hn_real h, long n_steps)\n{\n"
    "  hn_real z[hx_dim], xm[hx_dim], fm[hx_dim], d[hx_dim], M[hx_dim * hx_dim], last[hx_dim];\n"
    "  hn_real hh = (hn_real)0.5 * h;\n"
    "  for (long k = 0; k < n_steps; k++) {\n"
    "    for (int i = 0; i < hx_dim; i++) last[i] = x[i], z[i] = 0;\n"
    "    for (int it = 0; it < hx_newton; it++) {\n"
    "      for (int i = 0; i < hx_dim; i++) xm[i] = x[i] + z[i];\n"
    "      hx_field(xm, fm);\n"
    "      hx_jacobian(xm, M);\n"
    "      for (int i = 0; i < hx_dim; i++) {\n"
    "        for (int j = 0; j < hx_dim; j++) M[i * hx_dim + j] = (i == j ? (hn_real)1 : (hn_real)0) - hh * M[i * hx_dim + j];\n"
    "        d[i] = hh * fm[i] - z[i];\n"
    "      }\n"
    "      if (hx_solve(M, d)) {\n"
    "        for (int i = 0; i < hx_dim; i++) x[i] = last[i];\n"
    "        return 1;\n"
    "      }\n"
    "      for (int i = 0; i < hx_dim; i++) z[i] = z[i] + d[i];\n"
    "    }\n"
    "    for (int i = 0; i < hx_dim; i++) x[i] = x[i] + 2 * z[i];\n"
    "    if (!hx_finite(x)) {\n"
    "      for (int i = 0; i < hx_dim; i++) x[i] = last[i];\n"
    "      return 1;\n"
    "    }\n"
    "  }\n"
    "  return 0;\n}\n";

/* wrappers, the integrator and the entry points */
static void glue(Ex *e, Text *c) {
  const char *n = e->name, *T = e->T;
  long es = e->g->is_float ? 4 : 8, d = e->d, callee, own;
  int it = e->ex->integrator;
  text_put(c, "/* ---- the entry points ---- */\n\n");
  text_put(c, "enum { hx_dim = %d, hx_half = %d, hx_newton = %d };\n\n", e->d, e->d / 2, e->o->newton > 0 ? e->o->newton : 4);
  if (e->ex->has_flow) {
    wrappers(e, c, e->kfw, "forward");
    wrappers(e, c, e->kiv, "inverse");
  }
  if (e->ex->has_H) {
    wrappers(e, c, e->kH, "H");
    callee = wrappers(e, c, e->kF, "field");
    if (e->kJ >= 0) {
      long wj = wrappers(e, c, e->kJ, "jacobian");
      if (wj > callee) callee = wj;
    }
    own = es * (it == EXPORT_LEAPFROG ? 3 * d : it == EXPORT_RK4 ? 6 * d : 5 * d + d * d); /* the step's arrays */
    if (own + callee > e->ex->stack_bytes) e->ex->stack_bytes = own + callee;
    text_put(c, "\n%s", finite_text);
    text_put(c, "%s\n", it == EXPORT_LEAPFROG ? leapfrog_text : it == EXPORT_RK4 ? rk4_text : midpoint_text);
  }
  api(e, c);
  text_put(c, "\n");
  if (e->ex->has_H) {
    text_put(c, "%s %s_H(const %s *x)\n{\n  %s H;\n  hx_H(x, &H);\n  return H;\n}\n", T, n, T, T);
    text_put(c, "void %s_H_n(long n, const %s *x, %s *H) { hx_H_n(n, x, H); }\n", n, T, T);
    text_put(c, "void %s_field(const %s *x, %s *xdot) { hx_field(x, xdot); }\n", n, T, T);
    text_put(c, "void %s_field_n(long n, const %s *x, %s *xdot) { hx_field_n(n, x, xdot); }\n", n, T, T);
    text_put(c, "int %s_step(%s *x, %s h, long n_steps) { return hx_step(x, h, n_steps); }\n", n, T, T);
  }
  if (e->ex->has_flow) {
    text_put(c, "void %s_forward(const %s *x, %s *y) { hx_forward(x, y); }\n", n, T, T);
    text_put(c, "void %s_forward_n(long n, const %s *x, %s *y) { hx_forward_n(n, x, y); }\n", n, T, T);
    text_put(c, "void %s_inverse(const %s *y, %s *x) { hx_inverse(y, x); }\n", n, T, T);
    text_put(c, "void %s_inverse_n(long n, const %s *y, %s *x) { hx_inverse_n(n, y, x); }\n", n, T, T);
  }
}

static void upper(const char *s, char *out, size_t n) {
  size_t i;
  for (i = 0; s[i] && i + 1 < n; i++) out[i] = s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i];
  out[i] = 0;
}

static void header(Ex *e, Text *h) {
  Graph *g = e->g;
  char M[256];
  int it = e->ex->integrator;
  upper(e->name, M, sizeof M);
  text_put(h, "/* %s.h: the model %s with its parameters, exported by hnnc. Do not edit.\n *\n", e->name, e->o->source);
  text_put(h, " * Parameters: %s.\n", e->o->origin ? e->o->origin : "origin not recorded");
  if (e->ex->has_H) {
    text_put(h, " * %s_step: %s", e->name,
             it == EXPORT_LEAPFROG ? "leapfrog (H is separable: hnnc found d2H/dqdp = 0 in its graph)"
             : it == EXPORT_RK4    ? "classic RK4 (not symplectic)"
                                   : "implicit midpoint (symplectic for any H)");
    if (it == EXPORT_MIDPOINT)
      text_put(h, ",\n *   %d Newton iterations a step from z = 0 on the compiled Jacobian: fixed cost,\n"
                  " *   fixed bits (those of `hnnc simulate --integrator implicit_midpoint --newton %d`\n"
                  " *   when the model has a `jacobian` function)",
               e->o->newton > 0 ? e->o->newton : 4, e->o->newton > 0 ? e->o->newton : 4);
    text_put(h, ".\n");
  }
  if (e->ex->has_flow) text_put(h, " * %s_forward, %s_inverse: the model's flow (flow.declare) and its inverse.\n", e->name, e->name);
  text_put(h, " *\n");
  text_put(h, " * %s.c is standalone C99: no includes, no libm, no allocation, no mutable\n", e->name);
  text_put(h, " * globals (calls may run in parallel); its arrays live on the stack\n");
  text_put(h, " * (%s_STACK_BYTES at most, call frames aside). Its results have the\n", M);
  text_put(h, " * same bits on every compiler and platform when it is built\n");
  text_put(h, " *   - with -ffp-contract=off: otherwise gcc (GNU modes) and clang may fuse\n");
  text_put(h, " *     a*b + c into one fused multiply-add, which rounds once instead of\n");
  text_put(h, " *     twice: other bits wherever the target has FMA (gcc's -std=c99 turns it\n");
  text_put(h, " *     off too; tcc never fuses);\n");
  text_put(h, " *   - without -ffast-math, -Ofast or -funsafe-math-optimizations: they\n");
  text_put(h, " *     reorder sums, drop NaN and Inf checks and flush subnormals to zero;\n");
  text_put(h, " *   - with IEEE double and float arithmetic without excess precision\n");
  text_put(h, " *     (x86-32: -msse2 -mfpmath=sse).\n");
  if (e->g->fma) /* the default build: the products' explicit fma (prelude/kernels.c) */
    text_put(h, " * Its matrix products use fused multiply-adds (hn.model{fma = false} or\n"
                " * hnnc export --no-fma for separate ones): the hardware's where the target\n"
                " * has FMA (-mfma, -march=native), else a correctly rounded software fma,\n"
                " * the same bits but several times slower products.\n");
  text_put(h, " * For example: gcc -std=c99 -O2 -ffp-contract=off -c %s.c%s */\n", e->name,
           e->g->fma ? "\n *   (with -march=native for the hardware's FMA)" : "");
  text_put(h, "#ifndef %s_H\n#define %s_H\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n", M, M);
  text_put(h, "typedef %s %s_real;\n", e->T, e->name);
  text_put(h, "#define %s_DIM %d /* the state x = (q, p): q is x[0..%d], p is x[%d..%d] */\n", M, e->d, e->d / 2 - 1,
           e->d / 2, e->d - 1);
  text_put(h, "#define %s_NPARAMS %ld\n", M, g->nparams_total);
  text_put(h, "#define %s_STACK_BYTES %ld\n\n", M, e->ex->stack_bytes);
  api(e, h);
  text_put(h, "\n#ifdef __cplusplus\n}\n#endif\n#endif\n");
}

/* a flow without H: forward and back from x0, the round trip's error */
static void example_flow(Ex *e, Text *t, const char *M) {
  const char *n = e->name;
  char lit[64];
  int i;
  text_put(t, "/* example.c: y = %s_forward(x0) and %s_inverse(y) - x0, as exact hexadecimal\n", n, n);
  text_put(t, " * floats. Build: see Makefile. */\n#include <stdio.h>\n\n#include \"%s.h\"\n\nint main(void)\n{\n", n);
  text_put(t, "  %s_real x[%s_DIM] = {", n, M);
  for (i = 0; i < e->d; i++) {
    literal(e, e->o->x0[i], lit, sizeof lit);
    text_put(t, "%s%s", i ? ", " : "", lit);
  }
  text_put(t, "}, y[%s_DIM], z[%s_DIM];\n  %s_forward(x, y);\n  %s_inverse(y, z);\n", M, M, n, n);
  text_put(t, "  for (int i = 0; i < %s_DIM; i++) printf(\"%%s%%a\", i ? \" \" : \"forward \", (double)y[i]);\n", M);
  text_put(t, "  for (int i = 0; i < %s_DIM; i++) printf(\"%%s%%a\", i ? \" \" : \"\\nround trip error \", "
              "(double)(z[i] - x[i]));\n", M);
  text_put(t, "  printf(\"\\n\");\n  return 0;\n}\n");
}

static void example(Ex *e, Text *t) {
  const char *n = e->name;
  char M[256], lit[64];
  int i;
  upper(e->name, M, sizeof M);
  if (!e->ex->has_H) {
    example_flow(e, t, M);
    return;
  }
  text_put(t, "/* example.c: %s_step from a fixed x0, 10 000 steps of h = %a (%.17g);\n", n, e->o->h, e->o->h);
  text_put(t, " * prints every 1 000 steps: the step, the state and the energy drift\n");
  text_put(t, " * H(x) - H(x0), as exact hexadecimal floats. Build: see Makefile.\n");
  text_put(t, " * (-DEVERY=K prints every K steps, 10 K in all.) */\n");
  text_put(t, "#include <stdio.h>\n\n#include \"%s.h\"\n\n#ifndef EVERY\n#define EVERY 1000\n#endif\n\n", n);
  text_put(t, "int main(void)\n{\n");
  text_put(t, "  %s_real x[%s_DIM] = {", n, M);
  for (i = 0; i < e->d; i++) {
    literal(e, e->o->x0[i], lit, sizeof lit);
    text_put(t, "%s%s", i ? ", " : "", lit);
  }
  text_put(t, "};\n");
  literal(e, e->o->h, lit, sizeof lit);
  text_put(t, "  const %s_real h = %s;\n  const %s_real H0 = %s_H(x);\n", n, lit, n, n);
  text_put(t, "  for (int k = 1; k <= 10; k++) {\n");
  text_put(t, "    if (%s_step(x, h, EVERY)) {\n", n);
  text_put(t, "      fprintf(stderr, \"example: the state became NaN or infinite within steps %%d to %%d\\n\", "
              "(k - 1) * EVERY, k * EVERY);\n");
  text_put(t, "      return 1;\n    }\n");
  text_put(t, "    printf(\"%%d\", k * EVERY);\n");
  text_put(t, "    for (int i = 0; i < %s_DIM; i++) printf(\" %%a\", (double)x[i]);\n", M);
  text_put(t, "    printf(\" %%a\\n\", (double)(%s_H(x) - H0));\n  }\n  return 0;\n}\n", n);
}

/* choose() with ir_error caught */
static int prepare(Ex *e, Graph *g, const ExportOptions *o, Export *ex, char *err, size_t nerr) {
  Catch c;
  int r;
  memset(e, 0, sizeof *e);
  memset(ex, 0, sizeof *ex);
  e->g = g, e->o = o, e->ex = ex;
  e->name = o->name ? o->name : g->name;
  e->T = g->is_float ? "float" : "double";
  catch_on(g, &c);
  if (setjmp(c.jb)) {
    uncatch(g, &c);
    snprintf(err, nerr, "%s", g->errmsg);
    return 1;
  }
  r = choose(e, err, nerr);
  uncatch(g, &c);
  ex->dim = e->d;
  return r;
}

int export_check(Graph *g, const ExportOptions *o, Export *ex, char *err, size_t nerr) {
  Ex e;
  return prepare(&e, g, o, ex, err, nerr);
}

int export_model(Graph *g, const ExportOptions *o, Export *ex, char *err, size_t nerr) {
  Ex e;
  Text kernels = {0};
  int i;
  if (prepare(&e, g, o, ex, err, nerr)) return 1;
  emit_kernels(&e, &kernels);
  text_put(&ex->c, "/* %s.c: the model %s with its parameters, exported by hnnc. Do not edit.\n", e.name, o->source);
  text_put(&ex->c, " * Entry points and the flags that keep the bits: %s.h. */\n\n", e.name);
  text_put(&ex->c, "%s\n", kernels.s);
  ex->code_bytes = (long)ex->c.n;
  table(&e, &ex->c);
  ex->table_bytes = (long)ex->c.n - ex->code_bytes;
  glue(&e, &ex->c);
  ex->code_bytes += (long)ex->c.n - ex->code_bytes - ex->table_bytes;
  ex->const_bytes = g->nparams_total * (g->is_float ? 4 : 8);
  for (i = 0; i < g->nnode; i++) { /* constant tensors the kernels keep */
    int k, used = 0;
    for (k = 0; k < e.nfn; k++) used |= e.plan[k].keep[i];
    if (used && g->node[i].op == OP_TENSOR) ex->const_bytes += shape_size(&g->node[i].shape) * (g->is_float ? 4 : 8);
  }
  header(&e, &ex->h);
  if (o->example) example(&e, &ex->example);
  for (i = 0; i < e.nfn; i++) sched_free(&e.plan[i]);
  text_free(&kernels);
  return 0;
}

void export_free(Export *ex) {
  text_free(&ex->c), text_free(&ex->h), text_free(&ex->example);
  memset(ex, 0, sizeof *ex);
}
