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

/* ---- caching allocator (allocator.c) ---- */
void *lt_cuda_alloc(int dev, size_t nbytes);
void lt_cuda_free(int dev, void *p, size_t nbytes);
int lt_cuda_memstats(int dev, lt_device_memstats *out);
void lt_cuda_empty_cache(void);
void lt_cuda_reset_peak(int dev);
int64_t lt_cuda_bytes_in_use(void);

/* ---- geometry for kernels ----
 * Up to 3 operands of one shape, dims merged where every operand is
 * contiguous across them (so a contiguous tensor is 1-D), strides in
 * elements, outermost first. */
#define LTK_MAX_OPS 3
typedef struct ltk_geom {
  int ndim;
  int64_t size[LT_MAX_DIMS];
  int64_t stride[LTK_MAX_OPS][LT_MAX_DIMS];
} ltk_geom;
/* ops must share one shape (expand first); NULL entries get stride 0. */
void ltk_geom_init(ltk_geom *g, int nops, lt_tensor *const *ops);

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
/* Whole-array reduction of a contiguous array into *result (device memory,
 * one element of the accumulation type: float for float32, double for
 * float64); partials holds at least ltk_reduce_parts(sms) such elements. */
int ltk_reduce_parts(int sms);
cudaError_t ltk_reduce(int op, lt_dtype dt, const void *in, int64_t n, void *partials,
                       void *result, int sms, cudaStream_t s);
/* uniform [lo, hi) from a counter-based generator: element i of the
 * stream (seed, offset) depends on nothing else */
cudaError_t ltk_uniform(lt_dtype dt, void *out, int64_t n, uint64_t seed, uint64_t offset,
                        double lo, double hi, cudaStream_t s);

#ifdef __cplusplus
}
#endif

#endif
