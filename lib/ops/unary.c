/* Unary elementwise ops: out = f(x), each with its backward.
 *
 * A backward gets g = the output's gradient and returns the input's, built
 * from lt_ ops (so it records under createGraph); what it reads was saved
 * by the dispatcher as the op's LT_SAVE_* flags say: x (slot 0) and/or the output
 * y (slot LT_SAVED_OUT). Conventions at kinks follow PyTorch: relu'(0) = 0,
 * abs'(0) = 0, sign' = 0, clamp passes the gradient where lo <= x <= hi. */
#include "../autograd/formula.h"
#include "loops.h"
#include "special.h"

static inline double sigmoid_d(double x) { return 1.0 / (1.0 + exp(-x)); }
static inline float sigmoid_f(float x) { return 1.0f / (1.0f + expf(-x)); }
#define SIGMOID(x) _Generic((x), float: sigmoid_f, default: sigmoid_d)(x)
#define SIGN(x) ((x) > 0 ? 1 : (x) < 0 ? -1 : 0)
/* round half away from zero, as Torch7 and C's round() do */
#define ROUND(x) round(x)

#define BW(NAME) static int NAME##_backward(lt_node *n, lt_tensor *const *g, lt_tensor **gin)
#define X lt_saved_tensor(n, 0)
#define Y lt_saved_tensor(n, LT_SAVED_OUT)
#define IN0 LT_SAVE_IN0
#define OUT LT_SAVE_OUT
/* one-formula backward: gin[0] = EXPR (built with the fx_ helpers on &f) */
#define BW_FORMULA(NAME, EXPR) \
  BW(NAME) {                   \
    lt_fx f = {0};             \
    gin[0] = fx_keep(&f, EXPR); \
    return fx_end(&f);         \
  }

/* An op defined on floats only: integer inputs are promoted to float32. */
#define FLOAT_OP(NAME, EXPR, FLAGS, BACKWARD, SAVES)                                       \
  LOOPS_F(UNARY_LOOP, NAME, EXPR)                                                         \
  static const lt_opdef op_##NAME = {#NAME, LT_KIND_UNARY, LT_OPF_FLOAT | (FLAGS) | (SAVES), \
                                     0, {ENTRIES_F(NAME)}, BACKWARD};

/* An op defined on all numeric dtypes (not bool). */
#define NUMERIC_OP(NAME, EXPR, IEXPR, FLAGS, BACKWARD, SAVES)                               \
  LOOPS_F(UNARY_LOOP, NAME, EXPR)                                                         \
  LOOPS_I(UNARY_LOOP, NAME, IEXPR)                                                        \
  static const lt_opdef op_##NAME = {#NAME, LT_KIND_UNARY, LT_OPF_NO_BOOL | (FLAGS) | (SAVES), \
                                     0, {ENTRIES_F(NAME) ENTRIES_I(NAME)}, BACKWARD};

/* Fused backward kernels for the hot activations: one pass instead of
 * three small ops. Internal (not in the table), and differentiable
 * themselves, so gradients of gradients still work. */
LOOPS_F(BINARY_LOOP, tanh_grad, x * (1 - y * y))       /* (g, y) */
LOOPS_F(BINARY_LOOP, sigmoid_grad, x * y * (1 - y))    /* (g, y) */
LOOPS_F(BINARY_LOOP, relu_grad, y > 0 ? x : 0)         /* (g, x) */
LOOPS_F(BINARY_LOOP, clamp_grad, y >= prm[0] && y <= prm[1] ? x : 0) /* (g, x; lo, hi) */

/* d/dg tanh_grad(g, y) = 1 - y^2; d/dy = -2 g y */
BW(tanh_grad);
BW(sigmoid_grad);
BW(relu_grad);
BW(clamp_grad);
static const lt_opdef op_tanh_grad = {"tanh_backward", LT_KIND_BINARY,
                                      LT_OPF_FLOAT | LT_SAVE_IN0 | LT_SAVE_IN1, 0,
                                      {ENTRIES_F(tanh_grad)}, tanh_grad_backward};
static const lt_opdef op_sigmoid_grad = {"sigmoid_backward", LT_KIND_BINARY,
                                         LT_OPF_FLOAT | LT_SAVE_IN0 | LT_SAVE_IN1, 0,
                                         {ENTRIES_F(sigmoid_grad)}, sigmoid_grad_backward};
static const lt_opdef op_relu_grad = {"relu_backward", LT_KIND_BINARY, LT_OPF_FLOAT | LT_SAVE_IN1,
                                      0, {ENTRIES_F(relu_grad)}, relu_grad_backward};
static const lt_opdef op_clamp_grad = {"clamp_backward", LT_KIND_BINARY,
                                       LT_OPF_FLOAT | LT_SAVE_IN1, 2, {ENTRIES_F(clamp_grad)},
                                       clamp_grad_backward};

#define G0 lt_saved_tensor(n, 0)
#define Y1 lt_saved_tensor(n, 1)
BW(tanh_grad) {
  lt_fx f = {0};
  if (lt_needs_grad(n, 0)) gin[0] = fx_keep(&f, fx_op(&f, &op_tanh_grad, g[0], Y1, NULL, NULL));
  if (lt_needs_grad(n, 1))
    gin[1] = fx_keep(&f, fx_mul(&f, fx_muls(&f, fx_mul(&f, g[0], G0), -2), Y1));
  return fx_end(&f);
}
BW(sigmoid_grad) { /* d/dy g*y*(1-y) = g*(1-2y) */
  lt_fx f = {0};
  if (lt_needs_grad(n, 0))
    gin[0] = fx_keep(&f, fx_op(&f, &op_sigmoid_grad, g[0], Y1, NULL, NULL));
  if (lt_needs_grad(n, 1))
    gin[1] = fx_keep(&f, fx_mul(&f, fx_mul(&f, g[0], G0), fx_rsub(&f, 1, fx_muls(&f, Y1, 2))));
  return fx_end(&f);
}
BW(relu_grad) { /* piecewise constant in x */
  lt_fx f = {0};
  if (lt_needs_grad(n, 0)) gin[0] = fx_keep(&f, fx_op(&f, &op_relu_grad, g[0], Y1, NULL, NULL));
  return fx_end(&f);
}
BW(clamp_grad) {
  lt_fx f = {0};
  if (lt_needs_grad(n, 0))
    gin[0] = fx_keep(&f, fx_op(&f, &op_clamp_grad, g[0], Y1, NULL, n->params));
  return fx_end(&f);
}

BW_FORMULA(neg, fx_neg(&f, g[0]))
BW_FORMULA(abs, fx_mul(&f, g[0], fx_un(&f, "sign", X)))
BW_FORMULA(sign, fx_muls(&f, g[0], 0))
BW_FORMULA(relu, fx_op(&f, &op_relu_grad, g[0], X, NULL, NULL))
BW_FORMULA(exp, fx_mul(&f, g[0], Y))
BW_FORMULA(log, fx_div(&f, g[0], X))
BW_FORMULA(log1p, fx_div(&f, g[0], fx_adds(&f, X, 1)))
BW_FORMULA(expm1, fx_mul(&f, g[0], fx_adds(&f, Y, 1)))
BW_FORMULA(sqrt, fx_div(&f, g[0], fx_muls(&f, Y, 2)))                       /* sqrt'(0) = inf */
BW_FORMULA(rsqrt, fx_mul(&f, fx_muls(&f, g[0], -0.5), fx_mul(&f, Y, fx_mul(&f, Y, Y))))
BW_FORMULA(sin, fx_mul(&f, g[0], fx_un(&f, "cos", X)))
BW_FORMULA(cos, fx_neg(&f, fx_mul(&f, g[0], fx_un(&f, "sin", X))))
BW_FORMULA(tan, fx_mul(&f, g[0], fx_adds(&f, fx_mul(&f, Y, Y), 1)))
BW_FORMULA(asin, fx_div(&f, g[0], fx_sqrt(&f, fx_rsub(&f, 1, fx_mul(&f, X, X)))))
BW_FORMULA(acos, fx_neg(&f, fx_div(&f, g[0], fx_sqrt(&f, fx_rsub(&f, 1, fx_mul(&f, X, X))))))
BW_FORMULA(atan, fx_div(&f, g[0], fx_adds(&f, fx_mul(&f, X, X), 1)))
BW_FORMULA(sinh, fx_mul(&f, g[0], fx_un(&f, "cosh", X)))
BW_FORMULA(cosh, fx_mul(&f, g[0], fx_un(&f, "sinh", X)))
BW_FORMULA(tanh, fx_op(&f, &op_tanh_grad, g[0], Y, NULL, NULL))
BW_FORMULA(sigmoid, fx_op(&f, &op_sigmoid_grad, g[0], Y, NULL, NULL))
BW_FORMULA(clamp, fx_op(&f, &op_clamp_grad, g[0], X, NULL, n->params))
/* erf' = 2/sqrt(pi) exp(-x^2), erfc' = -erf', erfinv' = sqrt(pi)/2 exp(erfinv(x)^2) */
#define GAUSS(X) fx_un(&f, "exp", fx_neg(&f, fx_mul(&f, X, X)))
BW_FORMULA(erf, fx_mul(&f, g[0], fx_muls(&f, GAUSS(X), M_2_SQRTPI)))
BW_FORMULA(erfc, fx_mul(&f, g[0], fx_muls(&f, GAUSS(X), -M_2_SQRTPI)))
BW_FORMULA(erfinv, fx_mul(&f, g[0], fx_muls(&f, fx_un(&f, "exp", fx_mul(&f, Y, Y)), 1 / M_2_SQRTPI)))
BW_FORMULA(lgamma, fx_mul(&f, g[0], fx_un(&f, "digamma", X)))
/* digamma' = polygamma(1, x); polygamma(n, x)' = polygamma(n + 1, x) */
static const lt_opdef op_polygamma;
BW_FORMULA(digamma, fx_mul(&f, g[0], fx_op(&f, &op_polygamma, X, NULL, NULL, (const double[]){1})))
BW_FORMULA(polygamma, fx_mul(&f, g[0], fx_op(&f, &op_polygamma, X, NULL, NULL,
                                             (const double[]){n->params[0] + 1})))

NUMERIC_OP(neg, -x, -x, 0, neg_backward, 0)
NUMERIC_OP(abs, fabs(x), x < 0 ? -x : x, 0, abs_backward, IN0)
NUMERIC_OP(sign, SIGN(x), SIGN(x), 0, sign_backward, 0)
NUMERIC_OP(relu, x > 0 ? x : 0, x > 0 ? x : 0, 0, relu_backward, IN0)
NUMERIC_OP(floor, floor(x), x, LT_OPF_NONDIFF, NULL, 0)
NUMERIC_OP(ceil, ceil(x), x, LT_OPF_NONDIFF, NULL, 0)
NUMERIC_OP(round, ROUND(x), x, LT_OPF_NONDIFF, NULL, 0)
NUMERIC_OP(trunc, trunc(x), x, LT_OPF_NONDIFF, NULL, 0)
FLOAT_OP(exp, exp(x), 0, exp_backward, OUT)
FLOAT_OP(log, log(x), 0, log_backward, IN0)
FLOAT_OP(log1p, log1p(x), 0, log1p_backward, IN0)
FLOAT_OP(expm1, expm1(x), 0, expm1_backward, OUT)
FLOAT_OP(sqrt, sqrt(x), 0, sqrt_backward, OUT)
FLOAT_OP(rsqrt, 1 / sqrt(x), 0, rsqrt_backward, OUT)
FLOAT_OP(sin, sin(x), 0, sin_backward, IN0)
FLOAT_OP(cos, cos(x), 0, cos_backward, IN0)
FLOAT_OP(tan, tan(x), 0, tan_backward, OUT)
FLOAT_OP(asin, asin(x), 0, asin_backward, IN0)
FLOAT_OP(acos, acos(x), 0, acos_backward, IN0)
FLOAT_OP(atan, atan(x), 0, atan_backward, IN0)
FLOAT_OP(sinh, sinh(x), 0, sinh_backward, IN0)
FLOAT_OP(cosh, cosh(x), 0, cosh_backward, IN0)
FLOAT_OP(tanh, tanh(x), 0, tanh_backward, OUT)
FLOAT_OP(sigmoid, SIGMOID(x), 0, sigmoid_backward, OUT)
/* special functions (special.c); lgamma avoids C's signgam, a global */
#define LGAMMA(x) _Generic((x), float: lt_sf_lgammaf, default: lt_sf_lgamma)(x)
FLOAT_OP(erf, erf(x), 0, erf_backward, IN0)
FLOAT_OP(erfc, erfc(x), 0, erfc_backward, IN0)
FLOAT_OP(erfinv, lt_sf_erfinv(x), 0, erfinv_backward, OUT)
FLOAT_OP(lgamma, LGAMMA(x), 0, lgamma_backward, IN0)
FLOAT_OP(digamma, lt_sf_digamma(x), 0, digamma_backward, IN0)

/* polygamma(n, x): param 0 is the order n (a whole number >= 0, checked by
 * the binding; NaN otherwise) */
LOOPS_F(UNARY_LOOP, polygamma, lt_sf_polygamma(prm[0], x))
static const lt_opdef op_polygamma = {"polygamma", LT_KIND_UNARY, LT_OPF_FLOAT | IN0, 1,
                                      {ENTRIES_F(polygamma)}, polygamma_backward};

/* clamp(x, min, max): params are the bounds (±inf when absent). */
LOOPS_F(UNARY_LOOP, clamp, x < prm[0] ? P0 : x > prm[1] ? P1 : x)
LOOPS_I(UNARY_LOOP, clamp, x < prm[0] ? P0 : x > prm[1] ? P1 : x)
static const lt_opdef op_clamp = {"clamp", LT_KIND_UNARY, LT_OPF_NO_BOOL | IN0, 2,
                                  {ENTRIES_F(clamp) ENTRIES_I(clamp)}, clamp_backward};

/* logical not: bool result for every input dtype */
LOOPS_F_TO_B(UNARY_LOOP, logical_not, !x)
LOOPS_I_TO_B(UNARY_LOOP, logical_not, !x)
LOOPS_B(UNARY_LOOP, logical_not, !x)
static const lt_opdef op_logical_not = {
    "logical_not", LT_KIND_UNARY, LT_OPF_NONDIFF | LT_OPF_BOOL_OUT, 0,
    {ENTRIES_F(logical_not) ENTRIES_I(logical_not) ENTRIES_B(logical_not)}, NULL};

const lt_opdef *const lt_ops_unary[] = {
    &op_neg,  &op_abs,  &op_sign,  &op_relu,  &op_floor, &op_ceil,    &op_round,   &op_trunc,
    &op_exp,  &op_log,  &op_log1p, &op_expm1, &op_sqrt,  &op_rsqrt,   &op_sin,     &op_cos,
    &op_tan,  &op_asin, &op_acos,  &op_atan,  &op_sinh,  &op_cosh,    &op_tanh,    &op_sigmoid,
    &op_clamp, &op_logical_not, &op_erf, &op_erfc, &op_erfinv, &op_lgamma, &op_digamma,
    &op_polygamma, NULL};
