/* Private to lib/ops: what the autograd wrappers of the nn kernels
 * (nn_grad_<family>.c) share. Each lt_nn_<op> wraps the raw kernel lt_<op>
 * (nn_conv.c, nn_pool.c, nn_norm.c, nn_softmax.c, nn_loss.c, nn_act.c,
 * nn_lstm.c, nn_gru.c; they never record) with lt_record_begin /
 * lt_record_end, and its backward nn_grad_<op> (external: the op table in
 * nn_table.c points at it) calls the kernel's fused lt_<op>_backward.
 *
 * Gradients of gradients (createGraph):
 * - softmax, log_softmax and mse_loss build their backward from recorded
 *   lt_ ops when grad mode is on (in a backward, that is createGraph);
 * - the activations' backward is itself a recorded op (<act>_backward, the
 *   fused kernel) whose own backward is composed (f'' from exp, sigmoid,
 *   where), so any order works;
 * - every other op refuses createGraph with an error naming it: its backward
 *   is a fused kernel that is not differentiable.
 *
 * By-products (pool indices, batch-norm statistics, total weights, RNN
 * gate workspaces) are returned without gradient. cross_entropy's log-probs
 * and the cells' new states are differentiable outputs; an output kept for
 * backward is kept as an alias without history (keeping the output itself
 * would make a cycle through its grad_fn). Ops that need more than the
 * node's four saved slots (LSTM/GRU cells) keep the rest in node->ctx,
 * version-checked here as the engine checks the slots. */
#ifndef LUTORCH_OPS_NN_GRAD_H
#define LUTORCH_OPS_NN_GRAD_H

#include <stdlib.h>

#include "lutorch/autograd.h"
#include "lutorch/nn.h"

/* Backward functions are external: the op table (nn_table.c) points at them. */
#define BW(NAME) int nn_grad_##NAME(lt_node *n, lt_tensor *const *g, lt_tensor **gin)
#define NEED(j) lt_needs_grad(n, j)

/* In a backward, grad mode on means createGraph: fused kernels refuse it. */
static inline int refuse_create(const lt_node *n) {
  return lt_errorf("%s: gradients of gradients are not supported; its backward is a fused "
                   "kernel that is not differentiable (run backward without createGraph)",
                   n->name);
}

/* ---- saved tensors beyond the node's slots ---- */

#define MORE_MAX 4
typedef struct more {
  lt_tensor *t[MORE_MAX];
  uint32_t version[MORE_MAX];
} more;

static inline void more_free(void *p) {
  more *m = p;
  for (int k = 0; k < MORE_MAX; k++) lt_tensor_release(m->t[k]);
  free(m);
}

/* Keep t (NULL: nothing) for backward under index k: the node's slots
 * first, then ctx. */
static inline int keep(lt_node *n, int k, lt_tensor *t) {
  if (!t) return 0;
  if (k < LT_NODE_MAX_SAVED) return lt_node_save(n, k, t);
  more *m = n->ctx;
  if (!m) {
    if (!(m = calloc(1, sizeof *m))) return lt_errorf("%s: out of memory", n->name);
    n->ctx = m;
    n->ctx_free = more_free;
  }
  k -= LT_NODE_MAX_SAVED;
  lt_tensor_retain(t);
  m->t[k] = t;
  m->version[k] = t->storage->version;
  return 0;
}

/* Keep an output as an alias without history. */
static inline int keep_alias(lt_node *n, int k, lt_tensor *t) {
  lt_tensor *a = lt_tensor_from_storage(t->storage, t->offset, t->ndim, t->size, t->stride);
  if (!a) return -1;
  int rc = keep(n, k, a);
  lt_tensor_release(a);
  return rc;
}

static inline lt_tensor *kept(lt_node *n, int k) {
  if (k < LT_NODE_MAX_SAVED) return lt_saved_tensor(n, k);
  more *m = n->ctx;
  return m ? m->t[k - LT_NODE_MAX_SAVED] : NULL;
}

static inline int check_more(const lt_node *n) {
  const more *m = n->ctx;
  for (int k = 0; m && k < MORE_MAX; k++)
    if (m->t[k] && m->t[k]->storage->version != m->version[k])
      return lt_errorf("backward: a tensor that %s saved for its backward (saved tensor %d) was "
                       "modified by an in-place operation since (version %u, saved at version "
                       "%u); clone() it before modifying it, or use the out-of-place form",
                       n->name, k + LT_NODE_MAX_SAVED + 1, m->t[k]->storage->version,
                       m->version[k]);
  return 0;
}

/* End a one-output recording: rc != 0 (saving failed) drops out. */
static inline lt_tensor *finish(lt_node *node, lt_tensor *out, int rc) {
  if (node && rc) {
    lt_tensor_release(out);
    out = NULL;
  }
  return lt_record_end(node, out);
}

/* End a several-output recording; outs[k] with diff[k] false get no
 * gradient. On failure every output is released and NULLed: returns -1. */
static inline int finish_n(lt_node *node, int rc, int nout, lt_tensor **outs, const bool *diff) {
  lt_tensor *att[4] = {0};
  for (int k = 0; k < nout; k++) att[k] = diff[k] ? outs[k] : NULL;
  if (node) rc = rc ? (lt_record_end_n(node, 0, att), -1) : lt_record_end_n(node, nout, att);
  if (rc) {
    for (int k = 0; k < nout; k++) {
      lt_tensor_release(outs[k]);
      outs[k] = NULL;
    }
    return -1;
  }
  return 0;
}

static inline void put(int64_t *dst, const int64_t *src, int n, int64_t def) {
  for (int i = 0; i < n; i++) dst[i] = src ? src[i] : def;
}

#endif
