/* Autograd of the losses (nn_loss.c): nll_loss and cross_entropy, whose
 * class weights are constants, and the pointwise losses mse, smooth_l1,
 * bce and bce_with_logits (mse also under createGraph, from recorded ops).
 * Conventions shared by all the nn wrappers: nn_grad.h. */
#include "../autograd/formula.h"
#include "nn_grad.h"

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
