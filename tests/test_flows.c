/* Flows (compiler/lib/hnnc/flow.lua) compiled, at random non-identity
 * parameters: every layer type, n = 1, 2, 5 degrees of freedom, 1 to 8
 * blocks. JᵀΩJ = Ω from the compiled Jacobians (never finite differences),
 * exact inverses, det J, loss gradients against central differences, float,
 * tcc against gcc bit for bit, and the check failing a false claim. The
 * measurements are cli/flowcheck.c's, the ones `hnnc check` prints. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

#include "check.h"
#include "binding.h"
#include "flowcheck.h"
#include "flow_eval.h"
#include "train.h"
#include "init.h"
#include "model.h"
#include "rng.h"

/* The layer kinds of the generated test models (see model_text). */
static const char *const kinds[] = {"linear", "irrotational", "shift",  "dual_shift", "exchange",
                                    "scale",  "zero_center",  "midpoint", "leapfrog", "linear_diag"};
#define NKINDS (int)(sizeof kinds / sizeof *kinds)

/* A model with `blocks` layers, kinds taken in turn from `first`; its loss
 * is the trajectory loss on windows [4, 2n] (radii = 1: the conserved-radii
 * loss on the harmonic H = |x|²/2, second order; 2: the relative
 * trajectory loss). */
static void model_text(char *path, size_t np, int n, int blocks, int first, int radii, const char *extra) {
  FILE *f;
  int i;
  snprintf(path, np, "/tmp/hnnc_test_flows_%d_%d_%d_%d_%d.lua", (int)getpid(), n, blocks, first, radii);
  f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "local hn = require \"hnnc\"\nlocal nn = require \"hnnc.nn\"\nlocal flow = require \"hnnc.flow\"\n"
             "hn.model{name = \"flowtest\", seed = 3}\nlocal n = %d\nlocal kinds = {", n);
  for (i = 0; i < blocks; i++) fprintf(f, "%s\"%s\"", i ? ", " : "", kinds[(first + i) % NKINDS]);
  fprintf(f, "}\n"
             "local function net(k) return nn.mlp{sizes = {k, 6, 1}, last_bias = false} end\n"
             "local layers = {}\n"
             "for i, k in ipairs(kinds) do\n"
             "  if k == \"linear\" then layers[i] = flow.linear{n = n}\n"
             "  elseif k == \"linear_diag\" then layers[i] = flow.linear{n = n, M = \"diagonal\", reflections = 1}\n"
             "  elseif k == \"irrotational\" then layers[i] = flow.irrotational{n = n, width = 6}\n"
             "  elseif k == \"shift\" then layers[i] = flow.shift{n = n, F = net(n)}\n"
             "  elseif k == \"dual_shift\" then layers[i] = flow.dual_shift{n = n, G = net(n)}\n"
             "  elseif k == \"exchange\" then layers[i] = flow.exchange{n = n}\n"
             "  elseif k == \"scale\" then layers[i] = flow.scale{n = n}\n"
             "  elseif k == \"zero_center\" then layers[i] = flow.zero_center{n = n}\n"
             "  elseif k == \"midpoint\" then layers[i] = flow.continuous{n = n, G = net(2 * n), tau = 0.1, steps = 1}\n"
             "  else local V, K = net(n), net(n)\n"
             "    layers[i] = flow.continuous{n = n, separable = true, tau = 0.3, steps = 2,\n"
             "      G = function(X) local q, p = hn.split(X, 2, 2); return V(q) + K(p) end}\n"
             "  end\n"
             "end\n%s"
             "local T = flow.stack(layers)\n"
             "flow.declare(T, {window = 4})\n"
             "local function H(x) return hn.dot(x, x) / 2 end\n"
             "local function loss(x) return %s end\n"
             "hn.fn(\"loss\", {x = {4, 2 * n}, xdot = {4, 2 * n}}, function(x, xdot) return loss(x) end)\n"
             "if hn.params()[1] then\n"
             "  hn.fn(\"loss_grad\", {x = {4, 2 * n}, xdot = {4, 2 * n}}, function(x, xdot) local L = loss(x); return L, hn.grad(L, hn.params()) end)\n"
             "end\n",
          extra ? extra : "", radii == 1 ? "flow.radii_loss(T, H, x)"
                              : radii == 2 ? "flow.trajectory_loss(T, x, {relative = 1e-3})" : "flow.trajectory_loss(T, x)");
  fclose(f);
}

typedef struct Flow { Model m; FlowReport r; double *theta; char path[256]; } Flow;

/* Builds, compiles, and sets random non-identity parameters: the model's
 * initializers plus N(0, 0.3²) on every entry. */
static void flow_open(Flow *fl, int n, int blocks, int first, int radii, const char *extra, int backend, int dtype) {
  char err[8192];
  ModelOptions mo;
  rt_rng rng;
  long k;
  memset(&mo, 0, sizeof mo);
  mo.limits.dtype = dtype;
  model_text(fl->path, sizeof fl->path, n, blocks, first, radii, extra);
  if (model_build(&fl->m, fl->path, &mo, err, sizeof err)) fail_msg("%s", err);
  if (model_jit(&fl->m, backend, err, sizeof err)) fail_msg("%s", err);
  if (flow_describe(&fl->m, fl->path, &fl->r, err, sizeof err)) fail_msg("%s", err);
  fl->theta = malloc((fl->m.g->nparams_total + 1) * sizeof *fl->theta);
  init_params(fl->m.g, fl->m.g->seed, fl->theta);
  rt_rng_seed(&rng, 11, 1);
  for (k = 0; k < fl->m.g->nparams_total; k++) fl->theta[k] += 0.3 * rt_rng_normal(&rng);
}
static void flow_close(Flow *fl) {
  if (!getenv("HNNC_KEEP")) unlink(fl->path);
  flow_report_free(&fl->r);
  model_free(&fl->m);
  free(fl->theta);
}

/* Every layer kind at n = 1, 2, 5 and 1, 2, 5, 8 blocks (each kind starts a
 * stack once per n): JᵀΩJ, round trip and det J within 1e-12, every layer
 * within 1e-12, the loss gradient within 1e-6 of central differences. */
static void test_structure_double(void **state) {
  static const int ns[] = {1, 2, 5}, nblocks[] = {1, 2, 5, 8};
  int a, b, bad = 0;
  (void)state;
  for (a = 0; a < 3; a++)
    for (b = 0; b < 4; b++) {
      int first = (a * 4 + b) * 3 % NKINDS, i;
      Flow fl;
      char err[1024];
      flow_open(&fl, ns[a], nblocks[b], first, 0, NULL, JIT_TCC, 0);
      if (flow_measure(&fl.m, fl.theta, 8, 1.0, 5, 60, &fl.r, err, sizeof err)) fail_msg("%s", err);
      fprintf(stderr, "n=%d blocks=%d from %-12s symplectic %.2g roundtrip %.2g det %.2g grad %.2g\n", ns[a], nblocks[b],
              kinds[first], fl.r.symplectic_error, fl.r.roundtrip_error, fl.r.det_error, fl.r.grad_error);
      bad += !(fl.r.symplectic_error <= 1e-12) + !(fl.r.roundtrip_error <= 1e-12) + !(fl.r.det_error <= 1e-12);
      bad += !(fl.r.grad_error <= 1e-6 || (isnan(fl.r.grad_error) && !fl.m.g->nparam));
      bad += fl.r.failed + (fl.r.nlayers != nblocks[b]);
      for (i = 0; i < fl.r.nlayers; i++)
        if (!(fl.r.layer[i].symplectic_error <= 1e-12)) {
          fprintf(stderr, "  layer %d (%s): %.3g\n", i + 1, fl.r.layer[i].kind, fl.r.layer[i].symplectic_error);
          bad++;
        }
      flow_close(&fl);
    }
  assert_int_equal(bad, 0);
}

/* Each kind alone, so a failure names it, and the whole stack also through
 * the second-order conserved-radii loss. */
static void test_each_kind_and_radii_loss(void **state) {
  int k, bad = 0;
  (void)state;
  for (k = 0; k <= NKINDS + 1; k++) {
    Flow fl;
    char err[1024];
    int radii = k < NKINDS ? 0 : k == NKINDS ? 1 : 2;
    flow_open(&fl, 2, radii ? NKINDS : 1, radii ? 0 : k, radii, NULL, JIT_TCC, 0);
    if (flow_measure(&fl.m, fl.theta, 8, 1.0, 6, 60, &fl.r, err, sizeof err)) fail_msg("%s", err);
    fprintf(stderr, "%-12s symplectic %.2g roundtrip %.2g det %.2g grad %.2g\n",
            radii == 1 ? "radii loss" : radii == 2 ? "relative" : kinds[k],
            fl.r.symplectic_error, fl.r.roundtrip_error, fl.r.det_error, fl.r.grad_error);
    bad += !(fl.r.symplectic_error <= 1e-12) + !(fl.r.roundtrip_error <= 1e-12) + !(fl.r.det_error <= 1e-12);
    bad += !(fl.r.grad_error <= 1e-6 || (isnan(fl.r.grad_error) && !fl.m.g->nparam)) + fl.r.failed;
    flow_close(&fl);
  }
  assert_int_equal(bad, 0);
}

/* Float: the same structure within 1e-4. */
static void test_structure_float(void **state) {
  Flow fl;
  char err[1024];
  (void)state;
  flow_open(&fl, 2, 8, 0, 0, NULL, JIT_TCC, 2);
  assert_true(fl.m.g->is_float);
  if (flow_measure(&fl.m, fl.theta, 8, 1.0, 5, 1, &fl.r, err, sizeof err)) fail_msg("%s", err);
  fprintf(stderr, "float: symplectic %.2g roundtrip %.2g det %.2g\n", fl.r.symplectic_error, fl.r.roundtrip_error,
          fl.r.det_error);
  assert_true(fl.r.symplectic_error <= 1e-4 && fl.r.roundtrip_error <= 1e-4 && fl.r.det_error <= 1e-4);
  assert_true(fl.r.symplectic_error > 0); /* float really ran */
  flow_close(&fl);
}

/* Real NVP (not symplectic): log|det J| = logdet(x) and the inverse; the
 * check must refuse a false claim (a user's layer that scales by 2). */
static void test_nonsymplectic(void **state) {
  Flow fl;
  char err[1024];
  (void)state;
  flow_open(&fl, 2, 3, 0, 0,
            "local nvp = flow.realnvp{n = n, s = nn.mlp{sizes = {n, 6, n}}, t = nn.mlp{sizes = {n, 6, n}}}\n"
            "layers = {layers[1], nvp, layers[2], flow.realnvp{n = n, update = \"q\", s = nn.mlp{sizes = {n, 6, n}},"
            " t = nn.mlp{sizes = {n, 6, n}}}, layers[3], symplectic = false}\n",
            JIT_TCC, 0);
  if (flow_measure(&fl.m, fl.theta, 8, 1.0, 5, 60, &fl.r, err, sizeof err)) fail_msg("%s", err);
  fprintf(stderr, "realnvp: logdet %.2g roundtrip %.2g grad %.2g symplectic %.2g\n", fl.r.det_error, fl.r.roundtrip_error,
          fl.r.grad_error, fl.r.symplectic_error);
  assert_false(fl.r.claim);
  assert_true(fl.r.det_error <= 1e-12 && fl.r.roundtrip_error <= 1e-12 && fl.r.grad_error <= 1e-6);
  assert_true(fl.r.symplectic_error > 1e-3); /* Real NVP is not canonical */
  assert_false(fl.r.failed);                 /* and does not claim to be */
  assert_false(fl.r.layer[1].claim);
  flow_close(&fl);
  flow_open(&fl, 1, 1, 0, 0,
            "layers[2] = flow.layer{n = n, forward = function(X) return X * 2 end, inverse = function(Y) return Y / 2 end}\n",
            JIT_TCC, 0);
  if (flow_measure(&fl.m, fl.theta, 4, 1.0, 5, 0, &fl.r, err, sizeof err)) fail_msg("%s", err);
  assert_true(fl.r.failed && fl.r.layer[1].failed && !fl.r.layer[0].failed);
  assert_true(fabs(fl.r.layer[1].symplectic_error - 3) < 1e-12); /* JᵀΩJ = 4Ω */
  flow_close(&fl);
}

/* tcc and gcc: the same bits for forward, inverse, jacobian, loss_grad. */
static void call(Model *m, const char *name, long n, const double *theta, double *in, double *out) {
  int fi = model_func(m, name), j;
  double *ws = malloc((model_ws(m, fi, n) + 8) * sizeof *ws), **outs;
  const Func *f;
  long off = 0;
  assert_true(fi >= 0);
  f = &m->g->func[fi];
  outs = malloc(f->nout * sizeof *outs);
  for (j = 0; j < f->nout; j++) {
    const Node *o = &m->g->node[f->out[j]];
    outs[j] = out + off;
    off += shape_size(&o->shape) * (o->batched ? n : 1);
  }
  {
    const double *ins[2] = {in, in}; /* loss_grad(x, xdot): xdot unused */
    m->fn[fi]((int)n, theta, (const void *const *)ins, (void *const *)outs, ws);
  }
  free(ws), free(outs);
}

static void test_tcc_gcc_bits(void **state) {
  Flow a, b;
  static const char *const fns[] = {"forward", "inverse", "jacobian", "loss_grad"};
  double x[7 * 4 * 4], ya[4000], yb[4000];
  long i, bad = 0;
  rt_rng rng;
  (void)state;
  flow_open(&a, 2, 2, 1, 0, NULL, JIT_TCC, 0); /* gcc -O3 takes minutes on a */
  flow_open(&b, 2, 2, 1, 0, NULL, JIT_GCC, 0); /* continuous layer's unrolled C */
  rt_rng_seed(&rng, 4, 2);
  for (i = 0; i < 7 * 16; i++) x[i] = rt_rng_normal(&rng);
  for (i = 0; i < 4; i++) {
    memset(ya, 0, sizeof ya), memset(yb, 0, sizeof yb);
    call(&a.m, fns[i], 7, a.theta, x, ya);
    call(&b.m, fns[i], 7, b.theta, x, yb);
    bad += check_bits(fns[i], ya, yb, 4000);
  }
  assert_true(a.m.g->nparams_total * 2 < 4000);
  flow_close(&a), flow_close(&b);
  assert_int_equal(bad, 0);
}

/* The implicit midpoint by Newton's method (hn.solve on I - (h/2) Ω∇²G, row
 * by row) at a step h = 1 that 4 fixed-point iterations do not solve:
 * canonical and inverted to round-off with 4 Newton iterations, its loss
 * gradient within 1e-6 of central differences; the fixed-point map with
 * as many iterations is measurably not canonical. tcc and gcc agree bit for
 * bit on the Newton flow's functions. */
static void test_newton_midpoint(void **state) {
  static const char *const extra[2] = {
      "layers = {flow.continuous{n = n, G = net(2 * n), tau = 1, steps = 1}}\n",
      "layers = {flow.continuous{n = n, G = net(2 * n), tau = 1, steps = 1, solver = \"fixed_point\", iterations = 4}}\n"};
  int k, bad = 0;
  (void)state;
  for (k = 0; k < 2; k++) {
    Flow fl;
    char err[1024];
    flow_open(&fl, 1, 1, 4, 0, extra[k], JIT_TCC, 0); /* kind 4, exchange (no parameters), replaced */
    if (flow_measure(&fl.m, fl.theta, 8, 1.0, 6, 60, &fl.r, err, sizeof err)) fail_msg("%s", err);
    fprintf(stderr, "%-11s symplectic %.2g roundtrip %.2g det %.2g grad %.2g\n", k ? "fixed point" : "newton",
            fl.r.symplectic_error, fl.r.roundtrip_error, fl.r.det_error, fl.r.grad_error);
    if (k == 0) {
      static const char *const fns[] = {"forward", "inverse", "jacobian", "loss_grad"};
      double x[7 * 4 * 4], ya[400], yb[400];
      Flow gc;
      long i;
      bad += !(fl.r.symplectic_error <= 1e-12) + !(fl.r.roundtrip_error <= 1e-12) + !(fl.r.det_error <= 1e-12);
      bad += !(fl.r.grad_error <= 1e-6) + fl.r.failed;
      flow_open(&gc, 1, 1, 4, 0, extra[k], JIT_GCC, 0);
      for (i = 0; i < 7 * 16; i++) x[i] = sin(0.7 * i);
      for (i = 0; i < 4; i++) {
        memset(ya, 0, sizeof ya), memset(yb, 0, sizeof yb);
        call(&fl.m, fns[i], 7, fl.theta, x, ya);
        call(&gc.m, fns[i], 7, gc.theta, x, yb);
        bad += check_bits(fns[i], ya, yb, 400);
      }
      assert_true(fl.m.g->nparams_total * 2 < 400);
      flow_close(&gc);
    } else
      bad += !(fl.r.symplectic_error > 1e-9);
    flow_close(&fl);
  }
  assert_int_equal(bad, 0);
}

/* zero_center's moving average: trained on the full batch (the same
 * windows every step), the state after S steps is m (1 - 0.99^S), m the
 * data mean, whatever Adam does to the other parameters; and it is not
 * trained by Adam (its gradient is zero in training mode). */
static void test_zero_center_state(void **state) {
  Flow fl;
  Obj o;
  rt_objective obj;
  rt_dataset d;
  rt_train_options opt;
  rt_train_result res;
  char err[2048];
  long i, P, off = -1;
  int j, S = 10;
  double mean[4] = {0}, want;
  rt_rng rng;
  (void)state;
  flow_open(&fl, 2, 2, 0, 0, "layers[3] = flow.zero_center{n = n}\n", JIT_TCC, 0);
  P = fl.m.g->nparams_total;
  for (j = 0; j < fl.m.g->nparam; j++)
    if (!strcmp(fl.m.g->param[j].name, "zero_center1.mean")) off = fl.m.g->param[j].offset;
  assert_true(off >= 0);
  for (i = 0; i < 4; i++) fl.theta[off + i] = 0;
  if (bind_objective(&o, &obj, &fl.m, fl.path, err, sizeof err)) fail_msg("%s", err);
  /* loss(x [4, 4]) without xdot: the trainer's objective takes (x, xdot) */
  memset(&d, 0, sizeof d);
  d.dim = 16, d.ntrain = 6, d.ntest = 1;
  d.x_train = malloc(6 * 16 * sizeof *d.x_train), d.dx_train = calloc(6 * 16, sizeof *d.dx_train);
  d.x_test = calloc(16, sizeof *d.x_test), d.dx_test = calloc(16, sizeof *d.dx_test);
  rt_rng_seed(&rng, 9, 3);
  for (i = 0; i < 6 * 16; i++) d.x_train[i] = 1 + rt_rng_normal(&rng), mean[i % 4] += d.x_train[i] / 24;
  rt_train_defaults(&opt);
  opt.steps = S;
  if (rt_train(&obj, &d, &opt, fl.theta, &res, err, sizeof err)) fail_msg("%s", err);
  for (i = 0; i < 4; i++) {
    want = mean[i] * (1 - pow(0.99, S));
    assert_true(fabs(fl.theta[off + i] - want) <= 1e-12);
  }
  assert_true(P > 8);
  rt_train_result_free(&res), rt_dataset_free(&d), obj_free(&o), flow_close(&fl);
}

static char hnnc[4200]; /* the hnnc binary beside this program */

/* the number after "KEY": in a JSON line */
static double json_value(const char *json, const char *key) {
  char k[64];
  const char *p;
  snprintf(k, sizeof k, "\"%s\": ", key);
  p = strstr(json, k);
  if (p && p[strlen(k)] == '[') p++;
  return p ? strtod(p + strlen(k), NULL) : NAN;
}

/* `hnnc evaluate --json` of a flow with a known answer: one scale layer on
 * harmonic orbits (tests/models/flow_scale_harmonic.lua). s = 0 is the
 * identity: r = q² + p² is conserved (rel_std at the integrator's error),
 * Σ mean r = 1² + 0.5², the angle turns at -1, the loss is zero. s = 0.5
 * makes the orbits ellipses: a spread, and a loss. */
static void test_evaluate_known_flow(void **state) {
  char cmd[8400], out[4096];
  const char *params[2] = {"0", "0.5"};
  int k;
  (void)state;
  for (k = 0; k < 2; k++) {
    FILE *f = fopen("/tmp/hnnc_test_flows_s.txt", "w"), *p;
    size_t n;
    assert_non_null(f);
    fprintf(f, "%s\n", params[k]);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s evaluate tests/models/flow_scale_harmonic.lua --params /tmp/hnnc_test_flows_s.txt --json --cc tcc", hnnc);
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    assert_int_equal(pclose(p), 0);
    fprintf(stderr, "s = %s: %s", params[k], out);
    if (k == 0) {
      assert_true(json_value(out, "rel_std") < 1e-10 && json_value(out, "rel_std_heldout") < 1e-10);
      assert_true(fabs(json_value(out, "sum_mean_r") - 1.25) < 1e-9);
      assert_true(fabs(json_value(out, "angle_rates") + 1) < 1e-9);
      assert_true(json_value(out, "loss") < 1e-20);
    } else {
      assert_true(json_value(out, "rel_std") > 0.3 && json_value(out, "rel_std_heldout") > 0.3);
      assert_true(json_value(out, "loss") > 0.1);
    }
    /* the baseline (ω = 1: r = q² + p²) does not depend on the flow */
    assert_true(json_value(out, "baseline_rel_std") < 1e-10 && json_value(out, "baseline_rel_std_heldout") < 1e-10);
  }
  unlink("/tmp/hnnc_test_flows_s.txt");
}

/* flow_angle_rate (evaluate's angle_rates) on analytic latent curves, the
 * oracle being the curve's own formula: a circle of radius rho about the
 * origin in plane 2 of n = 2, (Q̂, P̂) = rho (cos(w t + phi), sin(w t + phi)),
 * at 1024 times in [0, 10] (and on an uneven grid), turns at w for every
 * radius down to 1e-12 and w = -1, 1, 2 (twice a period), -0.37; a circle of radius 1e-3 centred at (3e-3, 0), which does not enclose
 * the origin, at 0 (angles count turns about the origin). Plane 1 holds a
 * different circle, to catch a mixed-up index. */
static void test_angle_rate(void **state) {
  enum { T = 1024 };
  static double z[T * 4], t[T];
  const double rhos[] = {1, 1e-1, 1e-3, 1e-8, 1e-12}, ws[] = {-1, 1, 2, -0.37};
  int i, a, b, uneven;
  (void)state;
  for (uneven = 0; uneven < 2; uneven++)
    for (a = 0; a < 5; a++)
      for (b = 0; b < 4; b++) {
        for (i = 0; i < T; i++) {
          double u = i / (double)(T - 1);
          t[i] = 10 * (uneven ? u * u : u);
          z[4 * i + 0] = 2 * cos(3 * t[i]), z[4 * i + 2] = 2 * sin(3 * t[i]);
          z[4 * i + 1] = rhos[a] * cos(ws[b] * t[i] + 0.7), z[4 * i + 3] = rhos[a] * sin(ws[b] * t[i] + 0.7);
        }
        assert_true(fabs(flow_angle_rate(z, t, T, 2, 1) - ws[b]) < 1e-9);
        assert_true(fabs(flow_angle_rate(z, t, T, 2, 0) - 3) < 1e-9);
      }
  for (i = 0; i < T; i++) {
    t[i] = 10 * i / (double)(T - 1);
    z[4 * i + 1] = 3e-3 + 1e-3 * cos(t[i]), z[4 * i + 3] = -1e-3 * sin(t[i]);
  }
  assert_true(fabs(flow_angle_rate(z, t, T, 2, 1)) < 0.05); /* a bounded angle: no trend to speak of */
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_structure_double), cmocka_unit_test(test_each_kind_and_radii_loss),
      cmocka_unit_test(test_structure_float),  cmocka_unit_test(test_nonsymplectic),
      cmocka_unit_test(test_tcc_gcc_bits), cmocka_unit_test(test_newton_midpoint),     cmocka_unit_test(test_zero_center_state),
      cmocka_unit_test(test_evaluate_known_flow), cmocka_unit_test(test_angle_rate),
  };
  {
    const char *slash = strrchr(argv[0], '/');
    char cwd[2048];
    (void)argc;
    if (!getcwd(cwd, sizeof cwd)) return 1;
    if (slash) snprintf(hnnc, sizeof hnnc, "%s/%.*s/hnnc", argv[0][0] == '/' ? "" : cwd, (int)(slash - argv[0]), argv[0]);
    else snprintf(hnnc, sizeof hnnc, "%s/hnnc", cwd);
  }
  return cmocka_run_group_tests(tests, NULL, NULL);
}
