/* Autograd of batch and layer normalization (nn_norm.c): the saved
 * statistics feed the fused backward kernels; the running statistics are
 * buffers, outside the graph. Conventions shared by all the nn wrappers:
 * nn_grad.h. */
#include "nn_grad.h"

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
