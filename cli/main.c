/* hnnc: the command line. The verb table and the dispatch; each verb lives
 * in its own file (cli/VERB.c, see cli.h) and is one row of the table. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct Verb {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *usage;   /* hnnc VERB --help */
  const char *args;    /* the main arguments, for hnnc --help */
  const char *summary; /* what it does, in one line */
} Verb;

static const Verb verbs[] = {
    {"compile", cmd_compile, usage_compile, "MODEL.lua [-o DIR]", "write DIR/NAME.c and DIR/NAME.h"},
    {"eval", cmd_eval, usage_eval, "MODEL.lua FUNC", "evaluate FUNC on rows read from stdin"},
    {"bench", cmd_bench, usage_bench, "MODEL.lua [--batch 1,32,750]", "time every function and the JIT"},
    {"dump", cmd_dump, usage_dump, "MODEL.lua [FUNC]", "print the graph of each function"},
    {"train", cmd_train, usage_train, "MODEL.lua -o DIR", "train as hn.train says: data, Adam, checkpoints, plots"},
    {"evaluate", cmd_evaluate, usage_evaluate, "MODEL.lua --params DIR", "losses and energy MSE (two protocols)"},
    {"simulate", cmd_simulate, usage_simulate, "MODEL.lua --x0 .. --t T", "integrate the model's field"},
    {"data", cmd_data, usage_data, "MODEL.lua -o DIR", "write the model's hn.data set (.npy, optionally CSV)"},
    {"poincare", cmd_poincare, usage_poincare, "MODEL.lua --energy E -o DIR",
     "Poincaré sections, true and learned (2 degrees of freedom)"},
    {"check", cmd_check, usage_check, "MODEL.lua [--params DIR]",
     "a flow's symplecticity, inverse, det J, loss gradient"},
    {"export", cmd_export, usage_export, "MODEL.lua --params DIR -o DIR",
     "one standalone C file: H, field, integrator, parameters"},
};
enum { NVERB = sizeof verbs / sizeof *verbs };

static void usage_main(FILE *f) {
  int i;
  fputs(
      "usage: hnnc VERB [options]\n"
      "       hnnc help VERB | hnnc VERB --help | hnnc --version\n"
      "\n"
      "hnnc compiles Hamiltonian neural networks and symplectic flows, described\n"
      "in Lua model files, into specialized C.\n"
      "\n"
      "verbs:\n",
      f);
  for (i = 0; i < NVERB; i++) fprintf(f, "  %-8s %-29s %s\n", verbs[i].name, verbs[i].args, verbs[i].summary);
  fputs(
      "\n"
      "Options are --name value or --name=value. Every verb that compiles a\n"
      "model takes --cc tcc|gcc, the backend, gcc by default: both give the\n"
      "same bits, gcc's code runs several times faster, and its compile (1.7 s\n"
      "for models/hnn/spring.lua) is cached by the hash of the source in\n"
      "$XDG_CACHE_HOME/hnnc, so it is paid once per model; tcc compiles in\n"
      "milliseconds, for one-off runs. --seed S is a seed (an integer >= 0),\n"
      "--dtype float64|float32 the element type of a learned model, --no-fma\n"
      "products by separate multiplies and adds (fused multiply-adds are the\n"
      "default; the two give different bits, each the same on every compiler).\n"
      "train, evaluate and bench take --threads N: every N gives the same bits.\n"
      "\n"
      "Run 'hnnc help VERB' for a verb's options.\n",
      f);
}

static const Verb *find_verb(const char *name) {
  const char *names[NVERB], *near;
  int i;
  for (i = 0; i < NVERB; i++) {
    if (!strcmp(name, verbs[i].name)) return &verbs[i];
    names[i] = verbs[i].name;
  }
  if ((near = did_you_mean(name, names, NVERB)))
    fprintf(stderr, "hnnc: error: unknown verb '%s' (did you mean '%s'?)\n", name, near);
  else fprintf(stderr, "hnnc: error: unknown verb '%s'\n", name);
  fprintf(stderr, "see 'hnnc --help'\n");
  return NULL;
}

/* --help anywhere after the verb (before a "--") asks for the verb's help */
static int wants(int argc, char **argv, const char *opt, const char *alias) {
  int i;
  for (i = 0; i < argc && strcmp(argv[i], "--"); i++)
    if (!strcmp(argv[i], opt) || (alias && !strcmp(argv[i], alias))) return 1;
  return 0;
}

int main(int argc, char **argv) {
  const Verb *v;
  if (argc < 2) {
    usage_main(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
    printf("hnnc %s\n", HNNC_VERSION);
    return 0;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    if (argc < 3 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
      usage_main(stdout);
      return 0;
    }
    if (!(v = find_verb(argv[2]))) return 2;
    fputs(v->usage, stdout);
    return 0;
  }
  if (argv[1][0] == '-') {
    fprintf(stderr, "hnnc: error: '%s' is not a verb\nsee 'hnnc --help'\n", argv[1]);
    return 2;
  }
  if (!(v = find_verb(argv[1]))) return 2;
  if (wants(argc - 2, argv + 2, "--help", "-h")) {
    fputs(v->usage, stdout);
    return 0;
  }
  if (wants(argc - 2, argv + 2, "--version", NULL)) {
    printf("hnnc %s\n", HNNC_VERSION);
    return 0;
  }
  return v->run(argc - 2, argv + 2);
}
