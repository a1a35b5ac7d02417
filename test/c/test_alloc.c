/* The CPU allocator (lib/core/alloc.c): alignment and contents on every
 * path, reuse of large blocks by size class, the cache's bound (live +
 * cached large bytes within the recent peak plus a sixteenth), eviction
 * of sizes no longer asked for, empty_cache, and blocks freed on another
 * thread. Under AddressSanitizer large blocks are not cached: the cache
 * checks are skipped there. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "../../lib/core/sanitize.h" /* SANITIZED, as the allocator sees it */
#include "check.h"
#include "lutorch/lutorch.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

static void test_paths(void) {
  size_t sizes[] = {1, 64, 65, 512, 513, 4000, 100 * KiB, 128 * KiB - 1, 128 * KiB,
                    128 * KiB + 1, 1 * MiB, 3 * MiB + 5};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    size_t n = sizes[i];
    unsigned char *p = lt_alloc(n);
    CHECK(p && ((uintptr_t)p & 63) == 0);
    memset(p, 0xab, n);
    CHECK(p[0] == 0xab && p[n - 1] == 0xab);
    lt_free(p, n);
  }
  lt_free(NULL, 100); /* a no-op */
}

static void test_reuse_by_class(void) {
  if (SANITIZED) return;
  lt_alloc_empty_cache();
  void *a = lt_alloc(4400 * KiB); /* class (4, 5] MiB */
  lt_free(a, 4400 * KiB);
  lt_alloc_stats s0 = lt_alloc_get_stats();
  CHECK(s0.cached_bytes == (int64_t)(5 * MiB));
  void *b = lt_alloc(4800 * KiB); /* the same class: the same block */
  lt_alloc_stats s1 = lt_alloc_get_stats();
  CHECK(b == a);
  CHECK(s1.cache_hits == s0.cache_hits + 1 && s1.cache_misses == s0.cache_misses);
  CHECK(s1.cached_bytes == 0);
  void *c = lt_alloc(5200 * KiB); /* the next class: fresh memory */
  CHECK(c != a && lt_alloc_get_stats().cache_misses == s1.cache_misses + 1);
  lt_free(b, 4800 * KiB);
  lt_free(c, 5200 * KiB);
}

/* a burst of frees (a GC cycle) is kept whole and taken again without a miss */
static void test_gc_cycles(void) {
  if (SANITIZED) return;
  lt_alloc_empty_cache();
  enum { N = 200 };
  void *p[N];
  size_t sz[N];
  int64_t misses = 0;
  for (int cycle = 0; cycle < 5; cycle++) {
    lt_alloc_stats s0 = lt_alloc_get_stats();
    for (int i = 0; i < N; i++) {
      sz[i] = (size_t)(200 + 37 * (i % 13)) * KiB;
      p[i] = lt_alloc(sz[i]);
      CHECK(p[i] != NULL);
      memset(p[i], i, 4096);
    }
    for (int i = 0; i < N; i++) lt_free(p[i], sz[i]);
    lt_alloc_stats s1 = lt_alloc_get_stats();
    if (cycle > 0) misses += s1.cache_misses - s0.cache_misses;
    CHECK(s1.cached_bytes <= s1.cache_limit);
  }
  CHECK(misses == 0);
}

/* sizes never asked for again are unmapped when fresh memory is needed */
static void test_bound_and_eviction(void) {
  if (SANITIZED) return;
  lt_alloc_empty_cache();
  enum { N = 40 };
  void *p[N];
  for (int i = 0; i < N; i++) p[i] = lt_alloc((size_t)(i + 1) * 256 * KiB);
  for (int i = 0; i < N; i++) lt_free(p[i], (size_t)(i + 1) * 256 * KiB);
  lt_alloc_stats s = lt_alloc_get_stats();
  CHECK(s.cached_bytes > 0 && s.cached_bytes <= s.cache_limit);
  int64_t before = s.cache_evictions;
  void *big = lt_alloc(64 * MiB); /* more than the bound leaves room for */
  s = lt_alloc_get_stats();
  CHECK(big != NULL && s.cache_evictions > before);
  CHECK(s.cached_bytes <= s.cache_limit);
  lt_free(big, 64 * MiB);
  lt_alloc_empty_cache();
  CHECK(lt_alloc_get_stats().cached_bytes == 0);
}

static void *worker(void *arg) {
  void **blocks = arg;
  for (int i = 0; i < 64; i++) lt_free(blocks[i], (size_t)(i % 5 + 1) * 300 * KiB);
  for (int i = 0; i < 64; i++) {
    blocks[i] = lt_alloc((size_t)(i % 5 + 1) * 300 * KiB);
    memset(blocks[i], 1, 4096);
  }
  return NULL;
}

static void test_cross_thread(void) {
  void *blocks[64];
  for (int i = 0; i < 64; i++) blocks[i] = lt_alloc((size_t)(i % 5 + 1) * 300 * KiB);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, worker, blocks) == 0);
  pthread_join(t, NULL);
  for (int i = 0; i < 64; i++) {
    CHECK(blocks[i] != NULL && ((unsigned char *)blocks[i])[100] == 1);
    lt_free(blocks[i], (size_t)(i % 5 + 1) * 300 * KiB);
  }
}

static void test_live_bytes(void) {
  int64_t live = lt_alloc_live_bytes();
  void *p = lt_alloc(1000 * KiB);
  CHECK(lt_alloc_live_bytes() - live >= (int64_t)(1000 * KiB));
  lt_free(p, 1000 * KiB);
  CHECK(lt_alloc_live_bytes() == live);
}

int main(void) {
  test_paths();
  test_reuse_by_class();
  test_gc_cycles();
  test_bound_and_eviction();
  test_cross_thread();
  test_live_bytes();
  return check_summary("test_alloc");
}
