/* hnnc compile | dump: the compiler's output and its graphs. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "../compiler/hnnc.h"
#include "../runtime/atomic.h"
#include "../runtime/npy.h"

const char usage_compile[] =
    "usage: hnnc compile MODEL.lua [-o DIR] [--chunk N] [--verify]\n"
    "\n"
    "Traces MODEL.lua, derives its derivatives, and writes the standalone C99\n"
    "files DIR/NAME.c and DIR/NAME.h (NAME: the model's name). DIR defaults to\n"
    "the current folder. Files are written to temporary names and renamed, so\n"
    "an error leaves no output.\n"
    "\n"
    "  -o DIR       output folder\n"
    "  --no-fma     products by separate multiplies and adds (hn.model{fma = false})\n"
    "               (default: fused multiply-adds, or as the model says; --fma forces them)\n"
    "  --chunk N    samples per chunk in the per-sample loops (default 32);\n"
    "               results do not depend on it\n"
    "  --verify     run the verifiers between the compiler's passes (shapes,\n"
    "               operand order, reachability, the schedule and workspace)\n";

const char usage_dump[] =
    "usage: hnnc dump MODEL.lua [FUNC] [--after PASS] [--plan] [--verify]\n"
    "\n"
    "Prints the compiler's state after one of its passes, for every function\n"
    "(or FUNC). The passes, in order:\n"
    "  front     trace the model file; derivatives, exact folding and CSE\n"
    "            happen as nodes are made (the whole graph: one node a line,\n"
    "            in id order, with operands, shape and the model line)\n"
    "  check     the model's rules (functions, unused parameters)\n"
    "  dce       per function, the nodes its outputs reach, and its FLOPs\n"
    "            (the default)\n"
    "  schedule  per function, nodes in emission order with their phase\n"
    "            (even: shared values; odd: per-sample chunk loops) and\n"
    "            storage (workspace offsets, inputs, outputs, parameters)\n"
    "  emit      the generated header and C source\n"
    "\n"
    "  --after PASS  the pass after which to print (default dce)\n"
    "  --plan        the same as --after schedule\n"
    "  --verify      run the verifiers between passes\n";

/* ---- compile ---- */

int cmd_compile(int argc, char **argv) {
  const char *pos[1], *model, *dir = ".";
  long chunk = 0;
  int verify = 0, rc = 0;
  int fma = 0;
  const Opt opts[] = {{"-o", OPT_STR, &dir},
                      {"--chunk", OPT_LONG, &chunk, 1, 4096},
                      {"--verify", OPT_FLAG, &verify},
                      {"--fma", OPT_SET, &fma, 2},
                      {"--no-fma", OPT_SET, &fma, 1},
                      {0}};
  ModelOptions mo;
  Model m;
  char err[4096], *cpath, *hpath;
  if (opts_parse("compile", opts, "MODEL.lua", argc, argv, pos)) return 2;
  model = pos[0];
  memset(&mo, 0, sizeof mo);
  mo.chunk = (int)chunk;
  mo.verify = verify;
  mo.limits.fma = fma;
  mo.note = cli_note;
  if (model_build(&m, model, &mo, err, sizeof err)) return fail(err);
  cpath = text_fmt("%s/%s.c", dir, m.g->name);
  hpath = text_fmt("%s/%s.h", dir, m.g->name);
  /* each file whole or not at all; a new header without its new .c would
   * be a mismatched pair, so it goes too */
  if (rt_atomic_write(hpath, m.h.s, strlen(m.h.s), 0, err, sizeof err)) rc = fail(err);
  else if (rt_atomic_write(cpath, m.c.s, strlen(m.c.s), 0, err, sizeof err)) remove(hpath), rc = fail(err);
  free(cpath), free(hpath);
  model_free(&m);
  return rc;
}

static void put_stdout(void *ctx, const char *s) { (void)ctx; fputs(s, stdout); }

/* The library dumps the state after the pass --after names. */
int cmd_dump(int argc, char **argv) {
  const char *pos[2], *model;
  int plan = 0, verify = 0, after = PASS_DCE - PASS_FRONT, fi;
  const Opt opts[] = {{"--after", OPT_CHOICE, &after, 0, 0, "front|check|dce|schedule|emit"},
                      {"--plan", OPT_FLAG, &plan},
                      {"--verify", OPT_FLAG, &verify},
                      {0}};
  ModelOptions mo;
  Model m;
  char err[4096];
  if (opts_parse("dump", opts, "MODEL.lua [FUNC]", argc, argv, pos)) return 2;
  model = pos[0];
  memset(&mo, 0, sizeof mo);
  mo.note = cli_note;
  mo.dump = put_stdout;
  mo.after = plan ? PASS_SCHEDULE : PASS_FRONT + after;
  mo.func = pos[1];
  mo.verify = verify;
  if (model_build(&m, model, &mo, err, sizeof err)) return fail(err);
  fi = mo.func ? model_func(&m, mo.func) : 0;
  model_free(&m);
  if (fi < 0) {
    fprintf(stderr, "%s: error: the model has no function '%s'\n", model, mo.func);
    return 1;
  }
  return 0;
}
