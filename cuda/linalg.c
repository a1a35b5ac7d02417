/* The matrix-product family on the GPU (lib/ops/linalg.c hands every
 * product here when an operand is a CUDA tensor): mm, addmm, mv, addmv,
 * ger, addr, bmm, baddbmm, addbmm, matmul and dot, all on one driver.
 *
 * The driver computes W (batch..., m, n) = beta W + alpha A B with one
 * cublasGemmEx, or one cublasGemmStridedBatchedEx for a batch: cuBLAS is
 * column-major, so as in blas.c the row-major W is written as its
 * transpose, W^T = B^T A^T. A batch whose matrices sit one stride apart
 * (contiguous batches, or stride 0 for a broadcast operand) is passed as
 * it is; any other batch layout is made contiguous first. Each matrix may
 * be row- or column-major (a transposed view) without a copy.
 *
 * M and the result follow lib's rules (linalg.h): M broadcasts to the
 * result and is copied into it before the gemm runs with beta; the result
 * is out itself when it is contiguous and shares no memory with an input,
 * else a temporary copied into out. Sizes and messages match the CPU's. */
#include <cublas_v2.h>
#include <limits.h>
#include <string.h>

#include "internal.h"
#include "lutorch/linalg_check.h"

static bool shares(const lt_tensor *x, const lt_tensor *y) {
  return x && y && x->storage == y->storage;
}

/* one GPU, one float dtype cuBLAS multiplies (the shapes are checked by
 * lib's lutorch/linalg_check.h, as on the CPU) */
static int check_inputs(const char *fn, const lt_tensor *out, int n, lt_tensor *const *t,
                        const char *const *names) {
  char a[32], b[32];
  lt_device dev = {LT_CPU, 0};
  const char *first = NULL;
  lt_dtype dt = LT_NDTYPES;
  for (int i = 0; i < n; i++) {
    if (!t[i]) continue;
    lt_device d = lt_tensor_device(t[i]);
    if (!first) {
      dev = d;
      dt = t[i]->dtype;
      first = names[i];
    } else if (!lt_device_equal(d, dev)) {
      return lt_errorf("%s: tensors on different devices: %s is on %s, %s on %s", fn, first,
                       lt_device_str(dev, a, sizeof a), names[i], lt_device_str(d, b, sizeof b));
    } else if (t[i]->dtype != dt) {
      return lt_errorf("%s: expected tensors of one dtype, %s is %s but %s is %s", fn, first,
                       lt_dtype_name(dt), names[i], lt_dtype_name(t[i]->dtype));
    }
  }
  if (out && !lt_device_equal(lt_tensor_device(out), dev))
    return lt_errorf("%s: tensors on different devices: the result is on %s, %s on %s", fn,
                     lt_device_str(lt_tensor_device(out), a, sizeof a), first,
                     lt_device_str(dev, b, sizeof b));
  if (dev.type != LT_CUDA) return lt_errorf("%s: expected CUDA tensors", fn);
  if (dt != LT_FLOAT32 && dt != LT_FLOAT64 && dt != LT_FLOAT16 && dt != LT_BFLOAT16)
    return lt_errorf("%s: not supported for %s CUDA tensors (float32, float64, float16 and "
                     "bfloat16 are)", fn, lt_dtype_name(dt));
  return 0;
}

/* ---- the gemm driver ---- */

/* One matrix (the last two dims of x) as cuBLAS reads its transpose. */
typedef struct {
  cublasOperation_t op;
  int64_t ld;
} layout;

static bool matrix_layout(const lt_tensor *x, layout *l) {
  int nd = x->ndim;
  int64_t r = x->size[nd - 2], c = x->size[nd - 1], s0 = x->stride[nd - 2], s1 = x->stride[nd - 1];
  int64_t rmin = r > 1 ? r : 1, cmin = c > 1 ? c : 1;
  if ((c == 1 || s1 == 1) && (r == 1 || s0 >= cmin)) {
    l->op = CUBLAS_OP_N;
    l->ld = r == 1 ? cmin : s0;
  } else if ((r == 1 || s0 == 1) && (c == 1 || s1 >= rmin)) {
    l->op = CUBLAS_OP_T;
    l->ld = c == 1 ? rmin : s1;
  } else {
    return false;
  }
  return l->ld <= INT_MAX;
}

/* The batch dims [0, nb) as one stride (0 when broadcast), if they are. */
static bool batch_stride(const lt_tensor *x, int nb, int64_t *stride) {
  int64_t s = -1, expect = -1;
  for (int d = nb - 1; d >= 0; d--) {
    if (x->size[d] == 1) continue;
    if (s < 0) {
      s = x->stride[d];
      expect = s * x->size[d];
    } else if (s == 0) {
      if (x->stride[d] != 0) return false;
    } else {
      if (x->stride[d] != expect) return false;
      expect *= x->size[d];
    }
  }
  *stride = s < 0 ? 0 : s;
  return true;
}

/* x itself (retained) when cuBLAS can read it as a strided batch of
 * matrices, else a contiguous copy. */
static lt_tensor *batch_operand(const lt_tensor *x, int nb, layout *l, int64_t *stride) {
  if (batch_stride(x, nb, stride) && matrix_layout(x, l)) {
    lt_tensor_retain((lt_tensor *)x);
    return (lt_tensor *)x;
  }
  lt_tensor *c = lt_contiguous(x);
  if (c) {
    *stride = x->size[nb] * x->size[nb + 1];
    matrix_layout(c, l);
  }
  return c;
}

static int blas_fail(const char *fn, const char *call, cublasStatus_t st) {
  return lt_errorf("%s: cuBLAS error %d (%s: %s) in %s", fn, (int)st, cublasGetStatusName(st),
                   cublasGetStatusString(st), call);
}

/* W (contiguous, batch..., m, n) = beta W + alpha A B over nb batch dims */
static int gemm(const char *fn, lt_tensor *w, double beta, double alpha, const lt_tensor *a,
                const lt_tensor *b, int nb) {
  int64_t count = 1;
  for (int d = 0; d < nb; d++) count *= w->size[d];
  int64_t m = a->size[nb], k = a->size[nb + 1], n = b->size[nb + 1];
  if (count == 0 || m == 0 || n == 0) return 0;
  if (k == 0) { /* an empty sum: W = beta W */
    if (beta == 0) return lt_fill_(w, 0);
    lt_tensor *s = lt_tensor_scalar(w->dtype, beta);
    lt_tensor *r = s ? lt_binary(lt_op_find("mul"), w, w, s, NULL) : NULL;
    lt_tensor_release(s);
    lt_tensor_release(r);
    return r ? 0 : -1;
  }
  if (m > INT_MAX || n > INT_MAX || k > INT_MAX || count > INT_MAX)
    return lt_errorf("%s: sizes %lldx%lldx%lld (batch %lld) are too large for cuBLAS", fn,
                     (long long)m, (long long)k, (long long)n, (long long)count);
  layout la, lb;
  int64_t sa, sb;
  lt_tensor *ha = batch_operand(a, nb, &la, &sa);
  lt_tensor *hb = ha ? batch_operand(b, nb, &lb, &sb) : NULL;
  int rc = -1;
  if (!hb) goto done;
  int dev = lt_cuda_dev_of(w);
  cublasHandle_t h;
  if (lt_cuda_blas_handle(dev, (void **)&h)) goto done;
  cudaDataType type;
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
  float fa = (float)alpha, fb = (float)beta;
  const void *pa = &fa, *pb = &fb;
  switch (w->dtype) {
  case LT_FLOAT32:
    type = CUDA_R_32F;
    if (lt_cuda_get_tf32()) compute = CUBLAS_COMPUTE_32F_FAST_TF32;
    break;
  case LT_FLOAT64:
    type = CUDA_R_64F;
    compute = CUBLAS_COMPUTE_64F;
    pa = &alpha;
    pb = &beta;
    break;
  case LT_FLOAT16: type = CUDA_R_16F; break;
  default: type = CUDA_R_16BF; break;
  }
  cublasStatus_t st;
  if (count == 1)
    st = cublasGemmEx(h, lb.op, la.op, (int)n, (int)m, (int)k, pa, lt_tensor_data(hb), type,
                      (int)lb.ld, lt_tensor_data(ha), type, (int)la.ld, pb, lt_tensor_data(w),
                      type, (int)n, compute, CUBLAS_GEMM_DEFAULT);
  else
    st = cublasGemmStridedBatchedEx(h, lb.op, la.op, (int)n, (int)m, (int)k, pa,
                                    lt_tensor_data(hb), type, (int)lb.ld, sb, lt_tensor_data(ha),
                                    type, (int)la.ld, sa, pb, lt_tensor_data(w), type, (int)n,
                                    m * n, (int)count, compute, CUBLAS_GEMM_DEFAULT);
  rc = st == CUBLAS_STATUS_SUCCESS ? 0 : blas_fail(fn, count == 1 ? "cublasGemmEx" : "cublasGemmStridedBatchedEx", st);
done:
  lt_tensor_release(ha);
  lt_tensor_release(hb);
  return rc;
}

/* out = beta M + alpha A B, where A (batch..., m, k) and B (batch..., k, n)
 * are expanded to one batch shape of nb dims and the result, of
 * (batch... m n) elements, has the user's shape (nd, size). */
static lt_tensor *product(const char *fn, lt_tensor *out, double beta, lt_tensor *m, double alpha,
                          const lt_tensor *a, const lt_tensor *b, int nb, int nd,
                          const int64_t *size) {
  if (lt_product_check_m(fn, out, m, nd, size)) return NULL;
  if (!m) beta = 0;
  lt_tensor *target;
  if (out && out == m) {
    target = m;
    lt_tensor_retain(target);
  } else {
    if (out) {
      if (out->dtype != a->dtype)
        return lt_error("%s: result tensor is %s but the inputs are %s", fn,
                        lt_dtype_name(out->dtype), lt_dtype_name(a->dtype));
      bool same = out->ndim == nd && !memcmp(out->size, size, sizeof(int64_t) * (size_t)nd);
      if (!same && lt_tensor_resize(out, nd, size)) return NULL;
      target = out;
      lt_tensor_retain(target);
    } else if (!(target = lt_tensor_empty_on(a->dtype, nd, size, lt_tensor_device(a)))) {
      return NULL;
    }
  }
  bool direct = lt_tensor_is_contiguous(target) && !shares(target, a) && !shares(target, b) &&
                (target == m || !shares(target, m));
  lt_tensor *w = target, *w3 = NULL;
  if (!direct) w = lt_tensor_empty_on(a->dtype, nd, size, lt_tensor_device(a));
  int64_t wsize[LT_MAX_DIMS];
  memcpy(wsize, a->size, sizeof(int64_t) * (size_t)nb);
  wsize[nb] = a->size[nb];
  wsize[nb + 1] = b->size[nb + 1];
  if (!w || (beta != 0 && w != m && lt_copy_(w, m)) || !(w3 = lt_view(w, nb + 2, wsize)) ||
      gemm(fn, w3, beta, alpha, a, b, nb) || (w != target && lt_copy_(target, w))) {
    if (w != target) lt_tensor_release(w);
    lt_tensor_release(w3);
    lt_tensor_release(target);
    return NULL;
  }
  if (w != target) lt_tensor_release(w);
  lt_tensor_release(w3);
  lt_tensor_bump_version(target);
  return target;
}

/* ---- the public forms ---- */

/* the product kinds lib's linalg.c hands over, checked as on the CPU */

static lt_tensor *addmv(const char *fn, lt_tensor *out, double beta, lt_tensor *m, double alpha,
                        lt_tensor *a, lt_tensor *x, const int64_t *size) {
  lt_tensor *xc = lt_unsqueeze(x, 1); /* k x 1 */
  lt_tensor *r = xc ? product(fn, out, beta, m, alpha, a, xc, 0, 1, size) : NULL;
  lt_tensor_release(xc);
  return r;
}

static lt_tensor *addr(const char *fn, lt_tensor *out, double beta, lt_tensor *m, double alpha,
                       lt_tensor *x, lt_tensor *y, const int64_t *size) {
  lt_tensor *xc = lt_unsqueeze(x, 1), *yr = xc ? lt_unsqueeze(y, 0) : NULL, *r = NULL;
  if (yr) r = product(fn, out, beta, m, alpha, xc, yr, 0, 2, size);
  lt_tensor_release(xc);
  lt_tensor_release(yr);
  return r;
}

/* sum_i a_i b_i = [a_1 ... a_B] [b_1; ...; b_B]: one gemm of depth B k */
static lt_tensor *addbmm(const char *fn, lt_tensor *out, double beta, lt_tensor *m, double alpha,
                         lt_tensor *a, lt_tensor *b, const int64_t *size) {
  int64_t B = a->size[0], rows = a->size[1], k = a->size[2];
  int64_t as[2] = {rows, B * k}, bs[2] = {B * k, b->size[2]};
  lt_tensor *at = lt_transpose(a, 0, 1); /* rows x B x k */
  lt_tensor *ac = at ? lt_contiguous(at) : NULL, *a2 = ac ? lt_view(ac, 2, as) : NULL;
  lt_tensor *b2 = a2 ? lt_reshape(b, 2, bs) : NULL, *r = NULL;
  if (b2) r = product(fn, out, beta, m, alpha, a2, b2, 0, 2, size);
  lt_tensor_release(at);
  lt_tensor_release(ac);
  lt_tensor_release(a2);
  lt_tensor_release(b2);
  return r;
}

/* PyTorch's matmul: vectors get a dim added (and dropped from the result),
 * leading dims broadcast as batch dims */
static lt_tensor *matmul(lt_tensor *out, lt_tensor *a, lt_tensor *b) {
  lt_tensor *ea, *eb, *r = NULL;
  int nd;
  int64_t size[LT_MAX_DIMS];
  if (lt_matmul_operands("matmul", a, b, &ea, &eb, &nd, size)) return NULL;
  r = product("matmul", out, 0, NULL, 1, ea, eb, ea->ndim - 2, nd, size);
  lt_tensor_release(ea);
  lt_tensor_release(eb);
  return r;
}

lt_tensor *lt_cuda_product(int kind, const char *fn, lt_tensor *out, double beta, lt_tensor *m,
                           double alpha, lt_tensor *a, lt_tensor *b) {
  int64_t size[3];
  int nd = lt_product_check(kind, fn, check_inputs, out, m, a, b, size);
  if (nd < 0) return NULL;
  switch (kind) {
  case LT_DEV_MV: return addmv(fn, out, beta, m, alpha, a, b, size);
  case LT_DEV_R: return addr(fn, out, beta, m, alpha, a, b, size);
  case LT_DEV_ADDBMM: return addbmm(fn, out, beta, m, alpha, a, b, size);
  case LT_DEV_MATMUL: return matmul(out, a, b);
  default: /* mm, bmm */ return product(fn, out, beta, m, alpha, a, b, kind == LT_DEV_BMM, nd, size);
  }
}

/* dot as a number: the 0-dim matmul of the two vectors, read back */
int lt_cuda_dot(lt_tensor *a, lt_tensor *b, double *result) {
  int64_t na = lt_tensor_numel(a), nb = lt_tensor_numel(b);
  if (na != nb) return lt_product_mismatch("dot", "a", a, "b", b);
  lt_tensor *fa = lt_reshape(a, 1, &na), *fb = fa ? lt_reshape(b, 1, &nb) : NULL;
  lt_tensor *t[2] = {fa, fb};
  const char *names[2] = {"a", "b"};
  lt_tensor *r = NULL, *c = NULL;
  if (fb && !check_inputs("dot", NULL, 2, t, names)) r = matmul(NULL, fa, fb);
  if (r) c = lt_tensor_to(r, LT_FLOAT64, (lt_device){LT_CPU, 0});
  if (c) *result = *(const double *)lt_tensor_data(c);
  lt_tensor_release(fa);
  lt_tensor_release(fb);
  lt_tensor_release(r);
  lt_tensor_release(c);
  return c ? 0 : -1;
}
