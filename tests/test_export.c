/* The separability test of the compiler (export_separable) against a second
 * oracle, the mixed derivative d2H/dq_i dp_j by central differences of the
 * compiled H: zero for every model the graph calls separable, clearly not
 * for the others; and export_model's output as a function of its input.
 * (The exported code itself is checked end to end by tests/export.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hnnc.h"

/* the largest |d2H/dq_i dp_j| over all pairs at three states */
static double mixed(Model *m, const double *theta) {
  int fi = model_func(m, "H"), d = (int)shape_size(&m->g->func[fi].in[0].shape), i, j, k, s;
  double *ws = malloc((model_ws(m, fi, 1) + 1) * sizeof *ws), worst = 0, eps = 1e-4;
  for (k = 0; k < 3; k++)
    for (i = 0; i < d / 2; i++)
      for (j = d / 2; j < d; j++) {
        double x[64], h[4];
        for (s = 0; s < 4; s++) {
          int c;
          const void *in[1] = {x};
          void *out[1] = {&h[s]};
          for (c = 0; c < d; c++) x[c] = 0.3 + 0.1 * ((c * 7 + k * 3) % 9); /* away from Kepler's q = 0 */
          x[i] += s & 1 ? -eps : eps;
          x[j] += s & 2 ? -eps : eps;
          m->fn[fi](1, theta, in, out, ws);
        }
        double v = (h[0] - h[1] - h[2] + h[3]) / (4 * eps * eps);
        if (v < 0) v = -v;
        if (v > worst) worst = v;
      }
  free(ws);
  return worst;
}

static void check(const char *path, int want) {
  Model m;
  char err[4096];
  double *theta, v;
  int fi, got;
  if (model_build(&m, path, NULL, err, sizeof err) || model_jit(&m, JIT_TCC, err, sizeof err)) fail_msg("%s", err);
  theta = malloc((m.g->nparams_total + 1) * sizeof *theta);
  init_params(m.g, m.g->seed, theta);
  fi = model_func(&m, "field");
  got = export_separable(m.g, fi);
  v = mixed(&m, theta);
  fprintf(stderr, "%-34s separable %d, max |d2H/dqdp| by differences %.3g\n", path, got, v);
  assert_int_equal(got, want);
  if (want) assert_true(v < 1e-5);
  else assert_true(v > 1e-3);
  assert_int_equal(export_separable(m.g, model_func(&m, "H")), -1); /* not a field */
  free(theta);
  model_free(&m);
}

static void test_separable(void **state) {
  static const char *const sep[] = {"models/systems/pendulum.lua", "models/systems/harmonic.lua",
                                    "models/systems/spring.lua",   "models/systems/kepler.lua",
                                    "models/systems/fput.lua",     "models/systems/henon_heiles.lua",
                                    "models/systems/two_body.lua"};
  static const char *const not[] = {"tests/models/coupled.lua", "models/hnn/pendulum.lua", "models/hnn/two_body.lua"};
  size_t i;
  (void)state;
  for (i = 0; i < sizeof sep / sizeof *sep; i++) check(sep[i], 1);
  for (i = 0; i < sizeof not / sizeof *not; i++) check(not[i], 0);
}

/* the same model exported twice from fresh graphs: the same bytes */
static void test_deterministic(void **state) {
  Export ex[2];
  char err[4096];
  int k;
  (void)state;
  for (k = 0; k < 2; k++) {
    Model m;
    ExportOptions o;
    double x0[2] = {0.5, 0.25};
    double *theta;
    if (model_build(&m, "tests/models/pendulum_hnn_jac.lua", NULL, err, sizeof err)) fail_msg("%s", err);
    theta = malloc(m.g->nparams_total * sizeof *theta);
    init_params(m.g, m.g->seed, theta);
    memset(&o, 0, sizeof o);
    o.source = "tests/models/pendulum_hnn_jac.lua", o.theta = theta, o.example = 1, o.h = 0.1, o.x0 = x0;
    if (export_model(m.g, &o, &ex[k], err, sizeof err)) fail_msg("%s", err);
    assert_int_equal(ex[k].integrator, EXPORT_MIDPOINT);
    free(theta);
    model_free(&m);
  }
  assert_true(ex[0].c.n == ex[1].c.n && !memcmp(ex[0].c.s, ex[1].c.s, ex[0].c.n));
  assert_true(ex[0].h.n == ex[1].h.n && !memcmp(ex[0].h.s, ex[1].h.s, ex[0].h.n));
  assert_non_null(strstr(ex[0].c.s, "static const hn_real hx_theta[41200]"));
  assert_null(strstr(ex[0].c.s, "\n#include")); /* a comment may say "no #include" */
  for (k = 0; k < 2; k++) export_free(&ex[k]);
}

/* a model without H, and leapfrog for a learned H: errors naming the file */
static void test_errors(void **state) {
  Model m;
  Export ex;
  ExportOptions o;
  char err[4096];
  (void)state;
  memset(&o, 0, sizeof o);
  o.source = "models/baseline/pendulum.lua";
  if (model_build(&m, o.source, NULL, err, sizeof err)) fail_msg("%s", err);
  assert_int_equal(export_check(m.g, &o, &ex, err, sizeof err), 1);
  assert_non_null(strstr(err, "models/baseline/pendulum.lua: error: the model has neither a Hamiltonian"));
  model_free(&m);
  o.source = "models/hnn/pendulum.lua", o.integrator = EXPORT_LEAPFROG;
  if (model_build(&m, o.source, NULL, err, sizeof err)) fail_msg("%s", err);
  assert_int_equal(export_check(m.g, &o, &ex, err, sizeof err), 1);
  assert_non_null(strstr(err, "models/hnn/pendulum.lua: error: leapfrog needs a separable H"));
  o.integrator = EXPORT_AUTO;
  assert_int_equal(export_check(m.g, &o, &ex, err, sizeof err), 0);
  assert_int_equal(ex.integrator, EXPORT_MIDPOINT);
  assert_int_equal(ex.separable, 0);
  model_free(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_separable),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
