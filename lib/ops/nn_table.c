/* The nn family's op-table entries. Every kernel of lib/ops/nn_*.c has
 * its own C signature (LT_KIND_OTHER), so the entries carry only the name,
 * flags and backward; the binding (lua/binding/nn.c) has one wrapper per
 * entry, calling the recorded lt_nn_<op> of nn_grad_*.c, whose backward
 * (nn_grad_<op>) the forward entry points at. The *_backward entries are
 * the raw fused kernels, never themselves differentiated: LT_OPF_NONDIFF. */
#include "lutorch/autograd.h"

/* backward functions of nn_grad_*.c; ops that share one are aliased */
#define NN_GRAD_FNS(X)                                                                 \
  X(conv) X(max_pool2d) X(avg_pool2d) X(adaptive_max_pool2d) X(adaptive_avg_pool2d)    \
  X(max_unpool2d) X(batch_norm) X(layer_norm) X(softmax) X(log_softmax) X(nll_loss)    \
  X(cross_entropy) X(mse_loss) X(smooth_l1_loss) X(bce_loss) X(bce_with_logits) X(act) \
  X(lstm_cell) X(lstm_pointwise) X(gru_cell)
#define DECL(FN) int nn_grad_##FN(lt_node *n, lt_tensor *const *g, lt_tensor **gin);
NN_GRAD_FNS(DECL)
#define nn_grad_conv1d nn_grad_conv
#define nn_grad_conv2d nn_grad_conv
#define nn_grad_conv3d nn_grad_conv
#define nn_grad_conv_transpose2d nn_grad_conv
#define nn_grad_gelu nn_grad_act
#define nn_grad_elu nn_grad_act
#define nn_grad_selu nn_grad_act
#define nn_grad_leaky_relu nn_grad_act
#define nn_grad_hardtanh nn_grad_act
#define nn_grad_relu6 nn_grad_act
#define nn_grad_softplus nn_grad_act

#define FWD(NAME) \
  static const lt_opdef op_##NAME = {#NAME, LT_KIND_OTHER, 0, 0, {0}, nn_grad_##NAME};
#define BWD(NAME)                                                                       \
  static const lt_opdef op_##NAME##_backward = {#NAME "_backward", LT_KIND_OTHER,       \
                                                LT_OPF_NONDIFF, 0, {0}, NULL};
#define OP(NAME) FWD(NAME) BWD(NAME)
#define ENTRY(NAME) &op_##NAME, &op_##NAME##_backward,

#define NN_OPS(X)                                                                     \
  X(conv1d) X(conv2d) X(conv3d) X(conv_transpose2d)                                   \
  X(max_pool2d) X(avg_pool2d) X(adaptive_max_pool2d) X(adaptive_avg_pool2d)           \
  X(max_unpool2d)                                                                     \
  X(batch_norm) X(layer_norm)                                                         \
  X(softmax) X(log_softmax) X(nll_loss) X(cross_entropy) X(mse_loss)                  \
  X(smooth_l1_loss) X(bce_loss) X(bce_with_logits)                                    \
  X(gelu) X(elu) X(selu) X(leaky_relu) X(hardtanh) X(relu6) X(softplus)               \
  X(lstm_cell) X(lstm_pointwise) X(gru_cell)

NN_OPS(OP)

const lt_opdef *const lt_ops_nn[] = {NN_OPS(ENTRY) NULL};
