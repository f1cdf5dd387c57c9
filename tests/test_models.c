/* The shipped models, compiled: fields against finite differences of H,
 * loss gradients against finite differences of the loss, analytic cases
 * (harmonic field exactly (p, -q); Kepler's invariants conserved), and the
 * same bits from tcc and gcc and for every batch size. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "binding.h"
#include "check.h"
#include "harness.h"

#include <pthread.h>

typedef struct Loaded { Model m; double *theta; } Loaded;

/* The tests build every model with the verifiers on. */
static const ModelOptions verified = {.verify = 1};

static int no_fma; /* load the mul+add build of every model (--no-fma), not the default FMA one */

static void load(Loaded *l, const char *path, int backend) {
  char err[4096];
  ModelOptions mo = verified;
  mo.limits.fma = no_fma ? 1 : 0;
  if (model_build(&l->m, path, &mo, err, sizeof err)) fail_msg("%s", err);
  assert_int_equal(l->m.g->fma, !no_fma); /* FMA unless the model or --no-fma says otherwise */
  assert_int_equal(strstr(l->m.c.s, "#define HN_FMA 1\n") != NULL, !no_fma);
  if (model_jit(&l->m, backend, err, sizeof err)) fail_msg("%s", err);
  l->theta = malloc((l->m.g->nparams_total + 1) * sizeof *l->theta);
  init_params(l->m.g, l->m.g->seed, l->theta);
}
static void unload(Loaded *l) { model_free(&l->m); free(l->theta); }

static long out_size(const Model *m, int fi, int j, long n) {
  const Node *o = &m->g->node[m->g->func[fi].out[j]];
  return shape_size(&o->shape) * (o->batched ? n : 1);
}
static long in_size(const Model *m, int fi, int j) { return shape_size(&m->g->func[fi].in[j].shape); }

/* Calls function fi on n samples; out[j] must hold out_size doubles. */
static void call(Loaded *l, int fi, long n, const double *theta, double **in, double **out) {
  double *ws = malloc((model_ws(&l->m, fi, n) + 8) * sizeof *ws);
  l->m.fn[fi]((int)n, theta, (const void *const *)in, (void *const *)out, ws);
  free(ws);
}

/* The same call on a team of nt threads (cli/binding.c's work_call: the
   phases, chunks on every thread, the sums in chunk order). */
static void call_threads(Loaded *l, int fi, long n, const double *theta, double **in, double **out, int nt) {
  Work w;
  memset(&w, 0, sizeof w);
  w.pool = rt_pool_new(nt);
  assert_int_equal(rt_pool_size(w.pool), nt);
  assert_int_equal(work_call(&w, &l->m, fi, (int)n, theta, (const void *const *)in, (void *const *)out), 0);
  work_free(&w);
  rt_pool_free(w.pool);
}

/* Deterministic test inputs, in [-1.2, 1.2] (positions away from 0). */
static void fill(double *x, long n, int salt) {
  long i;
  for (i = 0; i < n; i++) x[i] = 1.2 * sin(0.37 * i + 1.3 * salt + 0.5) + (i % 2 ? 0 : 0.1);
}

static const char *const systems[] = {"models/systems/harmonic.lua", "models/systems/pendulum.lua",
                                      "models/systems/kepler.lua", "models/systems/henon_heiles.lua",
                                      "models/systems/fput.lua", "models/systems/two_body.lua",
                                      "models/systems/spring.lua", "models/hnn/pendulum.lua",
                                      "models/hnn/spring.lua", "models/hnn/two_body.lua"};
static const char *const trainable[] = {"models/hnn/pendulum.lua", "models/hnn/spring.lua", "models/hnn/two_body.lua",
                                        "models/baseline/pendulum.lua", "models/baseline/spring.lua",
                                        "models/baseline/two_body.lua"};
#define NSYS (int)(sizeof systems / sizeof *systems)

/* field = (dH/dp, -dH/dq), against central differences of the compiled H. */
static void test_field_vs_fd_of_H(void **state) {
  int s;
  long bad = 0;
  (void)state;
  for (s = 0; s < NSYS; s++) {
    Loaded l;
    int fH, fF, d, k;
    long i;
    double x[64], xp[64], xm[64], Hp, Hm, *pin[1], *pout[1], field[64], fd[64];
    const double h = 1e-6;
    load(&l, systems[s], JIT_TCC);
    fH = model_func(&l.m, "H"), fF = model_func(&l.m, "field");
    assert_true(fH >= 0 && fF >= 0);
    d = (int)in_size(&l.m, fF, 0);
    for (k = 0; k < 3; k++) {
      fill(x, d, k);
      /* away from collision; the HNN and spring models need no offset */
      if (strstr(systems[s], "kepler") || strstr(systems[s], "two_body")) x[0] += 1.5;
      pin[0] = x, pout[0] = field;
      call(&l, fF, 1, l.theta, pin, pout);
      for (i = 0; i < d; i++) {
        memcpy(xp, x, sizeof xp), memcpy(xm, x, sizeof xm);
        xp[i] += h, xm[i] -= h;
        pin[0] = xp, pout[0] = &Hp;
        call(&l, fH, 1, l.theta, pin, pout);
        pin[0] = xm, pout[0] = &Hm;
        call(&l, fH, 1, l.theta, pin, pout);
        /* Ω∇H: dq/dt = dH/dp, dp/dt = -dH/dq */
        if (i < d / 2) fd[i + d / 2] = -(Hp - Hm) / (2 * h);
        else fd[i - d / 2] = (Hp - Hm) / (2 * h);
      }
      bad += check_close(systems[s], field, fd, d, 1e-6, 1e-7);
    }
    unload(&l);
  }
  assert_int_equal(bad, 0);
}

/* Every trainable model's loss gradient against central differences of its
 * loss, at 60 parameters spread over all layers. */
static void test_loss_grad_vs_fd(void **state) {
  int t;
  long bad = 0;
  (void)state;
  for (t = 0; t < (int)(sizeof trainable / sizeof *trainable); t++) {
    Loaded l;
    int fL, fG, j, k, d;
    long n = 7, P, idx;
    double x[64], xd[64], *in[2], *out[16], loss, *grad, lp, lm, fd[60], got[60];
    const double h = 1e-6;
    load(&l, trainable[t], JIT_TCC);
    fL = model_func(&l.m, "loss"), fG = model_func(&l.m, "loss_grad");
    assert_true(fL >= 0 && fG >= 0);
    d = (int)in_size(&l.m, fL, 0);
    P = l.m.g->nparams_total;
    grad = malloc(P * sizeof *grad);
    fill(x, n * d, 1), fill(xd, n * d, 2);
    in[0] = x, in[1] = xd;
    out[0] = &loss;
    for (j = 0; j < l.m.g->nparam; j++) out[j + 1] = grad + l.m.g->param[j].offset; /* in theta's layout */
    call(&l, fG, n, l.theta, in, out);
    for (k = 0; k < 60; k++) {
      double save;
      idx = (k * 7919L) % P;
      save = l.theta[idx];
      l.theta[idx] = save + h, out[0] = &lp;
      call(&l, fL, n, l.theta, in, out);
      l.theta[idx] = save - h, out[0] = &lm;
      call(&l, fL, n, l.theta, in, out);
      l.theta[idx] = save;
      fd[k] = (lp - lm) / (2 * h);
      got[k] = grad[idx];
    }
    bad += check_close(trainable[t], got, fd, 60, 1e-5, 1e-9);
    free(grad);
    unload(&l);
  }
  assert_int_equal(bad, 0);
}

/* The harmonic field is exactly (p, -q), bit for bit. */
static void test_harmonic_exact(void **state) {
  Loaded l;
  int fF;
  long i, n = 1000;
  double *x = malloc(2 * n * sizeof *x), *f = malloc(2 * n * sizeof *f), *want = malloc(2 * n * sizeof *want), *in[1], *out[1];
  (void)state;
  load(&l, "models/systems/harmonic.lua", JIT_TCC);
  fF = model_func(&l.m, "field");
  fill(x, 2 * n, 3);
  for (i = 0; i < n; i++) x[2 * i] *= pow(10, (double)(i % 40) - 20), want[2 * i] = x[2 * i + 1], want[2 * i + 1] = -x[2 * i];
  in[0] = x, out[0] = f;
  call(&l, fF, n, l.theta, in, out);
  assert_int_equal(check_bits("harmonic field", f, want, 2 * n), 0);
  free(x), free(f), free(want);
  unload(&l);
}

/* Kepler: energy, angular momentum and the Laplace-Runge-Lenz vector have
 * zero rate along the compiled field: symbolically (jvp, to round-off) and
 * by central differences of the invariants along the field. */
static void test_kepler_invariants(void **state) {
  Loaded l;
  int fI, fR, fF, k, j;
  double x[4], f[4], rate[4], ip[4], im[4], xp[4], xm[4], *in[1], *out[1], worst = 0, worst_fd = 0;
  const double h = 1e-6;
  (void)state;
  load(&l, "models/systems/kepler.lua", JIT_TCC);
  fI = model_func(&l.m, "invariants"), fR = model_func(&l.m, "invariants_rate"), fF = model_func(&l.m, "field");
  for (k = 0; k < 50; k++) {
    double r = 0.5 + 0.03 * k, th = 0.7 * k, v = 1.1 / sqrt(r) * (0.8 + 0.01 * k);
    x[0] = r * cos(th), x[1] = r * sin(th), x[2] = -v * sin(th + 0.2), x[3] = v * cos(th + 0.2);
    in[0] = x, out[0] = rate;
    call(&l, fR, 1, l.theta, in, out);
    out[0] = f;
    call(&l, fF, 1, l.theta, in, out);
    for (j = 0; j < 4; j++) xp[j] = x[j] + h * f[j], xm[j] = x[j] - h * f[j];
    in[0] = xp, out[0] = ip;
    call(&l, fI, 1, l.theta, in, out);
    in[0] = xm, out[0] = im;
    call(&l, fI, 1, l.theta, in, out);
    for (j = 0; j < 4; j++) {
      double fd = (ip[j] - im[j]) / (2 * h);
      if (fabs(rate[j]) > worst) worst = fabs(rate[j]);
      if (fabs(fd) > worst_fd) worst_fd = fabs(fd);
    }
  }
  fprintf(stderr, "  kepler: largest |dI/dt| %.3g (symbolic), %.3g (finite differences)\n", worst, worst_fd);
  assert_true(worst < 1e-13);
  assert_true(worst_fd < 1e-8);
  unload(&l);
}

/* Every function of every model: tcc and gcc give the same bits, and a
 * sample's result does not depend on the batch it is computed in; in the
 * default build (fused multiply-adds: the hardware's on gcc, the C
 * library's under hnnc's tcc JIT) and in the mul+add build (state:
 * --no-fma). Every loaded model is checked to be the build asked for. */
static void test_tcc_gcc_and_batch_bits(void **state) {
  int s, fi, j;
  long bad = 0;
  no_fma = state && *state;
  const char *all[NSYS + 3];
  for (s = 0; s < NSYS; s++) all[s] = systems[s];
  all[NSYS] = trainable[3], all[NSYS + 1] = trainable[4], all[NSYS + 2] = trainable[5]; /* the baselines */
  for (s = 0; s < NSYS + 3; s++) {
    Loaded t, g;
    load(&t, all[s], JIT_TCC);
    load(&g, all[s], JIT_GCC);
    for (fi = 0; fi < t.m.g->nfunc; fi++) {
      Func *f = &t.m.g->func[fi];
      long n = 77, k;
      double *in[4], *ot[16], *og[16], *o1[16];
      int shared = 0;
      for (j = 0; j < f->nin; j++) {
        in[j] = malloc(n * in_size(&t.m, fi, j) * sizeof(double));
        fill(in[j], n * in_size(&t.m, fi, j), j);
        if (strstr(all[s], "kepler") || strstr(all[s], "two_body"))
          for (k = 0; k < n; k++) in[j][k * in_size(&t.m, fi, j)] += 1.5;
      }
      for (j = 0; j < f->nout; j++) {
        ot[j] = calloc(out_size(&t.m, fi, j, n) + 1, sizeof(double));
        og[j] = calloc(out_size(&t.m, fi, j, n) + 1, sizeof(double));
        o1[j] = calloc(out_size(&t.m, fi, j, n) + 1, sizeof(double));
        shared |= !t.m.g->node[f->out[j]].batched;
      }
      call(&t, fi, n, t.theta, in, ot);
      call(&g, fi, n, g.theta, in, og);
      for (j = 0; j < f->nout; j++) {
        char what[256];
        snprintf(what, sizeof what, "%s %s tcc vs gcc", all[s], f->name);
        bad += check_bits(what, ot[j], og[j], out_size(&t.m, fi, j, n));
      }
      for (k = 2; k <= 3; k++) { /* 77 samples, three chunks, on 2 and 3 threads (tcc): the bits of one */
        call_threads(&t, fi, n, t.theta, in, o1, (int)k);
        for (j = 0; j < f->nout; j++) {
          char what[256];
          snprintf(what, sizeof what, "%s %s on %ld threads vs one", all[s], f->name, k);
          bad += check_bits(what, ot[j], o1[j], out_size(&t.m, fi, j, n));
        }
      }
      if (!shared) { /* one sample at a time gives the same bits */
        double *in1[4], *out1[16];
        for (k = 0; k < n; k++) {
          for (j = 0; j < f->nin; j++) in1[j] = in[j] + k * in_size(&t.m, fi, j);
          for (j = 0; j < f->nout; j++) out1[j] = o1[j] + k * out_size(&t.m, fi, j, 1);
          call(&g, fi, 1, g.theta, in1, out1);
        }
        for (j = 0; j < f->nout; j++) {
          char what[256];
          snprintf(what, sizeof what, "%s %s batch of %ld vs one by one", all[s], f->name, n);
          bad += check_bits(what, og[j], o1[j], out_size(&t.m, fi, j, n));
        }
      }
      for (j = 0; j < f->nin; j++) free(in[j]);
      for (j = 0; j < f->nout; j++) free(ot[j]), free(og[j]), free(o1[j]);
    }
    unload(&t);
    unload(&g);
  }
  no_fma = 0;
  assert_int_equal(bad, 0);
}

/* Every function of a float model on tcc and gcc: the same bits (at 200
 * samples, where gcc's code on an AVX-512 target reads the weight of its
 * transposed products in panels, hn_mm_ntp); the field one sample at a
 * time (no panels) gives the bits of the batch; and the field agrees with
 * the double model to float precision. */
static float *float_run(Loaded *l, int fi, long n, const float *th, float *const *in) {
  Func *f = &l->m.g->func[fi];
  long tot = 0, j;
  float *out, *ws = malloc((model_ws(&l->m, fi, n) + 8) * sizeof *ws);
  void *vout[16];
  for (j = 0; j < f->nout; j++) tot += out_size(&l->m, fi, (int)j, n);
  out = calloc(tot, sizeof *out);
  for (j = 0, tot = 0; j < f->nout; j++) vout[j] = out + tot, tot += out_size(&l->m, fi, (int)j, n);
  l->m.fn[fi]((int)n, th, (const void *const *)in, vout, ws);
  free(ws);
  return out;
}
static void test_float_model(void **state) {
  Loaded t, g, d;
  int fi, fd, j;
  long n = 200, k, tot, bad = 0;
  float *xf = malloc(2 * n * sizeof *xf), *vf = malloc(2 * n * sizeof *vf), *thf, *ot, *og, *o1;
  float *in2[2] = {xf, vf}, *in1[2];
  double *x = malloc(2 * n * sizeof *x), *f64 = malloc(2 * n * sizeof *f64), *got = malloc(2 * n * sizeof *got);
  double *in[1] = {x}, *out[1] = {f64};
  (void)state;
  load(&t, "tests/models/pendulum_hnn_f32.lua", JIT_TCC);
  load(&g, "tests/models/pendulum_hnn_f32.lua", JIT_GCC);
  load(&d, "models/hnn/pendulum.lua", JIT_TCC);
  assert_true(t.m.g->is_float);
  thf = malloc(t.m.g->nparams_total * sizeof *thf);
  for (k = 0; k < t.m.g->nparams_total; k++) thf[k] = (float)t.theta[k], d.theta[k] = thf[k]; /* same weights */
  fill(x, 2 * n, 5), fill(f64, 2 * n, 6);
  for (k = 0; k < 2 * n; k++) xf[k] = (float)x[k], x[k] = xf[k], vf[k] = (float)f64[k];
  for (fi = 0; fi < t.m.g->nfunc; fi++) {
    Func *f = &t.m.g->func[fi];
    ot = float_run(&t, fi, n, thf, in2), og = float_run(&g, fi, n, thf, in2);
    for (j = 0, tot = 0; j < f->nout; j++) tot += out_size(&t.m, fi, j, n);
    if (memcmp(ot, og, tot * sizeof *ot)) fprintf(stderr, "  float %s: tcc and gcc differ\n", f->name), bad++;
    free(ot), free(og);
  }
  fi = model_func(&t.m, "field"), fd = model_func(&d.m, "field");
  og = float_run(&g, fi, n, thf, in2);
  for (k = 0; k < n; k++) { /* one sample at a time */
    in1[0] = xf + 2 * k, in1[1] = vf + 2 * k;
    o1 = float_run(&g, fi, 1, thf, in1);
    if (memcmp(o1, og + 2 * k, 2 * sizeof *o1)) bad++;
    free(o1);
  }
  assert_int_equal(bad, 0);
  call(&d, fd, n, d.theta, in, out);
  for (k = 0; k < 2 * n; k++) got[k] = og[k];
  assert_close("float field vs double field", got, f64, 2 * n, 1e-4, 1e-6);
  free(thf), free(og), free(xf), free(vf), free(x), free(f64), free(got);
  unload(&t), unload(&g), unload(&d);
}

/* A derivative with respect to a concatenation X = concat(x, 2x) that the
 * value reads only through slices (they fold to x and 2x): grad, jvp and
 * jacobian against the analytic gradient of y(X) = sum sin(X_i) X_{i+2} +
 * sum X_i^2 and against central differences of the compiled y; no warning. */
static void test_folded_concat_derivatives(void **state) {
  Loaded l;
  int fy, fg, fv, fj, k, i;
  long bad = 0;
  (void)state;
  load(&l, "tests/models/folded_concat.lua", JIT_TCC);
  assert_string_equal(model_warnings(&l.m), "");
  fy = model_func(&l.m, "y"), fg = model_func(&l.m, "grad"), fv = model_func(&l.m, "jvp");
  fj = model_func(&l.m, "jacobian");
  for (k = 0; k < 12; k++) {
    double x[2] = {-2.1 + 0.4 * k, 1.3 - 0.31 * k}, X[4], want[4], fd[4], g[4], t[4], tv, wantv = 0, J[8], wantJ[8];
    double *in[2], *out[1], h = 1e-6;
    X[0] = x[0], X[1] = x[1], X[2] = x[0] * 2, X[3] = x[1] * 2;
    for (i = 0; i < 2; i++) {
      want[i] = cos(X[i]) * X[i + 2] + 2 * X[i], want[i + 2] = sin(X[i]);
      wantJ[4 * i + i] = cos(X[i]) * X[i + 2], wantJ[4 * i + 1 - i] = 0;
      wantJ[4 * i + 2 + i] = sin(X[i]), wantJ[4 * i + 3 - i] = 0;
    }
    for (i = 0; i < 4; i++) { /* central differences of the compiled y */
      double Xp[4], Xm[4], yp, ym;
      memcpy(Xp, X, sizeof X), memcpy(Xm, X, sizeof X);
      Xp[i] += h, Xm[i] -= h;
      in[0] = Xp, out[0] = &yp, call(&l, fy, 1, l.theta, in, out);
      in[0] = Xm, out[0] = &ym, call(&l, fy, 1, l.theta, in, out);
      fd[i] = (yp - ym) / (2 * h);
      t[i] = 0.5 - 0.3 * i + 0.1 * k, wantv += want[i] * t[i];
    }
    in[0] = x, out[0] = g, call(&l, fg, 1, l.theta, in, out);
    in[0] = x, in[1] = t, out[0] = &tv, call(&l, fv, 1, l.theta, in, out);
    in[0] = x, out[0] = J, call(&l, fj, 1, l.theta, in, out);
    bad += check_close("grad vs analytic", g, want, 4, 1e-14, 1e-15);
    bad += check_close("grad vs central differences", g, fd, 4, 1e-7, 1e-8);
    bad += check_close("jvp vs analytic", &tv, &wantv, 1, 1e-13, 1e-14);
    bad += check_close("jacobian vs analytic", J, wantJ, 8, 1e-14, 1e-15);
  }
  unload(&l);
  assert_int_equal(bad, 0);
}

/* hn.solve against Cramer's rule, its gradients against the adjoint
 * method's closed form (b̄ = A⁻ᵀ w, Ā = -b̄ xᵀ), and tcc against gcc bit
 * for bit with per-sample systems that need row swaps. */
static void test_solve(void **state) {
  Loaded t, g;
  int fx, fg, fX, k, i, j;
  long bad = 0, n = 37;
  double A[37 * 18], b[37 * 6], xt[37 * 6], xg[37 * 6], *in[2], *out[2];
  (void)state;
  load(&t, "tests/models/solve.lua", JIT_TCC);
  load(&g, "tests/models/solve.lua", JIT_GCC);
  fx = model_func(&t.m, "x"), fg = model_func(&t.m, "grads"), fX = model_func(&t.m, "X");
  for (k = 0; k < 9; k++) {
    double a[4] = {0.3 + 0.2 * k, 2 - 0.1 * k, 1.5 + 0.05 * k, -0.4 + 0.3 * k}, r[2] = {1 - 0.2 * k, 0.5 + 0.1 * k};
    double det = a[0] * a[3] - a[1] * a[2], x[2], want[2], wb[2], wA[4], gA[4], gb[2], w[2] = {0.7, -1.3};
    want[0] = (a[3] * r[0] - a[1] * r[1]) / det, want[1] = (a[0] * r[1] - a[2] * r[0]) / det;
    wb[0] = (a[3] * w[0] - a[2] * w[1]) / det, wb[1] = (a[0] * w[1] - a[1] * w[0]) / det; /* A⁻ᵀ w */
    for (i = 0; i < 2; i++)
      for (j = 0; j < 2; j++) wA[2 * i + j] = -wb[i] * want[j];
    in[0] = a, in[1] = r, out[0] = x, call(&t, fx, 1, t.theta, in, out);
    out[0] = gA, out[1] = gb, call(&t, fg, 1, t.theta, in, out);
    bad += check_close("solve vs Cramer", x, want, 2, 1e-14, 1e-15);
    bad += check_close("dA vs adjoint closed form", gA, wA, 4, 1e-13, 1e-15);
    bad += check_close("db vs adjoint closed form", gb, wb, 2, 1e-13, 1e-15);
  }
  for (i = 0; i < n * 18; i++) A[i] = sin(1.7 * i + 0.3) + (i % 9 == 1 || i % 9 == 3 ? 2.5 : 0); /* pivots swap */
  for (i = 0; i < n * 6; i++) b[i] = cos(0.9 * i);
  in[0] = A, in[1] = b, out[0] = xt, call(&t, fX, n, t.theta, in, out);
  out[0] = xg, call(&g, fX, n, g.theta, in, out);
  bad += check_bits("solve tcc vs gcc", xt, xg, n * 6);
  fX = model_func(&t.m, "rows"); /* rows of 3 x 3 systems: the same inputs, a right side per row */
  out[0] = xt, call(&t, fX, n, t.theta, in, out);
  out[0] = xg, call(&g, fX, n, g.theta, in, out);
  bad += check_bits("rows of systems tcc vs gcc", xt, xg, n * 6);
  for (k = 0; k < n * 2; k++) { /* each row's residual A x - b */
    double res[3], zero[3] = {0, 0, 0};
    for (i = 0; i < 3; i++) {
      res[i] = -b[3 * k + i];
      for (j = 0; j < 3; j++) res[i] += A[9 * k + 3 * i + j] * xt[3 * k + j];
    }
    bad += check_close("rows of systems: residual", res, zero, 3, 0, 1e-13);
  }
  unload(&t), unload(&g);
  assert_int_equal(bad, 0);
}

/* relu'' = 0 makes a field-matching loss blind to curvature: hnnc warns
 * at the line of the network; a tanh network gets no warning. */
static void test_relu_warning(void **state) {
  Model m;
  char err[4096];
  (void)state;
  if (model_build(&m, "tests/models/relu_hnn.lua", &verified, err, sizeof err)) fail_msg("%s", err);
  assert_non_null(strstr(model_warnings(&m), "tests/models/relu_hnn.lua:4: warning: the second derivative of relu is zero"));
  model_free(&m);
  if (model_build(&m, "models/hnn/pendulum.lua", &verified, err, sizeof err)) fail_msg("%s", err);
  assert_string_equal(model_warnings(&m), "");
  model_free(&m);
}

/* hn.jacobian, hn.hvp and nested grad against their closed forms. */
static void test_jacobian_hvp(void **state) {
  Loaded l;
  int fj = -1, fh = -1, fr = -1, k;
  long bad = 0;
  (void)state;
  load(&l, "tests/models/pendulum_derivatives.lua", JIT_TCC);
  fj = model_func(&l.m, "jacobian"), fh = model_func(&l.m, "hvp"), fr = model_func(&l.m, "hvp_rev");
  for (k = 0; k < 20; k++) {
    double x[2] = {-2.5 + 0.27 * k, 0.3 - 0.1 * k}, v[2] = {0.7 - 0.05 * k, -1.1 + 0.13 * k};
    double J[4], hv[2], hr[2], wantJ[4], wanth[2], *in[2], *out[1];
    wantJ[0] = 0, wantJ[1] = 2, wantJ[2] = -3 * cos(x[0]), wantJ[3] = 0;
    wanth[0] = 3 * cos(x[0]) * v[0], wanth[1] = 2 * v[1];
    in[0] = x, in[1] = v;
    out[0] = J;
    call(&l, fj, 1, l.theta, in, out);
    out[0] = hv;
    call(&l, fh, 1, l.theta, in, out);
    out[0] = hr;
    call(&l, fr, 1, l.theta, in, out);
    bad += check_close("jacobian", J, wantJ, 4, 4e-16, 1e-15);
    bad += check_close("hvp", hv, wanth, 2, 4e-16, 1e-15);
    bad += check_close("hvp reverse over reverse", hr, wanth, 2, 4e-16, 1e-15);
  }
  assert_int_equal(bad, 0);
  unload(&l);
}

/* The generated code is reentrant: two threads calling the same kernel on
 * their own workspaces get the bits of a lone call. */
typedef struct Job { Loaded *l; int fi; long n; double *x, *out, *ws; int reps; } Job;
static void *job_run(void *arg) {
  Job *j = arg;
  int r;
  for (r = 0; r < j->reps; r++) {
    const void *in[1] = {j->x};
    void *out[1] = {j->out};
    j->l->m.fn[j->fi]((int)j->n, j->l->theta, in, out, j->ws);
  }
  return NULL;
}
static void test_two_threads(void **state) {
  Loaded l;
  Job jobs[2];
  pthread_t th[2];
  double *want;
  long n = 64;
  int k;
  (void)state;
  load(&l, "models/hnn/pendulum.lua", JIT_GCC);
  want = malloc(2 * n * sizeof *want);
  for (k = 0; k < 2; k++) {
    jobs[k].l = &l, jobs[k].fi = model_func(&l.m, "field"), jobs[k].n = n, jobs[k].reps = 200;
    jobs[k].x = malloc(2 * n * sizeof(double)), jobs[k].out = malloc(2 * n * sizeof(double));
    jobs[k].ws = malloc((model_ws(&l.m, jobs[k].fi, n) + 8) * sizeof(double));
    fill(jobs[k].x, 2 * n, 9);
  }
  jobs[0].reps = 1;
  job_run(&jobs[0]);
  memcpy(want, jobs[0].out, 2 * n * sizeof *want);
  jobs[0].reps = 200;
  for (k = 0; k < 2; k++) pthread_create(&th[k], NULL, job_run, &jobs[k]);
  for (k = 0; k < 2; k++) pthread_join(th[k], NULL);
  for (k = 0; k < 2; k++) {
    assert_int_equal(check_bits("field from a thread", jobs[k].out, want, 2 * n), 0);
    free(jobs[k].x), free(jobs[k].out), free(jobs[k].ws);
  }
  free(want);
  unload(&l);
}

/* A compile error in generated code names the model line of its node. */
static void test_jit_error_mapping(void **state) {
  Jit j;
  char err[1024];
  const char *src = "void f(double *y)\n{\n  { /* %7 = add %5 %6 : [2] per sample, models/x.lua:12 */\n    y[0] = 1 +;\n  }\n}\n";
  (void)state;
  assert_int_not_equal(jit_compile(&j, JIT_TCC, src, err, sizeof err), 0);
  assert_non_null(strstr(err, "models/x.lua:12: error: generated C did not compile"));
  /* a node the layer library made: the user's line, not the library's */
  src = "void f(double *y)\n{\n  { /* %7 = add %5 %6 : [2] per sample, models/x.lua:9 (hnnc/nn.lua:60 in mlp()) */\n"
        "    y[0] = 1 +;\n  }\n}\n";
  assert_int_not_equal(jit_compile(&j, JIT_TCC, src, err, sizeof err), 0);
  assert_non_null(strstr(err, "models/x.lua:9: error: generated C did not compile"));
}

/* Values kept for all samples across a batch reduction: the centered
 * output against a direct computation, and the gradient of a loss through
 * the batch mean against finite differences, at a batch larger than a chunk. */
static void test_batch_mean_layer(void **state) {
  Loaded l;
  int fc, fg, i, j, k;
  long n = 77, s;
  double *x = malloc(3 * n * sizeof *x), *y = malloc(3 * n * sizeof *y), *want = malloc(3 * n * sizeof *want);
  double mean[3] = {0, 0, 0}, *W, L, grad[9], fd[9], scratch[9], *in[1], *out[2];
  const double h = 1e-6;
  (void)state;
  load(&l, "tests/models/zero_center.lua", JIT_TCC);
  W = l.theta;
  fc = model_func(&l.m, "center"), fg = model_func(&l.m, "loss_grad");
  fill(x, 3 * n, 4);
  for (s = 0; s < n; s++)
    for (j = 0; j < 3; j++) {
      double a = 0;
      for (k = 0; k < 3; k++) a += x[s * 3 + k] * W[k * 3 + j];
      want[s * 3 + j] = tanh(a);
      mean[j] += tanh(a) / n;
    }
  for (s = 0; s < n; s++)
    for (j = 0; j < 3; j++) want[s * 3 + j] -= mean[j];
  in[0] = x, out[0] = y;
  call(&l, fc, n, l.theta, in, out);
  assert_close("centered", y, want, 3 * n, 1e-13, 1e-14);
  out[0] = &L, out[1] = grad;
  call(&l, fg, n, l.theta, in, out);
  for (i = 0; i < 9; i++) {
    double lp, lm, save = W[i];
    out[1] = scratch; /* the gradient output of these calls is not used */
    W[i] = save + h, out[0] = &lp;
    call(&l, fg, n, l.theta, in, out);
    W[i] = save - h, out[0] = &lm;
    call(&l, fg, n, l.theta, in, out);
    W[i] = save;
    fd[i] = (lp - lm) / (2 * h);
  }
  assert_close("gradient through the batch mean", grad, fd, 9, 1e-6, 1e-9);
  for (k = 2; k <= 3; k++) { /* four phases, a value kept for all samples: the same bits on 2 and 3 threads */
    double y2[3 * 77], L2, grad2[9];
    out[0] = y2;
    call_threads(&l, fc, n, l.theta, in, out, k);
    assert_int_equal(check_bits("centered on threads", y, y2, 3 * n), 0);
    out[0] = &L, out[1] = grad;
    call(&l, fg, n, l.theta, in, out);
    out[0] = &L2, out[1] = grad2;
    call_threads(&l, fg, n, l.theta, in, out, k);
    assert_int_equal(check_bits("loss on threads", &L, &L2, 1), 0);
    assert_int_equal(check_bits("gradient on threads", grad, grad2, 9), 0);
  }
  free(x), free(y), free(want);
  unload(&l);
}

static int on = 1;
int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_batch_mean_layer),
      cmocka_unit_test(test_two_threads),
      cmocka_unit_test(test_jit_error_mapping),
      cmocka_unit_test(test_jacobian_hvp),
      cmocka_unit_test(test_relu_warning),
      cmocka_unit_test(test_folded_concat_derivatives),
      cmocka_unit_test(test_solve),
      cmocka_unit_test(test_float_model),
      cmocka_unit_test(test_field_vs_fd_of_H),
      cmocka_unit_test(test_loss_grad_vs_fd),
      cmocka_unit_test(test_harmonic_exact),
      cmocka_unit_test(test_kepler_invariants),
      cmocka_unit_test(test_tcc_gcc_and_batch_bits),
      cmocka_unit_test_prestate(test_tcc_gcc_and_batch_bits, &on),
  };
  return cmocka_run_group_tests_name("models", tests, NULL, NULL);
}
