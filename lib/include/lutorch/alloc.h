/* CPU memory for tensor data.
 *
 * Blocks of 128 KiB and more are mapped by the allocator, rounded up to a
 * size class (quarter octaves), and kept when freed to serve the next
 * request of their class: a loop that makes a fresh 64 MiB result every
 * step pays mmap and page faults once, not every step (W2), and a training
 * loop whose step tensors wait for the Lua GC reuses the same pages every
 * cycle (W5). The cache is bounded by the program's own recent peak: live
 * plus cached large bytes never exceed the most that was live lately, so
 * it adds no RSS. Smaller blocks come from per-thread lists (<= 512 bytes)
 * or malloc. All blocks are 64-byte aligned. */
#ifndef LUTORCH_ALLOC_H
#define LUTORCH_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *lt_alloc(size_t nbytes); /* NULL + error on failure */
void lt_free(void *p, size_t nbytes);

typedef struct lt_alloc_stats {
  int64_t live_bytes;   /* held by live storages */
  int64_t cached_bytes; /* freed large blocks kept for reuse (class sizes) */
  int64_t peak_bytes;
  int64_t allocations;  /* count of lt_alloc calls above 512 bytes */
  int64_t cache_hits;   /* large requests served from the cache */
  int64_t cache_misses; /* large requests that mapped fresh memory */
  int64_t cache_evictions; /* cached blocks given back to the system */
  int64_t cache_limit;  /* bound on live + cached large bytes now */
} lt_alloc_stats;

lt_alloc_stats lt_alloc_get_stats(void);
int64_t lt_alloc_live_bytes(void); /* cheap: one atomic load */
void lt_alloc_empty_cache(void);   /* unmap every cached block, trim malloc */

#endif
