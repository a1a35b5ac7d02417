/* The CUDA backend's nn families: each fills its entries of the table. */
#ifndef LUTORCH_CUDA_NN_INTERNAL_H
#define LUTORCH_CUDA_NN_INTERNAL_H

#include "lutorch/device_nn.h"

extern lt_device_nn_ops lt_cuda_nn_ops;
void lt_cuda_nn_init(void);

void lt_cuda_nn_conv_init(lt_device_nn_ops *t); /* nn_conv.c: cuDNN convolutions */
void lt_cuda_nn_pool_init(lt_device_nn_ops *t); /* nn_pool.c */
void lt_cuda_nn_norm_init(lt_device_nn_ops *t); /* nn_norm.c: batch and layer norm */
void lt_cuda_nn_loss_init(lt_device_nn_ops *t); /* nn_loss.c: softmax, losses, activations */
void lt_cuda_nn_rnn_init(lt_device_nn_ops *t);  /* nn_rnn.c: LSTM/GRU cells */
void lt_cuda_optim_init(lt_device_nn_ops *t);   /* optim.c: fused optimizer steps */

#endif
