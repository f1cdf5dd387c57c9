/* The data sets of the HNN reference tasks (Greydanus, Dzamba & Yosinski
 * 2019), as its published code makes them (/work/shared/ref/hnn-tasks.md)
 *
 * requires the true field of the task from the caller (in hnnc the compiled
 * vector field of models/systems/<task>.lua), with the state layout below.
 *
 * Each trajectory starts from a random state, is integrated by rt_rk45
 * (scipy's RK45) and sampled at np.linspace(t0, t1, npoints); the targets
 * are the exact field at the clean states; then noise is added to the
 * states (not to the targets). Rows are trajectory-major, time within.
 *
 * State layouts (positions first, then momenta; all masses 1, G = 1):
 *   spring, pendulum  x = (q, p)                                   dim 2
 *   two_body          x = (q1x, q1y, q2x, q2y, p1x, p1y, p2x, p2y) dim 8
 * The reference code orders two-body coordinates as (qx1, qx2, qy1, qy2,
 * px1, px2, py1, py2); the rows here hold the same numbers permuted.
 *
 * Randomness: only hnnc's rt_rng, three streams of the one seed:
 *   RT_STREAM_INIT    initial states, trajectory after trajectory (spring,
 *                     pendulum: 2 uniforms for the direction, 1 for the
 *                     radius; two-body: 2 uniforms for the position, 1
 *                     normal for the speed factor)
 *   RT_STREAM_NOISE   the noise, trajectory after trajectory, component
 *                     after component (all npoints of q, then of p), as
 *                     the reference's q += randn(n)*std; p += randn(n)*std
 *   RT_STREAM_ENERGY  the initial states of the energy-metric rollouts
 * so the same seed gives bit-identical data on every machine, and the
 * initial states do not depend on the noise level.
 */
#ifndef RT_DATA_H
#define RT_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "integrate.h"

enum { RT_TASK_SPRING, RT_TASK_PENDULUM, RT_TASK_TWO_BODY };

/* rt_rng streams used with the caller's seed */
enum { RT_STREAM_INIT = 1, RT_STREAM_NOISE = 2, RT_STREAM_ENERGY = 3 };

typedef struct rt_task {
	const char *name;       /* "spring", "pendulum", "two_body" */
	int kind;               /* RT_TASK_*: picks the initial-state sampler */
	int dim;                /* state dimension the field must have */
	int ntraj;              /* trajectories (orbits) */
	double t0, t1;          /* time span of a trajectory */
	int npoints;            /* samples a trajectory: linspace(t0, t1, npoints) */
	double rtol, atol;      /* rt_rk45 tolerances; atol is scipy's default
	                           1e-6, as the reference passes only rtol */
	/* constant components the reference integrates along with x (two-body:
	   its state carries the two masses). They count in RK45's RMS error
	   norm and in its initial step, so rt_dataset_make pads the state with
	   npad constants 1.0 (derivative 0) to take scipy's steps. */
	int npad;
	double noise;           /* std of the Gaussian noise on x (0: none) */
	/* split: the first floor(rows * split) rows are the test set if
	   test_first, else the training set (Python's int(len(x) * split)) */
	double split;
	int test_first;
	/* initial states: spring/pendulum radius = u * init_scale + init_offset;
	   two-body position components u * init_scale + init_offset and speed
	   factor 1 + orbit_noise * N(0, 1) (u uniform [0, 1)) */
	double init_scale, init_offset, orbit_noise;
	/* energy metric: nrollout rollouts on [t0, t1] at npoints, RK45 */
	int energy_nrollout;
	double energy_t0, energy_t1;
	int energy_npoints;
	double energy_rtol, energy_atol;
} rt_task;

typedef struct rt_dataset {
	int dim;
	long ntrain, ntest;     /* rows */
	double *x_train, *dx_train;     /* ntrain x dim, row-major */
	double *x_test, *dx_test;       /* ntest x dim */
} rt_dataset;

/* the task called name, or NULL; rt_task_names() lists the names for a
   diagnostic ("spring, pendulum, two_body") */
const rt_task *rt_task_find(const char *name);
const char *rt_task_names(void);

/* n points from a to b as np.linspace: t[k] = k*((b - a)/(n - 1)) + a, and
   t[n-1] = b exactly */
void rt_linspace(double a, double b, int n, double *t);

/* the t->ntraj initial states (ntraj x dim) that rt_dataset_make uses for
   this seed. Returns 0, or nonzero for an unknown t->kind. */
int rt_task_initial_states(const rt_task *t, uint64_t seed, double *x0);

/* the initial state (dim doubles) of rollout k >= 0 of the energy metric
   (spring, pendulum: each component uniform in +-[0.2, 1.0]; two-body: an
   orbit drawn as the data set's). Rollout k does not depend on how many
   are drawn. Returns 0, or nonzero if k < 0 or the kind is unknown. */
int rt_energy_x0(const rt_task *t, uint64_t seed, int k, double *x0);

/* rt_rk45 of the field from x0 (dim doubles) over [t0, t1], the state at
   the nt times t_eval into out (nt x dim), with the task's npad constants
   appended to the state as the reference has them, so that the steps are
   scipy's on the reference's state (two-body: use it for the energy
   rollouts too). Returns 0, an RT_ERR_* code, or -1 if out of memory. */
int rt_task_rk45(const rt_task *t, const rt_system *field, double t0,
                 double t1, const double *x0, int nt, const double *t_eval,
                 double rtol, double atol, double *out);

/* Makes the data set of task t with the field's true dynamics. field->dim
   must be t->dim; the field is called with n = npoints to make the
   targets. Any rt_task may be given (e.g. a copy with fewer
   trajectories). Returns 0, or nonzero with err = "NAME: error: ..." and
   *out zeroed. */
int rt_dataset_make(const rt_task *t, const rt_system *field, uint64_t seed,
                    rt_dataset *out, char *err, size_t nerr);

void rt_dataset_free(rt_dataset *d);

/* Saves d as DIR/x_train.npy, dx_train.npy, x_test.npy, dx_test.npy
   ('<f8', shape (rows, dim)); creates DIR if missing (not its parents). */
int rt_dataset_save(const rt_dataset *d, const char *dir, char *err,
                    size_t nerr);

/* Loads the four files ('<f8' or '<f4', widened) and checks that each is
   (rows, dim) with one dim for all, that x and dx agree in rows, and that
   every value is finite; errors name the file. */
int rt_dataset_load(const char *dir, rt_dataset *out, char *err, size_t nerr);

#endif
