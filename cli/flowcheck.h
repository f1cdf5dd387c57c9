/* Structure checks of a compiled flow (a model that calls flow.declare):
 * symplecticity from the compiled Jacobians, exact inverses, det J, and the
 * loss gradient against central finite differences. Used by `hnnc check`
 * and by tests/test_flows.c, so both measure the same thing.
 *
 * Every error is a max over the sample points:
 *   symplectic_error  max |JᵀΩJ - Ω| over entries, J = the compiled
 *                     hn.jacobian of the whole forward map (never finite
 *                     differences); per layer the same with its own Jacobian
 *   roundtrip_error   max |T⁻¹(T(x)) - x| over entries
 *   det_error         max |det J - 1| (symplectic flows); for a flow that is
 *                     not, max |log|det J| - logdet(x)| (its declared log-det)
 *   grad_error        max_i |g_i - fd_i| / max_i |fd_i| over the parameters
 *                     probed: g from the compiled loss_grad, fd central
 *                     differences of the compiled loss (h = 1e-5 relative)
 * A layer (or the flow) that claims to be symplectic fails when its error
 * exceeds tol · max(1, max|J|²): tol = 1e-9 in double, 1e-3 in float.
 */
#ifndef HNNC_FLOWCHECK_H
#define HNNC_FLOWCHECK_H
#include <stdint.h>

#include "../compiler/hnnc.h"

typedef struct FlowLayer {
  char kind[32];
  int claim;          /* the layer says it is symplectic */
  char *at;           /* "FILE:LINE" of the user's line that built it */
  double symplectic_error, jmax;
  int failed;
} FlowLayer;

typedef struct FlowReport {
  int n;              /* degrees of freedom */
  int claim;          /* the flow says it is symplectic */
  int nlayers;
  FlowLayer *layer;
  char **state;       /* names of state parameters (zero_center means) */
  int nstate;
  int npoints;
  double symplectic_error, roundtrip_error, det_error, grad_error; /* NAN: not measured */
  double jmax;        /* max |J| entry of the whole flow */
  int failed;         /* a claimed-symplectic layer or the flow failed */
} FlowReport;

/* Reads the flow's notes (flow.declare); 1 with a message if m is no flow. */
int flow_describe(const Model *m, const char *path, FlowReport *r, char *err, size_t nerr);
/* Measures every error at npoints points x ~ N(0, scale²) from the seed;
 * theta holds nparams doubles. grad_error needs functions loss and
 * loss_grad (else NAN); at most maxgrad parameters are probed (spread
 * evenly; 0 = all). 1 on error (out of memory, a non-finite output). */
int flow_measure(Model *m, const double *theta, int npoints, double scale, uint64_t seed, long maxgrad,
                 FlowReport *r, char *err, size_t nerr);
void flow_report_free(FlowReport *r);
/* sign-aware determinant of the d x d matrix a (row-major; a is clobbered) */
double flow_det(double *a, int d);
#endif
