/* bench_elemfn.c: ns per element of the hn_ functions against glibc
 *
 * Each function runs over a 4096-element array (L1-resident) many times;
 * the loops are the shape the generated kernels have, so with
 * -O3 -march=native gcc vectorizes them. The vectorized results are also
 * checked bit for bit against a scalar (non-vectorized) build of the same
 * loop.
 *
 *   gcc -std=c99 -O3 -march=native -ffp-contract=off \
 *       tests/bench/bench_elemfn.c -o build/bench_elemfn -lm
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../../prelude/elemfn.c"

#define N 4096
#define MIN_NS 2e8                      /* time each loop for at least 0.2 s */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double sigmoid_libm(double x) { return 1.0 / (1.0 + exp(-x)); }
static double softplus_libm(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }
static float sigmoidf_libm(float x) { return 1.0f / (1.0f + expf(-x)); }
static float softplusf_libm(float x) { return x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x)); }

/* one loop per function: vectorizable (hn_), scalar (hn_, vectorizer
 * off) and glibc */
#define LOOPS(name, libm, libmf) \
static void vec_##name(int n, const double *x, double *y) \
{ int i; for (i = 0; i < n; i++) y[i] = hn_##name(x[i]); } \
__attribute__((optimize("no-tree-vectorize"))) \
static void sca_##name(int n, const double *x, double *y) \
{ int i; for (i = 0; i < n; i++) y[i] = hn_##name(x[i]); } \
static void lib_##name(int n, const double *x, double *y) \
{ int i; for (i = 0; i < n; i++) y[i] = libm(x[i]); } \
static void vec_##name##f(int n, const float *x, float *y) \
{ int i; for (i = 0; i < n; i++) y[i] = hn_##name##f(x[i]); } \
__attribute__((optimize("no-tree-vectorize"))) \
static void sca_##name##f(int n, const float *x, float *y) \
{ int i; for (i = 0; i < n; i++) y[i] = hn_##name##f(x[i]); } \
static void lib_##name##f(int n, const float *x, float *y) \
{ int i; for (i = 0; i < n; i++) y[i] = libmf(x[i]); }

LOOPS(exp, exp, expf)
LOOPS(expm1, expm1, expm1f)
LOOPS(log, log, logf)
LOOPS(log1p, log1p, log1pf)
LOOPS(tanh, tanh, tanhf)
LOOPS(sin, sin, sinf)
LOOPS(cos, cos, cosf)
LOOPS(sqrt, sqrt, sqrtf)
LOOPS(sigmoid, sigmoid_libm, sigmoidf_libm)
LOOPS(softplus, softplus_libm, softplusf_libm)

typedef void (*loop64)(int, const double *, double *);
typedef void (*loop32)(int, const float *, float *);

static double sink;

static double time64(loop64 f, const double *x, double *y)
{
	double t0 = now_ns(), t;
	long reps = 0;

	do {
		f(N, x, y);
		sink += y[reps % N];
		reps++;
	} while ((t = now_ns() - t0) < MIN_NS);
	return t / ((double)reps * N);
}

static double time32(loop32 f, const float *x, float *y)
{
	double t0 = now_ns(), t;
	long reps = 0;

	do {
		f(N, x, y);
		sink += y[reps % N];
		reps++;
	} while ((t = now_ns() - t0) < MIN_NS);
	return t / ((double)reps * N);
}

struct bench {
	const char *name;
	double lo, hi;                  /* input range */
	loop64 vec, sca, lib;
	loop32 vecf, scaf, libf;
};

#define ROW(name, lo, hi) { #name, lo, hi, vec_##name, sca_##name, lib_##name, \
	vec_##name##f, sca_##name##f, lib_##name##f }

static const struct bench benches[] = {
	ROW(exp, -20, 20), ROW(expm1, -5, 5), ROW(log, 0.01, 100), ROW(log1p, -0.9, 10),
	ROW(tanh, -5, 5), ROW(sin, -10, 10), ROW(cos, -10, 10), ROW(sqrt, 0, 100),
	ROW(sigmoid, -10, 10), ROW(softplus, -10, 10),
};

int main(void)
{
	static double x[N], y[N], ys[N];
	static float xf[N], yf[N], ysf[N];
	unsigned long long s = 0x9e3779b97f4a7c15ULL;
	int b, i, mismatches = 0;

	printf("ns per element, %d-element arrays (hn_ vectorized / hn_ scalar / glibc)\n", N);
	printf("%-10s %25s   %25s\n", "", "double", "float");
	for (b = 0; b < (int)(sizeof benches / sizeof benches[0]); b++) {
		const struct bench *bn = &benches[b];
		double t[6];

		for (i = 0; i < N; i++) {
			s ^= s << 13;
			s ^= s >> 7;
			s ^= s << 17;
			x[i] = bn->lo + (bn->hi - bn->lo) * (double)(s >> 11) * 0x1p-53;
			xf[i] = (float)x[i];
		}
		bn->vec(N, x, y);
		bn->sca(N, x, ys);
		bn->vecf(N, xf, yf);
		bn->scaf(N, xf, ysf);
		mismatches += memcmp(y, ys, sizeof y) != 0;
		mismatches += memcmp(yf, ysf, sizeof yf) != 0;
		t[0] = time64(bn->vec, x, y);
		t[1] = time64(bn->sca, x, y);
		t[2] = time64(bn->lib, x, y);
		t[3] = time32(bn->vecf, xf, yf);
		t[4] = time32(bn->scaf, xf, yf);
		t[5] = time32(bn->libf, xf, yf);
		printf("%-10s %7.2f / %6.2f / %6.2f   %7.2f / %6.2f / %6.2f\n", bn->name,
		       t[0], t[1], t[2], t[3], t[4], t[5]);
	}
	printf("vectorized vs scalar results: %s\n", mismatches ? "DIFFERENT" : "bit-identical");
	return mismatches != 0 || sink == 12345.0;
}
