/* Neural-network kernels: each layer is a forward function beside its
 * backward, llm.c style. What a backward needs is in its signature: the
 * forward returns it (pool indices, batch-norm statistics, log-probabilities,
 * LSTM gates) as extra tensors, and the caller hands them back.
 *
 * Common rules:
 * - float32 and float64 only, all tensors of one dtype (targets and indices
 *   are int64), CPU; any layout in (non-contiguous inputs are copied),
 *   fresh contiguous tensors out. Every returned tensor is a new reference.
 * - Layout NCHW (N, C, spatial...), batch first. Image ops also take an
 *   unbatched (C, spatial...) input and then return unbatched results.
 * - Errors: NULL / -1 with lt_last_error() naming the function, as in
 *   "conv2d: expected weight of 4 dimensions, got 2".
 * - Backward functions take `need` flags (NULL = all) saying which
 *   gradients to compute; a gradient not needed comes back NULL.
 * - These kernels never record autograd nodes themselves: the lt_nn_<op>
 *   functions at the end (nn_grad_*.c) wrap them. They read tensors as plain
 *   data.
 * - Index-valued arguments (pool indices, class targets) are int64 and
 *   counted from `base` (0 for C callers, 1 for Torch7/Lua callers). */
#ifndef LUTORCH_NN_H
#define LUTORCH_NN_H

#include "op.h"
#include "tensor.h"

/* ---- convolution (nn_conv.c): weight is (Cout, Cin/groups, k...) ----
 * stride, padding, dilation: one entry per spatial dim (NULL = 1, 0, 1). */
lt_tensor *lt_conv1d(lt_tensor *input, lt_tensor *weight, lt_tensor *bias, const int64_t *stride,
                     const int64_t *padding, const int64_t *dilation, int64_t groups);
lt_tensor *lt_conv2d(lt_tensor *input, lt_tensor *weight, lt_tensor *bias, const int64_t *stride,
                     const int64_t *padding, const int64_t *dilation, int64_t groups);
lt_tensor *lt_conv3d(lt_tensor *input, lt_tensor *weight, lt_tensor *bias, const int64_t *stride,
                     const int64_t *padding, const int64_t *dilation, int64_t groups);
/* need = {input, weight, bias}; bias gradient is the sum of grad_output. */
int lt_conv1d_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *weight,
                       const int64_t *stride, const int64_t *padding, const int64_t *dilation,
                       int64_t groups, const bool *need, lt_tensor **grad_input,
                       lt_tensor **grad_weight, lt_tensor **grad_bias);
int lt_conv2d_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *weight,
                       const int64_t *stride, const int64_t *padding, const int64_t *dilation,
                       int64_t groups, const bool *need, lt_tensor **grad_input,
                       lt_tensor **grad_weight, lt_tensor **grad_bias);
int lt_conv3d_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *weight,
                       const int64_t *stride, const int64_t *padding, const int64_t *dilation,
                       int64_t groups, const bool *need, lt_tensor **grad_input,
                       lt_tensor **grad_weight, lt_tensor **grad_bias);
/* Transposed convolution (Torch7's SpatialFullConvolution): weight is
 * (Cin, Cout/groups, kH, kW); output_padding (NULL = 0) adds to one side. */
lt_tensor *lt_conv_transpose2d(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                               const int64_t *stride, const int64_t *padding,
                               const int64_t *output_padding, const int64_t *dilation,
                               int64_t groups);
int lt_conv_transpose2d_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *weight,
                                 const int64_t *stride, const int64_t *padding,
                                 const int64_t *output_padding, const int64_t *dilation,
                                 int64_t groups, const bool *need, lt_tensor **grad_input,
                                 lt_tensor **grad_weight, lt_tensor **grad_bias);

/* ---- pooling (nn_pool.c), (N,) C, H, W ----
 * indices: flat positions in each input plane (h*W + w), counted from base. */
lt_tensor *lt_max_pool2d(lt_tensor *input, const int64_t *kernel, const int64_t *stride,
                         const int64_t *padding, const int64_t *dilation, bool ceil_mode,
                         int64_t base, lt_tensor **indices);
lt_tensor *lt_max_pool2d_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *indices,
                                  int64_t base);
/* count_include_pad: padded zeros count in the divisor (Torch7 and PyTorch
 * default); divisor_override > 0 replaces the divisor. */
lt_tensor *lt_avg_pool2d(lt_tensor *input, const int64_t *kernel, const int64_t *stride,
                         const int64_t *padding, bool ceil_mode, bool count_include_pad,
                         int64_t divisor_override);
lt_tensor *lt_avg_pool2d_backward(lt_tensor *grad_output, lt_tensor *input,
                                  const int64_t *kernel, const int64_t *stride,
                                  const int64_t *padding, bool ceil_mode, bool count_include_pad,
                                  int64_t divisor_override);
lt_tensor *lt_adaptive_avg_pool2d(lt_tensor *input, const int64_t *output_size);
lt_tensor *lt_adaptive_avg_pool2d_backward(lt_tensor *grad_output, lt_tensor *input);
lt_tensor *lt_adaptive_max_pool2d(lt_tensor *input, const int64_t *output_size, int64_t base,
                                  lt_tensor **indices);
lt_tensor *lt_adaptive_max_pool2d_backward(lt_tensor *grad_output, lt_tensor *input,
                                           lt_tensor *indices, int64_t base);
/* Scatter input into a zero (N,) C, oH, oW output at indices (values at a
 * repeated index add up). Backward gathers. */
lt_tensor *lt_max_unpool2d(lt_tensor *input, lt_tensor *indices, const int64_t *output_size,
                           int64_t base);
lt_tensor *lt_max_unpool2d_backward(lt_tensor *grad_output, lt_tensor *indices, int64_t base);

/* ---- normalization (nn_norm.c) ----
 * batch_norm over (N, C, *): statistics per channel over N and the rest.
 * Training: batch statistics; running_mean/var (may be NULL) are updated
 * in place, r = (1-momentum)·r + momentum·stat (variance unbiased).
 * Eval: running statistics. *save_mean and *save_invstd (C) are the
 * statistics used, which backward takes. weight/bias may be NULL. */
lt_tensor *lt_batch_norm(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                         lt_tensor *running_mean, lt_tensor *running_var, bool training,
                         double momentum, double eps, lt_tensor **save_mean,
                         lt_tensor **save_invstd);
/* need = {input, weight, bias}; training says whether the statistics
 * depended on the input (batch) or were constants (running). */
int lt_batch_norm_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *weight,
                           lt_tensor *save_mean, lt_tensor *save_invstd, bool training,
                           const bool *need, lt_tensor **grad_input, lt_tensor **grad_weight,
                           lt_tensor **grad_bias);
/* layer_norm over the last `normalized_ndim` dims; weight/bias (may be
 * NULL) have those dims' shape; *mean and *rstd have the leading shape. */
lt_tensor *lt_layer_norm(lt_tensor *input, int normalized_ndim, lt_tensor *weight,
                         lt_tensor *bias, double eps, lt_tensor **mean, lt_tensor **rstd);
int lt_layer_norm_backward(lt_tensor *grad_output, lt_tensor *input, int normalized_ndim,
                           lt_tensor *weight, lt_tensor *mean, lt_tensor *rstd, const bool *need,
                           lt_tensor **grad_input, lt_tensor **grad_weight,
                           lt_tensor **grad_bias);

/* ---- softmax and losses (nn_loss.c) ---- */
lt_tensor *lt_softmax(lt_tensor *input, int dim);
lt_tensor *lt_log_softmax(lt_tensor *input, int dim);
/* from the forward's output */
lt_tensor *lt_softmax_backward(lt_tensor *grad_output, lt_tensor *output, int dim);
lt_tensor *lt_log_softmax_backward(lt_tensor *grad_output, lt_tensor *output, int dim);

typedef enum lt_loss_reduction { LT_REDUCE_NONE = 0, LT_REDUCE_MEAN = 1, LT_REDUCE_SUM = 2 } lt_loss_reduction;

/* nll_loss: input (N, C), (C) or (N, C, d...) of log-probabilities, target
 * int64 (N), () or (N, d...). weight (C) may be NULL. Targets equal to
 * ignore_index count for nothing; mean divides by the summed weights of
 * the counted targets (*total_weight, a 0-dim tensor backward takes). */
lt_tensor *lt_nll_loss(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                       lt_loss_reduction reduction, int64_t ignore_index, int64_t base,
                       lt_tensor **total_weight);
lt_tensor *lt_nll_loss_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *target,
                                lt_tensor *weight, lt_loss_reduction reduction, int64_t ignore_index,
                                int64_t base, lt_tensor *total_weight);
/* cross_entropy = nll_loss(log_softmax(input, class dim)), fused: backward
 * is (softmax - onehot)·w·g. *log_probs is saved for backward. */
lt_tensor *lt_cross_entropy(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                            lt_loss_reduction reduction, int64_t ignore_index, int64_t base,
                            lt_tensor **log_probs, lt_tensor **total_weight);
lt_tensor *lt_cross_entropy_backward(lt_tensor *grad_output, lt_tensor *log_probs,
                                     lt_tensor *target, lt_tensor *weight,
                                     lt_loss_reduction reduction, int64_t ignore_index, int64_t base,
                                     lt_tensor *total_weight);
/* Pointwise losses over same-shape input and target; backward returns the
 * gradient of input (the target's is its negative for mse/smooth_l1). */
lt_tensor *lt_mse_loss(lt_tensor *input, lt_tensor *target, lt_loss_reduction reduction);
lt_tensor *lt_mse_loss_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *target,
                                lt_loss_reduction reduction);
lt_tensor *lt_smooth_l1_loss(lt_tensor *input, lt_tensor *target, lt_loss_reduction reduction,
                             double beta);
lt_tensor *lt_smooth_l1_loss_backward(lt_tensor *grad_output, lt_tensor *input,
                                      lt_tensor *target, lt_loss_reduction reduction, double beta);
/* weight (may be NULL) has input's shape; log terms clamp at -100 as
 * PyTorch does, so a probability of exactly 0 or 1 stays finite. */
lt_tensor *lt_bce_loss(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                       lt_loss_reduction reduction);
lt_tensor *lt_bce_loss_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *target,
                                lt_tensor *weight, lt_loss_reduction reduction);
/* pos_weight (may be NULL) broadcasts along the last dim (one per class). */
lt_tensor *lt_bce_with_logits(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                              lt_tensor *pos_weight, lt_loss_reduction reduction);
lt_tensor *lt_bce_with_logits_backward(lt_tensor *grad_output, lt_tensor *input,
                                       lt_tensor *target, lt_tensor *weight,
                                       lt_tensor *pos_weight, lt_loss_reduction reduction);

/* ---- activations (nn_act.c): elementwise, any shape ----
 * Each backward takes the forward's input x and returns g·f'(x). */
lt_tensor *lt_gelu(lt_tensor *x); /* x·Φ(x), the erf form */
lt_tensor *lt_gelu_backward(lt_tensor *grad_output, lt_tensor *x);
/* elu: x > 0 ? scale·x : scale·alpha·(exp(x·input_scale) - 1); selu fixes
 * alpha and scale */
lt_tensor *lt_elu(lt_tensor *x, double alpha, double scale, double input_scale);
lt_tensor *lt_elu_backward(lt_tensor *grad_output, lt_tensor *x, double alpha, double scale,
                           double input_scale);
lt_tensor *lt_selu(lt_tensor *x);
lt_tensor *lt_selu_backward(lt_tensor *grad_output, lt_tensor *x);
lt_tensor *lt_leaky_relu(lt_tensor *x, double negative_slope);
lt_tensor *lt_leaky_relu_backward(lt_tensor *grad_output, lt_tensor *x, double negative_slope);
/* gradient passes strictly inside (min, max), as PyTorch */
lt_tensor *lt_hardtanh(lt_tensor *x, double min, double max);
lt_tensor *lt_hardtanh_backward(lt_tensor *grad_output, lt_tensor *x, double min, double max);
lt_tensor *lt_relu6(lt_tensor *x);
lt_tensor *lt_relu6_backward(lt_tensor *grad_output, lt_tensor *x);
/* log(1 + exp(beta·x))/beta, linear where beta·x > threshold */
lt_tensor *lt_softplus(lt_tensor *x, double beta, double threshold);
lt_tensor *lt_softplus_backward(lt_tensor *grad_output, lt_tensor *x, double beta,
                                double threshold);

/* ---- recurrent cells (nn_lstm.c, nn_gru.c), one time step, batch first ----
 * LSTM, gates in PyTorch's order i, f, g, o:
 *   gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh    (B, 4H)
 *   c' = σ(f)·c + σ(i)·tanh(g),  h' = σ(o)·tanh(c')
 * x (B, I), h and c (B, H), w_ih (4H, I), w_hh (4H, H), biases (4H) or NULL.
 * *gates (B, 4H) holds the activated gates, for backward. */
int lt_lstm_cell(lt_tensor *x, lt_tensor *h, lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh,
                 lt_tensor *b_ih, lt_tensor *b_hh, lt_tensor **h_out, lt_tensor **c_out,
                 lt_tensor **gates);
/* grad_h / grad_c (B, H) may be NULL (zero). need = {x, h, c, w_ih, w_hh,
 * bias}; *grad_b is the gradient of b_ih and of b_hh alike. */
int lt_lstm_cell_backward(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *x, lt_tensor *h,
                          lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh, lt_tensor *gates,
                          lt_tensor *c_out, const bool *need, lt_tensor **grad_x,
                          lt_tensor **grad_h_prev, lt_tensor **grad_c_prev,
                          lt_tensor **grad_w_ih, lt_tensor **grad_w_hh, lt_tensor **grad_b);
/* The pointwise half alone, for callers that do the products themselves
 * (a whole sequence's x·W_ihᵀ in one gemm): pre (B, 4H) are the summed
 * pre-activations. Backward returns the gradient of pre and of c. */
int lt_lstm_pointwise(lt_tensor *pre, lt_tensor *c, lt_tensor **h_out, lt_tensor **c_out,
                      lt_tensor **gates);
int lt_lstm_pointwise_backward(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *c,
                               lt_tensor *gates, lt_tensor *c_out, lt_tensor **grad_pre,
                               lt_tensor **grad_c_prev);
/* GRU, gates r, z, n (PyTorch's order and formula):
 *   r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r·hn), h' = (1-z)·n + z·h
 * with xr.. = x·W_ihᵀ + b_ih and hr.. = h·W_hhᵀ + b_hh. *ws (B, 4H) saves
 * r, z, n and hn for backward. need = {x, h, w_ih, w_hh, b_ih, b_hh}. */
int lt_gru_cell(lt_tensor *x, lt_tensor *h, lt_tensor *w_ih, lt_tensor *w_hh, lt_tensor *b_ih,
                lt_tensor *b_hh, lt_tensor **h_out, lt_tensor **ws);
int lt_gru_cell_backward(lt_tensor *grad_h, lt_tensor *x, lt_tensor *h, lt_tensor *w_ih,
                         lt_tensor *w_hh, lt_tensor *ws, const bool *need, lt_tensor **grad_x,
                         lt_tensor **grad_h_prev, lt_tensor **grad_w_ih, lt_tensor **grad_w_hh,
                         lt_tensor **grad_b_ih, lt_tensor **grad_b_hh);

/* ---- the public, differentiable entry points (nn_grad_*.c) ----
 * lt_nn_<op> takes the same arguments as the kernel lt_<op> above and
 * returns the same results, and records itself on the autograd tape when
 * an input requires grad (grad mode on): call these. The kernels lt_<op>
 * and lt_<op>_backward never record (they are what the backward runs).
 * By-products (indices, statistics, total_weight, gates, workspaces) carry
 * no gradient; cross_entropy's log_probs and the cells' new states do.
 * Inputs that get no gradient: targets, class weights (nll_loss,
 * cross_entropy), bce's target/weight/pos_weight (asking for one is an
 * error at backward), running statistics (updated in place, not
 * differentiated). Gradients of gradients work for softmax, log_softmax,
 * mse_loss and the activations; the others refuse createGraph. */
lt_tensor *lt_nn_conv1d(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                        const int64_t *stride, const int64_t *padding, const int64_t *dilation,
                        int64_t groups);
lt_tensor *lt_nn_conv2d(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                        const int64_t *stride, const int64_t *padding, const int64_t *dilation,
                        int64_t groups);
lt_tensor *lt_nn_conv3d(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                        const int64_t *stride, const int64_t *padding, const int64_t *dilation,
                        int64_t groups);
lt_tensor *lt_nn_conv_transpose2d(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                                  const int64_t *stride, const int64_t *padding,
                                  const int64_t *output_padding, const int64_t *dilation,
                                  int64_t groups);
lt_tensor *lt_nn_max_pool2d(lt_tensor *input, const int64_t *kernel, const int64_t *stride,
                            const int64_t *padding, const int64_t *dilation, bool ceil_mode,
                            int64_t base, lt_tensor **indices);
lt_tensor *lt_nn_avg_pool2d(lt_tensor *input, const int64_t *kernel, const int64_t *stride,
                            const int64_t *padding, bool ceil_mode, bool count_include_pad,
                            int64_t divisor_override);
lt_tensor *lt_nn_adaptive_avg_pool2d(lt_tensor *input, const int64_t *output_size);
lt_tensor *lt_nn_adaptive_max_pool2d(lt_tensor *input, const int64_t *output_size, int64_t base,
                                     lt_tensor **indices);
lt_tensor *lt_nn_max_unpool2d(lt_tensor *input, lt_tensor *indices, const int64_t *output_size,
                              int64_t base);
lt_tensor *lt_nn_batch_norm(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                            lt_tensor *running_mean, lt_tensor *running_var, bool training,
                            double momentum, double eps, lt_tensor **save_mean,
                            lt_tensor **save_invstd);
lt_tensor *lt_nn_layer_norm(lt_tensor *input, int normalized_ndim, lt_tensor *weight,
                            lt_tensor *bias, double eps, lt_tensor **mean, lt_tensor **rstd);
lt_tensor *lt_nn_softmax(lt_tensor *input, int dim);
lt_tensor *lt_nn_log_softmax(lt_tensor *input, int dim);
lt_tensor *lt_nn_nll_loss(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                          lt_loss_reduction reduction, int64_t ignore_index, int64_t base,
                          lt_tensor **total_weight);
lt_tensor *lt_nn_cross_entropy(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                               lt_loss_reduction reduction, int64_t ignore_index, int64_t base,
                               lt_tensor **log_probs, lt_tensor **total_weight);
lt_tensor *lt_nn_mse_loss(lt_tensor *input, lt_tensor *target, lt_loss_reduction reduction);
lt_tensor *lt_nn_smooth_l1_loss(lt_tensor *input, lt_tensor *target, lt_loss_reduction reduction,
                                double beta);
lt_tensor *lt_nn_bce_loss(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                          lt_loss_reduction reduction);
lt_tensor *lt_nn_bce_with_logits(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                                 lt_tensor *pos_weight, lt_loss_reduction reduction);
lt_tensor *lt_nn_gelu(lt_tensor *x);
lt_tensor *lt_nn_elu(lt_tensor *x, double alpha, double scale, double input_scale);
lt_tensor *lt_nn_selu(lt_tensor *x);
lt_tensor *lt_nn_leaky_relu(lt_tensor *x, double negative_slope);
lt_tensor *lt_nn_hardtanh(lt_tensor *x, double min, double max);
lt_tensor *lt_nn_relu6(lt_tensor *x);
lt_tensor *lt_nn_softplus(lt_tensor *x, double beta, double threshold);
int lt_nn_lstm_cell(lt_tensor *x, lt_tensor *h, lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh,
                    lt_tensor *b_ih, lt_tensor *b_hh, lt_tensor **h_out, lt_tensor **c_out,
                    lt_tensor **gates);
int lt_nn_lstm_pointwise(lt_tensor *pre, lt_tensor *c, lt_tensor **h_out, lt_tensor **c_out,
                         lt_tensor **gates);
int lt_nn_gru_cell(lt_tensor *x, lt_tensor *h, lt_tensor *w_ih, lt_tensor *w_hh,
                   lt_tensor *b_ih, lt_tensor *b_hh, lt_tensor **h_out, lt_tensor **ws);

#endif
