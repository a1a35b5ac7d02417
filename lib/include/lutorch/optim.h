/* Fused optimizer updates: one pass over a parameter, its gradient and the
 * optimizer's state buffers, in place, for float32 / float64 tensors.
 *
 * Every tensor of one call must be on the CPU, contiguous, of the
 * parameter's dtype and of its number of elements (shapes may differ: a flat
 * view of the same data is fine). The gradient is only read. Scalars that
 * depend on the step number (learning-rate decay, bias corrections) are
 * folded in by the caller, so one kernel serves both Torch7's formulas
 * (lua/optim/<name>.lua) and PyTorch's (lua/optim/object.lua); each field
 * says where it enters. Returns 0, or -1 with an error "optim.<name>: ...".
 *
 * In every kernel g = grad + weight_decay * param (L2 through the gradient,
 * as Torch7 and PyTorch do), computed per element and never stored. */
#ifndef LUTORCH_OPTIM_H
#define LUTORCH_OPTIM_H

#include "tensor.h"

/* buf = first ? g : momentum*buf + (1-dampening)*g;
 * param -= lr * (nesterov ? g + momentum*buf : buf)   (momentum != 0)
 * param -= lr * g                                      (momentum == 0; buf may be NULL) */
typedef struct lt_sgd_opts {
  double lr, weight_decay, momentum, dampening;
  bool nesterov, first;
} lt_sgd_opts;
int lt_optim_sgd_(lt_tensor *param, const lt_tensor *grad, lt_tensor *buf, const lt_sgd_opts *o);

/* param *= 1 - decoupled_decay   (AdamW; 0 for Adam)
 * m = beta1*m + (1-beta1)*g;  v = beta2*v + (1-beta2)*g*g
 * vmax = max(vmax, v) when amsgrad (then vmax is used for v below)
 * param -= step_size * m / (sqrt(v)/vdiv + eps)
 * Torch7: step_size = lr*sqrt(bc2)/bc1, vdiv = 1.
 * PyTorch: step_size = lr/bc1, vdiv = sqrt(bc2). */
typedef struct lt_adam_opts {
  double step_size, beta1, beta2, eps, vdiv, weight_decay, decoupled_decay;
  bool amsgrad;
} lt_adam_opts;
int lt_optim_adam_(lt_tensor *param, const lt_tensor *grad, lt_tensor *m, lt_tensor *v,
                   lt_tensor *vmax, const lt_adam_opts *o);

/* sq = alpha*sq + (1-alpha)*g*g
 * centered: ga = alpha*ga + (1-alpha)*g, avg = sqrt(sq - ga*ga) + eps; else avg = sqrt(sq) + eps
 * momentum > 0: buf = momentum*buf + g/avg, param -= lr*buf; else param -= lr*g/avg
 * ga / buf may be NULL when unused. */
typedef struct lt_rmsprop_opts {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered;
} lt_rmsprop_opts;
int lt_optim_rmsprop_(lt_tensor *param, const lt_tensor *grad, lt_tensor *sq, lt_tensor *ga,
                      lt_tensor *buf, const lt_rmsprop_opts *o);

/* sum += g*g;  param -= lr * g / (sqrt(sum) + eps)   (lr already decayed) */
typedef struct lt_adagrad_opts {
  double lr, eps, weight_decay;
} lt_adagrad_opts;
int lt_optim_adagrad_(lt_tensor *param, const lt_tensor *grad, lt_tensor *sum,
                      const lt_adagrad_opts *o);

/* sq = rho*sq + (1-rho)*g*g;  delta = sqrt(acc + eps) / sqrt(sq + eps) * g
 * param -= lr*delta;  acc = rho*acc + (1-rho)*delta*delta */
typedef struct lt_adadelta_opts {
  double lr, rho, eps, weight_decay;
} lt_adadelta_opts;
int lt_optim_adadelta_(lt_tensor *param, const lt_tensor *grad, lt_tensor *sq, lt_tensor *acc,
                       const lt_adadelta_opts *o);

/* m = beta1*m + (1-beta1)*g;  u = max(beta2*u, |g| + eps)
 * param -= step_size * m / u   (step_size = lr / (1 - beta1^t)) */
typedef struct lt_adamax_opts {
  double step_size, beta1, beta2, eps, weight_decay;
} lt_adamax_opts;
int lt_optim_adamax_(lt_tensor *param, const lt_tensor *grad, lt_tensor *m, lt_tensor *u,
                     const lt_adamax_opts *o);

/* Torch7's nag, second half: param holds the look-ahead point
 * x + momentum*v where g was taken (first: v = 0).
 * v' = momentum*v - lr*g;  param = param - momentum*v + v' */
typedef struct lt_nag_opts {
  double lr, momentum, weight_decay;
  bool first;
} lt_nag_opts;
int lt_optim_nag_(lt_tensor *param, const lt_tensor *grad, lt_tensor *v, const lt_nag_opts *o);

#endif
