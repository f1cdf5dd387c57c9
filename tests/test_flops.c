/* FLOP accounting (compiler/flops.c) against counts derived by hand for a
 * D-H-H-O tanh HNN (tests/models/flops_mlp.lua: D = 4, H = 24, O = 2, no
 * last bias), read off the graph node by node:
 *
 *   mlp(x)      x W1 (2DH) + b1 (H), tanh, h1 W2 (2H^2) + b2 (H), tanh,
 *               h2 W3 (2HO): 2DH + 2H^2 + 2HO + 2H, and 2H tanh calls.
 *   field(x)    the forward to h2 (2DH + 2H^2 + 2H), the seed column of W3
 *               (a [1,O] x [H,O]^T product, shared: 2OH), back through the
 *               tanh (1 - t^2: square, subtract; times the adjoint: 3H
 *               per layer) and the transposed weights (2H^2 + 2HD):
 *               4H^2 + 4DH + 8H per sample, 2OH shared.
 *   loss        field, then subtract, square and sum over D (3D), / D (1),
 *               the sum over samples (1 per sample), / n (1 shared).
 *   loss_grad   loss, and its reverse: the adjoint 2 * (1/n/D) * r (2D, and
 *               2 shared divisions), back through x W1 (2DH), the tanh
 *               derivative products (4H + 7H + 3H), h W2 and its transpose
 *               (2H^2 + 2H^2), the W2 gradient over two stacked rows (4H^2),
 *               the W1 gradient over two rows (4DH), the bias sums (3H, in
 *               the 14H above); the W3 gradient is shared (2OH):
 *               12H^2 + 10DH + 22H + 5D + 2 per sample, 4OH + 3 shared.
 *
 * For the pendulum HNN (D = 2, H = 200) that is 0.163 MFLOP per sample for
 * the field and 0.488 for the loss gradient. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "model.h"

static void check(const char *path, long D, long H, long O) {
  static const char *const fn[] = {"mlp", "field", "loss", "loss_grad"};
  const long want[4][3] = {
      /* per sample, shared, elementary calls per sample */
      {2 * D * H + 2 * H * H + 2 * H * O + 2 * H, 0, 2 * H},
      {4 * H * H + 4 * D * H + 8 * H, 2 * O * H, 2 * H},
      {4 * H * H + 4 * D * H + 8 * H + 3 * D + 2, 2 * O * H + 1, 2 * H},
      {12 * H * H + 10 * D * H + 22 * H + 5 * D + 2, 4 * O * H + 3, 2 * H},
  };
  Model m;
  char err[4096];
  int k;
  if (model_build(&m, path, NULL, err, sizeof err)) fail_msg("%s", err);
  for (k = 0; k < 4; k++) {
    Flops f;
    int fi = model_func(&m, fn[k]);
    assert_true(fi >= 0);
    flops_count(m.g, fi, &f);
    fprintf(stderr, "%s %s: %ld per sample + %ld shared, %ld elementary\n", path, fn[k], f.per_sample, f.shared,
            f.elem_per_sample);
    assert_int_equal(f.per_sample, want[k][0]);
    assert_int_equal(f.shared, want[k][1]);
    assert_int_equal(f.elem_per_sample, want[k][2]);
    assert_int_equal(f.elem_shared, 0);
  }
  model_free(&m);
}

static void test_small_mlp(void **state) {
  (void)state;
  check("tests/models/flops_mlp.lua", 4, 24, 2);
}

/* hn.solve (tests/models/solve.lua), counted by hand: per column c of the
 * elimination, each of the m - c - 1 rows below takes a division, m - c - 1
 * multiply-subtracts in A and k in the right sides; back substitution
 * takes, per right side, m - r - 1 multiply-subtracts and a division in
 * row r: k m². x (m = 2, k = 1): 5 + 4 = 9; X (m = 3, k = 2): 18 + 7 + 18
 * = 43; rows (2 systems, m = 3, k = 1): 2 (14 + 5 + 9) = 56. */
static void test_solve(void **state) {
  Model m;
  char err[4096];
  Flops f;
  (void)state;
  if (model_build(&m, "tests/models/solve.lua", NULL, err, sizeof err)) fail_msg("%s", err);
  flops_count(m.g, model_func(&m, "x"), &f);
  assert_int_equal(f.per_sample, 9);
  flops_count(m.g, model_func(&m, "X"), &f);
  assert_int_equal(f.per_sample, 43);
  flops_count(m.g, model_func(&m, "rows"), &f);
  assert_int_equal(f.per_sample, 56);
  model_free(&m);
}

/* the shipped pendulum HNN: the same formulas at D = 2, H = 200 (the
 * functions H, field, loss, loss_grad; "H" is output 2 of the MLP, whose
 * last product then has one column: 2H instead of 2HO) */
static void test_pendulum(void **state) {
  Model m;
  char err[4096];
  Flops f;
  const long D = 2, H = 200;
  (void)state;
  if (model_build(&m, "models/hnn/pendulum.lua", NULL, err, sizeof err)) fail_msg("%s", err);
  flops_count(m.g, model_func(&m, "field"), &f);
  assert_int_equal(f.per_sample, 4 * H * H + 4 * D * H + 8 * H);
  flops_count(m.g, model_func(&m, "loss_grad"), &f);
  assert_int_equal(f.per_sample, 12 * H * H + 10 * D * H + 22 * H + 5 * D + 2);
  assert_int_equal(f.shared, 4 * 2 * H + 3);
  model_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_small_mlp),
      cmocka_unit_test(test_pendulum),
      cmocka_unit_test(test_solve),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
