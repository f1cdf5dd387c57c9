/* The thread team (pool.h): one mutex guards the job, the next task and
 * the turn of the ordered steps; workers sleep on `start` between runs. */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "pool.h"

typedef struct Worker {
  rt_pool *p;
  int t;
} Worker;

struct rt_pool {
  int n;
  pthread_t *th;
  Worker *w;
  pthread_mutex_t mu;
  pthread_cond_t start, done, turn_cv;
  long gen; /* run number: a worker joins each run once */
  int busy; /* workers still inside the current run */
  int quit;
  /* the current run */
  int ntask, next, turn;
  rt_task_fn work, ordered;
  void *ctx;
};

int rt_threads_default(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

/* Thread t's share of the run: take the next task, work, then wait for
 * the task's turn and run its ordered step. */
static void run_tasks(rt_pool *p, int t) {
  for (;;) {
    int k;
    pthread_mutex_lock(&p->mu);
    k = p->next < p->ntask ? p->next++ : -1;
    pthread_mutex_unlock(&p->mu);
    if (k < 0) return;
    p->work(p->ctx, t, k);
    if (!p->ordered) continue;
    pthread_mutex_lock(&p->mu);
    while (p->turn != k) pthread_cond_wait(&p->turn_cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
    p->ordered(p->ctx, t, k);
    pthread_mutex_lock(&p->mu);
    p->turn++;
    pthread_cond_broadcast(&p->turn_cv);
    pthread_mutex_unlock(&p->mu);
  }
}

static void *worker(void *arg) {
  Worker *w = arg;
  rt_pool *p = w->p;
  long seen = 0;
  for (;;) {
    pthread_mutex_lock(&p->mu);
    while (!p->quit && p->gen == seen) pthread_cond_wait(&p->start, &p->mu);
    if (p->quit) {
      pthread_mutex_unlock(&p->mu);
      return NULL;
    }
    seen = p->gen;
    pthread_mutex_unlock(&p->mu);
    run_tasks(p, w->t);
    pthread_mutex_lock(&p->mu);
    if (--p->busy == 0) pthread_cond_signal(&p->done);
    pthread_mutex_unlock(&p->mu);
  }
}

rt_pool *rt_pool_new(int nthreads) {
  rt_pool *p = calloc(1, sizeof *p);
  int i;
  if (!p) return NULL;
  p->n = nthreads < 1 ? 1 : nthreads;
  p->th = calloc(p->n, sizeof *p->th);
  p->w = calloc(p->n, sizeof *p->w);
  if (!p->th || !p->w) {
    free(p->th), free(p->w), free(p);
    return NULL;
  }
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->start, NULL);
  pthread_cond_init(&p->done, NULL);
  pthread_cond_init(&p->turn_cv, NULL);
  for (i = 1; i < p->n; i++) {
    p->w[i].p = p, p->w[i].t = i;
    if (pthread_create(&p->th[i], NULL, worker, &p->w[i])) {
      p->n = i; /* stop the ones made */
      rt_pool_free(p);
      return NULL;
    }
  }
  return p;
}

int rt_pool_size(const rt_pool *p) { return p ? p->n : 1; }

void rt_pool_free(rt_pool *p) {
  int i;
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->quit = 1;
  pthread_cond_broadcast(&p->start);
  pthread_mutex_unlock(&p->mu);
  for (i = 1; i < p->n; i++) pthread_join(p->th[i], NULL);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->start);
  pthread_cond_destroy(&p->done);
  pthread_cond_destroy(&p->turn_cv);
  free(p->th), free(p->w), free(p);
}

void rt_pool_run(rt_pool *p, int ntask, rt_task_fn work, rt_task_fn ordered, void *ctx) {
  int k;
  if (!p || p->n == 1 || ntask <= 1) { /* in the caller: the same order */
    for (k = 0; k < ntask; k++) {
      work(ctx, 0, k);
      if (ordered) ordered(ctx, 0, k);
    }
    return;
  }
  pthread_mutex_lock(&p->mu);
  p->ntask = ntask, p->next = 0, p->turn = 0;
  p->work = work, p->ordered = ordered, p->ctx = ctx;
  p->busy = p->n - 1;
  p->gen++;
  pthread_cond_broadcast(&p->start);
  pthread_mutex_unlock(&p->mu);
  run_tasks(p, 0);
  pthread_mutex_lock(&p->mu);
  while (p->busy) pthread_cond_wait(&p->done, &p->mu);
  pthread_mutex_unlock(&p->mu);
}
