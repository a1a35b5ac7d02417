/* Unary elementwise ops: out = f(x). */
#include "loops.h"

static inline double sigmoid_d(double x) { return 1.0 / (1.0 + exp(-x)); }
static inline float sigmoid_f(float x) { return 1.0f / (1.0f + expf(-x)); }
#define SIGMOID(x) _Generic((x), float: sigmoid_f, default: sigmoid_d)(x)
#define SIGN(x) ((x) > 0 ? 1 : (x) < 0 ? -1 : 0)
/* round half away from zero, as Torch7 and C's round() do */
#define ROUND(x) round(x)

/* An op defined on floats only: integer inputs are promoted to float32. */
#define FLOAT_OP(NAME, EXPR, FLAGS)                                         \
  LOOPS_F(UNARY_LOOP, NAME, EXPR)                                           \
  static const lt_opdef op_##NAME = {#NAME, LT_KIND_UNARY, LT_OPF_FLOAT | (FLAGS), 0, \
                                     {ENTRIES_F(NAME)}, NULL};

/* An op defined on all numeric dtypes (not bool). */
#define NUMERIC_OP(NAME, EXPR, IEXPR, FLAGS)                                      \
  LOOPS_F(UNARY_LOOP, NAME, EXPR)                                                 \
  LOOPS_I(UNARY_LOOP, NAME, IEXPR)                                                \
  static const lt_opdef op_##NAME = {#NAME, LT_KIND_UNARY, LT_OPF_NO_BOOL | (FLAGS), 0, \
                                     {ENTRIES_F(NAME) ENTRIES_I(NAME)}, NULL};

NUMERIC_OP(neg, -x, -x, 0)
NUMERIC_OP(abs, fabs(x), x < 0 ? -x : x, 0)
NUMERIC_OP(sign, SIGN(x), SIGN(x), 0)
NUMERIC_OP(relu, x > 0 ? x : 0, x > 0 ? x : 0, 0)
NUMERIC_OP(floor, floor(x), x, LT_OPF_NONDIFF)
NUMERIC_OP(ceil, ceil(x), x, LT_OPF_NONDIFF)
NUMERIC_OP(round, ROUND(x), x, LT_OPF_NONDIFF)
NUMERIC_OP(trunc, trunc(x), x, LT_OPF_NONDIFF)
FLOAT_OP(exp, exp(x), 0)
FLOAT_OP(log, log(x), 0)
FLOAT_OP(log1p, log1p(x), 0)
FLOAT_OP(expm1, expm1(x), 0)
FLOAT_OP(sqrt, sqrt(x), 0)
FLOAT_OP(rsqrt, 1 / sqrt(x), 0)
FLOAT_OP(sin, sin(x), 0)
FLOAT_OP(cos, cos(x), 0)
FLOAT_OP(tan, tan(x), 0)
FLOAT_OP(asin, asin(x), 0)
FLOAT_OP(acos, acos(x), 0)
FLOAT_OP(atan, atan(x), 0)
FLOAT_OP(sinh, sinh(x), 0)
FLOAT_OP(cosh, cosh(x), 0)
FLOAT_OP(tanh, tanh(x), 0)
FLOAT_OP(sigmoid, SIGMOID(x), 0)

/* clamp(x, min, max): params are the bounds (±inf when absent). */
LOOPS_F(UNARY_LOOP, clamp, x < prm[0] ? P0 : x > prm[1] ? P1 : x)
LOOPS_I(UNARY_LOOP, clamp, x < prm[0] ? P0 : x > prm[1] ? P1 : x)
static const lt_opdef op_clamp = {"clamp", LT_KIND_UNARY, LT_OPF_NO_BOOL, 2,
                                  {ENTRIES_F(clamp) ENTRIES_I(clamp)}, NULL};

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
    &op_clamp, &op_logical_not, NULL};
