/* The thread team (pool.h).
 *
 * A run publishes its job and bumps `gen`. Every thread then loops: run
 * the ordered step of the task whose turn it is, if that task's work is
 * done and nobody is at it; else start the next task's work in a free
 * workspace slot; else wait. Slots outnumber threads, so a thread runs
 * ahead of a task whose thread was preempted, instead of waiting for its
 * turn: on a loaded machine (measured here: 2 cores, load 5-7) a thread
 * that must wait for another at every task spent a third of the run
 * waiting. One mutex guards the run's state; it is held only to pick
 * what to do next.
 *
 * Waiting threads spin, yielding the processor; workers spin for about a
 * millisecond after a run (the next one usually follows: a training step
 * runs the gradient, Adam, then the test loss) and then sleep on `start`.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"

enum { SLOTS_PER_THREAD = 4 };

typedef struct Worker {
  rt_pool *p;
  int t;
} Worker;

struct rt_pool {
  int n, nslot;
  pthread_t *th;
  Worker *w;
  pthread_mutex_t mu; /* the run's state below, and sleeping */
  pthread_cond_t start;
  atomic_long gen;           /* run number: a worker joins each run once */
  atomic_int busy;           /* workers still inside the current run */
  atomic_int quit, sleepers; /* sleepers: workers asleep on start, or about to be */
  /* the current run */
  int ntask, next, turn, summing;
  int *slot_of;     /* per task: its slot once its work is done, else -1 */
  int cap;          /* tasks slot_of holds */
  int *free, nfree; /* free slots */
  double *cpu;      /* per worker: its CPU seconds after its last run */
  rt_task_fn work, ordered;
  void *ctx;
};

int rt_threads_default(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* A waiting thread: a few busy checks, then sched_yield. */
static void relax(long *spins) {
  if (++*spins > 64) sched_yield();
}

/* One thread's part of the run (see the top). */
static void run_tasks(rt_pool *p) {
  long spins = 0;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    int k, s;
    if (p->ordered && !p->summing && p->turn < p->ntask && p->slot_of[p->turn] >= 0) {
      k = p->turn, s = p->slot_of[k], p->summing = 1;
      pthread_mutex_unlock(&p->mu);
      p->ordered(p->ctx, s, k);
      pthread_mutex_lock(&p->mu);
      p->summing = 0, p->turn++, p->free[p->nfree++] = s;
      spins = 0;
    } else if (p->next < p->ntask && p->nfree) {
      k = p->next++, s = p->free[--p->nfree];
      pthread_mutex_unlock(&p->mu);
      p->work(p->ctx, s, k);
      pthread_mutex_lock(&p->mu);
      if (p->ordered) p->slot_of[k] = s;
      else p->free[p->nfree++] = s;
      spins = 0;
    } else if (p->next == p->ntask && (!p->ordered || p->turn == p->ntask || p->summing)) {
      break; /* nothing left to start; the others finish theirs */
    } else {
      pthread_mutex_unlock(&p->mu);
      relax(&spins);
      pthread_mutex_lock(&p->mu);
    }
  }
  pthread_mutex_unlock(&p->mu);
}

/* Waits for a run after `seen`: spins for about a millisecond, then
 * sleeps. The new generation, or -1 to quit. */
static long wait_run(rt_pool *p, long seen) {
  long spins = 0, g;
  double t0 = now();
  while ((g = atomic_load(&p->gen)) == seen && !atomic_load(&p->quit)) {
    relax(&spins);
    if (spins % 256 == 0 && now() - t0 > 1e-3) break;
  }
  if (g == seen && !atomic_load(&p->quit)) {
    pthread_mutex_lock(&p->mu);
    atomic_fetch_add(&p->sleepers, 1);
    while ((g = atomic_load(&p->gen)) == seen && !atomic_load(&p->quit)) pthread_cond_wait(&p->start, &p->mu);
    atomic_fetch_sub(&p->sleepers, 1);
    pthread_mutex_unlock(&p->mu);
  }
  return atomic_load(&p->quit) ? -1 : g;
}

static void *worker(void *arg) {
  Worker *w = arg;
  rt_pool *p = w->p;
  long seen = 0;
  while ((seen = wait_run(p, seen)) >= 0) {
    struct timespec ts;
    run_tasks(p);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    p->cpu[w->t] = ts.tv_sec + 1e-9 * ts.tv_nsec; /* read after busy reaches 0 */
    atomic_fetch_sub(&p->busy, 1);
  }
  return NULL;
}

rt_pool *rt_pool_new(int nthreads) {
  rt_pool *p = calloc(1, sizeof *p);
  int i;
  if (!p) return NULL;
  p->n = nthreads < 1 ? 1 : nthreads;
  p->nslot = p->n == 1 ? 1 : SLOTS_PER_THREAD * p->n;
  p->th = calloc(p->n, sizeof *p->th);
  p->w = calloc(p->n, sizeof *p->w);
  p->free = calloc(p->nslot, sizeof *p->free);
  p->cpu = calloc(p->n, sizeof *p->cpu);
  if (!p->th || !p->w || !p->free || !p->cpu) {
    free(p->th), free(p->w), free(p->free), free(p->cpu), free(p);
    return NULL;
  }
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->start, NULL);
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

void *rt_alloc_vec(size_t bytes) {
  size_t size = bytes ? (bytes + 63) / 64 * 64 : 64;
  void *p = aligned_alloc(64, size);
  return p ? memset(p, 0, size) : NULL;
}

int rt_pool_size(const rt_pool *p) { return p ? p->n : 1; }
int rt_pool_slots(const rt_pool *p) { return p ? p->nslot : 1; }

double rt_pool_worker_cpu(const rt_pool *p) {
  double s = 0;
  int t;
  for (t = 1; p && t < p->n; t++) s += p->cpu[t];
  return s;
}

void rt_pool_free(rt_pool *p) {
  int i;
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  atomic_store(&p->quit, 1);
  pthread_cond_broadcast(&p->start);
  pthread_mutex_unlock(&p->mu);
  for (i = 1; i < p->n; i++) pthread_join(p->th[i], NULL);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->start);
  free(p->th), free(p->w), free(p->free), free(p->slot_of), free(p->cpu), free(p);
}

int rt_pool_run(rt_pool *p, int ntask, rt_task_fn work, rt_task_fn ordered, void *ctx) {
  int k;
  long spins = 0;
  if (!p || p->n == 1 || ntask <= 1) { /* in the caller, in slot 0: the same order */
    for (k = 0; k < ntask; k++) {
      work(ctx, 0, k);
      if (ordered) ordered(ctx, 0, k);
    }
    return 0;
  }
  if (ntask > p->cap) {
    int *s = realloc(p->slot_of, ntask * sizeof *s);
    if (!s) return 1;
    p->slot_of = s, p->cap = ntask;
  }
  for (k = 0; k < ntask; k++) p->slot_of[k] = -1;
  for (k = 0; k < p->nslot; k++) p->free[k] = p->nslot - 1 - k; /* slot 0 first */
  p->nfree = p->nslot;
  p->ntask = ntask, p->next = p->turn = p->summing = 0;
  p->work = work, p->ordered = ordered, p->ctx = ctx;
  atomic_store(&p->busy, p->n - 1);
  pthread_mutex_lock(&p->mu); /* publishes the job */
  atomic_fetch_add(&p->gen, 1);
  if (atomic_load(&p->sleepers)) pthread_cond_broadcast(&p->start);
  pthread_mutex_unlock(&p->mu);
  run_tasks(p);
  while (atomic_load(&p->busy)) relax(&spins); /* the others' last tasks */
  return 0;
}
