/* Every primitive's derivatives, first and second order, in reverse and
 * forward mode and their nestings, against central finite differences of
 * the compiled code. A test walks the op table and fails when an op has no
 * case here.
 *
 * For an op, y = op(operands made from a per-sample input x and a shared
 * parameter theta), and f = sum over samples and elements of w * sin(y)
 * (sin makes second derivatives of linear ops nonzero). Checked:
 *   grad f (reverse) against finite differences of f;
 *   jvp f (forward) against finite differences along v;
 *   jvp of grad f (forward over reverse) and grad of (grad f . v) (reverse
 *   over reverse) against finite differences of the compiled gradient. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "check.h"
#include "harness.h"

#define D 6  /* per-sample input size */
#define P 12 /* parameter size */
#define NS 3 /* samples */

typedef int (*Builder)(Graph *g, int x, int th);

static Graph *G;
#define NODE(id) (&G->node[id])
static int vec(int n) { return n; }
static Shape v1(int n) { return shp(1, n, 0); }
static Shape m2(int r, int c) { return shp(2, r, c); }
static int X(int x, int a, int n) { return ir_slice(G, x, 0, a, n); }
static int R(int v, Shape s) { return ir_reshape(G, v, s); }
static int pos(int v) { return ir_binary(G, OP_ADD, ir_unary(G, OP_SQUARE, v), ir_scalar(G, 0.5)); }
static int un(int op, int v) { return ir_unary(G, op, v); }
static int bin(int op, int a, int b) { return ir_binary(G, op, a, b); }
static int mm(int a, int b, int ta, int tb) { return ir_matmul(G, a, b, ta, tb); }

#define B(name) static int name(Graph *g, int x, int th)
/* elementwise unary ops, from the op table: op(x + theta) where the table's
 * domain column says "R", op(square(x + theta) + 1/2) where it says "+"
 * (|x + theta| >= 0.1 at the points checked: away from kinks) */
static int unary_op;
B(b_unary) {
  int v = bin(OP_ADD, x, X(th, 0, 6));
  (void)g;
  return un(unary_op, !strcmp(ir_op[unary_op].domain, "+") ? pos(v) : v);
}
B(b_powi) { (void)th; return bin(OP_ADD, ir_powi(g, x, 3), ir_powi(g, pos(x), -2)); }
B(b_sign) { (void)g; return bin(OP_MUL, un(OP_SIGN, x), X(th, 0, 6)); }
B(b_step) { (void)g; return bin(OP_MUL, un(OP_STEP, x), X(th, 0, 6)); }
B(b_tanh) { (void)g; return un(OP_TANH, bin(OP_ADD, x, X(th, 0, 6))); }
B(b_neg) { (void)g, (void)th; return un(OP_NEG, x); }
/* binary: per-sample with shared, per-sample with per-sample, with a scalar */
B(b_add) { (void)g; return bin(OP_ADD, bin(OP_ADD, X(x, 0, 3), X(th, 0, 3)), bin(OP_ADD, X(x, 3, 3), R(X(th, 4, 1), shp(0, 0, 0)))); }
B(b_sub) { (void)g; return bin(OP_SUB, bin(OP_SUB, X(x, 0, 3), X(th, 0, 3)), bin(OP_SUB, R(X(th, 4, 1), shp(0, 0, 0)), X(x, 3, 3))); }
B(b_mul) { (void)g; return bin(OP_MUL, bin(OP_MUL, X(x, 0, 3), X(th, 0, 3)), bin(OP_MUL, X(x, 3, 3), R(X(th, 4, 1), shp(0, 0, 0)))); }
B(b_div) { (void)g; return bin(OP_ADD, bin(OP_DIV, X(x, 0, 3), pos(X(th, 0, 3))), bin(OP_DIV, X(th, 3, 3), pos(X(x, 3, 3)))); }
/* structural */
B(b_reshape) { (void)g; return bin(OP_MUL, R(x, m2(2, 3)), R(X(th, 0, 6), m2(2, 3))); }
B(b_transpose) { (void)g; return bin(OP_MUL, ir_transpose(G, R(x, m2(2, 3))), R(X(th, 0, 6), m2(3, 2))); }
B(b_sum) { (void)th; return bin(OP_ADD, ir_sum(g, un(OP_SQUARE, R(x, m2(2, 3))), 0), ir_sum(g, R(bin(OP_MUL, x, X(th, 0, 6)), m2(3, 2)), 1)); }
B(b_expand) { (void)th; return bin(OP_MUL, ir_expand(g, X(x, 0, 3), 0, 2), ir_expand(g, X(th, 0, 2), 1, 3)); }
B(b_slice) { (void)g; return bin(OP_MUL, ir_slice(G, R(x, m2(2, 3)), 1, 1, 2), R(X(th, 2, 4), m2(2, 2))); }
B(b_pad) { (void)g; return ir_pad(G, R(bin(OP_MUL, X(x, 1, 4), X(th, 0, 4)), m2(2, 2)), 1, 1, 4); }
B(b_concat) {
  int xs[3];
  (void)g;
  xs[0] = X(x, 0, 2), xs[1] = X(th, 0, 3), xs[2] = un(OP_SQUARE, X(x, 2, 4));
  return ir_concat(G, xs, 3, 0);
}
B(b_bsum) { (void)g; return bin(OP_MUL, ir_bsum(G, un(OP_SQUARE, x)), X(th, 0, 6)); }
B(b_bcast) { (void)g; return bin(OP_MUL, ir_bcast(G, X(th, 0, 6)), ir_bcast(G, x)); }
/* products: all transposition flags; per-sample x shared; both per sample; both shared */
B(b_matmul) {
  int a = R(x, m2(2, 3)), w = R(X(th, 0, 12), m2(3, 4)), wt = R(X(th, 0, 12), m2(4, 3));
  int y1 = mm(a, w, 0, 0);                        /* [2,4] NN per sample x shared */
  int y2 = mm(a, wt, 0, 1);                       /* [2,4] NT */
  int y3 = mm(R(x, m2(3, 2)), w, 1, 0);           /* [2,4] TN */
  int y4 = mm(R(x, m2(3, 2)), wt, 1, 1);          /* [2,4] TT */
  int y5 = mm(R(X(th, 0, 4), m2(2, 2)), R(X(x, 0, 4), m2(2, 2)), 0, 0); /* shared x per sample */
  int y6 = mm(R(X(x, 0, 4), m2(2, 2)), R(X(x, 2, 4), m2(2, 2)), 1, 0);  /* both per sample */
  int y7 = mm(R(X(th, 0, 4), m2(2, 2)), R(X(th, 4, 4), m2(2, 2)), 0, 1); /* both shared */
  int y8 = mm(R(x, m2(1, 6)), R(X(th, 0, 12), m2(6, 2)), 0, 0); /* row vector, as the layers do */
  int xs[3];
  (void)g;
  xs[0] = R(bin(OP_ADD, bin(OP_ADD, y1, y2), bin(OP_ADD, y3, y4)), v1(8));
  xs[1] = R(bin(OP_ADD, bin(OP_ADD, y5, y6), y7), v1(4));
  xs[2] = R(y8, v1(2));
  (void)vec;
  return ir_concat(G, xs, 3, 0);
}
B(b_bmatmul) {
  int a = R(x, m2(2, 3)), b = R(un(OP_SIN, x), m2(2, 3));
  int y1 = ir_bmatmul(g, a, b, 1, 0); /* [3,3] */
  int y2 = ir_bmatmul(g, a, b, 0, 1); /* [2,2] */
  int y3 = ir_bmatmul(g, R(x, m2(1, 6)), R(un(OP_SQUARE, X(x, 0, 2)), m2(1, 2)), 1, 0); /* outer products [6,2] */
  int xs[3];
  xs[0] = R(bin(OP_MUL, y1, R(X(th, 0, 9), m2(3, 3))), v1(9));
  xs[1] = R(y2, v1(4));
  xs[2] = R(y3, v1(12));
  return ir_concat(G, xs, 3, 0);
}
/* linear systems: per-sample A with a shared b, a shared A (transposed)
 * with a per-sample b, matrix right sides, both shared, and an A whose
 * elimination swaps rows */
B(b_solve) {
  static const double two[4] = {2, 0, 0, 2}, three[9] = {3, 0, 0, 0, 3, 0, 0, 0, 3}, swap[4] = {0, 2, 2, 0};
  int I2 = ir_tensor(g, two, m2(2, 2)), I3 = ir_tensor(g, three, m2(3, 3)), S2 = ir_tensor(g, swap, m2(2, 2));
  int Ax = bin(OP_ADD, R(X(x, 0, 4), m2(2, 2)), I2), At = bin(OP_ADD, R(X(th, 0, 9), m2(3, 3)), I3);
  int Ath = bin(OP_ADD, R(X(th, 4, 4), m2(2, 2)), I2), Ap = bin(OP_ADD, R(bin(OP_MUL, X(x, 2, 4), X(th, 8, 4)), m2(2, 2)), S2);
  int xs[7], cat[2], A3, At3;
  Shape s3 = shp(3, 2, 2);
  s3.dim[2] = 2;
  cat[0] = X(x, 0, 6), cat[1] = X(th, 0, 2);
  A3 = bin(OP_ADD, R(ir_concat(g, cat, 2, 0), s3), ir_expand(g, I2, 0, 2)); /* rows of systems [2,2,2] */
  At3 = bin(OP_ADD, R(X(th, 3, 8), s3), ir_expand(g, I2, 0, 2));
  xs[5] = R(ir_solve(g, A3, R(un(OP_COS, X(x, 2, 4)), m2(2, 2)), 0), v1(4));
  xs[6] = R(ir_solve(g, At3, R(X(x, 0, 4), m2(2, 2)), 1), v1(4));       /* shared rows, transposed */
  xs[0] = ir_solve(g, Ax, X(th, 9, 2), 0);                                     /* [2] per sample, b shared */
  xs[1] = ir_solve(g, At, X(x, 1, 3), 1);                                      /* [3] shared Aᵀ, b per sample */
  xs[2] = R(ir_solve(g, Ax, R(un(OP_SIN, X(x, 2, 4)), m2(2, 2)), 0), v1(4));    /* [2,2] right sides */
  xs[3] = ir_solve(g, Ath, X(th, 0, 2), 0);                                    /* both shared */
  xs[4] = R(ir_solve(g, Ap, R(X(x, 0, 4), m2(2, 2)), 0), v1(4));               /* pivoting swaps rows */
  return ir_concat(G, xs, 7, 0);
}
/* leaves: constants, constant tensors, n */
B(b_leaves) {
  static const double t[6] = {0.5, -1.25, 2.0, 0.75, -0.3, 1.1};
  (void)th;
  return bin(OP_MUL, bin(OP_ADD, bin(OP_MUL, x, ir_tensor(g, t, v1(6))), ir_scalar(g, 0.25)), ir_nbatch(g));
}
#undef B

typedef struct Case { int op; const char *name; Builder build; } Case;
/* hand-written cases; every other elementwise unary op gets b_unary (main) */
static const Case cases[] = {
    {OP_POWI, "powi", b_powi}, {OP_SIGN, "sign times theta", b_sign}, {OP_STEP, "step times theta", b_step},
    {OP_ADD, "add", b_add}, {OP_SUB, "sub", b_sub}, {OP_MUL, "mul", b_mul},
    {OP_DIV, "div", b_div}, {OP_RESHAPE, "reshape", b_reshape}, {OP_TRANSPOSE, "transpose", b_transpose},
    {OP_SUM, "sum", b_sum}, {OP_EXPAND, "expand", b_expand}, {OP_SLICE, "slice", b_slice}, {OP_PAD, "pad", b_pad},
    {OP_CONCAT, "concat", b_concat}, {OP_BSUM, "bsum", b_bsum}, {OP_BCAST, "bcast", b_bcast},
    {OP_MATMUL, "matmul", b_matmul}, {OP_BMATMUL, "bmatmul", b_bmatmul}, {OP_SOLVE, "solve", b_solve},
    {OP_INPUT, "input", b_neg}, {OP_PARAM, "param", b_tanh}, {OP_CONST, "const", b_leaves},
    {OP_TENSOR, "tensor", b_leaves}, {OP_NBATCH, "nbatch", b_leaves},
};
#define NCASES (int)(sizeof cases / sizeof *cases)
static Case all[NCASES + OP_COUNT]; /* cases, then one per unary op of the table */
static int nall;

/* The compiled check function of one case. Outputs:
 * 0 f, 1 df/dx, 2 df/dtheta, 3 jvp f, 4 jvp(df/dx), 5 jvp(df/dtheta),
 * 6 grad_x (grad f . v), 7 grad_theta (grad f . v) */
typedef struct Compiled { Model m; long nout[8]; int op_seen; } Compiled;

static double vx[D], vth[P];

static void build(Compiled *c, const Case *k, int backend) {
  Graph *g = harness_graph();
  Func *f;
  int th, x, y, w, fval, wrt[2], gr[2], tan[2], rr[2], sdot, i, j;
  double *wd;
  G = g;
  if (setjmp(harness_jb)) fail_msg("graph construction failed for %s", k->name);
  th = harness_param(g, "theta", v1(P));
  f = harness_func(g, "check");
  x = harness_input(g, f, "x", v1(D));
  y = k->build(g, x, th);
  wd = malloc(shape_size(&NODE(y)->shape) * sizeof *wd);
  for (i = 0; i < shape_size(&NODE(y)->shape); i++) wd[i] = 0.3 + 0.11 * ((i * 7) % 5) - 0.2 * (i % 2);
  w = ir_tensor(g, wd, NODE(y)->shape);
  free(wd);
  fval = ir_bsum(g, ir_sum_all(g, bin(OP_MUL, w, un(OP_SIN, y))));
  wrt[0] = x, wrt[1] = th;
  ad_vjp(g, fval, ir_scalar(g, 1.0), wrt, 2, gr);
  tan[0] = ir_tensor(g, vx, v1(D)), tan[1] = ir_tensor(g, vth, v1(P));
  sdot = bin(OP_ADD, ir_bsum(g, ir_sum_all(g, bin(OP_MUL, gr[0], tan[0]))), ir_sum_all(g, bin(OP_MUL, gr[1], tan[1])));
  ad_vjp(g, sdot, ir_scalar(g, 1.0), wrt, 2, rr);
  harness_output(f, fval);
  harness_output(f, gr[0]);
  harness_output(f, gr[1]);
  harness_output(f, ad_jvp(g, fval, wrt, tan, 2));
  harness_output(f, ad_jvp(g, gr[0], wrt, tan, 2));
  harness_output(f, ad_jvp(g, gr[1], wrt, tan, 2));
  harness_output(f, rr[0]);
  harness_output(f, rr[1]);
  harness_end_func(g);
  c->op_seen = 0;
  {
    char *keep = xmalloc(g->nnode);
    ir_reach(g, f->out, f->nout, keep);
    for (i = 0; i < g->nnode; i++) c->op_seen |= keep[i] && g->node[i].op == k->op;
    free(keep);
  }
  for (j = 0; j < 8; j++) c->nout[j] = shape_size(&g->node[f->out[j]].shape) * (g->node[f->out[j]].batched ? NS : 1);
  {
    char err[2048];
    if (model_from_graph(&c->m, g, "test_ad", NULL, err, sizeof err)) fail_msg("%s", err);
    if (model_jit(&c->m, backend, err, sizeof err)) fail_msg("%s", err);
  }
}

/* Runs the check function at (x, theta); out[j] gets output j, broadcast
 * over samples where it is shared and the caller wants per sample. */
static void run(Compiled *c, const double *x, const double *th, double *out[8]) {
  Graph *g = c->m.g;
  Func *f = &g->func[0];
  const void *in[1];
  void *o[8];
  double *ws = malloc((model_ws(&c->m, 0, NS) + 8) * sizeof *ws);
  int j;
  long k;
  in[0] = x;
  for (j = 0; j < 8; j++) o[j] = out[j];
  c->m.fn[0](NS, th, in, o, ws);
  for (j = 0; j < 8; j++)
    if (!g->node[f->out[j]].batched && (j == 1 || j == 4 || j == 6)) { /* a per-sample value made shared (zero) */
      long S = shape_size(&g->node[f->out[j]].shape);
      for (k = S; k < S * NS; k++) out[j][k] = out[j][k % S];
    }
  free(ws);
}

static void check_case(const Case *k) {
  Compiled c;
  double x0[NS * D], th0[P], xp[NS * D], thp[P], *o0[8], *op[8], *om[8];
  double fdx[NS * D], fdth[P], fdj, fdhx[NS * D], fdhth[P];
  const double h = 1e-5, h2 = 1e-4;
  int i, j;
  for (i = 0; i < D; i++) vx[i] = 0.5 - 0.13 * i;
  for (i = 0; i < P; i++) vth[i] = -0.4 + 0.09 * i;
  unary_op = k->op;
  build(&c, k, getenv("HNNC_TEST_GCC") ? JIT_GCC : JIT_TCC);
  if (!c.op_seen) fail_msg("the case for %s does not use the op", k->name);
  for (i = 0; i < NS * D; i++) x0[i] = (i % 2 ? -1 : 1) * (0.3 + 0.1 * (i % D) + 0.05 * (i / D));
  for (i = 0; i < P; i++) th0[i] = (i % 3 ? 1 : -1) * (0.2 + 0.07 * i);
  for (j = 0; j < 8; j++) {
    o0[j] = calloc(NS * (P > D ? P : D) * 4 + 64, sizeof(double));
    op[j] = calloc(NS * (P > D ? P : D) * 4 + 64, sizeof(double));
    om[j] = calloc(NS * (P > D ? P : D) * 4 + 64, sizeof(double));
  }
  run(&c, x0, th0, o0);
  /* first derivatives: central differences of f */
  for (i = 0; i < NS * D; i++) {
    memcpy(xp, x0, sizeof xp);
    xp[i] = x0[i] + h;
    run(&c, xp, th0, op);
    xp[i] = x0[i] - h;
    run(&c, xp, th0, om);
    fdx[i] = (op[0][0] - om[0][0]) / (2 * h);
  }
  for (i = 0; i < P; i++) {
    memcpy(thp, th0, sizeof thp);
    thp[i] = th0[i] + h;
    run(&c, x0, thp, op);
    thp[i] = th0[i] - h;
    run(&c, x0, thp, om);
    fdth[i] = (op[0][0] - om[0][0]) / (2 * h);
  }
  /* along v: the jvp of f and of the compiled gradients */
  for (i = 0; i < NS * D; i++) xp[i] = x0[i] + h2 * vx[i % D];
  for (i = 0; i < P; i++) thp[i] = th0[i] + h2 * vth[i];
  run(&c, xp, thp, op);
  for (i = 0; i < NS * D; i++) xp[i] = x0[i] - h2 * vx[i % D];
  for (i = 0; i < P; i++) thp[i] = th0[i] - h2 * vth[i];
  run(&c, xp, thp, om);
  fdj = (op[0][0] - om[0][0]) / (2 * h2);
  for (i = 0; i < NS * D; i++) fdhx[i] = (op[1][i] - om[1][i]) / (2 * h2);
  for (i = 0; i < P; i++) fdhth[i] = (op[2][i] - om[2][i]) / (2 * h2);
  {
    char what[64];
    long bad = 0;
#define CHECK(label, got, want, n, rtol, atol)                 \
  snprintf(what, sizeof what, "%s %s", k->name, label);        \
  bad += check_close(what, got, want, n, rtol, atol);
    CHECK("grad_x (reverse)", o0[1], fdx, NS * D, 1e-6, 1e-8);
    CHECK("grad_theta (reverse)", o0[2], fdth, P, 1e-6, 1e-8);
    CHECK("jvp (forward)", o0[3], &fdj, 1, 1e-6, 1e-8);
    CHECK("hvp_x (forward over reverse)", o0[4], fdhx, NS * D, 1e-5, 1e-7);
    CHECK("hvp_theta (forward over reverse)", o0[5], fdhth, P, 1e-5, 1e-7);
    CHECK("hvp_x (reverse over reverse)", o0[6], fdhx, NS * D, 1e-5, 1e-7);
    CHECK("hvp_theta (reverse over reverse)", o0[7], fdhth, P, 1e-5, 1e-7);
    CHECK("hvp_x fwd vs rev", o0[6], o0[4], NS * D, 1e-10, 1e-12);
    CHECK("hvp_theta fwd vs rev", o0[7], o0[5], P, 1e-10, 1e-12);
#undef CHECK
    for (j = 0; j < 8; j++) free(o0[j]), free(op[j]), free(om[j]);
    model_free(&c.m);
    assert_int_equal(bad, 0);
  }
}

static void test_case(void **state) { check_case((const Case *)*state); }

/* The op table walk: every op has a case, and every elementwise op its
 * C spellings and (unary ones) a derivative expression and a domain. */
static void test_every_op_has_a_case(void **state) {
  int op, i, missing = 0;
  (void)state;
  for (op = 0; op < OP_COUNT; op++) {
    int found = 0, ew = ir_op[op].kind == KIND_EW1 || ir_op[op].kind == KIND_EW2;
    for (i = 0; i < nall; i++) found |= all[i].op == op;
    if (ew && (!*ir_op[op].c[0] || !*ir_op[op].c[1]))
      fprintf(stderr, "  op %s has no C spelling\n", ir_op[op].name), missing++;
    if (ir_op[op].kind == KIND_EW1 && op != OP_POWI && (!*ir_op[op].deriv || !*ir_op[op].domain))
      fprintf(stderr, "  op %s has no derivative or domain in ops.h\n", ir_op[op].name), missing++;
    if (!found) fprintf(stderr, "  op %s has no derivative check\n", ir_opname[op]), missing++;
  }
  assert_int_equal(missing, 0);
}

int main(void) {
  struct CMUnitTest t[NCASES + OP_COUNT + 1];
  char names[NCASES + OP_COUNT][64];
  int i, op;
  for (i = 0; i < NCASES; i++) all[nall++] = cases[i];
  for (op = 0; op < OP_COUNT; op++)
    if (ir_op[op].kind == KIND_EW1 && op != OP_POWI) all[nall].op = op, all[nall].name = ir_op[op].name, all[nall++].build = b_unary;
  t[0] = (struct CMUnitTest)cmocka_unit_test(test_every_op_has_a_case);
  for (i = 0; i < nall; i++) {
    snprintf(names[i], sizeof names[i], "derivatives of %s", all[i].name);
    t[i + 1] = (struct CMUnitTest){names[i], test_case, NULL, NULL, (void *)&all[i]};
  }
  return _cmocka_run_group_tests("ad", t, nall + 1, NULL, NULL);
}
