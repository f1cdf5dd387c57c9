/* hnnc data: the data set a model file declares (hn.data), made with the
 * true dynamics of its system model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "cli.h"
#include "../runtime/npy.h"

const char usage_data[] =
    "usage: hnnc data MODEL.lua -o DIR [--seed S] [--csv] [--cc tcc|gcc]\n"
    "\n"
    "Makes the data set that MODEL.lua declares with hn.data{...} (or with a\n"
    "published task of hnnc.tasks) from the true dynamics of its system model\n"
    "(the compiled `field`): trajectories from the sampled initial states,\n"
    "targets = the exact field at the clean states, noise, split by trajectory,\n"
    "all from hnnc's seeded generator. Writes ('<f8')\n"
    "  DIR/x_train.npy, dx_train.npy, x_test.npy, dx_test.npy\n"
    "      (trajectories, points, dim): whole trajectories, time within\n"
    "  DIR/t.npy   the sample times (points)\n"
    "\n"
    "  --seed S      seed (default: the model's, hn.model{seed = ...})\n"
    "  --csv         also write the four arrays as CSV with a header line:\n"
    "                trajectory,t,q1,..,qn,p1,..,pn (x) and trajectory,t,dq1,..,dpn\n"
    "                (dx); 2-D states are q,p. One row per sample.\n"
    "  --cc tcc|gcc  backend of the system's field (default gcc)\n";

/* x or dx of d as CSV: trajectory, t, the state */
static int write_csv(const rt_dataset *d, const char *dir, int which, char *err, size_t nerr) {
  static const char *const names[4] = {"x_train", "dx_train", "x_test", "dx_test"};
  const double *arr[4] = {d->x_train, d->dx_train, d->x_test, d->dx_test};
  long rows = which < 2 ? d->ntrain : d->ntest, r;
  int dim = d->dim, n = 0, c, cols = dim + 2, rc;
  size_t hn = (size_t)dim * 16 + 32, pn = strlen(dir) + 32;
  char *header = malloc(hn), *path = malloc(pn);
  double *table = malloc(((size_t)rows * cols + 1) * sizeof *table);
  if (!header || !path || !table) {
    free(header), free(path), free(table);
    snprintf(err, nerr, "%s: error: out of memory", dir);
    return 1;
  }
  n = snprintf(header, hn, "trajectory,t");
  for (c = 0; c < dim; c++) {
    const char *pre = which % 2 ? "d" : "";
    if (dim == 2) n += snprintf(header + n, hn - n, ",%s%s", pre, c ? "p" : "q");
    else n += snprintf(header + n, hn - n, ",%s%s%d", pre, c < dim / 2 ? "q" : "p", c % (dim / 2) + 1);
  }
  for (r = 0; r < rows; r++) {
    double *row = table + (size_t)r * cols;
    row[0] = (double)(r / d->npoints);
    row[1] = d->t ? d->t[r % d->npoints] : 0;
    memcpy(row + 2, arr[which] + (size_t)r * dim, (size_t)dim * sizeof *row);
  }
  snprintf(path, pn, "%s/%s.csv", dir, names[which]);
  rc = rt_csv_write(path, header, rows, cols, table, err, nerr);
  free(header), free(path), free(table);
  return rc;
}

int cmd_data(int argc, char **argv) {
  const char *pos[1], *model, *dir = NULL, *task = NULL;
  int backend = JIT_GCC, csv = 0, have_seed = 0, i, rc = 1;
  uint64_t seed = 0;
  const Opt opts[] = {{"-o", OPT_STR, &dir},
                      {"--csv", OPT_FLAG, &csv},
                      {"--seed", OPT_SEED, &seed, 0, 0, NULL, &have_seed},
                      {"--cc", OPT_BACKEND, &backend},
                      {"--task", OPT_STR, &task},
                      {0}};
  char err[8192];
  Model m, sys;
  Kern k, kh;
  rt_system field;
  rt_energy H;
  rt_dataset d;
  rt_task t;
  ModelOptions mo;
  if (opts_parse("data", opts, "MODEL.lua", argc, argv, pos)) return 2;
  model = pos[0];
  if (task)
    return usage_error("data", "--task is gone: the data set is the model file's hn.data (the published tasks: "
                               "hnnc data models/hnn/TASK.lua, or require(\"hnnc.tasks\").TASK{system = ...})");
  if (!dir) return usage_error("data", "no output folder given (-o DIR)");
  memset(&mo, 0, sizeof mo);
  mo.note = mo.limits.note = cli_note;
  mo.limits.data_seed_given = have_seed, mo.limits.data_seed = seed;
  memset(&m, 0, sizeof m), memset(&sys, 0, sizeof sys), memset(&d, 0, sizeof d);
  memset(&k, 0, sizeof k), memset(&kh, 0, sizeof kh);
  if (!(m.g = front_load(model, &mo.limits, err, sizeof err))) return fail(err);
  if (!m.g->data.present) {
    fprintf(stderr, "%s: error: the model declares no data set (hn.data{...}, or a task of hnnc.tasks)\n", model);
    goto done;
  }
  if (!have_seed) seed = m.g->seed;
  recipe_from_spec(&m.g->data, &t);
  if (prepare_dir(dir, err, sizeof err) || model_build(&sys, m.g->data.system, &mo, err, sizeof err) ||
      model_jit(&sys, backend, err, sizeof err) || bind_field(&k, &sys, NULL, &field, m.g->data.system, err, sizeof err) ||
      rt_dataset_make(&t, &field, bind_energy(&kh, &sys, NULL, field.dim, &H) ? NULL : &H, seed, &d, err, sizeof err) ||
      rt_dataset_save(&d, dir, err, sizeof err)) {
    fail(err);
    goto done;
  }
  for (i = 0; csv && i < 4; i++)
    if (write_csv(&d, dir, i, err, sizeof err)) {
      fail(err);
      goto done;
    }
  printf("%s data set of %s (system %s), seed %llu: %ld train and %ld test trajectories of %d points of %d values "
         "in %s/%s\n", t.name, model, m.g->data.system, (unsigned long long)seed, d.ntraj_train, d.ntraj_test,
         d.npoints, d.dim, dir, csv ? " (.npy and .csv)" : "");
  rc = 0;
done:
  rt_dataset_free(&d);
  kern_free(&k), kern_free(&kh);
  if (sys.g) model_free(&sys);
  ir_free(m.g);
  return rc;
}
