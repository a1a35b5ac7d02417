/* Shape ops that rearrange a copy: repeatTensor, flip, roll; and the op
 * table of the shape family, whose joining and splitting ops (cat, stack,
 * split, chunk) are in shape_join.c.
 *
 * Each op is a raw function (no autograd) plus its public form, which
 * records a node when an input requires grad; the backwards are at the end,
 * built from these same ops (so gradients of gradients work): repeatTensor
 * <-> a sum over the repeats, flip <-> flip, roll <-> roll back. */
#include "index_util.h"
#include "lutorch/autograd.h"
#include "lutorch/device.h"
#include "lutorch/op.h"
#include "shape_join.h"

/* ---- repeatTensor ----
 * The result viewed as [r0, s0, r1, s1, ...] is x viewed the same way with
 * stride 0 on every r: one broadcasting copy. Dims repeated once get no
 * r dim, so up to LT_MAX_DIMS dims work unless too many are repeated. */
static lt_tensor *repeat_raw(const lt_tensor *x, int n, const int64_t *reps) {
  if (!lt_device_any1(x) && ix_check_cpu("repeatTensor", x)) return NULL;
  if (n < x->ndim)
    return lt_error("repeatTensor: %d repetition count(s) given for a %d-dimensional tensor; "
                    "need at least %d",
                    n, x->ndim, x->ndim);
  if (n > LT_MAX_DIMS) return lt_error("repeatTensor: at most %d dimensions", LT_MAX_DIMS);
  int lead = n - x->ndim, m = 0;
  int64_t size[LT_MAX_DIMS], vsz[2 * LT_MAX_DIMS], vst[2 * LT_MAX_DIMS];
  for (int i = 0; i < n; i++) {
    if (reps[i] < 0)
      return lt_error("repeatTensor: repetition count %lld for dimension %d is negative",
                      (long long)reps[i], i + 1);
    int64_t s = i < lead ? 1 : x->size[i - lead], st = i < lead ? 0 : x->stride[i - lead];
    size[i] = s * reps[i];
    if (reps[i] != 1) {
      vsz[m] = reps[i];
      vst[m++] = 0;
    }
    vsz[m] = s;
    vst[m++] = st;
  }
  lt_tensor *r = lt_tensor_empty_on(x->dtype, n, size, lt_tensor_device(x));
  if (!r || lt_tensor_numel(r) == 0) return r;
  if (m > LT_MAX_DIMS) {
    lt_tensor_release(r);
    return lt_error("repeatTensor: too many repeated dimensions (at most %d dims in all)",
                    LT_MAX_DIMS / 2);
  }
  lt_tensor *src = lt_tensor_from_storage(x->storage, x->offset, m, vsz, vst);
  lt_tensor *dst = src ? lt_view(r, m, vsz) : NULL;
  int rc = dst ? lt_copy_(dst, src) : -1;
  lt_tensor_release(dst);
  lt_tensor_release(src);
  if (rc) {
    lt_tensor_release(r);
    return NULL;
  }
  return r;
}

/* ---- flip ---- */

#define COPY_LOOP(S, T)                                                         \
  static void copy_##S(char **p, const int64_t *s, int64_t n, const void *c) {  \
    (void)c;                                                                    \
    for (int64_t i = 0; i < n; i++) *(T *)(p[0] + i * s[0]) = *(const T *)(p[1] + i * s[1]); \
  }
COPY_LOOP(1, uint8_t)
COPY_LOOP(2, uint16_t)
COPY_LOOP(4, uint32_t)
COPY_LOOP(8, uint64_t)

/* The source is read through a geometry that starts at the last element of
 * each flipped dim and steps backwards (a negative stride). */
static lt_tensor *flip_raw(const lt_tensor *x, int n, const int *dims) {
  if (lt_device_any1(x)) return lt_device_flip(x, n, dims);
  if (ix_check_cpu("flip", x)) return NULL;
  bool flip[LT_MAX_DIMS] = {0};
  for (int i = 0; i < n; i++) {
    int d = lt_wrap_dim("flip", dims[i], x->ndim, 0);
    if (d < 0) return NULL;
    if (flip[d]) return lt_error("flip: dimension %d given twice", d + 1);
    flip[d] = true;
  }
  lt_tensor *r = lt_tensor_empty(x->dtype, x->ndim, x->size);
  if (!r || lt_tensor_numel(r) == 0) return r;
  int64_t offset = x->offset, stride[LT_MAX_DIMS];
  for (int i = 0; i < x->ndim; i++) {
    stride[i] = flip[i] ? -x->stride[i] : x->stride[i];
    if (flip[i]) offset += (x->size[i] - 1) * x->stride[i];
  }
  lt_tensor g;
  ix_geom(&g, x, offset, x->ndim, x->size, stride);
  lt_tensor *ops[2] = {r, &g};
  lt_iter it;
  lt_iter_init(&it, 2, ops);
  size_t e = lt_dtype_size(x->dtype);
  lt_iter_run(&it, e == 1 ? copy_1 : e == 2 ? copy_2 : e == 4 ? copy_4 : copy_8, NULL);
  return r;
}

/* ---- roll ----
 * Rolling dim d by s is two block copies: dst[0, s) = src[n-s, n) and
 * dst[s, n) = src[0, n-s); with several dims, each block splits again. */
static int roll_blocks(lt_tensor *dst, const lt_tensor *src, const int64_t *sh, int d) {
  while (d < src->ndim && sh[d] == 0) d++;
  if (d == src->ndim) return lt_copy_(dst, src);
  int64_t n = src->size[d], s = sh[d];
  int64_t dst_at[2] = {0, s}, src_at[2] = {n - s, 0}, len[2] = {s, n - s};
  for (int h = 0; h < 2; h++) {
    lt_tensor *a = lt_narrow(dst, d, dst_at[h], len[h]);
    lt_tensor *b = a ? lt_narrow(src, d, src_at[h], len[h]) : NULL;
    int rc = b ? roll_blocks(a, b, sh, d + 1) : -1;
    lt_tensor_release(a);
    lt_tensor_release(b);
    if (rc) return -1;
  }
  return 0;
}

/* along dims (ndims > 0); sh gets the shift per dim of x, in [0, size) */
static lt_tensor *roll_raw(const lt_tensor *x, int nshifts, const int64_t *shifts, int ndims,
                           const int *dims, int64_t *sh) {
  if (nshifts != ndims)
    return lt_error("roll: %d shift(s) given for %d dim(s); they must pair up", nshifts, ndims);
  for (int i = 0; i < LT_MAX_DIMS; i++) sh[i] = 0;
  for (int i = 0; i < ndims; i++) {
    if (x->ndim == 0) return lt_error("roll: cannot roll a 0-dimensional tensor along a dimension");
    int d = lt_wrap_dim("roll", dims[i], x->ndim, 0);
    if (d < 0) return NULL;
    int64_t n = x->size[d];
    if (n) sh[d] = ((sh[d] + shifts[i]) % n + n) % n;
  }
  lt_tensor *r = lt_tensor_empty_on(x->dtype, x->ndim, x->size, lt_tensor_device(x));
  if (r && lt_tensor_numel(r) && roll_blocks(r, x, sh, 0)) {
    lt_tensor_release(r);
    return NULL;
  }
  return r;
}

/* ---- public forms: record when an input requires grad ---- */

#define BW(NAME) static int NAME##_backward(lt_node *n, lt_tensor *const *g, lt_tensor **gin)
BW(repeatTensor);
BW(flip);
BW(roll);

lt_tensor *lt_repeat(const lt_tensor *x, int n, const int64_t *reps) {
  lt_node *node = NULL;
  lt_tensor *in = (lt_tensor *)x;
  if (lt_record_begin(&node, "repeatTensor", repeatTensor_backward, NULL, 1, &in)) return NULL;
  lt_tensor *r = repeat_raw(x, n, reps);
  if (node && r)
    for (int i = 0; i < n; i++) node->ints[i] = reps[i];
  return lt_record_end(node, r);
}

lt_tensor *lt_flip(const lt_tensor *x, int n, const int *dims) {
  lt_node *node = NULL;
  lt_tensor *in = (lt_tensor *)x;
  if (lt_record_begin(&node, "flip", flip_backward, NULL, 1, &in)) return NULL;
  lt_tensor *r = flip_raw(x, n, dims);
  if (node && r) /* the flipped dims as a bit set (valid: flip_raw checked them) */
    for (int i = 0; i < n; i++) node->ints[0] |= (int64_t)1 << lt_wrap_dim("flip", dims[i], x->ndim, 0);
  return lt_record_end(node, r);
}

lt_tensor *lt_roll(const lt_tensor *x, int nshifts, const int64_t *shifts, int ndims,
                   const int *dims) {
  if (!lt_device_any1(x) && ix_check_cpu("roll", x)) return NULL;
  if (ndims == 0) { /* the flattened tensor: a composition, recorded piece by piece */
    if (nshifts != 1)
      return lt_error("roll: without dims, give exactly one shift (got %d)", nshifts);
    int64_t numel = lt_tensor_numel(x);
    int zero = 0;
    lt_tensor *flat = lt_reshape(x, 1, &numel);
    lt_tensor *rolled = flat ? lt_roll(flat, 1, shifts, 1, &zero) : NULL;
    lt_tensor *r = rolled ? lt_view(rolled, x->ndim, x->size) : NULL;
    lt_tensor_release(rolled);
    lt_tensor_release(flat);
    return r;
  }
  lt_node *node = NULL;
  lt_tensor *in = (lt_tensor *)x;
  if (lt_record_begin(&node, "roll", roll_backward, NULL, 1, &in)) return NULL;
  int64_t sh[LT_MAX_DIMS];
  lt_tensor *r = roll_raw(x, nshifts, shifts, ndims, dims, sh);
  if (node && r)
    for (int i = 0; i < x->ndim; i++) node->ints[i] = sh[i];
  return lt_record_end(node, r);
}

/* ---- backwards ---- */

/* g viewed as (r1, s1, r2, s2, ...) (no r where a dim was repeated once),
 * summed over the r's */
BW(repeatTensor) {
  const lt_edge *e = &n->next[0];
  int nr = g[0]->ndim, lead = nr - e->ndim, m = 0;
  int64_t vsz[LT_MAX_DIMS], tsz[LT_MAX_DIMS];
  if (lt_tensor_numel(g[0]) == 0) { /* a repeat count of 0: nothing flowed */
    gin[0] = lt_device_zeros(g[0], g[0]->dtype, e->ndim, e->size);
    return gin[0] ? 0 : -1;
  }
  for (int i = 0; i < nr; i++) {
    int64_t s = i < lead ? 1 : e->size[i - lead];
    if (n->ints[i] != 1) {
      vsz[m] = n->ints[i];
      tsz[m++] = 1;
    }
    vsz[m] = tsz[m] = s;
    m++;
  }
  lt_tensor *v = lt_reshape(g[0], m, vsz);
  lt_tensor *t = v ? lt_sum_to_shape(v, m, tsz) : NULL;
  gin[0] = t ? lt_reshape(t, e->ndim, e->size) : NULL;
  lt_tensor_release(t);
  lt_tensor_release(v);
  return gin[0] ? 0 : -1;
}

BW(flip) {
  int dims[LT_MAX_DIMS], k = 0;
  for (int i = 0; i < n->next[0].ndim; i++)
    if (n->ints[0] >> i & 1) dims[k++] = i;
  gin[0] = lt_flip(g[0], k, dims);
  return gin[0] ? 0 : -1;
}

BW(roll) {
  int dims[LT_MAX_DIMS], k = 0;
  int64_t back[LT_MAX_DIMS];
  for (int i = 0; i < n->next[0].ndim; i++)
    if (n->ints[i]) {
      dims[k] = i;
      back[k++] = -n->ints[i];
    }
  if (k == 0) {
    lt_tensor_retain(g[0]);
    gin[0] = g[0];
    return 0;
  }
  gin[0] = lt_roll(g[0], k, back, k, dims);
  return gin[0] ? 0 : -1;
}

/* ---- op table ---- */

#define OP(NAME, BWD)                                                                      \
  static const lt_opdef op_##NAME = {.name = #NAME, .kind = LT_KIND_OTHER, .backward = BWD};
OP(cat, lt__bw_cat)
OP(stack, lt__bw_stack)
OP(split, lt__bw_piece)
OP(chunk, lt__bw_piece)
OP(repeatTensor, repeatTensor_backward)
OP(flip, flip_backward)
OP(roll, roll_backward)

const lt_opdef *const lt_ops_shape[] = {&op_cat,  &op_stack, &op_split, &op_chunk,
                                        &op_repeatTensor, &op_flip, &op_roll, NULL};
