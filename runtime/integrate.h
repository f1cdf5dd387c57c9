/* ODE integrators for autonomous systems x' = f(x)
 *
 * Adaptive methods (rt_rk45, rt_dop853) reproduce
 * scipy.integrate.solve_ivp(method='RK45' / 'DOP853', t_eval=...): same
 * tableaus, initial step selection, error norms, step size controller and
 * dense output, so that a trajectory agrees with scipy's to far below the
 * tolerance (the HNN reference data and energy metrics were made with
 * solve_ivp). Fixed-step methods: classic RK4, the symplectic leapfrog and
 * Yoshida-4 for separable H, and the implicit midpoint rule for any H.
 *
 * All methods are deterministic: one fixed order of floating-point
 * operations, no FMA assumed (build with -ffp-contract=off), no allocation,
 * no global state. Work arrays live on the stack, sized by RT_MAXDIM.
 */
#ifndef RT_INTEGRATE_H
#define RT_INTEGRATE_H

#include <stddef.h>

/* largest state dimension the integrators accept (stack work arrays:
   DOP853 keeps 16 x RT_MAXDIM doubles, implicit midpoint a RT_MAXDIM^2 matrix) */
#define RT_MAXDIM 64

/* x' = f(x), autonomous, dimension dim. The field is evaluated for n states
   at once (rows of dim doubles, xdot has the same shape); every integrator
   here calls it with n = 1. Returns 0, or nonzero if it could not evaluate,
   and the integrator then stops with RT_ERR_FIELD. */
typedef int (*rt_field_fn)(void *ctx, int n, const double *x, double *xdot);

/* J = df/dx at x, dim x dim row-major: J[i*dim + j] = d xdot_i / d x_j.
   Returns 0, or nonzero if it could not evaluate (RT_ERR_FIELD). */
typedef int (*rt_jacobian_fn)(void *ctx, const double *x, double *J);

typedef struct {
	rt_field_fn field;
	void *ctx;      /* passed unchanged to field (and to the Jacobian) */
	int dim;        /* 1 <= dim <= RT_MAXDIM */
	/* limits of the adaptive methods, so that every integration ends in a
	   bounded time whatever the field (0: the defaults below) */
	long max_steps; /* trial steps (accepted + rejected) */
	double min_step;/* smallest step size */
} rt_system;

/* Default limits. The step budget bounds the work (about 6 field
   evaluations a step for RK45, 12 for DOP853); the minimum step is scipy's
   10 ulp of t, but never below 1e-15 of the time span: near t = 0 ulp(t)
   is subnormal, and a field with huge values (a diverged network's) would
   otherwise shrink the step towards 1e-300 and crawl for ever. */
#define RT_MAX_STEPS 1000000L
#define RT_MIN_STEP_REL 1e-15

/* Counters filled by every integrator (the pointer may be NULL). */
typedef struct {
	long nstep;     /* accepted steps */
	long nreject;   /* rejected trial steps (adaptive methods only) */
	long nfev;      /* field evaluations (calls, each with n = 1) */
	long njev;      /* Jacobian evaluations (implicit midpoint only) */
	long niter;     /* solver iterations over all steps (implicit midpoint) */
	double t;       /* time of the last accepted state: t1 on success */
	double h;       /* size of the last step tried (on error: the failing one) */
	long max_steps; /* the limits that applied (adaptive methods) */
	double min_step;/* (the span's floor; scipy's 10 ulp of t may be larger) */
} rt_stats;

enum {
	RT_OK = 0,
	RT_ERR_ARG,             /* invalid argument (dim, tolerances, t_eval order, ...) */
	RT_ERR_FIELD,           /* the field or Jacobian callback returned nonzero */
	RT_ERR_NONFINITE,       /* the state or the field became NaN or infinite */
	RT_ERR_STEP_UNDERFLOW,  /* adaptive step fell below the minimum step */
	RT_ERR_NO_CONVERGENCE,  /* implicit solve did not converge in maxiter */
	RT_ERR_SINGULAR,        /* implicit solve met a singular Newton matrix */
	RT_ERR_STEP_BUDGET      /* adaptive method spent max_steps trial steps */
};

/* a static English message for an RT_* code */
const char *rt_strerror(int err);

/* Explains an integrator error for a person: where it stopped (the time
   reached and the step size, from st), what happened and its likely cause,
   e.g. "stopped at t = 2.5 with step size 5: the state became NaN or
   infinite (the step is too large for this field, or the solution blows
   up)". Writes at most n bytes to buf and returns buf. */
char *rt_integrate_explain(int err, const rt_stats *st, char *buf, size_t n);

/* Adaptive Dormand-Prince 5(4), as scipy's RK45; integrates from t0 to t1
   (t1 < t0 integrates backwards) and writes the state at each of the nt
   times t_eval[k] to out[k*dim ... k*dim+dim-1], using scipy's quartic dense
   output of the step that contains t_eval[k]. t_eval must lie in [t0, t1]
   and be strictly monotone in the direction of integration (nt may be 0).
   The error test is RMS(err_i / (atol + rtol*max(|y_i|, |y_new_i|))) < 1;
   rtol below 100*DBL_EPSILON is raised to it, as scipy does. atol must be
   > 0 (scipy also takes 0, and then divides by zero where a component is 0).
   The steps, the evaluation count and the output are those of
   solve_ivp(fun, (t0, t1), x0, method='RK45', t_eval=t_eval, rtol=rtol,
   atol=atol), up to the rounding of numpy's dot products.
   A trial step whose state or field is not finite is rejected like one with
   too large an error (as in scipy); if that continues until the step falls
   below the minimum, the error is RT_ERR_NONFINITE, else
   RT_ERR_STEP_UNDERFLOW. The minimum step is max(10 ulp of t, s->min_step
   or RT_MIN_STEP_REL |t1 - t0|); more than s->max_steps (or RT_MAX_STEPS)
   trial steps give RT_ERR_STEP_BUDGET. On error, the rows of times not
   reached are set to NaN, st->t is the time reached and st->h the step. */
int rt_rk45(const rt_system *s, double t0, double t1, const double *x0,
            int nt, const double *t_eval, double rtol, double atol,
            double *out, rt_stats *st);

/* Adaptive Dormand-Prince 8(5,3), as scipy's DOP853, with its 7th-order
   dense output (3 extra field evaluations in each step that holds a t_eval
   point). Same contract as rt_rk45. */
int rt_dop853(const rt_system *s, double t0, double t1, const double *x0,
              int nt, const double *t_eval, double rtol, double atol,
              double *out, rt_stats *st);

/* Fixed-step methods share one output convention: nsteps steps of size h
   from x0 at t0; out receives 1 + nsteps/every rows of dim doubles: x0, then
   the state after every `every` steps (every >= 1 must divide nsteps). On
   error, rows not reached are set to NaN, st->t is the time reached and
   st->h the step size. A state that is not finite after a step stops the
   run with RT_ERR_NONFINITE. */

/* classic 4th-order Runge-Kutta, 4 field evaluations a step */
int rt_rk4(const rt_system *s, double t0, double h, int nsteps, int every,
           const double *x0, double *out, rt_stats *st);

/* Separable H(q, p) = T(p) + V(q). The state is x = (q, p): q is the first
   dim/2 components, p the second half (dim must be even). The field is
   f = (dH/dp, -dH/dq); the contract is that its q-half depends only on p
   and its p-half only on q. The methods evaluate the full field and use
   only the half that the contract makes exact, so a field that breaks the
   contract gives a wrong (but deterministic) result, not an error. */

/* Stormer-Verlet, kick-drift-kick: p += h/2 f_p(q); q += h f_q(p);
   p += h/2 f_p(q). 2nd order, symplectic, time-reversible; the last kick's
   f_p is reused by the next step, so 2 field evaluations a step. */
int rt_leapfrog(const rt_system *s, double t0, double h, int nsteps,
                int every, const double *x0, double *out, rt_stats *st);

/* Yoshida's 4th-order composition: leapfrog steps of w1*h, w0*h, w1*h with
   w1 = 1/(2 - 2^(1/3)), w0 = 1 - 2*w1. Symplectic; 6 evaluations a step. */
int rt_yoshida4(const rt_system *s, double t0, double h, int nsteps,
                int every, const double *x0, double *out, rt_stats *st);

/* Implicit midpoint rule, x1 = x0 + h f((x0 + x1)/2), for any H: 2nd order,
   symplectic, time-reversible. Each step solves for the half increment
   z = (x1 - x0)/2 = (h/2) f(x0 + z), starting from the previous step's z:
   by Newton's method with J = jac(x0 + z) if jac is not NULL (Gaussian
   elimination with partial pivoting on I - (h/2) J), else by fixed-point
   iteration (converges only if (h/2)*Lipschitz(f) < 1). Iteration stops
   when max_i |update_i| <= tol * (1 + max_i |x0_i|); tol near 1e-14 keeps
   the solve at round-off, which long symplectic runs need. More than
   maxiter iterations in a step gives RT_ERR_NO_CONVERGENCE. The Jacobian
   callback receives s->ctx. */
int rt_implicit_midpoint(const rt_system *s, rt_jacobian_fn jac, double t0,
                         double h, int nsteps, int every, const double *x0,
                         double tol, int maxiter, double *out, rt_stats *st);

/* The same rule with exactly niter Newton iterations a step, each step
   starting from z = 0 (no convergence test, no carried guess): a fixed cost,
   and a state after k steps that depends only on the state before them
   (the code `hnnc export` writes does this). */
int rt_implicit_midpoint_fixed(const rt_system *s, rt_jacobian_fn jac,
                               double t0, double h, int nsteps, int every,
                               const double *x0, int niter, double *out,
                               rt_stats *st);

#endif
