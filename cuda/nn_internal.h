/* The CUDA backend's nn families: each fills its entries of the table. */
#ifndef LUTORCH_CUDA_NN_INTERNAL_H
#define LUTORCH_CUDA_NN_INTERNAL_H

#include "internal.h"
#include "lutorch/device_nn.h"

/* Where a family's kernels launch: the input's GPU (made current for this
 * thread), its multiprocessor count and its stream. */
typedef struct lt_cuda_at {
  lt_device dev;
  int sms;
  cudaStream_t st;
} lt_cuda_at;

static inline int lt_cuda_at_of(const char *fn, const lt_tensor *t, lt_cuda_at *g) {
  g->dev = lt_tensor_device(t);
  if (lt_cuda_use(fn, g->dev.index)) return -1;
  g->sms = lt_cuda_sm_count(g->dev.index);
  g->st = lt_cuda_stream(g->dev.index);
  return 0;
}

extern lt_device_nn_ops lt_cuda_nn_ops;
void lt_cuda_nn_init(void);

void lt_cuda_nn_conv_init(lt_device_nn_ops *t); /* nn_conv.c: cuDNN convolutions */
void lt_cuda_nn_pool_init(lt_device_nn_ops *t); /* nn_pool.c */
void lt_cuda_nn_norm_init(lt_device_nn_ops *t); /* nn_norm.c: batch and layer norm */
void lt_cuda_nn_loss_init(lt_device_nn_ops *t); /* nn_loss.c: softmax, losses, activations */
void lt_cuda_nn_rnn_init(lt_device_nn_ops *t);  /* nn_rnn.c: LSTM/GRU cells */
void lt_cuda_optim_init(lt_device_nn_ops *t);   /* optim.c: fused optimizer steps */

#endif
