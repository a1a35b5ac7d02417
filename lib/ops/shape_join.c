/* Joining and splitting along a dimension: cat, stack, split, chunk.
 * split/chunk return views; cat and stack copy. Each op is a raw function
 * (no autograd) plus its public form, which records a node when an input
 * requires grad; the backwards are built from these same ops (so
 * gradients of gradients work): cat <-> narrow, stack <-> select, a split
 * piece <-> cat with zeros. The family's op table is in shape.c. */
#include <stdlib.h>
#include <string.h>

#include "index_util.h"
#include "lutorch/autograd.h"
#include "lutorch/device.h"
#include "shape_join.h"

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

/* ---- public forms: record when an input requires grad ---- */

lt_tensor *lt_cat(lt_tensor *out, int n, lt_tensor *const *xs, int dim) {
  lt_node *node = NULL;
  if (lt_record_begin(&node, "cat", lt__bw_cat, out, n, xs)) return NULL;
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
  if (lt_record_begin(&node, "stack", lt__bw_stack, out, n, xs)) return NULL;
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
    if (!(p[i] = lt_record_view(p[i], (lt_tensor *)x, fn, lt__bw_piece, ints, 3))) {
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

/* ---- backwards ---- */

static bool legacy_edge(const lt_edge *e) { return e->ndim == 1 && e->size[0] == 0; }

int lt__bw_cat(lt_node *n, lt_tensor *const *g, lt_tensor **gin) { /* each piece's slice of the gradient (skipped legacy pieces get none) */
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

int lt__bw_stack(lt_node *n, lt_tensor *const *g, lt_tensor **gin) {
  for (int j = 0; j < n->nin; j++)
    if (n->next[j].needs_grad && !(gin[j] = lt_select(g[0], (int)n->ints[0], j))) return -1;
  return 0;
}

/* a split piece's gradient: g between zeros before and after it */
int lt__bw_piece(lt_node *n, lt_tensor *const *g, lt_tensor **gin) {
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
