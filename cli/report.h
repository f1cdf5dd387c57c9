/* What the verbs show: the training progress line, the plots of a run,
 * JSON numbers. Prints to stdout/stderr; writes plots through
 * plot.h (SVG). */
#ifndef HNNC_REPORT_H
#define HNNC_REPORT_H
#include <stddef.h>
#include <stdint.h>

#include "binding.h"

typedef struct Progress {
  int mode;    /* 0 quiet, 1 bar (terminal), 2 log lines */
  double last; /* time of the last bar update */
  double test; /* last evaluated test loss */
} Progress;

/* an rt_train progress callback; ctx is a Progress */
void on_progress(void *ctx, const rt_train_progress *p);

/* Plots go to DIR/NAME.svg (plot.h); the names written are appended to
   written (nw bytes); a failure is a warning. */
void report_loss(const rt_train_result *r, const char *dir, const char *name, char *written, size_t nw);
/* Rollouts from the first energy-metric initial states (nominal span) of
   the true and learned fields; the true H along both; for 2-D tasks the
   learned field on a grid under them. */
void report_rollouts(Setup *s, const rt_system *learned, const rt_system *truth, const rt_energy *H,
                     const rt_dataset *d, uint64_t seed, const char *dir, char *written, size_t nw);

/* prints "key": v (null when not finite), then ", " unless last */
void json_num(const char *key, double v, int last);
#endif
