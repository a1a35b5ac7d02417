/* Activations with their backward, as elementwise kernels run by the
 * generic dispatcher (broadcasting, any layout, parallel). Each backward
 * reads the forward's input x: g·f'(x) in one pass. The op records used
 * here are private (the table's entries are in nn_table.c) and marked
 * non-differentiable: these are raw kernels, autograd wraps them. */
#include "loops.h"
#include "nn_util.h"

#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_SCALE 1.0507009873554804934193349852946

/* forward f(x) with params prm[], backward (x = g, y = input) */
LOOPS_F(UNARY_LOOP, gelu, x * (elem_t)0.5 * (1 + erf(x * (elem_t)M_SQRT1_2)))
LOOPS_F(BINARY_LOOP, gelu_bw,
        x * ((elem_t)0.5 * (1 + erf(y * (elem_t)M_SQRT1_2)) +
             y * exp(-(elem_t)0.5 * y * y) * (elem_t)(0.5 * M_2_SQRTPI * M_SQRT1_2)))
LOOPS_F(UNARY_LOOP, elu, x > 0 ? P1 * x : P1 * P0 * expm1(x * P2))
LOOPS_F(BINARY_LOOP, elu_bw, y > 0 ? x * P1 : x * P1 * P0 * P2 * exp(y * P2))
LOOPS_F(UNARY_LOOP, leaky_relu, x > 0 ? x : x * P0)
LOOPS_F(BINARY_LOOP, leaky_relu_bw, y > 0 ? x : x * P0)
LOOPS_F(UNARY_LOOP, hardtanh, x < P0 ? P0 : x > P1 ? P1 : x)
LOOPS_F(BINARY_LOOP, hardtanh_bw, y > P0 && y < P1 ? x : 0)
LOOPS_F(UNARY_LOOP, softplus, x * P0 > P1 ? x : log1p(exp(x * P0)) / P0)
LOOPS_F(BINARY_LOOP, softplus_bw, y * P0 > P1 ? x : x / (1 + exp(-y * P0)))

#define ACT(NAME, KIND, NP, LOOP) \
  static const lt_opdef k_##NAME = {#NAME, KIND, LT_OPF_FLOAT | LT_OPF_NONDIFF, NP, {ENTRIES_F(LOOP)}, NULL};
ACT(gelu, LT_KIND_UNARY, 0, gelu)
ACT(gelu_backward, LT_KIND_BINARY, 0, gelu_bw)
ACT(elu, LT_KIND_UNARY, 3, elu)
ACT(elu_backward, LT_KIND_BINARY, 3, elu_bw)
ACT(selu, LT_KIND_UNARY, 3, elu)
ACT(selu_backward, LT_KIND_BINARY, 3, elu_bw)
ACT(leaky_relu, LT_KIND_UNARY, 1, leaky_relu)
ACT(leaky_relu_backward, LT_KIND_BINARY, 1, leaky_relu_bw)
ACT(hardtanh, LT_KIND_UNARY, 2, hardtanh)
ACT(hardtanh_backward, LT_KIND_BINARY, 2, hardtanh_bw)
ACT(relu6, LT_KIND_UNARY, 2, hardtanh)
ACT(relu6_backward, LT_KIND_BINARY, 2, hardtanh_bw)
ACT(softplus, LT_KIND_UNARY, 2, softplus)
ACT(softplus_backward, LT_KIND_BINARY, 2, softplus_bw)

/* kind: the device entry's LT_NN_* (device_nn.h), for device tensors */
static lt_tensor *fwd(const lt_opdef *op, int kind, lt_tensor *x, const double *prm) {
  if (nn_check_float(op->name, "input", x)) return NULL;
  NN_ON_DEVICE(NULL, op->name, x, activation, kind, NULL, x, prm);
  return lt_unary(op, NULL, x, prm);
}

static lt_tensor *bwd(const lt_opdef *op, int kind, lt_tensor *g, lt_tensor *x,
                      const double *prm) {
  if (nn_check_float(op->name, "gradOutput", g) || nn_check_float(op->name, "input", x) ||
      nn_check_like(op->name, "gradOutput", g, x->dtype))
    return NULL;
  if (!lt_tensor_same_shape(g, x)) {
    char a[96], b[96];
    return lt_error("%s: gradOutput has size %s but input has size %s", op->name,
                    lt_shape_str(g->ndim, g->size, a, 96), lt_shape_str(x->ndim, x->size, b, 96));
  }
  const lt_tensor *devs[2] = {x, g};
  static const char *const dev_names[2] = {"input", "gradOutput"};
  if (nn_check_devices(op->name, 2, devs, dev_names)) return NULL;
  NN_ON_DEVICE(NULL, op->name, x, activation, kind, g, x, prm);
  return lt_binary(op, NULL, g, x, prm);
}

lt_tensor *lt_gelu(lt_tensor *x) { return fwd(&k_gelu, LT_NN_GELU, x, NULL); }
lt_tensor *lt_gelu_backward(lt_tensor *g, lt_tensor *x) {
  return bwd(&k_gelu_backward, LT_NN_GELU, g, x, NULL);
}

lt_tensor *lt_elu(lt_tensor *x, double alpha, double scale, double input_scale) {
  double p[3] = {alpha, scale, input_scale};
  return fwd(&k_elu, LT_NN_ELU, x, p);
}
lt_tensor *lt_elu_backward(lt_tensor *g, lt_tensor *x, double alpha, double scale,
                           double input_scale) {
  double p[3] = {alpha, scale, input_scale};
  return bwd(&k_elu_backward, LT_NN_ELU, g, x, p);
}

static const double selu_p[3] = {SELU_ALPHA, SELU_SCALE, 1};
lt_tensor *lt_selu(lt_tensor *x) { return fwd(&k_selu, LT_NN_ELU, x, selu_p); }
lt_tensor *lt_selu_backward(lt_tensor *g, lt_tensor *x) {
  return bwd(&k_selu_backward, LT_NN_ELU, g, x, selu_p);
}

lt_tensor *lt_leaky_relu(lt_tensor *x, double slope) {
  return fwd(&k_leaky_relu, LT_NN_LEAKY_RELU, x, &slope);
}
lt_tensor *lt_leaky_relu_backward(lt_tensor *g, lt_tensor *x, double slope) {
  return bwd(&k_leaky_relu_backward, LT_NN_LEAKY_RELU, g, x, &slope);
}

lt_tensor *lt_hardtanh(lt_tensor *x, double min, double max) {
  if (min > max) return lt_error("hardtanh: min %g is greater than max %g", min, max);
  double p[2] = {min, max};
  return fwd(&k_hardtanh, LT_NN_HARDTANH, x, p);
}
lt_tensor *lt_hardtanh_backward(lt_tensor *g, lt_tensor *x, double min, double max) {
  double p[2] = {min, max};
  return bwd(&k_hardtanh_backward, LT_NN_HARDTANH, g, x, p);
}

static const double relu6_p[2] = {0, 6};
lt_tensor *lt_relu6(lt_tensor *x) { return fwd(&k_relu6, LT_NN_HARDTANH, x, relu6_p); }
lt_tensor *lt_relu6_backward(lt_tensor *g, lt_tensor *x) {
  return bwd(&k_relu6_backward, LT_NN_HARDTANH, g, x, relu6_p);
}

lt_tensor *lt_softplus(lt_tensor *x, double beta, double threshold) {
  if (beta == 0) return lt_error("softplus: beta must not be 0");
  double p[2] = {beta, threshold};
  return fwd(&k_softplus, LT_NN_SOFTPLUS, x, p);
}
lt_tensor *lt_softplus_backward(lt_tensor *g, lt_tensor *x, double beta, double threshold) {
  if (beta == 0) return lt_error("softplus_backward: beta must not be 0");
  double p[2] = {beta, threshold};
  return bwd(&k_softplus_backward, LT_NN_SOFTPLUS, g, x, p);
}
