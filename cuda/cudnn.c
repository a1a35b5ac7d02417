/* cuDNN handles, errors and the algorithm cache (lt_cudnn.h). */
#ifdef LUTORCH_HAVE_CUDNN
#include <pthread.h>
#include <string.h>

#include "lt_cudnn.h"

#define MAX_DEVICES 16

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static cudnnHandle_t handles[MAX_DEVICES];

int lt_cudnn_fail(const char *fn, const char *call, cudnnStatus_t st) {
  (void)cudaGetLastError(); /* a failed launch inside cuDNN must not linger */
  int n = (int)strcspn(call, "("); /* the function's name, not the whole call */
  return lt_errorf("%s: cuDNN error %d (%s) in %.*s", fn, (int)st, cudnnGetErrorString(st), n,
                   call);
}

int lt_cudnn_handle(const char *fn, int dev, cudnnHandle_t *out) {
  if (dev < 0 || dev >= MAX_DEVICES)
    return lt_errorf("%s: CUDA device %d is not supported", fn, dev + 1);
  if (lt_cuda_use(fn, dev)) return -1;
  pthread_mutex_lock(&lock);
  int rc = 0;
  if (!handles[dev]) {
    cudnnHandle_t h;
    cudnnStatus_t st = cudnnCreate(&h);
    if (st != CUDNN_STATUS_SUCCESS) {
      rc = lt_cudnn_fail(fn, "cudnnCreate", st);
    } else if ((st = cudnnSetStream(h, lt_cuda_stream(dev))) != CUDNN_STATUS_SUCCESS) {
      rc = lt_cudnn_fail(fn, "cudnnSetStream", st);
      cudnnDestroy(h);
    } else {
      handles[dev] = h;
    }
  }
  *out = handles[dev];
  pthread_mutex_unlock(&lock);
  return rc;
}

/* ---- algorithm cache: open addressing, linear probing. A full table is
 * emptied rather than grown: a program meets few distinct shapes, and one
 * that meets thousands (variable image sizes) only pays a heuristic query
 * per new shape. ---- */
#define SLOTS 1024
#define MAX_FILL (SLOTS * 3 / 4)

typedef struct {
  int used;
  int64_t key[LT_CUDNN_KEY_LEN];
  lt_cudnn_algo v;
} slot;

static slot table[SLOTS];
static int filled;

static uint64_t hash(const int64_t *key) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a over the words' bytes */
  const unsigned char *p = (const unsigned char *)key;
  for (size_t i = 0; i < sizeof(int64_t) * LT_CUDNN_KEY_LEN; i++) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

static slot *probe(const int64_t *key) {
  for (uint64_t i = hash(key) % SLOTS;; i = (i + 1) % SLOTS)
    if (!table[i].used || !memcmp(table[i].key, key, sizeof table[i].key)) return &table[i];
}

int lt_cudnn_algo_get(const int64_t *key, lt_cudnn_algo *out) {
  pthread_mutex_lock(&lock);
  slot *s = probe(key);
  int hit = s->used;
  if (hit) *out = s->v;
  pthread_mutex_unlock(&lock);
  return hit;
}

void lt_cudnn_algo_put(const int64_t *key, lt_cudnn_algo v) {
  pthread_mutex_lock(&lock);
  if (filled >= MAX_FILL) {
    memset(table, 0, sizeof table);
    filled = 0;
  }
  slot *s = probe(key);
  if (!s->used) {
    s->used = 1;
    memcpy(s->key, key, sizeof s->key);
    filled++;
  }
  s->v = v;
  pthread_mutex_unlock(&lock);
}

#else
typedef int lt_cudnn_unused; /* ISO C wants a declaration in every file */
#endif
