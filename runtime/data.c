/* HNN reference data sets: sampling, integration, noise, split, .npy I/O
 *
 * requires the task's true field (data.h), rt_rk45, rt_rng, npy.c
 *
 * Follows the reference code (experiment-spring/data.py,
 * experiment-pend/data.py, experiment-2body/data.py) formula by formula.
 * scipy's RK45 steps are matched even where they depend on the state's
 * length: the two-body state of the reference also carries the two masses
 * (constant), which count in the RMS error norm, so they are padded in
 * (rt_task_rk45). The deviations are listed here:
 *  - random numbers come from rt_rng in separate streams (data.h), not
 *    from numpy's single global stream, so the numbers differ while the
 *    distributions are the same;
 *  - two-body r**1.5 is computed as r * sqrt(r) (no libm pow: within an
 *    ulp of numpy's, and the same on every machine);
 *  - a spring/pendulum direction draw of exactly (0, 0) (probability
 *    2^-106) is redrawn instead of giving NaN.
 */
#include "error.h"
#include "data.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "npy.h"
#include "../prelude/rng.h"

/* npoints = int(timescale * (t1 - t0)) in the reference: timescale 10 for
   the spring (30 points), 15 for the pendulum (45 points); the two-body
   code asks for 50 points directly. Radii: spring rand()*0.9 + 0.1,
   pendulum rand() + 1.3, two-body positions rand()*(1.5 - 0.5) + 0.5.
   atol: the reference passes only rtol, so scipy's default 1e-6 holds. */
static const rt_task tasks[] = {
	{ .name = "spring", .kind = RT_TASK_SPRING, .dim = 2, .ntraj = 50,
	  .t0 = 0.0, .t1 = 3.0, .npoints = 30, .rtol = 1e-10, .atol = 1e-6,
	  .npad = 0, .noise = 0.1, .split = 0.5, .test_first = 0,
	  .init_scale = 0.9, .init_offset = 0.1, .orbit_noise = 0.0,
	  .energy_nrollout = 15, .energy_t0 = 0.0, .energy_t1 = 20.0,
	  .energy_npoints = 100, .energy_rtol = 1e-12, .energy_atol = 1e-6 },
	{ .name = "pendulum", .kind = RT_TASK_PENDULUM, .dim = 2, .ntraj = 50,
	  .t0 = 0.0, .t1 = 3.0, .npoints = 45, .rtol = 1e-10, .atol = 1e-6,
	  .npad = 0, .noise = 0.1, .split = 0.5, .test_first = 0,
	  .init_scale = 1.0, .init_offset = 1.3, .orbit_noise = 0.0,
	  .energy_nrollout = 15, .energy_t0 = 0.0, .energy_t1 = 20.0,
	  .energy_npoints = 100, .energy_rtol = 1e-12, .energy_atol = 1e-6 },
	{ .name = "two_body", .kind = RT_TASK_TWO_BODY, .dim = 8, .ntraj = 1000,
	  .t0 = 0.0, .t1 = 20.0, .npoints = 50, .rtol = 1e-9, .atol = 1e-6,
	  .npad = 2, .noise = 0.0, .split = 0.2, .test_first = 1,
	  .init_scale = 1.0, .init_offset = 0.5, .orbit_noise = 0.05,
	  .energy_nrollout = 15, .energy_t0 = 0.0, .energy_t1 = 25.0,
	  .energy_npoints = 500, .energy_rtol = 1e-9, .energy_atol = 1e-6 },
};

const rt_task *rt_task_find(const char *name)
{
	for (size_t i = 0; i < sizeof tasks / sizeof tasks[0]; i++)
		if (strcmp(tasks[i].name, name) == 0)
			return &tasks[i];
	return NULL;
}

const char *rt_task_names(void)
{
	return "spring, pendulum, two_body";
}

void rt_linspace(double a, double b, int n, double *t)
{
	if (n <= 0)
		return;
	if (n == 1) {
		t[0] = a;
		return;
	}
	double step = (b - a) / (double)(n - 1);
	for (int k = 0; k < n; k++)
		t[k] = (double)k * step + a;
	t[n - 1] = b;
}

/* ---- initial states ---- */

/* spring, pendulum: y0 = rand(2)*2 - 1; radius = rand()*scale + offset;
   y0 = y0 / sqrt(sum(y0**2)) * radius */
static void sample_ring(const rt_task *t, rt_rng *r, double *x0)
{
	double y0, y1, s;
	do {
		y0 = rt_rng_uniform(r) * 2.0 - 1.0;
		y1 = rt_rng_uniform(r) * 2.0 - 1.0;
		s = sqrt(y0 * y0 + y1 * y1);
	} while (s == 0.0);
	double radius = rt_rng_uniform(r) * t->init_scale + t->init_offset;
	x0[0] = y0 / s * radius;
	x0[1] = y1 / s * radius;
}

/* two-body random_config: body 1 at pos uniform in [0.5, 1.5]^2 with the
   circular-orbit velocity (-pos_y, pos_x) / (2 r^1.5) (speed 1/(2 sqrt r):
   the bodies are 2r apart and pull with 1/(2r)^2) times
   1 + orbit_noise * N(0, 1); body 2 = -body 1 */
static void sample_orbit(const rt_task *t, rt_rng *r, double *x0)
{
	double px = rt_rng_uniform(r) * t->init_scale + t->init_offset;
	double py = rt_rng_uniform(r) * t->init_scale + t->init_offset;
	double rad = sqrt(px * px + py * py);
	double d = 2.0 * (rad * sqrt(rad));
	double factor = 1.0 + t->orbit_noise * rt_rng_normal(r);
	double vx = -(py / d) * factor, vy = (px / d) * factor;
	x0[0] = px, x0[1] = py, x0[2] = -px, x0[3] = -py;
	x0[4] = vx, x0[5] = vy, x0[6] = -vx, x0[7] = -vy;
}

static int sample_x0(const rt_task *t, rt_rng *r, double *x0)
{
	switch (t->kind) {
	case RT_TASK_SPRING:
	case RT_TASK_PENDULUM:
		if (t->dim != 2)
			return 1;
		sample_ring(t, r, x0);
		return 0;
	case RT_TASK_TWO_BODY:
		if (t->dim != 8)
			return 1;
		sample_orbit(t, r, x0);
		return 0;
	}
	return 1;
}

int rt_task_initial_states(const rt_task *t, uint64_t seed, double *x0)
{
	rt_rng r;
	rt_rng_seed(&r, seed, RT_STREAM_INIT);
	for (int j = 0; j < t->ntraj; j++)
		if (sample_x0(t, &r, x0 + (size_t)j * t->dim))
			return 1;
	return 0;
}

/* spring, pendulum: each component x = u*1.6 - 0.8, then x += 0.2*sign(x)
   (the reference analysis draws x0 this way: uniform in +-[0.2, 1.0]; a
   draw of exactly 0 counts as positive); two-body: as the data set */
int rt_energy_x0(const rt_task *t, uint64_t seed, int k, double *x0)
{
	rt_rng r;
	if (k < 0)
		return 1;
	rt_rng_seed(&r, seed, RT_STREAM_ENERGY);
	for (int i = 0; i <= k; i++) {
		if (t->kind == RT_TASK_TWO_BODY) {
			if (sample_x0(t, &r, x0))
				return 1;
			continue;
		}
		if (t->kind != RT_TASK_SPRING && t->kind != RT_TASK_PENDULUM)
			return 1;
		for (int c = 0; c < t->dim; c++) {
			double v = rt_rng_uniform(&r) * 1.6 - 0.8;
			x0[c] = v + (v < 0.0 ? -0.2 : 0.2);
		}
	}
	return 0;
}

/* ---- the data set ---- */

/* the caller's field with npad constant components appended */
typedef struct {
	const rt_system *inner;
	int npad;
} padded_field;

static int padded_eval(void *ctx, int n, const double *x, double *xdot)
{
	const padded_field *pf = ctx;
	int dim = pf->inner->dim, stride = dim + pf->npad;
	for (int k = 0; k < n; k++) {
		const double *xk = x + (size_t)k * stride;
		double *dk = xdot + (size_t)k * stride;
		if (pf->inner->field(pf->inner->ctx, 1, xk, dk) != 0)
			return 1;
		for (int i = dim; i < stride; i++)
			dk[i] = 0.0;
	}
	return 0;
}

int rt_task_rk45(const rt_task *t, const rt_system *field, double t0,
                 double t1, const double *x0, int nt, const double *t_eval,
                 double rtol, double atol, double *out)
{
	if (t->npad == 0)
		return rt_rk45(field, t0, t1, x0, nt, t_eval, rtol, atol, out, NULL);
	if (t->npad < 0 || field->dim + t->npad > RT_MAXDIM || nt < 0)
		return RT_ERR_ARG;
	padded_field pf = { field, t->npad };
	rt_system ps = { padded_eval, &pf, field->dim + t->npad, field->max_steps, field->min_step };
	double y0[RT_MAXDIM];
	double *pad = malloc((size_t)nt * ps.dim * sizeof *pad + 1);
	if (!pad)
		return -1;
	for (int i = 0; i < ps.dim; i++)
		y0[i] = i < field->dim ? x0[i] : 1.0;
	int e = rt_rk45(&ps, t0, t1, y0, nt, t_eval, rtol, atol, pad, NULL);
	for (int k = 0; k < nt; k++)
		memcpy(out + (size_t)k * field->dim, pad + (size_t)k * ps.dim,
		       (size_t)field->dim * sizeof *out);
	free(pad);
	return e;
}

void rt_dataset_free(rt_dataset *d)
{
	free(d->x_train);
	free(d->dx_train);
	free(d->x_test);
	free(d->dx_test);
	memset(d, 0, sizeof *d);
}

static int all_finite(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return 0;
	return 1;
}

int rt_dataset_make(const rt_task *t, const rt_system *field, uint64_t seed,
                    rt_dataset *out, char *err, size_t nerr)
{
	double *x = NULL, *dx = NULL, *t_eval = NULL, *x0 = NULL;
	rt_rng noise;
	rt_dataset d;
	int rc = 1;

	memset(out, 0, sizeof *out);
	memset(&d, 0, sizeof d);
	if (field->dim != t->dim)
		return rt_fail(err, nerr, t->name, "the field has dimension %d, the "
		            "task needs %d", field->dim, t->dim);
	if (t->dim < 1 || t->npad < 0 || t->dim + t->npad > RT_MAXDIM ||
	    t->ntraj < 1 || t->npoints < 1 ||
	    !(t->split >= 0.0 && t->split <= 1.0) ||
	    !(t->noise >= 0.0))
		return rt_fail(err, nerr, t->name, "invalid task parameters");

	int dim = t->dim, np = t->npoints;
	long rows = (long)t->ntraj * np;
	long nfirst = (long)((double)rows * t->split);
	size_t nx = (size_t)rows * dim;
	x = malloc(nx * sizeof *x);
	dx = malloc(nx * sizeof *dx);
	t_eval = malloc((size_t)np * sizeof *t_eval);
	x0 = malloc((size_t)t->ntraj * dim * sizeof *x0);
	if (!x || !dx || !t_eval || !x0) {
		rt_fail(err, nerr, t->name, "out of memory for %ld rows", rows);
		goto done;
	}
	if (rt_task_initial_states(t, seed, x0)) {
		rt_fail(err, nerr, t->name, "no initial-state sampler for kind %d "
		     "with dimension %d", t->kind, dim);
		goto done;
	}
	rt_linspace(t->t0, t->t1, np, t_eval);
	rt_rng_seed(&noise, seed, RT_STREAM_NOISE);

	for (int j = 0; j < t->ntraj; j++) {
		double *xj = x + (size_t)j * np * dim, *dxj = dx + (size_t)j * np * dim;
		int e = rt_task_rk45(t, field, t->t0, t->t1, x0 + (size_t)j * dim,
		                     np, t_eval, t->rtol, t->atol, xj);
		if (e) {
			rt_fail(err, nerr, t->name, "trajectory %d of %d: rk45: %s", j,
			     t->ntraj, e < 0 ? "out of memory" : rt_strerror(e));
			goto done;
		}
		if (field->field(field->ctx, np, xj, dxj) != 0 ||
		    !all_finite(dxj, (size_t)np * dim)) {
			rt_fail(err, nerr, t->name, "trajectory %d of %d: the field "
			     "failed or is not finite at a sampled state", j, t->ntraj);
			goto done;
		}
		if (t->noise > 0.0)
			for (int c = 0; c < dim; c++)
				for (int k = 0; k < np; k++)
					xj[(size_t)k * dim + c] += rt_rng_normal(&noise) * t->noise;
	}

	/* split: the first nfirst rows go to test (two-body) or train */
	long ntrain = t->test_first ? rows - nfirst : nfirst;
	long ntest = rows - ntrain;
	long train0 = t->test_first ? nfirst : 0, test0 = t->test_first ? 0 : nfirst;
	size_t row = (size_t)dim * sizeof(double);
	d.dim = dim;
	d.ntrain = ntrain;
	d.ntest = ntest;
	d.x_train = malloc((size_t)ntrain * row + 1);
	d.dx_train = malloc((size_t)ntrain * row + 1);
	d.x_test = malloc((size_t)ntest * row + 1);
	d.dx_test = malloc((size_t)ntest * row + 1);
	if (!d.x_train || !d.dx_train || !d.x_test || !d.dx_test) {
		rt_fail(err, nerr, t->name, "out of memory for %ld rows", rows);
		rt_dataset_free(&d);
		goto done;
	}
	memcpy(d.x_train, x + (size_t)train0 * dim, (size_t)ntrain * row);
	memcpy(d.dx_train, dx + (size_t)train0 * dim, (size_t)ntrain * row);
	memcpy(d.x_test, x + (size_t)test0 * dim, (size_t)ntest * row);
	memcpy(d.dx_test, dx + (size_t)test0 * dim, (size_t)ntest * row);
	*out = d;
	rc = 0;
done:
	free(x);
	free(dx);
	free(t_eval);
	free(x0);
	return rc;
}

/* ---- folders of .npy files ---- */

static const char *const file_names[4] = {
	"x_train.npy", "dx_train.npy", "x_test.npy", "dx_test.npy"
};

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

int rt_dataset_save(const rt_dataset *d, const char *dir, char *err,
                    size_t nerr)
{
	double *arrays[4] = { d->x_train, d->dx_train, d->x_test, d->dx_test };
	long rows[4] = { d->ntrain, d->ntrain, d->ntest, d->ntest };

	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return rt_fail(err, nerr, dir, "cannot create the folder: %s",
		            strerror(errno));
	for (int i = 0; i < 4; i++) {
		rt_npy a = { RT_NPY_F8, 2, { rows[i], d->dim }, 0, arrays[i] };
		char *path = join(dir, file_names[i]);
		if (!path)
			return rt_fail(err, nerr, dir, "out of memory");
		int e = rt_npy_write(path, &a, 0, err, nerr);
		free(path);
		if (e)
			return 1;
	}
	return 0;
}

int rt_dataset_load(const char *dir, rt_dataset *out, char *err, size_t nerr)
{
	rt_npy a[4];
	char *path = NULL;
	int rc = 1;

	memset(out, 0, sizeof *out);
	memset(a, 0, sizeof a);
	for (int i = 0; i < 4; i++) {
		free(path);
		path = join(dir, file_names[i]);
		if (!path) {
			rt_fail(err, nerr, dir, "out of memory");
			goto done;
		}
		if (rt_npy_read(path, RT_NPY_FINITE | RT_NPY_AS_F8, &a[i], err, nerr))
			goto done;
		if (a[i].rank != 2 || a[i].shape[1] < 1 || a[i].shape[1] > INT_MAX) {
			rt_fail(err, nerr, path, "expected a (rows, dim) array with dim "
			     ">= 1, found rank %d", a[i].rank);
			goto done;
		}
		if (a[i].shape[1] != a[0].shape[1]) {
			rt_fail(err, nerr, path, "dim %ld differs from %s's %ld",
			     a[i].shape[1], file_names[0], a[0].shape[1]);
			goto done;
		}
		if ((i == 1 || i == 3) && a[i].shape[0] != a[i - 1].shape[0]) {
			rt_fail(err, nerr, path, "%ld rows, but %s has %ld", a[i].shape[0],
			     file_names[i - 1], a[i - 1].shape[0]);
			goto done;
		}
	}
	out->dim = (int)a[0].shape[1];
	out->ntrain = a[0].shape[0];
	out->ntest = a[2].shape[0];
	out->x_train = a[0].data;
	out->dx_train = a[1].data;
	out->x_test = a[2].data;
	out->dx_test = a[3].data;
	memset(a, 0, sizeof a);
	rc = 0;
done:
	free(path);
	for (int i = 0; i < 4; i++)
		rt_npy_free(&a[i]);
	return rc;
}
