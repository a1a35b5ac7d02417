/* Host side of the nn activations on the GPU (the `activation` entry):
 * f(x) when grad_output is NULL, else g·f'(x), into a fresh contiguous
 * tensor of x's shape. lib/ops/nn_act.c has checked dtypes, shapes (g and
 * x alike) and devices. */
#include "internal.h"
#include "lutorch/device_nn.h"
#include "nn_loss_kernels.h"

static lt_tensor *g_activation(int kind, lt_tensor *grad_output, lt_tensor *x, const double *prm) {
  static const char *const names[2][5] = {
      {"gelu", "elu", "leaky_relu", "hardtanh", "softplus"},
      {"gelu_backward", "elu_backward", "leaky_relu_backward", "hardtanh_backward",
       "softplus_backward"}};
  if (kind < 0 || kind > LT_NN_SOFTPLUS) return lt_error("activation: unknown kind %d", kind);
  const char *fn = names[grad_output != NULL][kind];
  double p[3] = {0, 0, 0};
  int np = kind == LT_NN_ELU ? 3 : kind == LT_NN_LEAKY_RELU ? 1 : kind == LT_NN_GELU ? 0 : 2;
  for (int i = 0; prm && i < np; i++) p[i] = prm[i];
  lt_device where = lt_tensor_device(x);
  int dev = lt_cuda_dev_of(x);
  if (lt_cuda_use(fn, dev)) return NULL;
  lt_tensor *xc = lt_contiguous(x), *gc = grad_output ? lt_contiguous(grad_output) : NULL, *y = NULL;
  int64_t n = lt_tensor_numel(x);
  if (xc && (gc || !grad_output) && (y = lt_tensor_empty_on(x->dtype, x->ndim, x->size, where)) &&
      n > 0) {
    cudaError_t e = ltk_activation(kind, x->dtype, gc ? lt_tensor_data(gc) : NULL,
                                   lt_tensor_data(xc), lt_tensor_data(y), n, p,
                                   lt_cuda_sm_count(dev), lt_cuda_stream(dev));
    if (e != cudaSuccess) {
      lt_cuda_fail(fn, "the activation kernel", e);
      lt_tensor_release(y);
      y = NULL;
    }
  }
  lt_tensor_release(xc);
  lt_tensor_release(gc);
  return y;
}

void lt_cuda_nn_act_init(lt_device_nn_ops *t) { t->activation = g_activation; }
