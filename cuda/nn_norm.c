/* Host side of batch and layer normalization on the GPU: the entries of
 * lt_device_nn_ops that lib/ops/nn_norm.c hands device tensors to, after
 * its own checks (shapes, dtypes, devices, eval mode's running stats).
 * Same contract as the CPU kernels in nn.h; statistics in double, the
 * running stats updated in place (any stride) and their versions bumped
 * as lib does. Kernels in kernels/nn_norm.cu. */
#include "internal.h"
#include "nn_internal.h"
#include "nn_norm_kernels.h"

static int launched(const char *fn, cudaError_t err) {
  return err == cudaSuccess ? 0 : lt_cuda_fail(fn, "the normalization kernel", err);
}

static const void *data_or_null(const lt_tensor *t) { return t ? lt_tensor_data(t) : NULL; }

static void release(int n, lt_tensor **ts) {
  for (int i = 0; i < n; i++) {
    lt_tensor_release(ts[i]);
    ts[i] = NULL;
  }
}

/* a float64 scratch vector of n (at least 1) on the device */
static lt_tensor *scratch(int64_t n, lt_device dev) {
  if (n < 1) n = 1;
  return lt_tensor_empty_on(LT_FLOAT64, 1, &n, dev);
}

static void bn_shape(const lt_tensor *x, int64_t *N, int64_t *C, int64_t *K) {
  *N = x->size[0];
  *C = x->size[1];
  *K = 1;
  for (int i = 2; i < x->ndim; i++) *K *= x->size[i];
}

static lt_tensor *batch_norm(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                             lt_tensor *running_mean, lt_tensor *running_var, bool training,
                             double momentum, double eps, lt_tensor **save_mean,
                             lt_tensor **save_invstd) {
  const char *fn = "batch_norm";
  int64_t N, C, K;
  lt_cuda_at d;
  *save_mean = *save_invstd = NULL;
  if (lt_cuda_at_of(fn, input, &d)) return NULL;
  bn_shape(input, &N, &C, &K);
  lt_dtype dt = input->dtype;
  lt_tensor *t[7] = {lt_contiguous(input), weight ? lt_contiguous(weight) : NULL,
                     bias ? lt_contiguous(bias) : NULL};
  lt_tensor **x = &t[0], **w = &t[1], **b = &t[2], **y = &t[3], **m = &t[4], **s = &t[5],
            **ws = &t[6];
  if (!*x || (weight && !*w) || (bias && !*b) ||
      !(*y = lt_tensor_empty_on(dt, input->ndim, input->size, d.dev)) ||
      !(*m = lt_tensor_empty_on(dt, 1, &C, d.dev)) || !(*s = lt_tensor_empty_on(dt, 1, &C, d.dev)) ||
      !(*ws = scratch(ltk_bn_workspace(N, C, K, d.sms), d.dev)))
    goto fail;
  if (launched(fn, ltk_batch_norm(dt, lt_tensor_data(*x), lt_tensor_data(*y), N, C, K,
                                  data_or_null(*w), data_or_null(*b),
                                  running_mean ? lt_tensor_data(running_mean) : NULL,
                                  running_mean ? running_mean->stride[0] : 0,
                                  running_var ? lt_tensor_data(running_var) : NULL,
                                  running_var ? running_var->stride[0] : 0, training, momentum,
                                  eps, lt_tensor_data(*m), lt_tensor_data(*s),
                                  lt_tensor_data(*ws), d.sms, d.st)))
    goto fail;
  if (training && running_mean) lt_tensor_bump_version(running_mean);
  if (training && running_var) lt_tensor_bump_version(running_var);
  lt_tensor *out = *y;
  *save_mean = *m;
  *save_invstd = *s;
  *y = *m = *s = NULL;
  release(7, t);
  return out;
fail:
  release(7, t);
  return NULL;
}

static int batch_norm_backward(lt_tensor *grad_output, lt_tensor *input, lt_tensor *weight,
                               lt_tensor *save_mean, lt_tensor *save_invstd, bool training,
                               const bool *need, lt_tensor **grad_input, lt_tensor **grad_weight,
                               lt_tensor **grad_bias) {
  const char *fn = "batch_norm_backward";
  int64_t N, C, K;
  lt_cuda_at d;
  *grad_input = *grad_weight = *grad_bias = NULL;
  if (lt_cuda_at_of(fn, input, &d)) return -1;
  bn_shape(input, &N, &C, &K);
  lt_dtype dt = input->dtype;
  bool nd[3] = {!need || need[0], !need || need[1], !need || need[2]};
  lt_tensor *t[6] = {lt_contiguous(input), lt_contiguous(grad_output),
                     weight ? lt_contiguous(weight) : NULL, lt_contiguous(save_mean),
                     lt_contiguous(save_invstd), NULL};
  if (!t[0] || !t[1] || (weight && !t[2]) || !t[3] || !t[4] ||
      !(t[5] = scratch(ltk_bn_workspace(N, C, K, d.sms), d.dev)))
    goto fail;
  if ((nd[0] && !(*grad_input = lt_tensor_empty_on(dt, input->ndim, input->size, d.dev))) ||
      (nd[1] && !(*grad_weight = lt_tensor_empty_on(dt, 1, &C, d.dev))) ||
      (nd[2] && !(*grad_bias = lt_tensor_empty_on(dt, 1, &C, d.dev))))
    goto fail;
  if (launched(fn, ltk_batch_norm_backward(
                       dt, lt_tensor_data(t[0]), lt_tensor_data(t[1]), N, C, K, data_or_null(t[2]),
                       lt_tensor_data(t[3]), lt_tensor_data(t[4]), training,
                       *grad_input ? lt_tensor_data(*grad_input) : NULL,
                       *grad_weight ? lt_tensor_data(*grad_weight) : NULL,
                       *grad_bias ? lt_tensor_data(*grad_bias) : NULL, lt_tensor_data(t[5]), d.sms,
                       d.st)))
    goto fail;
  release(6, t);
  return 0;
fail:
  release(6, t);
  lt_tensor *o[3] = {*grad_input, *grad_weight, *grad_bias};
  release(3, o);
  *grad_input = *grad_weight = *grad_bias = NULL;
  return -1;
}

/* rows x M around the last nd dims */
static void ln_shape(const lt_tensor *x, int nd, int64_t *rows, int64_t *M) {
  *M = 1;
  for (int i = x->ndim - nd; i < x->ndim; i++) *M *= x->size[i];
  *rows = *M ? lt_tensor_numel(x) / *M : 0;
}

static lt_tensor *layer_norm(lt_tensor *input, int normalized_ndim, lt_tensor *weight,
                             lt_tensor *bias, double eps, lt_tensor **mean, lt_tensor **rstd) {
  const char *fn = "layer_norm";
  int64_t rows, M;
  lt_cuda_at d;
  *mean = *rstd = NULL;
  if (lt_cuda_at_of(fn, input, &d)) return NULL;
  ln_shape(input, normalized_ndim, &rows, &M);
  lt_dtype dt = input->dtype;
  int lead = input->ndim - normalized_ndim;
  lt_tensor *t[6] = {lt_contiguous(input), weight ? lt_contiguous(weight) : NULL,
                     bias ? lt_contiguous(bias) : NULL};
  if (!t[0] || (weight && !t[1]) || (bias && !t[2]) ||
      !(t[3] = lt_tensor_empty_on(dt, input->ndim, input->size, d.dev)) ||
      !(t[4] = lt_tensor_empty_on(dt, lead, input->size, d.dev)) ||
      !(t[5] = lt_tensor_empty_on(dt, lead, input->size, d.dev)) ||
      launched(fn, ltk_layer_norm(dt, lt_tensor_data(t[0]), lt_tensor_data(t[3]), rows, M,
                                  data_or_null(t[1]), data_or_null(t[2]), eps,
                                  lt_tensor_data(t[4]), lt_tensor_data(t[5]), d.sms, d.st))) {
    release(6, t);
    return NULL;
  }
  lt_tensor *y = t[3];
  *mean = t[4];
  *rstd = t[5];
  t[3] = t[4] = t[5] = NULL;
  release(6, t);
  return y;
}

static int layer_norm_backward(lt_tensor *grad_output, lt_tensor *input, int normalized_ndim,
                               lt_tensor *weight, lt_tensor *mean, lt_tensor *rstd,
                               const bool *need, lt_tensor **grad_input, lt_tensor **grad_weight,
                               lt_tensor **grad_bias) {
  const char *fn = "layer_norm_backward";
  int64_t rows, M;
  lt_cuda_at d;
  *grad_input = *grad_weight = *grad_bias = NULL;
  if (lt_cuda_at_of(fn, input, &d)) return -1;
  ln_shape(input, normalized_ndim, &rows, &M);
  lt_dtype dt = input->dtype;
  bool nd[3] = {!need || need[0], !need || need[1], !need || need[2]};
  const int64_t *ns = input->size + input->ndim - normalized_ndim;
  lt_tensor *t[6] = {lt_contiguous(input), lt_contiguous(grad_output),
                     weight ? lt_contiguous(weight) : NULL, lt_contiguous(mean),
                     lt_contiguous(rstd), NULL};
  if (!t[0] || !t[1] || (weight && !t[2]) || !t[3] || !t[4]) goto fail;
  if (nd[0]) {
    if (!(*grad_input = lt_tensor_empty_on(dt, input->ndim, input->size, d.dev)) ||
        launched(fn, ltk_layer_norm_backward_input(dt, lt_tensor_data(t[0]), lt_tensor_data(t[1]),
                                                   rows, M, data_or_null(t[2]),
                                                   lt_tensor_data(t[3]), lt_tensor_data(t[4]),
                                                   lt_tensor_data(*grad_input), d.sms, d.st)))
      goto fail;
  }
  if ((nd[1] && !(*grad_weight = lt_tensor_empty_on(dt, normalized_ndim, ns, d.dev))) ||
      (nd[2] && !(*grad_bias = lt_tensor_empty_on(dt, normalized_ndim, ns, d.dev))))
    goto fail;
  if (nd[1] || nd[2]) {
    if (!(t[5] = scratch(ltk_ln_param_workspace(rows, M, d.sms), d.dev)) ||
        launched(fn, ltk_layer_norm_backward_params(
                         dt, lt_tensor_data(t[0]), lt_tensor_data(t[1]), rows, M,
                         lt_tensor_data(t[3]), lt_tensor_data(t[4]),
                         *grad_weight ? lt_tensor_data(*grad_weight) : NULL,
                         *grad_bias ? lt_tensor_data(*grad_bias) : NULL, lt_tensor_data(t[5]),
                         d.sms, d.st)))
      goto fail;
  }
  release(6, t);
  return 0;
fail:
  release(6, t);
  lt_tensor *o[3] = {*grad_input, *grad_weight, *grad_bias};
  release(3, o);
  *grad_input = *grad_weight = *grad_bias = NULL;
  return -1;
}

void lt_cuda_nn_norm_init(lt_device_nn_ops *t) {
  t->batch_norm = batch_norm;
  t->batch_norm_backward = batch_norm_backward;
  t->layer_norm = layer_norm;
  t->layer_norm_backward = layer_norm_backward;
}
