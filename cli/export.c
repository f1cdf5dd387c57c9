/* hnnc export: a trained model as one standalone, deterministic C file
 * (the compiler's export_model), written with its header, and optionally
 * an example program and its Makefile, all or none. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "cli.h"
#include "../runtime/atomic.h"
#include "../runtime/checkpoint.h"
#include "../runtime/npy.h"

const char usage_export[] =
    "usage: hnnc export MODEL.lua [--params DIR|FILE] -o DIR [--float] [--example]\n"
    "                   [--integrator leapfrog|implicit_midpoint|rk4] [--h STEP]\n"
    "\n"
    "Writes DIR/NAME.c and DIR/NAME.h (NAME from hn.model): the model's H, its\n"
    "vector field and a fixed-step integrator with the trained parameters baked\n"
    "in as exact constants. Standalone C99: no includes, no libm, no allocation,\n"
    "no mutable globals; the same bits on every compiler built as NAME.h says\n"
    "(-ffp-contract=off, no -ffast-math). Entry points:\n"
    "  NAME_H(x), NAME_H_n(n, x, H)            the energy at one state, at n states\n"
    "  NAME_field(x, xdot), NAME_field_n(...)  the field (dH/dp, -dH/dq)\n"
    "  NAME_step(x, h, n_steps)                n_steps fixed steps of size h, in place\n"
    "The model needs a function H(x) (hn.fn(\"H\", {x = d}, H), x = (q, p)); its\n"
    "`field` and `jacobian` functions are used when it has them (as simulate\n"
    "does), else built from H. Prints the bytes of code and of constants.\n"
    "\n"
    "  --params DIR|FILE  the trained parameters: DIR/params.npy (checked against\n"
    "                     DIR/checkpoint.bin's model hash when there is one), a .npy,\n"
    "                     or a checkpoint; required when the model has parameters\n"
    "  -o DIR             output folder (created if missing)\n"
    "  --integrator NAME  NAME_step's method: leapfrog (symplectic; only for a\n"
    "                     separable H = T(p) + V(q), which hnnc decides from the\n"
    "                     graph: d2H/dqdp must simplify to zero), implicit_midpoint\n"
    "                     (symplectic for any H; a fixed number of Newton iterations\n"
    "                     on the compiled Jacobian: fixed cost, fixed bits), or rk4.\n"
    "                     Default: leapfrog when H is separable, else implicit_midpoint\n"
    "  --newton N         implicit_midpoint: Newton iterations a step (default 4)\n"
    "  --float            float32 code and parameters (for small targets); prints the\n"
    "                     float32 against the float64 field over the training data\n"
    "                     (relative difference per row, max and RMS)\n"
    "  --example          also write DIR/example.c (10 000 steps from x0, the state and\n"
    "                     the energy drift every 1 000 as hexadecimal floats) and\n"
    "                     DIR/Makefile (make -C DIR example)\n"
    "  --h STEP           the example's step (default 0.1)\n"
    "  --x0 a,b,...       the example's initial state (default 0.5 everywhere)\n"
    "  --dtype float64|float32  the element type the parameters were trained with\n"
    "  --force            use parameters that belong to another model (a warning)\n"
    "  --no-fma           products by separate multiplies and adds (hn.model{fma = false}):\n"
    "                     as trained. The default, fused multiply-adds, is the hardware's\n"
    "                     instruction when NAME.c is built for a target with FMA (e.g.\n"
    "                     -march=native, -mfma), else a correctly rounded software fma:\n"
    "                     the same bits, slower products; --fma forces them\n"
    "\n"
    "NAME_step(x, h, k) gives the bits of `hnnc simulate MODEL.lua --integrator\n"
    "NAME --h h` (float64; implicit_midpoint: with --newton N and a model\n"
    "`jacobian` function).\n";

typedef struct Args {
  const char *model, *params, *dir, *x0s, *integ;
  int integrator, is_float, example, dtype, force, fma;
  long newton;
  double h;
} Args;

static int parse(int argc, char **argv, Args *a) {
  const char *pos[1];
  const Opt opts[] = {{"--params", OPT_STR, &a->params},
                      {"-o", OPT_STR, &a->dir},
                      {"--float", OPT_FLAG, &a->is_float},
                      {"--example", OPT_FLAG, &a->example},
                      {"--integrator", OPT_STR, &a->integ},
                      {"--newton", OPT_LONG, &a->newton, 1, 100},
                      {"--h", OPT_DOUBLE, &a->h},
                      {"--x0", OPT_STR, &a->x0s},
                      {"--dtype", OPT_DTYPE, &a->dtype},
                      {"--force", OPT_FLAG, &a->force},
                      {"--fma", OPT_SET, &a->fma, 2},
                      {"--no-fma", OPT_SET, &a->fma, 1},
                      {0}};
  memset(a, 0, sizeof *a);
  a->h = 0.1;
  if (opts_parse("export", opts, "MODEL.lua", argc, argv, pos)) return 2;
  a->model = pos[0];
  if (!a->dir) return usage_error("export", "no output folder given (-o DIR)");
  if (!(a->h > 0)) return usage_error("export", "--h takes a step > 0");
  if (a->integ) { /* a bad name is an error about the model's export (exit 1), as the issue asks */
    for (a->integrator = 1; a->integrator < 4; a->integrator++)
      if (!strcmp(a->integ, export_integrator_name[a->integrator])) break;
    if (a->integrator == 4) {
      fprintf(stderr, "%s: error: unknown integrator '%s' (leapfrog, implicit_midpoint or rk4)\n", a->model, a->integ);
      return 1;
    }
  }
  return 0;
}

/* "a,b,..." into n values; 1 with a message naming the option */
static int parse_x0(const char *s, double *x, int n, char *err, size_t nerr) {
  int k = 0;
  const char *p = s;
  while (*p) {
    char *end;
    double v;
    errno = 0;
    v = strtod(p, &end);
    if (end == p || errno == ERANGE || !isfinite(v) || (*end && *end != ',')) {
      snprintf(err, nerr, "hnnc: error: --x0: '%s' is not a list of finite numbers", s);
      return 1;
    }
    if (k < n) x[k] = v;
    k++;
    p = *end ? end + 1 : end;
  }
  if (k != n) {
    snprintf(err, nerr, "hnnc: error: --x0 has %d values, the model's state has %d", k, n);
    return 1;
  }
  return 0;
}

/* A .npy of parameters holds theta's layout: a vector of P values (numpy's
 * shapes (P,), (1, P) or (P, 1)), not a matrix that happens to have P. */
static int flat_check(const char *path, long P, char *err, size_t nerr) {
  rt_npy a;
  char magic[6] = {0};
  int i, big = 0;
  FILE *f = fopen(path, "rb");
  int is_npy = f && fread(magic, 1, 6, f) == 6 && !memcmp(magic, "\x93NUMPY", 6);
  if (f) fclose(f);
  if (!is_npy) return 0; /* a checkpoint (its shapes are in its hash), or text */
  if (rt_npy_read(path, RT_NPY_AS_F8, &a, err, nerr)) return 1;
  for (i = 0; i < a.rank; i++) big += a.shape[i] > 1;
  rt_npy_free(&a);
  if (big > 1) {
    snprintf(err, nerr, "%s: error: the parameters must be a vector of %ld values (theta's layout, as `hnnc train` "
             "writes params.npy), not an array of %d dimensions", path, P, a.rank);
    return 1;
  }
  return 0;
}

/* The parameters and a line saying where they come from. */
static int parameters(Setup *s, const Args *a, double *theta, uint64_t *seed, char *origin, size_t norigin, char *err,
                      size_t nerr) {
  long P = s->m.g->nparams_total;
  unsigned long long hash = (unsigned long long)model_hash(&s->m);
  char used[4200], ck[4300];
  int has_seed;
  rt_checkpoint c;
  *seed = s->m.g->seed;
  if (!a->params) {
    if (P) {
      snprintf(err, nerr, "%s: error: the model has %ld parameters: give the trained ones with --params DIR|FILE",
               a->model, P);
      return 1;
    }
    snprintf(origin, norigin, "none (the model has no parameters)");
    return 0;
  }
  if (load_params(&s->m, a->model, a->params, a->force, theta, &has_seed, seed, used, sizeof used, err, nerr)) return 1;
  if (flat_check(used, P, err, nerr)) return 1;
  snprintf(ck, sizeof ck, "%s/checkpoint.bin", a->params);
  if (!is_dir(a->params)) snprintf(ck, sizeof ck, "%s", a->params);
  if (has_seed && !rt_checkpoint_read(ck, &c, err, nerr)) {
    snprintf(origin, norigin, "%s: model hash %016llx, training step %ld, seed %llu", used, hash, c.step,
             (unsigned long long)c.seed);
    rt_checkpoint_free(&c);
  } else
    snprintf(origin, norigin, "%s (no checkpoint: training step and seed unknown); model hash %016llx", used, hash);
  return 0;
}

/* The float32 field against the float64 one over the training rows:
 * per row ||f32 - f64|| / ||f64||, its maximum and RMS. The float64 side
 * is the model built in double (s->m is float under --dtype float32). */
static void float_report(Setup *s, const Args *a, const double *theta, uint64_t seed) {
  Model mf, md, *m64 = &s->m;
  ModelOptions mo;
  Kern kd, kf;
  rt_dataset d;
  char err[8192], data[4200];
  void *tf = NULL;
  double *yd = NULL, *yf = NULL, mx = 0, ss = 0;
  long r, n;
  int dim, i;
  memset(&mo, 0, sizeof mo), memset(&mf, 0, sizeof mf), memset(&md, 0, sizeof md), memset(&d, 0, sizeof d);
  memset(&kd, 0, sizeof kd), memset(&kf, 0, sizeof kf);
  mo.limits.dtype = 2, mo.limits.fma = a->fma;
  snprintf(data, sizeof data, "%s/data", a->params ? a->params : "");
  if (a->params && is_dir(data) ? rt_dataset_load(data, &d, err, sizeof err)
      : !s->have_sys ? (snprintf(err, sizeof err, "the model has no hn.train task, so no training data"), 1)
                     : get_data(s, seed, NULL, &d, err, sizeof err)) {
    printf("float32 vs float64 field: not measured (%s)\n", err);
    return;
  }
  if (model_build(&mf, a->model, &mo, err, sizeof err) || model_jit(&mf, JIT_TCC, err, sizeof err)) {
    printf("float32 vs float64 field: not measured (%s)\n", err);
    goto done;
  }
  if (s->m.g->is_float) {
    mo.limits.dtype = 1, m64 = &md;
    if (model_build(&md, a->model, &mo, err, sizeof err) || model_jit(&md, JIT_TCC, err, sizeof err)) {
      printf("float32 vs float64 field: not measured (%s)\n", err);
      goto done;
    }
  }
  tf = model_to_elem(&mf, theta, mf.g->nparams_total);
  n = d.ntrain, dim = d.dim;
  yd = xmalloc(((size_t)n * dim + 1) * sizeof *yd), yf = xmalloc(((size_t)n * dim + 1) * sizeof *yf);
  if (kern_init(&kd, m64, "field", theta) || kern_init(&kf, &mf, "field", tf) || kd.din != dim ||
      kern_call(&kd, n, d.x_train, yd) || kern_call(&kf, n, d.x_train, yf)) {
    printf("float32 vs float64 field: not measured (the model's field does not take the data's rows)\n");
    goto done;
  }
  for (r = 0; r < n; r++) {
    double num = 0, den = 0, e;
    for (i = 0; i < dim; i++) {
      double x = yf[r * dim + i] - yd[r * dim + i];
      num += x * x, den += yd[r * dim + i] * yd[r * dim + i];
    }
    e = den > 0 ? sqrt(num / den) : sqrt(num);
    if (e > mx) mx = e;
    ss += e * e;
  }
  printf("float32 vs float64 field over %ld training rows, |f32 - f64| / |f64| per row: max %.3g, RMS %.3g\n", n, mx,
         sqrt(ss / (n ? n : 1)));
done:
  kern_free(&kd), kern_free(&kf);
  free(yd), free(yf), free(tf);
  rt_dataset_free(&d);
  if (mf.g) model_free(&mf);
  if (md.g) model_free(&md);
}

/* Writes every file to its temporary, then renames them all: the folder
 * gets all of them or none (nothing half-written; a folder in the way of a
 * file is found before anything is written). */
static int write_all(const char *dir, char *const *names, Text *const *texts, int n, char *err, size_t nerr) {
  char *path[4];
  rt_atomic a[4];
  int i, k, rc = 0;
  memset(a, 0, sizeof a);
  for (i = 0; i < n; i++) {
    size_t len = strlen(dir) + strlen(names[i]) + 2;
    snprintf(path[i] = xmalloc(len), len, "%s/%s", dir, names[i]);
    if (!rc && is_dir(path[i])) {
      snprintf(err, nerr, "%s: error: a folder is in the way of the file to write", path[i]);
      rc = 1;
    }
  }
  for (i = 0; i < n && !rc; i++) {
    int ok;
    if (!rt_atomic_open(&a[i], path[i], "wb", err, nerr)) {
      rc = 1;
      break;
    }
    ok = fwrite(texts[i]->s, 1, texts[i]->n, a[i].f) == texts[i]->n && !fflush(a[i].f) && !ferror(a[i].f);
    ok &= !fclose(a[i].f);
    a[i].f = NULL;
    if (!ok) snprintf(err, nerr, "%s: error: cannot write: %s", path[i], strerror(errno)), rc = 1;
  }
  for (k = 0; k < n && !rc; k++)
    if (rename(a[k].tmp, path[k])) snprintf(err, nerr, "%s: error: cannot write: %s", path[k], strerror(errno)), rc = 1;
  for (k = 0; k < n; k++) {
    if (a[k].tmp) rt_atomic_abort(&a[k]); /* removes what was not renamed */
    free(path[k]);
  }
  return rc;
}

static int write_export(const Args *a, const Graph *g, Export *ex, char *err, size_t nerr) {
  char cname[300], hname[300], *names[4];
  Text mk = {0}, *texts[4];
  const char *name = g->name;
  int n = 2, rc;
  snprintf(cname, sizeof cname, "%s.c", name), snprintf(hname, sizeof hname, "%s.h", name);
  names[0] = cname, texts[0] = &ex->c, names[1] = hname, texts[1] = &ex->h;
  if (a->example) {
    text_put(&mk, "# hnnc export: the example (make example; ./example). The flags keep the bits: see %s\n", hname);
    text_put(&mk, "example: example.c %s %s\n\t$(CC) -std=c99 -O2 -ffp-contract=off -o example example.c %s\n", cname,
             hname, cname);
    names[2] = "example.c", texts[2] = &ex->example, names[3] = "Makefile", texts[3] = &mk, n = 4;
  }
  rc = write_all(a->dir, names, texts, n, err, nerr);
  text_free(&mk);
  return rc;
}

int cmd_export(int argc, char **argv) {
  Args a;
  Setup s;
  Model mf;
  ModelOptions mo;
  ExportOptions eo;
  Export ex;
  char err[8192], origin[8700];
  double *theta = NULL, x0[64];
  uint64_t seed;
  int rc = 1, i;
  if ((rc = parse(argc, argv, &a))) return rc;
  rc = 1;
  memset(&mf, 0, sizeof mf), memset(&mo, 0, sizeof mo), memset(&ex, 0, sizeof ex);
  if (setup_open(&s, a.model, JIT_TCC, 0, a.dtype, a.fma, err, sizeof err)) return fail(err);
  theta = xmalloc((s.m.g->nparams_total + 1) * sizeof *theta);
  memset(&eo, 0, sizeof eo);
  eo.source = a.model, eo.integrator = a.integrator, eo.newton = (int)a.newton;
  if (export_check(s.m.g, &eo, &ex, err, sizeof err)) goto fail; /* before asking for parameters */
  if (parameters(&s, &a, theta, &seed, origin, sizeof origin, err, sizeof err)) goto fail;
  if (a.is_float || s.m.g->is_float) { /* the exported graph in the element type of --float (the
                                          * parameters were checked against the trained model, --dtype) */
    mo.limits.dtype = a.is_float ? 2 : 1, mo.limits.fma = a.fma;
    if (model_build(&mf, a.model, &mo, err, sizeof err)) goto fail;
  }
  eo.origin = origin, eo.theta = theta;
  eo.example = a.example, eo.h = a.h, eo.x0 = x0;
  for (i = 0; i < 64; i++) x0[i] = 0.5;
  if (a.x0s && parse_x0(a.x0s, x0, ex.dim, err, sizeof err)) goto fail; /* ex.dim from export_check */
  export_free(&ex);
  if (export_model(mf.g ? mf.g : s.m.g, &eo, &ex, err, sizeof err)) goto fail;
  if (prepare_dir(a.dir, err, sizeof err) || write_export(&a, mf.g ? mf.g : s.m.g, &ex, err, sizeof err))
    goto fail;
  printf("wrote %s/%s.c and %s.h%s: %s, %s%s%s, %d-dimensional state\n", a.dir, s.m.g->name, s.m.g->name,
         a.example ? ", example.c, Makefile" : "", a.is_float ? "float32" : "float64",
         ex.has_H ? export_integrator_name[ex.integrator] : "", ex.has_H && ex.has_flow ? ", " : "",
         ex.has_flow ? "the flow's forward and inverse" : "", ex.dim);
  if (ex.has_H)
    printf("H is %sseparable (d2H/dqdp %s zero in the graph)\n", ex.separable ? "" : "not ",
           ex.separable ? "simplifies to" : "does not simplify to");
  printf("code: %ld bytes of C; constants: %ld bytes in memory (%ld parameters; their table is %ld bytes of C); "
         "stack: at most %ld bytes of workspace\n",
         ex.code_bytes, ex.const_bytes, s.m.g->nparams_total, ex.table_bytes, ex.stack_bytes);
  if (a.is_float) float_report(&s, &a, theta, seed);
  rc = 0;
fail:
  if (rc) fail(err);
  export_free(&ex);
  if (mf.g) model_free(&mf);
  free(theta);
  setup_free(&s);
  return rc;
}
