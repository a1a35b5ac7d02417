/* Autograd of softmax and log_softmax (nn_softmax.c): the fused backward
 * kernel at first order, the same formula from recorded ops under
 * createGraph, so gradients of any order work. Conventions shared by all
 * the nn wrappers: nn_grad.h. */
#include "../autograd/formula.h"
#include "lutorch/reduce.h"
#include "nn_grad.h"

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
