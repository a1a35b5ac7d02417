/* Mask ops: maskedFill, maskedCopy, maskedSelect, nonzero.
 *
 * A mask is a bool or uint8 tensor read as bytes (nonzero = selected).
 * maskedSelect / maskedCopy / nonzero keep row-major order with two passes
 * over the same chunks: count the selected elements of each chunk, turn
 * the counts into starting offsets, then each chunk writes from its offset.
 * maskedFill/maskedCopy/maskedSelect are the raw ops (ix_*); their public
 * lt_* forms with autograd recording are in index_grad.c. */
#include <stdlib.h>
#include <string.h>

#include "lutorch/device.h"
#include "index_util.h"

/* mask as a byte tensor of x's shape (a broadcast view), or NULL + error */
static lt_tensor *mask_for(const char *fn, const lt_tensor *mask, int ndim, const int64_t *size,
                           const lt_tensor *x) {
  char a[128], b[128];
  if (ix_check_cpu(fn, mask)) return NULL;
  if (mask->dtype != LT_BOOL && mask->dtype != LT_UINT8)
    return lt_error("%s: mask must be a BoolTensor or ByteTensor, got a %s tensor", fn,
                    lt_dtype_name(mask->dtype));
  int n;
  int64_t shape[LT_MAX_DIMS];
  if (mask->ndim > ndim ||
      lt_broadcast_shape(fn, mask->ndim, mask->size, ndim, size, &n, shape) ||
      memcmp(shape, size, sizeof(int64_t) * (size_t)ndim))
    return lt_error("%s: mask of size %s does not broadcast to the tensor's size %s", fn,
                    lt_shape_str(mask->ndim, mask->size, a, sizeof a),
                    lt_shape_str(ndim, size, b, sizeof b));
  lt_tensor *m = lt_expand(mask, ndim, size);
  if (m && x && m->storage == x->storage) { /* x:maskedFill(x, v) reads what it writes */
    lt_tensor *c = lt_clone(m);
    lt_tensor_release(m);
    m = c;
  }
  return m;
}

/* ---- per-element-size loops; the mask is always operand 1 ---- */

typedef struct {
  char *data;  /* maskedSelect: the output; maskedCopy: the source */
  int64_t pos; /* next element of data */
} walk;

#define MASK_LOOPS(S, T)                                                           \
  static void mfill_##S(char **p, const int64_t *s, int64_t n, const void *c) {    \
    T v;                                                                           \
    memcpy(&v, c, sizeof v);                                                       \
    for (int64_t i = 0; i < n; i++)                                                \
      if (*(const uint8_t *)(p[1] + i * s[1])) *(T *)(p[0] + i * s[0]) = v;        \
  }                                                                                \
  static void msel_##S(char **p, const int64_t *s, int64_t n, const void *c) {     \
    walk *w = (walk *)c;                                                           \
    T *o = (T *)w->data;                                                           \
    int64_t pos = w->pos;                                                          \
    for (int64_t i = 0; i < n; i++)                                                \
      if (*(const uint8_t *)(p[1] + i * s[1])) o[pos++] = *(const T *)(p[0] + i * s[0]); \
    w->pos = pos;                                                                  \
  }                                                                                \
  static void mcopy_##S(char **p, const int64_t *s, int64_t n, const void *c) {    \
    walk *w = (walk *)c;                                                           \
    const T *src = (const T *)w->data;                                             \
    int64_t pos = w->pos;                                                          \
    for (int64_t i = 0; i < n; i++)                                                \
      if (*(const uint8_t *)(p[1] + i * s[1])) *(T *)(p[0] + i * s[0]) = src[pos++]; \
    w->pos = pos;                                                                  \
  }
MASK_LOOPS(1, uint8_t)
MASK_LOOPS(2, uint16_t)
MASK_LOOPS(4, uint32_t)
MASK_LOOPS(8, uint64_t)

#define BY_SIZE(NAME, e) ((e) == 1 ? NAME##_1 : (e) == 2 ? NAME##_2 : (e) == 4 ? NAME##_4 : NAME##_8)

static void count_loop(char **p, const int64_t *s, int64_t n, const void *c) {
  walk *w = (walk *)c;
  int64_t k = 0;
  for (int64_t i = 0; i < n; i++) k += *(const uint8_t *)(p[1] + i * s[1]) != 0;
  w->pos += k;
}

/* ---- order-preserving chunked walks ---- */

typedef struct {
  const lt_iter *it;
  lt_loop1d loop;
  walk *w; /* one per chunk */
  int64_t len;
} chunk_job;

static void chunk_run(int64_t b, int64_t e, void *p) {
  chunk_job *j = p;
  for (int64_t c = b; c < e; c++) {
    int64_t lo = c * j->len, hi = lo + j->len < j->it->numel ? lo + j->len : j->it->numel;
    ix_run_range(j->it, j->loop, &j->w[c], lo, hi);
  }
}

/* Count the selected elements per chunk; w[c].pos becomes chunk c's first
 * output position. Returns the total. */
static int64_t count_chunks(const lt_iter *it, walk *w, int nchunks, int64_t len) {
  chunk_job j = {it, count_loop, w, len};
  for (int c = 0; c < nchunks; c++) w[c].pos = 0;
  lt_parallel_for(nchunks, 1, chunk_run, &j);
  int64_t total = 0;
  for (int c = 0; c < nchunks; c++) {
    int64_t k = w[c].pos;
    w[c].pos = total;
    total += k;
  }
  return total;
}

static void write_chunks(const lt_iter *it, lt_loop1d loop, walk *w, int nchunks, int64_t len,
                         char *data) {
  chunk_job j = {it, loop, w, len};
  for (int c = 0; c < nchunks; c++) w[c].data = data;
  lt_parallel_for(nchunks, 1, chunk_run, &j);
}

/* ---- the ops ---- */

int ix_masked_fill_(lt_tensor *x, const lt_tensor *mask, double value) {
  if (lt_device_any(x, 1, (lt_tensor *[]){(lt_tensor *)mask})) return lt_device_masked_fill(x, mask, value);
  if (ix_check_cpu("maskedFill", x)) return -1;
  lt_tensor *m = mask_for("maskedFill", mask, x->ndim, x->size, x);
  if (!m) return -1;
  char v[8];
  ix_value_bytes(x->dtype, value, v);
  lt_tensor *ops[2] = {x, m};
  lt_iter it;
  lt_iter_init(&it, 2, ops);
  lt_iter_run(&it, BY_SIZE(mfill, lt_dtype_size(x->dtype)), v);
  lt_tensor_release(m);
  lt_tensor_bump_version(x);
  return 0;
}

int ix_masked_copy_(lt_tensor *x, const lt_tensor *mask, const lt_tensor *src) {
  if (lt_device_any(x, 2, (lt_tensor *[]){(lt_tensor *)mask, (lt_tensor *)src})) return lt_device_masked_copy(x, mask, src);
  const char *fn = "maskedCopy";
  if (ix_check_cpu(fn, x) || ix_check_cpu(fn, src)) return -1;
  lt_tensor *m = mask_for(fn, mask, x->ndim, x->size, x);
  if (!m) return -1;
  lt_tensor *ops[2] = {x, m};
  lt_iter it;
  lt_iter_init(&it, 2, ops);
  int64_t len;
  int nchunks = ix_chunks(it.numel, &len);
  walk w[IX_MAX_CHUNKS];
  int64_t total = it.numel ? count_chunks(&it, w, nchunks, len) : 0, have = lt_tensor_numel(src);
  int rc = -1;
  lt_tensor *s = NULL, *sc = NULL;
  if (have < total) {
    lt_errorf("%s: the mask selects %lld elements but the source has only %lld", fn,
              (long long)total, (long long)have);
  } else if (total == 0) {
    rc = 0;
  } else if ((s = lt_to_dtype(src, x->dtype))) {
    /* the source is read flat, and must not change while x is written */
    if (s->storage == x->storage || !lt_tensor_is_contiguous(s)) {
      sc = lt_clone(s);
    } else {
      sc = s;
      lt_tensor_retain(sc);
    }
    if (sc) {
      write_chunks(&it, BY_SIZE(mcopy, lt_dtype_size(x->dtype)), w, nchunks, len,
                   lt_tensor_data(sc));
      lt_tensor_bump_version(x);
      rc = 0;
    }
  }
  lt_tensor_release(sc);
  lt_tensor_release(s);
  lt_tensor_release(m);
  return rc;
}

lt_tensor *ix_masked_select(lt_tensor *out, const lt_tensor *x, const lt_tensor *mask) {
  if (lt_device_any(out, 2, (lt_tensor *[]){(lt_tensor *)x, (lt_tensor *)mask})) return lt_device_masked_select(out, x, mask);
  const char *fn = "maskedSelect";
  char a[128], b[128];
  if (ix_check_cpu(fn, x) || ix_check_cpu(fn, mask)) return NULL;
  if (mask->dtype != LT_BOOL && mask->dtype != LT_UINT8)
    return lt_error("%s: mask must be a BoolTensor or ByteTensor, got a %s tensor", fn,
                    lt_dtype_name(mask->dtype));
  int ndim;
  int64_t shape[LT_MAX_DIMS];
  if (lt_broadcast_shape(fn, x->ndim, x->size, mask->ndim, mask->size, &ndim, shape))
    return lt_error("%s: mask of size %s does not broadcast with the tensor's size %s", fn,
                    lt_shape_str(mask->ndim, mask->size, a, sizeof a),
                    lt_shape_str(x->ndim, x->size, b, sizeof b));
  lt_tensor *xe = lt_expand(x, ndim, shape), *m = xe ? lt_expand(mask, ndim, shape) : NULL, *r = NULL;
  if (m) {
    lt_tensor *ops[2] = {xe, m};
    lt_iter it;
    lt_iter_init(&it, 2, ops);
    int64_t len;
    int nchunks = ix_chunks(it.numel, &len);
    walk w[IX_MAX_CHUNKS];
    int64_t total = it.numel ? count_chunks(&it, w, nchunks, len) : 0;
    r = ix_begin_out(out, x->dtype, 1, &total, x, mask);
    if (r && total) {
      write_chunks(&it, BY_SIZE(msel, lt_dtype_size(x->dtype)), w, nchunks, len, lt_tensor_data(r));
      lt_tensor_bump_version(r);
    }
  }
  lt_tensor_release(m);
  lt_tensor_release(xe);
  return ix_finish_out(out, r);
}

/* ---- nonzero: on a contiguous bool copy, coordinates from flat positions ---- */

typedef struct {
  const bool *b;
  int64_t n, len;
  int ndim;
  const int64_t *size;
  int64_t *out;  /* N x ndim */
  int64_t *first; /* per chunk: count, then first row */
} nz_job;

static void nz_count(int64_t c0, int64_t c1, void *p) {
  nz_job *j = p;
  for (int64_t c = c0; c < c1; c++) {
    int64_t lo = c * j->len, hi = lo + j->len < j->n ? lo + j->len : j->n, k = 0;
    for (int64_t i = lo; i < hi; i++) k += j->b[i];
    j->first[c] = k;
  }
}

static void nz_write(int64_t c0, int64_t c1, void *p) {
  nz_job *j = p;
  for (int64_t c = c0; c < c1; c++) {
    int64_t lo = c * j->len, hi = lo + j->len < j->n ? lo + j->len : j->n, row = j->first[c];
    for (int64_t i = lo; i < hi; i++) {
      if (!j->b[i]) continue;
      int64_t *o = j->out + row++ * j->ndim, rest = i;
      for (int d = j->ndim - 1; d >= 0; d--) {
        o[d] = rest % j->size[d];
        rest /= j->size[d];
      }
    }
  }
}

lt_tensor *lt_nonzero(lt_tensor *out, const lt_tensor *x) {
  if (lt_device_any(out, 1, (lt_tensor *[]){(lt_tensor *)x})) return lt_device_nonzero(out, x);
  if (ix_check_cpu("nonzero", x)) return NULL;
  lt_tensor *xb = lt_to_dtype(x, LT_BOOL), *bc = xb ? lt_contiguous(xb) : NULL;
  lt_tensor_release(xb);
  if (!bc) return NULL;
  int64_t first[IX_MAX_CHUNKS], len, n = lt_tensor_numel(bc);
  int nchunks = ix_chunks(n, &len);
  nz_job j = {lt_tensor_data(bc), n, len, x->ndim, x->size, NULL, first};
  lt_parallel_for(nchunks, 1, nz_count, &j);
  int64_t total = 0;
  for (int c = 0; c < nchunks; c++) {
    int64_t k = first[c];
    first[c] = total;
    total += k;
  }
  int64_t size[2] = {total, x->ndim};
  lt_tensor *r = ix_begin_out(out, LT_INT64, 2, size, x, NULL);
  if (r && total && x->ndim) {
    j.out = lt_tensor_data(r);
    lt_parallel_for(nchunks, 1, nz_write, &j);
    lt_tensor_bump_version(r);
  }
  lt_tensor_release(bc);
  return ix_finish_out(out, r);
}
