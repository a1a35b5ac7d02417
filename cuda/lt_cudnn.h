/* cuDNN plumbing of the CUDA backend (cudnn.c), used by the convolutions
 * (nn_conv.c): one handle per device, cuDNN errors as lt errors, and a
 * cache of algorithm choices. Named lt_cudnn.h so that it never shadows
 * cuDNN's own <cudnn.h>. Only compiled when CMake found cuDNN
 * (LUTORCH_HAVE_CUDNN). */
#ifndef LUTORCH_LT_CUDNN_H
#define LUTORCH_LT_CUDNN_H

#include <cudnn.h>
#include <stdint.h>

#include "internal.h"

/* An lt error "<fn>: cuDNN error in <call>: <cuDNN's message>"; returns -1. */
int lt_cudnn_fail(const char *fn, const char *call, cudnnStatus_t st);
#define DNN_TRY(fn, call)                                                         \
  do {                                                                            \
    cudnnStatus_t dnn_st_ = (call);                                               \
    if (dnn_st_ != CUDNN_STATUS_SUCCESS) return lt_cudnn_fail(fn, #call, dnn_st_); \
  } while (0)

/* dev's handle (made on first use, on lt_cuda_stream(dev)); dev is made
 * current. A handle serves one host thread at a time, like cuBLAS's. */
int lt_cudnn_handle(const char *fn, int dev, cudnnHandle_t *out);

/* The algorithm cache. A key is LT_CUDNN_KEY_LEN int64 words, zero-filled,
 * that the caller fills with everything the choice depends on (nn_conv.c:
 * which pass, device, dtype, math mode, groups, every size, padding,
 * stride and dilation). A value is the algorithm, its math mode and its
 * workspace size. */
#define LT_CUDNN_KEY_LEN 32
typedef struct lt_cudnn_algo {
  int algo;         /* a cudnnConvolution{Fwd,BwdData,BwdFilter}Algo_t */
  cudnnMathType_t math;
  size_t workspace; /* bytes */
} lt_cudnn_algo;
/* 1 and *out when key is cached, else 0 */
int lt_cudnn_algo_get(const int64_t *key, lt_cudnn_algo *out);
void lt_cudnn_algo_put(const int64_t *key, lt_cudnn_algo v);

#endif
