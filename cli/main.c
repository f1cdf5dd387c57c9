/* hnnc: the command line. Only this file prints and exits. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_train.h"
#include "../compiler/init.h"
#include "../runtime/atomic.h"
#include "../runtime/npy.h"
#include "../compiler/model.h"

static const char usage_main[] =
    "usage: hnnc VERB [options]\n"
    "\n"
    "hnnc compiles Hamiltonian neural networks and symplectic flows, described\n"
    "in Lua model files, into specialized C.\n"
    "\n"
    "verbs:\n"
    "  compile MODEL.lua [-o DIR]            write DIR/NAME.c and DIR/NAME.h\n"
    "  eval MODEL.lua FUNC [--cc tcc|gcc]    evaluate FUNC on rows read from stdin\n"
    "  bench MODEL.lua [--batch 1,32,750]    time every function and the JIT\n"
    "  dump MODEL.lua [FUNC]                 print the graph of each function\n"
    "  train MODEL.lua -o DIR [--seed S]     train as hn.train says: data, Adam, checkpoints, plots\n"
    "  evaluate MODEL.lua --params DIR       losses and energy MSE (published and corrected protocols)\n"
    "  simulate MODEL.lua --x0 .. --t T      integrate the model's field, print the trajectory\n"
    "  data SYSTEM.lua --task T -o DIR       write a task's data set (.npy, optionally CSV)\n"
    "\n"
    "Run 'hnnc VERB --help' for a verb's options.\n";

static const char usage_compile[] =
    "usage: hnnc compile MODEL.lua [-o DIR] [--chunk N]\n"
    "\n"
    "Traces MODEL.lua, derives its derivatives, and writes the standalone C99\n"
    "files DIR/NAME.c and DIR/NAME.h (NAME: the model's name). DIR defaults to\n"
    "the current folder. Files are written to temporary names and renamed, so\n"
    "an error leaves no output.\n"
    "\n"
    "  -o DIR       output folder\n"
    "  --chunk N    samples per chunk in the per-sample loops (default 32);\n"
    "               results do not depend on it\n";

static const char usage_eval[] =
    "usage: hnnc eval MODEL.lua FUNC [--cc tcc|gcc] [--params FILE] [--seed S]\n"
    "\n"
    "Reads one sample per line on stdin: FUNC's inputs flattened and\n"
    "concatenated in declaration order, separated by commas or spaces. Prints\n"
    "one line per sample with FUNC's per-sample outputs, then, if FUNC has\n"
    "shared outputs (sums over the batch, like a loss), one line with those.\n"
    "Numbers are printed with 17 significant digits.\n"
    "\n"
    "  --cc tcc|gcc   backend (default tcc)\n"
    "  --params FILE  parameters: a .npy file of float64, or text numbers;\n"
    "                 default: the model's initializers with its seed\n"
    "  --seed S       seed for the initializers (default: the model's)\n";

static const char usage_bench[] =
    "usage: hnnc bench MODEL.lua [--batch 1,32,750] [--cc gcc|tcc] [--json] [--reps N]\n"
    "\n"
    "Times every function of the model at each batch size: median wall time\n"
    "and median per-thread CPU time per call, in microseconds, and the time\n"
    "to compile the model with the backend.\n"
    "\n"
    "  --batch LIST   comma-separated batch sizes (default 1,32,750)\n"
    "  --cc gcc|tcc   backend (default gcc)\n"
    "  --json         one JSON object instead of a table\n"
    "  --reps N       timed calls per measurement (default: about 0.2 s worth)\n";

static const char usage_dump[] =
    "usage: hnnc dump MODEL.lua [FUNC] [--plan]\n"
    "\n"
    "Prints the graph of each function (or of FUNC) after tracing,\n"
    "differentiation and simplification (folding and CSE happen as nodes are\n"
    "made), keeping what the outputs reach (dead-code elimination): one node\n"
    "per line, in id order, with its operands, shape and the model line that\n"
    "created it.\n"
    "\n"
    "  --plan   print the schedule instead: nodes in emission order with their\n"
    "           phase (even: shared values; odd: per-sample chunk loops) and\n"
    "           storage (workspace offsets, inputs, outputs, parameters)\n";

static int wants_help(int argc, char **argv) {
  int i;
  for (i = 0; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
  return 0;
}

static int fail(const char *msg) {
  fprintf(stderr, "%s\n", msg);
  return 1;
}

static int usage_error(const char *usage, const char *fmt, const char *arg) {
  fprintf(stderr, "hnnc: error: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n\n%s", usage);
  return 2;
}

/* ---- compile ---- */

static int write_atomic(const char *path, const char *text, char *err, size_t nerr) {
  char tmp[4200];
  FILE *f = rt_atomic_open(path, "w", tmp, sizeof tmp, err, nerr);
  return f ? rt_atomic_commit(f, fputs(text, f) >= 0, 0, tmp, path, err, nerr) : 1;
}

static int cmd_compile(int argc, char **argv) {
  const char *model = NULL, *dir = ".";
  ModelOptions mo;
  Model m;
  char err[4096], cpath[4096], hpath[4096];
  int i;
  memset(&mo, 0, sizeof mo);
  for (i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "-o") && i + 1 < argc) dir = argv[++i];
    else if (!strcmp(argv[i], "--chunk") && i + 1 < argc) mo.chunk = atoi(argv[++i]);
    else if (argv[i][0] == '-') return usage_error(usage_compile, "unknown option '%s'", argv[i]);
    else if (!model) model = argv[i];
    else return usage_error(usage_compile, "unexpected argument '%s'", argv[i]);
  }
  if (!model) return usage_error(usage_compile, "%s", "no model file given");
  if (mo.chunk < 0 || mo.chunk > 4096) return usage_error(usage_compile, "%s", "--chunk must be in 1..4096");
  if (model_build(&m, model, &mo, err, sizeof err)) return fail(err);
  snprintf(cpath, sizeof cpath, "%s/%s.c", dir, m.g->name);
  snprintf(hpath, sizeof hpath, "%s/%s.h", dir, m.g->name);
  /* each file whole or not at all; a new header without its new .c would
   * be a mismatched pair, so it goes too */
  if (write_atomic(hpath, m.h.s, err, sizeof err)) {
    model_free(&m);
    return fail(err);
  }
  if (write_atomic(cpath, m.c.s, err, sizeof err)) {
    remove(hpath);
    model_free(&m);
    return fail(err);
  }
  model_free(&m);
  return 0;
}

/* ---- parameters ---- */

/* Reads a .npy (float64 or float32, any shape, C order, all finite) or
 * whitespace/comma separated text numbers; exactly want values. */
static int read_params(const char *path, long want, double *theta, char *err, size_t nerr) {
  size_t len = strlen(path);
  FILE *f;
  long k = 0;
  if (len > 4 && !strcmp(path + len - 4, ".npy")) {
    rt_npy a;
    if (rt_npy_read(path, RT_NPY_FINITE | RT_NPY_AS_F8, &a, err, nerr)) return 1;
    if (a.count != want) {
      snprintf(err, nerr, "%s: error: %ld parameters, the model has %ld", path, a.count, want);
      rt_npy_free(&a);
      return 1;
    }
    memcpy(theta, a.data, want * sizeof *theta);
    rt_npy_free(&a);
    return 0;
  }
  if (!(f = fopen(path, "r"))) { snprintf(err, nerr, "%s: error: cannot open: %s", path, strerror(errno)); return 1; }
  for (;;) {
    double v;
    int c = fgetc(f);
    if (c == EOF) break;
    if (c == ',' || c == ' ' || c == '\n' || c == '\t' || c == '\r') continue;
    ungetc(c, f);
    if (fscanf(f, "%lf", &v) != 1 || !isfinite(v)) {
      fclose(f);
      snprintf(err, nerr, "%s: error: parameter %ld is not a finite number", path, k + 1);
      return 1;
    }
    if (k >= want) { fclose(f); snprintf(err, nerr, "%s: error: more than %ld parameters", path, want); return 1; }
    theta[k++] = v;
  }
  fclose(f);
  if (k != want) { snprintf(err, nerr, "%s: error: %ld parameters, the model has %ld", path, k, want); return 1; }
  return 0;
}

/* ---- eval ---- */

static int cmd_eval(int argc, char **argv) {
  const char *model = NULL, *fname = NULL, *params = NULL;
  int backend = JIT_TCC, i, j, fi;
  long seed = -1, rows = 0, cap = 0, width = 0, line = 0;
  ModelOptions mo;
  Model m;
  char err[4096], buf[1 << 16];
  double *theta, *data = NULL;
  void *th, **in, **out, *ws;
  Func *f;
  memset(&mo, 0, sizeof mo);
  for (i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--cc") && i + 1 < argc) {
      if ((backend = jit_backend(argv[++i])) < 0) return usage_error(usage_eval, "unknown backend '%s'", argv[i]);
    } else if (!strcmp(argv[i], "--params") && i + 1 < argc) params = argv[++i];
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc) seed = atol(argv[++i]);
    else if (argv[i][0] == '-') return usage_error(usage_eval, "unknown option '%s'", argv[i]);
    else if (!model) model = argv[i];
    else if (!fname) fname = argv[i];
    else return usage_error(usage_eval, "unexpected argument '%s'", argv[i]);
  }
  if (!model || !fname) return usage_error(usage_eval, "%s", "need a model file and a function name");
  if (model_build(&m, model, &mo, err, sizeof err)) return fail(err);
  if ((fi = model_func(&m, fname)) < 0) {
    fprintf(stderr, "%s: error: the model has no function '%s' (it has:", model, fname);
    for (i = 0; i < m.g->nfunc; i++) fprintf(stderr, " %s", m.g->func[i].name);
    fprintf(stderr, ")\n");
    model_free(&m);
    return 1;
  }
  f = &m.g->func[fi];
  theta = xmalloc((m.g->nparams_total + 1) * sizeof *theta);
  if (params) {
    if (read_params(params, m.g->nparams_total, theta, err, sizeof err)) { model_free(&m); free(theta); return fail(err); }
  } else
    init_params(m.g, seed >= 0 ? (uint64_t)seed : m.g->seed, theta);
  for (i = 0; i < f->nin; i++) width += shape_size(&f->in[i].shape);
  while (fgets(buf, sizeof buf, stdin)) {
    char *s = buf, *end;
    long k = 0;
    line++;
    while (*s == ' ' || *s == '\t') s++;
    if (*s == '\n' || *s == 0 || *s == '#') continue;
    if (rows == cap) {
      cap = cap ? 2 * cap : 64;
      data = xrealloc(data, cap * width * sizeof *data);
    }
    for (;;) {
      double v;
      while (*s == ' ' || *s == ',' || *s == '\t') s++;
      if (*s == '\n' || *s == '\r' || *s == 0) break;
      v = strtod(s, &end);
      if (end == s) {
        fprintf(stderr, "<stdin>:%ld: error: not a number: '%.20s'\n", line, s);
        return 1;
      }
      if (k < width) data[rows * width + k] = v;
      k++;
      s = end;
    }
    if (k != width) {
      fprintf(stderr, "<stdin>:%ld: error: %ld numbers, %s takes %ld per sample\n", line, k, fname, width);
      return 1;
    }
    rows++;
  }
  if (model_jit(&m, backend, err, sizeof err)) return fail(err);
  th = model_to_elem(&m, theta, m.g->nparams_total);
  in = xmalloc((f->nin + 1) * sizeof *in);
  out = xmalloc((f->nout + 1) * sizeof *out);
  {
    long off = 0;
    for (i = 0; i < f->nin; i++) { /* de-interleave the rows into input arrays */
      long S = shape_size(&f->in[i].shape), r, k;
      double *a = xmalloc((rows * S + 1) * sizeof *a);
      for (r = 0; r < rows; r++)
        for (k = 0; k < S; k++) a[r * S + k] = data[r * width + off + k];
      in[i] = model_to_elem(&m, a, rows * S);
      free(a);
      off += S;
    }
  }
  for (j = 0; j < f->nout; j++) {
    Node *o = &m.g->node[f->out[j]];
    out[j] = xmalloc(((o->batched ? rows : 1) * shape_size(&o->shape) + 1) * model_elem(&m));
  }
  ws = xmalloc((model_ws(&m, fi, rows) + 8) * model_elem(&m));
  m.fn[fi]((int)rows, th, (const void *const *)in, out, ws);
#define VAL(p, k) (m.g->is_float ? (double)((float *)(p))[k] : ((double *)(p))[k])
  {
    long r, k;
    int any_shared = 0, first;
    for (r = 0; r < rows; r++) {
      first = 1;
      for (j = 0; j < f->nout; j++) {
        Node *o = &m.g->node[f->out[j]];
        long S = shape_size(&o->shape);
        if (!o->batched) { any_shared = 1; continue; }
        for (k = 0; k < S; k++) printf("%s%.17g", first ? "" : ",", VAL(out[j], r * S + k)), first = 0;
      }
      if (!first) printf("\n");
    }
    if (any_shared) {
      first = 1;
      for (j = 0; j < f->nout; j++) {
        Node *o = &m.g->node[f->out[j]];
        long S = shape_size(&o->shape);
        if (o->batched) continue;
        for (k = 0; k < S; k++) printf("%s%.17g", first ? "" : ",", VAL(out[j], k)), first = 0;
      }
      printf("\n");
    }
  }
  for (i = 0; i < f->nin; i++) free(in[i]);
  for (j = 0; j < f->nout; j++) free(out[j]);
  free(in), free(out), free(ws), free(th), free(theta), free(data);
  model_free(&m);
  return 0;
}

/* ---- bench ---- */

static double clock_us(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}
static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int cmd_bench(int argc, char **argv) {
  const char *model = NULL, *batches = "1,32,750";
  int backend = JIT_GCC, json = 0, reps_opt = 0, i, fi, nb = 0;
  long batch[32];
  ModelOptions mo;
  Model m;
  char err[4096], list[256];
  double *theta, tcc_ms[9];
  void *th;
  memset(&mo, 0, sizeof mo);
  for (i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--cc") && i + 1 < argc) {
      if ((backend = jit_backend(argv[++i])) < 0) return usage_error(usage_bench, "unknown backend '%s'", argv[i]);
    } else if (!strcmp(argv[i], "--batch") && i + 1 < argc) batches = argv[++i];
    else if (!strcmp(argv[i], "--json")) json = 1;
    else if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps_opt = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--chunk") && i + 1 < argc) mo.chunk = atoi(argv[++i]);
    else if (argv[i][0] == '-') return usage_error(usage_bench, "unknown option '%s'", argv[i]);
    else if (!model) model = argv[i];
    else return usage_error(usage_bench, "unexpected argument '%s'", argv[i]);
  }
  if (!model) return usage_error(usage_bench, "%s", "no model file given");
  snprintf(list, sizeof list, "%s", batches);
  for (char *t = strtok(list, ","); t && nb < 32; t = strtok(NULL, ",")) {
    batch[nb] = atol(t);
    if (batch[nb] < 1 || batch[nb] > 1000000) return usage_error(usage_bench, "bad batch size '%s'", t);
    nb++;
  }
  if (model_build(&m, model, &mo, err, sizeof err)) return fail(err);
  /* the libtcc compile time of the whole model, median of 9 */
  for (i = 0; i < 9; i++) {
    Jit j;
    double t0 = clock_us(CLOCK_MONOTONIC);
    if (jit_compile(&j, JIT_TCC, m.c.s, err, sizeof err)) return fail(err);
    tcc_ms[i] = (clock_us(CLOCK_MONOTONIC) - t0) / 1e3;
    jit_free(&j);
  }
  qsort(tcc_ms, 9, sizeof *tcc_ms, cmp_double);
  if (model_jit(&m, backend, err, sizeof err)) return fail(err);
  theta = xmalloc((m.g->nparams_total + 1) * sizeof *theta);
  init_params(m.g, m.g->seed, theta);
  th = model_to_elem(&m, theta, m.g->nparams_total);
  if (json) printf("{\"model\": \"%s\", \"backend\": \"%s\", \"tcc_compile_ms\": %.3f, \"results\": [", m.g->name,
                   backend == JIT_GCC ? "gcc" : "tcc", tcc_ms[4]);
  else {
    printf("model %s, backend %s; libtcc compiles the whole model in %.3f ms (median of 9)\n", m.g->name,
           backend == JIT_GCC ? "gcc" : "tcc", tcc_ms[4]);
    printf("%-14s %8s %14s %14s %14s %12s %9s\n", "function", "batch", "wall us/call", "cpu us/call", "us/sample",
           "MFLOP/call", "GFLOP/s");
  }
  for (fi = 0; fi < m.g->nfunc; fi++) {
    Func *f = &m.g->func[fi];
    Flops fl;
    int b;
    flops_count(m.g, fi, &fl);
    for (b = 0; b < nb; b++) {
      long n = batch[b], k, reps, r;
      void **in = xmalloc(f->nin * sizeof *in), **out = xmalloc(f->nout * sizeof *out), *ws;
      double *wall, *cpu, t0, c0, flop = (double)fl.per_sample * n + fl.shared;
      for (i = 0; i < f->nin; i++) {
        long S = shape_size(&f->in[i].shape) * n;
        double *a = xmalloc(S * sizeof *a);
        for (k = 0; k < S; k++) a[k] = sin(1.0 + k * 0.7 + i); /* deterministic inputs in [-1, 1] */
        in[i] = model_to_elem(&m, a, S);
        free(a);
      }
      for (i = 0; i < f->nout; i++) {
        Node *o = &m.g->node[f->out[i]];
        out[i] = xmalloc((shape_size(&o->shape) * (o->batched ? n : 1) + 1) * model_elem(&m));
      }
      ws = xmalloc((model_ws(&m, fi, n) + 8) * model_elem(&m));
      /* calibrate: about 0.2 s per measurement, 5..100000 calls */
      t0 = clock_us(CLOCK_MONOTONIC);
      m.fn[fi]((int)n, th, (const void *const *)in, out, ws);
      t0 = clock_us(CLOCK_MONOTONIC) - t0;
      reps = reps_opt > 0 ? reps_opt : (long)(2e5 / (t0 > 0.05 ? t0 : 0.05));
      if (reps < 5) reps = 5;
      if (reps > 100000) reps = 100000;
      wall = xmalloc(reps * sizeof *wall), cpu = xmalloc(reps * sizeof *cpu);
      for (r = 0; r < reps; r++) {
        t0 = clock_us(CLOCK_MONOTONIC), c0 = clock_us(CLOCK_THREAD_CPUTIME_ID);
        m.fn[fi]((int)n, th, (const void *const *)in, out, ws);
        wall[r] = clock_us(CLOCK_MONOTONIC) - t0, cpu[r] = clock_us(CLOCK_THREAD_CPUTIME_ID) - c0;
      }
      qsort(wall, reps, sizeof *wall, cmp_double);
      qsort(cpu, reps, sizeof *cpu, cmp_double);
      if (json)
        printf("%s{\"function\": \"%s\", \"batch\": %ld, \"wall_us\": %.3f, \"cpu_us\": %.3f, \"reps\": %ld, "
               "\"flops\": %.0f, \"elementary\": %ld}",
               fi || b ? ", " : "", f->name, n, wall[reps / 2], cpu[reps / 2], reps, flop,
               fl.elem_per_sample * n + fl.elem_shared);
      else
        printf("%-14s %8ld %14.2f %14.2f %14.3f %12.3f %9.2f\n", f->name, n, wall[reps / 2], cpu[reps / 2],
               cpu[reps / 2] / n, flop / 1e6, flop / (cpu[reps / 2] * 1e3));
      fflush(stdout);
      for (i = 0; i < f->nin; i++) free(in[i]);
      for (i = 0; i < f->nout; i++) free(out[i]);
      free(in), free(out), free(ws), free(wall), free(cpu);
    }
  }
  if (json) printf("]}\n");
  free(theta), free(th);
  model_free(&m);
  return 0;
}

static void put_stdout(void *ctx, const char *s) { (void)ctx; fputs(s, stdout); }

static void print_plan(const Model *m, int fi) {
  static const char *const kinds[] = {"-", "input", "param", "tensor", "ws", "ws (all samples)", "output", "view"};
  const Plan *p = &m->plans[fi];
  const Graph *g = m->g;
  int k;
  for (k = 0; k < p->norder; k++) {
    int x = p->order[k];
    const Slot *s = &p->slot[x];
    char sh[64];
    printf("phase %d  %%%-5d %-9s %-10s %s", p->phase[x], x, ir_opname[g->node[x].op], shape_str(&g->node[x].shape, sh),
           kinds[s->kind]);
    if (s->kind == ST_WS || s->kind == ST_FULL || s->kind == ST_PARAM) printf(" +%ld", s->off);
    if (s->kind == ST_OUT) printf(" %s", p->f->outname[s->index]);
    if (s->kind == ST_INPUT) printf(" %s", p->f->in[s->index].name);
    printf("\n");
  }
}

static int cmd_dump(int argc, char **argv) {
  const char *model = NULL, *fname = NULL;
  ModelOptions mo;
  Model m;
  char err[4096];
  int i, shown = 0, plan = 0;
  memset(&mo, 0, sizeof mo);
  for (i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--plan")) plan = 1;
    else if (argv[i][0] == '-') return usage_error(usage_dump, "unknown option '%s'", argv[i]);
    else if (!model) model = argv[i];
    else if (!fname) fname = argv[i];
    else return usage_error(usage_dump, "unexpected argument '%s'", argv[i]);
  }
  if (!model) return usage_error(usage_dump, "%s", "no model file given");
  if (model_build(&m, model, &mo, err, sizeof err)) return fail(err);
  for (i = 0; i < m.g->nfunc; i++) {
    Func *f = &m.g->func[i];
    if (fname && strcmp(fname, f->name)) continue;
    Flops fl;
    flops_count(m.g, i, &fl);
    printf("# function %s: %d nodes after dead-code elimination, workspace %ld + %ld n\n", f->name,
           ir_reach(m.g, f->out, f->nout, m.plans[i].keep), m.plans[i].ws_fixed, m.plans[i].ws_full);
    printf("# FLOPs: %ld per sample + %ld shared; elementary functions: %ld per sample + %ld shared\n",
           fl.per_sample, fl.shared, fl.elem_per_sample, fl.elem_shared);
    if (plan) print_plan(&m, i);
    else ir_print(m.g, f->out, f->nout, put_stdout, NULL);
    shown++;
  }
  model_free(&m);
  if (!shown) {
    fprintf(stderr, "%s: error: the model has no function '%s'\n", model, fname);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  static const struct { const char *verb; int (*run)(int, char **); const char *usage; } verbs[] = {
      {"compile", cmd_compile, usage_compile},
      {"eval", cmd_eval, usage_eval},
      {"bench", cmd_bench, usage_bench},
      {"dump", cmd_dump, usage_dump},
      {"train", cmd_train, usage_train},
      {"evaluate", cmd_evaluate, usage_evaluate},
      {"simulate", cmd_simulate, usage_simulate},
      {"data", cmd_data, usage_data},
  };
  size_t i;
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    fputs(usage_main, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (i = 0; i < sizeof verbs / sizeof *verbs; i++)
    if (!strcmp(argv[1], verbs[i].verb)) {
      if (wants_help(argc - 2, argv + 2)) {
        fputs(verbs[i].usage, stdout);
        return 0;
      }
      return verbs[i].run(argc - 2, argv + 2);
    }
  fprintf(stderr, "hnnc: error: unknown verb '%s'\n\n%s", argv[1], usage_main);
  return 2;
}
