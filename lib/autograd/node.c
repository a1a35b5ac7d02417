/* Nodes of the tape: creation, saved tensors, attaching outputs, and
 * release. A node is one malloc: the struct, then its edges, its output
 * gradient slots, the input shapes and any extra bytes the op asked for.
 *
 * Release is iterative: freeing the last reference to the end of a 200 000
 * node chain frees the whole chain, and doing that recursively would
 * overflow the C stack, so nodes whose count drops to zero go on a
 * thread-local list that the outermost release drains. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "lutorch/autograd.h"

static long live_nodes;

long lt_autograd_live_nodes(void) { return __atomic_load_n(&live_nodes, __ATOMIC_RELAXED); }

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

/* Nodes of up to NODE_BLOCK bytes (every op of up to three inputs) are
 * recycled through a per-thread list: a training step makes and drops
 * thousands of them, and malloc's bookkeeping showed in the W3b profile. */
#define NODE_BLOCK 768
#define KEEP_NODES 1024
static _Thread_local struct {
  void *items[KEEP_NODES];
  int n;
} spare_nodes;

static void *node_alloc(size_t bytes, bool *pooled) {
  *pooled = bytes <= NODE_BLOCK;
  if (!*pooled) return malloc(bytes);
  return spare_nodes.n ? spare_nodes.items[--spare_nodes.n] : malloc(NODE_BLOCK);
}

static void node_free(lt_node *node) {
  if (node->pooled && spare_nodes.n < KEEP_NODES)
    spare_nodes.items[spare_nodes.n++] = node;
  else
    free(node);
}

lt_node *lt_node_new(const char *name, lt_backward_fn backward, int n, lt_tensor *const *in,
                     int nout, size_t extra) {
  size_t ndims = 0;
  for (int j = 0; j < n; j++)
    if (in[j]) ndims += (size_t)in[j]->ndim;
  size_t bytes = sizeof(lt_node) + (size_t)n * sizeof(lt_edge) +
                 align8((size_t)nout * sizeof(lt_tensor *)) + ndims * sizeof(int64_t) +
                 align8(extra);
  bool pooled;
  lt_node *node = node_alloc(bytes, &pooled);
  if (!node) return lt_error("%s: out of memory recording the autograd graph", name);
  memset(node, 0, sizeof *node);
  node->pooled = pooled;
  node->refcount = 1;
  node->name = name;
  node->backward = backward;
  node->nin = n;
  node->nout = nout;
  node->next = (lt_edge *)(node + 1);
  node->grads = (lt_tensor **)(node->next + n);
  int64_t *dims = (int64_t *)((char *)node->grads + align8((size_t)nout * sizeof(lt_tensor *)));
  node->extra = extra ? (void *)(dims + ndims) : NULL;
  for (int k = 0; k < nout; k++) node->grads[k] = NULL;
  for (int k = 0; k < LT_NODE_MAX_SAVED; k++) node->saved[k].output_nr = -1;
  for (int j = 0; j < n; j++) {
    lt_edge *e = &node->next[j];
    const lt_tensor *t = in[j];
    e->fn = NULL;
    e->leaf = NULL;
    e->output_nr = 0;
    e->needs_grad = false;
    e->dtype = t ? t->dtype : LT_FLOAT32;
    e->ndim = t ? t->ndim : 0;
    e->device = t ? lt_tensor_device(t) : (lt_device){LT_CPU, 0};
    e->size = dims;
    if (!t) continue;
    memcpy(dims, t->size, sizeof(int64_t) * (size_t)t->ndim);
    dims += t->ndim;
    if (!t->ag || !t->ag->requires_grad) continue;
    e->needs_grad = true;
    if (t->ag->grad_fn) {
      e->fn = t->ag->grad_fn;
      e->output_nr = t->ag->output_nr;
      lt_node_retain(e->fn);
    } else {
      e->leaf = (lt_tensor *)t;
      lt_tensor_retain(e->leaf);
    }
  }
  __atomic_add_fetch(&live_nodes, 1, __ATOMIC_RELAXED);
  return node;
}

void lt_node_retain(lt_node *node) { __atomic_add_fetch(&node->refcount, 1, __ATOMIC_RELAXED); }

/* Free what a node holds for backward: saved tensors and hooks. Called when
 * the node dies, and by the engine after a backward without retainGraph. */
void lt_node_free_saved(lt_node *node) {
  for (int k = 0; k < LT_NODE_MAX_SAVED; k++) {
    lt_tensor_release(node->saved[k].live);
    lt_tensor_release(node->saved[k].t);
    node->saved[k].live = node->saved[k].t = NULL;
  }
  while (node->hooks) {
    lt_hook *h = node->hooks;
    node->hooks = h->next;
    if (h->ctx_free) h->ctx_free(h->ctx);
    free(h);
  }
  if (node->ctx_free && node->ctx) node->ctx_free(node->ctx);
  node->ctx = NULL;
}

static void node_destroy(lt_node *node) {
  lt_node_free_saved(node);
  for (int k = 0; k < node->nout; k++) lt_tensor_release(node->grads[k]);
  for (int j = 0; j < node->nin; j++) {
    lt_node_release(node->next[j].fn);
    lt_tensor_release(node->next[j].leaf);
  }
  __atomic_sub_fetch(&live_nodes, 1, __ATOMIC_RELAXED);
  node_free(node);
}

static _Thread_local lt_node **pending;
static _Thread_local int npending, cap_pending;
static _Thread_local bool draining;

void lt_node_release(lt_node *node) {
  if (!node || __atomic_sub_fetch(&node->refcount, 1, __ATOMIC_ACQ_REL) != 0) return;
  if (npending == cap_pending) {
    int cap = cap_pending ? 2 * cap_pending : 64;
    lt_node **p = realloc(pending, sizeof *p * (size_t)cap);
    if (!p) { /* out of memory: free recursively, the lesser evil */
      node_destroy(node);
      return;
    }
    pending = p;
    cap_pending = cap;
  }
  pending[npending++] = node;
  if (draining) return;
  draining = true;
  while (npending) node_destroy(pending[--npending]);
  draining = false;
}

/* ---- per-tensor meta ---- */

#define KEEP_METAS 1024
static _Thread_local struct {
  lt_autograd_meta *items[KEEP_METAS];
  int n;
} spare_metas;

lt_autograd_meta *lt_autograd_meta_get(lt_tensor *t) {
  if (!t->ag) {
    lt_autograd_meta *m = spare_metas.n ? spare_metas.items[--spare_metas.n] : malloc(sizeof *m);
    if (!m) return lt_error("autograd: out of memory");
    memset(m, 0, sizeof *m);
    t->ag = m;
  }
  return t->ag;
}

void lt_autograd_meta_recycle(lt_autograd_meta *m) {
  if (spare_metas.n < KEEP_METAS)
    spare_metas.items[spare_metas.n++] = m;
  else
    free(m);
}

int lt_node_attach(lt_node *node, lt_tensor *out, int output_nr) {
  lt_autograd_meta *m = lt_autograd_meta_get(out);
  if (!m) return -1;
  lt_node_retain(node);
  lt_node *old = m->grad_fn;
  m->grad_fn = node;
  m->output_nr = output_nr;
  m->requires_grad = true;
  lt_node_release(old);
  return 0;
}

/* ---- recording ---- */

int lt_record_begin_ex(lt_node **node, const char *name, lt_backward_fn backward, lt_tensor *out,
                       int n, lt_tensor *const *in, int nout, size_t extra) {
  *node = NULL;
  if (!lt_grad_enabled()) return 0;
  bool wants = false;
  for (int j = 0; j < n && !wants; j++) wants = in[j] && lt_requires_grad(in[j]);
  if (out && out->ag) {
    lt_autograd_meta *m = out->ag;
    /* A leaf that requires grad (a module's weight), or a view of one, may
     * be overwritten by plain values, as Torch7 code does (w:zero(),
     * w:copy(pretrained), w:add(-lr, dw), w:narrow(1, 1, 2):zero()): the
     * leaf stays a leaf, and a graph that saved its old value notices the
     * version change at backward. Values with another history cannot flow
     * into a leaf. */
    if (lt__leaf_storage(out)) {
      bool others = false; /* inputs with history besides the leaf itself */
      for (int j = 0; j < n && !others; j++) others = in[j] && in[j] != out && lt_requires_grad(in[j]);
      if (!others) return 0;
      return lt_errorf("%s: a leaf tensor that requires grad cannot take values that require "
                       "grad in place (compute out of place, or inside torch.no_grad)", name);
    }
    if (m->requires_grad && m->is_view)
      return lt_errorf("%s: in-place write into a view of a tensor that requires grad is not "
                       "supported by autograd; compute the result out of place (or clone() first)",
                       name);
    if (m->requires_grad && m->has_views)
      return lt_errorf("%s: in-place write into a tensor that requires grad and has views "
                       "(narrow, select, transpose, ...) is not supported by autograd; compute "
                       "the result out of place (or clone() first)", name);
    if (!wants) return lt_detach_(out); /* overwritten by values without history */
  }
  if (!wants) return 0;
  if (out && !lt_requires_grad(out) && out->storage->refcount > 1)
    return lt_errorf("%s: writing a result that requires grad into a tensor that shares its "
                     "storage with other tensors (a view?) would hide it from autograd; compute "
                     "the result out of place", name);
  lt_node *nd = lt_node_new(name, backward, n, in, nout, extra);
  if (!nd) return -1;
  nd->inplace_out = out;
  lt_set_grad_enabled(false);
  *node = nd;
  return 0;
}

int lt_record_begin(lt_node **node, const char *name, lt_backward_fn backward, lt_tensor *out,
                    int n, lt_tensor *const *in) {
  return lt_record_begin_ex(node, name, backward, out, n, in, 1, 0);
}

lt_tensor *lt_record_end(lt_node *node, lt_tensor *out) {
  if (!node) return out;
  lt_set_grad_enabled(true);
  node->inplace_out = NULL;
  if (out && lt_node_attach(node, out, 0)) {
    lt_tensor_release(out);
    out = NULL;
  }
  lt_node_release(node);
  return out;
}

int lt_record_end_n(lt_node *node, int nout, lt_tensor *const *outs) {
  if (!node) return 0;
  lt_set_grad_enabled(true);
  node->inplace_out = NULL;
  int rc = 0;
  for (int k = 0; k < nout && k < node->nout && !rc; k++)
    if (outs[k]) rc = lt_node_attach(node, outs[k], k);
  lt_node_release(node);
  return rc;
}

int lt_node_save(lt_node *node, int slot, lt_tensor *t) {
  if (slot < 0 || slot >= LT_NODE_MAX_SAVED)
    return lt_errorf("%s: saved-tensor slot %d out of range", node->name, slot);
  lt_saved *s = &node->saved[slot];
  lt_tensor_release(s->t);
  if (node->inplace_out && node->inplace_out->storage == t->storage) {
    /* the op is about to write over t: keep its old values (the copy is
     * recorded, so gradients of gradients still reach t's history) */
    bool prev = lt_set_grad_enabled(true);
    t = lt_clone(t);
    lt_set_grad_enabled(prev);
    if (!t) return -1;
  } else {
    lt_tensor_retain(t);
  }
  s->t = t;
  s->version = t->storage->version;
  s->output_nr = -1;
  return 0;
}

/* An output is kept as an alias without history: the output's meta points
 * at this node, so keeping the output itself would make a cycle. */
int lt_node_save_output(lt_node *node, int slot, lt_tensor *out) {
  if (slot < 0 || slot >= LT_NODE_MAX_SAVED)
    return lt_errorf("%s: saved-tensor slot %d out of range", node->name, slot);
  lt_tensor *a = lt_tensor_from_storage(out->storage, out->offset, out->ndim, out->size,
                                        out->stride);
  if (!a) return -1;
  lt_saved *s = &node->saved[slot];
  lt_tensor_release(s->t);
  s->t = a;
  s->version = out->storage->version;
  s->output_nr = 0;
  return 0;
}
