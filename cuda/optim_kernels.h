/* Launcher of the fused optimizer steps (kernels/optim.cu): one elementwise
 * kernel per kind (LT_OPTIM_* of device_nn.h), the formulas of
 * lutorch/optim.h computed in the parameter's type (float for float32),
 * as lib/ops/optim.c does on the CPU. x, g and the buffers b0..b2 (NULL
 * where unused, in the order of the lt_optim_*_ function's buffer
 * arguments) are contiguous arrays of n elements of dtype dt; opts points
 * to the kind's options struct. */
#ifndef LUTORCH_CUDA_OPTIM_KERNELS_H
#define LUTORCH_CUDA_OPTIM_KERNELS_H

#include "internal.h"

#ifdef __cplusplus
extern "C" {
#endif

cudaError_t ltk_optim(int kind, lt_dtype dt, int64_t n, void *x, const void *g, void *b0,
                      void *b1, void *b2, const void *opts, int sms, cudaStream_t s);

#ifdef __cplusplus
}
#endif

#endif
