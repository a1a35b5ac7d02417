/* CPU allocator for tensor data (see alloc.h): three paths by size.
 *   small  (<= 512 B): per-thread free lists by size class;
 *   medium (< 128 KiB): glibc malloc;
 *   large  (>= 128 KiB): blocks mapped by us, rounded up to a size class,
 *          kept when freed and handed out again for the same class.
 * Why large blocks bypass malloc: glibc raises its mmap threshold to the
 * largest block it has unmapped (up to 32 MiB), after which such blocks
 * live in the brk heap, whose free space is trimmed and grown again every
 * GC cycle (W5: ~500 fresh-page faults a step; W4's heap held tens of MiB
 * of free chunks), and a cache of exact sizes in 64 slots missed whenever
 * a GC cycle freed more blocks than that. */
#include "lutorch/alloc.h"

#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "lutorch/error.h"
#include "freelist.h"
#include "sanitize.h"

#define ALIGN 64
#define LARGE ((size_t)128 << 10)
#define PAGE ((size_t)4096)

/* AddressSanitizer cannot see inside blocks we map and recycle: under it
 * (SANITIZED, sanitize.h), large blocks come from aligned_alloc and are
 * never kept. */

static lt_alloc_stats stats; /* live/peak/allocations atomics; the rest under lock */

static void count_live(int64_t delta) {
  int64_t live = __atomic_add_fetch(&stats.live_bytes, delta, __ATOMIC_RELAXED);
  int64_t peak = __atomic_load_n(&stats.peak_bytes, __ATOMIC_RELAXED);
  while (live > peak &&
         !__atomic_compare_exchange_n(&stats.peak_bytes, &peak, live, true, __ATOMIC_RELAXED,
                                      __ATOMIC_RELAXED)) {
  }
}

/* ---- glibc, set once ----
 * Fixed thresholds switch off glibc's dynamic ones: the mmap threshold
 * stays at 256 KiB, above every medium block with its alignment padding
 * (so none is mapped and unmapped per use), and the heap keeps up to 8 MiB
 * of free top space, so a GC cycle's medium garbage is reused instead of
 * trimmed and faulted in again. */
static pthread_once_t tune_once = PTHREAD_ONCE_INIT;
static void tune_malloc(void) {
  mallopt(M_MMAP_THRESHOLD, (int)(2 * LARGE));
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
}

/* ---- small blocks ----
 * (<= 512 bytes: tiny tensors) are recycled through per-thread free lists
 * by size class (freelist.h): glibc's own caches hold only 7 blocks per
 * size, and the GC frees tensors in bursts of thousands, which sent every
 * small-op workload through malloc_consolidate. */
#define SMALL_CLASSES 4 /* 64, 128, 256, 512 */
#define SMALL_KEEP 8192
static _Thread_local lt_freelist small[SMALL_CLASSES];

static int small_class(size_t size) {
  return size <= 64 ? 0 : size <= 128 ? 1 : size <= 256 ? 2 : size <= 512 ? 3 : -1;
}

/* ---- large blocks ----
 * Classes are quarter octaves (1.25, 1.5, 1.75, 2 x 2^k) from 128 KiB:
 * a block serves any request of its class, and the pages past a request
 * are never touched, so rounding up costs address space, not memory.
 *
 * The cache's bound follows the program: live + cached large bytes stay
 * within the most that was live recently (the peak of this window and the
 * last, see note_traffic), plus a sixteenth. A loop whose garbage waits for the Lua GC frees a burst of
 * blocks that the next cycle takes again: they are all kept, yet the
 * footprint stays at the program's own peak, so the cache adds next to no
 * RSS. (The sixteenth absorbs the cycles' slightly different mixes of
 * sizes: without it W5 mapped and unmapped a few blocks every cycle.)
 * Blocks of sizes no longer asked for are unmapped, oldest first, when a
 * fresh block is mapped or the recent peak falls. */
#define NCLASS (4 * 48)
#define SLACK 16

typedef struct blk { /* header written into a cached block */
  struct blk *older, *newer; /* all cached blocks, by age */
  struct blk *next, *prev;   /* same class, most recently freed first */
  int cls;
} blk;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static blk *by_class[NCLASS];
static blk *oldest, *newest;
static int64_t large_live;    /* class bytes of live large blocks */
static int64_t win_peak, prev_peak, win_traffic;
static int64_t hits, misses, evicted; /* counts, for the stats */

static int large_class(size_t n) {
  int cls = 0;
  size_t base = LARGE; /* classes (base, 2 base] step base/4 */
  if (n <= LARGE) return 0;
  while (n > 2 * base) {
    base *= 2;
    cls += 4;
  }
  size_t q = base / 4;
  return cls + (int)((n - base + q - 1) / q) - 1; /* 0..3 within the octave */
}

static size_t class_size(int cls) {
  size_t base = LARGE << (cls / 4);
  return base + (base / 4) * (size_t)(cls % 4 + 1);
}

static int64_t peak_recent(void) { return win_peak > prev_peak ? win_peak : prev_peak; }
static int64_t limit(void) { return peak_recent() + peak_recent() / SLACK; }

static void unlink_blk(blk *b) {
  if (b->older) b->older->newer = b->newer; else oldest = b->newer;
  if (b->newer) b->newer->older = b->older; else newest = b->older;
  if (b->prev) b->prev->next = b->next; else by_class[b->cls] = b->next;
  if (b->next) b->next->prev = b->prev;
  stats.cached_bytes -= (int64_t)class_size(b->cls);
}

/* take the oldest cached blocks out until live + cached <= keep (under
 * the lock); they are unmapped by release() once the lock is dropped */
static blk *trim_to(int64_t keep) {
  blk *out = NULL;
  while (oldest && large_live + stats.cached_bytes > keep) {
    blk *b = oldest;
    unlink_blk(b);
    b->next = out;
    out = b;
    evicted++;
  }
  return out;
}

static void release(blk *b) {
  while (b) {
    blk *next = b->next;
    munmap(b, class_size(b->cls));
    b = next;
  }
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A window must span a few GC cycles of the program (or the cache would
 * be trimmed below a cycle's peak and refill from fresh pages): it lasts
 * 4x its own peak of traffic and at least WINDOW_S seconds. A peak that
 * was a one-off has left the bound two windows later. */
#define WINDOW_S 5.0
static double win_start;

static blk *note_traffic(int64_t bytes) { /* under lock */
  if (large_live > win_peak) win_peak = large_live;
  win_traffic += bytes;
  if (win_traffic <= 4 * (win_peak > (64 << 20) ? win_peak : (64 << 20))) return NULL;
  double t = now_s();
  if (t - win_start < WINDOW_S) return NULL;
  win_start = t;
  prev_peak = win_peak;
  win_peak = large_live;
  win_traffic = 0;
  return trim_to(limit());
}

static void *large_alloc(size_t nbytes) {
  int cls = large_class(nbytes);
  if (cls >= NCLASS) return NULL;
  size_t sz = class_size(cls);
  pthread_mutex_lock(&lock);
  blk *b = by_class[cls];
  if (b) {
    unlink_blk(b);
    hits++;
  } else {
    misses++;
  }
  large_live += (int64_t)sz;
  blk *stale = note_traffic((int64_t)sz);
  pthread_mutex_unlock(&lock);
  release(stale);
  if (b) return b;
  pthread_mutex_lock(&lock);
  stale = trim_to(limit()); /* a fresh block: make room by unmapping stale ones */
  pthread_mutex_unlock(&lock);
  release(stale);
  void *p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) { /* give the cache back and retry once */
    lt_alloc_empty_cache();
    p = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  }
  if (p != MAP_FAILED) return p;
  pthread_mutex_lock(&lock);
  large_live -= (int64_t)sz;
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void large_free(void *p, size_t nbytes) {
  int cls = large_class(nbytes);
  blk *b = p;
  pthread_mutex_lock(&lock);
  large_live -= (int64_t)class_size(cls);
  b->cls = cls;
  b->older = newest;
  b->newer = NULL;
  if (newest) newest->newer = b; else oldest = b;
  newest = b;
  b->prev = NULL;
  b->next = by_class[cls];
  if (b->next) b->next->prev = b;
  by_class[cls] = b;
  stats.cached_bytes += (int64_t)class_size(cls);
  blk *stale = trim_to(limit());
  pthread_mutex_unlock(&lock);
  release(stale);
}

/* ---- the entry points ---- */

static size_t rounded(size_t n) {
  if (n >= LARGE) return (n + PAGE - 1) & ~(PAGE - 1);
  return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
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
  pthread_once(&tune_once, tune_malloc);
  __atomic_add_fetch(&stats.allocations, 1, __ATOMIC_RELAXED);
  void *p = size >= LARGE && !SANITIZED ? large_alloc(size) : aligned_alloc(ALIGN, size);
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
  if (size >= LARGE && !SANITIZED)
    large_free(p, size);
  else
    free(p);
}

lt_alloc_stats lt_alloc_get_stats(void) {
  pthread_mutex_lock(&lock);
  lt_alloc_stats s = {
      .live_bytes = __atomic_load_n(&stats.live_bytes, __ATOMIC_RELAXED),
      .cached_bytes = stats.cached_bytes,
      .peak_bytes = __atomic_load_n(&stats.peak_bytes, __ATOMIC_RELAXED),
      .allocations = __atomic_load_n(&stats.allocations, __ATOMIC_RELAXED),
      .cache_hits = hits,
      .cache_misses = misses,
      .cache_evictions = evicted,
      .cache_limit = limit(),
  };
  pthread_mutex_unlock(&lock);
  return s;
}

int64_t lt_alloc_live_bytes(void) { return __atomic_load_n(&stats.live_bytes, __ATOMIC_RELAXED); }

void lt_alloc_empty_cache(void) {
  pthread_mutex_lock(&lock);
  blk *all = trim_to(0);
  pthread_mutex_unlock(&lock);
  release(all);
  malloc_trim(0);
}
