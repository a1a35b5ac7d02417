/* Autograd through the C API alone: recording, backward, grad mode,
 * broadcasting, in-place rules, the recording API an op family uses, and a
 * 200 000-node chain (built and freed without recursion). */
#include <string.h>

#include "check.h"
#include "lutorch/lutorch.h"

static lt_tensor *vec(int n, const double *v) {
  int64_t s[1] = {n};
  lt_tensor *t = lt_tensor_empty(LT_FLOAT64, 1, s);
  for (int i = 0; i < n; i++) ((double *)lt_tensor_data(t))[i] = v[i];
  return t;
}

static double at(const lt_tensor *t, int i) {
  return lt_dtype_load(t->dtype, (char *)lt_tensor_data(t) + i * t->stride[0] * (int64_t)lt_dtype_size(t->dtype));
}

static void test_basic(void) {
  double xv[2] = {1, 2};
  lt_tensor *x = vec(2, xv);
  CHECK(lt_set_requires_grad(x, true) == 0);
  lt_tensor *y = lt_mul(x, x);                  /* x^2 */
  lt_tensor *z = lt_unary_by_name("exp", y);    /* exp(x^2) */
  CHECK(lt_requires_grad(z) && !lt_is_leaf(z) && strcmp(lt_grad_fn_name(z), "exp") == 0);
  lt_tensor *s = lt_sum_to_shape(z, 0, NULL);
  CHECK(s && s->ndim == 0);
  CHECK(lt_backward(s, NULL, 0) == 0);
  lt_tensor *g = lt_get_grad(x);
  CHECK(g && fabs(at(g, 0) - 2 * exp(1.0)) < 1e-12 && fabs(at(g, 1) - 4 * exp(4.0)) < 1e-9);
  CHECK(lt_backward(s, NULL, 0) == -1 && strstr(lt_last_error(), "already freed"));
  lt_tensor_release(s);
  lt_tensor_release(z);
  lt_tensor_release(y);
  lt_tensor_release(x);
}

static void test_grad_mode_and_inplace(void) {
  double xv[2] = {1, 2};
  lt_tensor *x = vec(2, xv);
  lt_set_requires_grad(x, true);
  bool prev = lt_set_grad_enabled(false);
  lt_tensor *y = lt_mul(x, x);
  CHECK(!lt_requires_grad(y));
  lt_set_grad_enabled(prev);
  lt_tensor_release(y);
  /* x += x: plain values into a leaf (Torch7's w:add(...)), unrecorded */
  static const double one[1] = {1};
  lt_tensor *r = lt_binary(lt_op_find("add"), x, x, x, one);
  CHECK(r == x);
  if (r) lt_tensor_release(r);
  CHECK(lt_requires_grad(x) && lt_is_leaf(x));
  CHECK(at(x, 1) == 4);
  /* values with another history cannot flow into the leaf */
  lt_tensor *z = vec(2, xv);
  lt_set_requires_grad(z, true);
  CHECK(lt_binary(lt_op_find("add"), x, x, z, one) == NULL);
  CHECK(strstr(lt_last_error(), "leaf tensor that requires grad") != NULL);
  lt_tensor_release(z);
  lt_tensor_release(x);
}

static void test_broadcast(void) {
  double xv[3] = {1, 2, 3};
  lt_tensor *x = vec(3, xv);
  lt_set_requires_grad(x, true);
  int64_t s[2] = {4, 3};
  lt_tensor *o = lt_tensor_empty(LT_FLOAT64, 2, s);
  lt_fill_(o, 2);
  lt_tensor *y = lt_mul(x, o); /* 4x3 */
  lt_tensor *gy = lt_tensor_empty(LT_FLOAT64, 2, s);
  lt_fill_(gy, 1);
  CHECK(lt_backward(y, gy, 0) == 0);
  lt_tensor *g = lt_get_grad(x);
  CHECK(g && g->ndim == 1 && g->size[0] == 3 && at(g, 0) == 8 && at(g, 2) == 8);
  lt_tensor_release(gy);
  lt_tensor_release(y);
  lt_tensor_release(o);
  lt_tensor_release(x);
}

/* An op written the way an op family records: square with its backward. */
static int square_backward(lt_node *n, lt_tensor *const *g, lt_tensor **gin) {
  lt_tensor *t = lt_mul_scalar(lt_saved_tensor(n, 0), n->params[0]);
  if (!t) return -1;
  gin[0] = lt_mul(g[0], t);
  lt_tensor_release(t);
  return gin[0] ? 0 : -1;
}

static lt_tensor *square(lt_tensor *x) {
  lt_node *node = NULL;
  if (lt_record_begin(&node, "square", square_backward, NULL, 1, &x)) return NULL;
  if (node) {
    node->params[0] = 2;
    lt_node_save(node, 0, x);
  }
  lt_tensor *out = lt_mul(x, x); /* not recorded: grad mode is off meanwhile */
  return lt_record_end(node, out);
}

static void test_recording_api(void) {
  double xv[2] = {3, -1};
  lt_tensor *x = vec(2, xv);
  lt_set_requires_grad(x, true);
  lt_tensor *y = square(x);
  CHECK(y && strcmp(lt_grad_fn_name(y), "square") == 0);
  CHECK(lt_grad_enabled());
  double gv[2] = {1, 1};
  lt_tensor *gy = vec(2, gv), *gx = NULL;
  CHECK(lt_autograd_run(1, &y, &gy, 1, &x, &gx, 0) == 0);
  CHECK(gx && at(gx, 0) == 6 && at(gx, 1) == -2);
  CHECK(lt_get_grad(x) == NULL);
  lt_tensor_release(gx);
  lt_tensor_release(gy);
  lt_tensor_release(y);
  lt_tensor_release(x);
}

static void test_long_chain(void) {
  long nodes = lt_autograd_live_nodes();
  double xv[1] = {1};
  lt_tensor *x = vec(1, xv);
  lt_set_requires_grad(x, true);
  lt_tensor *h = x;
  lt_tensor_retain(h);
  for (int i = 0; i < 200000; i++) {
    lt_tensor *n = lt_add_scalar(h, 1e-6);
    lt_tensor_release(h);
    h = n;
  }
  CHECK(lt_autograd_live_nodes() == nodes + 200000);
  CHECK(lt_backward(h, NULL, LT_BACKWARD_RETAIN) == 0);
  CHECK(at(lt_get_grad(x), 0) == 1);
  lt_tensor_release(h); /* frees 200 000 nodes, iteratively */
  CHECK(lt_autograd_live_nodes() == nodes);
  lt_tensor_release(x);
}

int main(void) {
  test_basic();
  test_grad_mode_and_inplace();
  test_broadcast();
  test_recording_api();
  test_long_chain();
  return check_summary("test_autograd");
}
