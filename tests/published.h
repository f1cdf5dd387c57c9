/* The three published tasks (Greydanus et al. 2019) as recipes written in
 * C, with the reference code's formulas, for the runtime's tests
 * (test_data.c, test_train.c). hnnc itself declares them in Lua
 * (compiler/lib/hnnc/tasks.lua); tests/test_tasks.c checks those against
 * the data hnnc made when the tasks were this C table (commit 3a308d7).
 * rt_task_find(name) returns a recipe that the caller may copy and modify.
 */
#ifndef HNNC_TESTS_PUBLISHED_H
#define HNNC_TESTS_PUBLISHED_H
#include <math.h>
#include <string.h>

#include "data.h"

static int ring(void *ctx, rt_rng *r, double *x0)
{
	const double *so = ctx; /* scale, offset */
	double y0, y1, s;
	do {
		y0 = rt_rng_uniform(r) * 2.0 - 1.0;
		y1 = rt_rng_uniform(r) * 2.0 - 1.0;
		s = sqrt(y0 * y0 + y1 * y1);
	} while (s == 0.0);
	double radius = rt_rng_uniform(r) * so[0] + so[1];
	x0[0] = y0 / s * radius;
	x0[1] = y1 / s * radius;
	return 0;
}

static int orbit(void *ctx, rt_rng *r, double *x0)
{
	(void)ctx;
	double px = rt_rng_uniform(r) * 1.0 + 0.5;
	double py = rt_rng_uniform(r) * 1.0 + 0.5;
	double rad = sqrt(px * px + py * py);
	double d = 2.0 * (rad * sqrt(rad));
	double factor = 1.0 + 0.05 * rt_rng_normal(r);
	double vx = -(py / d) * factor, vy = (px / d) * factor;
	x0[0] = px, x0[1] = py, x0[2] = -px, x0[3] = -py;
	x0[4] = vx, x0[5] = vy, x0[6] = -vx, x0[7] = -vy;
	return 0;
}

static int signed_box(void *ctx, rt_rng *r, double *x0)
{
	(void)ctx;
	for (int c = 0; c < 2; c++) {
		double v = rt_rng_uniform(r) * 1.6 - 0.8;
		x0[c] = v + (v < 0.0 ? -0.2 : 0.2);
	}
	return 0;
}

static double spring_so[2] = { 0.9, 0.1 }, pend_so[2] = { 1.0, 1.3 };

static const rt_task *rt_task_find(const char *name)
{
	static rt_task t[3];
	static const char *names[3] = { "spring", "pendulum", "two_body" };
	for (int i = 0; i < 3; i++) {
		if (strcmp(name, names[i]))
			continue;
		memset(&t[i], 0, sizeof t[i]);
		t[i].name = names[i];
		t[i].published = RT_PUBLISHED_SPRING + i;
		t[i].integrator = RT_INTEGRATOR_RK45;
		t[i].atol = 1e-6;
		t[i].energy_nrollout = 15;
		t[i].energy_atol = 1e-6;
		t[i].x0.kind = t[i].eval_x0.kind = RT_X0_CALLBACK;
		if (i < 2) {
			t[i].dim = 2, t[i].ntraj = 50, t[i].t1 = 3.0;
			t[i].npoints = i ? 45 : 30;
			t[i].rtol = 1e-10, t[i].noise = 0.1, t[i].split = 0.5;
			t[i].x0.fn = ring, t[i].x0.ctx = i ? pend_so : spring_so;
			t[i].eval_x0.fn = signed_box;
			t[i].energy_t1 = 20.0, t[i].energy_npoints = 100;
			t[i].energy_rtol = 1e-12;
		} else {
			t[i].dim = 8, t[i].ntraj = 1000, t[i].t1 = 20.0;
			t[i].npoints = 50, t[i].rtol = 1e-9, t[i].npad = 2;
			t[i].split = 0.2, t[i].test_first = 1;
			t[i].x0.fn = t[i].eval_x0.fn = orbit;
			t[i].energy_t1 = 25.0, t[i].energy_npoints = 500;
			t[i].energy_rtol = 1e-9;
		}
		return &t[i];
	}
	return NULL;
}

#endif
