/* hnnc: the command line. The verb table and the dispatch; each verb lives
 * in its own file (cli/VERB.c) and is one row of the table below. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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
    "  check MODEL.lua [--params DIR]        a flow's symplecticity, inverse, det J, loss gradient\n"
    "\n"
    "Run 'hnnc VERB --help' for a verb's options.\n";

static int wants_help(int argc, char **argv) {
  int i;
  for (i = 0; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
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
      {"check", cmd_check, usage_check},
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
