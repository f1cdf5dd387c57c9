/* hnnc data: a task's data set from the true dynamics of a system model. */
#include <stdio.h>
#include <string.h>

#include "binding.h"
#include "cli.h"
#include "../runtime/npy.h"

const char usage_data[] =
    "usage: hnnc data SYSTEM.lua --task spring|pendulum|two_body -o DIR [--seed S] [--csv]\n"
    "\n"
    "Makes the data set of a task of Greydanus et al. (2019) with the true\n"
    "dynamics of SYSTEM.lua (its compiled `field`): trajectories by RK45,\n"
    "targets = the exact field at the clean states, noise, split, all as the\n"
    "reference code does, from hnnc's seeded generator. Writes\n"
    "DIR/x_train.npy, dx_train.npy, x_test.npy, dx_test.npy ('<f8', rows x dim).\n"
    "\n"
    "  --seed S    seed (default 0)\n"
    "  --csv       also write the four arrays as CSV (same names, .csv)\n"
    "  --cc tcc|gcc  backend (default gcc)\n";

int cmd_data(int argc, char **argv) {
  const char *pos[1], *system, *taskname = NULL, *dir = NULL;
  int backend = JIT_GCC, csv = 0, i;
  uint64_t seed = 0;
  const Opt opts[] = {{"--task", OPT_STR, &taskname},
                      {"-o", OPT_STR, &dir},
                      {"--csv", OPT_FLAG, &csv},
                      {"--seed", OPT_SEED, &seed},
                      {"--cc", OPT_BACKEND, &backend},
                      {0}};
  char err[8192];
  Setup s;
  Kern k;
  rt_system field;
  rt_dataset d;
  const rt_task *t;
  if (opts_parse("data", opts, "SYSTEM.lua", argc, argv, pos)) return 2;
  system = pos[0];
  if (!taskname) return usage_error("data", "no task given (--task %s)", rt_task_names());
  if (!dir) return usage_error("data", "no output folder given (-o DIR)");
  if (!(t = rt_task_find(taskname))) return usage_error("data", "unknown task '%s' (tasks: %s)", taskname, rt_task_names());
  if (prepare_dir(dir, err, sizeof err)) return fail(err);
  memset(&s, 0, sizeof s);
  if (model_build(&s.m, system, NULL, err, sizeof err) || model_jit(&s.m, backend, err, sizeof err)) {
    if (s.m.g) model_free(&s.m);
    return fail(err);
  }
  if (bind_field(&k, &s.m, NULL, &field, system, err, sizeof err)) {
    model_free(&s.m);
    return fail(err);
  }
  if (s.m.g->nparams_total) {
    fprintf(stderr, "%s: error: a system model must have no parameters\n", system);
    return 1;
  }
  if (rt_dataset_make(t, &field, seed, &d, err, sizeof err) || rt_dataset_save(&d, dir, err, sizeof err)) {
    kern_free(&k), model_free(&s.m);
    return fail(err);
  }
  if (csv) {
    static const char *const names[4] = {"x_train", "dx_train", "x_test", "dx_test"};
    double *arr[4] = {d.x_train, d.dx_train, d.x_test, d.dx_test};
    long rows[4] = {d.ntrain, d.ntrain, d.ntest, d.ntest};
    for (i = 0; i < 4; i++) {
      char path[4200], header[1024];
      int n = 0, c;
      for (c = 0; c < d.dim; c++) {
        const char *pre = i % 2 ? "d" : "";
        if (d.dim == 2) n += snprintf(header + n, sizeof header - n, "%s%s%s", c ? "," : "", pre, c ? "p" : "q");
        else n += snprintf(header + n, sizeof header - n, "%s%s%s%d", c ? "," : "", pre, c < d.dim / 2 ? "q" : "p", c % (d.dim / 2) + 1);
      }
      snprintf(path, sizeof path, "%s/%s.csv", dir, names[i]);
      if (rt_csv_write(path, header, rows[i], d.dim, arr[i], err, sizeof err)) {
        rt_dataset_free(&d), kern_free(&k), model_free(&s.m);
        return fail(err);
      }
    }
  }
  printf("%s data set from %s, seed %llu: %ld train and %ld test rows of %d values in %s/%s\n", t->name, system,
         (unsigned long long)seed, d.ntrain, d.ntest, d.dim, dir, csv ? " (.npy and .csv)" : "");
  rt_dataset_free(&d);
  kern_free(&k);
  model_free(&s.m);
  return 0;
}
