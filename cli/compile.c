/* hnnc compile | dump | eval: the compiler's output, its graphs, and its
 * functions evaluated on rows read from stdin. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../compiler/init.h"
#include "../compiler/model.h"
#include "../runtime/atomic.h"
#include "../runtime/npy.h"

const char usage_compile[] =
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

const char usage_dump[] =
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

const char usage_eval[] =
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

/* ---- compile ---- */

static int write_atomic(const char *path, const char *text, char *err, size_t nerr) {
  char tmp[4200];
  FILE *f = rt_atomic_open(path, "w", tmp, sizeof tmp, err, nerr);
  return f ? rt_atomic_commit(f, fputs(text, f) >= 0, 0, tmp, path, err, nerr) : 1;
}

int cmd_compile(int argc, char **argv) {
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

int cmd_dump(int argc, char **argv) {
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

int cmd_eval(int argc, char **argv) {
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
