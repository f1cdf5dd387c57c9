/* ODE integrators: adaptive RK45 and DOP853 (as scipy's solve_ivp),
 * fixed-step RK4, leapfrog, Yoshida-4 and the implicit midpoint rule
 *
 * requires a field f(x) of an autonomous system (integrate.h)
 *
 * The adaptive methods follow scipy/integrate/_ivp/rk.py and common.py
 * (scipy 1.10) line by line, keeping the order of each sum and product, so
 * that the only differences from scipy are rounding differences inside
 * numpy's dot products; a step accepted by scipy is accepted here unless its
 * error norm lies within round-off of 1.
 */
#include "integrate.h"

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

const char *rt_strerror(int err)
{
	switch (err) {
	case RT_OK: return "success";
	case RT_ERR_ARG: return "invalid argument";
	case RT_ERR_FIELD: return "the field or Jacobian callback failed";
	case RT_ERR_NONFINITE: return "state or field became NaN or infinite";
	case RT_ERR_STEP_UNDERFLOW: return "step size fell below the minimum step";
	case RT_ERR_NO_CONVERGENCE: return "implicit solve did not converge";
	case RT_ERR_SINGULAR: return "implicit solve met a singular matrix";
	case RT_ERR_STEP_BUDGET: return "step budget spent";
	}
	return "unknown integrator error";
}

char *rt_integrate_explain(int err, const rt_stats *st, char *buf, size_t n)
{
	int k = snprintf(buf, n, "stopped at t = %.17g with step size %.3g: ",
	                 st->t, st->h);
	size_t at = k > 0 && (size_t)k < n ? (size_t)k : 0;

	switch (err) {
	case RT_ERR_NONFINITE:
		if (st->max_steps > 0)   /* adaptive: the step was cut to the floor */
			snprintf(buf + at, n - at, "the state became NaN or infinite"
			         " even with the minimum step (%.3g): the field is huge"
			         " or singular here (diverged parameters?), or the"
			         " solution blows up", st->min_step);
		else
			snprintf(buf + at, n - at, "the state became NaN or infinite"
			         " (the step is too large for this field, or the"
			         " solution blows up)");
		break;
	case RT_ERR_STEP_UNDERFLOW:
		snprintf(buf + at, n - at, "the step size fell below the minimum"
		         " (%.3g): the field is huge or not smooth here (diverged"
		         " parameters, a singularity, a blow-up)", st->min_step);
		break;
	case RT_ERR_STEP_BUDGET:
		snprintf(buf + at, n - at, "%ld steps spent, the budget: the field"
		         " is stiff or huge (diverged parameters?), or the span is"
		         " long for this tolerance", st->max_steps);
		break;
	case RT_ERR_NO_CONVERGENCE:
		snprintf(buf + at, n - at, "the implicit solve did not converge"
		         " (the step is too large for this field)");
		break;
	default:
		snprintf(buf + at, n - at, "%s", rt_strerror(err));
	}
	return buf;
}

/* ---- shared helpers ---- */

static int all_finite(const double *x, int n)
{
	for (int i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return 0;
	return 1;
}

static double max_abs(const double *x, int n)
{
	double m = 0;
	for (int i = 0; i < n; i++)
		if (fabs(x[i]) > m)
			m = fabs(x[i]);
	return m;
}

static void fill_nan(double *out, int row_begin, int row_end, int dim)
{
	for (int r = row_begin; r < row_end; r++)
		for (int i = 0; i < dim; i++)
			out[(size_t)r * dim + i] = NAN;
}

static int eval_field(const rt_system *s, const double *x, double *xdot,
                      rt_stats *st)
{
	st->nfev++;
	return s->field(s->ctx, 1, x, xdot) ? RT_ERR_FIELD : RT_OK;
}

static int system_ok(const rt_system *s)
{
	return s && s->field && s->dim >= 1 && s->dim <= RT_MAXDIM;
}

/* ---- adaptive explicit Runge-Kutta (scipy's RungeKutta class) ---- */

#define SAFETY 0.9      /* multiplies the asymptotically optimal step */
#define MIN_FACTOR 0.2  /* largest decrease of the step after a rejection */
#define MAX_FACTOR 10.0 /* largest increase of the step after an acceptance */
#define MAXSTAGE 16     /* DOP853: 12 stages, FSAL stage, 3 dense stages */
#define MAXDENSE 7      /* rows of dense output coefficients (DOP853) */

typedef double stage_rows[RT_MAXDIM];

typedef struct rk_method rk_method;
struct rk_method {
	int nstages;      /* stages of a step; K[nstages] = f(y_new) (FSAL) */
	int error_order;  /* order q of the error estimate: err ~ h^(q+1) */
	const double *A;  /* stage coefficients, row s (stride lda) combines K[0..s-1] */
	int lda;
	const double *B;  /* nstages weights of y_new */
	double (*error_norm)(stage_rows *K, int dim, double h,
	                     const double *scale);
	/* fills dense[][] for the step y_old -> y_new of size h; K holds the
	   step's stages, f(y_old) in K[0] and f(y_new) in K[nstages] */
	int (*dense_prepare)(const rt_system *s, stage_rows *K,
	                     const double *y_old, const double *y_new, double h,
	                     stage_rows *dense, rt_stats *st);
	/* y at x = (t - t_old)/h in [0, 1] */
	void (*dense_eval)(stage_rows *dense, int dim, const double *y_old,
	                   double x, double h, double *y);
};

/* y_out = y + (sum_j K[j]*a[j]) * h over j < nsum: a stage argument, the
   operation order of scipy's `y + np.dot(K[:s].T, a[:s]) * h` */
static void stage_argument(stage_rows *K, const double *a, int nsum,
                           const double *y, double h, int dim, double *y_out)
{
	for (int i = 0; i < dim; i++) {
		double sum = 0;
		for (int j = 0; j < nsum; j++)
			sum += K[j][i] * a[j];
		y_out[i] = y[i] + sum * h;
	}
}

/* one trial step (scipy's rk_step): K[0] must hold f(y) on entry; fills
   K[1..nstages], y_new and K[nstages] = f(y_new) */
static int rk_step(const rk_method *m, const rt_system *s, const double *y,
                   double h, stage_rows *K, double *y_new, rt_stats *st)
{
	int dim = s->dim;
	double arg[RT_MAXDIM];
	int rc;

	for (int stage = 1; stage < m->nstages; stage++) {
		stage_argument(K, m->A + (size_t)stage * m->lda, stage, y, h, dim, arg);
		if ((rc = eval_field(s, arg, K[stage], st)))
			return rc;
	}
	for (int i = 0; i < dim; i++) {   /* y + h * np.dot(K[:-1].T, B) */
		double sum = 0;
		for (int j = 0; j < m->nstages; j++)
			sum += K[j][i] * m->B[j];
		y_new[i] = y[i] + h * sum;
	}
	return eval_field(s, y_new, K[m->nstages], st);
}

/* RMS norm of x/scale (scipy's norm(): np.linalg.norm(x) / sqrt(x.size)) */
static double rms_scaled(const double *x, const double *scale, int dim)
{
	double sum = 0;
	for (int i = 0; i < dim; i++) {
		double v = x[i] / scale[i];
		sum += v * v;
	}
	return sqrt(sum) / sqrt((double)dim);
}

/* scipy's select_initial_step (Hairer, Norsett & Wanner, II.4): a first
   step h with error ~ 0.01 of the tolerance, from f(y0) and f at an Euler
   step of h0 */
static int select_initial_step(const rt_system *s, const double *y0,
                               const double *f0, double direction, int order,
                               double rtol, double atol, double *h_abs,
                               rt_stats *st)
{
	int dim = s->dim;
	double scale[RT_MAXDIM], y1[RT_MAXDIM], f1[RT_MAXDIM], df[RT_MAXDIM];
	double d0, d1, d2, h0, h1;
	int rc;

	for (int i = 0; i < dim; i++)
		scale[i] = atol + fabs(y0[i]) * rtol;
	d0 = rms_scaled(y0, scale, dim);
	d1 = rms_scaled(f0, scale, dim);
	if (d0 < 1e-5 || d1 < 1e-5)
		h0 = 1e-6;
	else
		h0 = 0.01 * d0 / d1;

	for (int i = 0; i < dim; i++)
		y1[i] = y0[i] + h0 * direction * f0[i];
	if ((rc = eval_field(s, y1, f1, st)))
		return rc;
	for (int i = 0; i < dim; i++)
		df[i] = f1[i] - f0[i];
	d2 = rms_scaled(df, scale, dim) / h0;

	if (d1 <= 1e-15 && d2 <= 1e-15)
		h1 = fmax(1e-6, h0 * 1e-3);
	else
		h1 = pow(0.01 / fmax(d1, d2), 1.0 / (order + 1));
	*h_abs = fmin(100 * h0, h1);
	return RT_OK;
}

/* t_eval must lie in the closed span and be strictly monotone in the
   direction of integration (solve_ivp's checks) */
static int t_eval_ok(double t0, double t1, int nt, const double *t_eval)
{
	double lo = fmin(t0, t1), hi = fmax(t0, t1);
	for (int k = 0; k < nt; k++) {
		if (!(t_eval[k] >= lo && t_eval[k] <= hi))
			return 0;
		if (k > 0 && (t1 > t0 ? !(t_eval[k] > t_eval[k - 1])
		                      : !(t_eval[k] < t_eval[k - 1])))
			return 0;
	}
	return 1;
}

/* the solve_ivp driver loop over scipy's RungeKutta._step_impl */
static int rk_adaptive(const rk_method *m, const rt_system *s, double t0,
                       double t1, const double *x0, int nt,
                       const double *t_eval, double rtol, double atol,
                       double *out, rt_stats *st)
{
	stage_rows K[MAXSTAGE], dense[MAXDENSE];
	double y[RT_MAXDIM], y_new[RT_MAXDIM], f[RT_MAXDIM], scale[RT_MAXDIM];
	double error_exponent = -1.0 / (m->error_order + 1);
	double direction, t, h_abs;
	int dim, k = 0, rc;
	rt_stats local;

	if (!system_ok(s) || !x0 || nt < 0 || (nt > 0 && (!t_eval || !out)))
		return RT_ERR_ARG;
	if (!isfinite(t0) || !isfinite(t1) || !(atol > 0) || !isfinite(atol)
	    || !(rtol >= 0) || !isfinite(rtol) || !t_eval_ok(t0, t1, nt, t_eval))
		return RT_ERR_ARG;
	if (!st)
		st = &local;
	memset(st, 0, sizeof *st);
	st->t = t0;
	st->max_steps = s->max_steps > 0 ? s->max_steps : RT_MAX_STEPS;
	st->min_step = s->min_step > 0 ? s->min_step
	                               : RT_MIN_STEP_REL * fabs(t1 - t0);
	dim = s->dim;
	direction = t1 >= t0 ? 1.0 : -1.0;
	if (rtol < 100 * DBL_EPSILON)   /* scipy warns and does the same */
		rtol = 100 * DBL_EPSILON;

	memcpy(y, x0, sizeof(double) * dim);
	rc = all_finite(y, dim) ? eval_field(s, y, f, st) : RT_ERR_NONFINITE;
	if (!rc && !all_finite(f, dim))
		rc = RT_ERR_NONFINITE;
	if (!rc)
		rc = select_initial_step(s, y, f, direction, m->error_order, rtol,
		                         atol, &h_abs, st);
	if (rc)
		goto fail;

	t = t0;
	if (t0 == t1)   /* every t_eval point equals t0 */
		for (; k < nt; k++)
			memcpy(out + (size_t)k * dim, y, sizeof(double) * dim);

	while (t != t1) {
		/* scipy's 10 ulp of t, or the span's floor */
		double min_step = fmax(10 * fabs(nextafter(t, direction * INFINITY) - t),
		                       st->min_step);
		double h, t_new, error_norm, factor;
		int rejected = 0, nonfinite = 0, dense_ready = 0;

		if (h_abs < min_step)
			h_abs = min_step;
		for (;;) {
			st->h = h_abs;
			if (h_abs < min_step) {
				rc = nonfinite ? RT_ERR_NONFINITE : RT_ERR_STEP_UNDERFLOW;
				goto fail;
			}
			if (st->nstep + st->nreject >= st->max_steps) {
				rc = RT_ERR_STEP_BUDGET;
				goto fail;
			}
			h = h_abs * direction;
			t_new = t + h;
			if (direction * (t_new - t1) > 0)
				t_new = t1;
			h = t_new - t;
			h_abs = fabs(h);

			memcpy(K[0], f, sizeof(double) * dim);
			if ((rc = rk_step(m, s, y, h, K, y_new, st)))
				goto fail;
			for (int i = 0; i < dim; i++)
				scale[i] = atol + fmax(fabs(y[i]), fabs(y_new[i])) * rtol;
			if (all_finite(y_new, dim) && all_finite(K[m->nstages], dim))
				error_norm = m->error_norm(K, dim, h, scale);
			else
				error_norm = NAN;

			if (error_norm < 1) {
				if (error_norm == 0)
					factor = MAX_FACTOR;
				else
					factor = fmin(MAX_FACTOR,
					              SAFETY * pow(error_norm, error_exponent));
				if (rejected)
					factor = fmin(1, factor);
				h_abs *= factor;
				break;
			}
			/* NaN or inf error norm: fmax picks MIN_FACTOR, as Python's max() does */
			nonfinite = !isfinite(error_norm);
			h_abs *= fmax(MIN_FACTOR, SAFETY * pow(error_norm, error_exponent));
			rejected = 1;
			st->nreject++;
		}
		st->nstep++;

		/* t_eval points in (t, t_new] come from this step's interpolant */
		while (k < nt && direction * (t_eval[k] - t_new) <= 0) {
			if (!dense_ready) {
				rc = m->dense_prepare(s, K, y, y_new, h, dense, st);
				if (rc)
					goto fail;
				dense_ready = 1;
			}
			m->dense_eval(dense, dim, y, (t_eval[k] - t) / (t_new - t),
			              t_new - t, out + (size_t)k * dim);
			k++;
		}
		t = t_new;
		memcpy(y, y_new, sizeof(double) * dim);
		memcpy(f, K[m->nstages], sizeof(double) * dim);
		st->t = t;
	}
	return RT_OK;

fail:
	if (nt > 0)
		fill_nan(out, k, nt, dim);
	return rc;
}

/* ---- RK45: Dormand & Prince (1980), dense output of Shampine (1986) ---- */

static const double rk45_A[6][6] = {
	{0},
	{1.0 / 5},
	{3.0 / 40, 9.0 / 40},
	{44.0 / 45, -56.0 / 15, 32.0 / 9},
	{19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
	{9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
};
static const double rk45_B[6] = {
	35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84,
};
/* y5 - y4 weights over the 7 stages (the last is f(y_new)) */
static const double rk45_E[7] = {
	-71.0 / 57600, 0, 71.0 / 16695, -71.0 / 1920, 17253.0 / 339200,
	-22.0 / 525, 1.0 / 40,
};
/* quartic interpolant: y(t_old + x h) = y_old + h sum_k (K^T P)[:,k] x^(k+1) */
static const double rk45_P[7][4] = {
	{1, -8048581381.0 / 2820520608, 8663915743.0 / 2820520608,
	 -12715105075.0 / 11282082432},
	{0, 0, 0, 0},
	{0, 131558114200.0 / 32700410799, -68118460800.0 / 10900136933,
	 87487479700.0 / 32700410799},
	{0, -1754552775.0 / 470086768, 14199869525.0 / 1410260304,
	 -10690763975.0 / 1880347072},
	{0, 127303824393.0 / 49829197408, -318862633887.0 / 49829197408,
	 701980252875.0 / 199316789632},
	{0, -282668133.0 / 205662961, 2019193451.0 / 616988883,
	 -1453857185.0 / 822651844},
	{0, 40617522.0 / 29380423, -110615467.0 / 29380423,
	 69997945.0 / 29380423},
};

static double rk45_error_norm(stage_rows *K, int dim, double h,
                              const double *scale)
{
	double err[RT_MAXDIM];
	for (int i = 0; i < dim; i++) {   /* np.dot(K.T, E) * h */
		double sum = 0;
		for (int j = 0; j < 7; j++)
			sum += K[j][i] * rk45_E[j];
		err[i] = sum * h;
	}
	return rms_scaled(err, scale, dim);
}

/* dense[k][i] = Q[i][k] = (K^T P)[i][k] */
static int rk45_dense_prepare(const rt_system *s, stage_rows *K,
                              const double *y_old, const double *y_new,
                              double h, stage_rows *dense, rt_stats *st)
{
	(void)y_old, (void)y_new, (void)h, (void)st;
	for (int i = 0; i < s->dim; i++)
		for (int c = 0; c < 4; c++) {
			double sum = 0;
			for (int j = 0; j < 7; j++)
				sum += K[j][i] * rk45_P[j][c];
			dense[c][i] = sum;
		}
	return RT_OK;
}

static void rk45_dense_eval(stage_rows *dense, int dim,
                            const double *y_old, double x, double h, double *y)
{
	double p[4];   /* np.cumprod([x, x, x, x]) */
	p[0] = x;
	p[1] = p[0] * x;
	p[2] = p[1] * x;
	p[3] = p[2] * x;
	for (int i = 0; i < dim; i++) {
		double sum = 0;
		for (int c = 0; c < 4; c++)
			sum += dense[c][i] * p[c];
		y[i] = h * sum + y_old[i];
	}
}

static const rk_method rk45_method = {
	6, 4, &rk45_A[0][0], 6, rk45_B, rk45_error_norm,
	rk45_dense_prepare, rk45_dense_eval,
};

int rt_rk45(const rt_system *s, double t0, double t1, const double *x0,
            int nt, const double *t_eval, double rtol, double atol,
            double *out, rt_stats *st)
{
	return rk_adaptive(&rk45_method, s, t0, t1, x0, nt, t_eval, rtol, atol,
	                   out, st);
}

/* ---- DOP853: Hairer, Norsett & Wanner, coefficients of scipy's
   dop853_coefficients.py (from the Fortran DOP853) ---- */

/* rows 0-11: the stages; row 12: B, the 8th-order weights; rows 13-15: the
   extra stages of the dense output */
static const double dop_A[16][16] = {
	[1] = {[0] = 5.26001519587677318785587544488e-2},
	[2] = {[0] = 1.97250569845378994544595329183e-2,
	       [1] = 5.91751709536136983633785987549e-2},
	[3] = {[0] = 2.95875854768068491816892993775e-2,
	       [2] = 8.87627564304205475450678981324e-2},
	[4] = {[0] = 2.41365134159266685502369798665e-1,
	       [2] = -8.84549479328286085344864962717e-1,
	       [3] = 9.24834003261792003115737966543e-1},
	[5] = {[0] = 3.7037037037037037037037037037e-2,
	       [3] = 1.70828608729473871279604482173e-1,
	       [4] = 1.25467687566822425016691814123e-1},
	[6] = {[0] = 3.7109375e-2,
	       [3] = 1.70252211019544039314978060272e-1,
	       [4] = 6.02165389804559606850219397283e-2,
	       [5] = -1.7578125e-2},
	[7] = {[0] = 3.70920001185047927108779319836e-2,
	       [3] = 1.70383925712239993810214054705e-1,
	       [4] = 1.07262030446373284651809199168e-1,
	       [5] = -1.53194377486244017527936158236e-2,
	       [6] = 8.27378916381402288758473766002e-3},
	[8] = {[0] = 6.24110958716075717114429577812e-1,
	       [3] = -3.36089262944694129406857109825,
	       [4] = -8.68219346841726006818189891453e-1,
	       [5] = 2.75920996994467083049415600797e1,
	       [6] = 2.01540675504778934086186788979e1,
	       [7] = -4.34898841810699588477366255144e1},
	[9] = {[0] = 4.77662536438264365890433908527e-1,
	       [3] = -2.48811461997166764192642586468,
	       [4] = -5.90290826836842996371446475743e-1,
	       [5] = 2.12300514481811942347288949897e1,
	       [6] = 1.52792336328824235832596922938e1,
	       [7] = -3.32882109689848629194453265587e1,
	       [8] = -2.03312017085086261358222928593e-2},
	[10] = {[0] = -9.3714243008598732571704021658e-1,
	        [3] = 5.18637242884406370830023853209,
	        [4] = 1.09143734899672957818500254654,
	        [5] = -8.14978701074692612513997267357,
	        [6] = -1.85200656599969598641566180701e1,
	        [7] = 2.27394870993505042818970056734e1,
	        [8] = 2.49360555267965238987089396762,
	        [9] = -3.0467644718982195003823669022},
	[11] = {[0] = 2.27331014751653820792359768449,
	        [3] = -1.05344954667372501984066689879e1,
	        [4] = -2.00087205822486249909675718444,
	        [5] = -1.79589318631187989172765950534e1,
	        [6] = 2.79488845294199600508499808837e1,
	        [7] = -2.85899827713502369474065508674,
	        [8] = -8.87285693353062954433549289258,
	        [9] = 1.23605671757943030647266201528e1,
	        [10] = 6.43392746015763530355970484046e-1},
	[12] = {[0] = 5.42937341165687622380535766363e-2,
	        [5] = 4.45031289275240888144113950566,
	        [6] = 1.89151789931450038304281599044,
	        [7] = -5.8012039600105847814672114227,
	        [8] = 3.1116436695781989440891606237e-1,
	        [9] = -1.52160949662516078556178806805e-1,
	        [10] = 2.01365400804030348374776537501e-1,
	        [11] = 4.47106157277725905176885569043e-2},
	[13] = {[0] = 5.61675022830479523392909219681e-2,
	        [6] = 2.53500210216624811088794765333e-1,
	        [7] = -2.46239037470802489917441475441e-1,
	        [8] = -1.24191423263816360469010140626e-1,
	        [9] = 1.5329179827876569731206322685e-1,
	        [10] = 8.20105229563468988491666602057e-3,
	        [11] = 7.56789766054569976138603589584e-3,
	        [12] = -8.298e-3},
	[14] = {[0] = 3.18346481635021405060768473261e-2,
	        [5] = 2.83009096723667755288322961402e-2,
	        [6] = 5.35419883074385676223797384372e-2,
	        [7] = -5.49237485713909884646569340306e-2,
	        [10] = -1.08347328697249322858509316994e-4,
	        [11] = 3.82571090835658412954920192323e-4,
	        [12] = -3.40465008687404560802977114492e-4,
	        [13] = 1.41312443674632500278074618366e-1},
	[15] = {[0] = -4.28896301583791923408573538692e-1,
	        [5] = -4.69762141536116384314449447206,
	        [6] = 7.68342119606259904184240953878,
	        [7] = 4.06898981839711007970213554331,
	        [8] = 3.56727187455281109270669543021e-1,
	        [12] = -1.39902416515901462129418009734e-3,
	        [13] = 2.9475147891527723389556272149,
	        [14] = -9.15095847217987001081870187138},
};

/* the 5th-order error weights, over the 13 stages (the last is f(y_new)) */
static const double dop_E5[13] = {
	[0] = 0.1312004499419488073250102996e-1,
	[5] = -0.1225156446376204440720569753e+1,
	[6] = -0.4957589496572501915214079952,
	[7] = 0.1664377182454986536961530415e+1,
	[8] = -0.3503288487499736816886487290,
	[9] = 0.3341791187130174790297318841,
	[10] = 0.8192320648511571246570742613e-1,
	[11] = -0.2235530786388629525884427845e-1,
};

/* the 3rd-order error weights are E3 = B - BHH, subtracted in double as
   scipy does */
static const double dop_BHH[13] = {
	[0] = 0.244094488188976377952755905512,
	[8] = 0.733846688281611857341361741547,
	[11] = 0.220588235294117647058823529412e-1,
};

/* rows 3-6 of the dense output: F[3:] = h * D K */
static const double dop_D[4][16] = {
	{[0] = -0.84289382761090128651353491142e+1,
	 [5] = 0.56671495351937776962531783590,
	 [6] = -0.30689499459498916912797304727e+1,
	 [7] = 0.23846676565120698287728149680e+1,
	 [8] = 0.21170345824450282767155149946e+1,
	 [9] = -0.87139158377797299206789907490,
	 [10] = 0.22404374302607882758541771650e+1,
	 [11] = 0.63157877876946881815570249290,
	 [12] = -0.88990336451333310820698117400e-1,
	 [13] = 0.18148505520854727256656404962e+2,
	 [14] = -0.91946323924783554000451984436e+1,
	 [15] = -0.44360363875948939664310572000e+1},
	{[0] = 0.10427508642579134603413151009e+2,
	 [5] = 0.24228349177525818288430175319e+3,
	 [6] = 0.16520045171727028198505394887e+3,
	 [7] = -0.37454675472269020279518312152e+3,
	 [8] = -0.22113666853125306036270938578e+2,
	 [9] = 0.77334326684722638389603898808e+1,
	 [10] = -0.30674084731089398182061213626e+2,
	 [11] = -0.93321305264302278729567221706e+1,
	 [12] = 0.15697238121770843886131091075e+2,
	 [13] = -0.31139403219565177677282850411e+2,
	 [14] = -0.93529243588444783865713862664e+1,
	 [15] = 0.35816841486394083752465898540e+2},
	{[0] = 0.19985053242002433820987653617e+2,
	 [5] = -0.38703730874935176555105901742e+3,
	 [6] = -0.18917813819516756882830838328e+3,
	 [7] = 0.52780815920542364900561016686e+3,
	 [8] = -0.11573902539959630126141871134e+2,
	 [9] = 0.68812326946963000169666922661e+1,
	 [10] = -0.10006050966910838403183860980e+1,
	 [11] = 0.77771377980534432092869265740,
	 [12] = -0.27782057523535084065932004339e+1,
	 [13] = -0.60196695231264120758267380846e+2,
	 [14] = 0.84320405506677161018159903784e+2,
	 [15] = 0.11992291136182789328035130030e+2},
	{[0] = -0.25693933462703749003312586129e+2,
	 [5] = -0.15418974869023643374053993627e+3,
	 [6] = -0.23152937917604549567536039109e+3,
	 [7] = 0.35763911791061412378285349910e+3,
	 [8] = 0.93405324183624310003907691704e+2,
	 [9] = -0.37458323136451633156875139351e+2,
	 [10] = 0.10409964950896230045147246184e+3,
	 [11] = 0.29840293426660503123344363579e+2,
	 [12] = -0.43533456590011143754432175058e+2,
	 [13] = 0.96324553959188282948394950600e+2,
	 [14] = -0.39177261675615439165231486172e+2,
	 [15] = -0.14972683625798562581422125276e+3},
};

/* |h| |e5|^2 / sqrt(n (|e5|^2 + 0.01 |e3|^2)) with e5, e3 the scaled
   5th- and 3rd-order error estimates: the 3rd-order term keeps the
   estimate from vanishing by accident (DOP853's combined estimate) */
static double dop853_error_norm(stage_rows *K, int dim, double h,
                                const double *scale)
{
	double e3c[13], sq5 = 0, sq3 = 0, n5, n3, denom;

	for (int j = 0; j < 13; j++)
		e3c[j] = (j < 12 ? dop_A[12][j] : 0.0) - dop_BHH[j];
	for (int i = 0; i < dim; i++) {
		double s5 = 0, s3 = 0, e5, e3;
		for (int j = 0; j < 13; j++) {
			s5 += K[j][i] * dop_E5[j];
			s3 += K[j][i] * e3c[j];
		}
		e5 = s5 / scale[i];
		e3 = s3 / scale[i];
		sq5 += e5 * e5;
		sq3 += e3 * e3;
	}
	n5 = sqrt(sq5);   /* np.linalg.norm(err5)**2, as scipy squares it */
	n3 = sqrt(sq3);
	n5 = n5 * n5;
	n3 = n3 * n3;
	if (n5 == 0 && n3 == 0)
		return 0.0;
	denom = n5 + 0.01 * n3;
	return fabs(h) * n5 / sqrt(denom * dim);
}

/* 3 more stages, then the 7 rows F of the 7th-order interpolant */
static int dop853_dense_prepare(const rt_system *s, stage_rows *K,
                                const double *y_old, const double *y_new,
                                double h, stage_rows *dense, rt_stats *st)
{
	int dim = s->dim;
	double arg[RT_MAXDIM];
	int rc;

	for (int stage = 13; stage < 16; stage++) {
		stage_argument(K, dop_A[stage], stage, y_old, h, dim, arg);
		if ((rc = eval_field(s, arg, K[stage], st)))
			return rc;
	}
	for (int i = 0; i < dim; i++) {
		double delta_y = y_new[i] - y_old[i];
		double f_old = K[0][i], f_new = K[12][i];
		dense[0][i] = delta_y;
		dense[1][i] = h * f_old - delta_y;
		dense[2][i] = 2 * delta_y - h * (f_new + f_old);
		for (int r = 0; r < 4; r++) {
			double sum = 0;
			for (int j = 0; j < 16; j++)
				sum += dop_D[r][j] * K[j][i];
			dense[3 + r][i] = h * sum;
		}
	}
	return RT_OK;
}

/* y = y_old + x(F0 + (1-x)(F1 + x(F2 + (1-x)(F3 + ...)))), innermost first */
static void dop853_dense_eval(stage_rows *dense, int dim,
                              const double *y_old, double x, double h,
                              double *y)
{
	(void)h;
	for (int i = 0; i < dim; i++) {
		double v = 0;
		for (int r = MAXDENSE - 1; r >= 0; r--) {
			v += dense[r][i];
			if ((MAXDENSE - 1 - r) % 2 == 0)
				v *= x;
			else
				v *= 1 - x;
		}
		y[i] = v + y_old[i];
	}
}

static const rk_method dop853_method = {
	12, 7, &dop_A[0][0], 16, dop_A[12], dop853_error_norm,
	dop853_dense_prepare, dop853_dense_eval,
};

int rt_dop853(const rt_system *s, double t0, double t1, const double *x0,
              int nt, const double *t_eval, double rtol, double atol,
              double *out, rt_stats *st)
{
	return rk_adaptive(&dop853_method, s, t0, t1, x0, nt, t_eval, rtol, atol,
	                   out, st);
}

/* ---- fixed-step methods ---- */

/* advances x by one step of size h in place */
typedef int (*step_fn)(const rt_system *s, void *state, double h, double *x,
                       rt_stats *st);

static int fixed_run(const rt_system *s, step_fn step, void *state, double t0,
                     double h, int nsteps, int every, const double *x0,
                     double *out, rt_stats *st)
{
	double x[RT_MAXDIM];
	int dim = s->dim, nrows = nsteps / every + 1, rc = RT_OK;
	rt_stats local;

	if (!st)
		st = &local;
	memset(st, 0, sizeof *st);
	st->t = t0;
	st->h = h;
	memcpy(x, x0, sizeof(double) * dim);
	if (!all_finite(x, dim) || !isfinite(h)) {
		fill_nan(out, 0, nrows, dim);
		return RT_ERR_NONFINITE;
	}
	memcpy(out, x, sizeof(double) * dim);
	for (int k = 1; k <= nsteps; k++) {
		rc = step(s, state, h, x, st);
		if (!rc && !all_finite(x, dim))
			rc = RT_ERR_NONFINITE;
		if (rc) {
			fill_nan(out, (k - 1) / every + 1, nrows, dim);
			return rc;
		}
		st->nstep++;
		st->t = t0 + k * h;
		if (k % every == 0)
			memcpy(out + (size_t)(k / every) * dim, x, sizeof(double) * dim);
	}
	return RT_OK;
}

static int fixed_args_ok(const rt_system *s, double t0, int nsteps, int every,
                         const double *x0, const double *out)
{
	return system_ok(s) && isfinite(t0) && nsteps >= 0 && every >= 1
	       && nsteps % every == 0 && x0 && out;
}

/* k1 = f(x), k2 = f(x + h/2 k1), k3 = f(x + h/2 k2), k4 = f(x + h k3),
   x += h/6 (k1 + 2 k2 + 2 k3 + k4) */
static int rk4_step(const rt_system *s, void *state, double h, double *x,
                    rt_stats *st)
{
	int dim = s->dim, rc;
	double k1[RT_MAXDIM], k2[RT_MAXDIM], k3[RT_MAXDIM], k4[RT_MAXDIM];
	double arg[RT_MAXDIM], half = 0.5 * h, sixth = h / 6;

	(void)state;
	if ((rc = eval_field(s, x, k1, st)))
		return rc;
	for (int i = 0; i < dim; i++)
		arg[i] = x[i] + half * k1[i];
	if ((rc = eval_field(s, arg, k2, st)))
		return rc;
	for (int i = 0; i < dim; i++)
		arg[i] = x[i] + half * k2[i];
	if ((rc = eval_field(s, arg, k3, st)))
		return rc;
	for (int i = 0; i < dim; i++)
		arg[i] = x[i] + h * k3[i];
	if ((rc = eval_field(s, arg, k4, st)))
		return rc;
	for (int i = 0; i < dim; i++)
		x[i] = x[i] + sixth * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
	return RT_OK;
}

int rt_rk4(const rt_system *s, double t0, double h, int nsteps, int every,
           const double *x0, double *out, rt_stats *st)
{
	if (!fixed_args_ok(s, t0, nsteps, every, x0, out))
		return RT_ERR_ARG;
	return fixed_run(s, rk4_step, NULL, t0, h, nsteps, every, x0, out, st);
}

/* f holds the field at the current (q, p) whenever valid is set; by the
   separability contract its p-half depends only on q, so it stays valid
   through a drift-free kick and is reused as the next step's first kick */
typedef struct {
	double f[RT_MAXDIM];
	int valid;
} leapfrog_state;

static int leapfrog_substep(const rt_system *s, leapfrog_state *lf, double h,
                            double *x, rt_stats *st)
{
	int m = s->dim / 2, rc;
	double *q = x, *p = x + m, fdrift[RT_MAXDIM];

	if (!lf->valid) {
		if ((rc = eval_field(s, x, lf->f, st)))
			return rc;
		lf->valid = 1;
	}
	for (int i = 0; i < m; i++)      /* kick: p += h/2 f_p(q) */
		p[i] = p[i] + (0.5 * h) * lf->f[m + i];
	if ((rc = eval_field(s, x, fdrift, st))) {
		lf->valid = 0;
		return rc;
	}
	for (int i = 0; i < m; i++)      /* drift: q += h f_q(p) */
		q[i] = q[i] + h * fdrift[i];
	if ((rc = eval_field(s, x, lf->f, st))) {
		lf->valid = 0;
		return rc;
	}
	for (int i = 0; i < m; i++)      /* kick with the force at the new q */
		p[i] = p[i] + (0.5 * h) * lf->f[m + i];
	return RT_OK;
}

static int leapfrog_step(const rt_system *s, void *state, double h, double *x,
                         rt_stats *st)
{
	return leapfrog_substep(s, state, h, x, st);
}

int rt_leapfrog(const rt_system *s, double t0, double h, int nsteps,
                int every, const double *x0, double *out, rt_stats *st)
{
	leapfrog_state lf = {{0}, 0};
	if (!fixed_args_ok(s, t0, nsteps, every, x0, out) || s->dim % 2 != 0)
		return RT_ERR_ARG;
	return fixed_run(s, leapfrog_step, &lf, t0, h, nsteps, every, x0, out, st);
}

/* Yoshida (1990): the symmetric composition w1, w0, w1 of a 2nd-order
   symmetric method cancels its h^3 error term when 2 w1^3 + w0^3 = 0 */
static int yoshida4_step(const rt_system *s, void *state, double h, double *x,
                         rt_stats *st)
{
	/* w1 = 1/(2 - 2^(1/3)), w0 = -2^(1/3)/(2 - 2^(1/3)) = 1 - 2 w1, as
	   literals: libm's cbrt need not round the same on every platform */
	const double w1 = 1.3512071919596576340476878089715;
	const double w0 = -1.7024143839193152680953756179429;
	int rc;

	if ((rc = leapfrog_substep(s, state, w1 * h, x, st)))
		return rc;
	if ((rc = leapfrog_substep(s, state, w0 * h, x, st)))
		return rc;
	return leapfrog_substep(s, state, w1 * h, x, st);
}

int rt_yoshida4(const rt_system *s, double t0, double h, int nsteps,
                int every, const double *x0, double *out, rt_stats *st)
{
	leapfrog_state lf = {{0}, 0};
	if (!fixed_args_ok(s, t0, nsteps, every, x0, out) || s->dim % 2 != 0)
		return RT_ERR_ARG;
	return fixed_run(s, yoshida4_step, &lf, t0, h, nsteps, every, x0, out, st);
}

/* Solves M y = b in place (b becomes y) by Gaussian elimination with
   partial pivoting; M (n x n, row-major) is destroyed. The first row with
   the largest |pivot| wins, so the result is a fixed function of M and b. */
static int solve_dense(int n, double *M, double *b)
{
	for (int c = 0; c < n; c++) {
		int piv = c;
		for (int r = c + 1; r < n; r++)
			if (fabs(M[r * n + c]) > fabs(M[piv * n + c]))
				piv = r;
		if (!(fabs(M[piv * n + c]) > 0) || !isfinite(M[piv * n + c]))
			return RT_ERR_SINGULAR;
		if (piv != c) {
			for (int j = 0; j < n; j++) {
				double tmp = M[c * n + j];
				M[c * n + j] = M[piv * n + j];
				M[piv * n + j] = tmp;
			}
			double tmp = b[c];
			b[c] = b[piv];
			b[piv] = tmp;
		}
		for (int r = c + 1; r < n; r++) {
			double l = M[r * n + c] / M[c * n + c];
			for (int j = c + 1; j < n; j++)
				M[r * n + j] -= l * M[c * n + j];
			b[r] -= l * b[c];
		}
	}
	for (int i = n - 1; i >= 0; i--) {
		double sum = b[i];
		for (int j = i + 1; j < n; j++)
			sum -= M[i * n + j] * b[j];
		b[i] = sum / M[i * n + i];
	}
	return RT_OK;
}

typedef struct {
	rt_jacobian_fn jac;
	double tol;
	int maxiter;
	int fixed;             /* maxiter iterations from z = 0, no test */
	double z[RT_MAXDIM];   /* the last step's half increment: the next guess */
} midpoint_state;

/* solves z = (h/2) f(x + z), then x += 2 z */
static int midpoint_step(const rt_system *s, void *state, double h, double *x,
                         rt_stats *st)
{
	midpoint_state *ms = state;
	int dim = s->dim, rc;
	double hh = 0.5 * h, threshold = ms->tol * (1 + max_abs(x, dim));
	double *z = ms->z, xm[RT_MAXDIM], fm[RT_MAXDIM], d[RT_MAXDIM];
	double M[RT_MAXDIM * RT_MAXDIM];

	if (ms->fixed)
		memset(z, 0, sizeof(double) * dim);
	for (int it = 0; it < ms->maxiter; it++) {
		st->niter++;
		for (int i = 0; i < dim; i++)
			xm[i] = x[i] + z[i];
		if ((rc = eval_field(s, xm, fm, st)))
			return rc;
		if (ms->jac) {
			/* Newton on g(z) = z - (h/2) f(x + z): (I - (h/2) J) d = -g(z) */
			st->njev++;
			if (ms->jac(s->ctx, xm, M))
				return RT_ERR_FIELD;
			for (int i = 0; i < dim; i++) {
				for (int j = 0; j < dim; j++)
					M[i * dim + j] = (i == j ? 1.0 : 0.0) - hh * M[i * dim + j];
				d[i] = hh * fm[i] - z[i];
			}
			if ((rc = solve_dense(dim, M, d)))
				return all_finite(xm, dim) && all_finite(fm, dim)
				       ? rc : RT_ERR_NONFINITE;
		} else {
			for (int i = 0; i < dim; i++)
				d[i] = hh * fm[i] - z[i];
		}
		for (int i = 0; i < dim; i++)
			z[i] = z[i] + d[i];
		if (!all_finite(z, dim))
			return RT_ERR_NONFINITE;
		if (ms->fixed ? it == ms->maxiter - 1 : max_abs(d, dim) <= threshold) {
			for (int i = 0; i < dim; i++)
				x[i] = x[i] + 2 * z[i];
			return RT_OK;
		}
	}
	return RT_ERR_NO_CONVERGENCE;
}

int rt_implicit_midpoint(const rt_system *s, rt_jacobian_fn jac, double t0,
                         double h, int nsteps, int every, const double *x0,
                         double tol, int maxiter, double *out, rt_stats *st)
{
	midpoint_state ms;
	if (!fixed_args_ok(s, t0, nsteps, every, x0, out) || !(tol >= 0)
	    || !isfinite(tol) || maxiter < 1)
		return RT_ERR_ARG;
	memset(&ms, 0, sizeof ms);
	ms.jac = jac;
	ms.tol = tol;
	ms.maxiter = maxiter;
	return fixed_run(s, midpoint_step, &ms, t0, h, nsteps, every, x0, out, st);
}

int rt_implicit_midpoint_fixed(const rt_system *s, rt_jacobian_fn jac,
                               double t0, double h, int nsteps, int every,
                               const double *x0, int niter, double *out,
                               rt_stats *st)
{
	midpoint_state ms;
	if (!fixed_args_ok(s, t0, nsteps, every, x0, out) || !jac || niter < 1)
		return RT_ERR_ARG;
	memset(&ms, 0, sizeof ms);
	ms.jac = jac;
	ms.maxiter = niter;
	ms.fixed = 1;
	return fixed_run(s, midpoint_step, &ms, t0, h, nsteps, every, x0, out, st);
}
