/* CPU allocator with a cache for large blocks (see alloc.h). */
#include "lutorch/alloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lutorch/error.h"

#define ALIGN 64
#define LARGE ((size_t)1 << 20)
#define LARGE_ROUND ((size_t)1 << 16)
#define CACHE_SLOTS 64
#define CACHE_LIMIT ((int64_t)2 << 30)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
  void *ptr;
  size_t size;
} cache[CACHE_SLOTS];
static int ncached;
static lt_alloc_stats stats;

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

void *lt_alloc(size_t nbytes) {
  size_t size = rounded(nbytes ? nbytes : 1);
  void *p = NULL;
  pthread_mutex_lock(&lock);
  if (size >= LARGE) p = take_cached(size);
  stats.allocations++;
  pthread_mutex_unlock(&lock);
  if (!p) p = aligned_alloc(ALIGN, size);
  if (!p) {
    lt_alloc_empty_cache(); /* give the cache back and retry once */
    p = aligned_alloc(ALIGN, size);
  }
  if (!p) return lt_error("out of memory allocating %zu bytes", nbytes);
  pthread_mutex_lock(&lock);
  stats.live_bytes += (int64_t)size;
  if (stats.live_bytes > stats.peak_bytes) stats.peak_bytes = stats.live_bytes;
  pthread_mutex_unlock(&lock);
  return p;
}

void lt_free(void *p, size_t nbytes) {
  if (!p) return;
  size_t size = rounded(nbytes ? nbytes : 1);
  pthread_mutex_lock(&lock);
  stats.live_bytes -= (int64_t)size;
  if (size >= LARGE && stats.cached_bytes + (int64_t)size <= CACHE_LIMIT) {
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
  lt_alloc_stats s = stats;
  pthread_mutex_unlock(&lock);
  return s;
}

void lt_alloc_empty_cache(void) {
  pthread_mutex_lock(&lock);
  for (int i = 0; i < ncached; i++) free(cache[i].ptr);
  ncached = 0;
  stats.cached_bytes = 0;
  pthread_mutex_unlock(&lock);
}
