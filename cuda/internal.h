/* Shared declarations of the CUDA backend: state per device, the caching
 * allocator, tensor geometry for kernels and the kernel launchers
 * (cuda/kernels/). Included from C (the host files) and CUDA C++. */
#ifndef LUTORCH_CUDA_INTERNAL_H
#define LUTORCH_CUDA_INTERNAL_H

#include <cuda_runtime.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "lutorch/device.h"
#include "lutorch/op.h"
#include "lutorch_cuda.h"

/* ---- errors ----
 * A failed CUDA call becomes an lt error naming the public function, the
 * call and CUDA's message; the sticky error state is cleared when CUDA
 * allows it. Returns -1. */
int lt_cuda_fail(const char *fn, const char *call, cudaError_t err);
#define CU_TRY(fn, call)                                     \
  do {                                                       \
    cudaError_t cu_err_ = (call);                            \
    if (cu_err_ != cudaSuccess) return lt_cuda_fail(fn, #call, cu_err_); \
  } while (0)

/* ---- devices (runtime.c) ---- */
/* Make dev current for this thread (cheap when it already is); -1 + error. */
int lt_cuda_use(const char *fn, int dev);
/* The stream work for dev is queued on (the legacy default stream for now:
 * it orders every kernel and copy of this process, so the allocator can
 * reuse a freed block at once). */
cudaStream_t lt_cuda_stream(int dev);
int lt_cuda_sm_count(int dev);
/* 0-based index of the tensor's device; the tensor must live on a GPU */
static inline int lt_cuda_dev_of(const lt_tensor *t) { return t->storage->device.index; }

/* the cuBLAS handle of dev (a cublasHandle_t), made on first use (blas.c) */
int lt_cuda_blas_handle(int dev, void **handle);

/* ---- caching allocator (allocator.c) ---- */
void *lt_cuda_alloc(int dev, size_t nbytes);
void lt_cuda_free(int dev, void *p, size_t nbytes);
int lt_cuda_memstats(int dev, lt_device_memstats *out);
void lt_cuda_empty_cache(void);
void lt_cuda_reset_peak(int dev);
int64_t lt_cuda_bytes_in_use(void);

/* ---- geometry for kernels ----
 * Up to 4 operands of one shape, dims merged where every operand is
 * contiguous across them (so a contiguous tensor is 1-D), strides in
 * elements, outermost first. */
#define LTK_MAX_OPS 4
typedef struct ltk_geom {
  int ndim;
  int64_t size[LT_MAX_DIMS];
  int64_t stride[LTK_MAX_OPS][LT_MAX_DIMS];
} ltk_geom;
/* ops must share one shape (expand first); NULL entries get stride 0. */
void ltk_geom_init(ltk_geom *g, int nops, lt_tensor *const *ops);

/* ---- results (copy.c) ----
 * Torch7's result-first form: r (consumed) moved into out, resized and
 * converted, when out is given (returned retained); else r itself. */
lt_tensor *lt_cuda_deliver(lt_tensor *out, lt_tensor *r);

/* ---- kernel launchers: each returns the launch's error code ---- */
enum {
  LTK_NEG, LTK_ABS, LTK_SIGN, LTK_RELU, LTK_FLOOR, LTK_CEIL, LTK_ROUND, LTK_TRUNC,
  LTK_EXP, LTK_LOG, LTK_LOG1P, LTK_EXPM1, LTK_SQRT, LTK_RSQRT, LTK_SIN, LTK_COS,
  LTK_TAN, LTK_ASIN, LTK_ACOS, LTK_ATAN, LTK_SINH, LTK_COSH, LTK_TANH, LTK_SIGMOID,
  LTK_CLAMP, LTK_NUNARY
};
enum {
  LTK_ADD, LTK_SUB, LTK_MUL, LTK_DIV, LTK_POW, LTK_FMOD, LTK_REMAINDER, LTK_CMAX,
  LTK_CMIN, LTK_ATAN2, LTK_NBINARY
};
enum { LTK_SUM, LTK_MAX, LTK_MIN };
/* the generic pointwise kernel's ops beyond the two lists above (codes
 * continue after LTK_NBINARY so one switch holds every op) */
enum {
  LTK_EQ = 64, LTK_NE, LTK_LT, LTK_LE, LTK_GT, LTK_GE, LTK_LAND, LTK_LOR, LTK_LXOR, LTK_LNOT,
  LTK_TANH_GRAD, LTK_SIGMOID_GRAD, LTK_RELU_GRAD, LTK_CLAMP_GRAD,
  LTK_WHERE, LTK_LERP, LTK_ADDCMUL, LTK_ADDCDIV,
  LTK_ERF, LTK_ERFC, LTK_ERFINV, LTK_LGAMMA, LTK_DIGAMMA, LTK_POLYGAMMA,
  LTK_BITAND, LTK_BITOR, LTK_BITXOR, LTK_LSHIFT, LTK_RSHIFT
};
#define LTK_BINARY_BASE 32 /* binary codes in the generic kernel: LTK_ADD + 32 ... */

/* An elementwise operand: a device pointer, or a scalar when ptr is NULL. */
typedef struct ltk_operand {
  const void *ptr;
  double scalar;
} ltk_operand;

/* p[i] = v for n elements of elem_size bytes (v's raw bits); g NULL: contiguous */
cudaError_t ltk_fill(void *p, int elem_size, uint64_t bits, int64_t n, const ltk_geom *g,
                     cudaStream_t s);
/* dst = src converted, for the geometry g (operand 0 dst, 1 src) */
cudaError_t ltk_copy(void *dst, lt_dtype dt, const void *src, lt_dtype st, int64_t n,
                     const ltk_geom *g, cudaStream_t s);
/* out = f(a) / f(a, b) in dtype (float32 or float64); g NULL: all contiguous */
cudaError_t ltk_unary(int op, lt_dtype dt, void *out, ltk_operand a, int64_t n,
                      const ltk_geom *g, const double *prm, int sms, cudaStream_t s);
cudaError_t ltk_binary(int op, lt_dtype dt, void *out, ltk_operand a, ltk_operand b,
                       int64_t n, const ltk_geom *g, double alpha, int sms, cudaStream_t s);
/* The generic pointwise kernel: any op code (unary codes as they are,
 * binary ones + LTK_BINARY_BASE, the rest from the enum above), operands
 * a, b, c (unused ones scalars) in the compute dtype ct, the result in ct
 * or bool (bool_out); g NULL: every array operand contiguous. */
cudaError_t ltk_pointwise(int op, lt_dtype ct, int bool_out, void *out, int nin,
                          const ltk_operand *in, int64_t n, const ltk_geom *g, const double *prm,
                          int sms, cudaStream_t s);

/* ---- reductions along a dim and scans (kernels/reduce_dim.cu) ----
 * Kinds in lib's rkind order (lib/ops/reduce_impl.h); finishing codes. */
enum {
  LTK_RK_SUM, LTK_RK_PROD, LTK_RK_COUNT, LTK_RK_MAX, LTK_RK_MIN, LTK_RK_SQDEV, LTK_RK_EXPDEV,
  LTK_RK_ABS, LTK_RK_SQ, LTK_RK_POW, LTK_RK_ABSMAX, LTK_RK_ABSMIN
};
enum {
  LTK_FIN_RAW,  /* the accumulator itself */
  LTK_FIN_ALL,  /* count == n */
  LTK_FIN_ANY,  /* count > 0 */
  LTK_FIN_MEAN, /* acc / n */
  LTK_FIN_VAR,  /* acc / n (n: the denominator), NaN when n <= 0 */
  LTK_FIN_STD,  /* sqrt of that */
  LTK_FIN_SQRT,
  LTK_FIN_ROOT, /* acc^(1/prm) */
  LTK_FIN_M0,   /* -inf where the max pass saw nothing, else the max */
  LTK_FIN_LSE   /* m0 + log(acc), or m0 where m0 is not finite */
};
/* How many parts to split each output's n elements into (1: none). */
int64_t ltk_reduce_splits(int64_t outer, int64_t n, int64_t inner, int sms);
/* acc[outer*inner] (double, or int64 when acc_int) = kind folded over x
 * (float32, float64 or int64, contiguous (outer, n, inner)); idx gets the
 * positions for max/min; parts/parts_idx hold outer*inner*P states when
 * P > 1; cen: per-output centres (SQDEV, EXPDEV) or NULL. */
cudaError_t ltk_reduce_dim(lt_dtype dt, int acc_int, const void *x, int64_t outer, int64_t n,
                           int64_t inner, int kind, double p, const double *cen, void *acc,
                           int64_t *idx, void *parts, int64_t *parts_idx, int64_t P, int sms,
                           cudaStream_t s);
cudaError_t ltk_reduce_finish(const void *acc, int acc_int, const int64_t *idx, const double *m0,
                              int64_t nout, int fin, double n, double prm, void *out,
                              lt_dtype dt, int sms, cudaStream_t s);
/* y = cumulative sum/product of x along n; x float32/float64/int64, y the
 * same dtype (int64 for int64) */
cudaError_t ltk_scan(lt_dtype dt, const void *x, void *y, int64_t outer, int64_t n,
                     int64_t inner, int prod, int sms, cudaStream_t s);

/* ---- index and mask kernels (kernels/gather.cu) ----
 * gather: out[off0] = x[off2 + idx[off1] * xk] over g (3 operands: out,
 * idx, x with stride 0 along dim), elements of esz bytes.
 * scatter: for each of nlines lines (g: x, idx, src outside dim) and k <
 * K: x[line + idx[line + k ik] xk] =/+= src[line + k sk] or = fill.
 * masked_fill: x[off0] = bits where mask[off1] (bytes) is set.
 * masked_move: for selected i (pos: the inclusive prefix count, contiguous
 * over g's shape), flat[pos[i]-1] = x[off(i)] (to_x 0) or the reverse.
 * nonzero: row pos[i]-1 of out (n x ndim) = the coordinates of i. */
cudaError_t ltk_gather(int esz, void *out, const int64_t *idx, const void *x, const ltk_geom *g,
                       int64_t n, int64_t xk, int sms, cudaStream_t s);
cudaError_t ltk_scatter(lt_dtype dt, int op, void *x, const int64_t *idx, const void *src,
                        const ltk_geom *g, int64_t nlines, int64_t K, int64_t ik, int64_t sk,
                        int64_t xk, uint64_t fill_bits, int sms, cudaStream_t s);
cudaError_t ltk_masked_fill(int esz, void *x, const void *mask, const ltk_geom *g, int64_t n,
                            uint64_t bits, int sms, cudaStream_t s);
cudaError_t ltk_masked_move(int esz, void *x, const int64_t *pos, void *flat, const ltk_geom *g,
                            int64_t n, int to_x, int sms, cudaStream_t s);
cudaError_t ltk_nonzero(const int64_t *pos, int64_t n, int ndim, const int64_t *size,
                        int64_t *out, int sms, cudaStream_t s);

/* ---- random fills (kernels/random.cu): lib's Philox stream, element i
 * of a contiguous out taking counter offset + i; dist an LT_DEV_RAND_*;
 * probs (BERNOULLI_T) a contiguous float64 array of n ---- */
cudaError_t ltk_random(lt_dtype dt, void *out, int64_t n, int dist, double p0, double p1,
                       uint64_t lo, uint64_t range, const double *probs, uint64_t seed,
                       uint64_t offset, int sms, cudaStream_t s);

/* Whole-array reduction of a contiguous array into *result (device memory,
 * one element of the accumulation type: float for float32, double for
 * float64); partials holds at least ltk_reduce_parts(sms) such elements. */
int ltk_reduce_parts(int sms);
cudaError_t ltk_reduce(int op, lt_dtype dt, const void *in, int64_t n, void *partials,
                       void *result, int sms, cudaStream_t s);
#ifdef __cplusplus
}
#endif

#endif
