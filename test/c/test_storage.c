/* Storages and tensor structs on the small-op path: small CPU storages keep
 * their data inside the storage block, blocks and tensor structs are
 * recycled through per-thread free lists (lib/core/freelist.h). These check
 * that growing and shrinking across the inline size keeps the contents,
 * that recycled blocks come back clean, and that blocks freed on another
 * thread are fine. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "lutorch/lutorch.h"

static const lt_device cpu = {LT_CPU, 0};

static void test_inline_and_resize(void) {
  for (int64_t n = 0; n <= 40; n++) { /* across the 64-byte inline area */
    lt_storage *s = lt_storage_new(LT_FLOAT32, n, cpu);
    CHECK(s && s->nbytes == n * 4 && s->refcount == 1 && s->version == 0 && !s->free_fn);
    CHECK(((uintptr_t)s->data & 63) == 0);
    float *f = s->data;
    for (int64_t i = 0; i < n; i++) f[i] = (float)i;
    /* grow out of the block and back into it: contents survive */
    CHECK(lt_storage_resize(s, n + 1000) == 0 && lt_storage_numel(s) == n + 1000);
    f = s->data;
    int same = 1;
    for (int64_t i = 0; i < n; i++) same &= f[i] == (float)i;
    CHECK(same);
    CHECK(lt_storage_resize(s, n) == 0 && lt_storage_numel(s) == n);
    f = s->data;
    for (int64_t i = 0; i < n; i++) same &= f[i] == (float)i;
    CHECK(same);
    lt_storage_release(s);
  }
  /* shrinking inside the block keeps the prefix */
  lt_storage *s = lt_storage_new(LT_FLOAT64, 8, cpu);
  double *d = s->data;
  for (int i = 0; i < 8; i++) d[i] = i + 0.5;
  CHECK(lt_storage_resize(s, 3) == 0 && s->data == (void *)d && d[2] == 2.5);
  CHECK(lt_storage_resize(s, -1) == -1 && strstr(lt_last_error(), "resize: negative size"));
  lt_storage_release(s);
}

static void test_tensor_grows_from_inline(void) {
  int64_t one = 1, big[2] = {100, 100};
  lt_tensor *t = lt_tensor_empty(LT_FLOAT32, 1, &one);
  *(float *)lt_tensor_data(t) = 7;
  CHECK(lt_tensor_resize(t, 2, big) == 0 && lt_tensor_numel(t) == 10000);
  CHECK(*(float *)lt_tensor_data(t) == 7);
  CHECK(lt_fill_(t, 3) == 0 && ((float *)lt_tensor_data(t))[9999] == 3);
  lt_tensor_release(t);
}

static int freed_by_free_fn;
static void count_free(void *ctx, void *data) { freed_by_free_fn += ctx == data; }

static void test_wrap(void) {
  static float buf[4] = {1, 2, 3, 4};
  lt_storage *s = lt_storage_wrap(LT_FLOAT32, buf, sizeof buf, count_free, buf);
  CHECK(s && s->data == buf && lt_storage_numel(s) == 4);
  CHECK(lt_storage_resize(s, 8) == -1);
  lt_storage_release(s);
  CHECK(freed_by_free_fn == 1);
}

/* More than a free list keeps, released in one burst as the GC does, and
 * made again: every block comes back as a fresh storage / tensor. */
static void test_bursts(void) {
  enum { N = 70000 };
  static lt_tensor *ts[N];
  for (int round = 0; round < 2; round++) {
    int ok = 1;
    for (int i = 0; i < N; i++) {
      int64_t n = 1 + i % 20;
      ts[i] = lt_tensor_empty(i % 2 ? LT_FLOAT32 : LT_INT64, 1, &n);
      ok &= ts[i] && ts[i]->refcount == 1 && !ts[i]->ag && ts[i]->storage->refcount == 1 &&
            ts[i]->storage->version == 0 && ts[i]->offset == 0;
      if (ts[i]) lt_fill_(ts[i], i);
    }
    CHECK(ok);
    for (int i = 0; i < N; i++) {
      int64_t n = 1 + i % 20;
      ok &= lt_tensor_numel(ts[i]) == n;
      ok &= (i % 2 ? ((float *)lt_tensor_data(ts[i]))[n - 1] == (float)i
                   : ((int64_t *)lt_tensor_data(ts[i]))[n - 1] == i);
    }
    CHECK(ok);
    for (int i = 0; i < N; i++) lt_tensor_release(ts[i]);
  }
}

/* Tensors made on one thread and released on another. */
#define CROSS 5000
static lt_tensor *cross[CROSS];
static void *release_all(void *arg) {
  for (int i = 0; i < CROSS; i++) lt_tensor_release(cross[i]);
  return arg;
}

static void test_cross_thread(void) {
  int64_t n = 3;
  for (int i = 0; i < CROSS; i++) cross[i] = lt_tensor_zeros(LT_FLOAT32, 1, &n);
  pthread_t th;
  CHECK(pthread_create(&th, NULL, release_all, NULL) == 0);
  pthread_join(th, NULL);
  lt_tensor *t = lt_tensor_zeros(LT_FLOAT32, 1, &n);
  CHECK(t && ((float *)lt_tensor_data(t))[2] == 0);
  lt_tensor_release(t);
}

int main(void) {
  test_inline_and_resize();
  test_tensor_grows_from_inline();
  test_wrap();
  test_bursts();
  test_cross_thread();
  return check_summary("test_storage");
}
