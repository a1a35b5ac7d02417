/* Host side of 2-D pooling on the GPU: the entries of lt_device_nn_ops
 * that lib/ops/nn_pool.c hands device tensors to, after its own checks
 * (shapes, sizes, dtypes, devices). Same contract as the CPU kernels in
 * nn.h: (N,) C, H, W planes, indices h*W + w counted from `base`, fresh
 * contiguous results. The one check lib cannot make without reading the
 * data, indices in range, is made here: the kernel raises a flag on the
 * GPU that is read back once. Kernels in kernels/nn_pool.cu. */
#include <string.h>

#include "internal.h"
#include "nn_internal.h"
#include "nn_pool_kernels.h"

static int launched(const char *fn, cudaError_t err) {
  return err == cudaSuccess ? 0 : lt_cuda_fail(fn, "the pooling kernel", err);
}

/* the shape of t with its last two dims replaced by oh, ow */
static void plane_size(const lt_tensor *t, int64_t oh, int64_t ow, int64_t *size) {
  memcpy(size, t->size, sizeof(int64_t) * (size_t)t->ndim);
  size[t->ndim - 2] = oh;
  size[t->ndim - 1] = ow;
}

static int64_t planes(const lt_tensor *t) {
  return t->ndim == 4 ? t->size[0] * t->size[1] : t->size[0];
}

/* the output size rule of lib/ops/nn_pool.c (PyTorch's, with ceil mode's
 * last window starting inside the input or the left padding) */
static int64_t pool_out(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  int64_t span = in + 2 * p - d * (k - 1) - 1;
  if (span < 0) return 0;
  int64_t o = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  if (ceil_mode && (o - 1) * s >= in + p) o--;
  return o;
}

/* the geometry of a fixed-window pooling of x (arguments checked by lib;
 * NULL stride, padding, dilation: kernel, 0, 1) */
static ltk_pool2d fixed(const lt_tensor *x, const int64_t *kernel, const int64_t *stride,
                        const int64_t *padding, const int64_t *dilation, bool ceil_mode) {
  ltk_pool2d g;
  memset(&g, 0, sizeof g);
  g.P = planes(x);
  g.H = x->size[x->ndim - 2];
  g.W = x->size[x->ndim - 1];
  for (int i = 0; i < 2; i++) {
    g.k[i] = kernel[i];
    g.s[i] = stride ? stride[i] : kernel[i];
    g.p[i] = padding ? padding[i] : 0;
    g.d[i] = dilation ? dilation[i] : 1;
  }
  g.OH = pool_out(g.H, g.k[0], g.s[0], g.p[0], g.d[0], ceil_mode);
  g.OW = pool_out(g.W, g.k[1], g.s[1], g.p[1], g.d[1], ceil_mode);
  return g;
}

static ltk_pool2d adaptive(const lt_tensor *x, int64_t oh, int64_t ow) {
  ltk_pool2d g;
  memset(&g, 0, sizeof g);
  g.P = planes(x);
  g.H = x->size[x->ndim - 2];
  g.W = x->size[x->ndim - 1];
  g.OH = oh;
  g.OW = ow;
  g.adaptive = 1;
  return g;
}

/* ---- max (fixed and adaptive windows) ---- */

static lt_tensor *max_run(const char *fn, lt_tensor *input, const ltk_pool2d *g, int64_t base,
                          lt_tensor **indices) {
  lt_cuda_at d;
  int64_t size[4];
  *indices = NULL;
  if (lt_cuda_at_of(fn, input, &d)) return NULL;
  plane_size(input, g->OH, g->OW, size);
  lt_tensor *x = lt_contiguous(input), *y = NULL, *ix = NULL;
  if (!x || !(y = lt_tensor_empty_on(input->dtype, input->ndim, size, d.dev)) ||
      !(ix = lt_tensor_empty_on(LT_INT64, input->ndim, size, d.dev)) ||
      launched(fn, ltk_max_pool2d(input->dtype, g, lt_tensor_data(x), lt_tensor_data(y),
                                  lt_tensor_data(ix), base, d.sms, d.st))) {
    lt_tensor_release(y);
    lt_tensor_release(ix);
    y = ix = NULL;
  }
  lt_tensor_release(x);
  *indices = ix;
  return y;
}

static lt_tensor *max_pool2d(lt_tensor *input, const int64_t *kernel, const int64_t *stride,
                             const int64_t *padding, const int64_t *dilation, bool ceil_mode,
                             int64_t base, lt_tensor **indices) {
  ltk_pool2d g = fixed(input, kernel, stride, padding, dilation, ceil_mode);
  return max_run("max_pool2d", input, &g, base, indices);
}

static lt_tensor *adaptive_max_pool2d(lt_tensor *input, const int64_t *output_size, int64_t base,
                                      lt_tensor **indices) {
  ltk_pool2d g = adaptive(input, output_size[0], output_size[1]);
  return max_run("adaptive_max_pool2d", input, &g, base, indices);
}

/* ---- by indices: max backward, unpooling and its backward ----
 * out (nd, size; zeroed for a scatter) from src (P planes of n_in or, for
 * a gather, n_out) and the indices; an out-of-range index is the CPU's error */
static lt_tensor *by_indices(const char *fn, lt_tensor *src, lt_tensor *indices, int64_t base,
                             bool gather, int nd, const int64_t *size, int64_t P, int64_t n_in,
                             int64_t n_out) {
  lt_cuda_at d;
  if (lt_cuda_at_of(fn, src, &d)) return NULL;
  int64_t one = 1;
  lt_tensor *s = lt_contiguous(src), *ix = s ? lt_contiguous(indices) : NULL, *out = NULL;
  lt_tensor *flag = ix ? lt_tensor_empty_on(LT_INT32, 1, &one, d.dev) : NULL;
  int bad = 0;
  if (!flag || !(out = lt_tensor_empty_on(src->dtype, nd, size, d.dev))) goto fail;
  size_t bytes = (size_t)lt_tensor_numel(out) * lt_dtype_size(out->dtype);
  cudaError_t err = cudaMemsetAsync(lt_tensor_data(flag), 0, sizeof(int), d.st);
  if (err == cudaSuccess && !gather && bytes) err = cudaMemsetAsync(lt_tensor_data(out), 0, bytes, d.st);
  if (err == cudaSuccess)
    err = ltk_pool_scatter(src->dtype, gather, lt_tensor_data(s), lt_tensor_data(ix),
                           lt_tensor_data(out), P, n_in, n_out, base, lt_tensor_data(flag), d.sms,
                           d.st);
  if (err == cudaSuccess)
    err = cudaMemcpyAsync(&bad, lt_tensor_data(flag), sizeof bad, cudaMemcpyDeviceToHost, d.st);
  if (err == cudaSuccess) err = cudaStreamSynchronize(d.st);
  if (launched(fn, err)) goto fail;
  if (bad) {
    lt_errorf("%s: an index is out of range for planes of %lld elements (indices count from %lld)",
              fn, (long long)n_out, (long long)base);
    goto fail;
  }
  lt_tensor_release(s);
  lt_tensor_release(ix);
  lt_tensor_release(flag);
  return out;
fail:
  lt_tensor_release(s);
  lt_tensor_release(ix);
  lt_tensor_release(flag);
  lt_tensor_release(out);
  return NULL;
}

/* max and adaptive max backward: grad_output scattered into input's shape */
static lt_tensor *max_pool2d_backward(lt_tensor *grad_output, lt_tensor *input,
                                      lt_tensor *indices, int64_t base) {
  const int nd = input->ndim;
  int64_t n_in = grad_output->size[nd - 2] * grad_output->size[nd - 1];
  return by_indices("max_pool2d_backward", grad_output, indices, base, false, nd, input->size,
                    planes(input), n_in, input->size[nd - 2] * input->size[nd - 1]);
}

static lt_tensor *adaptive_max_pool2d_backward(lt_tensor *grad_output, lt_tensor *input,
                                               lt_tensor *indices, int64_t base) {
  const int nd = input->ndim;
  int64_t n_in = grad_output->size[nd - 2] * grad_output->size[nd - 1];
  return by_indices("adaptive_max_pool2d_backward", grad_output, indices, base, false, nd,
                    input->size, planes(input), n_in, input->size[nd - 2] * input->size[nd - 1]);
}

static lt_tensor *max_unpool2d(lt_tensor *input, lt_tensor *indices, const int64_t *output_size,
                               int64_t base) {
  int64_t size[4];
  const int nd = input->ndim;
  plane_size(input, output_size[0], output_size[1], size);
  return by_indices("max_unpool2d", input, indices, base, false, nd, size, planes(input),
                    input->size[nd - 2] * input->size[nd - 1], output_size[0] * output_size[1]);
}

static lt_tensor *max_unpool2d_backward(lt_tensor *grad_output, lt_tensor *indices,
                                        int64_t base) {
  const int nd = indices->ndim;
  return by_indices("max_unpool2d_backward", grad_output, indices, base, true, nd, indices->size,
                    planes(grad_output), indices->size[nd - 2] * indices->size[nd - 1],
                    grad_output->size[nd - 2] * grad_output->size[nd - 1]);
}

/* ---- averages (fixed and adaptive windows) ---- */

/* forward (grad_output NULL) into the pooled shape, or backward into x's */
static lt_tensor *avg_run(const char *fn, lt_tensor *input, lt_tensor *grad_output,
                          const ltk_pool2d *g) {
  lt_cuda_at d;
  int64_t size[4];
  if (lt_cuda_at_of(fn, input, &d)) return NULL;
  plane_size(input, g->OH, g->OW, size);
  lt_tensor *x = lt_contiguous(grad_output ? grad_output : input), *y = NULL;
  if (x && (y = grad_output ? lt_tensor_empty_on(input->dtype, input->ndim, input->size, d.dev)
                            : lt_tensor_empty_on(input->dtype, input->ndim, size, d.dev)) &&
      launched(fn, ltk_avg_pool2d(input->dtype, g, lt_tensor_data(x), lt_tensor_data(y),
                                  grad_output != NULL, d.sms, d.st))) {
    lt_tensor_release(y);
    y = NULL;
  }
  lt_tensor_release(x);
  return y;
}

static lt_tensor *avg_pool2d(lt_tensor *input, const int64_t *kernel, const int64_t *stride,
                             const int64_t *padding, bool ceil_mode, bool count_include_pad,
                             int64_t divisor_override) {
  ltk_pool2d g = fixed(input, kernel, stride, padding, NULL, ceil_mode);
  g.count_include_pad = count_include_pad;
  g.divisor = divisor_override;
  return avg_run("avg_pool2d", input, NULL, &g);
}

static lt_tensor *avg_pool2d_backward(lt_tensor *grad_output, lt_tensor *input,
                                      const int64_t *kernel, const int64_t *stride,
                                      const int64_t *padding, bool ceil_mode,
                                      bool count_include_pad, int64_t divisor_override) {
  ltk_pool2d g = fixed(input, kernel, stride, padding, NULL, ceil_mode);
  g.count_include_pad = count_include_pad;
  g.divisor = divisor_override;
  return avg_run("avg_pool2d_backward", input, grad_output, &g);
}

static lt_tensor *adaptive_avg_pool2d(lt_tensor *input, const int64_t *output_size) {
  ltk_pool2d g = adaptive(input, output_size[0], output_size[1]);
  return avg_run("adaptive_avg_pool2d", input, NULL, &g);
}

static lt_tensor *adaptive_avg_pool2d_backward(lt_tensor *grad_output, lt_tensor *input) {
  const int nd = input->ndim;
  ltk_pool2d g = adaptive(input, grad_output->size[nd - 2], grad_output->size[nd - 1]);
  return avg_run("adaptive_avg_pool2d_backward", input, grad_output, &g);
}

void lt_cuda_nn_pool_init(lt_device_nn_ops *t) {
  t->max_pool2d = max_pool2d;
  t->max_pool2d_backward = max_pool2d_backward;
  t->avg_pool2d = avg_pool2d;
  t->avg_pool2d_backward = avg_pool2d_backward;
  t->adaptive_avg_pool2d = adaptive_avg_pool2d;
  t->adaptive_avg_pool2d_backward = adaptive_avg_pool2d_backward;
  t->adaptive_max_pool2d = adaptive_max_pool2d;
  t->adaptive_max_pool2d_backward = adaptive_max_pool2d_backward;
  t->max_unpool2d = max_unpool2d;
  t->max_unpool2d_backward = max_unpool2d_backward;
}
