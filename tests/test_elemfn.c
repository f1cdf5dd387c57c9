/* test_elemfn.c: the elementary-function fragment against glibc, an
 * exact reference, and itself compiled by tcc
 *
 * Each hn_ function is compared on millions of deterministic points
 * (uniform over the ranges a neural net uses, random bit patterns over the
 * whole domain, runs of consecutive values around thresholds) with
 *   - glibc's function (for sigmoid and softplus, which glibc lacks, a
 *     long double evaluation rounded to double), as a distance in ulps,
 *   - the exact value (long double; double for the float versions), as an
 *     error in ulps of the exact value.
 * Bounds: the double functions stay under 1 ulp from the exact value and
 * within 1 ulp of glibc (tanh: 2, glibc's own tanh errs by up to 2.1 ulp;
 * points where glibc is off by more than 1 ulp and we are not are counted
 * apart); sqrt is bit-identical; the float functions are within
 * 0.5 + 2^-20 ulp of the exact value, except tanhf, computed in float:
 * 1.052 (its largest error over every float is 1.051 ulp).
 * Special values are checked one by one. Finally the same fragment is
 * compiled in process by libtcc with -nostdlib, and every function must
 * give the same bits as the gcc build.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libtcc.h>

#include "../prelude/elemfn.c"

/* deterministic sampling: splitmix64 with a fixed seed per function */

static unsigned long long rng_state;

static unsigned long long rng_next(void)
{
	unsigned long long z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_unit(void)                    /* [0, 1) */
{
	return (double)(rng_next() >> 11) * 0x1p-53;
}

static double rng_double_bits(void)             /* any finite double */
{
	double x;

	do {
		unsigned long long u = rng_next();
		memcpy(&x, &u, sizeof x);
	} while (!isfinite(x));
	return x;
}

static float rng_float_bits(void)               /* any finite float */
{
	float x;

	do {
		unsigned int u = (unsigned int)(rng_next() >> 32);
		memcpy(&x, &u, sizeof x);
	} while (!isfinite(x));
	return x;
}

/* ulp distances */

static long long order64(double x)              /* monotone map to integers, -0 = +0 */
{
	long long i;

	memcpy(&i, &x, sizeof i);
	return i < 0 ? LLONG_MIN - i : i;
}

static long long order32(float x)
{
	int i;

	memcpy(&i, &x, sizeof i);
	return i < 0 ? (long long)INT_MIN - i : i;
}

#define ULP_NAN_MISMATCH 1e30                   /* one NaN, the other not */

static double ulp_dist64(double a, double b)
{
	long long d;

	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b) ? 0 : ULP_NAN_MISMATCH;
	d = order64(a) - order64(b);
	return d < 0 ? -(double)d : (double)d;
}

static double ulp_dist32(float a, float b)
{
	long long d;

	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b) ? 0 : ULP_NAN_MISMATCH;
	d = order32(a) - order32(b);
	return d < 0 ? -(double)d : (double)d;
}

/* |y - exact| in ulps of the exact value's binade (2^-1074 or 2^-149
 * below the normal range); an infinite y must match an out-of-range
 * exact value. mant is 53 or 24, minexp the ulp exponent of subnormals. */
static double ulp_err(long double y, long double exact, int mant, int minexp, long double max)
{
	long double u;
	int e;

	if (isnan(y) || isnan(exact))
		return isnan(y) && isnan(exact) ? 0 : ULP_NAN_MISMATCH;
	if (isinf(y))
		return fabsl(exact) > max && signbit(y) == signbit(exact) ? 0 : ULP_NAN_MISMATCH;
	if (isinf(exact))
		return ULP_NAN_MISMATCH;
	frexpl(exact, &e);
	u = ldexpl(1.0L, e - mant);
	if (u < ldexpl(1.0L, minexp))
		u = ldexpl(1.0L, minexp);
	return (double)(fabsl(y - exact) / u);
}

/* references */

static long double sigmoid_exact(long double x) { return 1.0L / (1.0L + expl(-x)); }
static long double softplus_exact(long double x)
{
	return x > 0 ? x + log1pl(expl(-x)) : log1pl(expl(x));
}
static double sigmoid_ref(double x) { return (double)sigmoid_exact(x); }
static double softplus_ref(double x) { return (double)softplus_exact(x); }
static float sigmoidf_ref(float x) { return (float)sigmoid_exact(x); }
static float softplusf_ref(float x) { return (float)softplus_exact(x); }
static long double sqrt_exact(long double x) { return sqrtl(x); }

#define NCENTERS 12

/* the function table: one row per function, double and float */

struct range { double lo, hi; };

struct fn {
	const char *name;
	double (*hn)(double);
	double (*glibc)(double);
	long double (*exact)(long double);
	float (*hnf)(float);
	float (*glibcf)(float);
	double (*exactf)(double);               /* reference for float: double */
	double bound;                           /* max ulps from glibc, double */
	double boundf;                          /* max ulps from glibc, float */
	struct range ranges[3];                 /* uniform sampling */
	double centers[NCENTERS];               /* runs of consecutive values; 0 ends */
};

static const struct fn fns[] = {
	{ "exp", hn_exp, exp, expl, hn_expf, expf, exp, 1, 1,
	  { { -20, 20 }, { -746, 710 }, { -1, 1 } },
	  { 1, -1, 0x1.62e42fefa39efp-2, 709.78, -708.39, -745.13, 88.72, -103.9, 20, 1e-10 } },
	{ "expm1", hn_expm1, expm1, expm1l, hn_expm1f, expm1f, expm1, 1, 1,
	  { { -20, 20 }, { -50, 710 }, { -1, 1 } },
	  { 0x1.62e42fefa39efp-2, -0x1.62e42fefa39efp-2, 0x1.62e42fefa39efp-1, 709.78, 37.4,
	    -37.43, 0x1p-54, -0x1p-54, 88.72, 1 } },
	{ "log", hn_log, log, logl, hn_logf, logf, log, 1, 1,
	  { { 0, 20 }, { 0.5, 2 }, { 0, 1e300 } },
	  { 1, 0x1.6a09e667f3bcdp-1, 0x1.6a09e667f3bcdp+0, 2, 0.5, 0x1p-1022, DBL_MAX, 0x1p-126,
	    FLT_MAX } },
	{ "log1p", hn_log1p, log1p, log1pl, hn_log1pf, log1pf, log1p, 1, 1,
	  { { -1, 20 }, { -0.5, 0.5 }, { -1, 1e300 } },
	  { -1, 0x1p-54, -0x1p-54, 0x1.6a09e667f3bcdp-1 - 1, 0x1.6a09e667f3bcdp+0 - 1, 1, 2,
	    DBL_MAX } },
	{ "tanh", hn_tanh, tanh, tanhl, hn_tanhf, tanhf, tanh, 2, 2,
	  { { -20, 20 }, { -1, 1 }, { -0.6, 0.6 } },
	  { 0.55, -0.55, 20, -20, 19.06, 1, 0x1p-26, 9.01, 0.875, 9.5 } },
	{ "sin", hn_sin, sin, sinl, hn_sinf, sinf, sin, 1, 1,
	  { { -20, 20 }, { -1e5, 1e5 }, { -0x1p20, 0x1p20 } },
	  { 0x1.921fb54442d18p+0, 0x1.921fb54442d18p-1, 0x1.921fb54442d18p+1, 0x1p-27, 0x1p20,
	    -0x1p20, 0x1.6ac5b262ca1ffp+849, 1e22, 0x1.921fb54442d18p+10 } },
	{ "cos", hn_cos, cos, cosl, hn_cosf, cosf, cos, 1, 1,
	  { { -20, 20 }, { -1e5, 1e5 }, { -0x1p20, 0x1p20 } },
	  { 0x1.921fb54442d18p+0, 0x1.921fb54442d18p-1, 0x1.921fb54442d18p+1, 0x1p-27, 0x1p20,
	    -0x1p20, 0x1.6ac5b262ca1ffp+849, 1e22, 0x1.921fb54442d18p+10 } },
	{ "sqrt", hn_sqrt, sqrt, sqrt_exact, hn_sqrtf, sqrtf, sqrt, 0, 0,
	  { { 0, 20 }, { 0, 1e300 }, { 0, 0x1p-1000 } },
	  { 1, 2, 4, 0x1p-1022, 0x1p-1000, 0x1p1000, DBL_MAX, FLT_MAX, 0x1p-126 } },
	{ "sigmoid", hn_sigmoid, sigmoid_ref, sigmoid_exact, hn_sigmoidf, sigmoidf_ref,
	  sigmoid_ref, 1, 1,
	  { { -40, 40 }, { -750, 750 }, { -5, 5 } },
	  { 1, -1, 37, -37, -708.4, -745.13, 40, -103.9, -87.3 } },
	{ "softplus", hn_softplus, softplus_ref, softplus_exact, hn_softplusf, softplusf_ref,
	  softplus_ref, 1, 1,
	  { { -40, 40 }, { -750, 750 }, { -5, 5 } },
	  { 1, -1, 37, -37, -708.4, -745.13, 40, -103.9, -87.3 } },
};

enum { NFNS = sizeof fns / sizeof fns[0] };

#define N_UNIFORM 400000        /* per range */
#define N_BITS 1000000          /* random bit patterns */
#define N_RUN 2048              /* consecutive values each side of a center */

struct stats {
	double glibc, exact;                    /* worst ulps seen */
	double glibc_at, exact_at;
	long points;
	long glibc_wrong;                       /* glibc off by > 1 ulp, we are not */
};

/* dg: distance to glibc, de: our error, ge: glibc's error. A distance over
 * the bound is glibc's fault when glibc is more than 1 ulp off and we are
 * within 1 ulp; such points are counted, not failed. */
static void record(struct stats *st, double x, double dg, double de, double ge, double bound)
{
	if (dg > bound && ge > 1.0 && de < 1.0)
		st->glibc_wrong++;
	else if (dg > st->glibc) {
		st->glibc = dg;
		st->glibc_at = x;
	}
	if (de > st->exact) {
		st->exact = de;
		st->exact_at = x;
	}
	st->points++;
}

static void check64(const struct fn *f, double x, struct stats *st)
{
	double y = f->hn(x), g = f->glibc(x);
	long double e = f->exact(x);

	record(st, x, ulp_dist64(y, g), ulp_err(y, e, 53, -1074, DBL_MAX),
	       ulp_err(g, e, 53, -1074, DBL_MAX), f->bound);
}

static void check32(const struct fn *f, float x, struct stats *st)
{
	float y = f->hnf(x), g = f->glibcf(x);
	double e = f->exactf(x);

	record(st, x, ulp_dist32(y, g), ulp_err(y, e, 24, -149, FLT_MAX),
	       ulp_err(g, e, 24, -149, FLT_MAX), f->boundf);
}

static void print_stats(const char *name, const char *suffix, const struct stats *st, double bound)
{
	printf("  hn_%s%s%*s max %g ulp from glibc (bound %g, at %a), %.4f ulp from exact (at %a), "
	       "%ld points", name, suffix, (int)(9 - strlen(name) - strlen(suffix)), "",
	       st->glibc, bound, st->glibc_at, st->exact, st->exact_at, st->points);
	if (st->glibc_wrong)
		printf(", %ld where glibc is > 1 ulp off", st->glibc_wrong);
	printf("\n");
}

static void test_double(void **state)
{
	const struct fn *f = *state;
	struct stats st = { 0, 0, 0, 0, 0, 0 };
	int r, c;
	long i;

	rng_state = 0x5eed0000ULL + (unsigned long long)(f - fns);
	for (r = 0; r < 3; r++)
		for (i = 0; i < N_UNIFORM; i++)
			check64(f, f->ranges[r].lo + rng_unit() * (f->ranges[r].hi - f->ranges[r].lo), &st);
	for (i = 0; i < N_BITS; i++)
		check64(f, rng_double_bits(), &st);
	for (c = -1; c < NCENTERS; c++) {          /* c = -1: around 0, the subnormals */
		double x0 = c < 0 ? 0.0 : f->centers[c];
		double up = x0, down = x0;

		if (c >= 0 && x0 == 0.0)
			break;
		for (i = 0; i < N_RUN; i++) {
			check64(f, up, &st);
			check64(f, -up, &st);
			check64(f, down, &st);
			check64(f, -down, &st);
			up = nextafter(up, INFINITY);
			down = nextafter(down, -INFINITY);
		}
	}
	print_stats(f->name, "", &st, f->bound);
	assert_true(st.glibc <= f->bound);
	assert_true(st.exact < 1.0);
}

static void test_float(void **state)
{
	const struct fn *f = *state;
	struct stats st = { 0, 0, 0, 0, 0, 0 };
	int r, c;
	long i;

	rng_state = 0xf10a70000ULL + (unsigned long long)(f - fns);
	for (r = 0; r < 3; r++) {
		double lo = f->ranges[r].lo < -FLT_MAX ? -FLT_MAX : f->ranges[r].lo;
		double hi = f->ranges[r].hi > FLT_MAX ? FLT_MAX : f->ranges[r].hi;

		for (i = 0; i < N_UNIFORM; i++)
			check32(f, (float)(lo + rng_unit() * (hi - lo)), &st);
	}
	for (i = 0; i < N_BITS; i++)
		check32(f, rng_float_bits(), &st);
	for (c = -1; c < NCENTERS; c++) {
		float x0 = c < 0 ? 0.0f : (float)f->centers[c];
		float up = x0, down = x0;

		if (c >= 0 && f->centers[c] == 0.0)
			break;
		for (i = 0; i < N_RUN; i++) {
			check32(f, up, &st);
			check32(f, -up, &st);
			check32(f, down, &st);
			check32(f, -down, &st);
			up = nextafterf(up, INFINITY);
			down = nextafterf(down, -INFINITY);
		}
	}
	print_stats(f->name, "f", &st, f->boundf);
	assert_true(st.glibc <= f->boundf);
	/* rounded once from a double within 1 ulp; tanhf is computed in float
	 * (prelude/elemfn.c): 1.051 ulp at most over every float, at
	 * 0x1.c1c67ep-1 (measured exhaustively) */
	assert_true(st.exact <= (f->hnf == hn_tanhf ? 1.052 : 0.5 + 0x1p-20));
}

/* special values, checked bit for bit (any NaN matches any NaN) */

static int same64(double a, double b)
{
	return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

static int same32(float a, float b)
{
	return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

struct special { const char *fn; double x, want; };

#define INF_D INFINITY
#define NAN_D NAN
#define DMIN 0x1p-1074                          /* smallest subnormal */

static const struct special specials[] = {
	{ "exp", 0.0, 1.0 }, { "exp", -0.0, 1.0 }, { "exp", INF_D, INF_D }, { "exp", -INF_D, 0.0 },
	{ "exp", NAN_D, NAN_D }, { "exp", 710, INF_D }, { "exp", 1e300, INF_D },
	{ "exp", -746, 0.0 }, { "exp", -1e300, 0.0 }, { "exp", DMIN, 1.0 },
	{ "exp", -745.1, DMIN },                /* e^x just above 2^-1075 */
	{ "expm1", 0.0, 0.0 }, { "expm1", -0.0, -0.0 }, { "expm1", DMIN, DMIN },
	{ "expm1", -DMIN, -DMIN }, { "expm1", 0x1p-60, 0x1p-60 }, { "expm1", INF_D, INF_D },
	{ "expm1", -INF_D, -1.0 }, { "expm1", -40, -1.0 }, { "expm1", 710, INF_D },
	{ "expm1", NAN_D, NAN_D },
	{ "log", 1.0, 0.0 }, { "log", 0.0, -INF_D }, { "log", -0.0, -INF_D },
	{ "log", -1.0, NAN_D }, { "log", -DMIN, NAN_D }, { "log", -INF_D, NAN_D },
	{ "log", INF_D, INF_D }, { "log", NAN_D, NAN_D }, { "log", 2.0, 0x1.62e42fefa39efp-1 },
	{ "log1p", 0.0, 0.0 }, { "log1p", -0.0, -0.0 }, { "log1p", DMIN, DMIN },
	{ "log1p", -DMIN, -DMIN }, { "log1p", -1.0, -INF_D }, { "log1p", -2.0, NAN_D },
	{ "log1p", -INF_D, NAN_D }, { "log1p", INF_D, INF_D }, { "log1p", NAN_D, NAN_D },
	{ "log1p", 1.0, 0x1.62e42fefa39efp-1 },
	{ "tanh", 0.0, 0.0 }, { "tanh", -0.0, -0.0 }, { "tanh", DMIN, DMIN },
	{ "tanh", -DMIN, -DMIN }, { "tanh", 0x1p-30, 0x1p-30 }, { "tanh", INF_D, 1.0 },
	{ "tanh", -INF_D, -1.0 }, { "tanh", 20, 1.0 }, { "tanh", -1e300, -1.0 },
	{ "tanh", NAN_D, NAN_D },
	{ "sin", 0.0, 0.0 }, { "sin", -0.0, -0.0 }, { "sin", DMIN, DMIN }, { "sin", -DMIN, -DMIN },
	{ "sin", 0x1p-30, 0x1p-30 }, { "sin", INF_D, NAN_D }, { "sin", -INF_D, NAN_D },
	{ "sin", NAN_D, NAN_D },
	{ "cos", 0.0, 1.0 }, { "cos", -0.0, 1.0 }, { "cos", DMIN, 1.0 }, { "cos", INF_D, NAN_D },
	{ "cos", -INF_D, NAN_D }, { "cos", NAN_D, NAN_D },
	{ "sqrt", 0.0, 0.0 }, { "sqrt", -0.0, -0.0 }, { "sqrt", -DMIN, NAN_D },
	{ "sqrt", -1.0, NAN_D }, { "sqrt", -INF_D, NAN_D }, { "sqrt", INF_D, INF_D },
	{ "sqrt", NAN_D, NAN_D }, { "sqrt", DMIN, 0x1p-537 }, { "sqrt", 4.0, 2.0 },
	{ "sigmoid", 0.0, 0.5 }, { "sigmoid", -0.0, 0.5 }, { "sigmoid", INF_D, 1.0 },
	{ "sigmoid", -INF_D, 0.0 }, { "sigmoid", 40, 1.0 }, { "sigmoid", -800, 0.0 },
	{ "sigmoid", 1e300, 1.0 }, { "sigmoid", -1e300, 0.0 }, { "sigmoid", NAN_D, NAN_D },
	{ "softplus", 0.0, 0x1.62e42fefa39efp-1 }, { "softplus", -0.0, 0x1.62e42fefa39efp-1 },
	{ "softplus", INF_D, INF_D }, { "softplus", -INF_D, 0.0 }, { "softplus", 40, 40 },
	{ "softplus", 1e300, 1e300 }, { "softplus", -1000, 0.0 }, { "softplus", NAN_D, NAN_D },
	{ "softplus", -DBL_MAX, 0.0 }, { "softplus", DBL_MAX, DBL_MAX },
};

static const struct fn *find_fn(const char *name)
{
	int i;

	for (i = 0; i < NFNS; i++)
		if (strcmp(fns[i].name, name) == 0)
			return &fns[i];
	return NULL;
}

static void test_special_values(void **state)
{
	int i, bad = 0;

	(void)state;
	for (i = 0; i < (int)(sizeof specials / sizeof specials[0]); i++) {
		const struct special *s = &specials[i];
		const struct fn *f = find_fn(s->fn);
		double y = f->hn(s->x);
		float yf = f->hnf((float)s->x);
		float wantf = (float)s->want;

		if (!same64(y, s->want)) {
			printf("  hn_%s(%a) = %a, want %a\n", s->fn, s->x, y, s->want);
			bad++;
		}
		/* float: the same value where it is exact in float */
		if ((double)wantf == s->want || isnan(s->want))
			if ((double)(float)s->x == s->x && !same32(yf, wantf)) {
				printf("  hn_%sf(%a) = %a, want %a\n", s->fn, (float)s->x, yf, wantf);
				bad++;
			}
	}
	/* float limits */
	if (!same32(hn_expf(89.0f), INFINITY) || !same32(hn_expf(-104.0f), 0.0f)
	    || !same32(hn_expf(-103.9f), 0x1p-149f) || !same32(hn_logf(0x1p-149f), logf(0x1p-149f))
	    || !same32(hn_sqrtf(0x1p-149f), sqrtf(0x1p-149f)) || !same32(hn_expm1f(89.0f), INFINITY)
	    || !same32(hn_softplusf(-104.0f), 0.0f) || !same32(hn_softplusf(FLT_MAX), FLT_MAX)) {
		printf("  float limits wrong\n");
		bad++;
	}
	printf("  special values: %d checked, %d wrong\n",
	       (int)(sizeof specials / sizeof specials[0]), bad);
	assert_int_equal(bad, 0);
}

/* the same fragment through tcc: bit-identical results */

#define LIST_FNS(X) X(exp) X(expm1) X(log) X(log1p) X(tanh) X(sin) X(cos) X(sqrt) \
	X(sigmoid) X(softplus)

#define WRAP(fn) \
	"void eval_" #fn "(int n, const double *x, double *y)\n" \
	"{ int i; for (i = 0; i < n; i++) y[i] = hn_" #fn "(x[i]); }\n" \
	"void eval_" #fn "f(int n, const float *x, float *y)\n" \
	"{ int i; for (i = 0; i < n; i++) y[i] = hn_" #fn "f(x[i]); }\n"

typedef void (*eval64_fn)(int, const double *, double *);
typedef void (*eval32_fn)(int, const float *, float *);

#define N_TCC 200000

static void tcc_error(void *opaque, const char *msg)
{
	(void)opaque;
	printf("  tcc: %s\n", msg);
}

/* the fragment's path, from this file's: tests/../prelude/elemfn.c */
static void fragment_path(char *buf, size_t size)
{
	const char *slash = strrchr(__FILE__, '/');
	int dir = slash ? (int)(slash - __FILE__) : 0;

	snprintf(buf, size, "%.*s%s../prelude/elemfn.c", dir, __FILE__, slash ? "/" : "");
}

static void test_tcc_bit_identical(void **state)
{
	static double x[N_TCC], y_gcc[N_TCC], y_tcc[N_TCC];
	static float xf[N_TCC], yf_gcc[N_TCC], yf_tcc[N_TCC];
	char path[4096], *src;
	const char *wrappers = LIST_FNS(WRAP);
	TCCState *s;
	int i, j, bad = 0, nspecial = (int)(sizeof specials / sizeof specials[0]);

	(void)state;
	fragment_path(path, sizeof path);
	src = malloc(strlen(path) + strlen(wrappers) + 32);
	assert_non_null(src);
	sprintf(src, "#include \"%s\"\n%s", path, wrappers);

	s = tcc_new();
	assert_non_null(s);
	tcc_set_error_func(s, NULL, tcc_error);
	tcc_set_lib_path(s, "/usr/lib/x86_64-linux-gnu/tcc");
	tcc_set_options(s, "-nostdlib");
	tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
	assert_int_equal(tcc_compile_string(s, src), 0);
	assert_int_equal(tcc_relocate(s, TCC_RELOCATE_AUTO), 0);  /* no libtcc1 helper needed */

	/* inputs: the special values, NN-range uniforms, random bits */
	rng_state = 0x7cc;
	for (i = 0; i < N_TCC; i++) {
		if (i < nspecial)
			x[i] = specials[i].x;
		else if (i % 3 == 0)
			x[i] = -40 + 80 * rng_unit();
		else if (i % 3 == 1)
			x[i] = -800 + 1600 * rng_unit();
		else
			x[i] = rng_double_bits();
		xf[i] = i % 3 == 2 && i >= nspecial ? rng_float_bits() : (float)x[i];
	}

#define CMP(fn) do { \
	eval64_fn t64 = (eval64_fn)tcc_get_symbol(s, "eval_" #fn); \
	eval32_fn t32 = (eval32_fn)tcc_get_symbol(s, "eval_" #fn "f"); \
	int nb = 0; \
	assert_non_null(t64); \
	assert_non_null(t32); \
	t64(N_TCC, x, y_tcc); \
	t32(N_TCC, xf, yf_tcc); \
	for (j = 0; j < N_TCC; j++) { \
		y_gcc[j] = hn_##fn(x[j]); \
		yf_gcc[j] = hn_##fn##f(xf[j]); \
	} \
	for (j = 0; j < N_TCC; j++) { \
		if (memcmp(&y_gcc[j], &y_tcc[j], sizeof(double)) != 0) { \
			if (nb++ < 3) \
				printf("  hn_" #fn "(%a): gcc %a, tcc %a\n", x[j], y_gcc[j], y_tcc[j]); \
		} \
		if (memcmp(&yf_gcc[j], &yf_tcc[j], sizeof(float)) != 0) { \
			if (nb++ < 3) \
				printf("  hn_" #fn "f(%a): gcc %a, tcc %a\n", xf[j], yf_gcc[j], yf_tcc[j]); \
		} \
	} \
	bad += nb; \
} while (0);
	LIST_FNS(CMP)
#undef CMP

	printf("  tcc vs gcc: %d functions x %d inputs (double and float), %d differences\n",
	       2 * 10, N_TCC, bad);
	tcc_delete(s);
	free(src);
	assert_int_equal(bad, 0);
}

int main(void)
{
#define T(i) cmocka_unit_test_prestate(test_double, (void *)&fns[i])
#define TF(i) cmocka_unit_test_prestate(test_float, (void *)&fns[i])
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_special_values),
		T(0), T(1), T(2), T(3), T(4), T(5), T(6), T(7), T(8), T(9),
		TF(0), TF(1), TF(2), TF(3), TF(4), TF(5), TF(6), TF(7), TF(8), TF(9),
		cmocka_unit_test(test_tcc_bit_identical),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
