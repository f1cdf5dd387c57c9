/* Data sets of trajectories of a Hamiltonian system, made as a recipe
 * (rt_task) says: the recipe comes from the model file's hn.data{...}
 * (the three tasks of Greydanus, Dzamba & Yosinski 2019 are such recipes,
 * declared in compiler/lib/hnnc/tasks.lua).
 *
 * requires the true field of the system from the caller (in hnnc the
 * compiled vector field of the system model), and its H for the
 * energy-shell sampler.
 *
 * Each trajectory starts from a sampled state, is integrated by rt_rk45 or
 * rt_dop853 (scipy's RK45 / DOP853) and sampled at the recipe's times
 * (np.linspace(t0, t1, npoints), or a given increasing grid); the targets
 * are the exact field at the clean states; then noise is added to the
 * states (not to the targets). Storage is trajectory-shaped: x_train holds
 * ntraj_train trajectories of npoints rows of dim values, trajectory-major,
 * time within (so it is also rows x dim).
 *
 * State layout: positions first, then momenta, x = (q1..qn, p1..pn).
 *
 * Randomness: only hnnc's rt_rng, three streams of the one seed:
 *   RT_STREAM_INIT    initial states, trajectory after trajectory
 *   RT_STREAM_NOISE   the noise, trajectory after trajectory, component
 *                     after component (all npoints of x1, then of x2, ...),
 *                     as the reference's q += randn(n)*std; p += ...
 *   RT_STREAM_ENERGY  the initial states of the energy-metric rollouts
 * so the same seed gives bit-identical data on every machine, and the
 * initial states do not depend on the noise level.
 */
#ifndef RT_DATA_H
#define RT_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "integrate.h"
#include "../prelude/rng.h"

/* the evaluation protocol of a published task (evaluate.h); NONE for any
   other recipe */
enum { RT_PUBLISHED_NONE, RT_PUBLISHED_SPRING, RT_PUBLISHED_PENDULUM, RT_PUBLISHED_TWO_BODY };

/* rt_rng streams used with the caller's seed */
enum { RT_STREAM_INIT = 1, RT_STREAM_NOISE = 2, RT_STREAM_ENERGY = 3 };

/* E(x) for n states (rows of dim doubles). Returns 0, or nonzero if it
   could not evaluate. */
typedef struct rt_energy {
  int (*fn)(void *ctx, int n, const double *x, double *e);
  void *ctx;
} rt_energy;

/* The point of the ray x + s d, s >= 0, where H = E, d a direction in
   state space (dim values): the components where d is nonzero become s d
   (from 0; the others are held), s bracketed by doubling from 1 (up to
   2^20) and bisected to the last bit, H below E at the returned s. 0, or
   1 if H > E already at s = 0, no bracket exists, or H cannot be
   evaluated (NaN). The energy-shell sampler and the Poincaré sections'
   starting states use it. */
int rt_energy_ray(const rt_energy *H, int dim, double E, double *x, const double *d);

/* How initial states are drawn (from stream RT_STREAM_INIT for the data,
   RT_STREAM_ENERGY for the energy rollouts), one state after another:
   RT_X0_BOX       component c uniform in [lo[c], hi[c]): u*(hi-lo) + lo
   RT_X0_SHELL     a direction d uniform in [-1,1]^dim, normalized (a draw
                   of exactly 0 is redrawn), times a radius r_lo + u*(r_hi -
                   r_lo)
   RT_X0_LIST      the given states list[k], k = 0 .. nlist-1 (a list that
                   hnnc's front end drew with a Lua function of the seed)
   RT_X0_ENERGY    H(x0) = energy: q uniform in the box lo..hi (dim/2
                   values), a momentum direction uniform on the sphere (a
                   normalized normal vector), and the momentum's length s
                   with H(q, s d) = energy by bisection on [0, s_max]
                   (s_max doubled from 1 until H exceeds the energy; the
                   state is redrawn when H(q, 0) > energy or no s_max <=
                   2^20 brackets it)
   RT_X0_CALLBACK  fn(ctx, rng, x0) */
enum { RT_X0_BOX, RT_X0_SHELL, RT_X0_LIST, RT_X0_ENERGY, RT_X0_CALLBACK };
typedef struct rt_sampler {
  int kind;
  const double *lo, *hi;
  double r_lo, r_hi;
  double energy;
  const double *list;
  int nlist;
  int (*fn)(void *ctx, rt_rng *r, double *x0);
  void *ctx;
} rt_sampler;

enum { RT_INTEGRATOR_RK45, RT_INTEGRATOR_DOP853 };

typedef struct rt_task {
  const char *name;
  int published;       /* RT_PUBLISHED_*: the evaluation protocol */
  int dim;             /* state dimension the field must have */
  int ntraj;           /* trajectories (orbits) */
  rt_sampler x0;       /* initial states of the trajectories */
  double t0, t1;       /* time span of a trajectory */
  int npoints;         /* samples a trajectory: linspace(t0, t1, npoints) */
  const double *times; /* or these npoints increasing times (t0, t1 = the
	                           first and the last); NULL: linspace */
  int integrator;      /* RT_INTEGRATOR_* */
  double rtol, atol;   /* tolerances of the integrator */
  /* constant components the reference integrates along with x (two-body:
	   its state carries the two masses). They count in RK45's RMS error
	   norm and in its initial step, so rt_dataset_make pads the state with
	   npad constants 1.0 (derivative 0) to take scipy's steps. */
  int npad;
  double noise; /* std of the Gaussian noise on x (0: none) */
  /* split by trajectory: the first floor(ntraj * split) trajectories are
	   the test set if test_first, else the training set */
  double split;
  int test_first;
  /* energy metric: nrollout rollouts from eval_x0 on [t0, t1] at npoints */
  rt_sampler eval_x0;
  int energy_nrollout;
  double energy_t0, energy_t1;
  int energy_npoints;
  double energy_rtol, energy_atol;
} rt_task;

typedef struct rt_dataset {
  int dim;
  long ntrain, ntest;         /* rows */
  double *x_train, *dx_train; /* ntrain x dim, row-major */
  double *x_test, *dx_test;   /* ntest x dim */
  /* trajectory shape, when the rows are whole trajectories (npoints > 0):
	   ntrain = ntraj_train * npoints, ntest = ntraj_test * npoints, and t
	   holds the npoints sample times (malloc'd, or NULL if unknown) */
  long ntraj_train, ntraj_test;
  int npoints;
  double *t;
} rt_dataset;

/* n points from a to b as np.linspace: t[k] = k*((b - a)/(n - 1)) + a, and
   t[n-1] = b exactly */
void rt_linspace(double a, double b, int n, double *t);

/* n initial states (n x t->dim) drawn by sampler s from stream `stream` of
   the seed; H is needed by RT_X0_ENERGY only (else may be NULL). Returns
   0, or nonzero with err = "NAME: error: ..." (a list too short, no H, a
   shell that is not found, a callback that failed). */
int rt_sample(const rt_task *t, const rt_sampler *s, const rt_energy *H, uint64_t seed, uint64_t stream, int n,
              double *x0, char *err, size_t nerr);

/* the t->ntraj initial states (ntraj x dim) that rt_dataset_make uses for
   this seed. Returns 0, or nonzero (err as rt_sample). */
int rt_task_initial_states(const rt_task *t, const rt_energy *H, uint64_t seed, double *x0, char *err, size_t nerr);

/* the initial state (dim doubles) of rollout k >= 0 of the energy metric
   (t->eval_x0 from stream RT_STREAM_ENERGY). Rollout k does not depend on
   how many are drawn. Returns 0, or nonzero if k < 0 or the sampler
   fails. */
int rt_energy_x0(const rt_task *t, const rt_energy *H, uint64_t seed, int k, double *x0);

/* the task's integrator (rt_rk45 or rt_dop853) of the field from x0 (dim
   doubles) over [t0, t1], the state at the nt times t_eval into out (nt x
   dim), with the task's npad constants appended to the state as the
   reference has them, so that the steps are scipy's on the reference's
   state (two-body: use it for the energy rollouts too). The counters go
   to *st unless st is NULL. Returns 0, an RT_ERR_* code, or -1 if out of
   memory. */
int rt_task_rk45(const rt_task *t, const rt_system *field, double t0, double t1, const double *x0, int nt,
                 const double *t_eval, double rtol, double atol, double *out, rt_stats *st);

/* A learned field rolled out beside the true one: its step budget is
   RT_LEARNED_STEPS times the true rollout's trial steps, scaled by the
   ratio of the spans and at least RT_LEARNED_MIN_STEPS. A learned field
   that needs more is stiff or diverging: its rollout stops there with
   RT_ERR_STEP_BUDGET, in seconds, instead of after the 10^6 steps of the
   default budget (minutes for an MLP field). */
#define RT_LEARNED_STEPS 100
#define RT_LEARNED_MIN_STEPS 10000L
rt_system rt_learned_budget(const rt_system *learned, const rt_stats *truth, double span_ratio);

/* Checks a recipe (dimension, counts, times, tolerances, split, sampler
   shapes); 0, or nonzero with err = "NAME: error: ...". */
int rt_task_check(const rt_task *t, char *err, size_t nerr);

/* Makes the data set of task t with the field's true dynamics (and H for
   an energy-shell sampler; else may be NULL). field->dim must be t->dim;
   the field is called with n = npoints to make the targets. Returns 0, or
   nonzero with err = "NAME: error: ..." and *out zeroed. */
int rt_dataset_make(const rt_task *t, const rt_system *field, const rt_energy *H, uint64_t seed, rt_dataset *out,
                    char *err, size_t nerr);

void rt_dataset_free(rt_dataset *d);

/* Saves d in DIR ('<f8'): x_train.npy, dx_train.npy, x_test.npy,
   dx_test.npy, shaped (trajectories, npoints, dim) when d is
   trajectory-shaped, else (rows, dim), and t.npy (npoints) when d->t is
   set; creates DIR if missing (not its parents). */
int rt_dataset_save(const rt_dataset *d, const char *dir, char *err, size_t nerr);

/* Loads the four files ('<f8' or '<f4', widened), (rows, dim) or
   (trajectories, npoints, dim), and DIR/t.npy if present; checks one dim
   for all, that x and dx agree in shape, one npoints for train and test,
   and that every value is finite; errors name the file. */
int rt_dataset_load(const char *dir, rt_dataset *out, char *err, size_t nerr);

/* datafiles.c: the same from DIR/x_train.csv, dx_train.csv, x_test.csv,
   dx_test.csv (CSV with a header, as `hnnc data --csv` writes them);
   rt_dataset_load reads these when DIR has no x_train.npy. */
int rt_dataset_load_csv(const char *dir, rt_dataset *out, char *err, size_t nerr);

/* datafiles.c: a user's data. x: a .npy of (rows, dim) or (trajectories,
   points, dim), or a CSV with a header (columns `trajectory` and `t` are
   the trajectory number and time of a row, the others the state; rows of
   one trajectory number, or rows with times and no trajectory column,
   form trajectories, which must have equal lengths). dx: the targets, the
   same shape, or NULL: then finite differences along time (second order;
   errors in datafiles.c), which need trajectories and times: tpath (a
   .npy or CSV of one time a row, or one a point of a trajectory), the
   CSV's t column, or grid (ngrid times, used when a trajectory has ngrid
   points). Split by trajectory as rt_task's split (rows without
   trajectories: by row). Errors name the file and the line or index. */
int rt_dataset_read(const char *xpath, const char *dxpath, const char *tpath, const double *grid, int ngrid,
                    double split, int test_first, rt_dataset *out, char *err, size_t nerr);

#endif
