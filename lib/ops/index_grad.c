/* The index family's public entry points: each wraps its raw op (index.c,
 * index_mask.c) with autograd recording; its backward sits next to it; the
 * family's op table closes the file.
 *
 * Every backward is built from these same public ops (index/indexAdd,
 * gather/scatterAdd, maskedSelect/maskedCopy, clone + fill), so it records
 * under createGraph and gradients of gradients work. Saved for backward:
 * the int64 0-based index (slot 0) or the mask (slot 0); the wrapped dim in
 * ints[0]. In-place ops pass x as `out` to lt_record_begin, which refuses a
 * leaf that requires grad and makes a non-leaf's history "op of the old x".
 *
 * Duplicate indices: index/gather/indexAdd/scatterAdd accumulate their
 * gradients (a position read twice gets both). For indexCopy/scatter a
 * position written twice keeps the last write, but each source element
 * still receives the gradient of where it was meant to go (as PyTorch). */
#include "lutorch/device.h"
#include "index_util.h"
#include "lutorch/autograd.h"
#include "lutorch/op.h"
#include "lutorch/reduce.h"

/* ---- helpers ---- */

/* End an in-place op's recording: attach x (the op's result) or drop the
 * node when rc says the op failed. */
static int finish_inplace(lt_node *node, lt_tensor *x, int rc) {
  if (!node) return rc;
  if (rc) {
    lt_record_end(node, NULL);
    return -1;
  }
  lt_tensor_retain(x);
  lt_tensor *r = lt_record_end(node, x);
  lt_tensor_release(r);
  return r ? 0 : -1;
}

/* After a successful op: save the int64 index in slot 0, the wrapped dim in
 * ints[0]. */
static int save_index(lt_node *node, const char *fn, const lt_tensor *idx, int dim, int ndim) {
  if (!node) return 0;
  lt_tensor *ix = lt_device_any1(idx) ? lt_to_dtype(idx, LT_INT64) : ix_prepare_index(fn, idx, NULL);
  if (!ix) return -1;
  int rc = lt_node_save(node, 0, ix);
  lt_tensor_release(ix);
  node->ints[0] = lt_wrap_dim(fn, dim, ndim, 0);
  return rc;
}

#define BW(NAME) static int NAME##_backward(lt_node *n, lt_tensor *const *g, lt_tensor **gin)
#define IDX lt_saved_tensor(n, 0)
#define DIM ((int)n->ints[0])

/* zeros of input j's shape in dtype dt */
static lt_tensor *zeros_of(const lt_node *n, int j, const lt_tensor *like) {
  return lt_device_zeros(like, like->dtype, n->next[j].ndim, n->next[j].size);
}

/* g with the positions an in-place write covered set to zero: what flows
 * back to the overwritten tensor. kind: 0 indexFill, 1 scatter, 2 mask. */
static lt_tensor *zero_written(lt_node *n, lt_tensor *g, int kind) {
  lt_tensor *c = lt_clone(g);
  if (!c) return NULL;
  int rc = kind == 0   ? lt_index_fill_(c, DIM, IDX, 0)
           : kind == 1 ? lt_scatter_fill_(c, DIM, IDX, 0)
                       : lt_masked_fill_(c, lt_saved_tensor(n, 0), 0);
  if (rc) {
    lt_tensor_release(c);
    return NULL;
  }
  return c;
}

/* t padded with zeros at the end of each dim up to size (t no larger): the
 * gradient of a source that the index covers only partly. */
static lt_tensor *pad_to(lt_tensor *t, int ndim, const int64_t *size) {
  lt_tensor_retain(t);
  for (int i = 0; i < ndim && t; i++) {
    if (t->size[i] == size[i]) continue;
    int64_t zs[LT_MAX_DIMS];
    for (int k = 0; k < ndim; k++) zs[k] = t->size[k];
    zs[i] = size[i] - t->size[i];
    lt_tensor *z = lt_device_zeros(t, t->dtype, ndim, zs), *r = NULL;
    if (z) {
      lt_tensor *pair[2] = {t, z};
      r = lt_cat(NULL, 2, pair, i);
    }
    lt_tensor_release(z);
    lt_tensor_release(t);
    t = r;
  }
  return t;
}

/* ---- index (indexSelect) ---- */

BW(index) { /* add the gradient rows back where they were read */
  lt_tensor *z = zeros_of(n, 0, g[0]);
  if (z && lt_index_add_(z, DIM, IDX, g[0])) {
    lt_tensor_release(z);
    z = NULL;
  }
  gin[0] = z;
  return z ? 0 : -1;
}

lt_tensor *lt_index_select(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx) {
  lt_node *node = NULL;
  lt_tensor *in[1] = {(lt_tensor *)x};
  if (lt_record_begin(&node, "index", index_backward, out, 1, in)) return NULL;
  lt_tensor *r = ix_index_select(out, x, dim, idx);
  if (r && save_index(node, "index", idx, dim, x->ndim)) {
    lt_tensor_release(r);
    r = NULL;
  }
  return lt_record_end(node, r);
}

/* ---- indexCopy / indexAdd / indexFill ---- */

BW(indexCopy) {
  if (lt_needs_grad(n, 0) && !(gin[0] = zero_written(n, g[0], 0))) return -1;
  if (lt_needs_grad(n, 1) && !(gin[1] = lt_index_select(NULL, g[0], DIM, IDX))) return -1;
  return 0;
}

BW(indexAdd) {
  if (lt_needs_grad(n, 0)) {
    lt_tensor_retain(g[0]);
    gin[0] = g[0];
  }
  if (lt_needs_grad(n, 1) && !(gin[1] = lt_index_select(NULL, g[0], DIM, IDX))) return -1;
  return 0;
}

BW(indexFill) {
  gin[0] = zero_written(n, g[0], 0);
  return gin[0] ? 0 : -1;
}

static int index_write(const char *fn, lt_backward_fn bw, lt_tensor *x, int dim,
                       const lt_tensor *idx, const lt_tensor *src, double value) {
  lt_node *node = NULL;
  lt_tensor *in[2] = {x, (lt_tensor *)src};
  if (lt_record_begin(&node, fn, bw, x, src ? 2 : 1, in)) return -1;
  int rc = bw == indexCopy_backward ? ix_index_copy_(x, dim, idx, src)
           : bw == indexAdd_backward ? ix_index_add_(x, dim, idx, src)
                                     : ix_index_fill_(x, dim, idx, value);
  if (!rc) rc = save_index(node, fn, idx, dim, x->ndim);
  return finish_inplace(node, x, rc);
}

int lt_index_copy_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src) {
  return index_write("indexCopy", indexCopy_backward, x, dim, idx, src, 0);
}
int lt_index_add_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src) {
  return index_write("indexAdd", indexAdd_backward, x, dim, idx, src, 0);
}
int lt_index_fill_(lt_tensor *x, int dim, const lt_tensor *idx, double value) {
  return index_write("indexFill", indexFill_backward, x, dim, idx, NULL, value);
}

/* ---- gather / scatter / scatterAdd ---- */

BW(gather) { /* each read adds its gradient back at the position it read */
  lt_tensor *z = zeros_of(n, 0, g[0]);
  if (z && lt_scatter_add_(z, DIM, IDX, g[0])) {
    lt_tensor_release(z);
    z = NULL;
  }
  gin[0] = z;
  return z ? 0 : -1;
}

lt_tensor *lt_gather(lt_tensor *out, const lt_tensor *x, int dim, const lt_tensor *idx) {
  lt_node *node = NULL;
  lt_tensor *in[1] = {(lt_tensor *)x};
  if (lt_record_begin(&node, "gather", gather_backward, out, 1, in)) return NULL;
  lt_tensor *r = ix_gather(out, x, dim, idx);
  if (r && save_index(node, "gather", idx, dim, x->ndim)) {
    lt_tensor_release(r);
    r = NULL;
  }
  return lt_record_end(node, r);
}

/* the source's gradient: g read where the source went, zero where the
 * index (which may be smaller than the source) did not reach */
static lt_tensor *source_grad(lt_node *n, lt_tensor *g) {
  lt_tensor *s = lt_gather(NULL, g, DIM, IDX);
  if (!s) return NULL;
  lt_tensor *r = pad_to(s, n->next[1].ndim, n->next[1].size);
  lt_tensor_release(s);
  return r;
}

BW(scatter) {
  if (lt_needs_grad(n, 0) && !(gin[0] = zero_written(n, g[0], 1))) return -1;
  if (n->nin > 1 && lt_needs_grad(n, 1) && !(gin[1] = source_grad(n, g[0]))) return -1;
  return 0;
}

BW(scatterAdd) {
  if (lt_needs_grad(n, 0)) {
    lt_tensor_retain(g[0]);
    gin[0] = g[0];
  }
  if (lt_needs_grad(n, 1) && !(gin[1] = source_grad(n, g[0]))) return -1;
  return 0;
}

static int scatter_write(const char *fn, lt_backward_fn bw, lt_tensor *x, int dim,
                         const lt_tensor *idx, const lt_tensor *src, double value) {
  lt_node *node = NULL;
  lt_tensor *in[2] = {x, (lt_tensor *)src};
  if (lt_record_begin(&node, fn, bw, x, src ? 2 : 1, in)) return -1;
  int rc = bw == scatterAdd_backward ? ix_scatter_add_(x, dim, idx, src)
           : src                     ? ix_scatter_(x, dim, idx, src)
                                     : ix_scatter_fill_(x, dim, idx, value);
  if (!rc) rc = save_index(node, fn, idx, dim, x->ndim);
  return finish_inplace(node, x, rc);
}

int lt_scatter_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src) {
  return scatter_write("scatter", scatter_backward, x, dim, idx, src, 0);
}
int lt_scatter_fill_(lt_tensor *x, int dim, const lt_tensor *idx, double value) {
  return scatter_write("scatter", scatter_backward, x, dim, idx, NULL, value);
}
int lt_scatter_add_(lt_tensor *x, int dim, const lt_tensor *idx, const lt_tensor *src) {
  return scatter_write("scatterAdd", scatterAdd_backward, x, dim, idx, src, 0);
}

/* ---- masks: the mask is saved in slot 0 ---- */

/* the masked part of g, as a flat tensor of `numel` elements (zeros after
 * the selected ones) in the shape of input j */
static lt_tensor *masked_part(lt_node *n, lt_tensor *g, int j) {
  lt_tensor *s = lt_masked_select(NULL, g, lt_saved_tensor(n, 0));
  int64_t numel = 1;
  for (int i = 0; i < n->next[j].ndim; i++) numel *= n->next[j].size[i];
  lt_tensor *p = s ? pad_to(s, 1, &numel) : NULL;
  lt_tensor *r = p ? lt_reshape(p, n->next[j].ndim, n->next[j].size) : NULL;
  lt_tensor_release(p);
  lt_tensor_release(s);
  return r;
}

/* maskedFill's value as a one-element tensor gets the sum of the masked
 * gradient */
static lt_tensor *masked_sum(lt_node *n, lt_tensor *g) {
  lt_tensor *s = lt_masked_select(NULL, g, lt_saved_tensor(n, 0));
  lt_tensor *t = s ? lt_sum(s, LT_ALL_DIMS, false) : NULL;
  lt_tensor *r = t ? lt_reshape(t, n->next[1].ndim, n->next[1].size) : NULL;
  lt_tensor_release(t);
  lt_tensor_release(s);
  return r;
}

BW(maskedFill) {
  if (lt_needs_grad(n, 0) && !(gin[0] = zero_written(n, g[0], 2))) return -1;
  if (n->nin > 1 && lt_needs_grad(n, 1) && !(gin[1] = masked_sum(n, g[0]))) return -1;
  return 0;
}

BW(maskedCopy) {
  if (lt_needs_grad(n, 0) && !(gin[0] = zero_written(n, g[0], 2))) return -1;
  if (lt_needs_grad(n, 1) && !(gin[1] = masked_part(n, g[0], 1))) return -1;
  return 0;
}

BW(maskedSelect) { /* the selected gradients back in place, in zeros of the
                    * broadcast shape (the engine sums down to x's) */
  const lt_tensor *m = lt_saved_tensor(n, 0);
  int nd;
  int64_t shape[LT_MAX_DIMS];
  if (lt_broadcast_shape("maskedSelect", n->next[0].ndim, n->next[0].size, m->ndim, m->size, &nd,
                         shape))
    return -1;
  lt_tensor *z = lt_device_zeros(g[0], g[0]->dtype, nd, shape);
  if (z && lt_masked_copy_(z, m, g[0])) {
    lt_tensor_release(z);
    z = NULL;
  }
  gin[0] = z;
  return z ? 0 : -1;
}

static int save_mask(lt_node *node, const lt_tensor *mask) {
  return node ? lt_node_save(node, 0, (lt_tensor *)mask) : 0;
}

int lt_masked_fill_(lt_tensor *x, const lt_tensor *mask, double value) {
  lt_node *node = NULL;
  if (lt_record_begin(&node, "maskedFill", maskedFill_backward, x, 1, &x)) return -1;
  int rc = ix_masked_fill_(x, mask, value);
  if (!rc) rc = save_mask(node, mask);
  return finish_inplace(node, x, rc);
}

int lt_masked_fill_tensor_(lt_tensor *x, const lt_tensor *mask, lt_tensor *value) {
  if (ix_check_cpu("maskedFill", value)) return -1;
  if (lt_tensor_numel(value) != 1)
    return lt_errorf("maskedFill: the value must be a number or a one-element tensor, got %lld "
                     "elements",
                     (long long)lt_tensor_numel(value));
  lt_node *node = NULL;
  lt_tensor *in[2] = {x, value};
  if (lt_record_begin(&node, "maskedFill", maskedFill_backward, x, 2, in)) return -1;
  int rc = ix_masked_fill_(x, mask, lt_dtype_load(value->dtype, lt_tensor_data(value)));
  if (!rc) rc = save_mask(node, mask);
  return finish_inplace(node, x, rc);
}

int lt_masked_copy_(lt_tensor *x, const lt_tensor *mask, const lt_tensor *src) {
  lt_node *node = NULL;
  lt_tensor *in[2] = {x, (lt_tensor *)src};
  if (lt_record_begin(&node, "maskedCopy", maskedCopy_backward, x, 2, in)) return -1;
  int rc = ix_masked_copy_(x, mask, src);
  if (!rc) rc = save_mask(node, mask);
  return finish_inplace(node, x, rc);
}

lt_tensor *lt_masked_select(lt_tensor *out, const lt_tensor *x, const lt_tensor *mask) {
  lt_node *node = NULL;
  lt_tensor *in[1] = {(lt_tensor *)x};
  if (lt_record_begin(&node, "maskedSelect", maskedSelect_backward, out, 1, in)) return NULL;
  lt_tensor *r = ix_masked_select(out, x, mask);
  if (r && save_mask(node, mask)) {
    lt_tensor_release(r);
    r = NULL;
  }
  return lt_record_end(node, r);
}

/* ---- op table ---- */

#define OP(NAME, FLAGS, BWD)                                                              \
  static const lt_opdef op_##NAME = {                                                    \
      .name = #NAME, .kind = LT_KIND_OTHER, .flags = FLAGS, .backward = BWD};
OP(index, 0, index_backward)
OP(indexCopy, 0, indexCopy_backward)
OP(indexAdd, 0, indexAdd_backward)
OP(indexFill, 0, indexFill_backward)
OP(gather, 0, gather_backward)
OP(scatter, 0, scatter_backward)
OP(scatterAdd, 0, scatterAdd_backward)
OP(nonzero, LT_OPF_NONDIFF, NULL)
OP(maskedFill, 0, maskedFill_backward)
OP(maskedSelect, 0, maskedSelect_backward)
OP(maskedCopy, 0, maskedCopy_backward)

const lt_opdef *const lt_ops_index[] = {
    &op_index,   &op_indexCopy,  &op_indexAdd,   &op_indexFill,   &op_gather,     &op_scatter,
    &op_scatterAdd, &op_nonzero, &op_maskedFill, &op_maskedSelect, &op_maskedCopy, NULL};
