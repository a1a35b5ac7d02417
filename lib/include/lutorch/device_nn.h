/* The nn kernels and fused optimizer updates of a device backend.
 *
 * lib/ops/nn_*.c and lib/ops/optim.c check their arguments first (shapes,
 * dtypes, every tensor on the input's device) and then, when the input
 * lives on a device, hand the call to the entry of this table with the
 * arguments they were given; the backend computes and returns fresh
 * tensors on that device, with the same contract as the CPU kernel in nn.h
 * (same results, same by-products, 0-based or `base`-counted indices as
 * documented there). A NULL entry means "not on this device yet": lib
 * raises "<fn>: not available for CUDA tensors yet".
 *
 * Everything the CPU kernel validates has been validated when an entry
 * runs, except what needs the data (a class target out of range, an index
 * out of its plane): the backend checks that on the device and reports it
 * as the CPU kernel would. */
#ifndef LUTORCH_DEVICE_NN_H
#define LUTORCH_DEVICE_NN_H

#include "nn.h"
#include "optim.h"

/* activations: kind for the `activation` entry; prm as listed */
enum {
  LT_NN_GELU,       /* no params */
  LT_NN_ELU,        /* alpha, scale, input_scale (selu passes its constants) */
  LT_NN_LEAKY_RELU, /* negative_slope */
  LT_NN_HARDTANH,   /* min, max (relu6: 0, 6) */
  LT_NN_SOFTPLUS    /* beta, threshold */
};

/* optimizer kinds for the `optim` entry; t[] in the order of the lt_optim_*_
 * function's tensor arguments (NULL where unused), opts its options struct */
enum { LT_OPTIM_SGD, LT_OPTIM_ADAM, LT_OPTIM_RMSPROP, LT_OPTIM_ADAGRAD, LT_OPTIM_ADADELTA,
       LT_OPTIM_ADAMAX, LT_OPTIM_NAG };

typedef struct lt_device_nn_ops {
  /* ---- convolution: nsp spatial dims (1, 2, 3); transposed only with
   * nsp == 2; output_padding NULL unless transposed ---- */
  lt_tensor *(*conv)(int nsp, bool transposed, lt_tensor *input, lt_tensor *weight,
                     lt_tensor *bias, const int64_t *stride, const int64_t *padding,
                     const int64_t *output_padding, const int64_t *dilation, int64_t groups);
  int (*conv_backward)(int nsp, bool transposed, lt_tensor *grad_output, lt_tensor *input,
                       lt_tensor *weight, const int64_t *stride, const int64_t *padding,
                       const int64_t *output_padding, const int64_t *dilation, int64_t groups,
                       const bool *need, lt_tensor **grad_input, lt_tensor **grad_weight,
                       lt_tensor **grad_bias);

  /* ---- pooling: as lt_max_pool2d ... in nn.h ---- */
  lt_tensor *(*max_pool2d)(lt_tensor *input, const int64_t *kernel, const int64_t *stride,
                           const int64_t *padding, const int64_t *dilation, bool ceil_mode,
                           int64_t base, lt_tensor **indices);
  lt_tensor *(*max_pool2d_backward)(lt_tensor *grad_output, lt_tensor *input,
                                    lt_tensor *indices, int64_t base);
  lt_tensor *(*avg_pool2d)(lt_tensor *input, const int64_t *kernel, const int64_t *stride,
                           const int64_t *padding, bool ceil_mode, bool count_include_pad,
                           int64_t divisor_override);
  lt_tensor *(*avg_pool2d_backward)(lt_tensor *grad_output, lt_tensor *input,
                                    const int64_t *kernel, const int64_t *stride,
                                    const int64_t *padding, bool ceil_mode,
                                    bool count_include_pad, int64_t divisor_override);
  lt_tensor *(*adaptive_avg_pool2d)(lt_tensor *input, const int64_t *output_size);
  lt_tensor *(*adaptive_avg_pool2d_backward)(lt_tensor *grad_output, lt_tensor *input);
  lt_tensor *(*adaptive_max_pool2d)(lt_tensor *input, const int64_t *output_size, int64_t base,
                                    lt_tensor **indices);
  lt_tensor *(*adaptive_max_pool2d_backward)(lt_tensor *grad_output, lt_tensor *input,
                                             lt_tensor *indices, int64_t base);
  lt_tensor *(*max_unpool2d)(lt_tensor *input, lt_tensor *indices, const int64_t *output_size,
                             int64_t base);
  lt_tensor *(*max_unpool2d_backward)(lt_tensor *grad_output, lt_tensor *indices, int64_t base);

  /* ---- normalization ---- */
  lt_tensor *(*batch_norm)(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                           lt_tensor *running_mean, lt_tensor *running_var, bool training,
                           double momentum, double eps, lt_tensor **save_mean,
                           lt_tensor **save_invstd);
  int (*batch_norm_backward)(lt_tensor *grad_output, lt_tensor *input, lt_tensor *weight,
                             lt_tensor *save_mean, lt_tensor *save_invstd, bool training,
                             const bool *need, lt_tensor **grad_input, lt_tensor **grad_weight,
                             lt_tensor **grad_bias);
  lt_tensor *(*layer_norm)(lt_tensor *input, int normalized_ndim, lt_tensor *weight,
                           lt_tensor *bias, double eps, lt_tensor **mean, lt_tensor **rstd);
  int (*layer_norm_backward)(lt_tensor *grad_output, lt_tensor *input, int normalized_ndim,
                             lt_tensor *weight, lt_tensor *mean, lt_tensor *rstd,
                             const bool *need, lt_tensor **grad_input,
                             lt_tensor **grad_weight, lt_tensor **grad_bias);

  /* ---- softmax (log: log_softmax), forward and backward ---- */
  lt_tensor *(*softmax)(bool log, lt_tensor *input, int dim);
  lt_tensor *(*softmax_backward)(bool log, lt_tensor *grad_output, lt_tensor *output, int dim);

  /* ---- losses: as in nn.h ---- */
  lt_tensor *(*nll_loss)(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                         lt_loss_reduction reduction, int64_t ignore_index, int64_t base,
                         lt_tensor **total_weight);
  lt_tensor *(*nll_loss_backward)(lt_tensor *grad_output, lt_tensor *input, lt_tensor *target,
                                  lt_tensor *weight, lt_loss_reduction reduction,
                                  int64_t ignore_index, int64_t base, lt_tensor *total_weight);
  lt_tensor *(*cross_entropy)(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                              lt_loss_reduction reduction, int64_t ignore_index, int64_t base,
                              lt_tensor **log_probs, lt_tensor **total_weight);
  lt_tensor *(*cross_entropy_backward)(lt_tensor *grad_output, lt_tensor *log_probs,
                                       lt_tensor *target, lt_tensor *weight,
                                       lt_loss_reduction reduction, int64_t ignore_index,
                                       int64_t base, lt_tensor *total_weight);
  lt_tensor *(*mse_loss)(lt_tensor *input, lt_tensor *target, lt_loss_reduction reduction);
  lt_tensor *(*mse_loss_backward)(lt_tensor *grad_output, lt_tensor *input, lt_tensor *target,
                                  lt_loss_reduction reduction);
  lt_tensor *(*smooth_l1_loss)(lt_tensor *input, lt_tensor *target,
                               lt_loss_reduction reduction, double beta);
  lt_tensor *(*smooth_l1_loss_backward)(lt_tensor *grad_output, lt_tensor *input,
                                        lt_tensor *target, lt_loss_reduction reduction,
                                        double beta);
  lt_tensor *(*bce_loss)(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                         lt_loss_reduction reduction);
  lt_tensor *(*bce_loss_backward)(lt_tensor *grad_output, lt_tensor *input, lt_tensor *target,
                                  lt_tensor *weight, lt_loss_reduction reduction);
  lt_tensor *(*bce_with_logits)(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                                lt_tensor *pos_weight, lt_loss_reduction reduction);
  lt_tensor *(*bce_with_logits_backward)(lt_tensor *grad_output, lt_tensor *input,
                                         lt_tensor *target, lt_tensor *weight,
                                         lt_tensor *pos_weight, lt_loss_reduction reduction);

  /* ---- activations: grad_output NULL gives f(x), else g·f'(x) ---- */
  lt_tensor *(*activation)(int kind, lt_tensor *grad_output, lt_tensor *x, const double *prm);

  /* ---- recurrent cells: as in nn.h ---- */
  int (*lstm_cell)(lt_tensor *x, lt_tensor *h, lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh,
                   lt_tensor *b_ih, lt_tensor *b_hh, lt_tensor **h_out, lt_tensor **c_out,
                   lt_tensor **gates);
  int (*lstm_cell_backward)(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *x, lt_tensor *h,
                            lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh, lt_tensor *gates,
                            lt_tensor *c_out, const bool *need, lt_tensor **grad_x,
                            lt_tensor **grad_h_prev, lt_tensor **grad_c_prev,
                            lt_tensor **grad_w_ih, lt_tensor **grad_w_hh, lt_tensor **grad_b);
  int (*lstm_pointwise)(lt_tensor *pre, lt_tensor *c, lt_tensor **h_out, lt_tensor **c_out,
                        lt_tensor **gates);
  int (*lstm_pointwise_backward)(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *c,
                                 lt_tensor *gates, lt_tensor *c_out, lt_tensor **grad_pre,
                                 lt_tensor **grad_c_prev);
  int (*gru_cell)(lt_tensor *x, lt_tensor *h, lt_tensor *w_ih, lt_tensor *w_hh,
                  lt_tensor *b_ih, lt_tensor *b_hh, lt_tensor **h_out, lt_tensor **ws);
  int (*gru_cell_backward)(lt_tensor *grad_h, lt_tensor *x, lt_tensor *h, lt_tensor *w_ih,
                           lt_tensor *w_hh, lt_tensor *ws, const bool *need, lt_tensor **grad_x,
                           lt_tensor **grad_h_prev, lt_tensor **grad_w_ih,
                           lt_tensor **grad_w_hh, lt_tensor **grad_b_ih,
                           lt_tensor **grad_b_hh);

  /* ---- fused optimizer step (kind LT_OPTIM_*), in place ---- */
  int (*optim)(int kind, lt_tensor *param, const lt_tensor *grad, lt_tensor *const *bufs,
               const void *opts);
} lt_device_nn_ops;

/* The nn table of t's device backend, or NULL with an error naming fn
 * ("<fn>: this build has no CUDA support"). */
const lt_device_nn_ops *lt_device_nn(const char *fn, const lt_tensor *t);
/* 0 when t (NULL passes) lives on ref's device; else -1 and an error
 * naming fn, what and both devices. */
int lt_device_same(const char *fn, const char *what, const lt_tensor *t, const lt_tensor *ref);

#endif
