/* sort on the GPU (the `sort` entry of lt_device_ops; lib/ops/sort.c builds
 * topk, kthvalue and median on it). The input is converted to its compute
 * dtype (float16/bfloat16 sort as float32, as on the CPU), and when the
 * sorted dimension is not the last one it is moved there by a transposed
 * contiguous copy, so that the kernel (kernels/sort.cu) sorts contiguous
 * rows; the results are transposed back into fresh contiguous tensors. */
#include <string.h>

#include "internal.h"
#include "sort_kernels.h"

static lt_dtype compute_of(lt_dtype in) {
  return in == LT_FLOAT16 || in == LT_BFLOAT16 ? LT_FLOAT32 : in;
}

/* t as a new contiguous tensor, dimension d swapped with the last one */
static lt_tensor *last_dim_contiguous(const lt_tensor *t, int d) {
  if (t->ndim == 0 || d == t->ndim - 1) return lt_contiguous(t);
  lt_tensor *v = lt_transpose(t, d, t->ndim - 1);
  if (!v) return NULL;
  lt_tensor *c = lt_contiguous(v);
  lt_tensor_release(v);
  return c;
}

int lt_cuda_sort(const lt_tensor *t, int dim, bool descending, lt_tensor **values,
                 lt_tensor **indices) {
  const char *fn = "sort";
  if (values) *values = NULL;
  if (indices) *indices = NULL;
  if (!t) return lt_errorf("%s: expected a tensor, got NULL", fn);
  lt_dtype cdt = compute_of(t->dtype);
  if (cdt != LT_FLOAT32 && cdt != LT_FLOAT64 && cdt != LT_INT64 && cdt != LT_INT32 &&
      cdt != LT_INT16 && cdt != LT_INT8 && cdt != LT_UINT8 && cdt != LT_BOOL)
    return lt_errorf("%s: not defined for %s tensors", fn, lt_dtype_name(t->dtype));
  int nd = t->ndim, d = 0;
  if (nd == 0) {
    if (dim != 0 && dim != -1)
      return lt_errorf("%s: dimension %d out of range for a 0-dimensional tensor", fn,
                       dim < 0 ? dim : dim + 1);
  } else if ((d = lt_wrap_dim(fn, dim, nd, 0)) < 0) {
    return -1;
  }
  int64_t n = nd == 0 ? 1 : t->size[d], numel = lt_tensor_numel(t);
  if (n > INT32_MAX)
    return lt_errorf("%s: slices of %lld elements are too long for the GPU sort (at most 2^31-1)",
                     fn, (long long)n);
  lt_device dev = lt_tensor_device(t);
  if (lt_cuda_use(fn, dev.index)) return -1;

  lt_tensor *c = lt_to_dtype(t, cdt), *x = c ? last_dim_contiguous(c, d) : NULL;
  lt_tensor_release(c);
  lt_tensor *v = NULL, *i = NULL;
  int rc = -1;
  if (!x) goto done;
  if (!(v = lt_tensor_empty_on(cdt, nd, x->size, dev)) ||
      !(i = lt_tensor_empty_on(LT_INT64, nd, x->size, dev)))
    goto done;
  if (numel > 0) {
    cudaError_t err = ltk_sort_rows(cdt, lt_tensor_data(x), lt_tensor_data(v), lt_tensor_data(i),
                                    numel / n, n, descending, dev.index,
                                    lt_cuda_sm_count(dev.index), lt_cuda_stream(dev.index));
    if (err != cudaSuccess) {
      lt_cuda_fail(fn, "the sort kernel", err);
      goto done;
    }
  }
  if (nd > 0 && d != nd - 1) { /* back to t's layout */
    lt_tensor *v2 = last_dim_contiguous(v, d), *i2 = v2 ? last_dim_contiguous(i, d) : NULL;
    lt_tensor_release(v);
    lt_tensor_release(i);
    v = v2;
    i = i2;
    if (!v || !i) goto done;
  }
  rc = 0;
done:
  lt_tensor_release(x);
  if (rc) {
    lt_tensor_release(v);
    lt_tensor_release(i);
    return -1;
  }
  if (values) *values = v;
  else lt_tensor_release(v);
  if (indices) *indices = i;
  else lt_tensor_release(i);
  return 0;
}
