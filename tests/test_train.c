/* tests of runtime/train.c, checkpoint.c, evaluate.c and the train verbs
 *
 * Oracles: Adam against a two-step example computed by hand (the numbers
 * in the comment); the energy-metric grouping against exact arithmetic;
 * the first 10 training losses of a small model against
 * tests/golden/train_losses.txt (written once by `make regen`, which runs
 * this program with --regen-golden FILE, and reviewed like code) in the
 * default build (fused multiply-adds), and against
 * tests/golden/train_losses_no_fma.txt in the mul+add build (--no-fma:
 * the file as the mul+add default wrote it before FMA became the
 * default), the two agreeing within the rounding bound derived below; and
 * self-consistency where bits are the contract: the same seed twice, a
 * resumed run against an uninterrupted one. The command-line part runs
 * the hnnc binary next to this program on bad input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adam.h"
#include "binding.h"
#include "check.h"
#include "checkpoint.h"
#include "data.h"
#include "evaluate.h"
#include "hnnc.h"
#include "npy.h"
#include "train.h"
#include "published.h"

#define GOLDEN "tests/golden/train_losses.txt"
#define GOLDEN_NO_FMA "tests/golden/train_losses_no_fma.txt"

static char tmpdir[64];
static char hnnc[4200]; /* the hnnc binary beside this program */

/* ---- the small model, written here ---- */

static const char *tiny_src =
    "local hn = require \"hnnc\"\n"
    "local nn = require \"hnnc.nn\"\n"
    "hn.model{name = \"tiny_hnn\", seed = 3%s}\n"
    "hn.train{task = \"spring\", system = \"spring.lua\", steps = 12, lr = %s, weight_decay = 1e-4, batch = %s}\n"
    "local mlp = nn.mlp{sizes = {2, 8, 8, 2}, act = \"%s\", init = \"orthogonal\", last_bias = false}\n"
    "local function H(x) return mlp(x)[2] end\n"
    "local field = hn.field(H)\n"
    "local function loss(x, xdot) return hn.batch_mean(hn.mean(hn.square(field(x) - xdot))) end\n"
    "hn.fn(\"H\", {x = 2}, H)\n"
    "hn.fn(\"field\", {x = 2}, field)\n"
    "hn.fn(\"loss\", {x = 2, xdot = 2}, loss)\n"
    "hn.fn(\"loss_grad\", {x = 2, xdot = 2}, function(x, xdot)\n"
    "  local L = loss(x, xdot)\n"
    "  return L, hn.grad(L, hn.params())\n"
    "end)\n";

/* a loss unbounded below (-w) plus 0 * exp(w): Adam moves w by about lr
   a step, and once exp(w) overflows (w > 709.8) the loss is 0 * inf = NaN;
   with lr 100 that is the test loss after the 7th or 8th update */
static const char *diverge_src =
    "local hn = require \"hnnc\"\n"
    "hn.model{name = \"diverge\", seed = 1}\n"
    "hn.train{task = \"spring\", system = \"spring.lua\", steps = 100, lr = 100, weight_decay = 0, batch = 0}\n"
    "local w = hn.param{shape = {1}, init = \"zeros\", name = \"w\"}\n"
    "local function field(x) return x * hn.exp(w[1] * 1e-9) end\n"
    "local function loss(x, xdot)\n"
    "  return hn.batch_mean(hn.mean(hn.square(field(x) - xdot))) - w[1] + hn.exp(w[1]) * 0\n"
    "end\n"
    "hn.fn(\"field\", {x = 2}, field)\n"
    "hn.fn(\"loss\", {x = 2, xdot = 2}, loss)\n"
    "hn.fn(\"loss_grad\", {x = 2, xdot = 2}, function(x, xdot)\n"
    "  local L = loss(x, xdot)\n"
    "  return L, hn.grad(L, hn.params())\n"
    "end)\n";

static const char *spring_src =
    "local hn = require \"hnnc\"\n"
    "local function H(x) return hn.square(x[1]) + hn.square(x[2]) end\n"
    "hn.fn(\"H\", {x = 2}, H)\n"
    "hn.fn(\"field\", {x = 2}, hn.field(H))\n";

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* writes DIR/NAME.lua (dtype "float" or NULL, lr, batch; tanh, or
   softplus if the name has "sp") and returns its path */
static const char *tiny_file(const char *name, const char *dtype, const char *lr, const char *batch) {
  static char path[256];
  char src[4096], extra[64] = "";
  if (dtype) snprintf(extra, sizeof extra, ", dtype = \"%s\"", dtype);
  snprintf(src, sizeof src, tiny_src, extra, lr, batch, strstr(name, "sp") ? "softplus" : "tanh");
  snprintf(path, sizeof path, "%s/%s.lua", tmpdir, name);
  write_text(path, src);
  return path;
}

/* the spring's true field, (dH/dp, -dH/dq) with H = q^2 + p^2 */
static int spring_field(void *ctx, int n, const double *x, double *xdot) {
  int i;
  (void)ctx;
  for (i = 0; i < n; i++) xdot[2 * i] = 2 * x[2 * i + 1], xdot[2 * i + 1] = -2 * x[2 * i];
  return 0;
}

/* 6 spring trajectories: 90 train and 90 test rows */
static void small_data(rt_dataset *d) {
  rt_task t = *rt_task_find("spring");
  rt_system s = {spring_field, NULL, 2, 0, 0};
  char err[512];
  t.ntraj = 6;
  assert_int_equal(rt_dataset_make(&t, &s, NULL, 5, d, err, sizeof err), 0);
  assert_int_equal(d->ntrain, 90);
}

/* a compiled model bound as an objective by the CLI's binding (one model
   hash) */
typedef struct Bound {
  Model m;
  Obj o;
  rt_objective obj;
} Bound;

static int no_fma; /* bind() builds the mul+add products (--no-fma) */

static Bound *bind_cc(const char *path, int backend) {
  Bound *b = calloc(1, sizeof *b);
  char err[4096];
  ModelOptions mo = {.verify = 1};
  mo.limits.fma = no_fma ? 1 : 0;
  if (model_build(&b->m, path, &mo, err, sizeof err) || model_jit(&b->m, backend, err, sizeof err) ||
      bind_objective(&b->o, &b->obj, &b->m, path, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    fail();
  }
  return b;
}

static Bound *bind(const char *path) { return bind_cc(path, JIT_TCC); }

static void unbind(Bound *b) {
  obj_free(&b->o);
  model_free(&b->m);
  free(b);
}

/* the initial parameters in the model's element type */
static void *init_theta(Bound *b, uint64_t seed) {
  long P = b->obj.nparams, i;
  double *t = malloc(P * sizeof *t);
  init_params(b->m.g, seed, t);
  if (b->obj.is_float) {
    float *f = malloc(P * sizeof *f);
    for (i = 0; i < P; i++) f[i] = (float)t[i];
    free(t);
    return f;
  }
  return t;
}

static void options(rt_train_options *o, long steps, const char *dir) {
  rt_train_defaults(o);
  o->steps = steps;
  o->lr = 1e-2;
  o->weight_decay = 1e-4;
  o->seed = 7;
  o->dir = dir;
  o->checkpoint_every = 5;
}

static const char *subdir(const char *name) {
  static char path[4][256];
  static int k;
  char *p = path[k++ % 4];
  snprintf(p, 256, "%s/%s", tmpdir, name);
  mkdir(p, 0777);
  return p;
}

/* ---- setup ---- */

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f) {
  (void)sb, (void)flag, (void)f;
  return remove(p);
}
static int setup(void **state) {
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "/tmp/hnnc_train_XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  {
    char p[256];
    snprintf(p, sizeof p, "%s/spring.lua", tmpdir);
    write_text(p, spring_src);
  }
  return 0;
}
static int teardown(void **state) {
  (void)state;
  nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  return 0;
}

/* ---- Adam ---- */

/* lr 0.1, weight decay 0.01, theta (1, -2), gradients (0.5, -1) then
 * (0.25, 2). Step 1: g = grad + 0.01 theta = (0.51, -1.02), m = 0.1 g,
 * v = 0.001 g^2, step size 0.1 / (1 - 0.9) = 1, denominator
 * sqrt(v) / sqrt(0.001) + 1e-8 = |g| + 1e-8: theta = (1 - 0.51/(0.51 + 1e-8),
 * -2 + 1.02/(1.02 + 1e-8)) = (0.90000000196, -1.90000000098). Step 2:
 * g = (0.259, 1.981), m = (0.0718, 0.1063), v = (3.269209e-4, 4.9637206e-3),
 * step size 0.1/0.19, denominator sqrt(v)/sqrt(1 - 0.999^2) + 1e-8:
 * theta = (0.80655504105, -1.93550441866). */
static void test_adam_two_steps(void **state) {
  double theta[2] = {1, -2}, m[2] = {0, 0}, v[2] = {0, 0}, g1[2] = {0.5, -1}, g2[2] = {0.25, 2};
  double t1[2] = {0.9000000019607843, -1.9000000009803921}, t2[2] = {0.8065550410499319, -1.9355044186569044};
  double m2[2] = {0.07180000000196077, 0.10629999999901958}, v2[2] = {0.0003269209000101572, 0.004963720599961162};
  float tf[2] = {1, -2}, mf[2] = {0, 0}, vf[2] = {0, 0}, gf1[2] = {0.5f, -1}, gf2[2] = {0.25f, 2};
  double tfd[2];
  rt_adam a, af;
  (void)state;
  rt_adam_init(&a, 0.1, 0.01);
  rt_adam_step(&a, 2, theta, g1, m, v);
  assert_close("theta after step 1", theta, t1, 2, 1e-15, 0);
  rt_adam_step(&a, 2, theta, g2, m, v);
  assert_close("theta after step 2", theta, t2, 2, 1e-14, 0);
  assert_close("m after step 2", m, m2, 2, 1e-14, 0);
  assert_close("v after step 2", v, v2, 2, 1e-14, 0);
  assert_int_equal(a.step, 2);
  /* float: the same to float precision */
  rt_adam_init(&af, 0.1, 0.01);
  rt_adam_stepf(&af, 2, tf, gf1, mf, vf);
  rt_adam_stepf(&af, 2, tf, gf2, mf, vf);
  tfd[0] = tf[0], tfd[1] = tf[1];
  assert_close("float theta after step 2", tfd, t2, 2, 1e-5, 0);
}

/* ---- the energy metric's arithmetic ---- */

static void test_energy_grouping(void **state) {
  double v[15], mean, se, four[4] = {1, 2, 3, 4}, t_true[100], t_learned[100], t1, t1l;
  const rt_task *spring = rt_task_find("spring"), *pend = rt_task_find("pendulum");
  int i;
  (void)state;
  /* 1..15: group means 2, 5, 8, 11, 14; mean 8; std (ddof 0) of the group
     means sqrt((36 + 9 + 0 + 9 + 36) / 5) = sqrt(18); / sqrt(5) = sqrt(3.6) */
  for (i = 0; i < 15; i++) v[i] = i + 1;
  assert_int_equal(rt_group_stats(v, 15, 5, &mean, &se), 0);
  assert_true(mean == 8);
  assert_close("group se", &se, (double[]){1.8973665961010275}, 1, 1e-15, 0);
  /* equal groups: no error bar */
  for (i = 0; i < 15; i++) v[i] = i % 3;
  rt_group_stats(v, 15, 5, &mean, &se);
  assert_true(mean == 1 && se == 0);
  assert_int_not_equal(rt_group_stats(v, 14, 5, &mean, &se), 0);
  /* loss: std (ddof 1) of 1..4 = sqrt(5/3), over sqrt(rows = 2) */
  rt_loss_stats(four, 4, 2, &mean, &se);
  assert_true(mean == 2.5);
  assert_close("loss se", &se, (double[]){0.9128709291752768}, 1, 1e-15, 0);
  /* time grids: spring, published: rollout 0 runs the truth on [0, 20 f]
     and the model on [0, 20 f^2]; rollout 14 the model up to 20 f^16 =
     79.406 (f = 1.09); corrected and pendulum: [0, 20] both */
  rt_energy_times(spring, RT_PROTOCOL_PUBLISHED, 0, &t1, t_true, &t1l, t_learned);
  assert_close("spring t1 true 0", &t1, (double[]){21.8}, 1, 1e-15, 0);
  assert_close("spring t1 learned 0", &t1l, (double[]){21.8 * 1.09}, 1, 1e-15, 0);
  assert_true(t_true[99] == t1 && t_learned[99] == t1l && t_true[0] == 0);
  rt_energy_times(spring, RT_PROTOCOL_PUBLISHED, 14, &t1, t_true, &t1l, t_learned);
  assert_close("spring t1 learned 14", &t1l, (double[]){79.40611762118803}, 1, 1e-14, 0);
  assert_close("spring t[50] learned 14", &t_learned[50], (double[]){79.40611762118803 * 50 / 99}, 1, 1e-14, 0);
  rt_energy_times(spring, RT_PROTOCOL_CORRECTED, 14, &t1, t_true, &t1l, t_learned);
  assert_true(t1 == 20 && t1l == 20 && t_learned[99] == 20);
  rt_energy_times(pend, RT_PROTOCOL_PUBLISHED, 14, &t1, t_true, &t1l, t_learned);
  assert_true(t1 == 20 && t1l == 20);
}

/* the metric with the true field as the "learned" one gives zero; a
   damped field loses energy, and the error bar is that of the groups */
static int spring_damped(void *ctx, int n, const double *x, double *xdot) {
  int i;
  spring_field(ctx, n, x, xdot);
  for (i = 0; i < 2 * n; i++) xdot[i] -= *(double *)ctx * x[i];
  return 0;
}
static int spring_energy(void *ctx, int n, const double *x, double *e) {
  int i;
  (void)ctx;
  for (i = 0; i < n; i++) e[i] = x[2 * i] * x[2 * i] + x[2 * i + 1] * x[2 * i + 1];
  return 0;
}
static void test_energy_metric(void **state) {
  const rt_task *t = rt_task_find("spring");
  double damping = 0, mse[15], mean, se, m2, se2;
  rt_system truth = {spring_field, NULL, 2, 0, 0}, model = {spring_damped, &damping, 2, 0, 0};
  rt_energy H = {spring_energy, NULL};
  char err[256];
  (void)state;
  assert_int_equal(rt_energy_metric(t, RT_PROTOCOL_CORRECTED, &truth, &model, &H, 0, mse, &mean, &se, NULL, NULL, err, sizeof err), 0);
  assert_true(mean < 1e-18);
  /* published: the same trajectory on other time grids, to t = 79, at
     scipy's default atol 1e-6: the integration error's floor */
  assert_int_equal(rt_energy_metric(t, RT_PROTOCOL_PUBLISHED, &truth, &model, &H, 0, mse, &mean, &se, NULL, NULL, err, sizeof err), 0);
  fprintf(stderr, "  published spring protocol, exact field: energy MSE %.3g\n", mean);
  assert_true(mean < 1e-10);
  damping = 0.01;
  assert_int_equal(rt_energy_metric(t, RT_PROTOCOL_CORRECTED, &truth, &model, &H, 0, mse, &mean, &se, NULL, NULL, err, sizeof err), 0);
  rt_group_stats(mse, 15, 5, &m2, &se2);
  assert_true(mean > 1e-3 && mean == m2 && se == se2 && se > 0);
  /* the published spring protocol runs the model longer: more energy lost */
  assert_int_equal(rt_energy_metric(t, RT_PROTOCOL_PUBLISHED, &truth, &model, &H, 0, mse, &m2, &se2, NULL, NULL, err, sizeof err), 0);
  assert_true(m2 > 2 * mean);
}

/* ---- training ---- */

/* the losses of two runs, bit for bit (NaN where not evaluated) */
static int hist_bits_equal(const rt_train_result *a, const rt_train_result *b) {
  long i, bad = 0;
  if (a->nhist != b->nhist) return 0;
  for (i = 0; i < a->nhist; i++)
    bad += check_bits("train loss", &a->hist[4 * i + 1], &b->hist[4 * i + 1], 1) +
           check_bits("test loss", &a->hist[4 * i + 2], &b->hist[4 * i + 2], 1);
  return bad == 0;
}

static void run_twice(const char *model, long batch, int sampler) {
  Bound *b = bind(model);
  rt_dataset d;
  rt_train_options o;
  rt_train_result r1, r2;
  void *t1 = init_theta(b, 7), *t2 = init_theta(b, 7);
  char err[1024];
  size_t es = b->obj.is_float ? 4 : 8;
  small_data(&d);
  options(&o, 9, NULL);
  o.batch = batch, o.sampler = sampler, o.test_batch = batch ? 20 : 0;
  assert_int_equal(rt_train(&b->obj, &d, &o, t1, &r1, err, sizeof err), 0);
  assert_int_equal(rt_train(&b->obj, &d, &o, t2, &r2, err, sizeof err), 0);
  assert_int_equal(r1.nhist, 9);
  assert_true(hist_bits_equal(&r1, &r2));
  assert_memory_equal(t1, t2, b->obj.nparams * es);
  assert_true(isfinite(r1.hist[4 * 8 + 1]) && r1.hist[4 * 8 + 1] < r1.hist[1]);
  rt_train_result_free(&r1), rt_train_result_free(&r2);
  free(t1), free(t2);
  rt_dataset_free(&d);
  unbind(b);
}

static void test_same_seed_same_bits(void **state) {
  (void)state;
  run_twice(tiny_file("tiny", NULL, "1e-2", "0"), 0, RT_SAMPLE_EPOCH);
  run_twice(tiny_file("tiny", NULL, "1e-2", "0"), 16, RT_SAMPLE_EPOCH);
  run_twice(tiny_file("tiny", NULL, "1e-2", "0"), 16, RT_SAMPLE_RANDOM);
}

/* Threads: k steps of full-batch training (90 rows: three chunks of 32, the
   loss and gradient summed over them) on 1, 2 and 3 threads give the same
   parameters and losses, bit for bit, on tcc and gcc, in double and float */
static void test_threads_same_bits(void **state) {
  static const char *const dtype[] = {NULL, "float"};
  int cc, ty, nt;
  (void)state;
  for (cc = 0; cc < 2; cc++)
    for (ty = 0; ty < 2; ty++) {
      Bound *b = bind_cc(tiny_file(ty ? "tiny32" : "tiny", dtype[ty], "1e-2", "0"), cc ? JIT_GCC : JIT_TCC);
      size_t es = b->obj.is_float ? sizeof(float) : sizeof(double);
      void *first = NULL;
      double *hist0 = NULL;
      rt_dataset d;
      small_data(&d);
      for (nt = 1; nt <= 3; nt++) {
        rt_train_options o;
        rt_train_result r;
        void *theta = init_theta(b, 7);
        char err[1024];
        b->o.w.pool = nt > 1 ? rt_pool_new(nt) : NULL;
        assert_int_equal(rt_pool_size(b->o.w.pool), nt);
        options(&o, 6, NULL);
        assert_int_equal(rt_train(&b->obj, &d, &o, theta, &r, err, sizeof err), 0);
        assert_int_equal(r.nhist, 6);
        if (!first) {
          first = theta, hist0 = malloc(4 * 6 * sizeof *hist0);
          memcpy(hist0, r.hist, 4 * 6 * sizeof *hist0);
        } else {
          int k;
          assert_memory_equal(theta, first, b->obj.nparams * es);
          for (k = 0; k < 6; k++) /* train and test losses (not the seconds) */
            assert_memory_equal(&r.hist[4 * k + 1], &hist0[4 * k + 1], 2 * sizeof(double));
          free(theta);
        }
        rt_train_result_free(&r);
        work_free(&b->o.w);
        rt_pool_free(b->o.w.pool);
        b->o.w.pool = NULL;
      }
      free(first), free(hist0);
      rt_dataset_free(&d);
      unbind(b);
    }
}

/* the test loss never feeds back: evaluating it every 4th step instead of
   every step leaves the parameters and the train losses bit for bit (so
   --eval-every only saves time) */
static void test_eval_every_changes_nothing(void **state) {
  Bound *b = bind(tiny_file("tiny", NULL, "1e-2", "0"));
  rt_dataset d;
  rt_train_options o;
  rt_train_result r1, r4;
  void *t1 = init_theta(b, 7), *t4 = init_theta(b, 7);
  char err[1024];
  long i;
  (void)state;
  small_data(&d);
  options(&o, 9, NULL);
  assert_int_equal(rt_train(&b->obj, &d, &o, t1, &r1, err, sizeof err), 0);
  o.eval_every = 4;
  assert_int_equal(rt_train(&b->obj, &d, &o, t4, &r4, err, sizeof err), 0);
  assert_memory_equal(t1, t4, b->obj.nparams * sizeof(double));
  for (i = 0; i < 9; i++) {
    assert_int_equal(check_bits("train loss", &r1.hist[4 * i + 1], &r4.hist[4 * i + 1], 1), 0);
    if (i % 4 == 0 || i == 8) assert_int_equal(check_bits("test loss", &r1.hist[4 * i + 2], &r4.hist[4 * i + 2], 1), 0);
    else assert_true(isnan(r4.hist[4 * i + 2]));
  }
  rt_train_result_free(&r1), rt_train_result_free(&r4);
  free(t1), free(t4);
  rt_dataset_free(&d);
  unbind(b);
}

/* the first 10 training losses: hex floats, one a line */
static int golden_losses(double *loss) {
  Bound *b = bind(tiny_file("golden", NULL, "1e-2", "0"));
  rt_dataset d;
  rt_train_options o;
  rt_train_result r;
  void *theta = init_theta(b, 7);
  char err[1024];
  int i, rc;
  small_data(&d);
  options(&o, 10, NULL);
  rc = rt_train(&b->obj, &d, &o, theta, &r, err, sizeof err);
  for (i = 0; i < 10; i++) loss[i] = r.hist[4 * i + 1];
  rt_train_result_free(&r);
  free(theta);
  rt_dataset_free(&d);
  unbind(b);
  return rc;
}

static void read_golden(const char *path, double *want) {
  FILE *f = fopen(path, "r");
  char line[256];
  int n = 0;
  if (!f) {
    fprintf(stderr, "  %s is missing: run 'make regen' and review it\n", path);
    fail();
  }
  while (n < 10 && fgets(line, sizeof line, f))
    if (line[0] != '#') want[n++] = strtod(line, NULL);
  fclose(f);
  assert_int_equal(n, 10);
}

/* Both builds against their golden files, and against each other. The
 * bound: every product of this model sums at most 8 terms, so each build
 * computes it within gamma_8 = 8u / (1 - 8u) (u = 2^-53) of the exact sum,
 * relative to sum |a_i b_i|, and the builds differ by at most twice that,
 * 1.8e-15; with sum |a_i b_i| <= 10 |sum a_i b_i| (random weights, no
 * deliberate cancellation), three chained products a step (the field, the
 * gradient, its reverse) and 10 steps compounding, the losses differ by
 * at most 10 x 3 x 10 x 1.8e-15 = 5.4e-13 relative: 1e-12 below. A build
 * that drops or misplaces a term differs by 1e-3 or more. */
static void test_golden_losses(void **state) {
  double got[10], want[10], muladd[10], worst = 0;
  int i;
  (void)state;
  read_golden(GOLDEN, want);
  assert_int_equal(golden_losses(got), 0);
  if (check_bits("golden loss", got, want, 10)) {
    fprintf(stderr, "  the training losses changed: if on purpose, run 'make regen' and review %s\n", GOLDEN);
    fail();
  }
  read_golden(GOLDEN_NO_FMA, want);
  no_fma = 1;
  assert_int_equal(golden_losses(muladd), 0);
  no_fma = 0;
  if (check_bits("golden loss (--no-fma)", muladd, want, 10)) {
    fprintf(stderr, "  the mul+add build's losses changed (%s is not rewritten by make regen)\n", GOLDEN_NO_FMA);
    fail();
  }
  for (i = 0; i < 10; i++)
    if (fabs(got[i] - muladd[i]) / fabs(muladd[i]) > worst) worst = fabs(got[i] - muladd[i]) / fabs(muladd[i]);
  fprintf(stderr, "  FMA vs mul+add: the 10 losses differ by %.3g at most, relative (bound 1e-12)\n", worst);
  assert_true(worst <= 1e-12);
}

static void resume_case(const char *model, long batch, const char *name) {
  Bound *b = bind(model);
  rt_dataset d;
  rt_train_options o;
  rt_train_result whole, part, rest;
  char dir_a[256], dir_b[256], err[1024];
  void *ta = init_theta(b, 7), *tb = init_theta(b, 7), *tc = init_theta(b, 99);
  size_t es = b->obj.is_float ? 4 : 8;
  long i;
  snprintf(dir_a, sizeof dir_a, "%s", subdir(name));
  snprintf(dir_b, sizeof dir_b, "%.200s_b", dir_a);
  mkdir(dir_b, 0777);
  small_data(&d);
  options(&o, 13, dir_a);
  o.batch = batch, o.test_batch = batch ? 20 : 0;
  assert_int_equal(rt_train(&b->obj, &d, &o, ta, &whole, err, sizeof err), 0);
  /* interrupted after 7 steps (checkpoints at 5 and 7), then resumed */
  o.dir = dir_b, o.steps = 7;
  assert_int_equal(rt_train(&b->obj, &d, &o, tb, &part, err, sizeof err), 0);
  assert_int_equal(part.checkpoint_step, 7);
  o.steps = 13, o.resume = 1;
  if (rt_train(&b->obj, &d, &o, tc, &rest, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    fail();
  }
  assert_int_equal(rest.first, 7);
  assert_int_equal(rest.step, 13);
  assert_memory_equal(ta, tc, b->obj.nparams * es);
  assert_true(hist_bits_equal(&whole, &rest));
  for (i = 0; i < whole.nhist; i++) assert_true(whole.hist[4 * i] == rest.hist[4 * i]);
  rt_train_result_free(&whole), rt_train_result_free(&part), rt_train_result_free(&rest);
  free(ta), free(tb), free(tc);
  rt_dataset_free(&d);
  unbind(b);
}

static void test_resume_equals_uninterrupted(void **state) {
  (void)state;
  resume_case(tiny_file("tiny", NULL, "1e-2", "0"), 0, "resume_full");
  /* 90 rows in batches of 16: 5 batches an epoch, so the resumed run
     crosses an epoch boundary with the saved permutation */
  resume_case(tiny_file("tiny", NULL, "1e-2", "0"), 16, "resume_batch");
  resume_case(tiny_file("tiny32", "float", "1e-2", "0"), 16, "resume_float");
}

static void expect_error(const rt_objective *obj, const rt_dataset *d, const rt_train_options *o, void *theta,
                         const char *want1, const char *want2) {
  rt_train_result r;
  char err[2048];
  int rc = rt_train(obj, d, o, theta, &r, err, sizeof err);
  rt_train_result_free(&r);
  if (rc != RT_TRAIN_ERROR || !strstr(err, want1) || !strstr(err, want2)) {
    fprintf(stderr, "  rc %d, message '%s', expected '%s' and '%s'\n", rc, rc ? err : "", want1, want2);
    fail();
  }
}

static void test_checkpoint_errors(void **state) {
  Bound *b = bind(tiny_file("tiny", NULL, "1e-2", "0"));
  rt_dataset d;
  rt_train_options o;
  rt_train_result r;
  rt_objective other;
  const char *dir = subdir("corrupt");
  char path[512], err[1024], buf[1 << 16];
  void *theta = init_theta(b, 7);
  FILE *f;
  long size;
  int shape[16][5];
  (void)state;
  small_data(&d);
  options(&o, 5, dir);
  assert_int_equal(rt_train(&b->obj, &d, &o, theta, &r, err, sizeof err), 0);
  rt_train_result_free(&r);
  snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
  f = fopen(path, "rb");
  size = (long)fread(buf, 1, sizeof buf, f);
  fclose(f);
  assert_true(size > 1000 && size < (long)sizeof buf);
  o.resume = 1, o.steps = 10;
  /* another model, another dtype, other shapes, other settings */
  other = b->obj;
  other.hash ^= 1;
  expect_error(&other, &d, &o, theta, path, "another model");
  other = b->obj;
  other.is_float = 1;
  expect_error(&other, &d, &o, theta, path, "the checkpoint holds double parameters, the model is float");
  other = b->obj;
  memcpy(shape, b->o.shape, b->m.g->nparam * sizeof *shape);
  shape[0][1] = 3, shape[0][2] = 8;
  other.shape = (const int(*)[5])shape;
  expect_error(&other, &d, &o, theta, path, "parameter tensor 1 has shape [2,8] in the checkpoint, [3,8] in the model");
  o.seed = 8;
  expect_error(&b->obj, &d, &o, theta, path, "made with seed 7");
  o.seed = 7;
  o.steps = 3;
  expect_error(&b->obj, &d, &o, theta, path, "beyond the 3 steps");
  o.steps = 10;
  /* truncated */
  f = fopen(path, "wb"), fwrite(buf, 1, size / 2, f), fclose(f);
  expect_error(&b->obj, &d, &o, theta, path, "truncated");
  f = fopen(path, "wb"), fwrite(buf, 1, 5, f), fclose(f);
  expect_error(&b->obj, &d, &o, theta, path, "not an hnnc checkpoint");
  /* a flipped bit in theta */
  buf[size - 100] ^= 4;
  f = fopen(path, "wb"), fwrite(buf, 1, size, f), fclose(f);
  expect_error(&b->obj, &d, &o, theta, path, "checksum mismatch");
  buf[size - 100] ^= 4;
  /* a foreign file, a later version */
  f = fopen(path, "wb"), fputs("\x93NUMPY not a checkpoint at all", f), fclose(f);
  expect_error(&b->obj, &d, &o, theta, path, "not an hnnc checkpoint");
  buf[8] = 9;
  f = fopen(path, "wb"), fwrite(buf, 1, size, f), fclose(f);
  expect_error(&b->obj, &d, &o, theta, path, "checkpoint version 9");
  remove(path);
  expect_error(&b->obj, &d, &o, theta, path, "cannot open");
  /* an output folder that does not exist: the checkpoint cannot be written */
  o.resume = 0, o.dir = "/nonexistent/hnnc";
  expect_error(&b->obj, &d, &o, theta, "/nonexistent/hnnc/checkpoint.bin", "cannot write");
  free(theta);
  rt_dataset_free(&d);
  unbind(b);
}

static void test_divergence(void **state) {
  Bound *b;
  char src_path[256];
  rt_dataset d;
  rt_train_options o;
  rt_train_result r;
  rt_checkpoint c;
  const char *dir = subdir("diverge");
  char path[512], err[2048];
  double *theta;
  long i;
  int rc;
  (void)state;
  snprintf(src_path, sizeof src_path, "%s/diverge.lua", tmpdir);
  write_text(src_path, diverge_src);
  b = bind(src_path);
  theta = init_theta(b, 7);
  small_data(&d);
  options(&o, 200, dir);
  o.lr = 100, o.weight_decay = 0, o.checkpoint_every = 1;
  rc = rt_train(&b->obj, &d, &o, theta, &r, err, sizeof err);
  fprintf(stderr, "  %s\n", rc ? err : "no divergence");
  assert_int_equal(rc, RT_TRAIN_DIVERGED);
  assert_non_null(strstr(err, "training diverged at step"));
  assert_non_null(strstr(err, "the last good checkpoint"));
  assert_true(r.nhist >= 2 && r.nhist < 200);
  assert_true(!isfinite(r.hist[4 * (r.nhist - 1) + 1]) || !isfinite(r.hist[4 * (r.nhist - 1) + 2]));
  snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
  assert_int_equal(rt_checkpoint_read(path, &c, err, sizeof err), 0);
  assert_int_equal(c.step, r.checkpoint_step);
  assert_true(c.step == r.nhist - 1);
  for (i = 0; i < c.nhist; i++) assert_true(isfinite(c.hist[4 * i + 1]) && isfinite(c.hist[4 * i + 2]));
  assert_true(c.step >= 5);
  for (i = 0; i < c.nparams; i++) assert_true(isfinite(((double *)c.theta)[i]));
  rt_checkpoint_free(&c);
  rt_train_result_free(&r);
  free(theta);
  rt_dataset_free(&d);
  unbind(b);
}

/* o->stop (what the CLI's SIGINT handler sets) stops a run cleanly after
   the current step: checkpoint and metrics at the step reached, and a
   resumed run gives the bits of an uninterrupted one */
static volatile sig_atomic_t stop_flag;
static void stop_after_5(void *ctx, const rt_train_progress *p) {
  (void)ctx;
  if (p->step == 5) stop_flag = 1;
}

static void test_stop_flag(void **state) {
  Bound *b = bind(tiny_file("tiny", NULL, "1e-2", "30"));
  const char *dir = subdir("stopped");
  rt_dataset d;
  rt_train_options o;
  rt_train_result whole, part, rest;
  rt_checkpoint c;
  char err[1024], path[512];
  void *ta = init_theta(b, 7), *tb = init_theta(b, 7);
  (void)state;
  small_data(&d);
  options(&o, 13, NULL);
  o.batch = 30, o.test_batch = 20;
  assert_int_equal(rt_train(&b->obj, &d, &o, ta, &whole, err, sizeof err), 0);
  o.dir = dir, o.stop = &stop_flag, o.progress = stop_after_5;
  stop_flag = 0;
  assert_int_equal(rt_train(&b->obj, &d, &o, tb, &part, err, sizeof err), RT_TRAIN_INTERRUPTED);
  fprintf(stderr, "  %s\n", err);
  assert_non_null(strstr(err, "interrupted after 6 of 13 steps"));
  assert_int_equal(part.step, 6);
  assert_int_equal(part.checkpoint_step, 6);
  rt_train_result_free(&part);
  snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
  assert_int_equal(rt_checkpoint_read(path, &c, err, sizeof err), 0);
  assert_true(c.step == 6 && c.nhist == 6);
  rt_checkpoint_free(&c);
  o.stop = NULL, o.progress = NULL, o.resume = 1;
  assert_int_equal(rt_train(&b->obj, &d, &o, tb, &rest, err, sizeof err), 0);
  assert_int_equal(rest.first, 6);
  assert_memory_equal(ta, tb, b->obj.nparams * sizeof(double));
  assert_true(hist_bits_equal(&whole, &rest));
  /* a stop before the first step: a checkpoint at step 0 that resumes */
  o.resume = 0, o.stop = &stop_flag;
  stop_flag = 1;
  assert_int_equal(rt_train(&b->obj, &d, &o, tb, &part, err, sizeof err), RT_TRAIN_INTERRUPTED);
  rt_train_result_free(&part);
  assert_int_equal(rt_checkpoint_read(path, &c, err, sizeof err), 0);
  assert_true(c.step == 0);
  rt_checkpoint_free(&c);
  rt_train_result_free(&whole), rt_train_result_free(&rest);
  free(ta), free(tb);
  rt_dataset_free(&d);
  unbind(b);
}

/* --steps 0: nothing trained, the losses reported are those of the initial
   parameters on the whole sets (they were NaN: no metrics row) */
static void test_steps_zero(void **state) {
  Bound *b = bind(tiny_file("tiny", NULL, "1e-2", "0"));
  rt_dataset d;
  rt_train_options o;
  rt_train_result r;
  char err[2048];
  double *theta, want_train, want_test;
  (void)state;
  theta = init_theta(b, 7);
  small_data(&d);
  assert_int_equal(b->obj.eval(b->obj.ctx, (int)d.ntrain, theta, d.x_train, d.dx_train, &want_train, NULL), 0);
  assert_int_equal(b->obj.eval(b->obj.ctx, (int)d.ntest, theta, d.x_test, d.dx_test, &want_test, NULL), 0);
  options(&o, 0, subdir("steps0"));
  assert_int_equal(rt_train(&b->obj, &d, &o, theta, &r, err, sizeof err), RT_TRAIN_OK);
  assert_int_equal(r.nhist, 0);
  assert_true(isfinite(want_train) && r.train_loss == want_train && r.test_loss == want_test);
  rt_train_result_free(&r);
  /* one step: the metrics row's losses */
  options(&o, 1, NULL);
  assert_int_equal(rt_train(&b->obj, &d, &o, theta, &r, err, sizeof err), RT_TRAIN_OK);
  assert_true(r.nhist == 1 && r.train_loss == r.hist[1] && r.test_loss == r.hist[2]);
  rt_train_result_free(&r);
  free(theta);
  rt_dataset_free(&d);
  unbind(b);
}

/* A checkpoint with a valid checksum whose Adam state (or theta) holds NaN
   or Inf, or a negative second moment, is refused on resume, naming the
   element (it used to be resumed into NaN) */
static void test_resume_refuses_nonfinite_state(void **state) {
  Bound *b = bind(tiny_file("tiny", NULL, "1e-2", "0"));
  const char *dir = subdir("nanadam");
  rt_dataset d;
  rt_train_options o;
  rt_train_result r;
  rt_checkpoint c;
  char err[2048], path[512];
  double *theta;
  int k;
  static const char *const want[4] = {"Adam's second moment holds nan at element 5",
                                      "Adam's first moment holds inf at element 0",
                                      "the parameters hold -nan at element 3", "Adam's second moment holds -1 at element 2"};
  (void)state;
  theta = init_theta(b, 7);
  small_data(&d);
  options(&o, 3, dir);
  assert_int_equal(rt_train(&b->obj, &d, &o, theta, &r, err, sizeof err), RT_TRAIN_OK);
  rt_train_result_free(&r);
  snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
  for (k = 0; k < 4; k++) {
    assert_int_equal(rt_checkpoint_read(path, &c, err, sizeof err), 0);
    double *v = c.v, *m = c.m, *th = c.theta, keep[3] = {v[5], m[0], th[3]}, keep2 = v[2];
    if (k == 0) v[5] = NAN;
    if (k == 1) m[0] = INFINITY;
    if (k == 2) th[3] = -NAN;
    if (k == 3) v[2] = -1;
    assert_int_equal(rt_checkpoint_write(path, &c, err, sizeof err), 0);
    o.steps = 6, o.resume = 1;
    assert_int_not_equal(rt_train(&b->obj, &d, &o, theta, &r, err, sizeof err), RT_TRAIN_OK);
    rt_train_result_free(&r);
    fprintf(stderr, "  %s\n", err);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, want[k]));
    v[5] = keep[0], m[0] = keep[1], th[3] = keep[2], v[2] = keep2;
    assert_int_equal(rt_checkpoint_write(path, &c, err, sizeof err), 0);
    rt_checkpoint_free(&c);
  }
  assert_int_equal(rt_train(&b->obj, &d, &o, theta, &r, err, sizeof err), RT_TRAIN_OK); /* restored: resumes */
  rt_train_result_free(&r);
  free(theta);
  rt_dataset_free(&d);
  unbind(b);
}

static void test_float32_training(void **state) {
  Bound *b = bind(tiny_file("tiny32", "float", "1e-2", "0"));
  rt_dataset d;
  rt_train_options o;
  rt_train_result r;
  float *theta = init_theta(b, 7);
  char err[1024], path[512];
  const char *dir = subdir("float32");
  (void)state;
  assert_true(b->obj.is_float);
  small_data(&d);
  options(&o, 40, dir);
  o.eval_every = 10;
  assert_int_equal(rt_train(&b->obj, &d, &o, theta, &r, err, sizeof err), 0);
  assert_int_equal(r.nhist, 40);
  assert_true(isfinite(r.hist[4 * 39 + 1]) && r.hist[4 * 39 + 1] < 0.5 * r.hist[1]);
  assert_true(!isnan(r.hist[4 * 10 + 2]) && isnan(r.hist[4 * 11 + 2]) && !isnan(r.hist[4 * 39 + 2]));
  /* metrics.csv: a header and 40 rows; an empty test loss where not evaluated */
  snprintf(path, sizeof path, "%s/metrics.csv", dir);
  {
    FILE *f = fopen(path, "r");
    char line[256];
    int n = 0, empty = 0;
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) n++, empty += strstr(line, ",,") != NULL;
    fclose(f);
    assert_int_equal(n, 41);
    assert_int_equal(empty, 40 - 5);
  }
  rt_train_result_free(&r);
  free(theta);
  rt_dataset_free(&d);
  unbind(b);
}

/* ---- the command line on bad input ---- */

/* runs hnnc with the arguments (a shell command line, in tmpdir); returns
   the exit status and the first line of stderr containing `want` in msg */
static int run_hnnc(const char *args, char *msg, size_t nmsg) {
  char cmd[8192], log[512], line[2048];
  FILE *f;
  int st;
  snprintf(log, sizeof log, "%s/stderr.txt", tmpdir);
  snprintf(cmd, sizeof cmd, "cd %s && %s %s > /dev/null 2> %s", tmpdir, hnnc, args, log);
  st = system(cmd);
  msg[0] = 0;
  if ((f = fopen(log, "r"))) {
    size_t n = 0;
    while (fgets(line, sizeof line, f) && n + strlen(line) < nmsg) strcpy(msg + n, line), n += strlen(line);
    fclose(f);
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void expect_cli(const char *args, int status, const char *want) {
  char msg[8192];
  int st = run_hnnc(args, msg, sizeof msg);
  if (st != status || !strstr(msg, want)) {
    fprintf(stderr, "  hnnc %s: status %d (want %d), stderr:\n%s  (wanted '%s')\n", args, st, status, msg, want);
    fail();
  }
}

static int count_tmp(const char *dir) {
  char cmd[512];
  FILE *p;
  int n = 0;
  snprintf(cmd, sizeof cmd, "find %s -name '*.tmp.*' | wc -l", dir);
  p = popen(cmd, "r");
  if (p) {
    if (fscanf(p, "%d", &n) != 1) n = -1;
    pclose(p);
  }
  return n;
}

static void test_cli_bad_input(void **state) {
  char path[512];
  FILE *f;
  (void)state;
  if (access(hnnc, X_OK)) {
    fprintf(stderr, "  %s not built: skipped\n", hnnc);
    skip();
  }
  tiny_file("cli", NULL, "1e-2", "0");
  snprintf(path, sizeof path, "%s/diverge.lua", tmpdir);
  write_text(path, diverge_src);
  tiny_file("cli32ok", "float", "1e-2", "0");
  /* a short run, then resumed further */
  expect_cli("train cli.lua -o run --steps 6 --cc tcc --quiet", 0, "");
  expect_cli("train cli.lua -o run --steps 9 --cc tcc --quiet --resume", 0, "");
  expect_cli("evaluate cli.lua --params run --cc tcc --json", 0, "");
  /* parameters: missing, malformed, wrong count, NaN */
  expect_cli("evaluate cli.lua --params nothing.npy --cc tcc", 1, "nothing.npy: error: cannot open");
  snprintf(path, sizeof path, "%s/bad.npy", tmpdir);
  f = fopen(path, "w"), fputs("\x93NUMPY\x01\x00garbage", f), fclose(f);
  expect_cli("evaluate cli.lua --params bad.npy --cc tcc", 1, "bad.npy: error:");
  {
    double v[3] = {1, NAN, 2};
    rt_npy a = {RT_NPY_F8, 1, {3}, 3, v};
    char err[512];
    snprintf(path, sizeof path, "%s/nan.npy", tmpdir);
    assert_int_equal(rt_npy_write(path, &a, 0, err, sizeof err), 0);
    expect_cli("evaluate cli.lua --params nan.npy --cc tcc", 1, "nan.npy: error:");
    v[1] = 0;
    assert_int_equal(rt_npy_write(path, &a, 0, err, sizeof err), 0);
    expect_cli("evaluate cli.lua --params nan.npy --cc tcc", 1, "nan.npy: error: 3 parameters, the model cli.lua has");
  }
  /* data: missing, NaN */
  expect_cli("evaluate cli.lua --params run --data nodata --cc tcc", 1, "nodata/x_train.npy: error:");
  expect_cli("data cli.lua -o data1", 0, "");
  {
    rt_npy a;
    char err[512];
    snprintf(path, sizeof path, "%s/data1/dx_test.npy", tmpdir);
    assert_int_equal(rt_npy_read(path, 0, &a, err, sizeof err), 0);
    ((double *)a.data)[7] = INFINITY;
    assert_int_equal(rt_npy_write(path, &a, 0, err, sizeof err), 0);
    rt_npy_free(&a);
  }
  expect_cli("evaluate cli.lua --params run --data data1 --cc tcc", 1, "data1/dx_test.npy: error:");
  /* an unwritable output folder (a file's name), a missing system */
  snprintf(path, sizeof path, "%s/afile", tmpdir);
  write_text(path, "x");
  expect_cli("train cli.lua -o afile/out --cc tcc --quiet", 1, "afile/out: error: cannot create the output folder");
  expect_cli("data cli.lua -o afile", 1, "afile: error: not a folder");
  expect_cli("data spring.lua --task spring -o data2", 2, "--task is gone");
  expect_cli("data spring.lua -o data2", 1, "spring.lua: error: the model declares no data set");
  /* checkpoints: corrupted, foreign */
  snprintf(path, sizeof path, "%s/run/checkpoint.bin", tmpdir);
  if (truncate(path, 300)) fail();
  expect_cli("train cli.lua -o run --steps 12 --cc tcc --quiet --resume", 1, "run/checkpoint.bin: error: truncated");
  write_text(path, "not a checkpoint");
  expect_cli("train cli.lua -o run --steps 12 --cc tcc --quiet --resume", 1, "run/checkpoint.bin: error: not an hnnc checkpoint");
  expect_cli("train cli32ok.lua -o run32 --steps 2 --cc tcc --quiet", 0, "");
  snprintf(path, sizeof path, "cp %s/run32/checkpoint.bin %s/run/checkpoint.bin", tmpdir, tmpdir);
  assert_int_equal(system(path), 0);
  expect_cli("train cli.lua -o run --steps 12 --cc tcc --quiet --resume", 1, "belongs to another model");
  /* divergence: a clear stop, non-zero status, the last good checkpoint kept */
  expect_cli("train diverge.lua -o div --steps 300 --checkpoint-every 1 --cc tcc --quiet", 1, "training diverged at step");
  snprintf(path, sizeof path, "%s/div/checkpoint.bin", tmpdir);
  assert_true(rt_checkpoint_is(path));
  snprintf(path, sizeof path, "%s/div/params.npy", tmpdir);
  assert_int_not_equal(access(path, F_OK), 0);
  /* simulate */
  expect_cli("simulate cli.lua --x0 1 --t 1 --cc tcc", 1, "--x0 has 1 values, the model's state has 2");
  expect_cli("simulate cli.lua --x0 1,nan --t 1 --cc tcc", 1, "not a finite number");
  expect_cli("simulate cli.lua --x0 1,0 --t 1:5 --integrator euler", 2, "--integrator is one of");
  expect_cli("simulate cli.lua --x0 1,0 --t 1:5 --integrator implicit_midpoint --h 0.05 --cc tcc -o sim.csv", 0, "central differences");
  expect_cli("simulate cli.lua --x0 1,0 --t 1:5 --cc tcc -o nowhere/sim.npy", 1, "nowhere/sim.npy: error:");
  assert_int_equal(count_tmp(tmpdir), 0);
}

/* simulate: implicit midpoint with the model's compiled Jacobian
   (hn.jacobian) and with central differences of its field reach the same
   states (Newton solves the same equation to round-off); every integrator
   writes N rows */
static void test_cli_simulate(void **state) {
  char path[512], src[8192], cmd[2048];
  const char *base;
  FILE *f;
  (void)state;
  if (access(hnnc, X_OK)) skip();
  base = tiny_file("sim", NULL, "1e-2", "0");
  f = fopen(base, "r");
  src[fread(src, 1, sizeof src - 200, f)] = 0;
  fclose(f);
  strcat(src, "hn.fn(\"jacobian\", {x = 2}, function(x) return hn.jacobian(field(x), x) end)\n");
  snprintf(path, sizeof path, "%s/simjac.lua", tmpdir);
  write_text(path, src);
  expect_cli("simulate sim.lua --x0 0.5,-0.3 --t 3:4 --integrator implicit_midpoint --h 0.01 --cc tcc -o a.csv", 0, "central differences");
  expect_cli("simulate simjac.lua --x0 0.5,-0.3 --t 3:4 --integrator implicit_midpoint --h 0.01 --cc tcc -o b.csv", 0, "wrote");
  snprintf(cmd, sizeof cmd, "cd %s && cmp -s a.csv b.csv", tmpdir);
  assert_int_equal(system(cmd), 0);
  {
    static const char *const integ[] = {"rk45", "dop853", "rk4", "leapfrog", "yoshida4"};
    int i;
    for (i = 0; i < 5; i++) {
      char args[256];
      rt_npy a;
      char err[512];
      snprintf(args, sizeof args, "simulate sim.lua --x0 0.5,-0.3 --t 2:7 --integrator %s%s --cc tcc -o s.npy", integ[i], i >= 3 ? " --h 0.05 --force" : i == 2 ? " --h 0.05" : "");
      expect_cli(args, 0, "wrote");
      snprintf(path, sizeof path, "%s/s.npy", tmpdir);
      assert_int_equal(rt_npy_read(path, RT_NPY_FINITE, &a, err, sizeof err), 0);
      assert_true(a.rank == 2 && a.shape[0] == 7 && a.shape[1] == 5); /* t, q, p, H, H_true (its system) */
      assert_true(((double *)a.data)[5 * 6] == 2 && ((double *)a.data)[1] == 0.5);
      rt_npy_free(&a);
    }
  }
}

/* --threads on the command line: train (params.npy) and evaluate (every
   number of --json) give the same bytes on 1, 2 and 3 threads; the data
   set has 750 rows, 24 chunks */
static void test_cli_threads(void **state) {
  char cmd[8192];
  int t;
  (void)state;
  if (access(hnnc, X_OK)) skip();
  tiny_file("thr", NULL, "1e-2", "0");
  for (t = 1; t <= 3; t += 2) {
    snprintf(cmd, sizeof cmd, "train thr.lua -o thr%d --steps 5 --cc tcc --quiet --force --threads %d", t, t);
    expect_cli(cmd, 0, "");
  }
  snprintf(cmd, sizeof cmd, "cd %s && cmp thr1/params.npy thr3/params.npy", tmpdir);
  assert_int_equal(system(cmd), 0);
  for (t = 1; t <= 3; t++) {
    snprintf(cmd, sizeof cmd, "cd %s && %s evaluate thr.lua --params thr1 --cc tcc --json --threads %d > ev%d.json", tmpdir,
             hnnc, t, t);
    assert_int_equal(system(cmd), 0);
  }
  snprintf(cmd, sizeof cmd, "cd %s && grep -q energy_mse_corrected ev1.json && cmp ev1.json ev2.json && cmp ev1.json ev3.json",
           tmpdir);
  assert_int_equal(system(cmd), 0);
}

/* evaluate on a field that overflows (x e^(w 1e-9) with w = 1e12): every
   learned rollout fails, the report counts them (15 of 15 under each
   protocol, the MSEs null), exit 0; and w = 1 on two threads, a model with
   no per-thread workspace (it once failed as "out of memory") */
static void test_cli_failed_rollouts(void **state) {
  char cmd[8192], path[512];
  (void)state;
  if (access(hnnc, X_OK)) skip();
  snprintf(path, sizeof path, "%s/diverge.lua", tmpdir);
  write_text(path, diverge_src);
  snprintf(path, sizeof path, "%s/w_big.txt", tmpdir);
  write_text(path, "1e12\n");
  snprintf(path, sizeof path, "%s/w_one.txt", tmpdir);
  write_text(path, "1\n");
  snprintf(cmd, sizeof cmd, "cd %s && %s evaluate diverge.lua --params w_big.txt --cc tcc --json > evf.json 2> evf.err", tmpdir,
           hnnc);
  assert_int_equal(system(cmd), 0);
  snprintf(cmd, sizeof cmd,
           "cd %s && grep -q '\"energy_mse\": null' evf.json && grep -q '\"energy_rollouts\": 15, \"energy_failed\": 15, "
           "\"energy_failed_corrected\": 15' evf.json && grep -q '15 of 15 corrected rollouts failed' evf.err",
           tmpdir);
  assert_int_equal(system(cmd), 0);
  snprintf(cmd, sizeof cmd, "cd %s && %s evaluate diverge.lua --params w_big.txt --cc tcc | grep -q '(15 rollouts; 15 failed;'",
           tmpdir, hnnc);
  assert_int_equal(system(cmd), 0);
  expect_cli("evaluate diverge.lua --params w_one.txt --cc tcc --threads 2", 0, "");
}

/* A writer that fails names the file the user asked for, never its
   temporary (x.csv.tmp.12390): here the target is a folder, so the rename
   fails after the temporary file was written */
static void test_messages_hide_tmp(void **state) {
  const char *dir = subdir("isdir");
  char path[512], err[2048];
  double v[4] = {1, 2, 3, 4};
  rt_npy a = {RT_NPY_F8, 1, {4}, 4, v};
  int k;
  (void)state;
  for (k = 0; k < 3; k++) {
    snprintf(path, sizeof path, "%s/%s", dir, k == 0 ? "x.csv" : k == 1 ? "x.npy" : "metrics.csv");
    assert_int_equal(mkdir(path, 0755), 0);
    err[0] = 0;
    if (k == 0) assert_int_not_equal(rt_csv_write(path, "a", 4, 1, v, err, sizeof err), 0);
    if (k == 1) assert_int_not_equal(rt_npy_write(path, &a, RT_NPY_FSYNC, err, sizeof err), 0);
    if (k == 2) assert_int_not_equal(rt_write_metrics(path, v, 1, err, sizeof err), 0);
    fprintf(stderr, "  %s\n", err);
    assert_non_null(strstr(err, path));
    assert_null(strstr(err, ".tmp"));
  }
  assert_int_equal(count_tmp(dir), 0);
}

/* Learning-rate schedules: their defining values. */
/* ---- windows (rt_train_options.window) ---- */

/* An objective that records what it is given: row (k, t) of the data is
   trajectory k's time sample t, so a sample tells which rows it holds.
   loss = mean over samples and values of (x - w)^2, one parameter w. */
typedef struct Recorder {
  int W;
  long n, cap;
  double *rows; /* training calls: the rows seen, in order (2 values a row) */
  long ntest;
  double *test; /* the last test call's rows */
} Recorder;

static int record(void *ctx, int n, const double *x, int training) {
  Recorder *r = ctx;
  long m = (long)n * r->W * 2;
  if (!training) {
    free(r->test);
    r->test = malloc(m * sizeof *r->test);
    memcpy(r->test, x, m * sizeof *x);
    r->ntest = n;
    return 0;
  }
  if (r->n + m > r->cap) r->cap = 2 * (r->n + m), r->rows = realloc(r->rows, r->cap * sizeof *r->rows);
  memcpy(r->rows + r->n, x, m * sizeof *x);
  r->n += m;
  return 0;
}

static int recorder_eval(void *ctx, int n, const void *theta, const void *x, const void *xdot, double *loss, void *grad) {
  Recorder *r = ctx;
  const double *w = theta, *a = x;
  double sum = 0, g = 0;
  long i, m = (long)n * r->W * 2;
  (void)xdot;
  for (i = 0; i < m; i++) sum += (a[i] - w[0]) * (a[i] - w[0]), g += -2 * (a[i] - w[0]);
  *loss = sum / m;
  if (grad) ((double *)grad)[0] = g / m;
  return record(ctx, n, a, grad != NULL);
}

/* ntraj trajectories of T rows (k, t) for training, two for testing */
static void window_data(rt_dataset *d, long ntraj, int T) {
  long k, t;
  memset(d, 0, sizeof *d);
  d->dim = 2, d->npoints = T, d->ntraj_train = ntraj, d->ntraj_test = 2;
  d->ntrain = ntraj * T, d->ntest = 2 * T;
  d->x_train = malloc(d->ntrain * 2 * sizeof(double)), d->dx_train = calloc(d->ntrain * 2, sizeof(double));
  d->x_test = malloc(d->ntest * 2 * sizeof(double)), d->dx_test = calloc(d->ntest * 2, sizeof(double));
  for (k = 0; k < ntraj; k++)
    for (t = 0; t < T; t++) d->x_train[2 * (k * T + t)] = (double)k, d->x_train[2 * (k * T + t) + 1] = (double)t;
  for (k = 0; k < 2; k++)
    for (t = 0; t < T; t++) d->x_test[2 * (k * T + t)] = 100.0 + k, d->x_test[2 * (k * T + t) + 1] = (double)t;
}

/* every sample of rows[0 .. nsamp) is W distinct time samples of one
   trajectory; count[k * T + t] += how often (k, t) was seen */
static void check_windows(const double *rows, long nsamp, int W, int T, double k0, int *count) {
  long s, i, j;
  for (s = 0; s < nsamp; s++) {
    const double *w = rows + s * W * 2;
    for (i = 0; i < W; i++) {
      assert_true(w[2 * i] == w[0]); /* one trajectory */
      for (j = 0; j < i; j++) assert_true(w[2 * j + 1] != w[2 * i + 1]);
      if (count) count[(long)(w[2 * i] - k0) * T + (long)w[2 * i + 1]]++;
    }
  }
}

static void window_run(Recorder *r, const rt_dataset *d, rt_train_options *o, double *w) {
  rt_objective obj;
  rt_train_result res;
  static const int shape[1][5] = {{1, 1, 0, 0, 0}};
  char err[1024];
  memset(&obj, 0, sizeof obj);
  obj.nparams = 1, obj.dim = 2 * r->W, obj.eval = recorder_eval, obj.ctx = r;
  obj.hash = 0x5eed, obj.ntensor = 1, obj.shape = shape;
  if (rt_train(&obj, d, o, w, &res, err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    fail();
  }
  rt_train_result_free(&res);
}

/* 3 trajectories of 13 samples, windows of 3: 4 windows a trajectory (one
   sample sits out each epoch), 12 an epoch, batches of 4: 3 steps an
   epoch. Every epoch sees every window's rows once, from one trajectory;
   the pairings change from epoch to epoch; the test windows stay; and a
   run resumed at step 7 (inside the third epoch) sees the same windows. */
static void test_windows(void **state) {
  enum { W = 3, T = 13, NTRAJ = 3, STEPS = 15 };
  Recorder a = {W, 0, 0, NULL, 0, NULL}, b = {W, 0, 0, NULL, 0, NULL};
  rt_dataset d;
  rt_train_options o;
  double wa = 0.5, wb = 0.5, *first_test;
  long e, per_epoch = 12 * W * 2, k, same = 0;
  (void)state;
  window_data(&d, NTRAJ, T);
  options(&o, STEPS, subdir("windows_a"));
  o.window = W, o.batch = 4, o.test_batch = 0, o.checkpoint_every = 0;
  window_run(&a, &d, &o, &wa);
  assert_int_equal(a.n, STEPS * 4 * W * 2);
  for (e = 0; e < STEPS / 3; e++) {
    int count[NTRAJ * T] = {0}, t, seen;
    check_windows(a.rows + e * per_epoch, 12, W, T, 0, count);
    for (k = 0; k < NTRAJ; k++) {
      for (t = seen = 0; t < T; t++) assert_true(count[k * T + t] <= 1), seen += count[k * T + t];
      assert_int_equal(seen, 12);
    }
  }
  /* epochs 1 and 2 do not pair the time samples alike: count windows of
     epoch 2 whose rows, as a set, were a window of epoch 1 */
  for (e = 0; e < 12; e++) {
    const double *u = a.rows + per_epoch + e * W * 2;
    long f;
    for (f = 0; f < 12; f++) {
      const double *v = a.rows + f * W * 2;
      int i, j, hit = 0;
      for (i = 0; i < W; i++)
        for (j = 0; j < W; j++) hit += u[2 * i] == v[2 * j] && u[2 * i + 1] == v[2 * j + 1];
      same += hit == W;
    }
  }
  assert_true(same < 6);
  /* the test windows: 2 trajectories * 4, one trajectory each, the same every time */
  assert_int_equal(a.ntest, 8);
  check_windows(a.test, 8, W, T, 100, NULL);
  first_test = malloc(8 * W * 2 * sizeof *first_test);
  memcpy(first_test, a.test, 8 * W * 2 * sizeof *first_test);
  /* interrupted at step 7, resumed: the same rows in the same order, the same w */
  o.dir = subdir("windows_b"), o.steps = 7;
  window_run(&b, &d, &o, &wb);
  o.steps = STEPS, o.resume = 1;
  window_run(&b, &d, &o, &wb);
  assert_int_equal(b.n, a.n);
  assert_memory_equal(a.rows, b.rows, a.n * sizeof *a.rows);
  assert_memory_equal(first_test, b.test, 8 * W * 2 * sizeof *first_test);
  assert_true(wa == wb && wa != 0.5);
  /* data that are rows, not trajectories, or too short for a window */
  {
    rt_train_result res;
    char err[1024];
    rt_objective obj = {0};
    obj.nparams = 1, obj.dim = 2 * W, obj.eval = recorder_eval, obj.ctx = &a;
    o.resume = 0, o.dir = NULL, o.window = T + 1;
    assert_int_equal(rt_train(&obj, &d, &o, &wa, &res, err, sizeof err), RT_TRAIN_ERROR);
    assert_non_null(strstr(err, "windows of 14 time samples need trajectories of at least 14 samples"));
    rt_train_result_free(&res);
  }
  free(first_test), free(a.rows), free(a.test), free(b.rows), free(b.test);
  rt_dataset_free(&d);
}

static void test_lr_schedules(void **state) {
  rt_train_options o;
  long t;
  (void)state;
  rt_train_defaults(&o);
  o.lr = 1e-2, o.steps = 100, o.min_lr = 1e-4;
  o.schedule = RT_LR_CONSTANT;
  assert_true(rt_train_lr(&o, 57) == 1e-2);
  o.schedule = RT_LR_COSINE;
  assert_true(rt_train_lr(&o, 0) == 1e-2);
  assert_true(rt_train_lr(&o, 100) == 1e-4);
  assert_true(rt_train_lr(&o, 500) == 1e-4); /* stays at the floor */
  assert_true(fabs(rt_train_lr(&o, 50) - (1e-2 + 1e-4) / 2) < 1e-17);
  for (t = 1; t <= 100; t++) assert_true(rt_train_lr(&o, t) < rt_train_lr(&o, t - 1)); /* decreasing */
  o.schedule = RT_LR_STEP, o.decay_steps = 30, o.gamma = 0.5;
  assert_true(rt_train_lr(&o, 29) == 1e-2);
  assert_true(rt_train_lr(&o, 30) == 0.5e-2);
  assert_true(rt_train_lr(&o, 95) == 1e-2 * 0.125);
  o.schedule = RT_LR_EXPONENTIAL, o.gamma = 0.999;
  assert_true(fabs(rt_train_lr(&o, 1000) / (1e-2 * pow(0.999, 1000)) - 1) < 1e-13);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lr_schedules),
      cmocka_unit_test(test_adam_two_steps),
      cmocka_unit_test(test_energy_grouping),
      cmocka_unit_test(test_energy_metric),
      cmocka_unit_test(test_same_seed_same_bits),
      cmocka_unit_test(test_threads_same_bits),
      cmocka_unit_test(test_eval_every_changes_nothing),
      cmocka_unit_test(test_golden_losses),
      cmocka_unit_test(test_resume_equals_uninterrupted),
      cmocka_unit_test(test_windows),
      cmocka_unit_test(test_checkpoint_errors),
      cmocka_unit_test(test_divergence),
      cmocka_unit_test(test_float32_training),
      cmocka_unit_test(test_steps_zero),
      cmocka_unit_test(test_stop_flag),
      cmocka_unit_test(test_messages_hide_tmp),
      cmocka_unit_test(test_resume_refuses_nonfinite_state),
      cmocka_unit_test(test_cli_bad_input),
      cmocka_unit_test(test_cli_simulate),
      cmocka_unit_test(test_cli_threads),
      cmocka_unit_test(test_cli_failed_rollouts),
  };
  {
    const char *slash = strrchr(argv[0], '/');
    char cwd[2048];
    if (!getcwd(cwd, sizeof cwd)) return 1;
    if (slash) snprintf(hnnc, sizeof hnnc, "%s/%.*s/hnnc", argv[0][0] == '/' ? "" : cwd, (int)(slash - argv[0]), argv[0]);
    else snprintf(hnnc, sizeof hnnc, "%s/hnnc", cwd);
  }
  if (argc == 3 && !strcmp(argv[1], "--regen-golden")) { /* make regen */
    double loss[10];
    FILE *f;
    int i;
    if (setup(NULL) || golden_losses(loss)) return 1;
    teardown(NULL);
    if (!(f = fopen(argv[2], "w"))) return 1;
    fprintf(f, "# the first 10 training losses of tests/test_train.c's small model (2-8-8-2 tanh HNN, seed 7,\n"
               "# 6 spring trajectories, full batch, Adam lr 1e-2, weight decay 1e-4), the default build (fused\n"
               "# multiply-adds); written by make regen (the --no-fma build's: train_losses_no_fma.txt)\n");
    for (i = 0; i < 10; i++) fprintf(f, "%a  # %.17g\n", loss[i], loss[i]);
    return fclose(f) != 0;
  }
  return cmocka_run_group_tests(tests, setup, teardown);
}
