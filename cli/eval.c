/* hnnc eval: a function of a model evaluated on rows read from stdin. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../compiler/hnnc.h"
#include "../runtime/npy.h"

const char usage_eval[] =
    "usage: hnnc eval MODEL.lua FUNC [--cc tcc|gcc] [--params FILE] [--seed S]\n"
    "\n"
    "Reads one sample per line on stdin: FUNC's inputs flattened and\n"
    "concatenated in declaration order, separated by commas or spaces. Prints\n"
    "one line per sample with FUNC's per-sample outputs, then, if FUNC has\n"
    "shared outputs (sums over the batch, like a loss), one line with those.\n"
    "Numbers are printed with 17 significant digits.\n"
    "\n"
    "  --cc tcc|gcc   backend (default gcc)\n"
    "  --params FILE  parameters: a .npy file of float64, or text numbers;\n"
    "                 default: the model's initializers with its seed\n"
    "  --seed S       seed for the initializers (default: the model's)\n";

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
  const char *pos[2], *model, *fname, *params = NULL;
  int backend = JIT_GCC, i, j, fi, have_seed = 0;
  uint64_t seed = 0;
  const Opt opts[] = {{"--cc", OPT_BACKEND, &backend},
                      {"--params", OPT_STR, &params},
                      {"--seed", OPT_SEED, &seed, .given = &have_seed},
                      {0}};
  long rows = 0, cap = 0, width = 0, line = 0;
  ModelOptions mo;
  Model m;
  char err[4096], buf[1 << 16];
  double *theta, *data = NULL;
  void *th, **in, **out, *ws;
  Func *f;
  if (opts_parse("eval", opts, "MODEL.lua FUNC", argc, argv, pos)) return 2;
  model = pos[0], fname = pos[1];
  memset(&mo, 0, sizeof mo);
  mo.note = cli_note;
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
    init_params(m.g, have_seed ? seed : m.g->seed, theta);
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
