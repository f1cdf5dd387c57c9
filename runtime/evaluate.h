/* Evaluation of a learned vector field on an HNN reference task
 * (/work/shared/ref/hnn-tasks.md): losses with standard errors, and the
 * energy MSE of rollouts, under the published protocol and a corrected one.
 *
 * requires rt_task_rk45 and rt_energy_x0 (data.h), the task's true field,
 * the learned field, and the system's true H.
 *
 * Energy metric. Rollout k = 0 .. nrollout-1 starts at rt_energy_x0(task,
 * seed, k); the true field and the learned field are integrated by
 * rt_task_rk45 (RK45 as scipy, two-body state padded as the data set's)
 * with the task's energy tolerances, and
 *     mse_k = mean over the time points of (E(true x(t)) - E(learned x(t)))^2
 * The reported value is the mean of the mse_k and its error bar the
 * reference's "bootstrap_conf": the std (ddof 0) of the means of 5 groups
 * of consecutive rollouts (np.split(x, 5)), divided by sqrt(5).
 *
 * RT_PROTOCOL_PUBLISHED, as the reference analysis code ran:
 *   spring    E = q^2 + p^2. The analysis rescales the time of the learned
 *             rollouts "to compensate for noise effects" by
 *             f = 1 + 0.9 * 0.1 in place, on the time-span list and the
 *             t_eval array shared by all calls: one call made for a figure
 *             before the loop, then, in rollout k, the true trajectory runs
 *             on [0, 20 f^(k+1)] at linspace(0, 20 f, 100) * f^k and the
 *             learned ones on [0, 20 f^(k+2)] at linspace(0, 20 f, 100) *
 *             f^(k+1) (the products rounded one at a time, as numpy's
 *             in-place *= does). The last learned rollout reaches
 *             t = 20 f^16 = 79.4, and point j of a learned rollout is
 *             compared with point j of the true one, at a time f smaller.
 *   pendulum  E = q^2 + p^2 (the analysis reuses the spring's energy
 *             function; the pendulum's H is 3(1 - cos q) + p^2); nominal
 *             span [0, 20], 100 points.
 *   two_body  the true H; [0, 25], 500 points, rtol 1e-9.
 * RT_PROTOCOL_CORRECTED: the nominal span and points for both
 *   trajectories, and E = the system's true H, for every task.
 */
#ifndef RT_EVALUATE_H
#define RT_EVALUATE_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "pool.h"

enum { RT_PROTOCOL_PUBLISHED, RT_PROTOCOL_CORRECTED };
#define RT_ENERGY_GROUPS 5


/* The mean of n values and the reference's standard error for the loss:
   std (ddof 1) of the n values / sqrt(rows) (torch's dist.std() /
   sqrt(dist.shape[0]) over a rows x dim array of squared errors). */
void rt_loss_stats(const double *v, long n, long rows, double *mean, double *se);

/* The mean of n values and the std (ddof 0) of the means of `groups`
   consecutive groups of n / groups values, divided by sqrt(groups).
   n must be a positive multiple of groups (returns nonzero otherwise). */
int rt_group_stats(const double *v, int n, int groups, double *mean, double *se);

/* The time grids of rollout k: the true trajectory's span end and times
   (t->energy_npoints of them), and the learned one's. */
void rt_energy_times(const rt_task *t, int protocol, int k, double *t1_true, double *t_true, double *t1_learned,
                     double *t_learned);

/* Energy MSE of the t->energy_nrollout rollouts: per-rollout values into
   mse (nrollout doubles), their mean and group error bar. true_h is the
   system's H (used by the corrected protocol, and by the published one
   for two-body). If traj_true and traj_learned are not NULL they receive
   the trajectories (nrollout x npoints x dim). A rollout whose integration
   fails gets mse NaN; the return value is the number of such rollouts, or
   -1 on a bad argument (err says which; a failed rollout also writes err). */
int rt_energy_metric(const rt_task *t, int protocol, const rt_system *truth, const rt_system *learned,
                     const rt_energy *true_h, uint64_t seed, double *mse, double *mean, double *se, double *traj_true,
                     double *traj_learned, char *err, size_t nerr);
/* The same with the rollouts spread over the team's threads (pool NULL:
   the caller's): truth, learned and true_h are then arrays of
   rt_pool_slots(pool) elements, a rollout in slot s integrating with
   element s (a compiled field's buffers serve one rollout at a time).
   Every rollout is computed as on one thread, so are the results and the
   message. */
int rt_energy_metric_pool(rt_pool *pool, const rt_task *t, int protocol, const rt_system *truth,
                          const rt_system *learned, const rt_energy *true_h, uint64_t seed, double *mse, double *mean,
                          double *se, double *traj_true, double *traj_learned, char *err, size_t nerr);

/* Poincaré sections of a system with two degrees of freedom, x = (q1, q2,
 * p1, p2): the crossings of the plane q2 = 0 with p2 > 0.
 *
 * rt_section_start: the state on the section at energy E with the given
 * (q1, p1): q2 = 0 and p2 > 0 with H = E, by bisection on p2 in
 * [0, p2_max] (p2_max doubled from 1 until H exceeds E; up to 2^20). 0, or
 * 1 if H(q1, 0, p1, 0) > E (no such state) or H cannot be evaluated.
 *
 * rt_section: integrates s (DOP853, rtol = atol = tol) from x0 and stores
 * the first n crossings (rows of the state at the crossing) in out, their
 * times in t (may be NULL). The orbit is sampled at times dt apart from
 * DOP853's dense output; a sign change of q2 from - to + between two
 * samples (with p2 > 0 there) is located by Hermite interpolation of the
 * two samples and their field values, then refined by secant steps on q2
 * of the dense output at the new time (integrating from the earlier
 * sample), until the time changes by less than 1e-13 (at most 20 steps).
 * Stops at tmax. Returns the number of crossings found (< n if tmax came
 * first), or -1 - the count so far if the integration failed (err says
 * where).
 */
int rt_section_start(const rt_energy *H, double E, double q1, double p1, double *x0);
int rt_section(const rt_system *s, const double *x0, double dt, double tmax, double tol, int n, double *out, double *t,
               char *err, size_t nerr);
#endif
