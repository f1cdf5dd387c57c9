/* A training run's folder: what train may overwrite, and a clean stop on
 * SIGINT/SIGTERM. */
#ifndef HNNC_RUNDIR_H
#define HNNC_RUNDIR_H
#include <signal.h>
#include <stddef.h>

/* Before train writes into dir: removes temporary files that a killed
   hnnc left beside its own (NAME.tmp.PID of a process that is gone).
   A folder that holds a run (a checkpoint, parameters or metrics) is
   refused unless resume (continue it) or force (remove every file hnnc
   writes in a run, and nothing else, then start anew). 0, or 1 with
   "DIR: error: ..." in err. */
int rundir_claim(const char *dir, int resume, int force, char *err, size_t nerr);

/* Installs the handlers of SIGINT and SIGTERM: the first sets *stop (the
   run finishes its step and saves: rt_train_options.stop); the second
   prints where the last good files are and exits at once with status 130
   (the files on disk are whole: every writer renames a complete file). */
void rundir_catch_signals(volatile sig_atomic_t *stop, const char *dir);
/* the default handlers again */
void rundir_release_signals(void);
#endif
