/* tests of runtime/npy.c and runtime/data.c: .npy files, CSV, and the HNN
 * reference data sets
 *
 * Oracles: files written by numpy itself (tests/fixtures/ *.npy, made by
 * tests/fixtures/make_npy.py), which rt_npy_write must reproduce byte for
 * byte; headers written by hand here; trajectories made by scipy's
 * solve_ivp with the reference code's own formulas from the same random
 * draws (tests/fixtures/data_scipy_ref.h); invariants (energy, radii,
 * orbits) and noise statistics. The fields are written here in C.
 * Measured numbers (timings, energy drift, noise moments) are printed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "data.h"
#include "npy.h"
#include "evaluate.h"

#include "fixtures/data_scipy_ref.h"
#include "published.h"

#define FIXTURES "tests/fixtures/"
#define SEED 1

static char tmpdir[64];

/* ---- helpers ---- */

/* |got - want| <= atol + rtol*|want| elementwise (NaN equals NaN); prints
   the first mismatches and the worst error; returns the mismatch count */
static long check_close(const char *what, const double *got, const double *want,
                        long n, double rtol, double atol)
{
	long bad = 0, iworst = 0;
	double worst = 0;
	for (long i = 0; i < n; i++) {
		double err = fabs(got[i] - want[i]), lim = atol + rtol * fabs(want[i]);
		if (isnan(got[i]) && isnan(want[i]))
			continue;
		if (!(err <= lim)) {
			if (bad < 5)
				printf("  %s[%ld]: got %.17g want %.17g (|err| %.3g > %.3g)\n",
				       what, i, got[i], want[i], err, lim);
			bad++;
		}
		if (!(err <= worst)) {
			worst = err;
			iworst = i;
		}
	}
	if (bad)
		printf("  %s: %ld of %ld outside, worst |err| %.3g at [%ld]\n", what,
		       bad, n, worst, iworst);
	return bad;
}

/* bitwise equality of n doubles; prints the first differences */
static long check_bits(const char *what, const double *a, const double *b,
                       long n)
{
	long bad = 0;
	for (long i = 0; i < n; i++)
		if (memcmp(&a[i], &b[i], sizeof(double)) != 0) {
			if (bad < 5)
				printf("  %s[%ld]: %a vs %a\n", what, i, a[i], b[i]);
			bad++;
		}
	return bad;
}

static double max_abs_diff(const double *a, const double *b, long n)
{
	double m = 0;
	for (long i = 0; i < n; i++)
		if (!(fabs(a[i] - b[i]) <= m))
			m = fabs(a[i] - b[i]);
	return m;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static char *tmp_path(const char *name)
{
	static char buf[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

/* whole file in a malloc'd buffer, *n its size; NULL if unreadable */
static unsigned char *slurp(const char *path, long *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*n = ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc((size_t)*n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)*n, f), (size_t)*n);
	fclose(f);
	return b;
}

static void spit(const char *path, const void *b, long n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, (size_t)n, f), (size_t)n);
	assert_int_equal(fclose(f), 0);
}

static int same_file(const char *a, const char *b)
{
	long na, nb;
	unsigned char *x = slurp(a, &na), *y = slurp(b, &nb);
	int same = x && y && na == nb && memcmp(x, y, (size_t)na) == 0;
	free(x);
	free(y);
	return same;
}

/* number of entries of dir whose name contains ".tmp." */
static int count_tmp_files(const char *dir)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -c '\\.tmp\\.'", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

#define assert_contains(s, sub) do { \
	if (!strstr((s), (sub))) \
		fail_msg("message \"%s\" lacks \"%s\"", (s), (sub)); \
	} while (0)

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb, (void)flag, (void)f;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/hnnc_test_data.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the tasks' true fields, as the reference codes them ---- */

/* spring: H = q^2 + p^2, f = (2p, -2q) */
static int spring_field(void *ctx, int n, const double *x, double *xdot)
{
	(void)ctx;
	for (int k = 0; k < n; k++) {
		xdot[2 * k] = 2.0 * x[2 * k + 1];
		xdot[2 * k + 1] = -2.0 * x[2 * k];
	}
	return 0;
}

/* pendulum: H = 3(1 - cos q) + p^2, f = (2p, -3 sin q) */
static int pendulum_field(void *ctx, int n, const double *x, double *xdot)
{
	(void)ctx;
	for (int k = 0; k < n; k++) {
		xdot[2 * k] = 2.0 * x[2 * k + 1];
		xdot[2 * k + 1] = -3.0 * sin(x[2 * k]);
	}
	return 0;
}

/* two bodies, m = G = 1, x = (q1x, q1y, q2x, q2y, p1x, p1y, p2x, p2y):
   dq = p, dp_i = (q_j - q_i) / |q_j - q_i|^3 */
static int two_body_field(void *ctx, int n, const double *x, double *xdot)
{
	(void)ctx;
	for (int k = 0; k < n; k++) {
		const double *s = x + 8 * k;
		double *d = xdot + 8 * k;
		for (int i = 0; i < 4; i++)
			d[i] = s[4 + i];
		for (int b = 0; b < 2; b++) {
			int o = 1 - b;
			double dx = s[2 * o] - s[2 * b], dy = s[2 * o + 1] - s[2 * b + 1];
			double r = sqrt(dx * dx + dy * dy), r3 = r * r * r;
			d[4 + 2 * b] = dx / r3;
			d[4 + 2 * b + 1] = dy / r3;
		}
	}
	return 0;
}

static const rt_system spring_sys = { spring_field, NULL, 2, 0, 0};
static const rt_system pendulum_sys = { pendulum_field, NULL, 2, 0, 0};
static const rt_system two_body_sys = { two_body_field, NULL, 8, 0, 0};

static const rt_system *system_of(const rt_task *t)
{
	return t->published == RT_PUBLISHED_SPRING ? &spring_sys :
	       t->published == RT_PUBLISHED_PENDULUM ? &pendulum_sys : &two_body_sys;
}

/* data set of a copy of the task with noise 0: the clean states */
static void make_clean(const char *name, int ntraj, rt_dataset *d)
{
	rt_task t = *rt_task_find(name);
	char err[256];
	t.noise = 0.0;
	if (ntraj > 0)
		t.ntraj = ntraj;
	assert_int_equal(rt_dataset_make(&t, system_of(&t), NULL, SEED, d, err,
	                                 sizeof err), 0);
}

/* ---- .npy ---- */

static void test_npy_round_trip(void **state)
{
	(void)state;
	char err[512];
	long shapes[5][4] = { { 0 }, { 7 }, { 3, 5 }, { 2, 3, 4 }, { 2, 1, 3, 2 } };
	double d[24];
	float f[24];
	for (int i = 0; i < 24; i++) {
		d[i] = (i - 11.5) / 3.0 * pow(10.0, i % 7 - 3);
		f[i] = (float)d[i];
	}
	d[5] = -0.0;
	d[6] = 0x1p-1074;       /* subnormal */
	for (int rank = 0; rank <= 4; rank++) {
		for (int ty = 0; ty < 2; ty++) {
			rt_npy a = { ty ? RT_NPY_F4 : RT_NPY_F8, rank, { 0 }, 0,
			             ty ? (void *)f : (void *)d }, b;
			long count = 1;
			for (int i = 0; i < rank; i++)
				count *= a.shape[i] = shapes[rank][i];
			char *path = tmp_path("rt.npy");
			assert_int_equal(rt_npy_write(path, &a, ty ? RT_NPY_FSYNC : 0,
			                              err, sizeof err), 0);
			assert_int_equal(rt_npy_read(path, RT_NPY_FINITE, &b, err,
			                             sizeof err), 0);
			assert_int_equal(b.dtype, a.dtype);
			assert_int_equal(b.rank, rank);
			assert_int_equal(b.count, count);
			for (int i = 0; i < rank; i++)
				assert_int_equal(b.shape[i], a.shape[i]);
			assert_memory_equal(b.data, a.data, (size_t)count * a.dtype);
			/* data start at a multiple of 64 bytes */
			long n;
			unsigned char *raw = slurp(path, &n);
			assert_int_equal((n - count * a.dtype) % 64, 0);
			free(raw);
			rt_npy_free(&b);
		}
	}
	assert_int_equal(count_tmp_files(tmpdir), 0);
}

/* files written by np.save / format.write_array */
static void test_npy_numpy_fixtures(void **state)
{
	(void)state;
	char err[512];
	const double vals[6] = { 0.1, -2.5, 1e-300, 3.141592653589793, -0.0,
	                         1e300 };
	const float fvals[3] = { 0.1f, -2.5f, 3.4e38f };
	rt_npy a;

	assert_int_equal(rt_npy_read(FIXTURES "f8_2x3.npy", 0, &a, err,
	                             sizeof err), 0);
	assert_int_equal(a.dtype, RT_NPY_F8);
	assert_int_equal(a.rank, 2);
	assert_int_equal(a.shape[0], 2);
	assert_int_equal(a.shape[1], 3);
	assert_int_equal(check_bits("f8_2x3", a.data, vals, 6), 0);
	rt_npy_free(&a);

	assert_int_equal(rt_npy_read(FIXTURES "f4_3.npy", 0, &a, err, sizeof err),
	                 0);
	assert_int_equal(a.dtype, RT_NPY_F4);
	assert_int_equal(a.rank, 1);
	assert_int_equal(a.shape[0], 3);
	assert_memory_equal(a.data, fvals, sizeof fvals);
	rt_npy_free(&a);

	/* widened to double */
	assert_int_equal(rt_npy_read(FIXTURES "f4_3.npy", RT_NPY_AS_F8, &a, err,
	                             sizeof err), 0);
	assert_int_equal(a.dtype, RT_NPY_F8);
	for (int i = 0; i < 3; i++)
		assert_true(((double *)a.data)[i] == (double)fvals[i]);
	rt_npy_free(&a);

	assert_int_equal(rt_npy_read(FIXTURES "f8_scalar.npy", 0, &a, err,
	                             sizeof err), 0);
	assert_int_equal(a.rank, 0);
	assert_int_equal(a.count, 1);
	assert_true(((double *)a.data)[0] == 2.5);
	rt_npy_free(&a);

	assert_int_equal(rt_npy_read(FIXTURES "f8_1x2x3x2.npy", 0, &a, err,
	                             sizeof err), 0);
	assert_int_equal(a.rank, 4);
	assert_int_equal(a.count, 12);
	for (int i = 0; i < 12; i++)
		assert_true(((double *)a.data)[i] == i / 8.0);
	rt_npy_free(&a);

	assert_int_equal(rt_npy_read(FIXTURES "f8_0x3.npy", 0, &a, err,
	                             sizeof err), 0);
	assert_int_equal(a.rank, 2);
	assert_int_equal(a.count, 0);
	rt_npy_free(&a);

	const char *v23[2] = { FIXTURES "f8_v2.npy", FIXTURES "f8_v3.npy" };
	for (int i = 0; i < 2; i++) {
		assert_int_equal(rt_npy_read(v23[i], 0, &a, err, sizeof err), 0);
		assert_int_equal(a.rank, 2);
		assert_int_equal(a.shape[0], 2);
		assert_int_equal(a.shape[1], 2);
		assert_int_equal(check_bits("v2/v3", a.data, vals, 4), 0);
		rt_npy_free(&a);
	}

	/* rt_npy_write writes np.save's bytes */
	const char *same[5] = { "f8_2x3.npy", "f4_3.npy", "f8_scalar.npy",
	                        "f8_1x2x3x2.npy", "f8_0x3.npy" };
	for (int i = 0; i < 5; i++) {
		char fix[128];
		snprintf(fix, sizeof fix, FIXTURES "%s", same[i]);
		assert_int_equal(rt_npy_read(fix, 0, &a, err, sizeof err), 0);
		assert_int_equal(rt_npy_write(tmp_path(same[i]), &a, 0, err,
		                              sizeof err), 0);
		if (!same_file(fix, tmp_path(same[i])))
			fail_msg("rt_npy_write(%s) differs from np.save's file", same[i]);
		rt_npy_free(&a);
	}
}

/* a .npy with a hand-written header: version major.0, header text h padded
   by nothing, then nbytes of data */
static void write_raw(const char *path, int major, const char *h,
                      const void *data, long nbytes)
{
	unsigned char buf[1024];
	size_t hl = strlen(h), pre = major == 1 ? 10 : 12;
	memcpy(buf, "\x93NUMPY", 6);
	buf[6] = (unsigned char)major;
	buf[7] = 0;
	buf[8] = (unsigned char)(hl & 0xff);
	buf[9] = (unsigned char)(hl >> 8);
	buf[10] = buf[11] = 0;
	memcpy(buf + pre, h, hl);
	memcpy(buf + pre + hl, data, (size_t)nbytes);
	spit(path, buf, (long)(pre + hl) + nbytes);
}

static void test_npy_hand_written_headers(void **state)
{
	(void)state;
	char err[512];
	double v[3] = { 1.5, -2.0, 0.25 };   /* little-endian host (x86-64, arm64) */
	rt_npy a;
	char *p = tmp_path("hand.npy");

	/* any key order, double quotes, Python 2 longs, no padding, version 2 */
	const char *good[] = {
		"{\"shape\": (3L,), \"fortran_order\": False, \"descr\": \"<f8\"}\n",
		"{'descr':'<f8','fortran_order':False,'shape':(3,)}",
		"  { 'fortran_order' : False , 'shape' : ( 3 , ) , 'descr' : '<f8' , }  \n",
	};
	for (int i = 0; i < 3; i++) {
		write_raw(p, i == 2 ? 2 : 1, good[i], v, sizeof v);
		if (rt_npy_read(p, 0, &a, err, sizeof err))
			fail_msg("header %d: %s", i, err);
		assert_int_equal(a.rank, 1);
		assert_int_equal(a.shape[0], 3);
		assert_int_equal(check_bits("hand", a.data, v, 3), 0);
		rt_npy_free(&a);
	}

	struct { int major; const char *h; const char *msg; } bad[] = {
		{ 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3), }",
		  "not a tuple" },
		{ 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-3,), }",
		  "not a tuple" },
		{ 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'x': 1}",
		  "unexpected key 'x'" },
		{ 1, "{'descr': '<f8', 'shape': (3,), }", "lacks 'fortran_order'" },
		{ 1, "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, "
		     "'shape': (3,)}", "repeated key 'descr'" },
		{ 1, "{'descr': '<f8', 'fortran_order': false, 'shape': (3,)}",
		  "not a bool" },
		{ 1, "{'descr': '<f8', 'fortran_order': False, 'shape': "
		     "(1, 1, 1, 1, 3)}", "rank above 4" },
		{ 1, "{'descr': [('a', '<f8')], 'fortran_order': False, "
		     "'shape': (3,)}", "structured dtype" },
		{ 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)} x",
		  "junk after" },
		{ 1, "['descr']", "not a Python dict" },
		{ 4, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)}",
		  "version 4.0" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_raw(p, bad[i].major, bad[i].h, v, sizeof v);
		assert_int_not_equal(rt_npy_read(p, 0, &a, err, sizeof err), 0);
		assert_null(a.data);
		printf("  %s\n", err);
		assert_contains(err, p);
		assert_contains(err, ": error: ");
		assert_contains(err, bad[i].msg);
	}

	/* header length beyond the end of the file */
	unsigned char h[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0x40, 0 };
	spit(p, h, 10);
	assert_int_not_equal(rt_npy_read(p, 0, &a, err, sizeof err), 0);
	assert_contains(err, "truncated");
	spit(p, "PK\3\4 not npy", 13);
	assert_int_not_equal(rt_npy_read(p, 0, &a, err, sizeof err), 0);
	assert_contains(err, "magic");
}

static void test_npy_errors(void **state)
{
	(void)state;
	char err[512];
	rt_npy a;
	long n;

	/* truncated: 176-byte file cut to 171 */
	unsigned char *b = slurp(FIXTURES "f8_2x3.npy", &n);
	assert_non_null(b);
	assert_int_equal(n, 176);
	char *p = tmp_path("trunc.npy");
	spit(p, b, n - 5);
	assert_int_not_equal(rt_npy_read(p, 0, &a, err, sizeof err), 0);
	printf("  %s\n", err);
	assert_contains(err, p);
	assert_contains(err, "truncated");
	assert_contains(err, "171 bytes");
	assert_contains(err, "expected 176");
	assert_null(a.data);
	/* trailing garbage */
	memcpy(b + n, "x", 1);
	spit(p, b, n + 1);
	assert_int_not_equal(rt_npy_read(p, 0, &a, err, sizeof err), 0);
	assert_contains(err, "trailing data");
	free(b);

	struct { const char *file, *msg; } bad[] = {
		{ FIXTURES "i8.npy", "unsupported dtype '<i8'" },
		{ FIXTURES "be_f8.npy", "big-endian dtype '>f8'" },
		{ FIXTURES "fortran.npy", "fortran_order is True" },
		{ FIXTURES "no_such_file.npy", "cannot open" },
		{ FIXTURES, "not a regular file" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_not_equal(rt_npy_read(bad[i].file, 0, &a, err, sizeof err),
		                     0);
		printf("  %s\n", err);
		assert_contains(err, bad[i].file);
		assert_contains(err, bad[i].msg);
	}

	/* NaN and Inf: accepted by default, rejected with RT_NPY_FINITE at the
	   first bad value: [1.0, 2.0, nan, 4.0, inf, 6.0] as 3 x 2 */
	assert_int_equal(rt_npy_read(FIXTURES "nan.npy", 0, &a, err, sizeof err),
	                 0);
	assert_true(isnan(((double *)a.data)[2]));
	rt_npy_free(&a);
	assert_int_not_equal(rt_npy_read(FIXTURES "nan.npy", RT_NPY_FINITE, &a,
	                                 err, sizeof err), 0);
	printf("  %s\n", err);
	assert_contains(err, "nan.npy: error: ");
	assert_contains(err, "NaN at index [1, 0] (flat index 2)");

	/* a short error buffer is truncated, not overrun */
	char small[12];
	memset(small, 'x', sizeof small);
	assert_int_not_equal(rt_npy_read(FIXTURES "i8.npy", 0, &a, small, 8), 0);
	assert_int_equal(strlen(small), 7);
	assert_int_equal(small[8], 'x');

	/* invalid arrays are refused before a file is made */
	double d[2] = { 1, 2 };
	rt_npy w = { 3, 1, { 2 }, 0, d };
	assert_int_not_equal(rt_npy_write(tmp_path("w.npy"), &w, 0, err,
	                                  sizeof err), 0);
	assert_contains(err, "dtype 3");
	w.dtype = RT_NPY_F8;
	w.rank = 5;
	assert_int_not_equal(rt_npy_write(tmp_path("w.npy"), &w, 0, err,
	                                  sizeof err), 0);
	assert_contains(err, "rank 5");
	w.rank = 1;
	w.shape[0] = -1;
	assert_int_not_equal(rt_npy_write(tmp_path("w.npy"), &w, 0, err,
	                                  sizeof err), 0);
	assert_int_equal(access(tmp_path("w.npy"), F_OK), -1);
}

/* atomic replacement; failures leave neither a partial nor a temp file */
static void test_npy_atomic_write(void **state)
{
	(void)state;
	char err[512];
	double one[1] = { 1.0 }, two[2] = { 2.0, 3.0 };
	rt_npy a = { RT_NPY_F8, 1, { 1 }, 0, one }, r;
	char *p = tmp_path("atomic.npy");

	assert_int_equal(rt_npy_write(p, &a, 0, err, sizeof err), 0);
	a.shape[0] = 2;
	a.data = two;
	assert_int_equal(rt_npy_write(p, &a, RT_NPY_FSYNC, err, sizeof err), 0);
	assert_int_equal(rt_npy_read(p, 0, &r, err, sizeof err), 0);
	assert_int_equal(r.count, 2);
	assert_true(((double *)r.data)[1] == 3.0);
	rt_npy_free(&r);

	/* rename onto a folder fails: the temp file is removed */
	char *dirp = tmp_path("a_folder.npy");
	assert_int_equal(mkdir(dirp, 0777), 0);
	assert_int_not_equal(rt_npy_write(dirp, &a, 0, err, sizeof err), 0);
	printf("  %s\n", err);
	assert_contains(err, dirp);
	assert_int_equal(count_tmp_files(tmpdir), 0);
	assert_int_equal(rmdir(dirp), 0);

	/* a missing folder */
	char *nodir = tmp_path("no/such/dir/x.npy");
	assert_int_not_equal(rt_npy_write(nodir, &a, 0, err, sizeof err), 0);
	printf("  %s\n", err);
	assert_contains(err, "no/such/dir/x.npy: error: cannot write: No such file");
}

static void test_csv(void **state)
{
	(void)state;
	char err[512];
	double d[6] = { 0.1, -2.5, 1e-300, 1.0 / 3.0, -0.0, 12345678901234567.0 };
	char *p = tmp_path("t.csv");
	long n;

	assert_int_equal(rt_csv_write(p, "a,b,c", 2, 3, d, err, sizeof err), 0);
	unsigned char *b = slurp(p, &n);
	const char *want = "a,b,c\n0.10000000000000001,-2.5,1e-300\n"
	                   "0.33333333333333331,-0,12345678901234568\n";
	assert_int_equal(n, (long)strlen(want));
	assert_memory_equal(b, want, (size_t)n);
	free(b);
	/* every value reads back exactly */
	FILE *f = fopen(p, "r");
	char line[128];
	assert_non_null(fgets(line, sizeof line, f));
	for (int i = 0; i < 6; i++) {
		double v;
		assert_int_equal(fscanf(f, i % 3 ? ",%lf" : "%lf", &v), 1);
		assert_int_equal(check_bits("csv", &v, &d[i], 1), 0);
	}
	fclose(f);

	assert_int_equal(rt_csv_write(p, NULL, 1, 2, d, err, sizeof err), 0);
	b = slurp(p, &n);
	assert_int_equal(n, 25);
	assert_memory_equal(b, "0.10000000000000001,-2.5\n", 25);
	free(b);
	assert_int_not_equal(rt_csv_write(tmp_path("nodir/x.csv"), NULL, 1, 2, d,
	                                  err, sizeof err), 0);
	assert_contains(err, "nodir/x.csv: error: ");
}

/* ---- tasks ---- */

static void test_linspace(void **state)
{
	(void)state;
	/* np.linspace to the bit */
	double t30[30], t45[45];
	rt_linspace(0.0, 3.0, 30, t30);
	rt_linspace(0.0, 3.0, 45, t45);
	assert_int_equal(check_bits("linspace 30", t30, ref_spring_t, 30), 0);
	assert_int_equal(check_bits("linspace 45", t45, ref_pend_t, 45), 0);
}

/* ---- data sets ---- */

static void test_row_counts_and_timing(void **state)
{
	(void)state;
	const char *names[3] = { "spring", "pendulum", "two_body" };
	long ntrain[3] = { 750, 1125, 40000 }, ntest[3] = { 750, 1125, 10000 };
	char err[256];
	for (int i = 0; i < 3; i++) {
		const rt_task *t = rt_task_find(names[i]);
		rt_dataset d;
		double t0 = now();
		assert_int_equal(rt_dataset_make(t, system_of(t), NULL, SEED, &d, err,
		                                 sizeof err), 0);
		printf("  %-8s %5ld train / %5ld test rows in %.3f s\n", names[i],
		       d.ntrain, d.ntest, now() - t0);
		assert_int_equal(d.dim, t->dim);
		assert_int_equal(d.ntrain, ntrain[i]);
		assert_int_equal(d.ntest, ntest[i]);
		rt_dataset_free(&d);
		assert_null(d.x_train);
	}
}

/* the first trajectory of seed 1 against solve_ivp with the reference's
   formulas (fixtures/data_scipy_ref.py) */
static void test_scipy_reference(void **state)
{
	(void)state;
	double x0[8 * 1000];
	rt_dataset d;

	assert_int_equal(rt_task_initial_states(rt_task_find("spring"), NULL, SEED, x0, NULL, 0),
	                 0);
	assert_int_equal(check_bits("spring x0", x0, ref_spring_x0, 2), 0);
	make_clean("spring", 0, &d);
	printf("  spring   vs scipy: max |dx| %.3g\n",
	       max_abs_diff(d.x_train, ref_spring_x, 60));
	assert_int_equal(check_close("spring x", d.x_train, ref_spring_x, 60,
	                             0, 1e-13), 0);
	rt_dataset_free(&d);

	assert_int_equal(rt_task_initial_states(rt_task_find("pendulum"), NULL, SEED, x0, NULL, 0), 0);
	assert_int_equal(check_bits("pendulum x0", x0, ref_pend_x0, 2), 0);
	make_clean("pendulum", 0, &d);
	printf("  pendulum vs scipy: max |dx| %.3g\n",
	       max_abs_diff(d.x_train, ref_pend_x, 90));
	assert_int_equal(check_close("pendulum x", d.x_train, ref_pend_x, 90, 0,
	                             1e-13), 0);
	rt_dataset_free(&d);

	/* r**1.5 (pow) against r*sqrt(r): an ulp at most */
	assert_int_equal(rt_task_initial_states(rt_task_find("two_body"), NULL, SEED, x0, NULL, 0), 0);
	assert_int_equal(check_close("two-body x0", x0, ref_2body_x0, 8, 3e-16,
	                             0), 0);
	/* orbit 0 is the first 50 test rows (the test set comes first) */
	make_clean("two_body", 5, &d);
	assert_int_equal(d.ntest, 50);
	printf("  two-body vs scipy: max |dx| %.3g (x), %.3g (targets)\n",
	       max_abs_diff(d.x_test, ref_2body_x, 400),
	       max_abs_diff(d.dx_test, ref_2body_dx, 400));
	assert_int_equal(check_close("two-body x", d.x_test, ref_2body_x, 400,
	                             0, 1e-12), 0);
	assert_int_equal(check_close("two-body dx", d.dx_test, ref_2body_dx, 400,
	                             1e-13, 1e-14), 0);

	/* rt_task_rk45 is the data set's integration; without the two constant
	   masses of the reference's state, RK45's RMS error norm and initial
	   step change and the orbit leaves scipy's by ~1e-5 */
	const rt_task *t = rt_task_find("two_body");
	double te[50], orbit[400];
	rt_linspace(0.0, 20.0, 50, te);
	assert_int_equal(rt_task_rk45(t, &two_body_sys, 0.0, 20.0, x0, 50, te,
	                              1e-9, 1e-6, orbit, NULL), 0);
	assert_int_equal(check_bits("rt_task_rk45", orbit, d.x_test, 400), 0);
	assert_int_equal(rt_rk45(&two_body_sys, 0.0, 20.0, x0, 50, te, 1e-9, 1e-6,
	                         orbit, NULL), 0);
	double unpadded = max_abs_diff(orbit, ref_2body_x, 400);
	printf("  two-body without the mass components: max |dx| %.3g\n",
	       unpadded);
	assert_true(unpadded > 1e-9);
	rt_dataset_free(&d);
}

static void test_determinism(void **state)
{
	(void)state;
	const char *names[3] = { "spring", "pendulum", "two_body" };
	char err[256];
	for (int i = 0; i < 3; i++) {
		rt_task t = *rt_task_find(names[i]);
		rt_dataset a, b, c;
		if (t.published == RT_PUBLISHED_TWO_BODY)
			t.ntraj = 100;
		assert_int_equal(rt_dataset_make(&t, system_of(&t), NULL, 42, &a, err,
		                                 sizeof err), 0);
		assert_int_equal(rt_dataset_make(&t, system_of(&t), NULL, 42, &b, err,
		                                 sizeof err), 0);
		assert_int_equal(rt_dataset_make(&t, system_of(&t), NULL, 43, &c, err,
		                                 sizeof err), 0);
		size_t ntr = (size_t)a.ntrain * a.dim * sizeof(double);
		size_t nte = (size_t)a.ntest * a.dim * sizeof(double);
		assert_memory_equal(a.x_train, b.x_train, ntr);
		assert_memory_equal(a.dx_train, b.dx_train, ntr);
		assert_memory_equal(a.x_test, b.x_test, nte);
		assert_memory_equal(a.dx_test, b.dx_test, nte);
		assert_memory_not_equal(a.x_train, c.x_train, ntr);
		assert_memory_not_equal(a.dx_test, c.dx_test, nte);
		/* and the same bytes on disk */
		char *da = tmp_path("det_a"), *db = tmp_path("det_b");
		assert_int_equal(rt_dataset_save(&a, da, err, sizeof err), 0);
		assert_int_equal(rt_dataset_save(&b, db, err, sizeof err), 0);
		char fa[300], fb[300];
		snprintf(fa, sizeof fa, "%s/dx_test.npy", da);
		snprintf(fb, sizeof fb, "%s/dx_test.npy", db);
		assert_true(same_file(fa, fb));
		snprintf(fa, sizeof fa, "%s/x_train.npy", da);
		snprintf(fb, sizeof fb, "%s/x_train.npy", db);
		assert_true(same_file(fa, fb));
		rt_dataset_free(&a);
		rt_dataset_free(&b);
		rt_dataset_free(&c);
	}
}

/* the noise is x - clean x, the clean states coming from the same task
   with noise 0 (its own stream, so the states are the same). At least 1500
   values per component: the sample mean has sd <= 0.1/sqrt(1500) = 0.0026
   and the sample sd a relative sd <= 1/sqrt(3000) = 1.8 %; the bounds
   (|mean| < 0.015, sd within 10 %) sit beyond 5.5 sd, so no seed fails
   them by chance, yet they fail for no noise, for noise 10x too large or
   small, and for noise on one component only. */
static void test_noise_statistics(void **state)
{
	(void)state;
	const char *names[2] = { "spring", "pendulum" };
	char err[256];
	for (int i = 0; i < 2; i++) {
		const rt_task *t = rt_task_find(names[i]);
		rt_dataset noisy, clean;
		assert_int_equal(rt_dataset_make(t, system_of(t), NULL, SEED, &noisy, err,
		                                 sizeof err), 0);
		make_clean(names[i], 0, &clean);
		assert_int_equal(noisy.ntrain, clean.ntrain);
		/* the targets carry no noise */
		assert_memory_equal(noisy.dx_train, clean.dx_train,
		                    (size_t)noisy.ntrain * 2 * sizeof(double));
		assert_memory_equal(noisy.dx_test, clean.dx_test,
		                    (size_t)noisy.ntest * 2 * sizeof(double));
		for (int c = 0; c < 2; c++) {
			double s = 0, ss = 0;
			long n = 0, within = 0;
			for (int part = 0; part < 2; part++) {
				const double *xn = part ? noisy.x_test : noisy.x_train;
				const double *xc = part ? clean.x_test : clean.x_train;
				long rows = part ? noisy.ntest : noisy.ntrain;
				for (long r = 0; r < rows; r++) {
					double e = xn[2 * r + c] - xc[2 * r + c];
					s += e;
					ss += e * e;
					within += fabs(e) < 0.1;
					n++;
				}
			}
			double mean = s / n, sd = sqrt((ss - s * mean) / (n - 1));
			double frac = (double)within / n;
			printf("  %-8s noise on %c: n %ld, mean %+.5f, sd %.5f, "
			       "P(|e| < sd) %.3f\n", names[i], c ? 'p' : 'q', n, mean, sd,
			       frac);
			assert_true(fabs(mean) < 0.015);
			assert_true(sd > 0.09 && sd < 0.11);
			/* normal: 0.683, sd of the fraction 0.012 */
			assert_true(frac > 0.62 && frac < 0.74);
		}
		rt_dataset_free(&noisy);
		rt_dataset_free(&clean);
	}
}

/* targets = the field at the clean states, bit for bit */
static void test_targets_are_field_at_clean_states(void **state)
{
	(void)state;
	const char *names[3] = { "spring", "pendulum", "two_body" };
	for (int i = 0; i < 3; i++) {
		const rt_task *t = rt_task_find(names[i]);
		rt_dataset d;
		make_clean(names[i], i == 2 ? 100 : 0, &d);
		for (int part = 0; part < 2; part++) {
			long rows = part ? d.ntest : d.ntrain;
			const double *x = part ? d.x_test : d.x_train;
			const double *dx = part ? d.dx_test : d.dx_train;
			double *f = malloc((size_t)rows * d.dim * sizeof *f);
			assert_non_null(f);
			for (long r = 0; r < rows; r++)
				system_of(t)->field(NULL, 1, x + r * d.dim, f + r * d.dim);
			assert_int_equal(check_bits(names[i], dx, f, rows * d.dim), 0);
			free(f);
		}
		rt_dataset_free(&d);
	}
	/* spring, with noise: the clean state is (q, p) = (-dp/2, dq/2) */
	rt_dataset d, c;
	char err[256];
	const rt_task *t = rt_task_find("spring");
	assert_int_equal(rt_dataset_make(t, &spring_sys, NULL, SEED, &d, err,
	                                 sizeof err), 0);
	make_clean("spring", 0, &c);
	for (long r = 0; r < d.ntrain; r++) {
		assert_true(-d.dx_train[2 * r + 1] / 2 == c.x_train[2 * r]);
		assert_true(d.dx_train[2 * r] / 2 == c.x_train[2 * r + 1]);
	}
	rt_dataset_free(&d);
	rt_dataset_free(&c);
}

static void test_initial_states(void **state)
{
	(void)state;
	double x0[8 * 1000];
	double rmin[2] = { 0.1, 1.3 }, rmax[2] = { 1.0, 2.3 };
	const char *names[2] = { "spring", "pendulum" };
	for (int i = 0; i < 2; i++) {
		const rt_task *t = rt_task_find(names[i]);
		rt_dataset d;
		double lo = INFINITY, hi = 0;
		assert_int_equal(rt_task_initial_states(t, NULL, SEED, x0, NULL, 0), 0);
		make_clean(names[i], 0, &d);
		for (int j = 0; j < t->ntraj; j++) {
			double r = sqrt(x0[2 * j] * x0[2 * j] +
			                   x0[2 * j + 1] * x0[2 * j + 1]);
			assert_true(r >= rmin[i] * (1 - 1e-15) &&
			            r <= rmax[i] * (1 + 1e-15));
			lo = fmin(lo, r);
			hi = fmax(hi, r);
			/* each trajectory starts at its initial state */
			const double *row = j < 25 ? d.x_train + 2 * (j * t->npoints) :
			                    d.x_test + 2 * ((j - 25) * t->npoints);
			assert_int_equal(check_bits("x(t0)", row, x0 + 2 * j, 2), 0);
		}
		printf("  %-8s initial radii in [%.4f, %.4f]\n", names[i], lo, hi);
		rt_dataset_free(&d);
	}

	/* two-body: near-circular orbits, body 2 = -body 1 */
	const rt_task *t = rt_task_find("two_body");
	double s = 0, ss = 0;
	assert_int_equal(rt_task_initial_states(t, NULL, SEED, x0, NULL, 0), 0);
	for (int j = 0; j < t->ntraj; j++) {
		const double *x = x0 + 8 * j;
		for (int c = 0; c < 2; c++) {
			assert_true(x[c] >= 0.5 && x[c] < 1.5);
			assert_true(x[2 + c] == -x[c] && x[6 + c] == -x[4 + c]);
		}
		double r = sqrt(x[0] * x[0] + x[1] * x[1]);
		double v = sqrt(x[4] * x[4] + x[5] * x[5]);
		/* velocity perpendicular, counterclockwise */
		assert_true(fabs(x[0] * x[4] + x[1] * x[5]) < 1e-15);
		assert_true(x[0] * x[5] - x[1] * x[4] > 0);
		double factor = v / (1.0 / (2.0 * sqrt(r)));
		s += factor;
		ss += factor * factor;
	}
	double mean = s / t->ntraj, sd = sqrt((ss - s * mean) / (t->ntraj - 1));
	printf("  two-body speed / circular speed: mean %.5f, sd %.5f\n", mean, sd);
	/* sd of the mean 0.0016, relative sd of the sd 2.2 % */
	assert_true(fabs(mean - 1.0) < 0.01);
	assert_true(sd > 0.04 && sd < 0.06);
}

/* H = q^2 + p^2 along the clean spring trajectories: with the reference's
   tolerances (rtol 1e-10, scipy's default atol 1e-6) RK45 keeps it to a few
   1e-6 (scipy does the same: max 3.1e-6 at radius 1); with atol 1e-12 to
   1e-10 */
static void test_spring_energy(void **state)
{
	(void)state;
	char err[256];
	for (int tight = 0; tight < 2; tight++) {
		rt_task t = *rt_task_find("spring");
		rt_dataset d;
		double worst = 0;
		t.noise = 0;
		if (tight)
			t.atol = 1e-12;
		assert_int_equal(rt_dataset_make(&t, &spring_sys, NULL, SEED, &d, err,
		                                 sizeof err), 0);
		for (int j = 0; j < t.ntraj; j++) {
			const double *x = j < 25 ? d.x_train + 2 * j * t.npoints :
			                  d.x_test + 2 * (j - 25) * t.npoints;
			double h0 = x[0] * x[0] + x[1] * x[1];
			for (int k = 1; k < t.npoints; k++) {
				double h = x[2 * k] * x[2 * k] + x[2 * k + 1] * x[2 * k + 1];
				worst = fmax(worst, fabs(h - h0));
			}
		}
		printf("  spring, atol %g: max |H(t) - H(0)| = %.3g\n", t.atol, worst);
		assert_true(worst < (tight ? 1e-8 : 1e-5));
		rt_dataset_free(&d);
	}
}

static void test_energy_x0(void **state)
{
	(void)state;
	double x0[8], again[8];
	const rt_task *t = rt_task_find("spring");
	int neg = 0, pos = 0;
	for (int k = 0; k < 15; k++) {
		assert_int_equal(rt_energy_x0(t, NULL, SEED, k, x0), 0);
		for (int c = 0; c < 2; c++) {
			assert_true(fabs(x0[c]) >= 0.2 && fabs(x0[c]) <= 1.0);
			neg += x0[c] < 0;
			pos += x0[c] > 0;
		}
		assert_int_equal(rt_energy_x0(t, NULL, SEED, k, again), 0);
		assert_int_equal(check_bits("energy x0", x0, again, 2), 0);
	}
	assert_true(neg > 0 && pos > 0);
	/* rollouts differ, and differ from the data set's initial states */
	assert_int_equal(rt_energy_x0(t, NULL, SEED, 0, again), 0);
	assert_true(x0[0] != again[0]);
	double d0[100];
	assert_int_equal(rt_task_initial_states(t, NULL, SEED, d0, NULL, 0), 0);
	assert_true(d0[0] != again[0]);
	assert_int_not_equal(rt_energy_x0(t, NULL, SEED, -1, x0), 0);

	t = rt_task_find("two_body");
	for (int k = 0; k < 15; k++) {
		assert_int_equal(rt_energy_x0(t, NULL, SEED, k, x0), 0);
		assert_true(x0[0] >= 0.5 && x0[0] < 1.5 && x0[2] == -x0[0]);
	}
}

static void test_save_load(void **state)
{
	(void)state;
	char err[512];
	rt_dataset d, l;
	char *dir = tmp_path("pend_ds");
	const rt_task *t = rt_task_find("pendulum");

	assert_int_equal(rt_dataset_make(t, &pendulum_sys, NULL, SEED, &d, err,
	                                 sizeof err), 0);
	assert_int_equal(rt_dataset_save(&d, dir, err, sizeof err), 0);
	assert_int_equal(rt_dataset_save(&d, dir, err, sizeof err), 0); /* again */
	assert_int_equal(rt_dataset_load(dir, &l, err, sizeof err), 0);
	assert_int_equal(l.dim, 2);
	assert_int_equal(l.ntrain, 1125);
	assert_int_equal(l.ntest, 1125);
	assert_int_equal(check_bits("x_train", l.x_train, d.x_train, 2250), 0);
	assert_int_equal(check_bits("dx_train", l.dx_train, d.dx_train, 2250), 0);
	assert_int_equal(check_bits("x_test", l.x_test, d.x_test, 2250), 0);
	assert_int_equal(check_bits("dx_test", l.dx_test, d.dx_test, 2250), 0);
	/* trajectory-shaped: 25 + 25 trajectories of 45 points, and the times */
	assert_int_equal(l.npoints, 45);
	assert_int_equal(l.ntraj_train, 25);
	assert_int_equal(l.ntraj_test, 25);
	assert_non_null(l.t);
	assert_int_equal(check_bits("t", l.t, ref_pend_t, 45), 0);
	rt_dataset_free(&l);

	/* rows without trajectories: (rows, dim) files, no t */
	d.npoints = 0, d.ntraj_train = d.ntraj_test = 0;
	assert_int_equal(rt_dataset_save(&d, dir, err, sizeof err), 0);
	assert_int_equal(rt_dataset_load(dir, &l, err, sizeof err), 0);
	assert_int_equal(l.npoints, 0);
	assert_null(l.t);
	assert_int_equal(l.ntrain, 1125);
	assert_int_equal(check_bits("x_train", l.x_train, d.x_train, 2250), 0);
	rt_dataset_free(&l);

	/* a NaN in x_test: the error names the file and the element */
	char path[300];
	snprintf(path, sizeof path, "%s/x_test.npy", dir);
	d.x_test[2 * 7 + 1] = NAN;
	rt_npy a = { RT_NPY_F8, 2, { d.ntest, 2 }, 0, d.x_test };
	assert_int_equal(rt_npy_write(path, &a, 0, err, sizeof err), 0);
	assert_int_not_equal(rt_dataset_load(dir, &l, err, sizeof err), 0);
	printf("  %s\n", err);
	assert_contains(err, "x_test.npy: error: non-finite value NaN at index "
	                     "[7, 1]");
	assert_null(l.x_train);

	/* dx_train with a row missing */
	a.data = d.dx_train;
	a.shape[0] = d.ntrain - 1;
	snprintf(path, sizeof path, "%s/dx_train.npy", dir);
	assert_int_equal(rt_npy_write(path, &a, 0, err, sizeof err), 0);
	assert_int_not_equal(rt_dataset_load(dir, &l, err, sizeof err), 0);
	printf("  %s\n", err);
	assert_contains(err, "dx_train.npy: error: 1124 rows, but x_train.npy "
	                     "has 1125");

	/* dim mismatch */
	a.shape[0] = d.ntrain / 2;
	a.shape[1] = 4;
	assert_int_equal(rt_npy_write(path, &a, 0, err, sizeof err), 0);
	assert_int_not_equal(rt_dataset_load(dir, &l, err, sizeof err), 0);
	assert_contains(err, "dx_train.npy: error: dim 4 differs");

	/* rank 1 */
	a.rank = 1;
	a.shape[0] = 3;
	assert_int_equal(rt_npy_write(path, &a, 0, err, sizeof err), 0);
	assert_int_not_equal(rt_dataset_load(dir, &l, err, sizeof err), 0);
	assert_contains(err, "dx_train.npy: error: expected a (rows, dim)");

	/* missing file */
	assert_int_equal(remove(path), 0);
	assert_int_not_equal(rt_dataset_load(dir, &l, err, sizeof err), 0);
	assert_contains(err, "dx_train.npy: error: cannot open");
	assert_int_not_equal(rt_dataset_save(&d, tmp_path("no/such"), err,
	                                     sizeof err), 0);
	assert_contains(err, "no/such: error: cannot create the folder");
	rt_dataset_free(&d);
}

static int failing_field(void *ctx, int n, const double *x, double *xdot)
{
	int *budget = ctx;
	(void)n, (void)x, (void)xdot;
	for (int i = 0; i < 2 * n; i++)
		xdot[i] = 0;
	return --*budget < 0;
}

/* the spring's field, sped up by the factor in ctx: f = w (2p, -2q) */
static int fast_spring_field(void *ctx, int n, const double *x, double *xdot)
{
	double w = *(const double *)ctx;
	for (int k = 0; k < n; k++) {
		xdot[2 * k] = w * 2.0 * x[2 * k + 1];
		xdot[2 * k + 1] = -w * 2.0 * x[2 * k];
	}
	return 0;
}

/* A learned field that needs far more steps than the true one is stopped
   at RT_LEARNED_STEPS times the true rollout's steps: a spring 1000 times
   too fast needs about 1000 times the steps (adaptive steps scale with
   the frequency), so it spends its budget; one 3 times too fast does not. */
static void test_learned_budget(void **state)
{
	(void)state;
	const rt_task *t = rt_task_find("spring");
	double te[20], xt[40], xl[40], x0[2] = {1, 0}, w;
	rt_system truth = {spring_field, NULL, 2, 0, 0}, learned = {fast_spring_field, &w, 2, 0, 0}, lf;
	rt_stats st, sl;
	rt_linspace(0, 20, 20, te);
	assert_int_equal(rt_task_rk45(t, &truth, 0, 20, x0, 20, te, 1e-10, 1e-10, xt, &st), 0);
	assert_true(st.nstep > 10);
	lf = rt_learned_budget(&learned, &st, 1);
	assert_true(lf.max_steps == RT_LEARNED_MIN_STEPS || lf.max_steps == RT_LEARNED_STEPS * (st.nstep + st.nreject));
	w = 3;
	assert_int_equal(rt_task_rk45(t, &lf, 0, 20, x0, 20, te, 1e-10, 1e-10, xl, &sl), 0);
	w = 1000;
	assert_int_equal(rt_task_rk45(t, &lf, 0, 20, x0, 20, te, 1e-10, 1e-10, xl, &sl), RT_ERR_STEP_BUDGET);
	assert_true(sl.nstep + sl.nreject <= lf.max_steps);
	/* a longer span for the learned rollout scales the budget; the
	   floor and the default ceiling hold */
	assert_true(rt_learned_budget(&learned, &st, 2).max_steps >= lf.max_steps);
	st.nstep = 1, st.nreject = 0;
	assert_int_equal(rt_learned_budget(&learned, &st, 1).max_steps, RT_LEARNED_MIN_STEPS);
	st.nstep = RT_MAX_STEPS;
	assert_int_equal(rt_learned_budget(&learned, &st, 1).max_steps, RT_MAX_STEPS);
}

static void test_make_errors(void **state)
{
	(void)state;
	char err[256];
	rt_dataset d;
	const rt_task *t = rt_task_find("two_body");

	assert_int_not_equal(rt_dataset_make(t, &spring_sys, NULL, SEED, &d, err,
	                                     sizeof err), 0);
	printf("  %s\n", err);
	assert_string_equal(err, "two_body: error: the field has dimension 2, "
	                         "the task needs 8");
	assert_null(d.x_train);

	/* the field fails during trajectory 1 */
	int budget = 300;
	rt_system bad = { failing_field, &budget, 2, 0, 0};
	assert_int_not_equal(rt_dataset_make(rt_task_find("spring"), &bad, NULL, SEED,
	                                     &d, err, sizeof err), 0);
	printf("  %s\n", err);
	assert_contains(err, "spring: error: trajectory ");
	assert_null(d.x_train);

	rt_task odd = *rt_task_find("pendulum");
	odd.split = 1.5;
	assert_int_not_equal(rt_dataset_make(&odd, &pendulum_sys, NULL, SEED, &d, err,
	                                     sizeof err), 0);
	assert_contains(err, "invalid task parameters");
	odd = *rt_task_find("pendulum");
	odd.x0.kind = 99;
	assert_int_not_equal(rt_dataset_make(&odd, &pendulum_sys, NULL, SEED, &d, err,
	                                     sizeof err), 0);
	assert_contains(err, "no initial-state sampler");
}

/* ---- recipes of any system: samplers, grids, integrators, split ---- */

/* Hénon–Heiles: H = (p1² + p2²)/2 + (q1² + q2²)/2 + q1² q2 - q2³/3 */
static int hh_field(void *ctx, int n, const double *x, double *xdot)
{
	(void)ctx;
	for (int k = 0; k < n; k++) {
		const double *s = x + 4 * k;
		double *d = xdot + 4 * k;
		d[0] = s[2], d[1] = s[3];
		d[2] = -s[0] - 2 * s[0] * s[1];
		d[3] = -s[1] - s[0] * s[0] + s[1] * s[1];
	}
	return 0;
}
static int hh_energy(void *ctx, int n, const double *x, double *e)
{
	(void)ctx;
	for (int k = 0; k < n; k++) {
		const double *s = x + 4 * k;
		e[k] = (s[2] * s[2] + s[3] * s[3]) / 2 + (s[0] * s[0] + s[1] * s[1]) / 2 +
		       s[0] * s[0] * s[1] - s[1] * s[1] * s[1] / 3;
	}
	return 0;
}
static const rt_system hh_sys = { hh_field, NULL, 4, 0, 0 };
static const rt_energy hh_H = { hh_energy, NULL };

static rt_task hh_task(void)
{
	static const double lo[4] = { -0.3, -0.3, -0.2, -0.2 }, hi[4] = { 0.3, 0.3, 0.2, 0.2 };
	rt_task t;
	memset(&t, 0, sizeof t);
	t.name = "hh", t.dim = 4, t.ntraj = 10, t.t0 = 0, t.t1 = 5, t.npoints = 20;
	t.integrator = RT_INTEGRATOR_DOP853, t.rtol = 1e-12, t.atol = 1e-12;
	t.split = 0.7;
	t.x0.kind = RT_X0_BOX, t.x0.lo = lo, t.x0.hi = hi;
	t.eval_x0 = t.x0;
	return t;
}

static void test_recipes(void **state)
{
	(void)state;
	char err[256];
	rt_task t = hh_task();
	rt_dataset d;
	double x0[10 * 4], worst = 0;

	/* box: every component in its range; split 7 + 3 trajectories */
	assert_int_equal(rt_dataset_make(&t, &hh_sys, NULL, SEED, &d, err, sizeof err), 0);
	assert_int_equal(d.ntraj_train, 7);
	assert_int_equal(d.ntraj_test, 3);
	assert_int_equal(d.ntrain, 140);
	assert_int_equal(d.npoints, 20);
	assert_true(d.t[0] == 0 && d.t[19] == 5);
	assert_int_equal(rt_task_initial_states(&t, NULL, SEED, x0, err, sizeof err), 0);
	for (int j = 0; j < 10; j++)
		for (int c = 0; c < 4; c++)
			assert_true(x0[4 * j + c] >= t.x0.lo[c] && x0[4 * j + c] < t.x0.hi[c]);
	/* DOP853 at rtol = atol = 1e-12 keeps H along each trajectory to the
	   accumulated local tolerance: 2.0e-12 measured over t in [0, 5] */
	for (int j = 0; j < 7; j++) {
		double e[20];
		hh_energy(NULL, 20, d.x_train + (size_t)j * 80, e);
		for (int k = 1; k < 20; k++)
			worst = fmax(worst, fabs(e[k] - e[0]));
	}
	printf("  Hénon–Heiles box, DOP853 rtol 1e-12: max |H(t) - H(0)| = %.3g\n", worst);
	assert_true(worst < 1e-11);
	rt_dataset_free(&d);

	/* energy shell: H(x0) = 1/12 to a few ulp, from the position box */
	t.x0.kind = RT_X0_ENERGY, t.x0.energy = 1.0 / 12;
	assert_int_equal(rt_task_initial_states(&t, &hh_H, SEED, x0, err, sizeof err), 0);
	worst = 0;
	for (int j = 0; j < 10; j++) {
		double e;
		hh_energy(NULL, 1, x0 + 4 * j, &e);
		worst = fmax(worst, fabs(e - 1.0 / 12));
		assert_true(fabs(x0[4 * j]) <= 0.3 && fabs(x0[4 * j + 1]) <= 0.3);
	}
	printf("  energy shell E = 1/12: max |H(x0) - E| = %.3g\n", worst);
	assert_true(worst < 1e-15);
	assert_int_not_equal(rt_task_initial_states(&t, NULL, SEED, x0, err, sizeof err), 0);
	assert_contains(err, "needs the system's H");
	t.x0.energy = -1; /* below the minimum H = 0: no state */
	assert_int_not_equal(rt_task_initial_states(&t, &hh_H, SEED, x0, err, sizeof err), 0);
	assert_contains(err, "no state with H = -1");

	/* shell in 4-D: |x0| in [0.1, 0.2] */
	t.x0.kind = RT_X0_SHELL, t.x0.r_lo = 0.1, t.x0.r_hi = 0.2;
	assert_int_equal(rt_task_initial_states(&t, NULL, SEED, x0, err, sizeof err), 0);
	for (int j = 0; j < 10; j++) {
		double r = 0;
		for (int c = 0; c < 4; c++)
			r += x0[4 * j + c] * x0[4 * j + c];
		r = sqrt(r);
		assert_true(r >= 0.1 * (1 - 1e-15) && r <= 0.2 * (1 + 1e-15));
	}

	/* one given state and a given time grid: one trajectory, all train */
	static const double one[4] = { 0, 0.1, 0.35, 0 }, times[4] = { 0, 0.5, 0.75, 2 };
	t = hh_task();
	t.x0.kind = RT_X0_LIST, t.x0.list = one, t.x0.nlist = 1, t.ntraj = 1, t.split = 1;
	t.times = times, t.npoints = 4;
	assert_int_equal(rt_dataset_make(&t, &hh_sys, NULL, SEED, &d, err, sizeof err), 0);
	assert_int_equal(d.ntraj_train, 1);
	assert_int_equal(d.ntest, 0);
	assert_int_equal(check_bits("x(t0)", d.x_train, one, 4), 0);
	assert_int_equal(check_bits("times", d.t, times, 4), 0);
	rt_dataset_free(&d);
	t.ntraj = 2;
	assert_int_not_equal(rt_dataset_make(&t, &hh_sys, NULL, SEED, &d, err, sizeof err), 0);
	assert_contains(err, "2 states are needed, the list has 1");
	static const double bad_times[4] = { 0, 0.5, 0.5, 2 };
	t.ntraj = 1, t.times = bad_times;
	assert_int_not_equal(rt_dataset_make(&t, &hh_sys, NULL, SEED, &d, err, sizeof err), 0);
	assert_contains(err, "hh: error: the times are not increasing at index 2");
}

/* ---- a user's files ---- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* x(t) = (sin t, cos t) sampled on 3 trajectories of 21 points, phase
   shifted: finite differences against the exact (cos t, -sin t) within the
   documented bounds (inside h^2/6 max|x'''|, at the ends h^2/3, and
   max|x'''| = 1) */
static void test_user_files(void **state)
{
	(void)state;
	char err[512], *xp = tmp_path("ux.npy"), *dxp = tmp_path("udx.npy"), *csv = tmp_path("u.csv");
	enum { NT = 3, NP = 21 };
	double x[NT * NP * 2], dx[NT * NP * 2], h = 0.05, worst_in = 0, worst_end = 0;
	rt_dataset d;
	for (int j = 0; j < NT; j++)
		for (int k = 0; k < NP; k++) {
			double t = k * h + j;
			x[(j * NP + k) * 2] = sin(t), x[(j * NP + k) * 2 + 1] = cos(t);
			dx[(j * NP + k) * 2] = cos(t), dx[(j * NP + k) * 2 + 1] = -sin(t);
		}
	rt_npy a = { RT_NPY_F8, 3, { NT, NP, 2 }, 0, x };
	assert_int_equal(rt_npy_write(xp, &a, 0, err, sizeof err), 0);
	a.data = dx;
	assert_int_equal(rt_npy_write(dxp, &a, 0, err, sizeof err), 0);

	/* x and dx given: kept as trajectories, split 2 + 1 */
	assert_int_equal(rt_dataset_read(xp, dxp, NULL, NULL, 0, 0.7, 0, &d, err, sizeof err), 0);
	assert_int_equal(d.ntraj_train, 2);
	assert_int_equal(d.ntraj_test, 1);
	assert_int_equal(d.npoints, NP);
	assert_int_equal(check_bits("dx", d.dx_train, dx, 2 * NP * 2), 0);
	assert_int_equal(check_bits("x test", d.x_test, x + 2 * NP * 2, NP * 2), 0);
	rt_dataset_free(&d);

	/* no dx: finite differences on the declared grid */
	double grid[NP];
	rt_linspace(0, (NP - 1) * h, NP, grid);
	assert_int_equal(rt_dataset_read(xp, NULL, NULL, grid, NP, 1, 0, &d, err, sizeof err), 0);
	for (int j = 0; j < NT; j++)
		for (int k = 0; k < NP; k++)
			for (int c = 0; c < 2; c++) {
				double e = fabs(d.dx_train[(j * NP + k) * 2 + c] - dx[(j * NP + k) * 2 + c]);
				if (k == 0 || k == NP - 1)
					worst_end = fmax(worst_end, e);
				else
					worst_in = fmax(worst_in, e);
			}
	printf("  finite differences, h = %g: max error %.3g inside (bound %.3g), %.3g at the ends (bound %.3g)\n",
	       h, worst_in, h * h / 6, worst_end, h * h / 3);
	assert_true(worst_in <= h * h / 6 * 1.01 && worst_in > h * h / 6 * 0.3);
	assert_true(worst_end <= h * h / 3 * 1.01);
	rt_dataset_free(&d);

	/* CSV as hnnc data --csv writes it: trajectory and t columns */
	write_file(csv, "trajectory,t,q,p\n0,0,0,1\n0,0.1,0.0998334166468,0.995004165278\n"
	                "0,0.2,0.198669330795,0.980066577841\n1,0,1,0\n1,0.1,0.995004165278,-0.0998334166468\n"
	                "1,0.2,0.980066577841,-0.198669330795\n");
	assert_int_equal(rt_dataset_read(csv, NULL, NULL, NULL, 0, 0.5, 0, &d, err, sizeof err), 0);
	assert_int_equal(d.ntraj_train, 1);
	assert_int_equal(d.ntraj_test, 1);
	assert_int_equal(d.npoints, 3);
	assert_true(fabs(d.dx_train[2] - cos(0.1)) < 0.01 / 6 * 1.01);
	assert_true(d.t[1] == 0.1);
	rt_dataset_free(&d);

	/* bad files: the error names the file and the line or index */
	write_file(csv, "trajectory,t,q,p\n0,0,0,1\n0,0.1,0.1\n");
	assert_int_not_equal(rt_dataset_read(csv, NULL, NULL, NULL, 0, 1, 0, &d, err, sizeof err), 0);
	printf("  %s\n", err);
	assert_contains(err, "u.csv:3: error: 3 numbers, a row has 4");
	write_file(csv, "q,p\n0,1\n0.1,nan\n");
	assert_int_not_equal(rt_dataset_read(csv, NULL, NULL, NULL, 0, 1, 0, &d, err, sizeof err), 0);
	printf("  %s\n", err);
	assert_contains(err, "u.csv:3:5: error: not a finite number");
	write_file(csv, "0,1\n0.1,2\n");
	assert_int_not_equal(rt_dataset_read(csv, NULL, NULL, NULL, 0, 1, 0, &d, err, sizeof err), 0);
	assert_contains(err, "u.csv: error: the first line must be a header");
	write_file(csv, "trajectory,t,q,p\n0,0,0,1\n0,0.1,0,1\n1,0,0,1\n");
	assert_int_not_equal(rt_dataset_read(csv, NULL, NULL, NULL, 0, 1, 0, &d, err, sizeof err), 0);
	printf("  %s\n", err);
	assert_contains(err, "trajectory 1 (data row 3) has 1 rows, trajectory 0 has 2");
	write_file(csv, "t,q,p\n0,0,1\n0.1,0,1\n0.1,0,1\n");
	assert_int_not_equal(rt_dataset_read(csv, NULL, NULL, NULL, 0, 1, 0, &d, err, sizeof err), 0);
	printf("  %s\n", err);
	assert_contains(err, "not increasing at its sample 2");
	/* q,p without times or dx: no targets */
	write_file(csv, "q,p\n0,1\n0.1,2\n");
	assert_int_not_equal(rt_dataset_read(csv, NULL, NULL, NULL, 0, 1, 0, &d, err, sizeof err), 0);
	assert_contains(err, "u.csv: error: no dx: the targets are then finite differences");
	/* x and dx disagree */
	rt_npy b = { RT_NPY_F8, 3, { NT - 1, NP, 2 }, 0, dx };
	assert_int_equal(rt_npy_write(dxp, &b, 0, err, sizeof err), 0);
	assert_int_not_equal(rt_dataset_read(xp, dxp, NULL, NULL, 0, 1, 0, &d, err, sizeof err), 0);
	printf("  %s\n", err);
	assert_contains(err, "udx.npy: error: 42 rows of 2 values, but");
	x[5] = NAN;
	a.data = x;
	assert_int_equal(rt_npy_write(xp, &a, 0, err, sizeof err), 0);
	assert_int_not_equal(rt_dataset_read(xp, NULL, NULL, grid, NP, 1, 0, &d, err, sizeof err), 0);
	printf("  %s\n", err);
	assert_contains(err, "ux.npy: error: non-finite value NaN at index [0, 2, 1]");
}

/* Poincaré sections (evaluate.h): Hénon–Heiles at E = 1/12 from a start on
   the section; every crossing has q2 = 0 to round-off, p2 > 0, H = E to
   the integration tolerance, increasing times; and the same orbit sampled
   twice as finely gives the same crossings (they come from the dense
   output, not from the samples) */
static void test_poincare(void **state)
{
	(void)state;
	char err[256];
	double x0[4], pts[100 * 4], t[100], pts2[100 * 4], t2[100], worst_q2 = 0, worst_h = 0, worst_d = 0;
	assert_int_equal(rt_section_start(&hh_H, 1.0 / 12, 0.1, 0.05, x0), 0);
	assert_true(x0[1] == 0 && x0[3] > 0);
	assert_int_equal(rt_section_start(&hh_H, 1.0 / 12, 0.1, 0.05, x0), 0);
	int n = rt_section(&hh_sys, x0, 0.05, 1e4, 1e-12, 100, pts, t, err, sizeof err);
	int n2 = rt_section(&hh_sys, x0, 0.025, 1e4, 1e-12, 100, pts2, t2, err, sizeof err);
	assert_int_equal(n, 100);
	assert_int_equal(n2, 100);
	for (int k = 0; k < n; k++) {
		double h;
		hh_energy(NULL, 1, pts + 4 * k, &h);
		worst_q2 = fmax(worst_q2, fabs(pts[4 * k + 1]));
		worst_h = fmax(worst_h, fabs(h - 1.0 / 12));
		assert_true(pts[4 * k + 3] > 0);
		assert_true(k == 0 || t[k] > t[k - 1]);
		worst_d = fmax(worst_d, fabs(pts[4 * k] - pts2[4 * k]) + fabs(t[k] - t2[k]));
	}
	printf("  Hénon–Heiles E = 1/12, 100 crossings: max |q2| %.3g, max |H - E| %.3g, sampling 0.05 vs 0.025: %.3g\n",
	       worst_q2, worst_h, worst_d);
	assert_true(worst_q2 < 1e-12);
	assert_true(worst_h < 1e-9);
	assert_true(worst_d < 1e-7);
	/* no state below the minimum; a 2-D system is refused */
	assert_int_not_equal(rt_section_start(&hh_H, -1, 0, 0, x0), 0);
	assert_int_equal(rt_section(&spring_sys, x0, 0.05, 10, 1e-10, 5, pts, t, err, sizeof err), -1);
	assert_contains(err, "needs a state (q1, q2, p1, p2)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_npy_round_trip),
		cmocka_unit_test(test_npy_numpy_fixtures),
		cmocka_unit_test(test_npy_hand_written_headers),
		cmocka_unit_test(test_npy_errors),
		cmocka_unit_test(test_npy_atomic_write),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_linspace),
		cmocka_unit_test(test_row_counts_and_timing),
		cmocka_unit_test(test_scipy_reference),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_noise_statistics),
		cmocka_unit_test(test_targets_are_field_at_clean_states),
		cmocka_unit_test(test_initial_states),
		cmocka_unit_test(test_spring_energy),
		cmocka_unit_test(test_energy_x0),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_learned_budget),
		cmocka_unit_test(test_make_errors),
		cmocka_unit_test(test_recipes),
		cmocka_unit_test(test_user_files),
		cmocka_unit_test(test_poincare),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
