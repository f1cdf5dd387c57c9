/* Adam with PyTorch's semantics (torch.optim.Adam, weight decay as an L2
 * term added to the gradient), in a fixed operation order. */
#ifndef HNNC_ADAM_H
#define HNNC_ADAM_H

typedef struct rt_adam {
  double lr, beta1, beta2, eps, weight_decay;
  long step;               /* updates done                     */
  double beta1_t, beta2_t; /* beta1^step, beta2^step, by products */
} rt_adam;

void rt_adam_init(rt_adam *a, double lr, double weight_decay);
/* One update of theta[0..n) with gradient g; m and v are the moment
 * buffers (zero before the first step). g is left unchanged. */
void rt_adam_step(rt_adam *a, long n, double *theta, const double *g, double *m, double *v);
void rt_adam_stepf(rt_adam *a, long n, float *theta, const float *g, float *m, float *v);
#endif
