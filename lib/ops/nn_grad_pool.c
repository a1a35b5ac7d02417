/* Autograd of the 2-D pooling ops (nn_pool.c): max, average, adaptive
 * max/average and max-unpooling. The indices of the max pools are a
 * by-product without gradient, saved for the backward kernels.
 * Conventions shared by all the nn wrappers: nn_grad.h. */
#include "nn_grad.h"

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
