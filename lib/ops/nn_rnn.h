/* Private to lib/ops: the LSTM cell's backward that adds the weight and
 * bias gradients into given tensors (the autograd engine's accumulators,
 * lt_grad_accumulator) instead of returning new ones. */
#ifndef LUTORCH_OPS_NN_RNN_H
#define LUTORCH_OPS_NN_RNN_H

#include "lutorch/nn.h"

/* As lt_lstm_cell_backward, plus acc[0..3] for w_ih, w_hh, b_ih, b_hh: a
 * non-NULL entry (a contiguous CPU tensor of the parameter's shape and
 * dtype) gets that gradient added into it; need[3..5] then ask only for the
 * gradients still wanted as new tensors (need[5]: one bias gradient, for a
 * bias without an accumulator). With no accumulator, or off the CPU, it is
 * lt_lstm_cell_backward. */
int lt_lstm_cell_backward_acc(lt_tensor *grad_h, lt_tensor *grad_c, lt_tensor *x, lt_tensor *h,
                              lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh, lt_tensor *gates,
                              lt_tensor *c_out, const bool *need, lt_tensor *const *acc,
                              lt_tensor **grad_x, lt_tensor **grad_h_prev,
                              lt_tensor **grad_c_prev, lt_tensor **grad_w_ih,
                              lt_tensor **grad_w_hh, lt_tensor **grad_b);

#endif
