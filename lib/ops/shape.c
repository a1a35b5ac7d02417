/* Shape ops: cat, stack, split, chunk, repeatTensor, flip, roll; and the
 * family's op table. split/chunk return views; the others copy.
 *
 * Each op is a raw function (no autograd) plus its public form, which
 * records a node when an input requires grad; the backwards are at the end,
 * built from these same ops (so gradients of gradients work): cat <-> narrow
 * (and cat of zeros for a split piece), stack <-> select, repeatTensor <->
 * a sum over the repeats, flip <-> flip, roll <-> roll back. */
#include <stdlib.h>
#include <string.h>

#include "lutorch/device.h"
#include "index_util.h"
#include "lutorch/autograd.h"
#include "lutorch/op.h"

/* ---- cat ---- */

/* Torch7's torch.Tensor() is a 1-D tensor of size 0: cat skips it. */
static bool legacy_empty(const lt_tensor *t) { return t->ndim == 1 && t->size[0] == 0; }

typedef struct {
  lt_tensor *const *xs;
  const int *keep; /* indices into xs */
  int nkeep, d;
  char *out;
  int64_t inner_bytes; /* bytes of one step along the cat dim */
  int64_t row_bytes;   /* bytes of one output row (all pieces) */
} cat_job;

/* outer == 1: the output is the pieces one after another; [b, e) is a
 * byte range of it, split over threads however large the pieces are. */
static void cat_bytes(int64_t b, int64_t e, void *p) {
  const cat_job *j = p;
  int64_t at = 0;
  for (int k = 0; k < j->nkeep && at < e; k++) {
    const lt_tensor *t = j->xs[j->keep[k]];
    int64_t n = lt_tensor_numel(t) * (int64_t)lt_dtype_size(t->dtype);
    int64_t lo = b > at ? b : at, hi = e < at + n ? e : at + n;
    if (lo < hi) memcpy(j->out + lo, (const char *)lt_tensor_data(t) + (lo - at), (size_t)(hi - lo));
    at += n;
  }
}

/* outer > 1: rows [b, e) of the output, each the pieces' rows in turn */
static void cat_rows(int64_t b, int64_t e, void *p) {
  const cat_job *j = p;
  for (int64_t o = b; o < e; o++) {
    char *dst = j->out + o * j->row_bytes;
    for (int k = 0; k < j->nkeep; k++) {
      const lt_tensor *t = j->xs[j->keep[k]];
      int64_t blk = t->size[j->d] * j->inner_bytes;
      memcpy(dst, (const char *)lt_tensor_data(t) + o * blk, (size_t)blk);
      dst += blk;
    }
  }
}

static void cat_fast(lt_tensor *r, lt_tensor *const *xs, const int *keep, int nkeep, int d) {
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < d; i++) outer *= r->size[i];
  for (int i = d + 1; i < r->ndim; i++) inner *= r->size[i];
  size_t esz = lt_dtype_size(r->dtype);
  cat_job j = {xs, keep, nkeep, d, lt_tensor_data(r), inner * (int64_t)esz,
               r->size[d] * inner * (int64_t)esz};
  if (outer == 1) {
    lt_parallel_for(j.row_bytes, 1 << 20, cat_bytes, &j);
  } else {
    int64_t grain = j.row_bytes ? (1 << 18) / j.row_bytes : outer;
    lt_parallel_for(outer, grain, cat_rows, &j);
  }
}

static lt_tensor *cat_raw(lt_tensor *out, int n, lt_tensor *const *xs, int dim) {
  if (n > 0 && lt_device_any(out, n, xs)) return lt_device_cat(out, n, xs, dim);
  char a[128], b[128];
  if (n <= 0) return lt_error("cat: expected at least one tensor");
  int *keep = malloc(sizeof(int) * (size_t)n), nkeep = 0;
  if (!keep) return lt_error("cat: out of memory");
  lt_tensor *r = NULL;
  lt_dtype dt = xs[0]->dtype;
  for (int i = 0; i < n; i++) {
    if (ix_check_cpu("cat", xs[i])) goto done;
    if (!legacy_empty(xs[i])) keep[nkeep++] = i;
  }
  if (nkeep == 0) { /* only empty pieces: an empty result */
    int64_t zero = 0;
    for (int i = 1; i < n; i++) dt = lt_dtype_promote(dt, xs[i]->dtype);
    r = ix_begin_out(out, dt, 1, &zero, xs[0], NULL);
    goto done;
  }
  const lt_tensor *ref = xs[keep[0]];
  if (ref->ndim == 0) {
    lt_error("cat: piece %d is 0-dimensional; cat needs tensors with at least one dimension",
             keep[0] + 1);
    goto done;
  }
  int d = lt_wrap_dim("cat", dim, ref->ndim, 0);
  if (d < 0) goto done;
  int64_t size[LT_MAX_DIMS];
  memcpy(size, ref->size, sizeof size);
  size[d] = 0;
  dt = ref->dtype;
  bool fast = true, alias = false;
  for (int k = 0; k < nkeep; k++) {
    const lt_tensor *t = xs[keep[k]];
    bool same = t->ndim == ref->ndim;
    for (int i = 0; same && i < t->ndim; i++) same = i == d || t->size[i] == ref->size[i];
    if (!same) {
      lt_error("cat: piece %d has size %s and piece %d has size %s; they must match except in "
               "dimension %d (the cat dimension)",
               keep[0] + 1, lt_shape_str(ref->ndim, ref->size, a, sizeof a), keep[k] + 1,
               lt_shape_str(t->ndim, t->size, b, sizeof b), d + 1);
      goto done;
    }
    size[d] += t->size[d];
    dt = lt_dtype_promote(dt, t->dtype);
    fast = fast && lt_tensor_is_contiguous(t);
    alias = alias || (out && out->storage == t->storage);
  }
  /* the result: out itself unless it is also an input (then via a copy) */
  if (out && !alias && lt_tensor_device(out).type == LT_CPU) {
    if (lt_tensor_resize(out, ref->ndim, size)) goto done;
    r = out;
    lt_tensor_retain(r);
  } else {
    r = lt_tensor_empty(dt, ref->ndim, size);
    if (!r) goto done;
  }
  for (int k = 0; k < nkeep; k++) fast = fast && xs[keep[k]]->dtype == r->dtype;
  if (fast && lt_tensor_is_contiguous(r)) {
    cat_fast(r, xs, keep, nkeep, d);
    lt_tensor_bump_version(r);
  } else {
    int64_t at = 0;
    for (int k = 0; k < nkeep && r; k++) {
      const lt_tensor *t = xs[keep[k]];
      lt_tensor *dst = lt_narrow(r, d, at, t->size[d]);
      if (!dst || lt_copy_(dst, t)) {
        lt_tensor_release(r);
        r = NULL;
      }
      lt_tensor_release(dst);
      at += t->size[d];
    }
  }
done:
  free(keep);
  return r == out ? r : ix_finish_out(out, r);
}

/* ---- stack ---- */

static lt_tensor *stack_raw(lt_tensor *out, int n, lt_tensor *const *xs, int dim) {
  if (n > 0 && lt_device_any(out, n, xs)) return lt_device_stack(out, n, xs, dim);
  char a[128], b[128];
  if (n <= 0) return lt_error("stack: expected at least one tensor");
  int d = lt_wrap_dim("stack", dim, xs[0]->ndim, 1);
  if (d < 0) return NULL;
  if (xs[0]->ndim >= LT_MAX_DIMS) return lt_error("stack: at most %d dimensions", LT_MAX_DIMS);
  for (int i = 0; i < n; i++) {
    if (ix_check_cpu("stack", xs[i])) return NULL;
    if (!lt_tensor_same_shape(xs[i], xs[0]))
      return lt_error("stack: piece 1 has size %s and piece %d has size %s; they must be equal",
                      lt_shape_str(xs[0]->ndim, xs[0]->size, a, sizeof a), i + 1,
                      lt_shape_str(xs[i]->ndim, xs[i]->size, b, sizeof b));
  }
  lt_tensor **us = calloc((size_t)n, sizeof *us), *r = NULL;
  if (!us) return lt_error("stack: out of memory");
  int made = 0;
  while (made < n && (us[made] = lt_unsqueeze(xs[made], d))) made++;
  if (made == n) r = cat_raw(out, n, us, d);
  for (int i = 0; i < made; i++) lt_tensor_release(us[i]);
  free(us);
  return r;
}

/* ---- split / chunk ---- */

static int split_views(const char *fn, const lt_tensor *x, int64_t size, int d, lt_tensor ***parts) {
  int64_t len = x->size[d], count = len == 0 ? 1 : (len + size - 1) / size;
  if (count > (1 << 30)) return lt_errorf("%s: too many pieces (%lld)", fn, (long long)count);
  lt_tensor **p = malloc(sizeof *p * (size_t)count);
  if (!p) return lt_errorf("%s: out of memory", fn);
  for (int64_t i = 0; i < count; i++) {
    int64_t at = i * size, n = len - at < size ? len - at : size;
    if (!(p[i] = lt_narrow(x, d, at, n))) {
      while (i-- > 0) lt_tensor_release(p[i]);
      free(p);
      return -1;
    }
  }
  *parts = p;
  return (int)count;
}

static int split_dim(const char *fn, const lt_tensor *x, int dim) {
  if (x->ndim == 0) return lt_errorf("%s: cannot split a 0-dimensional tensor", fn);
  return lt_wrap_dim(fn, dim, x->ndim, 0);
}

static int split_raw(const lt_tensor *x, int64_t size, int dim, lt_tensor ***parts) {
  *parts = NULL;
  int d = split_dim("split", x, dim);
  if (d < 0) return -1;
  if (size <= 0) return lt_errorf("split: split size must be positive, got %lld", (long long)size);
  return split_views("split", x, size, d, parts);
}

static int chunk_raw(const lt_tensor *x, int64_t n, int dim, lt_tensor ***parts) {
  *parts = NULL;
  int d = split_dim("chunk", x, dim);
  if (d < 0) return -1;
  if (n <= 0) return lt_errorf("chunk: number of chunks must be positive, got %lld", (long long)n);
  int64_t len = x->size[d];
  if (len > 0) return split_views("chunk", x, (len + n - 1) / n, d, parts);
  /* an empty dim gives n empty pieces (as PyTorch does) */
  if (n > (1 << 20)) return lt_errorf("chunk: too many pieces (%lld)", (long long)n);
  lt_tensor **p = malloc(sizeof *p * (size_t)n);
  if (!p) return lt_errorf("chunk: out of memory");
  for (int64_t i = 0; i < n; i++)
    if (!(p[i] = lt_narrow(x, d, 0, 0))) {
      while (i-- > 0) lt_tensor_release(p[i]);
      free(p);
      return -1;
    }
  *parts = p;
  return (int)n;
}

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
BW(cat);
BW(stack);
BW(piece);
BW(repeatTensor);
BW(flip);
BW(roll);

lt_tensor *lt_cat(lt_tensor *out, int n, lt_tensor *const *xs, int dim) {
  lt_node *node = NULL;
  if (lt_record_begin(&node, "cat", cat_backward, out, n, xs)) return NULL;
  lt_tensor *r = cat_raw(out, n, xs, dim);
  if (node && r) { /* the dim, as cat_raw wrapped it for its first kept piece */
    for (int i = 0; i < n; i++)
      if (!legacy_empty(xs[i])) {
        node->ints[0] = lt_wrap_dim("cat", dim, xs[i]->ndim, 0);
        break;
      }
  }
  return lt_record_end(node, r);
}

lt_tensor *lt_stack(lt_tensor *out, int n, lt_tensor *const *xs, int dim) {
  lt_node *node = NULL;
  if (lt_record_begin(&node, "stack", stack_backward, out, n, xs)) return NULL;
  lt_tensor *r = stack_raw(out, n, xs, dim);
  if (node && r) node->ints[0] = lt_wrap_dim("stack", dim, xs[0]->ndim, 1);
  return lt_record_end(node, r);
}

/* split/chunk: narrow views made without recording, then each recorded as a
 * view of x named after the op, so in-place writes into a piece are caught
 * like those into any view. */
static int record_pieces(const char *fn, const lt_tensor *x, int dim, int count, lt_tensor **p) {
  int d = lt_wrap_dim(fn, dim, x->ndim, 0);
  int64_t at = 0;
  for (int i = 0; i < count; i++) {
    int64_t ints[3] = {d, at, p[i]->size[d]};
    at += p[i]->size[d];
    if (!(p[i] = lt_record_view(p[i], (lt_tensor *)x, fn, piece_backward, ints, 3))) {
      for (int k = 0; k < count; k++)
        if (k != i) lt_tensor_release(p[k]);
      return -1;
    }
  }
  return count;
}

static int pieces(const char *fn, int (*raw)(const lt_tensor *, int64_t, int, lt_tensor ***),
                  const lt_tensor *x, int64_t arg, int dim, lt_tensor ***parts) {
  bool rec = lt_autograd_wants(1, (lt_tensor *const *)&x);
  bool prev = lt_set_grad_enabled(false);
  int count = raw(x, arg, dim, parts);
  lt_set_grad_enabled(prev);
  if (count <= 0 || !rec) return count;
  if (record_pieces(fn, x, dim, count, *parts) < 0) {
    free(*parts);
    *parts = NULL;
    return -1;
  }
  return count;
}

int lt_split(const lt_tensor *x, int64_t size, int dim, lt_tensor ***parts) {
  return pieces("split", split_raw, x, size, dim, parts);
}
int lt_chunk(const lt_tensor *x, int64_t n, int dim, lt_tensor ***parts) {
  return pieces("chunk", chunk_raw, x, n, dim, parts);
}

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

static bool legacy_edge(const lt_edge *e) { return e->ndim == 1 && e->size[0] == 0; }

BW(cat) { /* each piece's slice of the gradient (skipped legacy pieces get none) */
  int d = (int)n->ints[0];
  int64_t at = 0;
  for (int j = 0; j < n->nin; j++) {
    const lt_edge *e = &n->next[j];
    if (legacy_edge(e)) continue;
    if (e->needs_grad && !(gin[j] = lt_narrow(g[0], d, at, e->size[d]))) return -1;
    at += e->size[d];
  }
  return 0;
}

BW(stack) {
  for (int j = 0; j < n->nin; j++)
    if (n->next[j].needs_grad && !(gin[j] = lt_select(g[0], (int)n->ints[0], j))) return -1;
  return 0;
}

/* a split piece's gradient: g between zeros before and after it */
BW(piece) {
  int d = (int)n->ints[0], nd = n->next[0].ndim, k = 0;
  int64_t start = n->ints[1], len = n->ints[2], after = n->next[0].size[d] - start - len;
  int64_t zs[LT_MAX_DIMS];
  for (int i = 0; i < nd; i++) zs[i] = n->next[0].size[i];
  lt_tensor *parts[3] = {NULL, NULL, NULL};
  int rc = 0;
  if (start > 0) {
    zs[d] = start;
    rc |= !(parts[k++] = lt_device_zeros(g[0], g[0]->dtype, nd, zs));
  }
  lt_tensor_retain(g[0]);
  parts[k++] = g[0];
  if (after > 0) {
    zs[d] = after;
    rc |= !(parts[k++] = lt_device_zeros(g[0], g[0]->dtype, nd, zs));
  }
  if (!rc) {
    if (k == 1) {
      lt_tensor_retain(g[0]);
      gin[0] = g[0];
    } else {
      rc = !(gin[0] = lt_cat(NULL, k, parts, d));
    }
  }
  for (int i = 0; i < k; i++) lt_tensor_release(parts[i]);
  return rc ? -1 : 0;
}

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
OP(cat, cat_backward)
OP(stack, stack_backward)
OP(split, piece_backward)
OP(chunk, piece_backward)
OP(repeatTensor, repeatTensor_backward)
OP(flip, flip_backward)
OP(roll, roll_backward)

const lt_opdef *const lt_ops_shape[] = {&op_cat,  &op_stack, &op_split, &op_chunk,
                                        &op_repeatTensor, &op_flip, &op_roll, NULL};
