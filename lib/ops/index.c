/* Indexing along one dimension: index (indexSelect), indexCopy, indexAdd,
 * indexFill, gather, scatter, scatterAdd (the raw kernels).
 *
 * Two kernels do all of it:
 *  - gather (read side): out[p] = x[p with p[dim] = idx[p]]. One lt_iter
 *    over (out, idx, x~) where x~ is x with stride 0 along dim, so the
 *    kernel only adds idx * (x's dim stride). Any split is race-free, so it
 *    runs fully in parallel; a run sharing one index (index on dim 1 of a
 *    contiguous tensor) is one memcpy.
 *  - scatter (write side): an lt_iter over the positions OUTSIDE dim; each
 *    element owns its whole line along dim, so threads never write the same
 *    place, scatterAdd needs no atomics, and a repeated index keeps the last
 *    write (deterministically).
 * The 1-D-index ops are these with the index "expanded": stride 0 outside
 * dim, so every line along dim reads the same index vector.
 * These are the raw ops (ix_*, index_util.h); the public lt_* entry points,
 * their autograd recording, backwards and op table are in index_grad.c. */
#include <string.h>

#include "lutorch/device.h"
#include "index_util.h"

/* ---- gather kernel ---- */

#define GATHER(S, T)                                                               \
  static void gather_##S(char **p, const int64_t *s, int64_t n, const void *vc) {   \
    const int64_t xk = *(const int64_t *)vc;                                        \
    if (s[1] == 0) { /* one index for the whole run */                             \
      const char *src = p[2] + *(const int64_t *)p[1] * xk;                         \
      if (s[0] == sizeof(T) && s[2] == sizeof(T)) {                                 \
        memcpy(p[0], src, (size_t)n * sizeof(T));                                   \
      } else {                                                                      \
        for (int64_t i = 0; i < n; i++)                                             \
          *(T *)(p[0] + i * s[0]) = *(const T *)(src + i * s[2]);                   \
      }                                                                             \
    } else if (s[0] == sizeof(T) && s[1] == 8) {                                    \
      T *o = (T *)p[0];                                                             \
      const int64_t *ix = (const int64_t *)p[1];                                    \
      for (int64_t i = 0; i < n; i++) o[i] = *(const T *)(p[2] + i * s[2] + ix[i] * xk); \
    } else {                                                                        \
      for (int64_t i = 0; i < n; i++)                                               \
        *(T *)(p[0] + i * s[0]) =                                                   \
            *(const T *)(p[2] + i * s[2] + *(const int64_t *)(p[1] + i * s[1]) * xk); \
    }                                                                               \
  }
GATHER(1, uint8_t)
GATHER(2, uint16_t)
GATHER(4, uint32_t)
GATHER(8, uint64_t)

static lt_loop1d gather_loop(size_t esz) {
  return esz == 1 ? gather_1 : esz == 2 ? gather_2 : esz == 4 ? gather_4 : gather_8;
}

/* r[p] = x[p with p[d] = ig[p]]; ig has r's shape (any strides). */
static void gather_run(lt_tensor *r, const lt_tensor *x, int d, const lt_tensor *ig) {
  if (lt_tensor_numel(r) == 0) return;
  int64_t st[LT_MAX_DIMS];
  for (int i = 0; i < x->ndim; i++) st[i] = i == d ? 0 : x->stride[i];
  lt_tensor xg;
  ix_geom(&xg, x, x->offset, r->ndim, r->size, st);
  lt_tensor *ops[3] = {r, (lt_tensor *)ig, &xg};
  lt_iter it;
  lt_iter_init(&it, 3, ops);
  int64_t xk = x->stride[d] * (int64_t)lt_dtype_size(x->dtype);
  lt_iter_run(&it, gather_loop(lt_dtype_size(x->dtype)), &xk);
  lt_tensor_bump_version(r);
}

/* ---- scatter kernels: one call handles n lines along dim ---- */

typedef enum { SC_COPY, SC_ADD, SC_FILL } scat_op;

typedef struct {
  int64_t K;          /* index entries per line */
  int64_t ik, sk, xk; /* byte strides along dim: index, source, target */
  int k_inner;        /* loop order: along dim innermost when that is the cache-friendly way */
  char value[8];      /* fill value in the target dtype */
} scat_ctx;

/* BODY sees d (T *, the target element) and a (const T *, the source). */
#define SCAT_SRC(NAME, T, BODY)                                                       \
  static void NAME(char **p, const int64_t *s, int64_t n, const void *vc) {           \
    const scat_ctx *c = vc;                                                           \
    if (c->k_inner) {                                                                 \
      for (int64_t i = 0; i < n; i++) {                                               \
        char *xb = p[0] + i * s[0];                                                   \
        const char *ib = p[1] + i * s[1], *sb = p[2] + i * s[2];                      \
        for (int64_t k = 0; k < c->K; k++) {                                          \
          T *d = (T *)(xb + *(const int64_t *)(ib + k * c->ik) * c->xk);              \
          const T *a = (const T *)(sb + k * c->sk);                                   \
          BODY;                                                                       \
        }                                                                             \
      }                                                                               \
    } else {                                                                          \
      for (int64_t k = 0; k < c->K; k++) {                                            \
        const char *ib = p[1] + k * c->ik, *sb = p[2] + k * c->sk;                    \
        for (int64_t i = 0; i < n; i++) {                                             \
          T *d = (T *)(p[0] + i * s[0] + *(const int64_t *)(ib + i * s[1]) * c->xk);  \
          const T *a = (const T *)(sb + i * s[2]);                                    \
          BODY;                                                                       \
        }                                                                             \
      }                                                                               \
    }                                                                                 \
  }

#define SCAT_FILL(NAME, T)                                                            \
  static void NAME(char **p, const int64_t *s, int64_t n, const void *vc) {           \
    const scat_ctx *c = vc;                                                           \
    T v;                                                                              \
    memcpy(&v, c->value, sizeof v);                                                   \
    if (c->k_inner) {                                                                 \
      for (int64_t i = 0; i < n; i++) {                                               \
        char *xb = p[0] + i * s[0];                                                   \
        const char *ib = p[1] + i * s[1];                                             \
        for (int64_t k = 0; k < c->K; k++)                                            \
          *(T *)(xb + *(const int64_t *)(ib + k * c->ik) * c->xk) = v;                \
      }                                                                               \
    } else {                                                                          \
      for (int64_t k = 0; k < c->K; k++) {                                            \
        const char *ib = p[1] + k * c->ik;                                            \
        for (int64_t i = 0; i < n; i++)                                               \
          *(T *)(p[0] + i * s[0] + *(const int64_t *)(ib + i * s[1]) * c->xk) = v;    \
      }                                                                               \
    }                                                                                 \
  }

SCAT_SRC(scopy_1, uint8_t, *d = *a)
SCAT_SRC(scopy_2, uint16_t, *d = *a)
SCAT_SRC(scopy_4, uint32_t, *d = *a)
SCAT_SRC(scopy_8, uint64_t, *d = *a)
SCAT_FILL(sfill_1, uint8_t)
SCAT_FILL(sfill_2, uint16_t)
SCAT_FILL(sfill_4, uint32_t)
SCAT_FILL(sfill_8, uint64_t)

#define SCAT_ADD(E, T, S) SCAT_SRC(sadd_##S, T, *d = (T)(*d + *a))
LT_FOREACH_FLOAT_DTYPE(SCAT_ADD)
SCAT_ADD(LT_INT64, int64_t, i64)
SCAT_ADD(LT_INT32, int32_t, i32)
SCAT_ADD(LT_INT16, int16_t, i16)
SCAT_ADD(LT_INT8, int8_t, i8)
SCAT_ADD(LT_UINT8, uint8_t, u8)
SCAT_SRC(sadd_b8, bool, *d = *d || *a)
SCAT_SRC(sadd_f16, lt_half, *d = lt_float_to_half(lt_half_to_float(*d) + lt_half_to_float(*a)))
SCAT_SRC(sadd_bf16, lt_bfloat16, *d = lt_float_to_bf16(lt_bf16_to_float(*d) + lt_bf16_to_float(*a)))

static const lt_loop1d sadd[LT_NDTYPES] = {
    [LT_FLOAT32] = sadd_f32, [LT_FLOAT64] = sadd_f64, [LT_INT64] = sadd_i64,
    [LT_INT32] = sadd_i32,   [LT_INT16] = sadd_i16,   [LT_INT8] = sadd_i8,
    [LT_UINT8] = sadd_u8,    [LT_BOOL] = sadd_b8,     [LT_FLOAT16] = sadd_f16,
    [LT_BFLOAT16] = sadd_bf16};

static lt_loop1d scatter_loop(scat_op op, lt_dtype dt) {
  size_t e = lt_dtype_size(dt);
  if (op == SC_ADD) return sadd[dt];
  if (op == SC_FILL) return e == 1 ? sfill_1 : e == 2 ? sfill_2 : e == 4 ? sfill_4 : sfill_8;
  return e == 1 ? scopy_1 : e == 2 ? scopy_2 : e == 4 ? scopy_4 : scopy_8;
}

static int64_t iabs(int64_t v) { return v < 0 ? -v : v; }

/* x[p with p[d] = ig[p]] op= src[p] for every p of ig's shape. ig is an
 * int64 geometry with x's ndim; src (NULL for fill) is read with its own
 * strides over ig's shape. */
static void scatter_run(scat_op op, lt_tensor *x, int d, const lt_tensor *ig, const lt_tensor *src,
                        const char value[8]) {
  int64_t sz[LT_MAX_DIMS], xs[LT_MAX_DIMS], is[LT_MAX_DIMS], ss[LT_MAX_DIMS];
  int m = 0;
  for (int i = 0; i < ig->ndim; i++) {
    if (i == d) continue;
    sz[m] = ig->size[i];
    xs[m] = x->stride[i];
    is[m] = ig->stride[i];
    ss[m] = src ? src->stride[i] : 0;
    m++;
  }
  size_t esz = lt_dtype_size(x->dtype);
  lt_tensor gx, gi, gs;
  ix_geom(&gx, x, x->offset, m, sz, xs);
  ix_geom(&gi, ig, ig->offset, m, sz, is);
  if (src) ix_geom(&gs, src, src->offset, m, sz, ss);
  lt_tensor *ops[3] = {&gx, &gi, &gs};
  lt_iter it;
  lt_iter_init(&it, src ? 3 : 2, ops);
  scat_ctx c = {ig->size[d], ig->stride[d] * 8, src ? src->stride[d] * (int64_t)esz : 0,
                x->stride[d] * (int64_t)esz, 0, {0}};
  if (ig->size[d] == 0 || it.numel == 0) return;
  /* the line along dim innermost when x's lines are closer in memory than
   * consecutive lines (e.g. the last dim of a contiguous tensor) */
  c.k_inner = iabs(c.xk) < iabs(it.stride[0][0]) && it.shape[0] > 1;
  if (value) memcpy(c.value, value, 8);
  int64_t grain = LT_GRAIN / (c.K > 0 ? c.K : 1);
  ix_run_parallel(&it, grain, scatter_loop(op, x->dtype), &c);
  lt_tensor_bump_version(x);
}

/* ---- index rebasing (Lua 1-based <-> C 0-based) ---- */

static void rebase_loop(char **p, const int64_t *s, int64_t n, const void *c) {
  int64_t delta = *(const int64_t *)c;
  for (int64_t i = 0; i < n; i++)
    *(int64_t *)(p[0] + i * s[0]) = *(const int64_t *)(p[1] + i * s[1]) + delta;
}

lt_tensor *lt_index_rebase(const char *fn, const lt_tensor *idx, int64_t delta) {
  if (lt_device_any1(idx)) return lt_device_index_rebase(fn, idx, delta);
  lt_tensor *ix = ix_prepare_index(fn, idx, NULL);
  if (!ix) return NULL;
  lt_tensor *r = lt_tensor_empty(LT_INT64, ix->ndim, ix->size);
  if (r) {
    lt_tensor *ops[2] = {r, ix};
    lt_iter it;
    lt_iter_init(&it, 2, ops);
    lt_iter_run(&it, rebase_loop, &delta);
  }
  lt_tensor_release(ix);
  return r;
}

/* ---- checks shared by the ops ---- */

static int check_target(const char *fn, const lt_tensor *x, int dim) {
  if (ix_check_cpu(fn, x)) return -1;
  if (x->ndim == 0) return lt_errorf("%s: cannot index a 0-dimensional tensor", fn);
  return lt_wrap_dim(fn, dim, x->ndim, 0);
}

/* The 1-D index ops: idx as an int64 geometry of x's shape with k in d. */
static lt_tensor *index_vector(const char *fn, const lt_tensor *x, int d, const lt_tensor *idx,
                               lt_tensor *geom) {
  char a[128];
  if (idx->ndim > 1)
    return lt_error("%s: indices must be a 1-D tensor, got size %s", fn,
                    lt_shape_str(idx->ndim, idx->size, a, sizeof a));
  lt_tensor *ix = ix_prepare_index(fn, idx, x);
  if (!ix) return NULL;
  if (ix_check_range(fn, ix, x->size[d], d)) {
    lt_tensor_release(ix);
    return NULL;
  }
  int64_t size[LT_MAX_DIMS], stride[LT_MAX_DIMS] = {0};
  memcpy(size, x->size, sizeof size);
  size[d] = ix->ndim ? ix->size[0] : 1;
  stride[d] = ix->ndim ? ix->stride[0] : 0;
  ix_geom(geom, ix, ix->offset, x->ndim, size, stride);
  return ix;
}

/* src for writing into x: x's dtype, not sharing x's memory. */
static lt_tensor *source_for(const lt_tensor *x, const lt_tensor *src) {
  if (src->dtype != x->dtype) return lt_to_dtype(src, x->dtype);
  if (src->storage == x->storage) return lt_clone(src);
  lt_tensor_retain((lt_tensor *)src);
  return (lt_tensor *)src;
}

/* ---- index / indexCopy / indexAdd / indexFill ---- */

lt_tensor *ix_index_select(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx) {
  if (lt_device_any(out, 2, (lt_tensor *[]){(lt_tensor *)x, (lt_tensor *)idx})) return lt_device_index_select(out, x, dim, idx);
  int d = check_target("index", x, dim);
  if (d < 0 || ix_check_cpu("index", idx)) return NULL;
  lt_tensor ig;
  lt_tensor *ix = index_vector("index", x, d, idx, &ig);
  if (!ix) return NULL;
  lt_tensor *r = ix_begin_out(out, x->dtype, ig.ndim, ig.size, x, ix);
  if (r) gather_run(r, x, d, &ig);
  lt_tensor_release(ix);
  return ix_finish_out(out, r);
}

static int index_write(const char *fn, scat_op op, lt_tensor *x, int dim, const lt_tensor *idx,
                       const lt_tensor *src, double value) {
  if (lt_device_any(x, 2, (lt_tensor *[]){(lt_tensor *)idx, (lt_tensor *)src})) return lt_device_index_write(fn, (int)op /* same order as LT_DEV_COPY, ADD, FILL */, x, dim, idx, src, value);
  int d = check_target(fn, x, dim);
  if (d < 0 || ix_check_cpu(fn, idx) || (src && ix_check_cpu(fn, src))) return -1;
  lt_tensor ig;
  lt_tensor *ix = index_vector(fn, x, d, idx, &ig), *s = NULL;
  if (!ix) return -1;
  char a[128], b[128];
  int rc = -1;
  if (src && !lt_tensor_same_shape(src, &ig)) {
    lt_errorf("%s: source has size %s, expected %s (the tensor's size with %lld in dimension %d)",
              fn, lt_shape_str(src->ndim, src->size, a, sizeof a),
              lt_shape_str(ig.ndim, ig.size, b, sizeof b), (long long)ig.size[d], d + 1);
  } else if (!src || (s = source_for(x, src))) {
    char v[8];
    ix_value_bytes(x->dtype, value, v);
    scatter_run(op, x, d, &ig, s, v);
    rc = 0;
  }
  lt_tensor_release(s);
  lt_tensor_release(ix);
  return rc;
}

int ix_index_copy_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src) {
  return index_write("indexCopy", SC_COPY, x, dim, idx, src, 0);
}

int ix_index_add_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src) {
  return index_write("indexAdd", SC_ADD, x, dim, idx, src, 0);
}

int ix_index_fill_(lt_tensor *x, int dim, const lt_tensor *idx, double value) {
  return index_write("indexFill", SC_FILL, x, dim, idx, NULL, value);
}

/* ---- gather / scatter / scatterAdd ---- */

/* idx (int64 after this) must have x's ndim and fit in `bound` outside dim
 * (and in `all` everywhere when given: scatter's source). */
static lt_tensor *elementwise_index(const char *fn, const lt_tensor *x, int d, const lt_tensor *idx,
                                    const lt_tensor *all) {
  if (ix_check_cpu(fn, idx) || lt_index_check_elementwise(fn, x, d, idx, all)) return NULL;
  lt_tensor *ix = ix_prepare_index(fn, idx, x);
  if (ix && ix_check_range(fn, ix, x->size[d], d)) {
    lt_tensor_release(ix);
    return NULL;
  }
  return ix;
}

lt_tensor *ix_gather(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx) {
  if (lt_device_any(out, 2, (lt_tensor *[]){(lt_tensor *)x, (lt_tensor *)idx})) return lt_device_gather(out, x, dim, idx);
  int d = check_target("gather", x, dim);
  if (d < 0) return NULL;
  lt_tensor *ix = elementwise_index("gather", x, d, idx, NULL);
  if (!ix) return NULL;
  lt_tensor *r = ix_begin_out(out, x->dtype, ix->ndim, ix->size, x, ix);
  if (r) gather_run(r, x, d, ix);
  lt_tensor_release(ix);
  return ix_finish_out(out, r);
}

static int scatter_write(const char *fn, scat_op op, lt_tensor *x, int dim, const lt_tensor *idx,
                         const lt_tensor *src, double value) {
  if (lt_device_any(x, 2, (lt_tensor *[]){(lt_tensor *)idx, (lt_tensor *)src})) return lt_device_scatter(fn, (int)op /* same order as LT_DEV_COPY, ADD, FILL */, x, dim, idx, src, value);
  int d = check_target(fn, x, dim);
  if (d < 0 || (src && ix_check_cpu(fn, src))) return -1;
  lt_tensor *ix = elementwise_index(fn, x, d, idx, src), *s = NULL;
  if (!ix) return -1;
  int rc = -1;
  if (!src || (s = source_for(x, src))) {
    char v[8];
    ix_value_bytes(x->dtype, value, v);
    scatter_run(op, x, d, ix, s, v);
    rc = 0;
  }
  lt_tensor_release(s);
  lt_tensor_release(ix);
  return rc;
}

int ix_scatter_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src) {
  return scatter_write("scatter", SC_COPY, x, dim, idx, src, 0);
}

int ix_scatter_fill_(lt_tensor *x, int dim, const lt_tensor *idx, double value) {
  return scatter_write("scatter", SC_FILL, x, dim, idx, NULL, value);
}

int ix_scatter_add_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src) {
  return scatter_write("scatterAdd", SC_ADD, x, dim, idx, src, 0);
}
