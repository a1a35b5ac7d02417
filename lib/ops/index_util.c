/* Private helpers of the index and shape ops (see index_util.h). */
#include "index_util.h"

#include <string.h>

void ix_geom(lt_tensor *v, const lt_tensor *t, int64_t offset, int ndim, const int64_t *size,
             const int64_t *stride) {
  memset(v, 0, sizeof *v);
  v->refcount = 1;
  v->storage = t->storage;
  v->offset = offset;
  v->dtype = t->dtype;
  v->ndim = ndim;
  for (int i = 0; i < ndim; i++) {
    v->size[i] = size[i];
    v->stride[i] = stride[i];
  }
}

/* Same walk as lt_iter_run's, for a sub-range: pos[] is the position in the
 * dims above the innermost, row[] the operands' pointers at its row start. */
void ix_run_range(const lt_iter *it, lt_loop1d loop, const void *ctx, int64_t begin, int64_t end) {
  if (begin >= end) return;
  int64_t pos[LT_MAX_DIMS];
  char *row[LT_ITER_MAX], *ptr[LT_ITER_MAX];
  int64_t inner[LT_ITER_MAX];
  int64_t n0 = it->shape[0], rest = begin / n0, col = begin % n0;
  for (int k = 0; k < it->nops; k++) {
    row[k] = it->base[k];
    inner[k] = it->stride[k][0];
  }
  for (int d = 1; d < it->ndim; d++) {
    pos[d] = rest % it->shape[d];
    rest /= it->shape[d];
    for (int k = 0; k < it->nops; k++) row[k] += pos[d] * it->stride[k][d];
  }
  for (int64_t left = end - begin; left > 0;) {
    int64_t run = n0 - col < left ? n0 - col : left;
    for (int k = 0; k < it->nops; k++) ptr[k] = row[k] + col * inner[k];
    loop(ptr, inner, run, ctx);
    left -= run;
    col = 0;
    for (int d = 1; d < it->ndim && left > 0; d++) {
      pos[d]++;
      for (int k = 0; k < it->nops; k++) row[k] += it->stride[k][d];
      if (pos[d] < it->shape[d]) break;
      pos[d] = 0;
      for (int k = 0; k < it->nops; k++) row[k] -= it->shape[d] * it->stride[k][d];
    }
  }
}

typedef struct {
  const lt_iter *it;
  lt_loop1d loop;
  const void *ctx;
} range_job;

static void run_job(int64_t b, int64_t e, void *p) {
  range_job *j = p;
  ix_run_range(j->it, j->loop, j->ctx, b, e);
}

void ix_run_parallel(const lt_iter *it, int64_t grain, lt_loop1d loop, const void *ctx) {
  if (it->numel <= 0) return;
  range_job j = {it, loop, ctx};
  lt_parallel_for(it->numel, grain < 1 ? 1 : grain, run_job, &j);
}

int ix_chunks(int64_t n, int64_t *len) {
  int64_t c = n / LT_GRAIN;
  int t = lt_get_num_threads();
  if (c > t) c = t;
  if (c > IX_MAX_CHUNKS) c = IX_MAX_CHUNKS;
  if (c < 1) c = 1;
  *len = (n + c - 1) / c;
  if (*len < 1) *len = 1;
  return (int)c;
}

int ix_check_cpu(const char *fn, const lt_tensor *t) {
  if (lt_tensor_device(t).type != LT_CPU) return lt_errorf("%s: CUDA tensors are not supported by this op yet; copy to the CPU first", fn);
  return 0;
}

lt_tensor *lt_index_as_int64(const char *fn, const lt_tensor *idx, const lt_tensor *x) {
  switch (idx->dtype) {
  case LT_INT64:
    if (x && idx->storage == x->storage) return lt_clone(idx);
    lt_tensor_retain((lt_tensor *)idx);
    return (lt_tensor *)idx;
  case LT_INT32:
  case LT_INT16:
  case LT_INT8: return lt_to_dtype(idx, LT_INT64);
  default:
    return lt_error("%s: indices must be a LongTensor (int64), got a %s tensor%s", fn,
                    lt_dtype_name(idx->dtype),
                    idx->dtype == LT_BOOL || idx->dtype == LT_UINT8
                        ? " (a mask? use maskedSelect/maskedFill/maskedCopy)"
                        : "");
  }
}

lt_tensor *ix_prepare_index(const char *fn, const lt_tensor *idx, const lt_tensor *x) {
  if (ix_check_cpu(fn, idx)) return NULL;
  return lt_index_as_int64(fn, idx, x);
}

int lt_index_check_elementwise(const char *fn, const lt_tensor *x, int d, const lt_tensor *idx,
                               const lt_tensor *all) {
  char a[128], b[128];
  if (idx->ndim != x->ndim)
    return lt_errorf("%s: index has %d dimension(s) but the tensor has %d; they must match", fn,
                     idx->ndim, x->ndim);
  if (all && all->ndim != x->ndim)
    return lt_errorf("%s: source has %d dimension(s) but the tensor has %d; they must match", fn,
                     all->ndim, x->ndim);
  for (int i = 0; i < x->ndim; i++) {
    if (i != d && idx->size[i] > x->size[i])
      return lt_errorf("%s: index of size %s is larger than the tensor's size %s in dimension %d",
                       fn, lt_shape_str(idx->ndim, idx->size, a, sizeof a),
                       lt_shape_str(x->ndim, x->size, b, sizeof b), i + 1);
    if (all && idx->size[i] > all->size[i])
      return lt_errorf("%s: index of size %s is larger than the source's size %s in dimension %d",
                       fn, lt_shape_str(idx->ndim, idx->size, a, sizeof a),
                       lt_shape_str(all->ndim, all->size, b, sizeof b), i + 1);
  }
  return 0;
}

typedef struct {
  int64_t n;
  int bad; /* set (racy but monotonic) by any thread that sees a bad index */
} range_ctx;

static void range_loop(char **p, const int64_t *s, int64_t n, const void *c) {
  const range_ctx *k = c;
  int64_t lim = k->n;
  int bad = 0;
  if (s[0] == 8) {
    const int64_t *v = (const int64_t *)p[0];
    for (int64_t i = 0; i < n; i++) bad |= (uint64_t)v[i] >= (uint64_t)lim;
  } else {
    for (int64_t i = 0; i < n; i++) bad |= (uint64_t) * (const int64_t *)(p[0] + i * s[0]) >= (uint64_t)lim;
  }
  if (bad) __atomic_store_n(&((range_ctx *)k)->bad, 1, __ATOMIC_RELAXED);
}

typedef struct {
  int64_t n, first;
  int found;
} first_ctx;

static void first_loop(char **p, const int64_t *s, int64_t n, const void *c) {
  first_ctx *k = (first_ctx *)c;
  for (int64_t i = 0; i < n && !k->found; i++) {
    int64_t v = *(const int64_t *)(p[0] + i * s[0]);
    if (v < 0 || v >= k->n) {
      k->first = v;
      k->found = 1;
    }
  }
}

int ix_check_range(const char *fn, const lt_tensor *idx, int64_t n, int dim) {
  if (lt_tensor_numel(idx) == 0) return 0;
  lt_tensor *ops[1] = {(lt_tensor *)idx};
  lt_iter it;
  lt_iter_init(&it, 1, ops);
  range_ctx rc = {n, 0};
  lt_iter_run(&it, range_loop, &rc);
  if (!rc.bad) return 0;
  first_ctx fc = {n, 0, 0};
  lt_iter_run_serial(&it, first_loop, &fc);
  if (n == 0)
    return lt_errorf("%s: index %lld out of range, dimension %d has size 0 (no valid index)", fn,
                     (long long)fc.first + 1, dim + 1);
  return lt_errorf("%s: index %lld out of range, expected 1..%lld (dimension %d of size %lld)", fn,
                   (long long)fc.first + 1, (long long)n, dim + 1, (long long)n);
}

void ix_value_bytes(lt_dtype dt, double v, char out[8]) {
  memset(out, 0, 8);
  lt_dtype_store(dt, out, v);
}

lt_tensor *ix_begin_out(lt_tensor *out, lt_dtype dt, int ndim, const int64_t *size,
                        const lt_tensor *a, const lt_tensor *b) {
  if (out && out->dtype == dt && out->storage != a->storage && (!b || out->storage != b->storage) &&
      lt_tensor_device(out).type == LT_CPU) {
    if (lt_tensor_resize(out, ndim, size)) return NULL;
    lt_tensor_retain(out);
    return out;
  }
  return lt_tensor_empty_on(dt, ndim, size, lt_tensor_device(a));
}

lt_tensor *ix_finish_out(lt_tensor *out, lt_tensor *r) {
  if (!r || !out || r == out) return r;
  int rc = lt_tensor_resize(out, r->ndim, r->size);
  if (!rc) rc = lt_copy_(out, r);
  lt_tensor_release(r);
  if (rc) return NULL;
  lt_tensor_retain(out);
  return out;
}
