/* The caching allocator for GPU memory.
 *
 * cudaMalloc and cudaFree are slow (cudaFree synchronises the device), so a
 * training step must not call them per tensor. Requests are rounded up to a
 * size class: multiples of 512 bytes up to 1 MiB (the small pool), above
 * that eight classes per power of two (the large pool, at most 12.5% waste).
 * A freed block goes onto the free list of its (device, stream, class) and
 * the next request of that class on that stream takes it back. Reusing a
 * block at once is safe because work is queued in stream order: a kernel
 * that writes the new tensor runs after every kernel that read the old one.
 *
 * When cudaMalloc runs out of memory, the cache of that device is returned
 * to CUDA and the call retried once; after that the error names the sizes. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define MAX_DEVICES 16
#define SMALL_LIMIT ((size_t)1 << 20)
#define SMALL_ROUND ((size_t)512)
#define NSMALL ((int)(SMALL_LIMIT / SMALL_ROUND)) /* 2048 classes */
#define NLARGE (8 * 44)                           /* 2^20 .. 2^64 */
#define NCLASSES (NSMALL + NLARGE)

typedef struct block {
  void *ptr;
  cudaStream_t stream;
  struct block *next;
} block;

typedef struct device_pool {
  block *free_list[NCLASSES]; /* by class; entries carry their stream */
  lt_device_memstats st;
} device_pool;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static device_pool *pools[MAX_DEVICES];
/* allocated bytes of all devices, read without the lock by the binding's
 * GC accounting on every tensor it pushes */
static int64_t total_allocated;

/* Round n up to its size class; *cls gets the class index. */
static size_t size_class(size_t n, int *cls) {
  if (n == 0) n = 1;
  if (n <= SMALL_LIMIT) {
    size_t s = (n + SMALL_ROUND - 1) & ~(SMALL_ROUND - 1);
    *cls = (int)(s / SMALL_ROUND) - 1;
    return s;
  }
  int p = 63 - __builtin_clzll((unsigned long long)(n - 1)); /* 2^p < n <= 2^(p+1) */
  size_t base = (size_t)1 << p, step = base >> 3;
  size_t s = (n + step - 1) & ~(step - 1);
  *cls = NSMALL + (p - 20) * 8 + (int)((s - base) / step) - 1;
  return s;
}

static device_pool *pool(int dev) {
  if (dev < 0 || dev >= MAX_DEVICES) return NULL;
  if (!pools[dev]) pools[dev] = calloc(1, sizeof(device_pool));
  return pools[dev];
}

static void fmt_bytes(char *buf, size_t n, int64_t b) {
  double v = (double)b;
  const char *unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    u++;
  }
  if (u == 0)
    snprintf(buf, n, "%lld bytes", (long long)b);
  else
    snprintf(buf, n, "%.2f %s", v, unit[u]);
}

/* Give the cached blocks of dev back to CUDA; lock held, dev current. */
static void release_cached(int dev) {
  device_pool *p = pools[dev];
  if (!p) return;
  for (int c = 0; c < NCLASSES; c++) {
    block *b = p->free_list[c];
    while (b) {
      block *next = b->next;
      cudaFree(b->ptr);
      p->st.device_frees++;
      free(b);
      b = next;
    }
    p->free_list[c] = NULL;
  }
  p->st.reserved -= p->st.cached;
  p->st.cached = 0;
}

void *lt_cuda_alloc(int dev, size_t nbytes) {
  int cls;
  size_t size = size_class(nbytes, &cls);
  cudaStream_t stream = lt_cuda_stream(dev);
  void *ptr = NULL;
  pthread_mutex_lock(&lock);
  device_pool *p = pool(dev);
  if (!p) {
    pthread_mutex_unlock(&lock);
    return lt_error("cuda: no memory pool for CUDA device %d", dev + 1);
  }
  for (block **link = &p->free_list[cls]; *link; link = &(*link)->next) {
    block *b = *link;
    if (b->stream != stream) continue;
    *link = b->next;
    ptr = b->ptr;
    free(b);
    p->st.cached -= (int64_t)size;
    p->st.cache_hits++;
    break;
  }
  if (!ptr) {
    if (lt_cuda_use("cuda", dev)) {
      pthread_mutex_unlock(&lock);
      return NULL;
    }
    cudaError_t err = cudaMalloc(&ptr, size);
    if (err == cudaErrorMemoryAllocation) { /* give the cache back and retry once */
      (void)cudaGetLastError();
      p->st.oom_retries++;
      release_cached(dev);
      err = cudaMalloc(&ptr, size);
    }
    if (err != cudaSuccess) {
      (void)cudaGetLastError();
      p->st.ooms++;
      size_t fr = 0, tot = 0;
      cudaMemGetInfo(&fr, &tot);
      (void)cudaGetLastError();
      char want[32], alloc[32], res[32], free_b[32], total[32];
      fmt_bytes(want, 32, (int64_t)nbytes);
      fmt_bytes(alloc, 32, p->st.allocated);
      fmt_bytes(res, 32, p->st.reserved);
      fmt_bytes(free_b, 32, (int64_t)fr);
      fmt_bytes(total, 32, (int64_t)tot);
      pthread_mutex_unlock(&lock);
      if (err == cudaErrorMemoryAllocation)
        return lt_error("cuda: out of memory allocating %s on GPU %d (%s allocated by tensors, "
                        "%s reserved by lutorch, %s free of %s)",
                        want, dev + 1, alloc, res, free_b, total);
      lt_cuda_fail("cuda", "cudaMalloc", err);
      return NULL;
    }
    p->st.device_allocs++;
    p->st.reserved += (int64_t)size;
  }
  p->st.allocated += (int64_t)size;
  __atomic_add_fetch(&total_allocated, (int64_t)size, __ATOMIC_RELAXED);
  if (p->st.allocated > p->st.peak_allocated) p->st.peak_allocated = p->st.allocated;
  pthread_mutex_unlock(&lock);
  return ptr;
}

void lt_cuda_free(int dev, void *ptr, size_t nbytes) {
  if (!ptr) return;
  int cls;
  size_t size = size_class(nbytes, &cls);
  block *b = malloc(sizeof *b);
  pthread_mutex_lock(&lock);
  device_pool *p = pool(dev);
  if (p) {
    p->st.allocated -= (int64_t)size;
    __atomic_sub_fetch(&total_allocated, (int64_t)size, __ATOMIC_RELAXED);
  }
  if (!p || !b) { /* cannot keep it: hand it straight back */
    if (lt_cuda_use("cuda", dev) == 0) cudaFree(ptr);
    if (p) {
      p->st.reserved -= (int64_t)size;
      p->st.device_frees++;
    }
    pthread_mutex_unlock(&lock);
    free(b);
    return;
  }
  b->ptr = ptr;
  b->stream = lt_cuda_stream(dev);
  b->next = p->free_list[cls];
  p->free_list[cls] = b;
  p->st.cached += (int64_t)size;
  pthread_mutex_unlock(&lock);
}

int lt_cuda_memstats(int dev, lt_device_memstats *out) {
  pthread_mutex_lock(&lock);
  device_pool *p = dev >= 0 && dev < MAX_DEVICES ? pools[dev] : NULL;
  if (p)
    *out = p->st;
  else
    *out = (lt_device_memstats){0};
  pthread_mutex_unlock(&lock);
  return 0;
}

void lt_cuda_empty_cache(void) {
  pthread_mutex_lock(&lock);
  for (int d = 0; d < MAX_DEVICES; d++)
    if (pools[d] && pools[d]->st.cached && lt_cuda_use("emptyCache", d) == 0) release_cached(d);
  pthread_mutex_unlock(&lock);
}

void lt_cuda_reset_peak(int dev) {
  pthread_mutex_lock(&lock);
  if (dev >= 0 && dev < MAX_DEVICES && pools[dev])
    pools[dev]->st.peak_allocated = pools[dev]->st.allocated;
  pthread_mutex_unlock(&lock);
}

int64_t lt_cuda_bytes_in_use(void) { return __atomic_load_n(&total_allocated, __ATOMIC_RELAXED); }
