/* Matrix products with cuBLAS.
 *
 * lutorch matrices are row-major and cuBLAS is column-major: a row-major
 * m x n matrix is, byte for byte, its column-major transpose. So out = a b
 * is computed as out^T = b^T a^T, handing cuBLAS b first. An operand whose
 * memory is the transpose of what is needed (a transposed view) is passed
 * with op T instead of being copied; only layouts that are neither row- nor
 * column-major are made contiguous first.
 *
 * float32 computes in full float32 unless torch.cuda.setTF32(true) allows
 * TF32 tensor cores (PyTorch's allow_tf32); float16/bfloat16 accumulate in
 * float32; float64 in float64. One handle per device, on the device's
 * stream, with a 32 MiB workspace (as PyTorch gives cuBLAS on Hopper). */
#include <cublas_v2.h>
#include <limits.h>
#include <pthread.h>

#include "internal.h"

#define MAX_DEVICES 16
#define WORKSPACE ((size_t)32 << 20)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static cublasHandle_t handles[MAX_DEVICES];

static int blas_fail(const char *call, cublasStatus_t st) {
  return lt_errorf("mm: cuBLAS error %d (%s: %s) in %s", (int)st, cublasGetStatusName(st),
                   cublasGetStatusString(st), call);
}

int lt_cuda_blas_handle(int dev, void **out_handle) {
  cublasHandle_t *out = (cublasHandle_t *)out_handle;
  if (dev < 0 || dev >= MAX_DEVICES) return lt_errorf("mm: CUDA device %d is not supported", dev + 1);
  if (lt_cuda_use("mm", dev)) return -1;
  pthread_mutex_lock(&lock);
  int rc = 0;
  if (!handles[dev]) {
    cublasHandle_t h;
    cublasStatus_t st = cublasCreate(&h);
    if (st != CUBLAS_STATUS_SUCCESS) {
      rc = blas_fail("cublasCreate", st);
    } else {
      void *ws = NULL;
      if (cudaMalloc(&ws, WORKSPACE) != cudaSuccess) { /* run without one */
        (void)cudaGetLastError();
        ws = NULL;
      }
      if ((st = cublasSetStream(h, lt_cuda_stream(dev))) != CUBLAS_STATUS_SUCCESS ||
          (ws && (st = cublasSetWorkspace(h, ws, WORKSPACE)) != CUBLAS_STATUS_SUCCESS)) {
        rc = blas_fail("setting up the cuBLAS handle", st);
        cublasDestroy(h);
        if (ws) cudaFree(ws);
      } else {
        handles[dev] = h;
      }
    }
  }
  *out = handles[dev];
  pthread_mutex_unlock(&lock);
  return rc;
}

/* A 2-D operand as cuBLAS sees its transpose: pointer, op and leading
 * dimension; held is a contiguous copy when the layout needed one. */
typedef struct {
  const void *ptr;
  cublasOperation_t op;
  int64_t ld;
  lt_tensor *held;
} operand;

static int describe(const lt_tensor *x, operand *o) {
  int64_t r = x->size[0], c = x->size[1], s0 = x->stride[0], s1 = x->stride[1];
  int64_t rmin = r > 1 ? r : 1, cmin = c > 1 ? c : 1;
  o->held = NULL;
  if ((c == 1 || s1 == 1) && (r == 1 || s0 >= cmin)) { /* row-major */
    o->op = CUBLAS_OP_N;
    o->ld = r == 1 ? cmin : s0;
  } else if ((r == 1 || s0 == 1) && (c == 1 || s1 >= rmin)) { /* column-major */
    o->op = CUBLAS_OP_T;
    o->ld = c == 1 ? rmin : s1;
  } else {
    if (!(o->held = lt_contiguous(x))) return -1;
    o->op = CUBLAS_OP_N;
    o->ld = cmin;
    x = o->held;
  }
  if (o->ld > INT_MAX) return lt_errorf("mm: leading dimension %lld is too large for cuBLAS", (long long)o->ld);
  o->ptr = lt_tensor_data(x);
  return 0;
}

static int gemm(cublasHandle_t h, lt_dtype dt, int m, int n, int k, const operand *a,
                const operand *b, void *c) {
  cudaDataType type;
  cublasComputeType_t compute;
  float f1 = 1, f0 = 0;
  double d1 = 1, d0 = 0;
  const void *one = &f1, *zero = &f0;
  switch (dt) {
  case LT_FLOAT32:
    type = CUDA_R_32F;
    compute = lt_cuda_get_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    break;
  case LT_FLOAT64:
    type = CUDA_R_64F;
    compute = CUBLAS_COMPUTE_64F;
    one = &d1;
    zero = &d0;
    break;
  case LT_FLOAT16: type = CUDA_R_16F; compute = CUBLAS_COMPUTE_32F; break;
  case LT_BFLOAT16: type = CUDA_R_16BF; compute = CUBLAS_COMPUTE_32F; break;
  default:
    return lt_errorf("mm: %s CUDA tensors are not supported (float32, float64, float16 and "
                     "bfloat16 are)", lt_dtype_name(dt));
  }
  /* out^T (n x m) = b^T (n x k) a^T (k x m), column-major */
  cublasStatus_t st = cublasGemmEx(h, b->op, a->op, n, m, k, one, b->ptr, type, (int)b->ld, a->ptr,
                                   type, (int)a->ld, zero, c, type, n, compute, CUBLAS_GEMM_DEFAULT);
  if (st != CUBLAS_STATUS_SUCCESS) return blas_fail("cublasGemmEx", st);
  return 0;
}

lt_tensor *lt_cuda_mm(lt_tensor *out, const lt_tensor *a, const lt_tensor *b) {
  char sa[128], sb[128], sc[64];
  if (a->ndim != 2 || b->ndim != 2)
    return lt_error("mm: expected 2-D matrices, got %d-D and %d-D", a->ndim, b->ndim);
  if (a->size[1] != b->size[0])
    return lt_error("mm: size mismatch, m1 is %s, m2 is %s", lt_shape_str(2, a->size, sa, 128),
                    lt_shape_str(2, b->size, sb, 128));
  lt_device dev = lt_tensor_device(a);
  if (dev.type != LT_CUDA || !lt_device_equal(dev, lt_tensor_device(b)) ||
      (out && !lt_device_equal(dev, lt_tensor_device(out))))
    return lt_error("mm: tensors on different devices: m1 on %s, m2 on %s%s%s",
                    lt_device_str(lt_tensor_device(a), sa, 64), lt_device_str(lt_tensor_device(b), sb, 64),
                    out ? ", result on " : "", out ? lt_device_str(lt_tensor_device(out), sc, 64) : "");
  if (a->dtype != b->dtype || (out && out->dtype != a->dtype))
    return lt_error("mm: expected one dtype, got m1 %s, m2 %s%s%s", lt_dtype_name(a->dtype),
                    lt_dtype_name(b->dtype), out ? ", result " : "", out ? lt_dtype_name(out->dtype) : "");
  int64_t m = a->size[0], k = a->size[1], n = b->size[1];
  if (m > INT_MAX || n > INT_MAX || k > INT_MAX)
    return lt_error("mm: sizes %lldx%lldx%lld are too large for cuBLAS", (long long)m, (long long)k,
                    (long long)n);
  int64_t shape[2] = {m, n};
  lt_tensor *res, *dst = NULL;
  if (out) {
    if (out == a || out == b || out->storage == a->storage || out->storage == b->storage)
      return lt_error("mm: the result must not share memory with m1 or m2");
    if (lt_tensor_resize(out, 2, shape)) return NULL;
    res = out;
    lt_tensor_retain(res);
  } else if (!(res = lt_tensor_empty_on(a->dtype, 2, shape, dev))) {
    return NULL;
  }
  operand oa = {0}, ob = {0};
  if (m == 0 || n == 0) return res;
  if (k == 0) {
    if (lt_fill_(res, 0)) goto fail;
    return res;
  }
  cublasHandle_t h = NULL;
  if (lt_cuda_blas_handle(dev.index, (void **)&h)) goto fail;
  /* a result-first tensor that is not contiguous gets the product copied in */
  bool tmp = !lt_tensor_is_contiguous(res);
  if (tmp && !(dst = lt_tensor_empty_on(a->dtype, 2, shape, dev))) goto fail;
  if (!tmp) dst = res;
  if (describe(a, &oa) || describe(b, &ob)) goto fail_ops;
  if (gemm(h, a->dtype, (int)m, (int)n, (int)k, &oa, &ob, lt_tensor_data(dst))) goto fail_ops;
  lt_tensor_release(oa.held);
  lt_tensor_release(ob.held);
  if (tmp) {
    int rc = lt_copy_(res, dst);
    lt_tensor_release(dst);
    if (rc) goto fail;
  } else {
    lt_tensor_bump_version(res);
  }
  return res;
fail_ops:
  lt_tensor_release(oa.held);
  lt_tensor_release(ob.held);
  if (tmp) lt_tensor_release(dst);
fail:
  lt_tensor_release(res);
  return NULL;
}
