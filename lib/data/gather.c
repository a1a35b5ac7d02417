/* Batch gathering for data loaders: copy chosen rows (dim 0) of source
 * tensors into batch tensors, now or on a background thread.
 *
 * The background thread of lt_prefetch_start only copies bytes between
 * tensors allocated and checked beforehand on the caller's thread: it
 * calls no lt_ function that can fail or touch shared state, so the Lua
 * interpreter (single-threaded) never sees it. One thread per batch:
 * creating it costs microseconds, far below a batch's compute. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lutorch/data.h"

#define MAX_SRC 16

static int check_src(const char *fn, const lt_tensor *src, const int64_t *idx, int64_t n) {
  if (!src) return lt_errorf("%s: expected a tensor", fn);
  if (lt_tensor_device(src).type != LT_CPU) return lt_errorf("%s: this build has no CUDA support", fn);
  if (src->ndim < 1) return lt_errorf("%s: a dataset tensor needs at least 1 dimension", fn);
  if (!lt_tensor_is_contiguous(src)) return lt_errorf("%s: the source must be contiguous", fn);
  if (n < 0) return lt_errorf("%s: negative batch size", fn);
  for (int64_t i = 0; i < n; i++)
    if (idx[i] < 0 || idx[i] >= src->size[0])
      return lt_errorf("%s: index %lld out of range 1..%lld", fn, (long long)idx[i] + 1,
                       (long long)src->size[0]);
  return 0;
}

static void copy_rows(void *dst, const void *src, size_t rowbytes, const int64_t *idx, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    memcpy((char *)dst + (size_t)i * rowbytes, (const char *)src + (size_t)idx[i] * rowbytes, rowbytes);
}

static size_t row_bytes(const lt_tensor *src) {
  int64_t row = 1;
  for (int d = 1; d < src->ndim; d++) row *= src->size[d];
  return (size_t)row * lt_dtype_size(src->dtype);
}

static lt_tensor *batch_like(const lt_tensor *src, int64_t n) {
  int64_t size[LT_MAX_DIMS];
  memcpy(size, src->size, sizeof(int64_t) * (size_t)src->ndim);
  size[0] = n;
  return lt_tensor_empty(src->dtype, src->ndim, size);
}

int lt_gather_rows(lt_tensor *out, const lt_tensor *src, const int64_t *idx, int64_t n) {
  if (check_src("gatherRows", src, idx, n)) return -1;
  if (!out || !lt_tensor_is_contiguous(out) || out->dtype != src->dtype || out->ndim != src->ndim ||
      out->size[0] != n || lt_tensor_numel(out) != (int64_t)(row_bytes(src) / lt_dtype_size(src->dtype)) * n)
    return lt_errorf("gatherRows: the batch must be a contiguous %s tensor of %lld rows like the source",
                     lt_dtype_name(src->dtype), (long long)n);
  copy_rows(lt_tensor_data(out), lt_tensor_data(src), row_bytes(src), idx, n);
  lt_tensor_bump_version(out);
  return 0;
}

lt_tensor *lt_gather_rows_new(const lt_tensor *src, const int64_t *idx, int64_t n) {
  if (check_src("gatherRows", src, idx, n)) return NULL;
  lt_tensor *out = batch_like(src, n);
  if (out) copy_rows(lt_tensor_data(out), lt_tensor_data(src), row_bytes(src), idx, n);
  return out;
}

struct lt_prefetch {
  pthread_t thread;
  int nsrc;
  lt_tensor *src[MAX_SRC], *out[MAX_SRC];
  int64_t *idx, n;
};

static void *prefetch_run(void *arg) {
  lt_prefetch *p = arg;
  for (int k = 0; k < p->nsrc; k++)
    copy_rows(lt_tensor_data(p->out[k]), lt_tensor_data(p->src[k]), row_bytes(p->src[k]), p->idx, p->n);
  return NULL;
}

static void prefetch_free(lt_prefetch *p) {
  for (int k = 0; k < p->nsrc; k++) {
    lt_tensor_release(p->src[k]);
    if (p->out[k]) lt_tensor_release(p->out[k]);
  }
  free(p->idx);
  free(p);
}

lt_prefetch *lt_prefetch_start(int nsrc, lt_tensor *const *src, const int64_t *idx, int64_t n) {
  if (nsrc < 1 || nsrc > MAX_SRC)
    return lt_error("prefetch: expected 1 to %d source tensors, got %d", MAX_SRC, nsrc);
  for (int k = 0; k < nsrc; k++)
    if (check_src("prefetch", src[k], idx, n)) return NULL;
  lt_prefetch *p = calloc(1, sizeof *p);
  if (!p) return lt_error("prefetch: out of memory");
  p->idx = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
  if (!p->idx) {
    free(p);
    return lt_error("prefetch: out of memory");
  }
  memcpy(p->idx, idx, sizeof(int64_t) * (size_t)n);
  p->n = n;
  for (int k = 0; k < nsrc; k++) {
    lt_tensor_retain(src[k]);
    p->src[k] = src[k];
    p->nsrc = k + 1;
    if (!(p->out[k] = batch_like(src[k], n))) {
      prefetch_free(p);
      return NULL;
    }
  }
  if (pthread_create(&p->thread, NULL, prefetch_run, p)) {
    prefetch_run(p); /* no thread to be had: gather now */
    p->thread = pthread_self();
  }
  return p;
}

static void join(lt_prefetch *p) {
  if (!pthread_equal(p->thread, pthread_self())) pthread_join(p->thread, NULL);
}

int lt_prefetch_finish(lt_prefetch *p, lt_tensor **out) {
  if (!p) return lt_errorf("prefetch: no batch in flight");
  join(p);
  for (int k = 0; k < p->nsrc; k++) {
    out[k] = p->out[k];
    p->out[k] = NULL;
  }
  prefetch_free(p);
  return 0;
}

void lt_prefetch_cancel(lt_prefetch *p) {
  if (!p) return;
  join(p);
  prefetch_free(p);
}
