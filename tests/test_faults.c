/* Fault injection: kill -9 at random moments while files are written.
 *
 * Every writer of hnnc writes PATH.tmp.PID and renames it over PATH when it
 * is complete, so a process killed at any instant leaves PATH old or new,
 * never truncated. Two tests, KILLS/2 kills each (HNNC_FAULT_KILLS, default
 * 200 in all):
 *   - a child process writing versions k = 1, 2, ... of a checkpoint, a
 *     params.npy and its sidecar in a loop (every value of version k is k)
 *     is killed after a random delay; each file must then read back whole,
 *     with one version's values throughout, and versions never go back;
 *   - `hnnc train --resume` with a checkpoint every step is killed after a
 *     random delay; the checkpoint must read back (checksum) and metrics.csv
 *     hold whole lines, and the next --resume continues from there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "npy.h"
#include "params.h"

#define P 4000 /* parameters: big enough that a write takes a while */

static char tmpdir[64], hnnc[4200], root[4200];
static int kills = 200;

static void sleep_us(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
  nanosleep(&ts, NULL);
}

/* the child: writes versions k = first, first + 1, ... of the three files
   for ever (each child continues where the last one was killed, so a file's
   version can only grow) */
static void writer(const char *dir, long first) {
  static double theta[P], m[P], v[P], hist[4];
  int shape[1][5] = {{1, P, 0, 0, 0}};
  char ck[256], npy[256], err[512];
  rt_checkpoint c;
  rt_params_id id = {0x0123456789abcdefULL, P, 8, "fault"};
  rt_npy a = {RT_NPY_F8, 1, {P}, P, theta};
  snprintf(ck, sizeof ck, "%s/checkpoint.bin", dir);
  snprintf(npy, sizeof npy, "%s/params.npy", dir);
  memset(&c, 0, sizeof c);
  c.elem = 8, c.nparams = P, c.ntensor = 1, c.shape = shape, c.theta = theta, c.m = m, c.v = v, c.hist = hist;
  for (long k = first;; k++) {
    for (int i = 0; i < P; i++) theta[i] = m[i] = v[i] = (double)k;
    c.step = k, c.hash = (uint64_t)k;
    id.hash = (uint64_t)k;
    if (rt_checkpoint_write(ck, &c, err, sizeof err) || rt_npy_write(npy, &a, 0, err, sizeof err) ||
        rt_params_id_write(npy, &id, err, sizeof err))
      _exit(2);
  }
}

/* the version in each file (0: the file does not exist yet); fails on a
   file that is not whole or mixes versions */
static void versions(const char *dir, long *vck, long *vnpy, long *vid) {
  char path[256], err[512];
  rt_checkpoint c;
  rt_npy a;
  rt_params_id id;
  snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
  *vck = *vnpy = *vid = 0;
  if (!access(path, F_OK)) {
    if (rt_checkpoint_read(path, &c, err, sizeof err)) {
      fprintf(stderr, "  %s\n", err);
      fail();
    }
    for (int i = 0; i < P; i++) assert_true(((double *)c.theta)[i] == (double)c.step);
    *vck = c.step;
    rt_checkpoint_free(&c);
  }
  snprintf(path, sizeof path, "%s/params.npy", dir);
  if (!access(path, F_OK)) {
    if (rt_npy_read(path, RT_NPY_FINITE, &a, err, sizeof err)) {
      fprintf(stderr, "  %s\n", err);
      fail();
    }
    assert_int_equal(a.count, P);
    for (int i = 1; i < P; i++) assert_true(((double *)a.data)[i] == ((double *)a.data)[0]);
    *vnpy = (long)((double *)a.data)[0];
    rt_npy_free(&a);
    switch (rt_params_id_read(path, &id, err, sizeof err)) {
    case 0: *vid = (long)id.hash, rt_params_id_free(&id); break;
    case 1: fprintf(stderr, "  %s\n", err); fail();
    }
  }
}

static void test_kill_writers(void **state) {
  char dir[128];
  long last[3] = {0, 0, 0}, now[3];
  int n = kills / 2, i;
  double t0 = (double)clock();
  (void)state;
  snprintf(dir, sizeof dir, "%s/writers", tmpdir);
  mkdir(dir, 0777);
  for (i = 0; i < n; i++) {
    pid_t pid = fork();
    int st;
    assert_true(pid >= 0);
    long first = 1 + (last[0] > last[1] ? (last[0] > last[2] ? last[0] : last[2]) : (last[1] > last[2] ? last[1] : last[2]));
    if (pid == 0) writer(dir, first);
    sleep_us(200 + rand() % 5000);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    assert_true(WIFSIGNALED(st)); /* killed while writing, not ended by an error */
    versions(dir, &now[0], &now[1], &now[2]);
    for (int k = 0; k < 3; k++) assert_true(now[k] >= last[k]);
    memcpy(last, now, sizeof last);
  }
  (void)t0;
  printf("  %d kills of a writer: every checkpoint, params.npy and params.model read back whole\n", n);
}

/* metrics.csv: a header and whole rows (4 fields, a final newline) */
static long metrics_rows(const char *path) {
  FILE *f = fopen(path, "r");
  char line[512];
  long rows = -1;
  if (!f) return -2;
  while (fgets(line, sizeof line, f)) {
    size_t len = strlen(line);
    int commas = 0;
    for (size_t k = 0; k < len; k++) commas += line[k] == ',';
    if (!len || line[len - 1] != '\n' || commas != 3) {
      fclose(f);
      return -3;
    }
    rows++;
  }
  fclose(f);
  return rows;
}

static void test_kill_train(void **state) {
  char cmd[16384], ck[256], err[512];
  long last = 0;
  int n = kills / 2, i, resumed = 0;
  rt_checkpoint c;
  (void)state;
  if (access(hnnc, X_OK)) skip();
  snprintf(cmd, sizeof cmd, "cd %s && cp %s/tests/robust/tiny.lua %s/models/systems/spring.lua . && %s train tiny.lua -o run "
           "--steps 1 --cc tcc --quiet > /dev/null", tmpdir, root, root, hnnc);
  assert_int_equal(system(cmd), 0);
  snprintf(ck, sizeof ck, "%s/run/checkpoint.bin", tmpdir);
  for (i = 0; i < n; i++) {
    pid_t pid = fork();
    int st;
    long rows;
    assert_true(pid >= 0);
    if (pid == 0) {
      char dir[128];
      snprintf(dir, sizeof dir, "%s", tmpdir);
      if (chdir(dir) || !freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(3);
      execl(hnnc, hnnc, "train", "tiny.lua", "-o", "run", "--resume", "--steps", "1000000", "--checkpoint-every", "1",
            "--cc", "tcc", "--quiet", (char *)NULL);
      _exit(4);
    }
    sleep_us(20000 + rand() % 150000);
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    if (!WIFSIGNALED(st)) {
      fprintf(stderr, "  the training ended with status %d before the kill\n", WEXITSTATUS(st));
      fail();
    }
    if (rt_checkpoint_read(ck, &c, err, sizeof err)) {
      fprintf(stderr, "  after kill %d: %s\n", i + 1, err);
      fail();
    }
    assert_true(c.step >= last); /* a resume never goes back */
    resumed += c.step > last;
    last = c.step;
    rt_checkpoint_free(&c);
    snprintf(cmd, sizeof cmd, "%s/run/metrics.csv", tmpdir);
    rows = metrics_rows(cmd);
    if (rows < 0) {
      fprintf(stderr, "  after kill %d: metrics.csv is not whole (%ld)\n", i + 1, rows);
      fail();
    }
  }
  /* and a last, clean resume from what the kills left */
  snprintf(cmd, sizeof cmd, "cd %s && %s train tiny.lua -o run --resume --steps %ld --cc tcc --quiet > /dev/null", tmpdir,
           hnnc, last + 2);
  assert_int_equal(system(cmd), 0);
  /* the temporary files of the killed runs were removed by the runs after them */
  snprintf(cmd, sizeof cmd, "test -z \"$(find %s/run -name '*.tmp.*')\"", tmpdir);
  assert_int_equal(system(cmd), 0);
  printf("  %d kills of hnnc train --resume (%d of them after progress): the checkpoint read back whole each time, "
         "step %ld reached, and the last resume finished\n", n, resumed, last);
  assert_true(resumed > n / 4);
}

static int rm_tree(void) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  return system(cmd);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kill_writers),
      cmocka_unit_test(test_kill_train),
  };
  const char *slash = strrchr(argv[0], '/'), *k = getenv("HNNC_FAULT_KILLS");
  char cwd[2048];
  int rc;
  (void)argc;
  if (!getcwd(cwd, sizeof cwd)) return 1;
  snprintf(root, sizeof root, "%s", cwd);
  if (slash) snprintf(hnnc, sizeof hnnc, "%s/%.*s/hnnc", argv[0][0] == '/' ? "" : cwd, (int)(slash - argv[0]), argv[0]);
  else snprintf(hnnc, sizeof hnnc, "%s/hnnc", cwd);
  if (k) kills = atoi(k);
  srand((unsigned)time(NULL));
  snprintf(tmpdir, sizeof tmpdir, "/tmp/hnnc_faults_XXXXXX");
  if (!mkdtemp(tmpdir)) return 1;
  rc = cmocka_run_group_tests(tests, NULL, NULL);
  rm_tree();
  return rc;
}
