/* The engine: a reverse topological sweep over the recorded graph.
 *
 * 1. Discover every node reachable from the outputs (breadth first over an
 *    array, no recursion) and count, per node, the edges that point at it.
 * 2. Seed the outputs' gradients; nodes whose count is zero are ready.
 * 3. Pop a ready node, run its output hooks, call its backward, fit each
 *    input gradient to the input's shape and dtype (the one place where a
 *    broadcast gradient is summed back), add it to the producer's slot and
 *    decrement the producer's count; a count reaching zero makes it ready.
 * 4. Leaves collect their gradient over the whole sweep; at the end their
 *    hooks run on the total, which is then added into .grad (or returned,
 *    for torch.autograd.grad).
 * Backward functions run with grad mode = createGraph, so with createGraph
 * they record, and gradients of gradients work. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "lutorch/device.h"

typedef struct {
  lt_tensor *leaf;
  lt_tensor *grad; /* this sweep's sum, added to .grad at the end */
  bool direct;     /* backwards add straight into the leaf's .grad */
} leaf_acc;

typedef struct {
  uint64_t epoch;
  unsigned flags;
  lt_node **nodes; /* every discovered node, retained */
  int nnodes, cap;
  lt_node **ready;
  int nready, rcap;
  leaf_acc *leaves;
  int nleaves, lcap;
  int ninputs;
  lt_tensor *const *inputs;
  lt_tensor **results;
} sweep;

static uint64_t epochs;

/* The sweep and node whose backward function runs now on this thread
 * (lt_grad_accumulator answers only that node); saved and restored around
 * each call, since a backward may run a backward of its own. */
static _Thread_local sweep *cur_sweep;
static _Thread_local const lt_node *cur_node;

static int grow(void **p, int *cap, int need, size_t elt) {
  if (need <= *cap) return 0;
  int c = *cap ? *cap : 16;
  while (c < need) c *= 2;
  void *q = realloc(*p, elt * (size_t)c);
  if (!q) return lt_errorf("backward: out of memory");
  *p = q;
  *cap = c;
  return 0;
}

static const lt_opdef *add_op(void) {
  static const lt_opdef *op;
  if (!op) op = lt_op_find("add");
  return op;
}

/* *slot += g, taking over g. In place when nothing else can see *slot. */
static int accumulate(lt_tensor **slot, lt_tensor *g, bool create) {
  static const double one[1] = {1};
  lt_tensor *a = *slot;
  if (!a) {
    *slot = g;
    return 0;
  }
  lt_tensor *r;
  if (!create && a->refcount == 1 && a->storage->refcount == 1 && !a->ag &&
      lt_tensor_is_contiguous(a) && a->dtype == g->dtype && lt_tensor_same_shape(a, g)) {
    r = lt_binary(add_op(), a, a, g, one);
    lt_tensor_release(r);
    lt_tensor_release(g);
    return r ? 0 : -1;
  }
  r = lt_binary(add_op(), NULL, a, g, one);
  lt_tensor_release(g);
  if (!r) return -1;
  lt_tensor_release(a);
  *slot = r;
  return 0;
}

/* Fit a gradient to an input's shape (sum over broadcast dims), dtype and device. */
static lt_tensor *fit(const lt_node *node, int j, lt_tensor *g) {
  const lt_edge *e = &node->next[j];
  if (g->ndim != e->ndim || memcmp(g->size, e->size, sizeof(int64_t) * (size_t)e->ndim)) {
    lt_tensor *s = lt_sum_to_shape(g, e->ndim, e->size);
    if (!s) {
      char a[128], b[128];
      lt_errorf("backward: %s returned a gradient of size %s for its input %d of size %s",
                node->name, lt_shape_str(g->ndim, g->size, a, 128), j + 1,
                lt_shape_str(e->ndim, e->size, b, 128));
    }
    lt_tensor_release(g);
    if (!(g = s)) return NULL;
  }
  if (g->dtype != e->dtype || !lt_device_equal(lt_tensor_device(g), e->device)) {
    lt_tensor *c = lt_tensor_to(g, e->dtype, e->device);
    lt_tensor_release(g);
    g = c;
  }
  return g;
}

/* The leaf's accumulator slot in this sweep, made on first use. */
static leaf_acc *leaf_slot(sweep *s, lt_tensor *leaf) {
  lt_autograd_meta *m = leaf->ag;
  if (m->epoch != s->epoch) {
    if (grow((void **)&s->leaves, &s->lcap, s->nleaves + 1, sizeof(leaf_acc))) return NULL;
    m->epoch = s->epoch;
    m->slot = s->nleaves++;
    s->leaves[m->slot] = (leaf_acc){leaf, NULL, false};
  }
  return &s->leaves[m->slot];
}

static int add_leaf(sweep *s, lt_tensor *leaf, lt_tensor *g) {
  leaf_acc *la = leaf_slot(s, leaf);
  if (!la) {
    lt_tensor_release(g);
    return -1;
  }
  return accumulate(&la->grad, g, s->flags & LT_BACKWARD_CREATE);
}

static bool fits_edge(const lt_tensor *a, const lt_edge *e) {
  return lt_tensor_is_contiguous(a) && a->dtype == e->dtype && a->ndim == e->ndim &&
         lt_device_equal(lt_tensor_device(a), e->device) &&
         !memcmp(a->size, e->size, sizeof(int64_t) * (size_t)e->ndim);
}

/* A backward into .grad itself: the leaf already has a plain contiguous
 * .grad, no hooks want this sweep's total first, and the sweep fills .grad
 * (not autograd.grad's results). The user's buffer is then updated as the
 * backward runs (as PyTorch's AccumulateGrad does), skipping a fresh sum
 * and the final add. */
static bool direct_ok(const sweep *s, const lt_edge *e) {
  const lt_autograd_meta *m = e->leaf->ag;
  const lt_tensor *g = m->grad;
  return !s->ninputs && !m->hooks && g && !g->ag && fits_edge(g, e);
}

/* Offered only for a leaf input of the running node and without createGraph
 * (then the sum must be recorded). The sweep's accumulator is private to the
 * engine until the leaves are finished, so adding into it in place is safe;
 * one that is shared (a gradient handed to two inputs) is copied first.
 * Where direct_ok holds, it is the leaf's .grad. */
lt_tensor *lt_grad_accumulator(lt_node *n, int j) {
  sweep *s = cur_sweep;
  if (!s || cur_node != n || j < 0 || j >= n->nin || (s->flags & LT_BACKWARD_CREATE)) return NULL;
  const lt_edge *e = &n->next[j];
  if (!e->needs_grad || !e->leaf) return NULL;
  leaf_acc *la = leaf_slot(s, e->leaf);
  if (!la) return NULL;
  if (la->direct || (!la->grad && direct_ok(s, e))) {
    la->direct = true;
    return e->leaf->ag->grad;
  }
  lt_tensor *a = la->grad;
  if (a && a->refcount == 1 && a->storage->refcount == 1 && !a->ag && fits_edge(a, e)) return a;
  lt_tensor *b = lt_tensor_empty_on(e->dtype, e->ndim, e->size, lt_tensor_device(e->leaf));
  if (!b || (a ? lt_copy_(b, a) : lt_fill_(b, 0))) {
    lt_tensor_release(b);
    return NULL;
  }
  lt_tensor_release(a);
  return la->grad = b;
}

static int discover(sweep *s, lt_node *root) {
  if (root->epoch == s->epoch) return 0;
  int start = s->nnodes;
  if (grow((void **)&s->nodes, &s->cap, s->nnodes + 1, sizeof(lt_node *))) return -1;
  root->epoch = s->epoch;
  root->deps = 0;
  lt_node_retain(root);
  s->nodes[s->nnodes++] = root;
  for (int i = start; i < s->nnodes; i++) {
    lt_node *n = s->nodes[i];
    if (n->released)
      return lt_errorf("backward: the graph through %s was already freed by an earlier backward; "
                       "pass {retainGraph=true} to the first backward to run backward twice",
                       n->name);
    for (int j = 0; j < n->nin; j++) {
      lt_node *c = n->next[j].fn;
      if (!c) continue;
      if (c->epoch != s->epoch) {
        if (grow((void **)&s->nodes, &s->cap, s->nnodes + 1, sizeof(lt_node *))) return -1;
        c->epoch = s->epoch;
        c->deps = 0;
        lt_node_retain(c);
        s->nodes[s->nnodes++] = c;
      }
      c->deps++;
    }
  }
  return 0;
}

static int run_hooks(lt_hook *h, int output_nr, lt_tensor **g) {
  for (; h; h = h->next) {
    if (h->output_nr != output_nr || !*g) continue;
    lt_tensor *rep = NULL;
    if (h->fn(h->ctx, *g, &rep)) return -1;
    if (rep) {
      if (!lt_tensor_same_shape(rep, *g)) {
        char a[128], b[128];
        lt_errorf("backward: a hook returned a gradient of size %s, expected %s",
                  lt_shape_str(rep->ndim, rep->size, a, 128),
                  lt_shape_str((*g)->ndim, (*g)->size, b, 128));
        lt_tensor_release(rep);
        return -1;
      }
      lt_tensor_release(*g);
      *g = rep;
    }
  }
  return 0;
}

static int check_saved(lt_node *n, bool create) {
  for (int k = 0; k < LT_NODE_MAX_SAVED; k++) {
    lt_saved *sv = &n->saved[k];
    if (!sv->t) continue;
    if (sv->t->storage->version != sv->version)
      return lt_errorf("backward: a tensor that %s saved for its backward (saved tensor %d) was "
                       "modified by an in-place operation since (version %u, saved at version "
                       "%u); clone() it before modifying it, or use the out-of-place form",
                       n->name, k + 1, sv->t->storage->version, sv->version);
    if (create && sv->output_nr >= 0) { /* give the output back its history */
      lt_tensor *t = sv->t;
      sv->live = lt_tensor_from_storage(t->storage, t->offset, t->ndim, t->size, t->stride);
      if (!sv->live || lt_node_attach(n, sv->live, sv->output_nr)) return -1;
    }
  }
  return 0;
}

static int capture(sweep *s, lt_node *n) {
  for (int i = 0; i < s->ninputs; i++) {
    lt_autograd_meta *m = s->inputs[i]->ag;
    if (m->grad_fn != n || !n->grads[m->output_nr]) continue;
    lt_tensor *g = n->grads[m->output_nr];
    lt_tensor_retain(g);
    if (accumulate(&s->results[i], g, true)) return -1;
  }
  return 0;
}

static int run_node(sweep *s, lt_node *n) {
  bool create = s->flags & LT_BACKWARD_CREATE, any = false;
  for (int k = 0; k < n->nout; k++) {
    if (n->hooks && run_hooks(n->hooks, k, &n->grads[k])) return -1;
    any |= n->grads[k] != NULL;
  }
  if (s->ninputs && capture(s, n)) return -1;
  lt_tensor *small[8] = {0}, **gin = small;
  if (n->nin > 8 && !(gin = calloc((size_t)n->nin, sizeof *gin)))
    return lt_errorf("backward: out of memory");
  int rc = 0;
  if (any) {
    if (!n->backward) {
      rc = lt_errorf("backward: the derivative of %s is not implemented yet", n->name);
    } else if (!(rc = check_saved(n, create))) {
      sweep *ps = cur_sweep;
      const lt_node *pn = cur_node;
      cur_sweep = s;
      cur_node = n;
      rc = n->backward(n, n->grads, gin);
      cur_sweep = ps;
      cur_node = pn;
    }
    for (int k = 0; k < LT_NODE_MAX_SAVED; k++) {
      lt_tensor_release(n->saved[k].live);
      n->saved[k].live = NULL;
    }
  }
  for (int k = 0; k < n->nout; k++) {
    lt_tensor_release(n->grads[k]);
    n->grads[k] = NULL;
  }
  if (!(s->flags & LT_BACKWARD_RETAIN)) {
    lt_node_free_saved(n);
    n->released = true;
  }
  for (int j = 0; j < n->nin; j++) {
    lt_edge *e = &n->next[j];
    lt_tensor *g = gin[j];
    gin[j] = NULL;
    if (g && (rc || !e->needs_grad)) {
      lt_tensor_release(g);
      g = NULL;
    }
    if (g && !(g = fit(n, j, g))) rc = -1;
    if (g && e->fn) {
      if (accumulate(&e->fn->grads[e->output_nr], g, create)) rc = -1;
    } else if (g && e->leaf) {
      if (add_leaf(s, e->leaf, g)) rc = -1;
    }
    if (e->fn && --e->fn->deps == 0) {
      if (grow((void **)&s->ready, &s->rcap, s->nready + 1, sizeof(lt_node *))) rc = -1;
      else s->ready[s->nready++] = e->fn;
    }
  }
  if (gin != small) free(gin);
  return rc;
}

static lt_tensor *seed(lt_tensor *out, lt_tensor *g, int i) {
  char a[128], b[128];
  if (!g) {
    if (lt_tensor_numel(out) != 1)
      return lt_error("backward: a gradient must be given for output %d, which is not a "
                      "scalar (size %s)", i + 1, lt_shape_str(out->ndim, out->size, a, 128));
    g = lt_tensor_empty_on(out->dtype, out->ndim, out->size, lt_tensor_device(out));
    if (g && lt_fill_(g, 1)) {
      lt_tensor_release(g);
      return NULL;
    }
    return g;
  }
  if (lt_tensor_numel(g) != lt_tensor_numel(out) ||
      (!lt_tensor_same_shape(g, out) && lt_tensor_numel(g) != 1))
    return lt_error("backward: gradient %d has size %s but the output has size %s", i + 1,
                    lt_shape_str(g->ndim, g->size, a, 128),
                    lt_shape_str(out->ndim, out->size, b, 128));
  lt_tensor *r = lt_reshape(g, out->ndim, out->size);
  if (r && r->dtype != out->dtype) {
    lt_tensor *c = lt_to_dtype(r, out->dtype);
    lt_tensor_release(r);
    r = c;
  }
  return r;
}

/* Leaves at the end: hooks on the total, then .grad or the results. */
static int finish_leaves(sweep *s) {
  bool create = s->flags & LT_BACKWARD_CREATE;
  for (int i = 0; i < s->nleaves; i++) {
    leaf_acc *la = &s->leaves[i];
    if (!la->grad) continue;
    if (run_hooks(la->leaf->ag->hooks, la->leaf->ag->output_nr, &la->grad)) return -1;
    if (s->ninputs) {
      for (int k = 0; k < s->ninputs; k++)
        if (s->inputs[k] == la->leaf) {
          lt_tensor_retain(la->grad);
          if (accumulate(&s->results[k], la->grad, true)) return -1;
        }
      continue;
    }
    lt_autograd_meta *m = la->leaf->ag;
    lt_tensor *g = la->grad;
    la->grad = NULL;
    if (!m->grad) {
      if (!create && (g->refcount > 1 || g->storage->refcount > 1 || !lt_tensor_is_contiguous(g))) {
        lt_tensor *c = lt_clone(g);
        lt_tensor_release(g);
        if (!(g = c)) return -1;
      }
      m->grad = g;
    } else if (create || m->grad->ag) {
      if (accumulate(&m->grad, g, true)) return -1;
    } else { /* into the existing buffer, which the user may hold */
      static const double one[1] = {1};
      lt_tensor *r = lt_binary(add_op(), m->grad, m->grad, g, one);
      lt_tensor_release(g);
      if (!r) return -1;
      lt_tensor_release(r);
    }
  }
  return 0;
}

int lt_autograd_run(int n, lt_tensor *const *outputs, lt_tensor *const *gouts, int ninputs,
                    lt_tensor *const *inputs, lt_tensor **results, unsigned flags) {
  sweep s = {0};
  s.epoch = __atomic_add_fetch(&epochs, 1, __ATOMIC_RELAXED);
  s.flags = flags;
  s.ninputs = ninputs;
  s.inputs = inputs;
  s.results = results;
  const char *fn = ninputs ? "autograd.grad" : "backward";
  for (int i = 0; i < ninputs; i++) {
    results[i] = NULL;
    if (!lt_requires_grad(inputs[i]))
      return lt_errorf("%s: input %d does not require grad", fn, i + 1);
  }
  bool prev = lt_set_grad_enabled(flags & LT_BACKWARD_CREATE);
  int rc = 0;
  for (int i = 0; i < n && !rc; i++) {
    lt_tensor *out = outputs[i];
    if (!lt_requires_grad(out)) {
      rc = lt_errorf("%s: output %d does not require grad and has no grad_fn (was it computed "
                     "under no_grad, or from tensors that do not require grad?)", fn, i + 1);
      break;
    }
    if (out->ag->grad_fn) rc = discover(&s, out->ag->grad_fn);
  }
  for (int i = 0; i < n && !rc; i++) {
    lt_tensor *out = outputs[i];
    lt_tensor *g = seed(out, gouts ? gouts[i] : NULL, i);
    if (!g) rc = -1;
    else if (out->ag->grad_fn)
      rc = accumulate(&out->ag->grad_fn->grads[out->ag->output_nr], g, true);
    else
      rc = add_leaf(&s, out, g);
  }
  for (int i = 0; i < s.nnodes && !rc; i++)
    if (s.nodes[i]->deps == 0) {
      if (grow((void **)&s.ready, &s.rcap, s.nready + 1, sizeof(lt_node *))) rc = -1;
      else s.ready[s.nready++] = s.nodes[i];
    }
  while (s.nready && !rc) rc = run_node(&s, s.ready[--s.nready]);
  if (!rc) rc = finish_leaves(&s);
  for (int i = 0; !rc && i < ninputs; i++)
    if (!results[i] && !(flags & LT_BACKWARD_ALLOW_UNUSED))
      rc = lt_errorf("%s: input %d was not used to compute the outputs (pass "
                     "{allowUnused=true} to get nil for it)", fn, i + 1);
  /* clean up: leftovers exist only after an error */
  for (int i = 0; i < s.nnodes; i++) {
    lt_node *nd = s.nodes[i];
    for (int k = 0; k < nd->nout; k++) {
      lt_tensor_release(nd->grads[k]);
      nd->grads[k] = NULL;
    }
    lt_node_release(nd);
  }
  for (int i = 0; i < s.nleaves; i++) lt_tensor_release(s.leaves[i].grad);
  if (rc)
    for (int i = 0; i < ninputs; i++) {
      lt_tensor_release(results[i]);
      results[i] = NULL;
    }
  free(s.nodes);
  free(s.ready);
  free(s.leaves);
  lt_set_grad_enabled(prev);
  return rc;
}

int lt_backward(lt_tensor *out, lt_tensor *gout, unsigned flags) {
  return lt_autograd_run(1, &out, &gout, 0, NULL, NULL, flags);
}
