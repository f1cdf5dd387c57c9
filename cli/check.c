/* hnnc check: the structure checks of a flow (flowcheck.h), printed as a
 * table or as JSON; exit status 1 when a layer that claims to be symplectic
 * (or the whole flow) is not, so a user's own layer is checked too. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binding.h"
#include "cli.h"
#include "flowcheck.h"
#include "report.h"
#include "../compiler/hnnc.h"
#include "../prelude/rng.h"

const char usage_check[] =
    "usage: hnnc check MODEL.lua [--params DIR|FILE] [--json] [--points N] [--scale S]\n"
    "                  [--perturb SIGMA] [--seed S] [--cc tcc|gcc] [--dtype float64|float32]\n"
    "\n"
    "Checks a flow (a model that calls flow.declare(T), see README: Flows) at N\n"
    "points x ~ N(0, S^2), from its compiled code:\n"
    "  symplectic_error  max |J^T Omega J - Omega| over entries and points, J the\n"
    "                    compiled hn.jacobian of the forward map (never finite\n"
    "                    differences); the same for each layer at its own input\n"
    "  roundtrip_error   max |inverse(forward(x)) - x|\n"
    "  det_error         max |det J - 1|; for a flow that is not symplectic\n"
    "                    (stack{symplectic = false}), max |log|det J| - logdet(x)|\n"
    "  grad_error        the model's loss_grad against central differences of its\n"
    "                    loss, max |g - fd| / max |fd| over up to 200 parameters\n"
    "                    (null without loss and loss_grad)\n"
    "Exit status 1 when a layer that claims to be symplectic, or the flow, has\n"
    "an error above 1e-9 * max(1, max|J|^2) (float models: 1e-3 * ...).\n"
    "\n"
    "  --params DIR|FILE  trained parameters (as for evaluate); default: the\n"
    "                     model's initializers with its seed\n"
    "  --force            use --params even if they belong to another model\n"
    "  --perturb SIGMA    add N(0, SIGMA^2) to every parameter first (seeded), to\n"
    "                     check away from an initialization that is the identity\n"
    "  --points N         test points (default 16)\n"
    "  --scale S          their standard deviation (default 1)\n"
    "  --seed S           seed of the points and the perturbation (default 0)\n"
    "  --json             one JSON object: symplectic_error, roundtrip_error,\n"
    "                     det_error, grad_error, failed, layers (kind, line,\n"
    "                     claim, symplectic_error, failed)\n"
    "  --cc tcc|gcc       backend (default gcc)\n"
    "  --dtype float64|float32  element type (default: the model's)\n"
    "  --no-fma           products by separate multiplies and adds (hn.model{fma = false})\n"
    "                     (default: fused multiply-adds, or as the model says; --fma forces them)\n";

static void print_json(const FlowReport *r) {
  int i;
  printf("{");
  json_num("symplectic_error", r->symplectic_error, 0);
  json_num("roundtrip_error", r->roundtrip_error, 0);
  json_num("det_error", r->det_error, 0);
  json_num("grad_error", r->grad_error, 0);
  printf("\"symplectic\": %s, \"failed\": %s, \"points\": %d, \"layers\": [", r->claim ? "true" : "false",
         r->failed ? "true" : "false", r->npoints);
  for (i = 0; i < r->nlayers; i++) {
    const FlowLayer *l = &r->layer[i];
    printf("%s{\"kind\": \"%s\", \"line\": \"", i ? ", " : "", l->kind);
    for (const char *c = l->at; *c; c++) printf(*c == '"' || *c == '\\' ? "\\%c" : "%c", *c);
    printf("\", \"claim\": %s, ", l->claim ? "true" : "false");
    json_num("symplectic_error", l->symplectic_error, 0);
    printf("\"failed\": %s}", l->failed ? "true" : "false");
  }
  printf("]}\n");
}

static void print_table(const FlowReport *r, const char *model) {
  int i;
  printf("%s: %s flow, n = %d, %d layers, %d points\n", model, r->claim ? "symplectic" : "non-symplectic", r->n,
         r->nlayers, r->npoints);
  printf("  symplectic_error %.3g\n  roundtrip_error  %.3g\n  det_error        %.3g\n  grad_error       %.3g%s\n",
         r->symplectic_error, r->roundtrip_error, r->det_error, r->grad_error,
         isnan(r->grad_error) ? " (no loss and loss_grad)" : "");
  for (i = 0; i < r->nlayers; i++) {
    const FlowLayer *l = &r->layer[i];
    printf("  layer %2d %-14s %-15s |JtOJ-O| %.3g%s  (%s)\n", i + 1, l->kind, l->claim ? "symplectic" : "not symplectic",
           l->symplectic_error, l->failed ? "  FAILED" : "", l->at);
  }
  if (r->failed) printf("FAILED: a layer that claims to be symplectic is not (see above)\n");
}

int cmd_check(int argc, char **argv) {
  const char *pos[1], *model, *params = NULL;
  int backend = JIT_GCC, json = 0, dtype = 0, fma = 0, force = 0, has_seed, rc;
  long points = 16;
  uint64_t seed = 0, ckseed;
  double scale = 1, perturb = 0;
  const Opt opts[] = {{"--json", OPT_FLAG, &json},
                      {"--params", OPT_STR, &params},
                      {"--points", OPT_LONG, &points, 1, 100000},
                      {"--seed", OPT_SEED, &seed},
                      {"--scale", OPT_DOUBLE, &scale},
                      {"--perturb", OPT_DOUBLE, &perturb},
                      {"--cc", OPT_BACKEND, &backend},
                      {"--dtype", OPT_DTYPE, &dtype},
                      {"--fma", OPT_SET, &fma, 2},
                      {"--no-fma", OPT_SET, &fma, 1},
                      {"--force", OPT_FLAG, &force},
                      {0}};
  char err[8192], used[4200];
  Setup s;
  FlowReport r;
  double *theta;
  if (opts_parse("check", opts, "MODEL.lua", argc, argv, pos)) return 2;
  model = pos[0];
  if (!(scale > 0)) return usage_error("check", "--scale takes a number > 0, not %g", scale);
  if (perturb < 0) return usage_error("check", "--perturb takes a number >= 0, not %g", perturb);
  if (setup_open(&s, model, backend, 0, dtype, fma, err, sizeof err)) return fail(err);
  if (flow_describe(&s.m, model, &r, err, sizeof err)) {
    setup_free(&s);
    return fail(err);
  }
  theta = xmalloc((s.m.g->nparams_total + 1) * sizeof *theta);
  if (params) {
    if (load_params(&s.m, model, params, force, theta, &has_seed, &ckseed, used, sizeof used, err, sizeof err)) {
      free(theta), flow_report_free(&r), setup_free(&s);
      return fail(err);
    }
  } else
    init_params(s.m.g, s.m.g->seed, theta);
  if (perturb > 0) {
    rt_rng rng;
    long k;
    rt_rng_seed(&rng, (uint64_t)seed, 8);
    for (k = 0; k < s.m.g->nparams_total; k++) theta[k] += perturb * rt_rng_normal(&rng);
  }
  rc = flow_measure(&s.m, theta, (int)points, scale, (uint64_t)seed, 200, &r, err, sizeof err);
  if (rc) fprintf(stderr, "%s: %s\n", model, err);
  if (json) print_json(&r);
  else print_table(&r, model);
  rc = rc || r.failed;
  free(theta), flow_report_free(&r), setup_free(&s);
  return rc;
}
