/* CPU memory for tensor data.
 *
 * Blocks of 1 MiB and more are cached when freed and handed out again for
 * the same rounded size, so a loop that makes a fresh 64 MiB result every
 * step pays mmap and page faults once, not every step (the W2 benchmark).
 * Small blocks come straight from the C allocator. All blocks are 64-byte
 * aligned. */
#ifndef LUTORCH_ALLOC_H
#define LUTORCH_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *lt_alloc(size_t nbytes); /* NULL + error on failure */
void lt_free(void *p, size_t nbytes);

typedef struct lt_alloc_stats {
  int64_t live_bytes;   /* held by live storages */
  int64_t cached_bytes; /* freed, kept for reuse */
  int64_t peak_bytes;
  int64_t allocations;  /* count of lt_alloc calls */
} lt_alloc_stats;

lt_alloc_stats lt_alloc_get_stats(void);
int64_t lt_alloc_live_bytes(void); /* cheap: one atomic load */
void lt_alloc_empty_cache(void);

#endif
