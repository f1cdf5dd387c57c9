/* hnnc evaluate | simulate: trained parameters on the model's task (losses,
 * energy metrics), and the model's field integrated from one state. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "flow_eval.h"
#include "cli.h"
#include "report.h"
#include "../compiler/hnnc.h"
#include "../runtime/evaluate.h"
#include "../runtime/npy.h"

const char usage_evaluate[] =
    "usage: hnnc evaluate MODEL.lua --params DIR|FILE [--json] [--cc tcc|gcc] [--seed S] [--data DIR]\n"
    "\n"
    "Evaluates trained parameters on the model's data set (hn.data):\n"
    "  - train and test loss, mean over all elements of (xdot - field(x))^2, with\n"
    "    the reference's standard error (std of the squared errors / sqrt(rows));\n"
    "  - energy MSE: the mean over rollouts of the mean over time of\n"
    "    (H(true x(t)) - H(learned x(t)))^2, H the system's, the rollouts of the\n"
    "    learned and the true field from the same initial states (hn.data's eval,\n"
    "    by its integrator), error bar = std of 5 group means / sqrt(5) (when the\n"
    "    rollouts are a multiple of 5). The three published tasks (hnnc.tasks)\n"
    "    report it twice: under their published protocol (the reference analysis\n"
    "    code: spring time spans growing from run to run up to t = 79, learned\n"
    "    time rescaled by 1.09; pendulum energy q^2 + p^2) and corrected\n"
    "    (nominal time span, the system's true H). A learned rollout that needs\n"
    "    more than 100 times the steps of the true one (at least 10^4) is stiff or\n"
    "    diverging: it is stopped there, its MSE is NaN (so is the mean), a warning\n"
    "    names it and the report counts the failed rollouts (the exit status\n"
    "    stays 0: a diverging learned model is a result, not an error).\n"
    "A flow (a model that calls flow.declare) is evaluated as action-angle\n"
    "coordinates instead: with r_j = Qh_j^2 + Ph_j^2 of inverse(x(t)) along each\n"
    "trajectory, the keys loss, loss_untrained, loss_ratio (the model's loss on\n"
    "64 random cuts of the training trajectories into windows, trained and at\n"
    "the initial parameters), rel_std and rel_std_heldout (max over\n"
    "trajectories of max_j std_t(r_j) / sum_j mean_t(r_j)), sum_mean_r,\n"
    "angle_rates (slope of the unwrapped angle of each degree of freedom\n"
    "against t), and with a declared baseline\n"
    "baseline_rel_std(_heldout) (the running-wave linear normal form); it writes\n"
    "latent*.svg and actions*.svg into DIR (trained, untrained, held out).\n"
    "\n"
    "  --params DIR|FILE  DIR/params.npy (else DIR/checkpoint.bin), or a .npy of the\n"
    "                     parameters (float64 or float32, any shape, nparams values),\n"
    "                     or a checkpoint file, or text numbers; parameters of\n"
    "                     another model (params.model beside params.npy, or the\n"
    "                     checkpoint's hash, say whose they are) are refused\n"
    "  --force            use them anyway\n"
    "  --json             print one JSON object with the keys train_loss,\n"
    "                     train_loss_se, test_loss, test_loss_se, energy_mse,\n"
    "                     energy_mse_se, energy_mse_corrected, energy_mse_corrected_se\n"
    "                     (null when not finite), energy_rollouts, energy_failed,\n"
    "                     energy_failed_corrected\n"
    "  --cc tcc|gcc       backend (default gcc)\n"
    "  --no-fma           products by separate multiplies and adds (hn.model{fma = false}): as trained\n"
    "                     (default: fused multiply-adds, or as the model says; --fma forces them)\n"
    "  --dtype float64|float32  the element type the model was trained with\n"
    "  --threads N        threads for the losses (chunks of rows) and the rollouts\n"
    "                     (default: the processors online); every N gives the\n"
    "                     same bits\n"
    "  --seed S           seed of the data set and of the rollouts' initial states\n"
    "                     (default: the checkpoint's if there is one, else the model's)\n"
    "  --data DIR         the data set's folder (default: DIR/data of --params DIR\n"
    "                     when it exists, else made anew from the seed)\n"
    "  --x0 a,b,..;c,..   the rollouts' initial states (default: hn.data's eval x0,\n"
    "                     else its x0 sampler, from the seed's stream 3)\n"
    "  --t T[:N]          rollouts on [0, T] at N points (default: hn.data's eval t)\n"
    "  --rollouts K       how many (default: hn.data's, 15, or the --x0 states)\n"
    "With --x0, --t or --rollouts the energy MSE is the system's H on those\n"
    "rollouts, also for the published tasks (their published protocol needs the\n"
    "declared ones). Without a system (hn.data{files = ...} alone) there is no\n"
    "energy metric.\n";

const char usage_simulate[] =
    "usage: hnnc simulate MODEL.lua [--params DIR|FILE] --x0 a,b,... --t T[:N]\n"
    "                     [--integrator rk45|dop853|rk4|leapfrog|yoshida4|implicit_midpoint]\n"
    "                     [--h STEP] [--newton N] [--rtol R] [--atol A] [-o FILE.csv|FILE.npy] [--cc tcc|gcc]\n"
    "\n"
    "Integrates the model's field from x0 over [0, T] and prints N rows (default\n"
    "101) at the times linspace(0, T, N): t, the state, and its energies: the\n"
    "model's H if it has one (column H: with --params, the learned H) and the\n"
    "H of its hn.data system (column H_true), when there are. Without --params, the parameters are the model's\n"
    "initializers with its seed; --params takes what evaluate's takes (and\n"
    "--force, to use another model's). A state that becomes NaN or infinite, or an\n"
    "adaptive step that falls to its minimum or spends its budget, stops the\n"
    "run with an error (the time reached, the step size, the likely cause)\n"
    "and no rows.\n"
    "\n"
    "  --integrator NAME  rk45 (default) and dop853: adaptive, as scipy's solve_ivp;\n"
    "                     rk4; leapfrog and yoshida4: symplectic, for separable H\n"
    "                     only (a learned H is not: refused, unless --force, when the\n"
    "                     field's mixed derivative d2H/dq dp does not simplify to\n"
    "                     zero); implicit_midpoint: symplectic for any\n"
    "                     H, Newton's method with the model's `jacobian` function if\n"
    "                     it has one (hn.fn(\"jacobian\", {x = d}, function(x) return\n"
    "                     hn.jacobian(field(x), x) end)), else central differences\n"
    "                     of the compiled field\n"
    "  --h STEP           fixed-step methods (required): the largest step; made\n"
    "                     smaller so that each output time falls on a step\n"
    "  --newton N         implicit_midpoint: exactly N Newton iterations a step from\n"
    "                     z = 0, as the code of `hnnc export` does (the same bits when\n"
    "                     the model has a `jacobian` function); default: iterate to\n"
    "                     round-off from the previous step's increment\n"
    "  --rtol R, --atol A adaptive methods (default 1e-10 and 1e-12); at most 10^6\n"
    "                     steps, none below 1e-15 T\n"
    "  -o FILE            write FILE.csv or FILE.npy (float64, rows x columns)\n"
    "                     instead of printing\n"
    "  --cc tcc|gcc       backend (default gcc)\n"
    "  --no-fma           products by separate multiplies and adds (hn.model{fma = false}): as trained\n"
    "                     (default: fused multiply-adds, or as the model says; --fma forces them)\n"
    "  --dtype float64|float32  the element type the model was trained with\n";

/* mean and standard error of (xdot - field(x))^2 over all rows */
static int field_loss(Kern *k, const double *x, const double *dx, long rows, int dim, double *mean, double *se) {
  double *f = xmalloc(((size_t)rows * dim + 1) * sizeof *f);
  long i;
  if (kern_call(k, rows, x, f)) {
    free(f);
    return 1;
  }
  for (i = 0; i < rows * dim; i++) f[i] = (dx[i] - f[i]) * (dx[i] - f[i]);
  rt_loss_stats(f, rows * dim, rows, mean, se);
  free(f);
  return 0;
}

/* The energy MSE under protocol i (published, corrected) with the
   rollouts on the team: a learned field, a true field and a true H bound
   per slot of the team (a Kern's buffers serve one rollout at a time).
   The failed rollouts' count, or -1 after an error (in err). */
static int energy_metric(Setup *s, const void *theta, rt_pool *pool, int i, uint64_t seed, double *mse, double *e,
                         double *e_se, char *err, size_t nerr) {
  int nt = rt_pool_slots(pool), t, rc = -1;
  Kern *k = xmalloc(3 * nt * sizeof *k);
  rt_system *sys = xmalloc(2 * nt * sizeof *sys);
  rt_energy *H = xmalloc(nt * sizeof *H);
  memset(k, 0, 3 * nt * sizeof *k);
  for (t = 0; t < nt; t++)
    if (bind_field(&k[t], &s->m, theta, &sys[nt + t], s->path, err, nerr) ||
        bind_field(&k[nt + t], &s->sys, NULL, &sys[t], s->m.g->data.system, err, nerr) ||
        bind_energy(&k[2 * nt + t], &s->sys, NULL, sys[t].dim, &H[t]))
      break;
  if (t == nt)
    rc = rt_energy_metric_pool(pool, s->task, i ? RT_PROTOCOL_CORRECTED : RT_PROTOCOL_PUBLISHED, sys, sys + nt, H, seed,
                               mse, e, e_se, NULL, NULL, err, nerr);
  for (t = 0; t < 3 * nt; t++) kern_free(&k[t]);
  free(k), free(sys), free(H);
  return rc;
}

/* "a,b,..;c,d,.." into n states of dim numbers */
static int parse_states(const char *arg, int dim, double **out, int *n, char *err, size_t nerr) {
  char *buf = xstrdup(arg), *state, *s1, *num, *s2;
  int k = 0, cap = 0;
  double *x = NULL;
  *n = 0;
  for (state = strtok_r(buf, ";", &s1); state; state = strtok_r(NULL, ";", &s1), k++) {
    int c = 0;
    if (k == cap) x = xrealloc(x, (size_t)(cap = 2 * cap + 4) * dim * sizeof *x);
    for (num = strtok_r(state, ", ", &s2); num; num = strtok_r(NULL, ", ", &s2), c++) {
      double v;
      if (parse_double(num, &v) || c >= dim) {
        snprintf(err, nerr, "hnnc evaluate: error: --x0 state %d: %s '%s' (states are a,b,... of %d numbers, "
                 "separated by ';')\n", k + 1, c >= dim ? "more numbers than the state has, at" : "not a finite number:",
                 num, dim);
        free(buf), free(x);
        return 1;
      }
      x[(size_t)k * dim + c] = v;
    }
    if (c != dim) {
      snprintf(err, nerr, "hnnc evaluate: error: --x0 state %d has %d numbers, the state has %d\n", k + 1, c, dim);
      free(buf), free(x);
      return 1;
    }
  }
  free(buf);
  if (!k) {
    snprintf(err, nerr, "hnnc evaluate: error: --x0 gives no state\n");
    free(x);
    return 1;
  }
  *out = x, *n = k;
  return 0;
}

/* "T" or "T:N" */
static int rollout_span(const char *arg, double *T, int *N) {
  char *buf = xstrdup(arg), *colon = strchr(buf, ':');
  long n = *N;
  int bad;
  if (colon) *colon = 0;
  bad = parse_double(buf, T) || !(*T > 0) || (colon && (parse_long(colon + 1, &n) || n < 2 || n > 10000000));
  free(buf);
  *N = (int)n;
  return bad;
}

/* evaluate's report: JSON, or the table with the protocols named */
static void report_evaluation(const Setup *s, const char *model, uint64_t seed, const char *used, const char *data_dir,
                              const rt_dataset *d, int json, int metric, double tr, double tr_se, double te,
                              double te_se, const double *e, const double *e_se, const int *nfail) {
  char failed[2][64] = {"", ""};
  int i;
  for (i = 0; i < 2; i++) /* failed rollouts: their MSE is NaN, and so is the mean */
    if (metric && nfail[i]) snprintf(failed[i], sizeof failed[i], "; %d failed", nfail[i]);
  if (json) {
    printf("{");
    json_num("train_loss", tr, 0), json_num("train_loss_se", tr_se, 0);
    json_num("test_loss", te, 0), json_num("test_loss_se", te_se, 0);
    json_num("energy_mse", e[0], 0), json_num("energy_mse_se", e_se[0], 0);
    json_num("energy_mse_corrected", e[1], 0), json_num("energy_mse_corrected_se", e_se[1], 0);
    printf("\"energy_rollouts\": %d, \"energy_failed\": %d, \"energy_failed_corrected\": %d}\n",
           metric ? s->task->energy_nrollout : 0, metric ? nfail[0] : 0, metric ? nfail[1] : 0);
  } else {
    const rt_task *t = s->task;
    double t1, t1l, *tt = xmalloc(2 * t->energy_npoints * sizeof *tt);
    rt_energy_times(t, RT_PROTOCOL_PUBLISHED, t->energy_nrollout - 1, &t1, tt, &t1l, tt + t->energy_npoints);
    printf("%s (%s) on %s, seed %llu, parameters %s%s%s\n", s->m.g->name, model, t->name, (unsigned long long)seed,
           used, data_dir ? ", data " : "", data_dir ? data_dir : "");
    printf("  train loss            %.4e +/- %.2e   (%ld rows)\n", tr, tr_se, d->ntrain);
    printf("  test loss             %.4e +/- %.2e   (%ld rows)\n", te, te_se, d->ntest);
    if (!metric)
      printf("  energy MSE            none: %s\n", !s->have_sys ? "the data set names no system (its H is the truth)"
             : "no rollouts (declare eval = {x0 = ..., t = {0, T, points = N}} in hn.data, or give --x0 and --t)");
    else if (t->published) {
      printf("  energy MSE published  %.4e +/- %.2e   (%d rollouts%s; the reference analysis of %s: %s)\n", e[0],
             e_se[0], t->energy_nrollout, failed[0], t->name,
             t->published == RT_PUBLISHED_SPRING     ? "E = q^2 + p^2; spans grow per rollout"
             : t->published == RT_PUBLISHED_PENDULUM ? "E = q^2 + p^2; t in [0, 20]"
                                                     : "E = true H; t in [0, 25]");
      if (t->published == RT_PUBLISHED_SPRING)
        printf("                                                  (the last learned rollout ends at t = %.1f)\n", t1l);
      printf("  energy MSE corrected  %.4e +/- %.2e   (%d rollouts%s; E = true H; t in [%g, %g])\n", e[1], e_se[1],
             t->energy_nrollout, failed[1], t->energy_t0, t->energy_t1);
    } else
      printf("  energy MSE            %.4e +/- %.2e   (%d rollouts%s; E = the system's H; t in [%g, %g])\n", e[1], e_se[1],
             t->energy_nrollout, failed[1], t->energy_t0, t->energy_t1);
    free(tt);
  }
}

int cmd_evaluate(int argc, char **argv) {
  const char *pos[1], *model, *params = NULL, *data_dir = NULL, *x0s = NULL, *ts = NULL;
  long nroll = 0, threads = 0;
  rt_pool *pool;
  int fma = 0;
  int dtype = 0, backend = JIT_GCC, json = 0, have_seed = 0, ck_seed = 0, i, nfail[2] = {0, 0}, rc = 1;
  uint64_t seed = 0, cseed = 0;
  int force = 0;
  const Opt opts[] = {{"--params", OPT_STR, &params},
                      {"--force", OPT_FLAG, &force},
                      {"--data", OPT_STR, &data_dir},
                      {"--json", OPT_FLAG, &json},
                      {"--seed", OPT_SEED, &seed, .given = &have_seed},
                      {"--cc", OPT_BACKEND, &backend},
                      {"--dtype", OPT_DTYPE, &dtype},
                      {"--fma", OPT_SET, &fma, 2},
                      {"--no-fma", OPT_SET, &fma, 1},
                      {"--x0", OPT_STR, &x0s},
                      {"--t", OPT_STR, &ts},
                      {"--rollouts", OPT_LONG, &nroll, 1, 100000},
                      {"--threads", OPT_LONG, &threads, 1, 1024},
                      {0}};
  char err[8192], used[4200], ddir[4300], ferr[2][1024];
  double *x0list = NULL;
  int nx0 = 0, metric;
  Setup s;
  rt_dataset d;
  double *theta_d, tr, tr_se, te, te_se, e[2], e_se[2], *mse;
  void *theta;
  Kern kl, kt, kh;
  rt_system learned, truth;
  rt_energy H;
  if (opts_parse("evaluate", opts, "MODEL.lua", argc, argv, pos)) return 2;
  model = pos[0];
  if (!params) return usage_error("evaluate", "no parameters given (--params DIR|FILE)");
  if (setup_open(&s, model, backend, 1, dtype, fma, err, sizeof err)) return fail(err);
  theta_d = xmalloc((s.m.g->nparams_total + 1) * sizeof *theta_d);
  if (load_params(&s.m, model, params, force, theta_d, &ck_seed, &cseed, used, sizeof used, err, sizeof err)) {
    free(theta_d), setup_free(&s);
    return fail(err);
  }
  if (!have_seed) seed = ck_seed ? cseed : s.m.g->seed;
  snprintf(ddir, sizeof ddir, "%s/data", params);
  if (!data_dir && is_dir(params) && is_dir(ddir)) data_dir = ddir;
  if (flow_is(&s.m)) { /* a flow: action-angle measures (flow_eval.c) */
    rc = flow_evaluate(&s, theta_d, seed, data_dir, json, is_dir(params) ? params : NULL);
    free(theta_d), setup_free(&s);
    return rc;
  }
  theta = model_to_elem(&s.m, theta_d, s.m.g->nparams_total);
  memset(&d, 0, sizeof d), memset(&kt, 0, sizeof kt), memset(&kh, 0, sizeof kh);
  mse = NULL;
  if (bind_field(&kl, &s.m, theta, &learned, model, err, sizeof err) ||
      (s.have_sys && bind_field(&kt, &s.sys, NULL, &truth, s.m.g->data.system, err, sizeof err))) {
    fail(err);
    goto done;
  }
  if (get_data(&s, seed, data_dir, &d, err, sizeof err)) {
    fail(err);
    goto done;
  }
  if (learned.dim != d.dim || (s.have_sys && (truth.dim != d.dim || bind_energy(&kh, &s.sys, NULL, truth.dim, &H)))) {
    fprintf(stderr, "%s: error: the data have rows of %d values; the model's field takes %d%s\n", model, d.dim,
            learned.dim, s.have_sys ? ", and the system needs field(x) and H(x) of that size" : "");
    goto done;
  }
  /* the rollouts: --x0, --t and --rollouts replace the declaration's (and
     with them the published protocol) */
  if (x0s && parse_states(x0s, d.dim, &x0list, &nx0, err, sizeof err)) {
    fputs(err, stderr);
    rc = 2;
    goto done;
  }
  if (x0s) s.recipe.eval_x0.kind = RT_X0_LIST, s.recipe.eval_x0.list = x0list, s.recipe.eval_x0.nlist = nx0;
  if (x0s || nroll) s.recipe.energy_nrollout = nroll ? (int)nroll : nx0;
  if (x0s && nroll > nx0) {
    fprintf(stderr, "hnnc evaluate: error: --rollouts %ld, but --x0 gives %d states\n", nroll, nx0);
    rc = 2;
    goto done;
  }
  if (ts && rollout_span(ts, &s.recipe.energy_t1, &s.recipe.energy_npoints)) {
    fprintf(stderr, "hnnc evaluate: error: --t takes T or T:N (T > 0, N >= 2 points), not '%s'\n", ts);
    rc = 2;
    goto done;
  }
  if (ts) s.recipe.energy_t0 = 0;
  if (x0s || ts || nroll) s.recipe.published = RT_PUBLISHED_NONE;
  metric = s.have_sys && s.task->energy_nrollout > 0 && s.task->energy_npoints > 1;
  mse = xmalloc((s.task->energy_nrollout + 1) * sizeof *mse);
  e[0] = e[1] = e_se[0] = e_se[1] = NAN;
  kl.w.pool = pool = cli_pool(threads);
  if (field_loss(&kl, d.x_train, d.dx_train, d.ntrain, d.dim, &tr, &tr_se) ||
      field_loss(&kl, d.x_test, d.dx_test, d.ntest, d.dim, &te, &te_se)) {
    fprintf(stderr, "%s: error: out of memory evaluating the field\n", model);
    goto done;
  }
  for (i = 0; metric && i < 2; i++) {
    ferr[i][0] = 0;
    nfail[i] = energy_metric(&s, theta, pool, i, seed, mse, &e[i], &e_se[i], ferr[i], sizeof ferr[i]);
    if (nfail[i] < 0) {
      fprintf(stderr, "%s\n", ferr[i]);
      goto done;
    }
    if (nfail[i]) fprintf(stderr, "hnnc: warning: %d of %d %s rollouts failed, their energy MSE is NaN (first: %s)\n",
                          nfail[i], s.task->energy_nrollout, i ? "corrected" : "published", ferr[i]);
  }
  report_evaluation(&s, model, seed, used, data_dir, &d, json, metric, tr, tr_se, te, te_se, e, e_se, nfail);
  rc = 0;
done:
  free(mse), free(x0list);
  kern_free(&kl), kern_free(&kt), kern_free(&kh);
  rt_dataset_free(&d);
  free(theta), free(theta_d);
  setup_free(&s);
  return rc;
}

/* ---- simulate ---- */

typedef struct JacCtx {
  Kern *field, *jac;  /* jac NULL: central differences of field */
  int dim;
} JacCtx;

static int sim_field(void *ctx, int n, const double *x, double *xdot) {
  JacCtx *j = ctx;
  return kern_call(j->field, n, x, xdot);
}

static int sim_jacobian(void *ctx, const double *x, double *J) {
  JacCtx *j = ctx;
  int d = j->dim, a, b;
  double xp[RT_MAXDIM], fp[RT_MAXDIM], fm[RT_MAXDIM];
  if (j->jac) return kern_call(j->jac, 1, x, J);
  memcpy(xp, x, d * sizeof *xp);
  for (b = 0; b < d; b++) {
    double h = 1e-6 * (fabs(x[b]) > 1 ? fabs(x[b]) : 1);
    xp[b] = x[b] + h;
    if (kern_call(j->field, 1, xp, fp)) return 1;
    xp[b] = x[b] - h;
    if (kern_call(j->field, 1, xp, fm)) return 1;
    xp[b] = x[b];
    for (a = 0; a < d; a++) J[a * d + b] = (fp[a] - fm[a]) / (2 * h);
  }
  return 0;
}

/* --t T or T:N; 2 after a usage error */
static int parse_span(const char *ts, double *T, int *N) {
  const char *colon = strchr(ts, ':');
  char *t = strndup(ts, colon ? (size_t)(colon - ts) : strlen(ts));
  long n;
  int bad = !t || parse_double(t, T);
  free(t);
  if (bad) return usage_error("simulate", "--t takes T or T:N with a time span T > 0, not '%s'", ts);
  if (*T <= 0) return usage_error("simulate", "--t '%s': the time span T must be positive (it is %g)", ts, *T);
  if (colon) {
    if (parse_long(colon + 1, &n) || n < 2 || n > 10000000)
      return usage_error("simulate", "--t T:N takes a point count N in 2..10000000, not '%s'", colon + 1);
    *N = (int)n;
  }
  return 0;
}

/* --x0 a,b,... (commas or spaces): the count in *n, the first RT_MAXDIM
   values in x0; 1 after an error */
static int parse_x0(const char *s, double *x0, int *n) {
  char *buf = strdup(s), *tok, *save;
  *n = 0;
  for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
    double v;
    if (parse_double(tok, &v)) {
      fprintf(stderr, "hnnc: error: --x0: not a finite number: '%s'\n", tok);
      free(buf);
      return 1;
    }
    if (*n < RT_MAXDIM) x0[*n] = v;
    ++*n;
  }
  free(buf);
  return 0;
}

static const char *const integrators[] = {"rk45", "dop853", "rk4", "leapfrog", "yoshida4", "implicit_midpoint"};

/* Integrates sys from x0 over [0, T] to the N times tev with integrator
   method (an index of integrators[]; newton > 0: that many Newton
   iterations a step of implicit_midpoint); 0, or 1 after printing an error
   naming the model, the time reached, the step size and a hint */
static int integrate(const char *model, int method, const rt_system *sys, const JacCtx *jc, double T, int N,
                     const double *tev, const double *x0, double h, long newton, double rtol, double atol, double *X,
                     rt_stats *st) {
  const char *integ = integrators[method];
  int rc;
  memset(st, 0, sizeof *st);
  if (!strcmp(integ, "rk45")) rc = rt_rk45(sys, 0, T, x0, N, tev, rtol, atol, X, st);
  else if (!strcmp(integ, "dop853")) rc = rt_dop853(sys, 0, T, x0, N, tev, rtol, atol, X, st);
  else {
    double dt = T / (N - 1);
    long every = (long)ceil(dt / h - 1e-9);
    if (every < 1) every = 1;
    if ((double)every * (N - 1) > 2e9) {
      fprintf(stderr, "hnnc: error: --h %g needs more than 2e9 steps\n", h);
      return 1;
    }
    if (h > 0 && fabs(dt / every - h) > 1e-12 * h)
      fprintf(stderr, "hnnc: note: step %.17g (the output spacing / %ld)\n", dt / every, every);
    h = dt / every;
    if (!strcmp(integ, "rk4")) rc = rt_rk4(sys, 0, h, (int)(every * (N - 1)), (int)every, x0, X, st);
    else if (!strcmp(integ, "leapfrog")) rc = rt_leapfrog(sys, 0, h, (int)(every * (N - 1)), (int)every, x0, X, st);
    else if (!strcmp(integ, "yoshida4")) rc = rt_yoshida4(sys, 0, h, (int)(every * (N - 1)), (int)every, x0, X, st);
    else {
      if (newton)
        rc = rt_implicit_midpoint_fixed(sys, sim_jacobian, 0, h, (int)(every * (N - 1)), (int)every, x0, (int)newton, X, st);
      else
        rc = rt_implicit_midpoint(sys, sim_jacobian, 0, h, (int)(every * (N - 1)), (int)every, x0, 1e-14, 50, X, st);
      if (!jc->jac) fprintf(stderr, "hnnc: note: %s has no function 'jacobian'; Newton used central differences of its field\n", model);
    }
  }
  if (rc) { /* no rows rather than NaN rows */
    char why[512];
    rt_integrate_explain(rc, st, why, sizeof why);
    fprintf(stderr, "%s: error: %s %s; %s\n", model, integ, why,
            method < 2 ? "check the parameters, or loosen --rtol" : "try a smaller step (--h), or rk45");
    return 1;
  }
  return 0;
}

/* The trajectory as rows t, x, then the model's H (kh) and its system's
   (ks, column H_true) when not NULL: printed, or written to out (.csv or
   .npy); 0, or 1 after an error */
static int write_trajectory(const char *out, const char *integ, int N, int dim, const double *tev, const double *X,
                            Kern *kh, Kern *ks, const rt_stats *st) {
  int ncol = 1 + dim + (kh != NULL) + (ks != NULL), i, rc = 0;
  double *table = xmalloc((size_t)N * ncol * sizeof *table);
  char err[8192], header[4096];
  for (i = 0; i < N; i++) {
    double *r = table + (size_t)i * ncol;
    const double *x = X + (size_t)i * dim;
    r[0] = tev[i];
    memcpy(r + 1, x, dim * sizeof *r);
    if (kh && kern_call(kh, 1, x, r + 1 + dim)) r[1 + dim] = NAN;
    if (ks && kern_call(ks, 1, x, r + ncol - 1)) r[ncol - 1] = NAN;
  }
  {
    int n = snprintf(header, sizeof header, "t");
    for (i = 0; i < dim; i++) {
      if (dim == 2) n += snprintf(header + n, sizeof header - n, ",%s", i ? "p" : "q");
      else if (dim % 2 == 0) n += snprintf(header + n, sizeof header - n, ",%s%d", i < dim / 2 ? "q" : "p", i % (dim / 2) + 1);
      else n += snprintf(header + n, sizeof header - n, ",x%d", i + 1);
    }
    if (kh) n += snprintf(header + n, sizeof header - n, ",H");
    if (ks) snprintf(header + n, sizeof header - n, ",H_true");
  }
  if (!out) {
    long r;
    int c;
    printf("%s\n", header);
    for (r = 0; r < N; r++) {
      for (c = 0; c < ncol; c++) printf("%s%.17g", c ? "," : "", table[r * ncol + c]);
      printf("\n");
    }
  } else if (!strcmp(out + strlen(out) - 4, ".csv")) {
    if (rt_csv_write(out, header, N, ncol, table, err, sizeof err)) rc = fail(err);
  } else {
    rt_npy a;
    memset(&a, 0, sizeof a);
    a.dtype = RT_NPY_F8, a.rank = 2, a.shape[0] = N, a.shape[1] = ncol, a.data = table;
    if (rt_npy_write(out, &a, 0, err, sizeof err)) rc = fail(err);
  }
  if (out && !rc)
    fprintf(stderr, "wrote %s: %d rows (%s); %s: %ld steps, %ld field evaluations\n", out, N, header, integ, st->nstep, st->nfev);
  free(table);
  return rc;
}

int cmd_simulate(int argc, char **argv) {
  const char *pos[1], *model, *params = NULL, *x0s = NULL, *ts = NULL, *integ, *out = NULL;
  int fma = 0;
  int dtype = 0, backend = JIT_GCC, dim, N = 101, has_energy = 0, rc = 1, ck_seed, nx0 = 0, method = 0, have_h = 0;
  long newton = 0;
  double T = 0, h = 0, rtol = 1e-10, atol = 1e-12, x0[RT_MAXDIM], *theta_d, *tev = NULL, *X = NULL;
  int force = 0;
  const Opt opts[] = {{"--params", OPT_STR, &params},
                      {"--force", OPT_FLAG, &force},
                      {"--x0", OPT_STR, &x0s},
                      {"--t", OPT_STR, &ts},
                      {"--integrator", OPT_CHOICE, &method,
                       .choices = "rk45|dop853|rk4|leapfrog|yoshida4|implicit_midpoint"},
                      {"-o", OPT_STR, &out},
                      {"--h", OPT_DOUBLE, &h, .given = &have_h},
                      {"--newton", OPT_LONG, &newton, 1, 1000},
                      {"--rtol", OPT_DOUBLE, &rtol},
                      {"--atol", OPT_DOUBLE, &atol},
                      {"--cc", OPT_BACKEND, &backend},
                      {"--dtype", OPT_DTYPE, &dtype},
                      {"--fma", OPT_SET, &fma, 2},
                      {"--no-fma", OPT_SET, &fma, 1},
                      {0}};
  uint64_t cseed;
  char err[8192], used[4200];
  Setup s;
  Kern kf, kj, kh, ks; /* the field, its Jacobian, the model's H, the system's H */
  rt_energy Hs;
  JacCtx jc;
  rt_system sys;
  rt_energy H;
  rt_stats st;
  void *theta;
  if (opts_parse("simulate", opts, "MODEL.lua", argc, argv, pos)) return 2;
  model = pos[0], integ = integrators[method];
  if (!x0s) return usage_error("simulate", "no initial state given (--x0 a,b,...)");
  if (!ts) return usage_error("simulate", "no time span given (--t T or --t T:N)");
  if (parse_span(ts, &T, &N)) return 2;
  if (h < 0 || (h == 0 && have_h) || rtol <= 0 || atol <= 0)
    return usage_error("simulate", "--h, --rtol and --atol must be > 0");
  /* no default step: a tenth of the output spacing made the step depend on
     the number of rows (--t 100:3 stepped by 5 and blew up), and no fixed
     step is stable for every field */
  if (method >= 2 && !have_h)
    return usage_error("simulate", "%s takes a fixed step: give --h STEP (e.g. --h 0.01); rk45 and dop853 choose "
                       "their own", integ);
  if (out && !(strlen(out) > 4 && (!strcmp(out + strlen(out) - 4, ".csv") || !strcmp(out + strlen(out) - 4, ".npy"))))
    return usage_error("simulate", "-o takes a .csv or .npy file name, not '%s'", out);
  if (parse_x0(x0s, x0, &nx0)) return 1;
  memset(&kf, 0, sizeof kf), memset(&kj, 0, sizeof kj), memset(&kh, 0, sizeof kh), memset(&ks, 0, sizeof ks);
  if (setup_open(&s, model, backend, 0, dtype, fma, err, sizeof err)) return fail(err);
  theta_d = xmalloc((s.m.g->nparams_total + 1) * sizeof *theta_d);
  if (params) {
    if (load_params(&s.m, model, params, force, theta_d, &ck_seed, &cseed, used, sizeof used, err, sizeof err)) {
      free(theta_d), setup_free(&s);
      return fail(err);
    }
  } else
    init_params(s.m.g, s.m.g->seed, theta_d);
  theta = model_to_elem(&s.m, theta_d, s.m.g->nparams_total);
  if (bind_field(&kf, &s.m, theta, &sys, model, err, sizeof err)) {
    fail(err);
    goto done;
  }
  dim = sys.dim;
  if (nx0 != dim) {
    fprintf(stderr, "hnnc: error: --x0 has %d values, the model's state has %d\n", nx0, dim);
    goto done;
  }
  /* leapfrog and yoshida4 use only the half of the field that separability
     makes exact: on any other H they run and lose the energy without a word */
  if ((method == 3 || method == 4) && export_separable(s.m.g, model_func(&s.m, "field")) == 0) {
    if (!force) {
      fprintf(stderr, "%s: error: %s needs a separable H(q, p) = T(p) + V(q), and this model's is not (its mixed "
              "derivative d2H/dq dp is not zero; a learned H never is): use --integrator implicit_midpoint, symplectic "
              "for any H (or --force to run %s anyway)\n", model, integ, integ);
      goto done;
    }
    fprintf(stderr, "hnnc: warning: %s on a non-separable H, as --force says: the result is not that of the model's "
            "field, and its energy drifts\n", integ);
  }
  jc.field = &kf, jc.jac = NULL, jc.dim = dim;
  {
    int r = kern_init(&kj, &s.m, "jacobian", theta);
    if (!r && kj.din == dim && kj.dout == dim * dim) jc.jac = &kj;
  }
  sys.field = sim_field, sys.ctx = &jc;
  /* energy: the model's H, else the system's */
  /* energies: the model's H (1) and its system's (2), both when there are */
  if (!bind_energy(&kh, &s.m, theta, dim, &H)) has_energy |= 1;
  if (s.have_sys && !bind_energy(&ks, &s.sys, NULL, dim, &Hs)) has_energy |= 2;
  tev = xmalloc(N * sizeof *tev);
  X = xmalloc((size_t)N * dim * sizeof *X);
  rt_linspace(0, T, N, tev);
  if (!(rc = integrate(model, method, &sys, &jc, T, N, tev, x0, h, newton, rtol, atol, X, &st)))
    rc = write_trajectory(out, integ, N, dim, tev, X, has_energy & 1 ? &kh : NULL, has_energy & 2 ? &ks : NULL, &st);
done:
  free(X), free(tev);
  kern_free(&kf), kern_free(&kj), kern_free(&kh), kern_free(&ks);
  free(theta), free(theta_d);
  setup_free(&s);
  return rc;
}
