/* A team of threads for loops whose results must not depend on how many
 * threads run them.
 *
 * rt_pool_run starts the work of tasks 0, 1, ..., ntask - 1 in ascending
 * order on whichever thread is free (the caller is one of them), each in a
 * workspace slot of its own, and, if given, runs the ordered step of every
 * task after its work, one at a time and in task order, with the slot its
 * work used (on any thread); a slot is not given to another task before
 * that. A caller that keeps each task's work independent of the others
 * and folds results together only in the ordered steps (the sums over
 * samples of a compiled function: cli/binding.c) gets the same bits for
 * any number of threads. There are more slots than threads, so that a
 * thread can start more work while the task whose turn it is still runs.
 *
 * The workers are made once, by rt_pool_new, and wait between runs; one
 * thread only (rt_pool_new(1), or a NULL pool) makes none and runs
 * everything in the caller, in slot 0. A pool runs one loop at a time:
 * rt_pool_run is not reentrant.
 */
#ifndef RT_POOL_H
#define RT_POOL_H

#include <stddef.h>

typedef struct rt_pool rt_pool;
typedef void (*rt_task_fn)(void *ctx, int slot, int task);

/* The processors online (sysconf), at least 1: the default thread count. */
int rt_threads_default(void);
/* A team of nthreads (>= 1) threads, the caller's included; NULL if the
   system refused a thread (nothing is left running then). */
rt_pool *rt_pool_new(int nthreads);
int rt_pool_size(const rt_pool *p);  /* threads; 1 for NULL */
int rt_pool_slots(const rt_pool *p); /* workspace slots, 0 .. slots - 1; 1 for NULL or one thread */
void rt_pool_free(rt_pool *p);       /* stops and joins the workers */
/* The CPU seconds the workers (not the caller) have used, as of the end of
   the last run: per-thread CPU time for benchmarks. 0 for one thread. */
double rt_pool_worker_cpu(const rt_pool *p);
/* bytes rounded up to 64, 64-byte aligned and zeroed; NULL if out of
   memory. For the arrays generated code reads and writes (workspaces,
   batches, gradients): starting on a cache line, its vector loads do not
   split across two (the same bits, 10-25 % faster than malloc's 16-byte
   alignment). Free with free(). */
void *rt_alloc_vec(size_t bytes);
/* work(ctx, slot, k) for every task k in [0, ntask); ordered (unless
   NULL) as described above. Returns when all are done: 0, or 1 when out
   of memory (then nothing ran). */
int rt_pool_run(rt_pool *p, int ntask, rt_task_fn work, rt_task_fn ordered, void *ctx);
#endif
