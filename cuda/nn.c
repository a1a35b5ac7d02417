/* The backend's nn table (lib/include/lutorch/device_nn.h): each family's
 * file fills its own entries when the backend registers. */
#include "lutorch/device_nn.h"
#include "nn_internal.h"

lt_device_nn_ops lt_cuda_nn_ops;

void lt_cuda_nn_init(void) {
  lt_cuda_nn_conv_init(&lt_cuda_nn_ops);
  lt_cuda_nn_pool_init(&lt_cuda_nn_ops);
  lt_cuda_nn_norm_init(&lt_cuda_nn_ops);
  lt_cuda_nn_loss_init(&lt_cuda_nn_ops);
  lt_cuda_nn_rnn_init(&lt_cuda_nn_ops);
  lt_cuda_optim_init(&lt_cuda_nn_ops);
}
