/* The passes one at a time, each followed by its verifier: the front end
 * and the model rules, dead-code elimination, scheduling, and the
 * verifiers themselves (they accept what the passes make and reject
 * graphs and plans broken on purpose). Also the dumps of `hnnc dump
 * --after PASS` against golden files (tests/golden/dump/), and two inputs
 * that once overflowed fixed buffers.
 *
 * --regen-golden rewrites tests/golden/dump/ (review the diff). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "check.h"
#include "harness.h"

static void put_text(void *ctx, const char *s) { text_put(ctx, "%s", s); }

/* Builds path with the verifiers on; the dump after pass `after` into *dump. */
static int build(Model *m, const char *path, int after, Text *dump, char *err, size_t nerr) {
  ModelOptions o;
  memset(&o, 0, sizeof o);
  o.verify = 1;
  o.after = after;
  o.dump = put_text;
  o.ctx = dump;
  return model_build(m, path, &o, err, nerr);
}

/* ---- the front end and the model rules ---- */

static void test_front_and_check(void **state) {
  Model m;
  Text d = {0};
  char err[4096];
  (void)state;
  if (build(&m, "models/systems/pendulum.lua", PASS_FRONT, &d, err, sizeof err)) fail_msg("%s", err);
  assert_int_equal(m.g->nfunc, 2);
  assert_int_equal(verify_graph(m.g, "front", err, sizeof err), 0);
  assert_non_null(strstr(d.s, "# model pendulum: "));
  model_free(&m);
  text_free(&d);
  /* the rule: every parameter used, reported at its line */
  assert_int_not_equal(build(&m, "tests/errors/unused_param.lua", PASS_NONE, &d, err, sizeof err), 0);
  assert_non_null(strstr(err, "tests/errors/unused_param.lua:"));
  assert_non_null(strstr(err, "is never used by any compiled function"));
  assert_null(m.g);
}

/* ---- graphs built in C: y = tanh(x) * theta, with a dead exp(x) ---- */

static jmp_buf *jb = &harness_jb;

static Graph *small_graph(int *y, int *dead) {
  Graph *g = harness_graph();
  Func *f;
  int th, x;
  if (setjmp(*jb)) fail_msg("graph construction failed");
  th = harness_param(g, "theta", shp(1, 3, 0));
  f = harness_func(g, "f");
  x = harness_input(g, f, "x", shp(1, 3, 0));
  *dead = ir_unary(g, OP_EXP, x);
  *y = ir_binary(g, OP_MUL, ir_unary(g, OP_TANH, x), th);
  harness_output(f, *y);
  harness_output(f, ir_bsum(g, *y));
  harness_end_func(g);
  return g;
}

static void test_dce(void **state) {
  int y, dead;
  Graph *g = small_graph(&y, &dead);
  Plan p;
  (void)state;
  /* reached: theta, x, tanh, mul, bsum; exp(x) is dead */
  assert_int_equal(sched_dce(&p, g, 0), 5);
  assert_int_equal(p.keep[dead], 0);
  assert_int_equal(p.keep[y], 1);
  {
    char err[512];
    assert_int_equal(verify_reach(&p, "dce", err, sizeof err), 0);
    p.keep[dead] = 1; /* kept but unreachable */
    assert_int_equal(verify_reach(&p, "dce", err, sizeof err), 1);
    assert_non_null(strstr(err, "after pass dce"));
  }
  sched_free(&p);
  ir_free(g);
}

static void test_graph_verifier(void **state) {
  int y, dead;
  Graph *g = small_graph(&y, &dead);
  char err[512];
  Node saved;
  (void)state;
  assert_int_equal(verify_graph(g, "front", err, sizeof err), 0);
  saved = g->node[y];
  g->node[y].shape.dim[0] = 4; /* a shape its operands do not give */
  assert_int_equal(verify_graph(g, "front", err, sizeof err), 1);
  assert_non_null(strstr(err, "shape does not follow"));
  g->node[y] = saved;
  g->node[y].batched = 0; /* per-sample operands, shared result */
  assert_int_equal(verify_graph(g, "front", err, sizeof err), 1);
  assert_non_null(strstr(err, "batched flag"));
  g->node[y] = saved;
  IR_IN(g, y)[0] = y; /* an operand not made before its user */
  assert_int_equal(verify_graph(g, "front", err, sizeof err), 1);
  assert_non_null(strstr(err, "operand not made before its user"));
  IR_IN(g, y)[0] = y - 1;
  assert_int_equal(verify_graph(g, "front", err, sizeof err), 0);
  g->node[y].op = OP_TANH; /* one operand too many for tanh */
  assert_int_equal(verify_graph(g, "front", err, sizeof err), 1);
  assert_non_null(strstr(err, "wrong number of operands"));
  g->node[y] = saved;
  ir_free(g);
}

/* ---- scheduling ---- */

static void test_schedule_and_plan_verifier(void **state) {
  int y, dead, k, a = -1, b = -1;
  Graph *g = small_graph(&y, &dead);
  Plan p;
  char err[512];
  (void)state;
  sched_dce(&p, g, 0);
  sched_plan(&p, 32);
  assert_int_equal(verify_plan(&p, "schedule", err, sizeof err), 0);
  /* theta in phase 0, the per-sample work and the batch sum in the loop
   * (phase 1); the sum is available from phase 2, where nothing runs */
  assert_int_equal(p.nphase, 3);
  assert_int_equal(p.phase[y], 1);
  assert_int_equal(p.phase[g->func[0].out[1]], 1);
  assert_int_equal(p.phase[IR_IN(g, y)[1]], 0);
  assert_int_equal(p.slot[y].kind, ST_OUT);
  /* an order that puts a node before its operand */
  for (k = 0; k + 1 < p.norder; k++)
    if (p.order[k + 1] == y) a = k, b = k + 1;
  assert_true(a >= 0);
  p.order[a] = y, p.order[b] = IR_IN(g, y)[0];
  assert_int_equal(verify_plan(&p, "schedule", err, sizeof err), 1);
  assert_non_null(strstr(err, "scheduled before its operand"));
  sched_free(&p);
  /* two values alive at once in the same workspace */
  sched_dce(&p, g, 0);
  sched_plan(&p, 32);
  {
    int t = IR_IN(g, y)[0]; /* tanh, read by mul, whose result is an output */
    int bs = g->func[0].out[1];
    assert_int_equal(p.slot[t].kind, ST_WS);
    assert_int_equal(p.slot[bs].kind, ST_OUT);
    p.slot[y].kind = ST_WS, p.slot[y].off = p.slot[t].off; /* mul over its operand */
    assert_int_equal(verify_plan(&p, "schedule", err, sizeof err), 1);
    assert_non_null(strstr(err, "workspace overlaps"));
  }
  sched_free(&p);
  ir_free(g);
}

/* A per-sample value read after a sum over the batch is kept for all
 * samples, and the code after the sum runs in a later chunk loop. */
static void test_schedule_full_storage(void **state) {
  Model m;
  Text d = {0};
  char err[4096];
  int fi, x, h = -1;
  (void)state;
  if (build(&m, "tests/models/zero_center.lua", PASS_SCHEDULE, &d, err, sizeof err)) fail_msg("%s", err);
  fi = model_func(&m, "center");
  for (x = 0; x < m.g->nnode; x++) /* h = tanh(x W) */
    if (m.plans[fi].keep[x] && m.g->node[x].op == OP_TANH) h = x;
  assert_true(h >= 0);
  assert_int_equal(m.plans[fi].slot[h].kind, ST_FULL);
  assert_int_equal(m.plans[fi].phase[h], 1);
  assert_int_equal(m.plans[fi].nphase, 4); /* shared, loop, shared (the mean), loop */
  assert_int_equal(m.plans[fi].phase[m.g->func[fi].out[0]], 3);
  assert_true(m.plans[fi].ws_full >= 3);
  model_free(&m);
  text_free(&d);
}

/* ---- inputs that once overflowed fixed buffers ---- */

static void run1(Model *m, int fi, const double *x, double *out) {
  double *ws = calloc(model_ws(m, fi, 1) + 8, sizeof *ws);
  const void *in[1];
  void *o[1];
  in[0] = x, o[0] = out;
  m->fn[fi](1, NULL, in, o, ws);
  free(ws);
}

static void test_concat120(void **state) {
  Model m;
  Text d = {0};
  char err[4096], *line;
  double x[2] = {0.25, -3.5}, y[240];
  int i, operands = 0;
  (void)state;
  if (build(&m, "tests/models/concat120.lua", PASS_DCE, &d, err, sizeof err)) fail_msg("%s", err);
  assert_non_null(line = strstr(d.s, "= concat "));
  for (; *line != '\n'; line++) operands += *line == '%';
  assert_int_equal(operands, 120);
  if (model_jit(&m, JIT_TCC, err, sizeof err)) fail_msg("%s", err);
  run1(&m, 0, x, y);
  for (i = 0; i < 240; i++) assert_true(y[i] == x[i % 2] * (i / 2 + 1)); /* exact: small integers */
  model_free(&m);
  text_free(&d);
}

static void test_long_input_name(void **state) {
  Model m;
  char err[4096], name[400];
  double x[2] = {0.5, -1.25}, y[2], want[2];
  (void)state;
  if (build(&m, "tests/models/long_name.lua", PASS_NONE, NULL, err, sizeof err)) fail_msg("%s", err);
  memset(name, 'x', 300);
  strcpy(name + 300, ",");
  assert_non_null(strstr(m.h.s, name)); /* the header names the input */
  if (model_jit(&m, JIT_TCC, err, sizeof err)) fail_msg("%s", err);
  run1(&m, 0, x, y);
  want[0] = 2 * tanh(x[0]), want[1] = 2 * tanh(x[1]); /* hnnc's tanh is within 2 ulp of glibc's */
  assert_close("2 tanh(x)", y, want, 2, 1e-15, 0);
  model_free(&m);
}

/* Outputs named by hn.name and by what they are (a parameter's gradient),
 * and the values under those names against a direct computation:
 * L = mean over samples of |x W|^2, dL/dW = (2/n) sum x^T (x W). */
static void test_named_outputs(void **state) {
  Model m;
  char err[4096];
  double th[4] = {0.5, -1.25, 2.0, 0.75}, x[6] = {1, 2, -0.5, 0.25, 3, -1}, L, dW[4], want[5] = {0};
  const void *in[1];
  void *out[2];
  double *ws;
  int s, i, j;
  (void)state;
  if (build(&m, "tests/models/named_outputs.lua", PASS_NONE, NULL, err, sizeof err)) fail_msg("%s", err);
  assert_string_equal(m.g->func[0].outname[0], "loss");
  assert_string_equal(m.g->func[0].outname[1], "d_layer_W");
  assert_non_null(strstr(m.h.s, "double *out_loss, double *out_d_layer_W"));
  if (model_jit(&m, JIT_TCC, err, sizeof err)) fail_msg("%s", err);
  ws = calloc(model_ws(&m, 0, 3) + 8, sizeof *ws);
  in[0] = x, out[0] = &L, out[1] = dW;
  m.fn[0](3, th, in, out, ws);
  for (s = 0; s < 3; s++)
    for (j = 0; j < 2; j++) {
      double y = x[2 * s] * th[j] + x[2 * s + 1] * th[2 + j];
      want[0] += y * y / 3;
      for (i = 0; i < 2; i++) want[1 + 2 * i + j] += 2 * x[2 * s + i] * y / 3;
    }
  assert_close("loss", &L, want, 1, 1e-14, 0);
  assert_close("d_layer_W", dW, want + 1, 4, 1e-14, 1e-15);
  free(ws);
  model_free(&m);
}

/* ---- dumps against golden files ---- */

static int regen;
static const char *const golden_passes[] = {"front", "check", "dce", "schedule"};

static void test_dump_golden(void **state) {
  int i, bad = 0;
  (void)state;
  for (i = 0; i < 4; i++) {
    Model m;
    Text d = {0};
    char err[4096], path[256];
    FILE *f;
    snprintf(path, sizeof path, "tests/golden/dump/pendulum.%s.txt", golden_passes[i]);
    if (build(&m, "models/systems/pendulum.lua", model_pass(golden_passes[i]), &d, err, sizeof err)) fail_msg("%s", err);
    if (regen) {
      assert_non_null(f = fopen(path, "w"));
      fputs(d.s, f);
      fclose(f);
    } else {
      Text want = {0};
      char buf[4096];
      size_t n;
      if (!(f = fopen(path, "r"))) fail_msg("%s: missing (make regen)", path);
      while ((n = fread(buf, 1, sizeof buf - 1, f)) > 0) buf[n] = 0, text_put(&want, "%s", buf);
      fclose(f);
      if (!want.s || strcmp(want.s, d.s)) fprintf(stderr, "  %s differs from the dump after %s\n", path, golden_passes[i]), bad++;
      text_free(&want);
    }
    model_free(&m);
    text_free(&d);
  }
  assert_int_equal(bad, 0);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_front_and_check),
      cmocka_unit_test(test_dce),
      cmocka_unit_test(test_graph_verifier),
      cmocka_unit_test(test_schedule_and_plan_verifier),
      cmocka_unit_test(test_schedule_full_storage),
      cmocka_unit_test(test_concat120),
      cmocka_unit_test(test_long_input_name),
      cmocka_unit_test(test_named_outputs),
      cmocka_unit_test(test_dump_golden),
  };
  regen = argc > 1 && !strcmp(argv[1], "--regen-golden");
  (void)jb;
  return cmocka_run_group_tests(tests, NULL, NULL);
}
