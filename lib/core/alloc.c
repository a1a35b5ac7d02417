/* CPU allocator with a cache for large blocks (see alloc.h). */
#include "lutorch/alloc.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lutorch/error.h"
#include "freelist.h"

#define ALIGN 64
#define LARGE ((size_t)1 << 20)
#define LARGE_ROUND ((size_t)1 << 16)
#define CACHE_SLOTS 64
#define CACHE_LIMIT ((int64_t)2 << 30)

/* The cache is under the lock; the counters are atomics so that small
 * allocations (the common case for small-op workloads) never take it. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  void *ptr;
  size_t size;
} cache[CACHE_SLOTS];
static int ncached;
static lt_alloc_stats stats;

static void count_live(int64_t delta) {
  int64_t live = __atomic_add_fetch(&stats.live_bytes, delta, __ATOMIC_RELAXED);
  int64_t peak = __atomic_load_n(&stats.peak_bytes, __ATOMIC_RELAXED);
  while (live > peak &&
         !__atomic_compare_exchange_n(&stats.peak_bytes, &peak, live, true, __ATOMIC_RELAXED,
                                      __ATOMIC_RELAXED)) {
  }
}

static size_t rounded(size_t n) {
  if (n >= LARGE) return (n + LARGE_ROUND - 1) & ~(LARGE_ROUND - 1);
  return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

static void *take_cached(size_t size) {
  for (int i = ncached - 1; i >= 0; i--) {
    if (cache[i].size != size) continue;
    void *p = cache[i].ptr;
    cache[i] = cache[--ncached];
    stats.cached_bytes -= (int64_t)size;
    return p;
  }
  return NULL;
}

/* Small blocks (<= 512 bytes: tiny tensors) are recycled through
 * per-thread free lists by size class (freelist.h): glibc's own caches
 * hold only 7 blocks per size, and the GC frees tensors in bursts of
 * thousands, which sent every small-op workload through malloc_consolidate. */
#define SMALL_CLASSES 4 /* 64, 128, 256, 512 */
#define SMALL_KEEP 8192
static _Thread_local lt_freelist small[SMALL_CLASSES];

static int small_class(size_t size) {
  return size <= 64 ? 0 : size <= 128 ? 1 : size <= 256 ? 2 : size <= 512 ? 3 : -1;
}

void *lt_alloc(size_t nbytes) {
  size_t size = rounded(nbytes ? nbytes : 1);
  int cls = small_class(size);
  if (cls >= 0) {
    size = (size_t)64 << cls;
    void *p = lt_freelist_pop(&small[cls]);
    if (!p) p = aligned_alloc(ALIGN, size);
    if (!p) return lt_error("out of memory allocating %zu bytes", nbytes);
    count_live((int64_t)size);
    return p;
  }
  void *p = NULL;
  if (size >= LARGE) {
    pthread_mutex_lock(&lock);
    p = take_cached(size);
    pthread_mutex_unlock(&lock);
  }
  __atomic_add_fetch(&stats.allocations, 1, __ATOMIC_RELAXED);
  if (!p) p = aligned_alloc(ALIGN, size);
  if (!p) {
    lt_alloc_empty_cache(); /* give the cache back and retry once */
    p = aligned_alloc(ALIGN, size);
  }
  if (!p) return lt_error("out of memory allocating %zu bytes", nbytes);
  count_live((int64_t)size);
  return p;
}

void lt_free(void *p, size_t nbytes) {
  if (!p) return;
  size_t size = rounded(nbytes ? nbytes : 1);
  int cls = small_class(size);
  if (cls >= 0) {
    count_live(-((int64_t)64 << cls));
    if (!lt_freelist_push(&small[cls], p, SMALL_KEEP)) free(p);
    return;
  }
  count_live(-(int64_t)size);
  if (size < LARGE) {
    free(p);
    return;
  }
  pthread_mutex_lock(&lock);
  if (stats.cached_bytes + (int64_t)size <= CACHE_LIMIT) {
    if (ncached == CACHE_SLOTS) { /* evict the oldest */
      free(cache[0].ptr);
      stats.cached_bytes -= (int64_t)cache[0].size;
      memmove(cache, cache + 1, sizeof cache[0] * (CACHE_SLOTS - 1));
      ncached--;
    }
    cache[ncached].ptr = p;
    cache[ncached].size = size;
    ncached++;
    stats.cached_bytes += (int64_t)size;
    p = NULL;
  }
  pthread_mutex_unlock(&lock);
  free(p);
}

lt_alloc_stats lt_alloc_get_stats(void) {
  pthread_mutex_lock(&lock);
  lt_alloc_stats s = {__atomic_load_n(&stats.live_bytes, __ATOMIC_RELAXED), stats.cached_bytes,
                      __atomic_load_n(&stats.peak_bytes, __ATOMIC_RELAXED),
                      __atomic_load_n(&stats.allocations, __ATOMIC_RELAXED)};
  pthread_mutex_unlock(&lock);
  return s;
}

int64_t lt_alloc_live_bytes(void) { return __atomic_load_n(&stats.live_bytes, __ATOMIC_RELAXED); }

void lt_alloc_empty_cache(void) {
  pthread_mutex_lock(&lock);
  for (int i = 0; i < ncached; i++) free(cache[i].ptr);
  ncached = 0;
  stats.cached_bytes = 0;
  pthread_mutex_unlock(&lock);
}
