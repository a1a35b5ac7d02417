/* Launcher of the segmented sort (kernels/sort.cu). */
#ifndef LUTORCH_CUDA_SORT_KERNELS_H
#define LUTORCH_CUDA_SORT_KERNELS_H

#include "internal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sort each of `rows` contiguous rows of n elements of x (dtype dt: float32,
 * float64, int64, int32, int16, int8, uint8 or bool) into values (same
 * dtype, may be NULL) and indices (0-based positions in the row, may be
 * NULL): stable, NaN after every number (before them when descending), as
 * lib/ops/sort.c. Scratch memory comes from dev's caching allocator; n must
 * be below 2^31. */
cudaError_t ltk_sort_rows(lt_dtype dt, const void *x, void *values, int64_t *indices,
                          int64_t rows, int64_t n, int descending, int dev, int sms,
                          cudaStream_t s);

#ifdef __cplusplus
}
#endif

#endif
