/* Autograd of the activations (nn_act.c): gelu, elu, selu, leaky_relu,
 * hardtanh, relu6 and softplus, one node kind for all (the scheme that
 * makes any order of gradient work is below). Conventions shared by all
 * the nn wrappers: nn_grad.h. */
#include <math.h>

#include "../autograd/formula.h"
#include "nn_grad.h"

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
