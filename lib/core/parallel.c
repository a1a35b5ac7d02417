/* The thread pool is OpenMP's, shared with the OpenMP build of OpenBLAS:
 * one set of threads serves our loops and the BLAS calls, so they never
 * oversubscribe the cores (see TOOLCHAIN.md). BLAS called inside one of our
 * parallel regions runs single-threaded there. */
#include "lutorch/parallel.h"

#include <omp.h>

void openblas_set_num_threads(int n);

static int nthreads; /* 0 = not set yet: OpenMP's default */

int lt_get_num_threads(void) {
  if (!nthreads) nthreads = omp_get_max_threads();
  return nthreads;
}

void lt_set_num_threads(int n) {
  if (n < 1) n = 1;
  nthreads = n;
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int lt_in_parallel(void) { return omp_in_parallel(); }

/* OpenMP OpenBLAS sizes its team by omp_get_max_threads() at each call. */
void lt_serial(void (*fn)(void *ctx), void *ctx) {
  int n = lt_get_num_threads();
  if (n > 1) omp_set_num_threads(1);
  fn(ctx);
  if (n > 1) omp_set_num_threads(n);
}

void lt_parallel_for(int64_t n, int64_t grain, lt_range_fn fn, void *ctx) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int64_t chunks = n / grain;
  int threads = lt_get_num_threads();
  if (chunks > threads) chunks = threads;
  if (chunks <= 1 || omp_in_parallel()) {
    fn(0, n, ctx);
    return;
  }
#pragma omp parallel num_threads((int)chunks)
  {
    int k = omp_get_num_threads(), c = omp_get_thread_num();
    int64_t size = (n + k - 1) / k, b = c * size, e = b + size < n ? b + size : n;
    if (b < e) fn(b, e, ctx);
  }
}
