/* hnnc bench: every function of a model timed at several batch sizes, and
 * the time to compile it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "binding.h"
#include "cli.h"
#include "../compiler/hnnc.h"
#include "../runtime/error.h"

const char usage_bench[] =
    "usage: hnnc bench MODEL.lua [--batch 1,32,750] [--cc tcc|gcc] [--json] [--reps N] [--chunk N] [--threads N]\n"
    "                  [--no-fma]\n"
    "\n"
    "Times every function of the model at each batch size: median wall time\n"
    "and median per-thread CPU time per call, in microseconds, its FLOPs\n"
    "(counted from the compiled graph, as hnnc dump prints them), GFLOP/s,\n"
    "and the fraction of the core's peak, measured in the same run by a\n"
    "built-in loop of independent fused multiply-adds (the model's products\n"
    "fuse them by default), or of separate multiplies and adds under --no-fma,\n"
    "at the widest vector width gcc targets. Also the time to compile the\n"
    "model with libtcc.\n"
    "\n"
    "  --batch LIST   comma-separated batch sizes (default 1,32,750)\n"
    "  --cc tcc|gcc   backend (default gcc)\n"
    "  --json         one JSON object instead of a table\n"
    "  --reps N       timed samples per measurement (default: about 0.2 s worth); a\n"
    "                 sample is as many calls in a row as take 100 us, its time\n"
    "                 divided by them (the clock costs 0.5 us under KVM)\n"
    "  --chunk N      samples per chunk in the per-sample loops (default 32)\n"
    "  --no-fma       products by separate multiplies and adds (hn.model{fma = false})\n"
    "                 (default: fused multiply-adds, or as the model says; --fma forces them)\n"
    "  --threads N    run each call on N threads, chunks of the batch on each and\n"
    "                 the sums over samples in chunk order (the same bits as one);\n"
    "                 GFLOP/s and %% of peak then come from the wall time; cpu\n"
    "                 us/call is the calling thread's (median), workers cpu us the\n"
    "                 other threads' together (mean) (default 1: the figures are\n"
    "                 those of one core, as the peers' in make bench)\n";

static double wall_us(void) { return rt_seconds() * 1e6; }
static double cpu_us(void) { return rt_thread_seconds() * 1e6; }
static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* "1,32,750" as batch sizes in 1..1e6; 2 after a usage error */
static int parse_batches(const char *s, long **batch, int *nb) {
  const char *t = s;
  *nb = 0;
  *batch = xmalloc((strlen(s) / 2 + 2) * sizeof **batch);
  for (;;) {
    size_t n = strcspn(t, ",");
    char *w = strndup(t, n);
    long v;
    int bad = !w || parse_long(w, &v) || v < 1 || v > 1000000;
    free(w);
    if (bad) return usage_error("bench", "--batch takes batch sizes in 1..1000000 separated by commas, not '%s'", s);
    (*batch)[(*nb)++] = v;
    if (!t[n]) return 0;
    t += n + 1;
  }
}

/* medians per call (us) of the wall and calling thread's CPU time, the
 * other threads' CPU (mean), timed samples and calls per sample */
typedef struct Timing { double wall, cpu, wcpu; long reps, per; } Timing;

/* Times fi at n samples: about 0.2 s (or reps_opt samples), 5..100000
 * samples, each `per` calls in a row of at least 100 us: reading the
 * thread's CPU clock is a system call under KVM (0.5-0.6 us, and the
 * kernel's entry and exit disturb the caches and predictors); timed one
 * call at a time, a 7 us call read 8-9. 1 when out of memory. */
static int timed(Timing *tm, Work *w, Model *m, int fi, long n, const void *th, void **in, void **out, long reps_opt) {
  double t0, c0, *wall, *cpu, wcpu;
  long r, k;
  if (work_call(w, m, fi, (int)n, th, (const void *const *)in, out)) return 1; /* warm: the first call faults pages in */
  t0 = wall_us();
  work_call(w, m, fi, (int)n, th, (const void *const *)in, out);
  t0 = wall_us() - t0;
  tm->per = (long)(100 / (t0 > 0.05 ? t0 : 0.05)) + 1;
  tm->reps = reps_opt > 0 ? reps_opt : (long)(2e5 / (t0 > 0.05 ? t0 : 0.05)) / tm->per;
  if (tm->reps < 5) tm->reps = 5;
  if (tm->reps > 100000) tm->reps = 100000;
  wall = xmalloc(tm->reps * sizeof *wall), cpu = xmalloc(tm->reps * sizeof *cpu);
  wcpu = rt_pool_worker_cpu(w->pool);
  for (r = 0; r < tm->reps; r++) {
    t0 = wall_us(), c0 = cpu_us();
    for (k = 0; k < tm->per; k++) work_call(w, m, fi, (int)n, th, (const void *const *)in, out);
    wall[r] = (wall_us() - t0) / tm->per, cpu[r] = (cpu_us() - c0) / tm->per;
  }
  tm->wcpu = (rt_pool_worker_cpu(w->pool) - wcpu) * 1e6 / ((double)tm->reps * tm->per); /* mean per call */
  qsort(wall, tm->reps, sizeof *wall, cmp_double);
  qsort(cpu, tm->reps, sizeof *cpu, cmp_double);
  tm->wall = wall[tm->reps / 2], tm->cpu = cpu[tm->reps / 2];
  free(wall), free(cpu);
  return 0;
}

int cmd_bench(int argc, char **argv) {
  const char *pos[1], *model, *batches = "1,32,750";
  int backend = JIT_GCC, json = 0, i, fi, nb = 0, fma = 0;
  long *batch, reps_opt = 0, chunk = 0, threads = 1;
  const Opt opts[] = {{"--batch", OPT_STR, &batches},
                      {"--cc", OPT_BACKEND, &backend},
                      {"--json", OPT_FLAG, &json},
                      {"--reps", OPT_LONG, &reps_opt, 1, 100000},
                      {"--chunk", OPT_LONG, &chunk, 1, 4096},
                      {"--fma", OPT_SET, &fma, 2},
                      {"--no-fma", OPT_SET, &fma, 1},
                      {"--threads", OPT_LONG, &threads, 1, 1024},
                      {0}};
  ModelOptions mo;
  Model m;
  char err[4096];
  double *theta, tcc_ms[9];
  void *th;
  FlopsPeak pk;
  Work w;
  if (opts_parse("bench", opts, "MODEL.lua", argc, argv, pos)) return 2;
  model = pos[0];
  if (parse_batches(batches, &batch, &nb)) return 2;
  memset(&mo, 0, sizeof mo);
  mo.note = cli_note;
  mo.chunk = (int)chunk, mo.limits.fma = fma;
  if (model_build(&m, model, &mo, err, sizeof err)) return fail(err);
  /* the libtcc compile time of the whole model, median of 9 */
  for (i = 0; i < 9; i++) {
    Jit j;
    double t0 = wall_us();
    if (jit_compile(&j, JIT_TCC, m.c.s, err, sizeof err)) return fail(err);
    tcc_ms[i] = (wall_us() - t0) / 1e3;
    jit_free(&j);
  }
  qsort(tcc_ms, 9, sizeof *tcc_ms, cmp_double);
  if (model_jit(&m, backend, err, sizeof err)) return fail(err);
  if (flops_peak(m.g->is_float, m.g->fma, &pk, err, sizeof err)) {
    fprintf(stderr, "hnnc: note: no peak measured (%s)\n", err);
    memset(&pk, 0, sizeof pk);
  }
  theta = xmalloc((m.g->nparams_total + 1) * sizeof *theta);
  init_params(m.g, m.g->seed, theta);
  th = model_to_elem(&m, theta, m.g->nparams_total);
  memset(&w, 0, sizeof w);
  w.pool = cli_pool(threads);
  if (json)
    printf("{\"model\": \"%s\", \"dtype\": \"%s\", \"fma\": %s, \"backend\": \"%s\", \"threads\": %ld, "
           "\"tcc_compile_ms\": %.3f, \"peak_gflops\": %.2f, \"vector_bytes\": %d, \"results\": [",
           m.g->name, m.g->is_float ? "float32" : "float64", m.g->fma ? "true" : "false", backend == JIT_GCC ? "gcc" : "tcc",
           threads, tcc_ms[4], pk.gflops, pk.vector_bytes);
  else {
    printf("model %s, backend %s, %ld thread%s; libtcc compiles the whole model in %.3f ms (median of 9)\n", m.g->name,
           backend == JIT_GCC ? "gcc" : "tcc", threads, threads > 1 ? "s" : "", tcc_ms[4]);
    printf("peak of this core, %s: %.1f GFLOP/s (%s, %d-byte vectors, measured now)\n",
           m.g->is_float ? "float" : "double", pk.gflops, m.g->fma ? "fused multiply-adds" : "separate multiplies and adds",
           pk.vector_bytes);
    printf("%-14s %8s %14s %14s %14s %12s %9s %7s%s\n", "function", "batch", "wall us/call", "cpu us/call", "us/sample",
           "MFLOP/call", "GFLOP/s", "% peak", threads > 1 ? "  workers cpu us" : "");
  }
  for (fi = 0; fi < m.g->nfunc; fi++) {
    Func *f = &m.g->func[fi];
    Flops fl;
    int b;
    flops_count(m.g, fi, &fl);
    for (b = 0; b < nb; b++) {
      long n = batch[b], k;
      void **in = xmalloc(f->nin * sizeof *in), **out = xmalloc(f->nout * sizeof *out);
      double flop = (double)fl.per_sample * n + fl.shared, t;
      Timing tm;
      for (i = 0; i < f->nin; i++) {
        long S = shape_size(&f->in[i].shape) * n;
        double *a = xmalloc(S * sizeof *a);
        for (k = 0; k < S; k++) a[k] = sin(1.0 + k * 0.7 + i); /* deterministic inputs in [-1, 1] */
        in[i] = model_to_elem(&m, a, S);
        free(a);
      }
      for (i = 0; i < f->nout; i++) {
        Node *o = &m.g->node[f->out[i]];
        out[i] = xmalloc_vec((shape_size(&o->shape) * (o->batched ? n : 1) + 1) * model_elem(&m));
      }
      if (timed(&tm, &w, &m, fi, n, th, in, out, reps_opt)) return fail("hnnc bench: error: out of memory");
      t = threads > 1 ? tm.wall : tm.cpu; /* the time GFLOP/s divide by */
      if (json)
        printf("%s{\"function\": \"%s\", \"batch\": %ld, \"wall_us\": %.3f, \"cpu_us\": %.3f, \"workers_cpu_us\": %.3f, "
               "\"reps\": %ld, \"calls_per_rep\": %ld, \"flops\": %.0f, \"elementary\": %ld}",
               fi || b ? ", " : "", f->name, n, tm.wall, tm.cpu, tm.wcpu, tm.reps, tm.per, flop,
               fl.elem_per_sample * n + fl.elem_shared);
      else {
        printf("%-14s %8ld %14.2f %14.2f %14.3f %12.3f %9.2f %7.1f", f->name, n, tm.wall, tm.cpu, t / n,
               flop / 1e6, flop / (t * 1e3), pk.gflops > 0 ? 100 * flop / (t * 1e3) / pk.gflops : 0.0);
        printf(threads > 1 ? " %14.2f\n" : "\n", tm.wcpu);
      }
      fflush(stdout);
      for (i = 0; i < f->nin; i++) free(in[i]);
      for (i = 0; i < f->nout; i++) free(out[i]);
      free(in), free(out);
    }
  }
  if (json) printf("]}\n");
  free(theta), free(th), free(batch);
  work_free(&w);
  model_free(&m);
  return 0;
}
