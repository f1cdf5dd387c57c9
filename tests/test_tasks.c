/* The three published tasks, declared in compiler/lib/hnnc/tasks.lua, give
 * the same bits as hnnc made before they moved there from a C table.
 *
 * Oracle: tests/fixtures/published_tasks.txt, written by hnnc at commit
 * 3a308d7 (the C table), not by the code under test: FNV-1a hashes of the
 * data arrays for seeds 0 and 1, the first three training steps' losses of
 * each shipped HNN and baseline, and their evaluation (losses and energy
 * MSE under both protocols). This program runs the hnnc binary beside it
 * on models/{hnn,baseline}/TASK.lua and compares bits; 3a308d7 built
 * products by separate multiplies and adds, so these runs pass --no-fma.
 * The default build (fused multiply-adds) trains to losses within the
 * rounding bound derived at test_losses_and_evaluation of them.
 *
 * Also: every state size from 2 to 16 trains; a user's files (.npy, CSV) train from hn.data{files = ...} and
 * with --data DIR, and a bad file is an error naming it.
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
#include <unistd.h>

#include "npy.h"

#define FIXTURE "tests/fixtures/published_tasks.txt"

static char tmpdir[64];
static char hnnc[4200];
static const char *const tasks[3] = {"spring", "pendulum", "two_body"};

static int run(const char *fmt, ...) {
  char cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  return system(cmd);
}

static uint64_t fnv1a(const void *p, size_t n) {
  const unsigned char *b = p;
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ULL;
  return h;
}

/* the fixture lines that start with prefix, one at a time */
static int fixture_lines(const char *prefix, char lines[][512], int max) {
  FILE *f = fopen(FIXTURE, "r");
  char buf[512];
  int n = 0;
  assert_non_null(f);
  while (fgets(buf, sizeof buf, f))
    if (!strncmp(buf, prefix, strlen(prefix)) && n < max) snprintf(lines[n++], 512, "%s", buf);
  fclose(f);
  return n;
}

static int same_bits(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static void test_data_bits(void **state) {
  static char lines[64][512];
  int n = fixture_lines("data ", lines, 64), checked = 0;
  (void)state;
  assert_int_equal(n, 24);
  for (int t = 0; t < 3; t++)
    for (int seed = 0; seed < 2; seed++) {
      char dir[300];
      snprintf(dir, sizeof dir, "%s/%s.%d", tmpdir, tasks[t], seed);
      assert_int_equal(run("%s data models/hnn/%s.lua -o %s --seed %d > /dev/null", hnnc, tasks[t], dir, seed), 0);
      for (int i = 0; i < n; i++) {
        char task[32], array[32], path[400], err[512];
        int s;
        unsigned long long want;
        long count;
        rt_npy a;
        assert_int_equal(sscanf(lines[i], "data %31s %d %31s %llx %ld", task, &s, array, &want, &count), 5);
        if (strcmp(task, tasks[t]) || s != seed) continue;
        snprintf(path, sizeof path, "%s/%s.npy", dir, array);
        assert_int_equal(rt_npy_read(path, RT_NPY_AS_F8, &a, err, sizeof err), 0);
        uint64_t got = fnv1a(a.data, (size_t)a.count * sizeof(double));
        if (got != want || a.count != count)
          fail_msg("%s seed %d %s: hash %016llx (%ld values), 3a308d7 made %016llx (%ld)", task, seed, array,
                   (unsigned long long)got, a.count, want, count);
        rt_npy_free(&a);
        checked++;
      }
    }
  assert_int_equal(checked, 24);
  printf("  24 arrays (3 tasks, seeds 0 and 1) bit-identical to 3a308d7's\n");
}

/* The default build's first three training losses against 3a308d7's
 * mul+add ones. The bound: a product of K terms is computed by either
 * build within gamma_K = K u / (1 - K u) (u = 2^-53) of the exact sum,
 * relative to sum |a_i b_i|, so the builds differ by at most 2 gamma_K
 * (K = 200, the widest layer: 4.4e-14); with sum |a_i b_i| <= 10 |sum
 * a_i b_i| (random weights, no deliberate cancellation), three chained
 * products a step (the field, the gradient, its reverse) and 3 steps
 * compounding: 3 x 3 x 10 x 4.4e-14 = 4e-12 relative; 1e-11 below. */
static void fma_losses(const char *kind, const char *task, char (*loss)[512], int nl) {
  char dir[300], path[400], buf[4096], want_kind[16], want_task[32];
  double worst = 0;
  FILE *f;
  snprintf(dir, sizeof dir, "%s/fma_%s_%s", tmpdir, kind, task);
  assert_int_equal(run("%s train models/%s/%s.lua -o %s --steps 3 --quiet --cc gcc > /dev/null", hnnc, kind, task, dir),
                   0);
  snprintf(path, sizeof path, "%s/metrics.csv", dir);
  assert_non_null(f = fopen(path, "r"));
  assert_non_null(fgets(buf, sizeof buf, f));
  for (int step = 0; step < 3; step++) {
    double got[2], want[2];
    int s, ws;
    assert_int_equal(fscanf(f, "%d,%lf,%lf,%*f\n", &s, &got[0], &got[1]), 3);
    for (int i = 0; i < nl; i++) {
      assert_int_equal(sscanf(loss[i], "loss %15s %31s %d %lf %lf", want_kind, want_task, &ws, &want[0], &want[1]), 5);
      if (strcmp(want_kind, kind) || strcmp(want_task, task) || ws != s) continue;
      for (int j = 0; j < 2; j++)
        if (fabs(got[j] - want[j]) / fabs(want[j]) > worst) worst = fabs(got[j] - want[j]) / fabs(want[j]);
    }
  }
  fclose(f);
  printf("  %s %s, FMA build: 3 steps' losses within %.2g of 3a308d7's mul+add ones, relative (bound 1e-11)\n", kind,
         task, worst);
  assert_true(worst <= 1e-11);
}

static void test_losses_and_evaluation(void **state) {
  static char loss[64][512], eval[16][512];
  int nl = fixture_lines("loss ", loss, 64), ne = fixture_lines("eval ", eval, 16), checked = 0;
  static const char *const kinds[2] = {"hnn", "baseline"};
  static const char *const keys[6] = {"train_loss", "test_loss", "energy_mse", "energy_mse_se", "energy_mse_corrected",
                                      "energy_mse_corrected_se"};
  (void)state;
  assert_int_equal(nl, 18);
  assert_int_equal(ne, 6);
  for (int t = 0; t < 3; t++)
    for (int k = 0; k < 2; k++) {
      char dir[300], path[400], buf[4096], want_kind[16], want_task[32];
      FILE *f;
      snprintf(dir, sizeof dir, "%s/%s_%s", tmpdir, kinds[k], tasks[t]);
      assert_int_equal(run("%s train models/%s/%s.lua -o %s --steps 3 --quiet --cc gcc --no-fma > /dev/null", hnnc,
                           kinds[k], tasks[t], dir), 0);
      fma_losses(kinds[k], tasks[t], loss, nl);
      /* metrics.csv: step,train_loss,test_loss,seconds; %.17g round-trips */
      snprintf(path, sizeof path, "%s/metrics.csv", dir);
      assert_non_null(f = fopen(path, "r"));
      assert_non_null(fgets(buf, sizeof buf, f));
      for (int step = 0; step < 3; step++) {
        double tr, te, wtr, wte;
        int s, ws, found = 0;
        assert_int_equal(fscanf(f, "%d,%lf,%lf,%*f\n", &s, &tr, &te), 3);
        for (int i = 0; i < nl; i++) {
          assert_int_equal(sscanf(loss[i], "loss %15s %31s %d %lf %lf", want_kind, want_task, &ws, &wtr, &wte), 5);
          if (strcmp(want_kind, kinds[k]) || strcmp(want_task, tasks[t]) || ws != s) continue;
          found = 1;
          if (!same_bits(tr, wtr) || !same_bits(te, wte))
            fail_msg("%s %s step %d: losses %.17g %.17g, 3a308d7 had %.17g %.17g", kinds[k], tasks[t], s, tr, te, wtr,
                     wte);
          checked++;
        }
        assert_true(found);
      }
      fclose(f);
      /* evaluate --json */
      snprintf(path, sizeof path, "%s/eval.json", dir);
      assert_int_equal(run("%s evaluate models/%s/%s.lua --params %s --json --cc gcc --no-fma > %s", hnnc, kinds[k],
                           tasks[t], dir, path), 0);
      assert_non_null(f = fopen(path, "r"));
      assert_non_null(fgets(buf, sizeof buf, f));
      fclose(f);
      for (int i = 0; i < ne; i++) {
        double w[6];
        assert_int_equal(sscanf(eval[i], "eval %15s %31s %lf %lf %lf %lf %lf %lf", want_kind, want_task, &w[0], &w[1],
                                &w[2], &w[3], &w[4], &w[5]), 8);
        if (strcmp(want_kind, kinds[k]) || strcmp(want_task, tasks[t])) continue;
        for (int j = 0; j < 6; j++) {
          char key[64];
          snprintf(key, sizeof key, "\"%s\": ", keys[j]);
          const char *p = strstr(buf, key);
          assert_non_null(p);
          double v = strtod(p + strlen(key), NULL);
          if (!same_bits(v, w[j]))
            fail_msg("%s %s %s: %.17g, 3a308d7 had %.17g", kinds[k], tasks[t], keys[j], v, w[j]);
          checked++;
        }
      }
    }
  assert_int_equal(checked, 18 + 36);
  printf("  18 training losses and 36 evaluation numbers bit-identical to 3a308d7's\n");
}

/* a user's files train from the model file (hn.data{files = ...}) and with
   --data DIR (a CSV folder as `hnnc data --csv` writes it); bad files exit
   1 with the file named */
static const char *byo_src =
    "local hn = require \"hnnc\"\n"
    "local nn = require \"hnnc.nn\"\n"
    "hn.model{name = \"byo\", seed = 1}\n"
    "hn.data{files = {x = \"%s\"%s}, system = \"%s/models/systems/spring.lua\", split = {train = 0.8},\n"
    "        eval = {x0 = {box = {-1, 1}}, rollouts = 5, t = {0, 2, points = 20}}}\n"
    "hn.train{steps = 5, lr = 1e-3}\n"
    "local mlp = nn.mlp{sizes = {2, 8, 2}, act = \"tanh\", init = \"orthogonal\", last_bias = false}\n"
    "local function H(x) return mlp(x)[2] end\n"
    "local field = hn.field(H)\n"
    "local function loss(x, xdot) return hn.batch_mean(hn.mean(hn.square(field(x) - xdot))) end\n"
    "hn.fn(\"field\", {x = 2}, field)\n"
    "hn.fn(\"loss\", {x = 2, xdot = 2}, loss)\n"
    "hn.fn(\"loss_grad\", {x = 2, xdot = 2}, function(x, xdot) local L = loss(x, xdot) return L, hn.grad(L, hn.params()) end)\n";

static void byo_model(const char *name, const char *x, const char *dx) {
  char path[600], cwd[4096], extra[600] = "";
  FILE *f;
  assert_non_null(getcwd(cwd, sizeof cwd));
  if (dx) snprintf(extra, sizeof extra, ", dx = \"%s\"", dx);
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  assert_non_null(f = fopen(path, "w"));
  fprintf(f, byo_src, x, extra, cwd);
  fclose(f);
}

static void test_user_data_cli(void **state) {
  char path[600];
  FILE *f;
  (void)state;
  /* a spring data set as CSV: its x_train (trajectory,t,q,p; no dx: finite
     differences) and x_train with dx_train */
  assert_int_equal(run("%s data models/hnn/spring.lua -o %s/sp --csv > /dev/null", hnnc, tmpdir), 0);
  byo_model("fd.lua", "sp/x_train.csv", NULL);
  byo_model("both.lua", "sp/x_train.npy", "sp/dx_train.npy");
  assert_int_equal(run("cd %s && %s train fd.lua -o fd --cc tcc --quiet > /dev/null", tmpdir, hnnc), 0);
  assert_int_equal(run("cd %s && %s train both.lua -o both --cc tcc --quiet > /dev/null", tmpdir, hnnc), 0);
  assert_int_equal(run("cd %s && %s evaluate both.lua --params both --cc tcc > /dev/null", tmpdir, hnnc), 0);
  /* rollouts from --x0 over --t: an energy MSE; a state of the wrong size is a usage error */
  assert_int_equal(run("cd %s && %s evaluate both.lua --params both --cc tcc --x0 '0.5,0;0,0.7' --t 2:20 --json > ev.json",
                       tmpdir, hnnc), 0);
  {
    char buf[2048] = "";
    snprintf(path, sizeof path, "%s/ev.json", tmpdir);
    assert_non_null(f = fopen(path, "r"));
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    const char *p = strstr(buf, "\"energy_mse\": ");
    assert_non_null(p);
    assert_true(strtod(p + 14, NULL) > 0);
  }
  assert_int_equal(run("cd %s && %s evaluate both.lua --params both --cc tcc --x0 '0.5,0,1' 2> /dev/null", tmpdir,
                       hnnc) >> 8, 2);
  /* --data: the CSV folder (the .npy files moved away) */
  assert_int_equal(run("mkdir %s/csv && cp %s/sp/*.csv %s/csv/", tmpdir, tmpdir, tmpdir), 0);
  assert_int_equal(run("cd %s && %s train fd.lua -o viacsv --data csv --cc tcc --quiet > /dev/null", tmpdir, hnnc), 0);
  /* the data really were those: 25 train trajectories of 30 points */
  snprintf(path, sizeof path, "%s/viacsv/data/x_train.npy", tmpdir);
  {
    rt_npy a;
    char err[512];
    assert_int_equal(rt_npy_read(path, 0, &a, err, sizeof err), 0);
    assert_int_equal(a.rank, 3);
    assert_true(a.shape[0] == 25 && a.shape[1] == 30 && a.shape[2] == 2);
    rt_npy_free(&a);
  }
  /* bad files: a row too short in dx, exit 1 naming the file and line */
  snprintf(path, sizeof path, "%s/csv/dx_train.csv", tmpdir);
  assert_non_null(f = fopen(path, "a"));
  fputs("7,0.5,1\n", f);
  fclose(f);
  assert_int_equal(run("cd %s && %s train fd.lua -o bad --data csv --cc tcc --quiet 2> bad.txt > /dev/null", tmpdir,
                       hnnc) >> 8, 1);
  snprintf(path, sizeof path, "%s/bad.txt", tmpdir);
  {
    char msg[1024] = "";
    assert_non_null(f = fopen(path, "r"));
    assert_non_null(fgets(msg, sizeof msg, f));
    fclose(f);
    printf("  %s", msg);
    if (!strstr(msg, "csv/dx_train.csv:752: error: 3 numbers, a row has 4")) fail_msg("message: %s", msg);
  }
}

/* Any state size 2..16 trains: a chain of n coupled oscillators (n = 1..8),
   its data declared with hn.data (a box sampler), a small HNN, 30 steps:
   the losses are finite and the last is below the first. */
static void test_state_sizes(void **state) {
  (void)state;
  for (int n = 1; n <= 8; n++) {
    char path[700], dir[600], line[512];
    FILE *f;
    double first = NAN, last = NAN;
    snprintf(path, sizeof path, "%s/chain%d.lua", tmpdir, n);
    assert_non_null(f = fopen(path, "w"));
    fprintf(f, "local hn = require \"hnnc\"\n"
               "local n = %d\n"
               "local function H(x)\n"
               "  local q, p = hn.split(x, 2)\n"
               "  local h = hn.sum(hn.square(p)) / 2 + hn.sum(hn.square(q)) / 2\n"
               "  for i = 1, n - 1 do h = h + hn.square(q[i] - q[i + 1]) / 4 end\n"
               "  return h\n"
               "end\n"
               "hn.fn(\"H\", {x = 2 * n}, H)\n"
               "hn.fn(\"field\", {x = 2 * n}, hn.field(H))\n", n);
    fclose(f);
    snprintf(path, sizeof path, "%s/chain%d_hnn.lua", tmpdir, n);
    assert_non_null(f = fopen(path, "w"));
    fprintf(f, "local hn = require \"hnnc\"\n"
               "local nn = require \"hnnc.nn\"\n"
               "local d = %d\n"
               "hn.model{name = \"chain%d_hnn\", seed = 2}\n"
               "hn.data{system = \"chain%d.lua\", x0 = {box = {-1, 1}}, trajectories = 5, t = {0, 1, points = 10},\n"
               "        split = {train = 0.8}, eval = {rollouts = 5, t = {0, 1, points = 10}}}\n"
               "hn.train{steps = 30, lr = 1e-2}\n"
               "local mlp = nn.mlp{sizes = {d, 16, 2}, act = \"tanh\", init = \"orthogonal\", last_bias = false}\n"
               "local function H(x) return mlp(x)[2] end\n"
               "local field = hn.field(H)\n"
               "local function loss(x, xdot) return hn.batch_mean(hn.mean(hn.square(field(x) - xdot))) end\n"
               "hn.fn(\"H\", {x = d}, H)\n"
               "hn.fn(\"field\", {x = d}, field)\n"
               "hn.fn(\"loss\", {x = d, xdot = d}, loss)\n"
               "hn.fn(\"loss_grad\", {x = d, xdot = d}, function(x, xdot)\n"
               "  local L = loss(x, xdot)\n"
               "  return L, hn.grad(L, hn.params())\n"
               "end)\n", 2 * n, n, n);
    fclose(f);
    snprintf(dir, sizeof dir, "%s/chain%d_run", tmpdir, n);
    assert_int_equal(run("%s train %s -o %s --cc tcc --quiet > /dev/null", hnnc, path, dir), 0);
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    assert_non_null(f = fopen(path, "r"));
    assert_non_null(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
      double tr;
      assert_int_equal(sscanf(line, "%*d,%lf", &tr), 1);
      if (isnan(first)) first = tr;
      last = tr;
    }
    fclose(f);
    printf("  state size %2d: train loss %.4f -> %.4f in 30 steps\n", 2 * n, first, last);
    assert_true(isfinite(first) && isfinite(last) && last < first);
  }
}

/* hnnc poincare: a section of Hénon–Heiles (CSV rows of crossings on q2 = 0);
   a system with one degree of freedom and an energy below the minimum are
   errors that say so, exit 1 */
static void test_poincare_cli(void **state) {
  char path[600], line[512];
  FILE *f;
  long rows = 0;
  (void)state;
  assert_int_equal(run("%s poincare models/systems/henon_heiles.lua --energy 0.08333333333333333 --orbits 3 "
                       "--crossings 20 -o %s/pc > /dev/null", hnnc, tmpdir), 0);
  snprintf(path, sizeof path, "%s/pc/poincare.csv", tmpdir);
  assert_non_null(f = fopen(path, "r"));
  assert_non_null(fgets(line, sizeof line, f));
  assert_string_equal(line, "system,orbit,crossing,t,q1,q2,p1,p2\n");
  while (fgets(line, sizeof line, f)) {
    double q2;
    assert_int_equal(sscanf(line, "true,%*d,%*d,%*f,%*f,%lf", &q2), 1);
    assert_true(fabs(q2) < 1e-12);
    rows++;
  }
  fclose(f);
  assert_int_equal(rows, 60);
  assert_int_equal(run("%s poincare models/systems/harmonic.lua --energy 1 -o %s/pc1 2> %s/pc1.txt", hnnc, tmpdir,
                       tmpdir) >> 8, 1);
  assert_int_equal(run("grep -q 'needs two degrees of freedom' %s/pc1.txt", tmpdir), 0);
  assert_int_equal(run("%s poincare models/systems/henon_heiles.lua --energy -1 -o %s/pc2 2> %s/pc2.txt", hnnc, tmpdir,
                       tmpdir) >> 8, 1);
  assert_int_equal(run("grep -q 'below the system' %s/pc2.txt", tmpdir), 0);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f) {
  (void)sb, (void)flag, (void)f;
  return remove(p);
}
static int setup(void **state) {
  (void)state;
  strcpy(tmpdir, "/tmp/hnnc_test_tasks.XXXXXX");
  return mkdtemp(tmpdir) ? 0 : -1;
}
static int teardown(void **state) {
  (void)state;
  return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_data_bits),
      cmocka_unit_test(test_losses_and_evaluation),
      cmocka_unit_test(test_user_data_cli),
      cmocka_unit_test(test_state_sizes),
      cmocka_unit_test(test_poincare_cli),
  };
  const char *slash = strrchr(argv[0], '/');
  (void)argc;
  {
    char rel[4200], *abs;
    snprintf(rel, sizeof rel, "%.*shnnc", slash ? (int)(slash - argv[0] + 1) : 0, argv[0]);
    abs = realpath(rel, NULL);
    snprintf(hnnc, sizeof hnnc, "%s", abs ? abs : rel);
    free(abs);
  }
  return cmocka_run_group_tests(tests, setup, teardown);
}
