/* hnnc eval: a function of a model evaluated on rows read from stdin. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../compiler/hnnc.h"
#include "../runtime/npy.h"
#include "../runtime/rows.h"
#include "binding.h"

const char usage_eval[] =
    "usage: hnnc eval MODEL.lua FUNC [--cc tcc|gcc] [--params DIR|FILE [--force]] [--seed S]\n"
    "\n"
    "Reads one sample per line on stdin: FUNC's inputs flattened and\n"
    "concatenated in declaration order, separated by commas or spaces (lines of\n"
    "any length; blank lines, '#' comments and a first line of column names, as\n"
    "in the CSV files hnnc writes, are skipped; a bad number is reported with\n"
    "its line and column). Prints\n"
    "one line per sample with FUNC's per-sample outputs, then, if FUNC has\n"
    "shared outputs (sums over the batch, like a loss), one line with those.\n"
    "Numbers are printed with 17 significant digits.\n"
    "\n"
    "  --cc tcc|gcc   backend (default gcc)\n"
    "  --no-fma       products by separate multiplies and adds (hn.model{fma = false})\n"
    "                 (default: fused multiply-adds, or as the model says; --fma forces them)\n"
    "  --params DIR|FILE  parameters, as every verb takes them: a training\n"
    "                 folder (its params.npy, else its checkpoint.bin), a\n"
    "                 checkpoint, a .npy, or text numbers; default: the\n"
    "                 model's initializers with its seed. Parameters of another\n"
    "                 model (params.model beside params.npy, or the checkpoint's\n"
    "                 hash, say whose they are) are refused\n"
    "  --force        use them anyway\n"
    "  --seed S       seed for the initializers (default: the model's)\n";

/* ---- eval ---- */

int cmd_eval(int argc, char **argv) {
  const char *pos[2], *model, *fname, *params = NULL;
  int backend = JIT_GCC, i, j, fi, have_seed = 0, force = 0, ck_seed, fma = 0;
  uint64_t seed = 0;
  const Opt opts[] = {{"--cc", OPT_BACKEND, &backend},
                      {"--params", OPT_STR, &params},
                      {"--force", OPT_FLAG, &force},
                      {"--seed", OPT_SEED, &seed, .given = &have_seed},
                      {"--fma", OPT_SET, &fma, 2},
                      {"--no-fma", OPT_SET, &fma, 1},
                      {0}};
  long rows, width = 0;
  ModelOptions mo;
  Model m;
  char err[4096], used[4200];
  double *theta, *data;
  uint64_t cseed;
  rt_rows in_rows;
  void *th, **in, **out, *ws;
  Func *f;
  if (opts_parse("eval", opts, "MODEL.lua FUNC", argc, argv, pos)) return 2;
  model = pos[0], fname = pos[1];
  memset(&mo, 0, sizeof mo);
  mo.note = cli_note;
  mo.limits.fma = fma;
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
    if (load_params(&m, model, params, force, theta, &ck_seed, &cseed, used, sizeof used, err, sizeof err)) {
      model_free(&m);
      free(theta);
      return fail(err);
    }
  } else
    init_params(m.g, have_seed ? seed : m.g->seed, theta);
  for (i = 0; i < f->nin; i++) width += shape_size(&f->in[i].shape);
  if (rt_rows_read(stdin, "<stdin>", width, &in_rows, err, sizeof err)) {
    model_free(&m);
    free(theta);
    return fail(err);
  }
  rows = in_rows.n, data = in_rows.data;
  for (j = 0; j < f->nout; j++)
    if (!rows && !m.g->node[f->out[j]].batched) { /* a sum over no samples: not a number to print */
      fprintf(stderr, "<stdin>: error: no samples: %s has shared outputs (a sum or mean over the samples), which need "
                      "at least one row\n", fname);
      model_free(&m), free(theta), free(data);
      return 1;
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
    out[j] = xmalloc_vec(((o->batched ? rows : 1) * shape_size(&o->shape) + 1) * model_elem(&m));
  }
  ws = xmalloc_vec((model_ws(&m, fi, rows) + 8) * model_elem(&m));
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
