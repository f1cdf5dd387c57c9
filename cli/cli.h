/* The hnnc program: its verbs and what they share.
 *
 * A verb is one file, cli/VERB.c, defining usage_VERB (its --help text) and
 * cmd_VERB, and one row of the table in main.c. A verb prints, and returns
 * the exit status: 0 done, 1 an error (the message names the file), 2 a
 * usage error. Nothing below cli/ prints or exits.
 */
#ifndef HNNC_CLI_H
#define HNNC_CLI_H
#include <stddef.h>

/* the verbs */
extern const char usage_compile[], usage_dump[], usage_eval[], usage_bench[];
extern const char usage_train[], usage_evaluate[], usage_simulate[], usage_data[], usage_check[], usage_export[];
int cmd_compile(int argc, char **argv);  /* compile.c */
int cmd_dump(int argc, char **argv);     /* compile.c */
int cmd_eval(int argc, char **argv);     /* eval.c */
int cmd_bench(int argc, char **argv);    /* bench.c */
int cmd_train(int argc, char **argv);    /* train.c */
int cmd_evaluate(int argc, char **argv); /* evaluate.c */
int cmd_simulate(int argc, char **argv); /* evaluate.c */
int cmd_data(int argc, char **argv);     /* data.c */
int cmd_check(int argc, char **argv);    /* check.c */
int cmd_poincare(int argc, char **argv); /* poincare.c */
extern const char usage_poincare[];
int cmd_export(int argc, char **argv); /* export.c */

#define HNNC_VERSION "0.4.0"

/* opts.c: the option parser. A verb lists its options in a table ending
 * with {0}; opts_parse fills the destinations, which hold the defaults
 * beforehand. Options are `--name value` or `--name=value` (one-letter
 * ones `-o value`); a value may start with '-' (--x0 -1,0). Any other
 * argument is positional. Numbers are parsed whole (strtol/strtod, no
 * trailing characters, in [min, max] when min < max). */
typedef enum {
  OPT_FLAG,    /* int: set to 1; takes no value */
  OPT_STR,     /* const char *: the argument itself */
  OPT_LONG,    /* long */
  OPT_SEED,    /* uint64_t, 0..2^63-1 */
  OPT_DOUBLE,  /* double, finite */
  OPT_CHOICE,  /* int: the index of the value in choices "a|b|c" */
  OPT_BACKEND, /* int: JIT_TCC or JIT_GCC from "tcc" or "gcc" */
  OPT_DTYPE,   /* int: 1 for float64 (or double), 2 for float32 (or float) */
  OPT_SET,     /* int: set to min; takes no value (--fma 2, --no-fma 1: the last wins) */
} OptKind;

typedef struct Opt {
  const char *name; /* "--steps", "-o" */
  OptKind kind;
  void *dst;
  double min, max;     /* OPT_LONG, OPT_DOUBLE: the range when min < max */
  const char *choices; /* OPT_CHOICE */
  int *given;          /* if not NULL, set to 1 when the option is given */
} Opt;

/* Parses argv (the arguments after the verb). args is the synopsis of the
 * positional arguments, as in the verb's usage line: "MODEL.lua [FUNC]"
 * (required ones first, optional ones in brackets); they go to pos[0..],
 * which has a slot per word (NULL when absent). Returns 0, or 2 after
 * printing a usage error. */
int opts_parse(const char *verb, const Opt *opts, const char *args, int argc, char **argv, const char **pos);

/* A usage error: "hnnc VERB: error: MESSAGE" and "see 'hnnc VERB --help'"
 * on stderr; returns 2 (the exit status of usage errors). */
int usage_error(const char *verb, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The closest of names[0..n-1] to s, if close enough to be a typo; else
 * NULL. */
const char *did_you_mean(const char *s, const char *const *names, int n);
int fail(const char *msg);                  /* prints msg, returns 1 */
void cli_note(void *ctx, const char *text); /* the library's warnings and print(): stderr */
int parse_double(const char *s, double *v); /* 0 if s is a whole finite number */
int parse_long(const char *s, long *v);     /* 0 if s is a whole integer in range */

/* opts.c: files and time */
int is_dir(const char *p);
int exists(const char *p);
int prepare_dir(const char *dir, char *err, size_t nerr); /* mkdir -p one level, writable */
#endif
