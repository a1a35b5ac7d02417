/* The nn family's public entry points with autograd: each lt_nn_<op> wraps
 * the raw kernel lt_<op> (nn_conv.c, nn_pool.c, nn_norm.c, nn_softmax.c,
 * nn_loss.c, nn_act.c, nn_rnn.c; they never record) with lt_record_begin /
 * lt_record_end, and its backward calls the kernel's fused lt_<op>_backward.
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
#include <math.h>
#include <stdlib.h>

#include "../autograd/formula.h"
#include "lutorch/autograd.h"
#include "lutorch/nn.h"
#include "lutorch/reduce.h"
#include "nn_rnn.h"

/* Backward functions are external: the op table (nn_table.c) points at them. */
#define BW(NAME) int nn_grad_##NAME(lt_node *n, lt_tensor *const *g, lt_tensor **gin)
#define NEED(j) lt_needs_grad(n, j)

/* In a backward, grad mode on means createGraph: fused kernels refuse it. */
static int refuse_create(const lt_node *n) {
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

static void more_free(void *p) {
  more *m = p;
  for (int k = 0; k < MORE_MAX; k++) lt_tensor_release(m->t[k]);
  free(m);
}

/* Keep t (NULL: nothing) for backward under index k: the node's slots
 * first, then ctx. */
static int keep(lt_node *n, int k, lt_tensor *t) {
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
static int keep_alias(lt_node *n, int k, lt_tensor *t) {
  lt_tensor *a = lt_tensor_from_storage(t->storage, t->offset, t->ndim, t->size, t->stride);
  if (!a) return -1;
  int rc = keep(n, k, a);
  lt_tensor_release(a);
  return rc;
}

static lt_tensor *kept(lt_node *n, int k) {
  if (k < LT_NODE_MAX_SAVED) return lt_saved_tensor(n, k);
  more *m = n->ctx;
  return m ? m->t[k - LT_NODE_MAX_SAVED] : NULL;
}

static int check_more(const lt_node *n) {
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
static lt_tensor *finish(lt_node *node, lt_tensor *out, int rc) {
  if (node && rc) {
    lt_tensor_release(out);
    out = NULL;
  }
  return lt_record_end(node, out);
}

/* End a several-output recording; outs[k] with diff[k] false get no
 * gradient. On failure every output is released and NULLed: returns -1. */
static int finish_n(lt_node *node, int rc, int nout, lt_tensor **outs, const bool *diff) {
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

static void put(int64_t *dst, const int64_t *src, int n, int64_t def) {
  for (int i = 0; i < n; i++) dst[i] = src ? src[i] : def;
}

/* ---- convolutions ----
 * ints: [0,3) stride, [3,6) padding, [6,9) dilation, [9,11) output
 * padding, 11 groups, 12 spatial dims, 13 transposed; saved x, weight. */

BW(conv) {
  if (lt_grad_enabled()) return refuse_create(n);
  const int64_t *s = n->ints, *p = n->ints + 3, *d = n->ints + 6, *op = n->ints + 9;
  int64_t groups = n->ints[11];
  bool need[3] = {NEED(0), NEED(1), NEED(2)};
  lt_tensor *x = lt_saved_tensor(n, 0), *w = lt_saved_tensor(n, 1);
  if (n->ints[13])
    return lt_conv_transpose2d_backward(g[0], x, w, s, p, op, d, groups, need, &gin[0], &gin[1],
                                        &gin[2]);
  int (*f)(lt_tensor *, lt_tensor *, lt_tensor *, const int64_t *, const int64_t *,
           const int64_t *, int64_t, const bool *, lt_tensor **, lt_tensor **, lt_tensor **) =
      n->ints[12] == 1 ? lt_conv1d_backward : n->ints[12] == 2 ? lt_conv2d_backward : lt_conv3d_backward;
  return f(g[0], x, w, s, p, d, groups, need, &gin[0], &gin[1], &gin[2]);
}

static lt_tensor *conv_rec(const char *name, int D, bool tr, lt_tensor *x, lt_tensor *w,
                           lt_tensor *b, const int64_t *stride, const int64_t *padding,
                           const int64_t *opad, const int64_t *dil, int64_t groups) {
  lt_node *node = NULL;
  lt_tensor *in[3] = {x, w, b};
  if (lt_record_begin(&node, name, nn_grad_conv, NULL, 3, in)) return NULL;
  lt_tensor *y = tr       ? lt_conv_transpose2d(x, w, b, stride, padding, opad, dil, groups)
                 : D == 1 ? lt_conv1d(x, w, b, stride, padding, dil, groups)
                 : D == 2 ? lt_conv2d(x, w, b, stride, padding, dil, groups)
                          : lt_conv3d(x, w, b, stride, padding, dil, groups);
  int rc = 0;
  if (node && y) {
    put(node->ints, stride, D, 1);
    put(node->ints + 3, padding, D, 0);
    put(node->ints + 6, dil, D, 1);
    put(node->ints + 9, opad, tr ? 2 : 0, 0);
    node->ints[11] = groups;
    node->ints[12] = D;
    node->ints[13] = tr;
    rc = lt_node_save(node, 0, x) || lt_node_save(node, 1, w);
  }
  return finish(node, y, rc);
}

lt_tensor *lt_nn_conv1d(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                        const int64_t *stride, const int64_t *padding, const int64_t *dilation,
                        int64_t groups) {
  return conv_rec("conv1d", 1, false, input, weight, bias, stride, padding, NULL, dilation, groups);
}
lt_tensor *lt_nn_conv2d(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                        const int64_t *stride, const int64_t *padding, const int64_t *dilation,
                        int64_t groups) {
  return conv_rec("conv2d", 2, false, input, weight, bias, stride, padding, NULL, dilation, groups);
}
lt_tensor *lt_nn_conv3d(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                        const int64_t *stride, const int64_t *padding, const int64_t *dilation,
                        int64_t groups) {
  return conv_rec("conv3d", 3, false, input, weight, bias, stride, padding, NULL, dilation, groups);
}
lt_tensor *lt_nn_conv_transpose2d(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                                  const int64_t *stride, const int64_t *padding,
                                  const int64_t *output_padding, const int64_t *dilation,
                                  int64_t groups) {
  return conv_rec("conv_transpose2d", 2, true, input, weight, bias, stride, padding,
                  output_padding, dilation, groups);
}

/* ---- pooling: saved x (slot 0), indices (slot 1); ints[0] base ---- */

BW(max_pool2d) {
  if (lt_grad_enabled()) return refuse_create(n);
  gin[0] = lt_max_pool2d_backward(g[0], lt_saved_tensor(n, 0), lt_saved_tensor(n, 1), n->ints[0]);
  return gin[0] ? 0 : -1;
}

BW(adaptive_max_pool2d) {
  if (lt_grad_enabled()) return refuse_create(n);
  gin[0] = lt_adaptive_max_pool2d_backward(g[0], lt_saved_tensor(n, 0), lt_saved_tensor(n, 1),
                                           n->ints[0]);
  return gin[0] ? 0 : -1;
}

/* y plus indices (no gradient); the node saves x and the indices */
static lt_tensor *pool_end(lt_node *node, lt_tensor *x, lt_tensor *y, lt_tensor **indices,
                           int64_t base) {
  int rc = 0;
  if (node && y) {
    node->ints[0] = base;
    rc = lt_node_save(node, 0, x) || lt_node_save(node, 1, *indices);
  }
  if (node && rc) {
    lt_tensor_release(*indices);
    *indices = NULL;
  }
  return finish(node, y, rc);
}

lt_tensor *lt_nn_max_pool2d(lt_tensor *input, const int64_t *kernel, const int64_t *stride,
                            const int64_t *padding, const int64_t *dilation, bool ceil_mode,
                            int64_t base, lt_tensor **indices) {
  lt_node *node = NULL;
  *indices = NULL;
  if (lt_record_begin(&node, "max_pool2d", nn_grad_max_pool2d, NULL, 1, &input)) return NULL;
  lt_tensor *y = lt_max_pool2d(input, kernel, stride, padding, dilation, ceil_mode, base, indices);
  return pool_end(node, input, y, indices, base);
}

lt_tensor *lt_nn_adaptive_max_pool2d(lt_tensor *input, const int64_t *output_size, int64_t base,
                                     lt_tensor **indices) {
  lt_node *node = NULL;
  *indices = NULL;
  if (lt_record_begin(&node, "adaptive_max_pool2d", nn_grad_adaptive_max_pool2d, NULL, 1, &input))
    return NULL;
  lt_tensor *y = lt_adaptive_max_pool2d(input, output_size, base, indices);
  return pool_end(node, input, y, indices, base);
}

/* ints: kernel[2], stride[2], padding[2], ceil, count_include_pad, divisor */
BW(avg_pool2d) {
  if (lt_grad_enabled()) return refuse_create(n);
  const int64_t *i = n->ints;
  gin[0] = lt_avg_pool2d_backward(g[0], lt_saved_tensor(n, 0), i, i + 2, i + 4, i[6], i[7], i[8]);
  return gin[0] ? 0 : -1;
}

lt_tensor *lt_nn_avg_pool2d(lt_tensor *input, const int64_t *kernel, const int64_t *stride,
                            const int64_t *padding, bool ceil_mode, bool count_include_pad,
                            int64_t divisor_override) {
  lt_node *node = NULL;
  if (lt_record_begin(&node, "avg_pool2d", nn_grad_avg_pool2d, NULL, 1, &input)) return NULL;
  lt_tensor *y = lt_avg_pool2d(input, kernel, stride, padding, ceil_mode, count_include_pad,
                               divisor_override);
  int rc = 0;
  if (node && y) { /* the kernel checked kernel != NULL; a NULL stride is the kernel size */
    put(node->ints, kernel, 2, 1);
    put(node->ints + 2, stride ? stride : kernel, 2, 1);
    put(node->ints + 4, padding, 2, 0);
    node->ints[6] = ceil_mode;
    node->ints[7] = count_include_pad;
    node->ints[8] = divisor_override;
    rc = lt_node_save(node, 0, input);
  }
  return finish(node, y, rc);
}

BW(adaptive_avg_pool2d) {
  if (lt_grad_enabled()) return refuse_create(n);
  gin[0] = lt_adaptive_avg_pool2d_backward(g[0], lt_saved_tensor(n, 0));
  return gin[0] ? 0 : -1;
}

lt_tensor *lt_nn_adaptive_avg_pool2d(lt_tensor *input, const int64_t *output_size) {
  lt_node *node = NULL;
  if (lt_record_begin(&node, "adaptive_avg_pool2d", nn_grad_adaptive_avg_pool2d, NULL, 1, &input))
    return NULL;
  lt_tensor *y = lt_adaptive_avg_pool2d(input, output_size);
  return finish(node, y, node && y ? lt_node_save(node, 0, input) : 0);
}

/* saved: the indices (slot 0); ints[0] base */
BW(max_unpool2d) {
  if (lt_grad_enabled()) return refuse_create(n);
  gin[0] = lt_max_unpool2d_backward(g[0], lt_saved_tensor(n, 0), n->ints[0]);
  return gin[0] ? 0 : -1;
}

lt_tensor *lt_nn_max_unpool2d(lt_tensor *input, lt_tensor *indices, const int64_t *output_size,
                              int64_t base) {
  lt_node *node = NULL;
  if (lt_record_begin(&node, "max_unpool2d", nn_grad_max_unpool2d, NULL, 1, &input)) return NULL;
  lt_tensor *y = lt_max_unpool2d(input, indices, output_size, base);
  int rc = 0;
  if (node && y) {
    node->ints[0] = base;
    rc = lt_node_save(node, 0, indices);
  }
  return finish(node, y, rc);
}

/* ---- normalization: inputs x, weight, bias; saved x, weight and the
 * statistics (slots 0-3) ---- */

BW(batch_norm) {
  if (lt_grad_enabled()) return refuse_create(n);
  bool need[3] = {NEED(0), NEED(1), NEED(2)};
  return lt_batch_norm_backward(g[0], lt_saved_tensor(n, 0), lt_saved_tensor(n, 1),
                                lt_saved_tensor(n, 2), lt_saved_tensor(n, 3), n->ints[0], need,
                                &gin[0], &gin[1], &gin[2]);
}

/* The running statistics are buffers updated in place by the kernel, not
 * inputs: no gradient flows to or through them. */
lt_tensor *lt_nn_batch_norm(lt_tensor *input, lt_tensor *weight, lt_tensor *bias,
                            lt_tensor *running_mean, lt_tensor *running_var, bool training,
                            double momentum, double eps, lt_tensor **save_mean,
                            lt_tensor **save_invstd) {
  lt_node *node = NULL;
  lt_tensor *in[3] = {input, weight, bias};
  *save_mean = *save_invstd = NULL;
  if (lt_record_begin(&node, "batch_norm", nn_grad_batch_norm, NULL, 3, in)) return NULL;
  lt_tensor *y = lt_batch_norm(input, weight, bias, running_mean, running_var, training, momentum,
                               eps, save_mean, save_invstd);
  int rc = 0;
  if (node && y) {
    node->ints[0] = training;
    rc = keep(node, 0, input) || keep(node, 1, weight) || keep(node, 2, *save_mean) ||
         keep(node, 3, *save_invstd);
  }
  if (node && rc) {
    lt_tensor_release(*save_mean);
    lt_tensor_release(*save_invstd);
    *save_mean = *save_invstd = NULL;
  }
  return finish(node, y, rc);
}

BW(layer_norm) {
  if (lt_grad_enabled()) return refuse_create(n);
  bool need[3] = {NEED(0), NEED(1), NEED(2)};
  return lt_layer_norm_backward(g[0], lt_saved_tensor(n, 0), (int)n->ints[0], lt_saved_tensor(n, 1),
                                lt_saved_tensor(n, 2), lt_saved_tensor(n, 3), need, &gin[0],
                                &gin[1], &gin[2]);
}

lt_tensor *lt_nn_layer_norm(lt_tensor *input, int normalized_ndim, lt_tensor *weight,
                            lt_tensor *bias, double eps, lt_tensor **mean, lt_tensor **rstd) {
  lt_node *node = NULL;
  lt_tensor *in[3] = {input, weight, bias};
  *mean = *rstd = NULL;
  if (lt_record_begin(&node, "layer_norm", nn_grad_layer_norm, NULL, 3, in)) return NULL;
  lt_tensor *y = lt_layer_norm(input, normalized_ndim, weight, bias, eps, mean, rstd);
  int rc = 0;
  if (node && y) {
    node->ints[0] = normalized_ndim;
    rc = keep(node, 0, input) || keep(node, 1, weight) || keep(node, 2, *mean) ||
         keep(node, 3, *rstd);
  }
  if (node && rc) {
    lt_tensor_release(*mean);
    lt_tensor_release(*rstd);
    *mean = *rstd = NULL;
  }
  return finish(node, y, rc);
}

/* ---- softmax, log_softmax: saved the output; ints[0] the dim ----
 * softmax: g' = y·(g - Σ g·y);  log_softmax: g' = g - exp(y)·Σ g. */

static lt_tensor *fx_sumdim(lt_fx *f, lt_tensor *t, int dim) {
  return fx_take(f, t ? lt_sum(t, dim, true) : NULL);
}

static int softmax_grad(lt_node *n, lt_tensor *const *g, lt_tensor **gin, bool log) {
  lt_tensor *y = lt_saved_tensor(n, 0);
  int dim = (int)n->ints[0];
  /* first order, or a 0-dim input (constant output, zero gradient): the kernel */
  if (!lt_grad_enabled() || y->ndim == 0) {
    gin[0] = log ? lt_log_softmax_backward(g[0], y, dim) : lt_softmax_backward(g[0], y, dim);
    return gin[0] ? 0 : -1;
  }
  lt_fx f = {0};
  if (log)
    gin[0] = fx_keep(&f, fx_sub(&f, g[0], fx_mul(&f, fx_un(&f, "exp", y), fx_sumdim(&f, g[0], dim))));
  else
    gin[0] = fx_keep(&f, fx_mul(&f, y, fx_sub(&f, g[0], fx_sumdim(&f, fx_mul(&f, g[0], y), dim))));
  return fx_end(&f);
}

BW(softmax) { return softmax_grad(n, g, gin, false); }
BW(log_softmax) { return softmax_grad(n, g, gin, true); }

static lt_tensor *softmax_rec(lt_tensor *x, int dim, bool log) {
  lt_node *node = NULL;
  if (lt_record_begin(&node, log ? "log_softmax" : "softmax",
                      log ? nn_grad_log_softmax : nn_grad_softmax, NULL, 1, &x))
    return NULL;
  lt_tensor *y = log ? lt_log_softmax(x, dim) : lt_softmax(x, dim);
  int rc = 0;
  if (node && y) {
    node->ints[0] = dim < 0 ? dim + (x->ndim ? x->ndim : 1) : dim; /* the kernel checked it */
    rc = lt_node_save_output(node, 0, y);
  }
  return finish(node, y, rc);
}

lt_tensor *lt_nn_softmax(lt_tensor *input, int dim) { return softmax_rec(input, dim, false); }
lt_tensor *lt_nn_log_softmax(lt_tensor *input, int dim) { return softmax_rec(input, dim, true); }

/* ---- classification losses: inputs x, class weights (constants: asking
 * for their gradient is an error) ----
 * ints: reduction, ignore_index, base, class dim (cross_entropy);
 * saved: x or log-probs (0), target (1), weight (2), total weight (3). */

static int no_weight_grad(const lt_node *n, int j, const char *what) {
  if (!NEED(j)) return 0;
  return lt_errorf("%s: no gradient with respect to %s (pass %s:detach())", n->name, what, what);
}

BW(nll_loss) {
  if (no_weight_grad(n, 1, "weight")) return -1;
  if (lt_grad_enabled()) return refuse_create(n);
  gin[0] = lt_nll_loss_backward(g[0], lt_saved_tensor(n, 0), lt_saved_tensor(n, 1),
                                lt_saved_tensor(n, 2), (lt_loss_reduction)n->ints[0], n->ints[1],
                                n->ints[2], lt_saved_tensor(n, 3));
  return gin[0] ? 0 : -1;
}

lt_tensor *lt_nn_nll_loss(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                          lt_loss_reduction reduction, int64_t ignore_index, int64_t base,
                          lt_tensor **total_weight) {
  lt_node *node = NULL;
  lt_tensor *in[2] = {input, weight};
  *total_weight = NULL;
  if (lt_record_begin(&node, "nll_loss", nn_grad_nll_loss, NULL, 2, in)) return NULL;
  lt_tensor *y = lt_nll_loss(input, target, weight, reduction, ignore_index, base, total_weight);
  int rc = 0;
  if (node && y) {
    node->ints[0] = reduction;
    node->ints[1] = ignore_index;
    node->ints[2] = base;
    rc = keep(node, 0, input) || keep(node, 1, target) || keep(node, 2, weight) ||
         keep(node, 3, *total_weight);
  }
  if (node && rc) {
    lt_tensor_release(*total_weight);
    *total_weight = NULL;
  }
  return finish(node, y, rc);
}

/* outputs: the loss (0) and the log-probabilities (1), both differentiable */
BW(cross_entropy) {
  if (no_weight_grad(n, 1, "weight")) return -1;
  if (lt_grad_enabled()) return refuse_create(n);
  lt_tensor *lp = lt_saved_tensor(n, 0), *gx = NULL;
  if (g[0] && !(gx = lt_cross_entropy_backward(g[0], lp, lt_saved_tensor(n, 1),
                                               lt_saved_tensor(n, 2), (lt_loss_reduction)n->ints[0],
                                               n->ints[1], n->ints[2], lt_saved_tensor(n, 3))))
    return -1;
  if (g[1]) {
    lt_tensor *gl = lt_log_softmax_backward(g[1], lp, (int)n->ints[3]);
    lt_tensor *sum = gl && gx ? lt_add(gx, gl) : gl;
    if (sum != gl) lt_tensor_release(gl);
    lt_tensor_release(gx);
    if (!(gx = sum)) return -1;
  }
  gin[0] = gx;
  return 0;
}

lt_tensor *lt_nn_cross_entropy(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                               lt_loss_reduction reduction, int64_t ignore_index, int64_t base,
                               lt_tensor **log_probs, lt_tensor **total_weight) {
  lt_node *node = NULL;
  lt_tensor *in[2] = {input, weight};
  *log_probs = *total_weight = NULL;
  if (lt_record_begin_ex(&node, "cross_entropy", nn_grad_cross_entropy, NULL, 2, in, 2, 0))
    return NULL;
  lt_tensor *out[3] = {lt_cross_entropy(input, target, weight, reduction, ignore_index, base,
                                        log_probs, total_weight)};
  out[1] = *log_probs;
  out[2] = *total_weight;
  int rc = out[0] ? 0 : -1;
  if (node && !rc) {
    node->ints[0] = reduction;
    node->ints[1] = ignore_index;
    node->ints[2] = base;
    node->ints[3] = input->ndim == 1 ? 0 : 1;
    rc = keep_alias(node, 0, out[1]) || keep(node, 1, target) || keep(node, 2, weight) ||
         keep(node, 3, out[2]);
  }
  static const bool diff[3] = {true, true, false};
  if (finish_n(node, rc, 3, out, diff)) {
    *log_probs = *total_weight = NULL;
    return NULL;
  }
  return out[0];
}

/* ---- pointwise losses: inputs x, target (, weight, pos_weight) ----
 * saved in the same order; ints[0] reduction, params[0] beta (smooth L1). */

static lt_tensor *neg(lt_tensor *t) { return t ? lt_unary_by_name("neg", t) : NULL; }

/* mse and smooth L1: the target's gradient is minus the input's */
static int input_target(lt_node *n, lt_tensor *gx, lt_tensor **gin) {
  if (!gx) return -1;
  gin[1] = NEED(1) ? neg(gx) : NULL;
  if (NEED(0)) gin[0] = gx;
  else lt_tensor_release(gx);
  return NEED(1) && !gin[1] ? -1 : 0;
}

BW(mse_loss) {
  lt_tensor *x = lt_saved_tensor(n, 0), *t = lt_saved_tensor(n, 1);
  lt_loss_reduction red = (lt_loss_reduction)n->ints[0];
  if (!lt_grad_enabled()) return input_target(n, lt_mse_loss_backward(g[0], x, t, red), gin);
  /* createGraph: 2·(x - t)·g (÷ n for the mean), from recorded ops */
  lt_fx f = {0};
  double c = red == LT_REDUCE_MEAN ? 2.0 / (double)lt_tensor_numel(x) : 2.0;
  lt_tensor *gx = fx_mul(&f, fx_muls(&f, fx_sub(&f, x, t), c), g[0]);
  if (NEED(0)) gin[0] = fx_keep(&f, gx);
  if (NEED(1)) gin[1] = fx_keep(&f, fx_neg(&f, gx));
  return fx_end(&f);
}

BW(smooth_l1_loss) {
  if (lt_grad_enabled()) return refuse_create(n);
  return input_target(n, lt_smooth_l1_loss_backward(g[0], lt_saved_tensor(n, 0), lt_saved_tensor(n, 1),
                                                    (lt_loss_reduction)n->ints[0], n->params[0]),
                      gin);
}

static lt_tensor *pointwise_rec(const char *name, lt_backward_fn bw, int k, lt_tensor *x,
                                lt_tensor *t, lt_tensor *w, lt_tensor *pw,
                                lt_loss_reduction red, double beta) {
  lt_node *node = NULL;
  lt_tensor *in[4] = {x, t, w, pw};
  if (lt_record_begin(&node, name, bw, NULL, k, in)) return NULL;
  lt_tensor *y = k == 2   ? (bw == nn_grad_mse_loss ? lt_mse_loss(x, t, red)
                                                     : lt_smooth_l1_loss(x, t, red, beta))
                 : k == 3 ? lt_bce_loss(x, t, w, red)
                          : lt_bce_with_logits(x, t, w, pw, red);
  int rc = 0;
  if (node && y) {
    node->ints[0] = red;
    node->params[0] = beta;
    for (int j = 0; j < k && !rc; j++) rc = keep(node, j, in[j]);
  }
  return finish(node, y, rc);
}

lt_tensor *lt_nn_mse_loss(lt_tensor *input, lt_tensor *target, lt_loss_reduction reduction) {
  return pointwise_rec("mse_loss", nn_grad_mse_loss, 2, input, target, NULL, NULL, reduction, 0);
}
lt_tensor *lt_nn_smooth_l1_loss(lt_tensor *input, lt_tensor *target, lt_loss_reduction reduction,
                                double beta) {
  return pointwise_rec("smooth_l1_loss", nn_grad_smooth_l1_loss, 2, input, target, NULL, NULL,
                       reduction, beta);
}

/* bce: the input's gradient only (target and weights are data) */
static int bce_constants(const lt_node *n) {
  return no_weight_grad(n, 1, "target") || (n->nin > 2 && no_weight_grad(n, 2, "weight")) ||
         (n->nin > 3 && no_weight_grad(n, 3, "pos_weight"));
}

BW(bce_loss) {
  if (bce_constants(n)) return -1;
  if (lt_grad_enabled()) return refuse_create(n);
  gin[0] = lt_bce_loss_backward(g[0], lt_saved_tensor(n, 0), lt_saved_tensor(n, 1),
                                lt_saved_tensor(n, 2), (lt_loss_reduction)n->ints[0]);
  return gin[0] ? 0 : -1;
}

BW(bce_with_logits) {
  if (bce_constants(n)) return -1;
  if (lt_grad_enabled()) return refuse_create(n);
  gin[0] = lt_bce_with_logits_backward(g[0], lt_saved_tensor(n, 0), lt_saved_tensor(n, 1),
                                       lt_saved_tensor(n, 2), lt_saved_tensor(n, 3),
                                       (lt_loss_reduction)n->ints[0]);
  return gin[0] ? 0 : -1;
}

lt_tensor *lt_nn_bce_loss(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                          lt_loss_reduction reduction) {
  return pointwise_rec("bce_loss", nn_grad_bce_loss, 3, input, target, weight, NULL, reduction, 0);
}
lt_tensor *lt_nn_bce_with_logits(lt_tensor *input, lt_tensor *target, lt_tensor *weight,
                                 lt_tensor *pos_weight, lt_loss_reduction reduction) {
  return pointwise_rec("bce_with_logits", nn_grad_bce_with_logits, 4, input, target, weight,
                       pos_weight, reduction, 0);
}

/* ---- activations ----
 * <act>(x) records a node whose backward is <act>_backward(g, x): the fused
 * kernel, itself recorded as an op whose gradient is <act>_backward again
 * for g and g·f''(x) for x (composed; zero for the piecewise-linear ones),
 * so gradients of any order work. ints[0] the kind, params[0..2]. */

typedef enum { A_GELU, A_ELU, A_SELU, A_LEAKY_RELU, A_HARDTANH, A_RELU6, A_SOFTPLUS } act_kind;
static const char *const act_name[] = {"gelu", "elu", "selu", "leaky_relu", "hardtanh", "relu6",
                                       "softplus"};
static const char *const act_bw_name[] = {"gelu_backward", "elu_backward", "selu_backward",
                                          "leaky_relu_backward", "hardtanh_backward",
                                          "relu6_backward", "softplus_backward"};

#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_SCALE 1.0507009873554804934193349852946

static lt_tensor *act_raw(act_kind k, lt_tensor *x, const double *p) {
  switch (k) {
  case A_GELU: return lt_gelu(x);
  case A_ELU: return lt_elu(x, p[0], p[1], p[2]);
  case A_SELU: return lt_selu(x);
  case A_LEAKY_RELU: return lt_leaky_relu(x, p[0]);
  case A_HARDTANH: return lt_hardtanh(x, p[0], p[1]);
  case A_RELU6: return lt_relu6(x);
  default: return lt_softplus(x, p[0], p[1]);
  }
}

static lt_tensor *act_raw_bw(act_kind k, lt_tensor *g, lt_tensor *x, const double *p) {
  switch (k) {
  case A_GELU: return lt_gelu_backward(g, x);
  case A_ELU: return lt_elu_backward(g, x, p[0], p[1], p[2]);
  case A_SELU: return lt_selu_backward(g, x);
  case A_LEAKY_RELU: return lt_leaky_relu_backward(g, x, p[0]);
  case A_HARDTANH: return lt_hardtanh_backward(g, x, p[0], p[1]);
  case A_RELU6: return lt_relu6_backward(g, x);
  default: return lt_softplus_backward(g, x, p[0], p[1]);
  }
}

/* f''(x) from recorded ops; NULL (f not failed) where it is zero */
static lt_tensor *act_second(lt_fx *f, act_kind k, lt_tensor *x, const double *p) {
  switch (k) {
  case A_GELU: { /* φ(x)·(2 - x²) */
    lt_tensor *x2 = fx_mul(f, x, x);
    return fx_mul(f, fx_muls(f, fx_un(f, "exp", fx_muls(f, x2, -0.5)), 0.5 * M_2_SQRTPI * M_SQRT1_2),
                  fx_rsub(f, 2, x2));
  }
  case A_ELU:
  case A_SELU: { /* 0 for x > 0, else scale·alpha·s²·exp(s·x) */
    bool selu = k == A_SELU;
    double a = selu ? SELU_ALPHA : p[0], sc = selu ? SELU_SCALE : p[1], is = selu ? 1 : p[2];
    lt_tensor *e = fx_muls(f, fx_un(f, "exp", fx_muls(f, x, is)), sc * a * is * is);
    lt_tensor *zero = fx_scalar(f, x->dtype, 0);
    return fx_where(f, fx_bin(f, "gt", x, zero), zero, e);
  }
  case A_SOFTPLUS: { /* β·σ(βx)·(1 - σ(βx)), 0 where βx > threshold (linear there) */
    lt_tensor *bx = fx_muls(f, x, p[0]), *s = fx_un(f, "sigmoid", bx);
    lt_tensor *d = fx_muls(f, fx_mul(f, s, fx_rsub(f, 1, s)), p[0]);
    return fx_where(f, fx_bin(f, "gt", bx, fx_scalar(f, x->dtype, p[1])),
                    fx_scalar(f, x->dtype, 0), d);
  }
  default: return NULL;
  }
}

static lt_tensor *act_bw_rec(act_kind k, lt_tensor *g, lt_tensor *x, const double *p);

/* node <act>_backward: inputs g (0), x (1), both saved */
BW(act_bw) {
  act_kind k = (act_kind)n->ints[0];
  lt_tensor *go = lt_saved_tensor(n, 0), *x = lt_saved_tensor(n, 1);
  if (NEED(0) && !(gin[0] = act_bw_rec(k, g[0], x, n->params))) return -1;
  if (!NEED(1)) return 0;
  lt_fx f = {0};
  lt_tensor *d = act_second(&f, k, x, n->params);
  if (d) gin[1] = fx_keep(&f, fx_mul(&f, fx_mul(&f, g[0], go), d));
  return fx_end(&f);
}

static lt_tensor *act_bw_rec(act_kind k, lt_tensor *g, lt_tensor *x, const double *p) {
  lt_node *node = NULL;
  lt_tensor *in[2] = {g, x};
  if (lt_record_begin(&node, act_bw_name[k], nn_grad_act_bw, NULL, 2, in)) return NULL;
  lt_tensor *r = act_raw_bw(k, g, x, p);
  int rc = 0;
  if (node && r) {
    node->ints[0] = k;
    for (int i = 0; i < 3; i++) node->params[i] = p[i];
    rc = lt_node_save(node, 0, g) || lt_node_save(node, 1, x);
  }
  return finish(node, r, rc);
}

/* node <act>: input x, saved */
BW(act) {
  gin[0] = act_bw_rec((act_kind)n->ints[0], g[0], lt_saved_tensor(n, 0), n->params);
  return gin[0] ? 0 : -1;
}

static lt_tensor *act_rec(act_kind k, lt_tensor *x, double p0, double p1, double p2) {
  double p[3] = {p0, p1, p2};
  lt_node *node = NULL;
  if (lt_record_begin(&node, act_name[k], nn_grad_act, NULL, 1, &x)) return NULL;
  lt_tensor *y = act_raw(k, x, p);
  int rc = 0;
  if (node && y) {
    node->ints[0] = k;
    for (int i = 0; i < 3; i++) node->params[i] = p[i];
    rc = lt_node_save(node, 0, x);
  }
  return finish(node, y, rc);
}

lt_tensor *lt_nn_gelu(lt_tensor *x) { return act_rec(A_GELU, x, 0, 0, 0); }
lt_tensor *lt_nn_elu(lt_tensor *x, double alpha, double scale, double input_scale) {
  return act_rec(A_ELU, x, alpha, scale, input_scale);
}
lt_tensor *lt_nn_selu(lt_tensor *x) { return act_rec(A_SELU, x, 0, 0, 0); }
lt_tensor *lt_nn_leaky_relu(lt_tensor *x, double negative_slope) {
  return act_rec(A_LEAKY_RELU, x, negative_slope, 0, 0);
}
lt_tensor *lt_nn_hardtanh(lt_tensor *x, double min, double max) {
  return act_rec(A_HARDTANH, x, min, max, 0);
}
lt_tensor *lt_nn_relu6(lt_tensor *x) { return act_rec(A_RELU6, x, 0, 0, 0); }
lt_tensor *lt_nn_softplus(lt_tensor *x, double beta, double threshold) {
  return act_rec(A_SOFTPLUS, x, beta, threshold, 0);
}

/* ---- recurrent cells ---- */

/* lstm_cell: inputs x, h, c, w_ih, w_hh, b_ih, b_hh; outputs h', c'
 * (gates: no gradient); kept x, h, w_ih, w_hh, c, gates, c' (an alias). */
BW(lstm_cell) {
  if (lt_grad_enabled()) return refuse_create(n);
  if (check_more(n)) return -1;
  /* the parameters' gradients go straight into the engine's accumulators
   * where it offers them (leaves, without createGraph) */
  lt_tensor *acc[4] = {0};
  bool cpu = kept(n, 0) && lt_tensor_device(kept(n, 0)).type == LT_CPU;
  for (int k = 0; k < 4; k++)
    if (cpu && NEED(3 + k)) acc[k] = lt_grad_accumulator(n, 3 + k);
  bool need[6] = {NEED(0), NEED(1), NEED(2), NEED(3) && !acc[0], NEED(4) && !acc[1],
                  (NEED(5) && !acc[2]) || (NEED(6) && !acc[3])};
  lt_tensor *gb = NULL;
  int rc = lt_lstm_cell_backward_acc(g[0], g[1], kept(n, 0), kept(n, 1), kept(n, 4), kept(n, 2),
                                     kept(n, 3), kept(n, 5), kept(n, 6), need, acc, &gin[0],
                                     &gin[1], &gin[2], &gin[3], &gin[4], &gb);
  if (!rc && gb) {
    if (NEED(5) && !acc[2]) lt_tensor_retain(gin[5] = gb);
    if (NEED(6) && !acc[3]) lt_tensor_retain(gin[6] = gb);
  }
  lt_tensor_release(gb);
  return rc;
}

int lt_nn_lstm_cell(lt_tensor *x, lt_tensor *h, lt_tensor *c, lt_tensor *w_ih, lt_tensor *w_hh,
                    lt_tensor *b_ih, lt_tensor *b_hh, lt_tensor **h_out, lt_tensor **c_out,
                    lt_tensor **gates) {
  lt_node *node = NULL;
  lt_tensor *in[7] = {x, h, c, w_ih, w_hh, b_ih, b_hh}, *out[3] = {0};
  *h_out = *c_out = *gates = NULL;
  if (lt_record_begin_ex(&node, "lstm_cell", nn_grad_lstm_cell, NULL, 7, in, 2, 0)) return -1;
  int rc = lt_lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh, &out[0], &out[1], &out[2]);
  if (node && !rc)
    rc = keep(node, 0, x) || keep(node, 1, h) || keep(node, 2, w_ih) || keep(node, 3, w_hh) ||
         keep(node, 4, c) || keep(node, 5, out[2]) || keep_alias(node, 6, out[1]);
  static const bool diff[3] = {true, true, false};
  if (finish_n(node, rc, 3, out, diff)) return -1;
  *h_out = out[0];
  *c_out = out[1];
  *gates = out[2];
  return 0;
}

/* lstm_pointwise: inputs pre, c; outputs h', c'; kept c, gates, c' */
BW(lstm_pointwise) {
  if (lt_grad_enabled()) return refuse_create(n);
  lt_tensor *r[2] = {0};
  int rc = lt_lstm_pointwise_backward(g[0], g[1], lt_saved_tensor(n, 0), lt_saved_tensor(n, 1),
                                      lt_saved_tensor(n, 2), &r[0], &r[1]);
  for (int j = 0; j < 2; j++) {
    if (!rc && NEED(j)) gin[j] = r[j];
    else lt_tensor_release(r[j]);
  }
  return rc;
}

int lt_nn_lstm_pointwise(lt_tensor *pre, lt_tensor *c, lt_tensor **h_out, lt_tensor **c_out,
                         lt_tensor **gates) {
  lt_node *node = NULL;
  lt_tensor *in[2] = {pre, c}, *out[3] = {0};
  *h_out = *c_out = *gates = NULL;
  if (lt_record_begin_ex(&node, "lstm_pointwise", nn_grad_lstm_pointwise, NULL, 2, in, 2, 0))
    return -1;
  int rc = lt_lstm_pointwise(pre, c, &out[0], &out[1], &out[2]);
  if (node && !rc) rc = keep(node, 0, c) || keep(node, 1, out[2]) || keep_alias(node, 2, out[1]);
  static const bool diff[3] = {true, true, false};
  if (finish_n(node, rc, 3, out, diff)) return -1;
  *h_out = out[0];
  *c_out = out[1];
  *gates = out[2];
  return 0;
}

/* gru_cell: inputs x, h, w_ih, w_hh, b_ih, b_hh; output h' (workspace: no
 * gradient); kept x, h, w_ih, w_hh, workspace */
BW(gru_cell) {
  if (lt_grad_enabled()) return refuse_create(n);
  if (check_more(n)) return -1;
  bool need[6] = {NEED(0), NEED(1), NEED(2), NEED(3), NEED(4), NEED(5)};
  return lt_gru_cell_backward(g[0], kept(n, 0), kept(n, 1), kept(n, 2), kept(n, 3), kept(n, 4),
                              need, &gin[0], &gin[1], &gin[2], &gin[3], &gin[4], &gin[5]);
}

int lt_nn_gru_cell(lt_tensor *x, lt_tensor *h, lt_tensor *w_ih, lt_tensor *w_hh, lt_tensor *b_ih,
                   lt_tensor *b_hh, lt_tensor **h_out, lt_tensor **ws) {
  lt_node *node = NULL;
  lt_tensor *in[6] = {x, h, w_ih, w_hh, b_ih, b_hh}, *out[2] = {0};
  *h_out = *ws = NULL;
  if (lt_record_begin_ex(&node, "gru_cell", nn_grad_gru_cell, NULL, 6, in, 1, 0)) return -1;
  int rc = lt_gru_cell(x, h, w_ih, w_hh, b_ih, b_hh, &out[0], &out[1]);
  if (node && !rc)
    rc = keep(node, 0, x) || keep(node, 1, h) || keep(node, 2, w_ih) || keep(node, 3, w_hh) ||
         keep(node, 4, out[1]);
  static const bool diff[2] = {true, false};
  if (finish_n(node, rc, 2, out, diff)) return -1;
  *h_out = out[0];
  *ws = out[1];
  return 0;
}
