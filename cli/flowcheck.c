/* Structure checks of a compiled flow: see flowcheck.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowcheck.h"
#include "../prelude/rng.h"

/* ---- the flow's description (its hn.note lines) ---- */

int flow_describe(const Model *m, const char *path, FlowReport *r, char *err, size_t nerr) {
  const char *s = m->g->notes;
  memset(r, 0, sizeof *r);
  r->symplectic_error = r->roundtrip_error = r->det_error = r->grad_error = NAN;
  r->n = -1;
  while (s && *s) {
    const char *nl = strchr(s, '\n');
    int len = (int)(nl - s), pos = 0, idx;
    char kind[32], claim[32];
    if (!strncmp(s, "flow.n ", 7)) r->n = atoi(s + 7);
    else if (!strncmp(s, "flow.symplectic ", 16)) r->claim = s[16] == '1';
    else if (!strncmp(s, "flow.state ", 11)) {
      r->state = xrealloc(r->state, (r->nstate + 1) * sizeof *r->state);
      r->state[r->nstate] = xmalloc(len - 10);
      memcpy(r->state[r->nstate], s + 11, len - 11);
      r->state[r->nstate++][len - 11] = 0;
    } else if (!strncmp(s, "flow.layer ", 11) && sscanf(s + 11, "%d %31s %31s %n", &idx, kind, claim, &pos) == 3 && pos) {
      FlowLayer *l;
      r->layer = xrealloc(r->layer, (r->nlayers + 1) * sizeof *r->layer);
      l = &r->layer[r->nlayers++];
      memset(l, 0, sizeof *l);
      snprintf(l->kind, sizeof l->kind, "%s", kind);
      l->claim = !strcmp(claim, "symplectic");
      l->at = xmalloc(len - 11 - pos + 1);
      memcpy(l->at, s + 11 + pos, len - 11 - pos);
      l->at[len - 11 - pos] = 0;
    }
    s = nl + 1;
  }
  if (r->n < 1 || model_func(m, "forward") < 0 || model_func(m, "inverse") < 0 || model_func(m, "jacobian") < 0) {
    snprintf(err, nerr, "%s: error: not a flow: declare one with flow.declare(T) (require \"hnnc.flow\")", path);
    flow_report_free(r);
    return 1;
  }
  return 0;
}

void flow_report_free(FlowReport *r) {
  int i;
  for (i = 0; i < r->nlayers; i++) free(r->layer[i].at);
  for (i = 0; i < r->nstate; i++) free(r->state[i]);
  free(r->layer);
  free(r->state);
  memset(r, 0, sizeof *r);
}

/* ---- calling compiled functions on doubles ---- */

static long out_elems(const Model *m, int fi, int j, long n) {
  const Node *o = &m->g->node[m->g->func[fi].out[j]];
  return shape_size(&o->shape) * (o->batched ? n : 1);
}

/* Function fi on n samples; in[j], out[j] are doubles (converted for float
 * models); theta is nparams doubles. 1 if an output is not finite. */
static int call(Model *m, int fi, long n, const double *theta, double *const *in, double *const *out) {
  const Func *f = &m->g->func[fi];
  void **ein = xmalloc((f->nin + f->nout + 1) * sizeof *ein), **eout = ein + f->nin;
  void *th = model_to_elem(m, theta, m->g->nparams_total);
  void *ws = xmalloc_vec((model_ws(m, fi, n) + 8) * model_elem(m));
  int j, bad = 0;
  for (j = 0; j < f->nin; j++) ein[j] = model_to_elem(m, in[j], shape_size(&f->in[j].shape) * n);
  for (j = 0; j < f->nout; j++) eout[j] = xmalloc_vec(out_elems(m, fi, j, n) * model_elem(m) + 8);
  m->fn[fi]((int)n, th, (const void *const *)ein, eout, ws);
  for (j = 0; j < f->nout; j++) {
    long k, ne = out_elems(m, fi, j, n);
    if (out[j]) {
      model_from_elem(m, eout[j], ne, out[j]);
      for (k = 0; k < ne; k++) bad |= !isfinite(out[j][k]);
    }
    free(eout[j]);
  }
  for (j = 0; j < f->nin; j++) free(ein[j]);
  free(ein), free(th), free(ws);
  return bad;
}

/* ---- linear algebra on small matrices ---- */

/* max |JᵀΩJ - Ω| for J d x d (row-major), Ω = [[0, I], [-I, 0]] */
static double symplectic_defect(const double *J, int d) {
  int a, b, i, n = d / 2;
  double worst = 0;
  for (a = 0; a < d; a++)
    for (b = 0; b < d; b++) {
      double s = 0, want = (b == a + n) ? 1 : (a == b + n) ? -1 : 0;
      for (i = 0; i < n; i++) s += J[i * d + a] * J[(i + n) * d + b] - J[(i + n) * d + a] * J[i * d + b];
      if (!(fabs(s - want) <= worst)) worst = fabs(s - want); /* NaN propagates */
    }
  return worst;
}

static double maxabs(const double *a, long k) {
  double w = 0;
  long i;
  for (i = 0; i < k; i++)
    if (!(fabs(a[i]) <= w)) w = fabs(a[i]);
  return w;
}

double flow_det(double *a, int d) {
  double det = 1;
  int i, j, k;
  for (k = 0; k < d; k++) {
    int piv = k;
    for (i = k + 1; i < d; i++)
      if (fabs(a[i * d + k]) > fabs(a[piv * d + k])) piv = i;
    if (a[piv * d + k] == 0) return 0;
    if (piv != k) {
      for (j = 0; j < d; j++) {
        double t = a[k * d + j];
        a[k * d + j] = a[piv * d + j], a[piv * d + j] = t;
      }
      det = -det;
    }
    det *= a[k * d + k];
    for (i = k + 1; i < d; i++) {
      double f = a[i * d + k] / a[k * d + k];
      for (j = k; j < d; j++) a[i * d + j] -= f * a[k * d + j];
    }
  }
  return det;
}

/* ---- the measurements ---- */

static double tolerance(const Model *m) { return m->g->is_float ? 1e-3 : 1e-9; }

/* The whole flow: Jacobian, determinant, round trip. */
static int measure_flow(Model *m, const double *theta, const double *x, int np, FlowReport *r) {
  int d = 2 * r->n, k, fl = model_func(m, "logdet");
  double *J = xmalloc((size_t)np * d * d * sizeof *J), *y = xmalloc((size_t)np * d * sizeof *y);
  double *x2 = xmalloc((size_t)np * d * sizeof *x2), *ld = xmalloc((np + 1) * sizeof *ld), *A = xmalloc(d * d * sizeof *A);
  double *in[1], *out[1];
  int bad = 0;
  in[0] = (double *)x, out[0] = J;
  bad |= call(m, model_func(m, "jacobian"), np, theta, in, out);
  out[0] = y;
  bad |= call(m, model_func(m, "forward"), np, theta, in, out);
  in[0] = y, out[0] = x2;
  bad |= call(m, model_func(m, "inverse"), np, theta, in, out);
  if (fl >= 0) {
    in[0] = (double *)x, out[0] = ld;
    bad |= call(m, fl, np, theta, in, out);
  }
  r->symplectic_error = r->roundtrip_error = r->det_error = r->jmax = 0;
  for (k = 0; k < np; k++) {
    const double *Jk = J + (size_t)k * d * d;
    double e = symplectic_defect(Jk, d), det, de;
    int i;
    if (!(e <= r->symplectic_error)) r->symplectic_error = e;
    if (!(maxabs(Jk, d * d) <= r->jmax)) r->jmax = maxabs(Jk, d * d);
    for (i = 0; i < d; i++) {
      double rt = fabs(x2[k * d + i] - x[k * d + i]);
      if (!(rt <= r->roundtrip_error)) r->roundtrip_error = rt;
    }
    memcpy(A, Jk, d * d * sizeof *A);
    det = flow_det(A, d);
    de = r->claim ? fabs(det - 1) : fl >= 0 ? fabs(log(fabs(det)) - ld[k]) : NAN;
    if (!(de <= r->det_error)) r->det_error = de;
  }
  if (r->claim && !(r->symplectic_error <= tolerance(m) * fmax(1, r->jmax * r->jmax))) r->failed = 1;
  free(J), free(y), free(x2), free(ld), free(A);
  return bad;
}

/* Each layer's Jacobian at its own input along the forward pass. */
static int measure_layers(Model *m, const double *theta, const double *x, int np, FlowReport *r) {
  int d = 2 * r->n, L = r->nlayers, k, i, fi = model_func(m, "layer_inputs"), fj = model_func(m, "layer_jacobians");
  double *xs, *J, *in[1], *out[1];
  int bad = 0;
  if (fi < 0 || fj < 0 || !L) return 0;
  xs = xmalloc((size_t)np * L * d * sizeof *xs), J = xmalloc((size_t)np * L * d * d * sizeof *J);
  in[0] = (double *)x, out[0] = xs;
  bad |= call(m, fi, np, theta, in, out);
  in[0] = xs, out[0] = J;
  bad |= call(m, fj, np, theta, in, out);
  for (i = 0; i < L; i++) {
    FlowLayer *l = &r->layer[i];
    l->symplectic_error = l->jmax = 0;
    for (k = 0; k < np; k++) {
      const double *Jk = J + ((size_t)k * L + i) * d * d;
      double e = symplectic_defect(Jk, d), mx = maxabs(Jk, d * d);
      if (!(e <= l->symplectic_error)) l->symplectic_error = e;
      if (!(mx <= l->jmax)) l->jmax = mx;
    }
    l->failed = l->claim && !(l->symplectic_error <= tolerance(m) * fmax(1, l->jmax * l->jmax));
    if (l->failed) r->failed = 1;
  }
  free(xs), free(J);
  return bad;
}

/* loss_grad against central differences of loss, on 3 samples. */
static int measure_grad(Model *m, const double *theta, double scale, rt_rng *rng, long maxgrad, FlowReport *r) {
  int fl = model_func(m, "loss"), fg = model_func(m, "loss_grad"), j, nb = 3, bad = 0;
  long P = m->g->nparams_total, probes, k;
  Func *f;
  double **in, **out, *grad, *th, loss, lp, lm, *fd, *got, worst = 0, fdmax = 0;
  if (fl < 0 || fg < 0) return 0;
  f = &m->g->func[fl];
  if (m->g->func[fg].nout != m->g->nparam + 1 || m->g->func[fg].nin != f->nin || P < 1) return 0;
  in = xmalloc((f->nin + 1) * sizeof *in);
  for (j = 0; j < f->nin; j++) {
    long e = shape_size(&f->in[j].shape) * nb, i;
    in[j] = xmalloc(e * sizeof **in);
    for (i = 0; i < e; i++) in[j][i] = scale * rt_rng_normal(rng);
  }
  out = xmalloc((m->g->nparam + 1) * sizeof *out);
  grad = xmalloc(P * sizeof *grad), th = xmalloc((P + 1) * sizeof *th);
  out[0] = &loss;
  for (j = 0; j < m->g->nparam; j++) out[j + 1] = grad + m->g->param[j].offset;
  bad |= call(m, fg, nb, theta, in, out);
  probes = (maxgrad <= 0 || P <= maxgrad) ? P : maxgrad;
  fd = xmalloc(probes * sizeof *fd), got = xmalloc(probes * sizeof *got);
  memcpy(th, theta, P * sizeof *th);
  for (k = 0; k < probes && !bad; k++) {
    long i = probes == P ? k : (long)((double)k * P / probes);
    double h = 1e-5 * fmax(1, fabs(theta[i]));
    out[0] = &lp, th[i] = theta[i] + h;
    bad |= call(m, fl, nb, th, in, out);
    out[0] = &lm, th[i] = theta[i] - h;
    bad |= call(m, fl, nb, th, in, out);
    th[i] = theta[i];
    fd[k] = (lp - lm) / (2 * h), got[k] = grad[i];
    if (!(fabs(fd[k]) <= fdmax)) fdmax = fabs(fd[k]);
  }
  for (k = 0; k < probes; k++)
    if (!(fabs(got[k] - fd[k]) <= worst)) worst = fabs(got[k] - fd[k]);
  r->grad_error = fdmax > 0 ? worst / fdmax : worst;
  for (j = 0; j < f->nin; j++) free(in[j]);
  free(in), free(out), free(grad), free(th), free(fd), free(got);
  return bad;
}

int flow_measure(Model *m, const double *theta, int npoints, double scale, uint64_t seed, long maxgrad,
                 FlowReport *r, char *err, size_t nerr) {
  int d = 2 * r->n, k, bad;
  rt_rng rng;
  double *x = xmalloc((size_t)npoints * d * sizeof *x);
  rt_rng_seed(&rng, seed, 7);
  for (k = 0; k < npoints * d; k++) x[k] = scale * rt_rng_normal(&rng);
  r->npoints = npoints;
  r->failed = 0;
  bad = measure_flow(m, theta, x, npoints, r);
  bad |= measure_layers(m, theta, x, npoints, r);
  bad |= measure_grad(m, theta, scale, &rng, maxgrad, r);
  free(x);
  if (bad) {
    snprintf(err, nerr, "error: the flow gave a non-finite value at the test points (parameters too large?)");
    r->failed = 1;
    return 1;
  }
  return 0;
}
