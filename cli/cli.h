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
extern const char usage_train[], usage_evaluate[], usage_simulate[], usage_data[], usage_check[];
int cmd_compile(int argc, char **argv); /* compile.c */
int cmd_dump(int argc, char **argv);    /* compile.c */
int cmd_eval(int argc, char **argv);    /* compile.c */
int cmd_bench(int argc, char **argv);   /* bench.c */
int cmd_train(int argc, char **argv);   /* train.c */
int cmd_evaluate(int argc, char **argv); /* evaluate.c */
int cmd_simulate(int argc, char **argv); /* evaluate.c */
int cmd_data(int argc, char **argv);    /* data.c */
int cmd_check(int argc, char **argv);   /* check.c */

/* opts.c: arguments and messages */
int usage_error(const char *usage, const char *fmt, ...);  /* prints, returns 2 */
int fail(const char *msg);                                 /* prints msg, returns 1 */
int parse_double(const char *s, double *v);  /* 0 if s is a whole finite number */
int parse_long(const char *s, long *v);      /* 0 if s is a whole integer in range */

/* opts.c: files and time */
double now_s(void);   /* monotonic seconds */
int is_dir(const char *p);
int exists(const char *p);
int prepare_dir(const char *dir, char *err, size_t nerr); /* mkdir -p one level, writable */
#endif
