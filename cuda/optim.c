/* Fused optimizer steps on the GPU: lib/ops/optim.c has checked every
 * tensor (one device, the parameter's dtype and element count, contiguous,
 * no aliasing) and hands device parameters here; one kernel launch per
 * step (kernels/optim.cu). */
#include "nn_internal.h"
#include "optim_kernels.h"

static const char *const names[] = {"optim.sgd",      "optim.adam",   "optim.rmsprop",
                                    "optim.adagrad",  "optim.adadelta", "optim.adamax",
                                    "optim.nag"};

static int optim_step(int kind, lt_tensor *param, const lt_tensor *grad, lt_tensor *const *bufs,
                      const void *opts) {
  if (kind < LT_OPTIM_SGD || kind > LT_OPTIM_NAG)
    return lt_errorf("optim: unknown optimizer kind %d", kind);
  const char *fn = names[kind];
  int dev = lt_cuda_dev_of(param);
  if (lt_cuda_use(fn, dev)) return -1;
  void *b[3];
  for (int k = 0; k < 3; k++) b[k] = bufs && bufs[k] ? lt_tensor_data(bufs[k]) : NULL;
  cudaError_t err = ltk_optim(kind, param->dtype, lt_tensor_numel(param), lt_tensor_data(param),
                              lt_tensor_data(grad), b[0], b[1], b[2], opts, lt_cuda_sm_count(dev),
                              lt_cuda_stream(dev));
  return err == cudaSuccess ? 0 : lt_cuda_fail(fn, "the optimizer kernel", err);
}

void lt_cuda_optim_init(lt_device_nn_ops *t) { t->optim = optim_step; }
