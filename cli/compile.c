/* hnnc compile | dump: the compiler's output and its graphs. */
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

/* ---- compile ---- */

int cmd_compile(int argc, char **argv) {
  const char *pos[1], *model, *dir = ".";
  long chunk = 0;
  const Opt opts[] = {{"-o", OPT_STR, &dir}, {"--chunk", OPT_LONG, &chunk, 1, 4096}, {0}};
  ModelOptions mo;
  Model m;
  char err[4096], cpath[4096], hpath[4096];
  if (opts_parse("compile", opts, "MODEL.lua", argc, argv, pos)) return 2;
  model = pos[0];
  memset(&mo, 0, sizeof mo);
  mo.chunk = (int)chunk;
  if (model_build(&m, model, &mo, err, sizeof err)) return fail(err);
  snprintf(cpath, sizeof cpath, "%s/%s.c", dir, m.g->name);
  snprintf(hpath, sizeof hpath, "%s/%s.h", dir, m.g->name);
  /* each file whole or not at all; a new header without its new .c would
   * be a mismatched pair, so it goes too */
  if (rt_atomic_write(hpath, m.h.s, strlen(m.h.s), 0, err, sizeof err)) {
    model_free(&m);
    return fail(err);
  }
  if (rt_atomic_write(cpath, m.c.s, strlen(m.c.s), 0, err, sizeof err)) {
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
  const char *pos[2], *model, *fname;
  int i, shown = 0, plan = 0;
  const Opt opts[] = {{"--plan", OPT_FLAG, &plan}, {0}};
  ModelOptions mo;
  Model m;
  char err[4096];
  if (opts_parse("dump", opts, "MODEL.lua [FUNC]", argc, argv, pos)) return 2;
  model = pos[0], fname = pos[1];
  memset(&mo, 0, sizeof mo);
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
