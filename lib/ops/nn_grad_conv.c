/* Autograd of the convolutions (nn_conv.c): lt_nn_conv1d/2d/3d and
 * lt_nn_conv_transpose2d record one node kind, whose backward nn_grad_conv
 * picks the fused backward kernel by the saved dims and transposition.
 * Conventions shared by all the nn wrappers: nn_grad.h. */
#include "nn_grad.h"

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
