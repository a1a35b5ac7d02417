/* Device plumbing: how many GPUs, which is current, streams, host<->device
 * copies through pinned staging buffers, events, settings, and the
 * lt_device_ops table that registers all of it with lib. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "lapack.h"
#include "nn_internal.h"
#include "lutorch/parallel.h"
#include "lutorch/random.h"

#define MAX_DEVICES 16

int lt_cuda_fail(const char *fn, const char *call, cudaError_t err) {
  (void)cudaGetLastError(); /* clear it where it is not sticky */
  return lt_errorf("%s: CUDA error %d (%s: %s) in %s", fn, (int)err, cudaGetErrorName(err),
                   cudaGetErrorString(err), call);
}

/* ---- devices ---- */

static int ndevices;
static int sm_count[MAX_DEVICES];
static pthread_once_t count_once = PTHREAD_ONCE_INIT;

/* Without a GPU (or with a stub driver) cudaGetDeviceCount fails, e.g.
 * with error 35, and leaves the count unset: that means no GPU. */
static void count_devices(void) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    n = 0;
    (void)cudaGetLastError();
  }
  ndevices = n < 0 ? 0 : n > MAX_DEVICES ? MAX_DEVICES : n;
  for (int d = 0; d < ndevices; d++)
    if (cudaDeviceGetAttribute(&sm_count[d], cudaDevAttrMultiProcessorCount, d) != cudaSuccess)
      sm_count[d] = 32;
}

int lt_cuda_device_count(void) {
  pthread_once(&count_once, count_devices);
  return ndevices;
}

int lt_cuda_sm_count(int dev) {
  return dev >= 0 && dev < lt_cuda_device_count() ? sm_count[dev] : 32;
}

/* the device CUDA has current on this thread, as last set by us */
static _Thread_local int thread_dev = -1;
/* the user's current device (cutorch.setDevice): where new tensors go */
static int user_dev;

int lt_cuda_use(const char *fn, int dev) {
  if (dev == thread_dev) return 0;
  int n = lt_cuda_device_count();
  if (n == 0) return lt_errorf("%s: no CUDA device available", fn);
  if (dev < 0 || dev >= n)
    return lt_errorf("%s: CUDA device %d does not exist (%d devices)", fn, dev + 1, n);
  CU_TRY(fn, cudaSetDevice(dev));
  thread_dev = dev;
  return 0;
}

cudaStream_t lt_cuda_stream(int dev) {
  (void)dev;
  return (cudaStream_t)0;
}

static int current_device(void) { return user_dev; }

static int set_current_device(int dev) {
  if (lt_cuda_use("setDevice", dev)) return -1;
  user_dev = dev;
  return 0;
}

int lt_cuda_synchronize(int dev) {
  int n = lt_cuda_device_count();
  for (int d = 0; d < n; d++) {
    if (dev >= 0 && d != dev) continue;
    if (lt_cuda_use("synchronize", d)) return -1;
    CU_TRY("synchronize", cudaDeviceSynchronize());
  }
  if (dev >= n) return lt_errorf("synchronize: CUDA device %d does not exist", dev + 1);
  return 0;
}

/* ---- host <-> device copies ----
 * Small copies go straight through cudaMemcpy. Large ones stream through two
 * pinned buffers: while the GPU's copy engine moves one chunk, the CPU
 * fills (or drains) the other, with lutorch's thread pool doing the memcpy,
 * so pageable tensor memory moves at close to the pinned rate. */
#define STAGE_MIN ((size_t)1 << 20)
#define STAGE_CHUNK ((size_t)8 << 20)

typedef struct staging {
  pthread_mutex_t lock;
  void *buf[2];
  cudaEvent_t done[2];
  int ready;
} staging;

static staging stage[MAX_DEVICES];
static pthread_once_t stage_once = PTHREAD_ONCE_INIT;

static void stage_init_locks(void) {
  for (int d = 0; d < MAX_DEVICES; d++) pthread_mutex_init(&stage[d].lock, NULL);
}

/* called with st->lock held and dev current */
static int stage_ready(staging *st) {
  if (st->ready) return 0;
  for (int k = 0; k < 2; k++) {
    CU_TRY("copy", cudaHostAlloc(&st->buf[k], STAGE_CHUNK, cudaHostAllocPortable));
    CU_TRY("copy", cudaEventCreateWithFlags(&st->done[k], cudaEventDisableTiming));
  }
  st->ready = 1;
  return 0;
}

typedef struct {
  char *dst;
  const char *src;
} memcpy_job;

static void memcpy_range(int64_t b, int64_t e, void *ctx) {
  memcpy_job *j = ctx;
  memcpy(j->dst + b, j->src + b, (size_t)(e - b));
}

static void par_memcpy(void *dst, const void *src, size_t n) {
  memcpy_job j = {dst, src};
  lt_parallel_for((int64_t)n, (int64_t)1 << 20, memcpy_range, &j);
}

#define STAGE_TRY(call)                                    \
  do {                                                     \
    cudaError_t e_ = (call);                               \
    if (e_ != cudaSuccess) {                               \
      rc = lt_cuda_fail("copy", #call, e_);                \
      goto out;                                            \
    }                                                      \
  } while (0)

static int copy_h2d(int dev, void *dst, const void *src, size_t n) {
  if (lt_cuda_use("copy", dev)) return -1;
  cudaStream_t s = lt_cuda_stream(dev);
  if (n < STAGE_MIN) {
    CU_TRY("copy", cudaMemcpyAsync(dst, src, n, cudaMemcpyHostToDevice, s));
    CU_TRY("copy", cudaStreamSynchronize(s));
    return 0;
  }
  pthread_once(&stage_once, stage_init_locks);
  staging *st = &stage[dev];
  int rc = 0, k = 0;
  pthread_mutex_lock(&st->lock);
  if ((rc = stage_ready(st))) goto out;
  for (size_t off = 0; off < n; off += STAGE_CHUNK, k ^= 1) {
    size_t len = n - off < STAGE_CHUNK ? n - off : STAGE_CHUNK;
    STAGE_TRY(cudaEventSynchronize(st->done[k])); /* its last transfer is over */
    par_memcpy(st->buf[k], (const char *)src + off, len);
    STAGE_TRY(cudaMemcpyAsync((char *)dst + off, st->buf[k], len, cudaMemcpyHostToDevice, s));
    STAGE_TRY(cudaEventRecord(st->done[k], s));
  }
  STAGE_TRY(cudaStreamSynchronize(s));
out:
  pthread_mutex_unlock(&st->lock);
  return rc;
}

static int copy_d2h(int dev, void *dst, const void *src, size_t n) {
  if (lt_cuda_use("copy", dev)) return -1;
  cudaStream_t s = lt_cuda_stream(dev);
  if (n < STAGE_MIN) {
    CU_TRY("copy", cudaMemcpyAsync(dst, src, n, cudaMemcpyDeviceToHost, s));
    CU_TRY("copy", cudaStreamSynchronize(s));
    return 0;
  }
  pthread_once(&stage_once, stage_init_locks);
  staging *st = &stage[dev];
  int rc = 0;
  size_t nch = (n + STAGE_CHUNK - 1) / STAGE_CHUNK;
  pthread_mutex_lock(&st->lock);
  if ((rc = stage_ready(st))) goto out;
  /* chunk i+1 is in flight while the CPU drains chunk i */
  for (size_t i = 0; i <= nch; i++) {
    if (i < nch) {
      size_t off = i * STAGE_CHUNK, len = n - off < STAGE_CHUNK ? n - off : STAGE_CHUNK;
      STAGE_TRY(cudaMemcpyAsync(st->buf[i & 1], (const char *)src + off, len,
                                cudaMemcpyDeviceToHost, s));
      STAGE_TRY(cudaEventRecord(st->done[i & 1], s));
    }
    if (i > 0) {
      size_t j = i - 1, off = j * STAGE_CHUNK, len = n - off < STAGE_CHUNK ? n - off : STAGE_CHUNK;
      STAGE_TRY(cudaEventSynchronize(st->done[j & 1]));
      par_memcpy((char *)dst + off, st->buf[j & 1], len);
    }
  }
out:
  pthread_mutex_unlock(&st->lock);
  return rc;
}

static int copy_d2d(int dst_dev, void *dst, int src_dev, const void *src, size_t n) {
  if (dst_dev == src_dev) {
    if (lt_cuda_use("copy", dst_dev)) return -1;
    CU_TRY("copy", cudaMemcpyAsync(dst, src, n, cudaMemcpyDeviceToDevice, lt_cuda_stream(dst_dev)));
    return 0;
  }
  /* cudaMemcpyPeer is ordered after the work already queued on both devices */
  if (lt_cuda_use("copy", dst_dev)) return -1;
  CU_TRY("copy", cudaMemcpyPeer(dst, dst_dev, src, src_dev, n));
  return 0;
}

static int meminfo(int dev, int64_t *free_bytes, int64_t *total_bytes) {
  size_t f = 0, t = 0;
  if (lt_cuda_use("getMemoryUsage", dev)) return -1;
  CU_TRY("getMemoryUsage", cudaMemGetInfo(&f, &t));
  *free_bytes = (int64_t)f;
  *total_bytes = (int64_t)t;
  return 0;
}

/* ---- settings ---- */

static int tf32;

void lt_cuda_set_tf32(int on) { tf32 = on != 0; }
int lt_cuda_get_tf32(void) { return tf32; }

/* One generator for both devices: GPU fills draw from lib's default
 * generator exactly as CPU fills do, so cutorch's manualSeed seeds it. */
void lt_cuda_manual_seed(uint64_t s) { lt_manual_seed(NULL, s); }

uint64_t lt_cuda_initial_seed(void) { return lt_initial_seed(NULL); }

static int set_option(const char *name, double v) {
  if (!strcmp(name, "tf32")) {
    lt_cuda_set_tf32(v != 0);
    return 0;
  }
  if (!strcmp(name, "seed")) {
    lt_cuda_manual_seed((uint64_t)v);
    return 0;
  }
  return lt_errorf("cuda: unknown setting '%s'", name);
}

static int get_option(const char *name, double *v) {
  if (!strcmp(name, "tf32")) *v = tf32;
  else if (!strcmp(name, "seed")) *v = (double)lt_cuda_initial_seed();
  else return lt_errorf("cuda: unknown setting '%s'", name);
  return 0;
}

/* ---- events ---- */

typedef struct event {
  cudaEvent_t e;
  int dev;
} event;

static void *event_new(void) {
  event *ev = calloc(1, sizeof *ev);
  if (!ev) return lt_error("Event: out of memory");
  ev->dev = user_dev;
  if (lt_cuda_use("Event", ev->dev)) {
    free(ev);
    return NULL;
  }
  cudaError_t err = cudaEventCreate(&ev->e);
  if (err != cudaSuccess) {
    lt_cuda_fail("Event", "cudaEventCreate", err);
    free(ev);
    return NULL;
  }
  return ev;
}

static int event_record(void *p) {
  event *ev = p;
  if (lt_cuda_use("Event.record", ev->dev)) return -1;
  CU_TRY("Event.record", cudaEventRecord(ev->e, lt_cuda_stream(ev->dev)));
  return 0;
}

static int event_synchronize(void *p) {
  event *ev = p;
  CU_TRY("Event.synchronize", cudaEventSynchronize(ev->e));
  return 0;
}

static int event_elapsed(void *a, void *b, double *ms) {
  float f = 0;
  CU_TRY("Event.elapsedTime", cudaEventElapsedTime(&f, ((event *)a)->e, ((event *)b)->e));
  *ms = f;
  return 0;
}

static void event_free(void *p) {
  event *ev = p;
  if (!ev) return;
  if (lt_cuda_use("Event", ev->dev) == 0) cudaEventDestroy(ev->e);
  free(ev);
}

/* ---- registration ---- */

static int fill_op(lt_tensor *t, double v) { return lt_cuda_fill_(t, v); }
static int copy_op(lt_tensor *d, const lt_tensor *s) { return lt_cuda_copy_(d, s); }

static const lt_device_ops cuda_ops = {
    .name = "cuda",
    .count = lt_cuda_device_count,
    .current = current_device,
    .set_current = set_current_device,
    .synchronize = lt_cuda_synchronize,
    .alloc = lt_cuda_alloc,
    .free = lt_cuda_free,
    .copy_h2d = copy_h2d,
    .copy_d2h = copy_d2h,
    .copy_d2d = copy_d2d,
    .memstats = lt_cuda_memstats,
    .meminfo = meminfo,
    .empty_cache = lt_cuda_empty_cache,
    .reset_peak = lt_cuda_reset_peak,
    .bytes_in_use = lt_cuda_bytes_in_use,
    .fill = fill_op,
    .copy = copy_op,
    .elementwise = lt_cuda_elementwise,
    .reduce_all = lt_cuda_reduce_all,
    .mm = lt_cuda_mm,
    .uniform = lt_cuda_uniform_,
    .product = lt_cuda_product,
    .dot = lt_cuda_dot,
    .reduce = lt_cuda_reduce,
    .scan = lt_cuda_scan,
    .index_rebase = lt_cuda_index_rebase,
    .index_select = lt_cuda_index_select,
    .index_write = lt_cuda_index_write,
    .gather = lt_cuda_gather,
    .scatter = lt_cuda_scatter,
    .masked_fill = lt_cuda_masked_fill,
    .masked_copy = lt_cuda_masked_copy,
    .masked_select = lt_cuda_masked_select,
    .nonzero = lt_cuda_nonzero,
    .cat = lt_cuda_cat,
    .flip = lt_cuda_flip,
    .random_fill = lt_cuda_random_fill,
    .sort = lt_cuda_sort,
    .lapack = lt_cuda_lapack,
    .multinomial = lt_cuda_multinomial,
    .nn = &lt_cuda_nn_ops,
    .set_option = set_option,
    .get_option = get_option,
    .event_new = event_new,
    .event_record = event_record,
    .event_synchronize = event_synchronize,
    .event_elapsed = event_elapsed,
    .event_free = event_free,
};

void lt_cuda_register(void) {
  lt_cuda_nn_init();
  lt_device_register(LT_CUDA, &cuda_ops);
}
