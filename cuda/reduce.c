/* Host side of the whole-tensor reductions behind torch.cuda.sum/max/min,
 * and torch.cuda.uniform. */
#include <string.h>

#include "internal.h"
#include "lutorch/random.h"

int lt_cuda_reduce_all(const char *name, const lt_tensor *t, double *out) {
  int op = !strcmp(name, "sum") ? LTK_SUM : !strcmp(name, "max") ? LTK_MAX
         : !strcmp(name, "min") ? LTK_MIN : -1;
  if (op < 0) return lt_errorf("%s: not implemented for CUDA tensors yet", name);
  if (lt_tensor_device(t).type != LT_CUDA) return lt_errorf("%s: expected a CUDA tensor", name);
  if (t->dtype != LT_FLOAT32 && t->dtype != LT_FLOAT64)
    return lt_errorf("%s: %s CUDA tensors are not supported yet (float32 and float64 are)", name,
                     lt_dtype_name(t->dtype));
  int64_t n = lt_tensor_numel(t);
  if (n == 0) {
    if (op != LTK_SUM) return lt_errorf("%s: the tensor is empty", name);
    *out = 0;
    return 0;
  }
  int dev = lt_cuda_dev_of(t), sms = lt_cuda_sm_count(dev);
  size_t esz = lt_dtype_size(t->dtype);
  size_t work = (size_t)(ltk_reduce_parts(sms) + 1) * esz; /* partials, then the result */
  lt_tensor *c = lt_contiguous(t);
  if (!c) return -1;
  int rc = -1;
  char *buf = lt_cuda_alloc(dev, work);
  if (!buf) goto done;
  if (lt_cuda_use(name, dev)) goto done;
  cudaStream_t s = lt_cuda_stream(dev);
  char *result = buf + (size_t)ltk_reduce_parts(sms) * esz;
  cudaError_t err = ltk_reduce(op, t->dtype, lt_tensor_data(c), n, buf, result, sms, s);
  if (err != cudaSuccess) {
    lt_cuda_fail(name, "the reduction kernel", err);
    goto done;
  }
  union {
    float f;
    double d;
  } v;
  if ((err = cudaMemcpyAsync(&v, result, esz, cudaMemcpyDeviceToHost, s)) != cudaSuccess ||
      (err = cudaStreamSynchronize(s)) != cudaSuccess) {
    lt_cuda_fail(name, "reading the result", err);
    goto done;
  }
  *out = t->dtype == LT_FLOAT64 ? v.d : (double)v.f;
  rc = 0;
done:
  if (buf) lt_cuda_free(dev, buf, work);
  lt_tensor_release(c);
  return rc;
}

/* torch.cuda.uniform: lib's uniform fill (the default generator) */
int lt_cuda_uniform_(lt_tensor *t, double lo, double hi) {
  if (lt_tensor_device(t).type != LT_CUDA) return lt_errorf("uniform: expected a CUDA tensor");
  return lt_uniform_(t, NULL, lo, hi);
}
