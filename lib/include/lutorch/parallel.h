/* The one thread pool: OpenMP, shared with the OpenMP build of OpenBLAS
 * (`th` lets its workers spin briefly, then sleep: docs/tensor.md). A BLAS
 * call made inside a parallel region runs single-threaded, which the
 * convolutions, the LSTM cell and the matrix products (lib/ops/linalg.c)
 * use to split their work themselves. */
#ifndef LUTORCH_PARALLEL_H
#define LUTORCH_PARALLEL_H

#include <stdint.h>

typedef void (*lt_range_fn)(int64_t begin, int64_t end, void *ctx);

/* Run fn over [0, n) split into at most nthreads chunks of >= grain items.
 * Small ranges run on the calling thread. */
void lt_parallel_for(int64_t n, int64_t grain, lt_range_fn fn, void *ctx);

/* Also sets OpenBLAS's thread count. n < 1 is clamped to 1. */
void lt_set_num_threads(int n);
int lt_get_num_threads(void);
/* True while the calling thread runs inside lt_parallel_for. */
int lt_in_parallel(void);
/* Run fn(ctx) with OpenBLAS held to the calling thread: its own threading
 * costs more than it gains on small products. */
void lt_serial(void (*fn)(void *ctx), void *ctx);

/* Elements an elementwise loop should have per thread before splitting. */
#define LT_GRAIN 32768

#endif
