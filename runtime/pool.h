/* A team of threads for loops whose results must not depend on how many
 * threads run them.
 *
 * rt_pool_run hands out tasks 0, 1, ..., ntask - 1 in ascending order to
 * whichever thread is free (the caller is thread 0), and, if given, runs an
 * ordered step of every task after the task's work, on the same thread, one
 * task at a time and in task order. A caller that makes each task's work
 * independent of the others and folds results together only in the ordered
 * step (the sums over samples of a compiled function: cli/binding.c) gets
 * the same bits for any number of threads.
 *
 * The workers are made once, by rt_pool_new, and wait between runs; one
 * thread only (rt_pool_new(1)) makes none and runs everything in the
 * caller. A pool runs one loop at a time: rt_pool_run is not reentrant.
 */
#ifndef RT_POOL_H
#define RT_POOL_H

typedef struct rt_pool rt_pool;
typedef void (*rt_task_fn)(void *ctx, int thread, int task);

/* The processors online (sysconf), at least 1: the default thread count. */
int rt_threads_default(void);
/* A team of nthreads (>= 1) threads, the caller's included; NULL if the
   system refused a thread (nothing is left running then). */
rt_pool *rt_pool_new(int nthreads);
int rt_pool_size(const rt_pool *p); /* 1 for NULL */
void rt_pool_free(rt_pool *p);      /* stops and joins the workers */
/* work(ctx, t, k) for every task k in [0, ntask), t the thread running it;
   ordered (unless NULL) as described above. Returns when all are done. */
void rt_pool_run(rt_pool *p, int ntask, rt_task_fn work, rt_task_fn ordered, void *ctx);
#endif
