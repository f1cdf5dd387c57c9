/* A training run's folder (contract in rundir.h)
 *
 * The files hnnc writes in a run are listed once, here: --force removes
 * exactly these (an old run's PNGs included), so a user's other files in
 * the folder are never touched.
 */
#include "rundir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const run_files[] = {
    "checkpoint.bin", "params.npy", "params.model", "metrics.csv", "loss.svg", "loss.png", "phase.svg",
    "phase.png", "energy.svg", "energy.png", "data/x_train.npy", "data/dx_train.npy", "data/x_test.npy",
    "data/dx_test.npy", "data/t.npy", NULL};

/* the files whose presence means "a run is here" */
static const char *const run_marks[] = {"checkpoint.bin", "params.npy", "metrics.csv", NULL};

static char *join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", dir, name);
  return p;
}

static int has(const char *dir, const char *name) {
  char *p = join(dir, name);
  struct stat st;
  int yes = p && !stat(p, &st);
  free(p);
  return yes;
}

/* NAME.tmp.PID for one of hnnc's names, with PID not running */
static int stale_tmp(const char *entry, const char *sub) {
  int i;
  for (i = 0; run_files[i]; i++) {
    const char *name = run_files[i], *slash = strchr(name, '/');
    size_t n;
    char *end;
    long pid;
    if ((slash != NULL) != (sub != NULL) || (sub && strncmp(name, sub, slash - name))) continue;
    if (slash) name = slash + 1;
    n = strlen(name);
    if (strncmp(entry, name, n) || strncmp(entry + n, ".tmp.", 5)) continue;
    pid = strtol(entry + n + 5, &end, 10);
    if (*end || pid <= 0) continue;
    return kill((pid_t)pid, 0) && errno == ESRCH;
  }
  return 0;
}

static void remove_stale(const char *dir, const char *sub) {
  char *path = sub ? join(dir, sub) : NULL;
  DIR *d = opendir(path ? path : dir);
  struct dirent *e;
  if (d) {
    while ((e = readdir(d)))
      if (stale_tmp(e->d_name, sub)) {
        char *p = join(path ? path : dir, e->d_name);
        if (p) remove(p);
        free(p);
      }
    closedir(d);
  }
  free(path);
}

int rundir_claim(const char *dir, int resume, int force, char *err, size_t nerr) {
  int i, held = 0;
  remove_stale(dir, NULL);
  remove_stale(dir, "data");
  for (i = 0; run_marks[i]; i++) held |= has(dir, run_marks[i]);
  if (!held || resume) return 0;
  if (!force) {
    snprintf(err, nerr,
             "%s: error: the folder holds a run (%s%s%s): --resume continues it, --force replaces it (removing the "
             "files hnnc wrote there), or give another -o",
             dir, has(dir, "checkpoint.bin") ? "checkpoint.bin " : "", has(dir, "params.npy") ? "params.npy " : "",
             has(dir, "metrics.csv") ? "metrics.csv" : "");
    return 1;
  }
  for (i = 0; run_files[i]; i++) {
    char *p = join(dir, run_files[i]);
    if (p && remove(p) && errno != ENOENT) {
      snprintf(err, nerr, "%s: error: --force: cannot remove %s: %s", dir, run_files[i], strerror(errno));
      free(p);
      return 1;
    }
    free(p);
  }
  {
    char *p = join(dir, "data");
    if (p) rmdir(p); /* only if empty: the user's files stay */
    free(p);
  }
  return 0;
}

/* ---- signals ---- */

static volatile sig_atomic_t *stop_flag;
static const char *run_dir;

static void put(const char *s) {
  ssize_t n = write(2, s, strlen(s));
  (void)n;
}

/* async-signal-safe: a flag, or write(2) and _exit */
static void on_signal(int sig) {
  (void)sig;
  if (!*stop_flag) {
    *stop_flag = 1;
    put("\nhnnc: stopping after this step (again to stop at once)...\n");
    return;
  }
  put("\nhnnc: stopped at once; ");
  put(run_dir);
  put(" holds the last checkpoint written (resume with --resume)\n");
  _exit(130);
}

void rundir_catch_signals(volatile sig_atomic_t *stop, const char *dir) {
  struct sigaction sa;
  stop_flag = stop, run_dir = dir;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

void rundir_release_signals(void) {
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
}
