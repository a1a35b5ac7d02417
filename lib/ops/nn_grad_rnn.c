/* Autograd of the recurrent cells (nn_lstm.c, nn_gru.c): lstm_cell,
 * lstm_pointwise and gru_cell, each one tape node per step. The cells keep
 * more than the node's four slots (node->ctx, version-checked); the LSTM
 * cell's weight and bias gradients go straight into the engine's
 * accumulators. Conventions shared by all the nn wrappers: nn_grad.h. */
#include "nn_grad.h"
#include "nn_rnn.h"

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
