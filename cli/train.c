/* hnnc train: Adam on the model's loss_grad, with the task's data set made
 * from the compiled field of the system model hn.train names; then the
 * run's parameters, plots and summary. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "binding.h"
#include "flow_eval.h"
#include "cli.h"
#include "report.h"
#include "../runtime/error.h"
#include "rundir.h"
#include "../compiler/hnnc.h"
#include "../runtime/checkpoint.h"
#include "../runtime/npy.h"
#include "../runtime/params.h"

const char usage_train[] =
    "usage: hnnc train MODEL.lua -o DIR [--seed S] [--steps N] [--cc tcc|gcc] [--eval-every K] [--resume|--force] [--data DIR]\n"
    "\n"
    "Trains MODEL.lua as its hn.train{...} says on its hn.data{...} set: makes\n"
    "the data from the compiled vector field of the system model it names (or\n"
    "reads the files it names), then runs Adam\n"
    "(PyTorch's semantics: weight decay as an L2 term) on the model's\n"
    "loss_grad, with the test loss (the model's loss on the test rows) after\n"
    "every update, as the reference does. The same seed gives the same bits.\n"
    "Leaves in DIR:\n"
    "  checkpoint.bin  the final state: parameters, Adam moments, generators, metrics\n"
    "  params.npy      the trained parameters (float64, in the model's theta layout)\n"
    "  params.model    the identity of the model they belong to (its hash)\n"
    "  metrics.csv     step,train_loss,test_loss,seconds\n"
    "  data/           the data set: x_train.npy dx_train.npy x_test.npy dx_test.npy\n"
    "  loss.svg        train and test loss\n"
    "  phase.svg       (2-D states) true and learned trajectories over the learned field\n"
    "  phase_J.svg     (4 to 16 values) the same in (qJ, pJ), one a degree of freedom\n"
    "  energy.svg      the true energy along true and learned rollouts\n"
    "and prints a summary. A diverging run (loss NaN or infinite) stops with\n"
    "an error and keeps the last good checkpoint.\n"
    "\n"
    "  -o DIR                  output folder (created if missing)\n"
    "  --seed S                seed of the initial parameters, the data set and the\n"
    "                          batches (default: the model's seed; with --resume,\n"
    "                          the checkpoint's)\n"
    "  --steps N               Adam updates in all (default: hn.train's steps)\n"
    "  --cc tcc|gcc            backend (default gcc)\n"
    "  --no-fma                products by separate multiplies and adds (hn.model{fma = false})\n"
    "                          (default: fused multiply-adds, or as the model says; --fma forces them)\n"
    "  --dtype float64|float32 element type of the learned model, overriding its\n"
    "                          hn.model (the reference trained in float32);\n"
    "                          evaluate with the same --dtype\n"
    "  --eval-every K          test loss every K steps and at the last (default 1)\n"
    "  --test-batch N          test rows per evaluation, 0 = all (default: all for\n"
    "                          full-batch training; with mini-batches, N = the batch\n"
    "                          size, drawn at random each time as the reference does);\n"
    "                          a flow counts windows (below)\n"
    "  --sampler epoch|random  mini-batches: reshuffle every epoch (default), or an\n"
    "                          independent random subset every step (the reference's\n"
    "                          torch.randperm(N)[:batch])\n"
    "  --checkpoint-every K    steps between checkpoints (default 500; and the last)\n"
    "  --data DIR              train on DIR's x_train, dx_train, x_test, dx_test (.npy,\n"
    "                          or .csv with a header as hnnc data --csv writes them)\n"
    "                          instead of the model's hn.data\n"
    "  --resume                continue from DIR/checkpoint.bin: the same bits as an\n"
    "                          uninterrupted run\n"
    "  --force                 DIR holds a run: remove the files hnnc wrote there and\n"
    "                          start anew (without --resume or --force, a folder that\n"
    "                          holds a run is refused)\n"
    "  --quiet                 no progress output\n"
    "  --threads N             threads for the loss, its gradient and the test loss\n"
    "                          (default: the processors online); the batch is cut\n"
    "                          into fixed chunks summed in chunk order, so every N\n"
    "                          gives the same bits\n"
    "\n"
    "A flow (flow.declare{window = W}) trains on windows: W time samples of one\n"
    "trajectory, cut anew every epoch (every trajectory's samples in a fresh random\n"
    "order, cut into windows of W, the windows in random order); batches count\n"
    "windows, and --resume draws the same ones.\n"
    "\n"
    "Progress goes to stderr: a progress bar on a terminal, else a line every\n"
    "200 steps. Ctrl-C (SIGINT) or SIGTERM stops after the current step: the\n"
    "checkpoint, the metrics and params.npy are written, the command to resume\n"
    "is printed, and the exit status is 130; a second Ctrl-C stops at once,\n"
    "leaving the last checkpoint written (files are replaced whole, never in\n"
    "part). params.model, beside params.npy, names the model the parameters\n"
    "belong to: the other verbs refuse them for another model.\n";

/* DIR/params.npy and its sidecar DIR/params.model (the model's identity) */
static int write_params(const Setup *s, const void *theta, const char *dir, char *err, size_t nerr) {
  long P = s->m.g->nparams_total;
  double *t = xmalloc((P + 1) * sizeof *t);
  char path[4200];
  rt_npy a;
  rt_params_id id;
  int rc;
  model_from_elem(&s->m, theta, P, t);
  memset(&a, 0, sizeof a);
  a.dtype = RT_NPY_F8, a.rank = 1, a.shape[0] = P, a.data = t;
  snprintf(path, sizeof path, "%s/params.npy", dir);
  id.hash = model_hash(&s->m), id.nparams = P, id.elem = (int)model_elem(&s->m), id.model = s->m.g->name;
  rc = rt_npy_write(path, &a, RT_NPY_FSYNC, err, nerr) || rt_params_id_write(path, &id, err, nerr);
  free(t);
  return rc;
}

/* rt_train's options: the model's hn.train, then the command line's */
static void train_options(const Setup *s, long steps, int sampler, long test_batch, long eval_every, uint64_t seed,
                          const char *dir, long ckpt_every, int resume, rt_train_options *opt) {
  rt_train_defaults(opt);
  opt->steps = steps >= 0 ? steps : s->m.g->train.steps;
  opt->lr = s->m.g->train.lr;
  opt->schedule = !strcmp(s->m.g->train.schedule, "cosine")        ? RT_LR_COSINE
                 : !strcmp(s->m.g->train.schedule, "step")        ? RT_LR_STEP
                 : !strcmp(s->m.g->train.schedule, "exponential") ? RT_LR_EXPONENTIAL
                                                                 : RT_LR_CONSTANT;
  opt->decay_steps = s->m.g->train.decay_steps, opt->gamma = s->m.g->train.gamma, opt->min_lr = s->m.g->train.min_lr;
  opt->weight_decay = s->m.g->train.weight_decay;
  opt->batch = s->m.g->train.batch;
  opt->sampler = sampler;
  opt->test_batch = test_batch >= 0 ? test_batch : opt->batch;
  opt->eval_every = eval_every;
  opt->seed = seed;
  opt->dir = dir;
  opt->checkpoint_every = ckpt_every;
  opt->resume = resume;
}

/* the first line on stderr: what is trained on what, and how */
static void announce(const Setup *s, const rt_dataset *d, const rt_objective *obj, const rt_train_options *opt,
                     uint64_t seed) {
  char how[128], what[160];
  const char *unit = opt->window ? "windows" : "rows";
  if (opt->batch > 0)
    snprintf(how, sizeof how, "batches of %ld %s (%s)", opt->batch, unit, opt->sampler == RT_SAMPLE_EPOCH ? "epochs" : "random subsets");
  else
    snprintf(how, sizeof how, "full batch");
  if (opt->window)
    snprintf(what, sizeof what, "%ld train / %ld test trajectories of %d samples, windows of %ld cut anew every epoch",
             d->ntraj_train, d->ntraj_test, d->npoints, opt->window);
  else
    snprintf(what, sizeof what, "%ld train / %ld test rows", d->ntrain, d->ntest);
  fprintf(stderr, "training %s on %s: %s, %ld parameters (%s), %ld steps, lr %g, weight decay %g, %s, seed %llu%s\n",
          s->m.g->name, s->task->name, what, obj->nparams, obj->is_float ? "float32" : "float64", opt->steps, opt->lr,
          opt->weight_decay, how, (unsigned long long)seed, opt->resume ? ", resumed" : "");
}

/* after a run: the plots, and the summary on stdout */
static void summarize(Setup *s, const char *model, const char *dir, int backend, uint64_t seed, const void *theta,
                      const rt_dataset *d, const rt_train_result *res, double t_start, const rt_pool *pool, double cpu) {
  char err[8192], written[1024] = "";
  double train_loss = res->train_loss, test_loss = res->test_loss;
  double t_run = res->seconds - (res->first > 0 && res->first <= res->nhist ? res->hist[4 * (res->first - 1) + 3] : 0);
  Kern kl, kt, kh;
  rt_system learned, truth;
  rt_energy H;
  report_loss(res, dir, s->m.g->name, written, sizeof written);
  if (s->have_sys && !bind_field(&kl, &s->m, theta, &learned, model, err, sizeof err) &&
      !bind_field(&kt, &s->sys, NULL, &truth, s->m.g->data.system, err, sizeof err) &&
      !bind_energy(&kh, &s->sys, NULL, truth.dim, &H) && learned.dim == truth.dim) {
    report_rollouts(s, &learned, &truth, &H, d, seed, dir, written, sizeof written);
    kern_free(&kl), kern_free(&kt), kern_free(&kh);
  }
  printf("trained %s (%s) on %s, seed %llu, %s backend: steps %ld to %ld in %.2f s (%.0f steps/s)\n", s->m.g->name,
         model, s->task->name, (unsigned long long)seed, backend == JIT_GCC ? "gcc" : "tcc", res->first, res->step, t_run,
         res->step > res->first && t_run > 0 ? (res->step - res->first) / t_run : 0);
  if (rt_pool_size(pool) > 1) /* per-thread CPU time of the training loop */
    printf("  %d threads: %.2f s of CPU in this one, %.2f s in the others\n", rt_pool_size(pool), cpu,
           rt_pool_worker_cpu(pool));
  printf("  %s train loss %.4e, test loss %.4e\n", res->nhist ? "final" : "initial", train_loss, test_loss);
  printf("  wrote %s/: checkpoint.bin params.npy params.model metrics.csv data/%s (%.1f s in all)\n", dir, written, rt_seconds() - t_start);
}

/* the seed of the run in dir/checkpoint.bin */
static int checkpoint_seed(const char *dir, uint64_t *seed, char *err, size_t nerr) {
  char *path = xmalloc(strlen(dir) + 16);
  rt_checkpoint c;
  int rc;
  sprintf(path, "%s/checkpoint.bin", dir);
  if (!(rc = rt_checkpoint_read(path, &c, err, nerr))) *seed = c.seed, rt_checkpoint_free(&c);
  free(path);
  return rc;
}

int cmd_train(int argc, char **argv) {
  const char *pos[1], *model, *dir = NULL;
  int fma = 0;
  int dtype = 0, backend = JIT_GCC, resume = 0, force = 0, quiet = 0, have_seed = 0, sampler = 0, window = 0, rc;
  int have_steps = 0;
  static volatile sig_atomic_t stop;
  long steps = -1, eval_every = 1, test_batch = -1, ckpt_every = 500, threads = 0;
  uint64_t seed = 0;
  const char *data_dir = NULL;
  const Opt opts[] = {{"--data", OPT_STR, &data_dir},
                      {"-o", OPT_STR, &dir},
                      {"--seed", OPT_SEED, &seed, .given = &have_seed},
                      {"--steps", OPT_LONG, &steps, 0, 100000000, .given = &have_steps},
                      {"--cc", OPT_BACKEND, &backend},
                      {"--dtype", OPT_DTYPE, &dtype},
                      {"--fma", OPT_SET, &fma, 2},
                      {"--no-fma", OPT_SET, &fma, 1},
                      {"--eval-every", OPT_LONG, &eval_every, 1, LONG_MAX},
                      {"--test-batch", OPT_LONG, &test_batch, 0, LONG_MAX},
                      {"--checkpoint-every", OPT_LONG, &ckpt_every, 0, LONG_MAX},
                      {"--sampler", OPT_CHOICE, &sampler, .choices = "epoch|random"},
                      {"--resume", OPT_FLAG, &resume},
                      {"--force", OPT_FLAG, &force},
                      {"--quiet", OPT_FLAG, &quiet},
                      {"--threads", OPT_LONG, &threads, 1, 1024},
                      {0}};
  char err[8192], path[4200];
  Setup s;
  Obj o;
  rt_objective obj;
  rt_dataset d;
  rt_train_options opt;
  rt_train_result res;
  Progress prog;
  double *theta_d, t_start = rt_seconds(), cpu;
  void *theta;
  if (opts_parse("train", opts, "MODEL.lua", argc, argv, pos)) return 2;
  model = pos[0];
  if (!dir) return usage_error("train", "no output folder given (-o DIR)");
  sampler = sampler ? RT_SAMPLE_RANDOM : RT_SAMPLE_EPOCH;
  if (setup_open(&s, model, backend, 1, dtype, fma, err, sizeof err)) return fail(err);
  if (prepare_dir(dir, err, sizeof err) || rundir_claim(dir, resume, force, err, sizeof err)) {
    setup_free(&s);
    return fail(err);
  }
  if (!have_seed) seed = s.m.g->seed;
  if (resume && !have_seed && checkpoint_seed(dir, &seed, err, sizeof err)) { /* the checkpoint's unless given */
    setup_free(&s);
    return fail(err);
  }
  if (bind_objective(&o, &obj, &s.m, model, err, sizeof err)) {
    setup_free(&s);
    return fail(err);
  }
  o.w.pool = cli_pool(threads);
  if (get_data(&s, seed, data_dir, &d, err, sizeof err)) {
    obj_free(&o), setup_free(&s);
    return fail(err);
  }
  if (flow_is(&s.m) && !flow_window(&s.m, &window)) window = 2;
  if (window && (d.npoints < window || d.ntraj_train < 1)) {
    fprintf(stderr, "%s: error: the flow's loss takes windows of %d time samples of a trajectory; the data set %s has %s\n",
            model, window, data_dir ? data_dir : s.task->name, d.npoints > 0 ? "shorter trajectories" : "no trajectories (rows only)");
    rt_dataset_free(&d), obj_free(&o), setup_free(&s);
    return 1;
  }
  if (obj.dim != (window ? window : 1) * d.dim) {
    fprintf(stderr, "%s: error: the model's loss takes rows of %d values, the data set %s has %d%s\n", model, obj.dim,
            data_dir ? data_dir : s.task->name, (window ? window : 1) * d.dim, window ? " in a window" : "");
    rt_dataset_free(&d), obj_free(&o), setup_free(&s);
    return 1;
  }
  snprintf(path, sizeof path, "%s/data", dir);
  if (rt_dataset_save(&d, path, err, sizeof err)) {
    rt_dataset_free(&d), obj_free(&o), setup_free(&s);
    return fail(err);
  }
  theta_d = xmalloc((obj.nparams + 1) * sizeof *theta_d);
  init_params(s.m.g, seed, theta_d);
  theta = model_to_elem(&s.m, theta_d, obj.nparams);

  train_options(&s, steps, sampler, test_batch, eval_every, seed, dir, ckpt_every, resume, &opt);
  opt.window = window; /* a flow: a sample is a window of a trajectory, cut anew every epoch */
  prog.mode = quiet ? 0 : isatty(2) ? 1 : 2;
  prog.last = 0, prog.test = NAN;
  opt.progress = on_progress, opt.progress_ctx = &prog;
  if (!quiet) announce(&s, &d, &obj, &opt, seed);
  stop = 0, opt.stop = &stop;
  rundir_catch_signals(&stop, dir);
  cpu = rt_thread_seconds();
  rc = rt_train(&obj, &d, &opt, theta, &res, err, sizeof err);
  cpu = rt_thread_seconds() - cpu;
  if (rc == RT_TRAIN_INTERRUPTED) { /* the checkpoint holds the step reached: so do the parameters */
    char e2[4400], more[40] = "";
    if (have_steps) snprintf(more, sizeof more, " --steps %ld", opt.steps);
    fprintf(stderr, "%s%s\nresume with: hnnc train %s -o %s --resume%s\n", err,
            write_params(&s, theta, dir, e2, sizeof e2) ? "" : ", params.npy the parameters", model, dir, more);
    rc = 130;
  }
  rundir_release_signals();
  if (rc) {
    if (rc != 130) fprintf(stderr, "%s\n", err);
    rt_train_result_free(&res), free(theta), free(theta_d), rt_dataset_free(&d), obj_free(&o), setup_free(&s);
    return rc == 130 ? 130 : 1;
  }
  if (write_params(&s, theta, dir, err, sizeof err)) {
    rt_train_result_free(&res), free(theta), free(theta_d), rt_dataset_free(&d), obj_free(&o), setup_free(&s);
    return fail(err);
  }
  summarize(&s, model, dir, backend, seed, theta, &d, &res, t_start, o.w.pool, cpu);
  rt_train_result_free(&res);
  free(theta), free(theta_d);
  rt_dataset_free(&d);
  obj_free(&o);
  setup_free(&s);
  return 0;
}
