/* Binary elementwise ops: out = f(x, y), y broadcast or a scalar, each
 * with its backward (see unary.c for the shape of one). Gradients may come
 * out in the broadcast shape: the engine sums them back. Conventions follow
 * PyTorch: cmax/cmin split the gradient evenly on ties; pow's gradients are
 * 0 (not NaN) at x = 0 for the exponent, and where the exponent is 0. */
#include "../autograd/formula.h"
#include "loops.h"

/* Integer division and modulo by zero give 0 instead of trapping. */
#define IDIV(x, y) ((y) == 0 ? 0 : (x) / (y))
#define IFMOD(x, y) ((y) == 0 ? 0 : (x) % (y))
#define IREM(x, y) ((y) == 0 ? 0 : ((x) % (y) != 0 && (((x) % (y) < 0) != ((y) < 0)) ? (x) % (y) + (y) : (x) % (y)))

static inline double rem_d(double x, double y) {
  double r = fmod(x, y);
  return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
}
static inline float rem_f(float x, float y) {
  float r = fmodf(x, y);
  return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
}
#define FREM(x, y) _Generic((x), float: rem_f, default: rem_d)(x, y)

/* integer power by squaring; negative exponents give 0 except for |x| = 1 */
static inline int64_t ipow(int64_t x, int64_t e) {
  if (e < 0) return x == 1 ? 1 : x == -1 ? (e & 1 ? -1 : 1) : 0;
  int64_t r = 1;
  while (e) {
    if (e & 1) r *= x;
    x *= x;
    e >>= 1;
  }
  return r;
}

/* max/min that propagate NaN, as PyTorch's maximum/minimum do */
#define FMAX(x, y) ((x) != (x) || (x) > (y) ? (x) : (y))
#define FMIN(x, y) ((x) != (x) || (x) < (y) ? (x) : (y))

#define ARITH_OP(NAME, EXPR, IEXPR, FLAGS, NP, SAVES)                                   \
  LOOPS_F(BINARY_LOOP, NAME, EXPR)                                                      \
  LOOPS_I(BINARY_LOOP, NAME, IEXPR)                                                     \
  static const lt_opdef op_##NAME = {#NAME, LT_KIND_BINARY, LT_OPF_NO_BOOL | (FLAGS) | (SAVES), \
                                     NP, {ENTRIES_F(NAME) ENTRIES_I(NAME)}, NAME##_backward};

/* Backward: g is the output's gradient; X, Y the saved inputs, OUT the
 * saved output; NEED(j) whether input j wants a gradient. */
#define BW(NAME) static int NAME##_backward(lt_node *n, lt_tensor *const *gout, lt_tensor **gin)
#define X lt_saved_tensor(n, 0)
#define Y lt_saved_tensor(n, 1)
#define OUT lt_saved_tensor(n, LT_SAVED_OUT)
#define NEED(j) lt_needs_grad(n, j)
#define BOTH (LT_SAVE_IN0 | LT_SAVE_IN1)

BW(add) {
  lt_fx f = {0};
  lt_tensor *g = gout[0];
  if (NEED(0)) gin[0] = fx_keep(&f, g);
  if (NEED(1)) gin[1] = fx_keep(&f, n->params[0] == 1 ? g : fx_muls(&f, g, n->params[0]));
  return fx_end(&f);
}
BW(sub) {
  lt_fx f = {0};
  lt_tensor *g = gout[0];
  if (NEED(0)) gin[0] = fx_keep(&f, g);
  if (NEED(1)) gin[1] = fx_keep(&f, fx_muls(&f, g, -n->params[0]));
  return fx_end(&f);
}
BW(mul) {
  lt_fx f = {0};
  if (NEED(0)) gin[0] = fx_keep(&f, fx_mul(&f, gout[0], Y));
  if (NEED(1)) gin[1] = fx_keep(&f, fx_mul(&f, gout[0], X));
  return fx_end(&f);
}
BW(div) { /* d/dy x/y = -x/y^2 */
  lt_fx f = {0};
  lt_tensor *gx = fx_div(&f, gout[0], Y);
  if (NEED(0)) gin[0] = fx_keep(&f, gx);
  if (NEED(1)) gin[1] = fx_keep(&f, fx_neg(&f, fx_div(&f, fx_mul(&f, gx, X), Y)));
  return fx_end(&f);
}
BW(pow) { /* d/dx = y x^(y-1) (0 where y = 0); d/dy = x^y log x (0 where x = 0, y >= 0) */
  lt_fx f = {0};
  lt_tensor *g = gout[0], *x = X, *y = Y;
  if (NEED(0)) {
    lt_tensor *d = fx_mul(&f, y, fx_bin(&f, "pow", x, fx_adds(&f, y, -1)));
    lt_tensor *z = fx_scalar(&f, d ? d->dtype : LT_FLOAT32, 0);
    gin[0] = fx_keep(&f, fx_mul(&f, g, fx_where(&f, fx_bin(&f, "eq", y, z), z, d)));
  }
  if (NEED(1)) {
    lt_tensor *d = fx_mul(&f, OUT, fx_un(&f, "log", x));
    lt_tensor *z = fx_scalar(&f, d ? d->dtype : LT_FLOAT32, 0);
    lt_tensor *m = fx_bin(&f, "logical_and", fx_bin(&f, "eq", x, z), fx_bin(&f, "ge", y, z));
    gin[1] = fx_keep(&f, fx_mul(&f, g, fx_where(&f, m, z, d)));
  }
  return fx_end(&f);
}
BW(fmod) { /* d/dy = -trunc(x / y) */
  lt_fx f = {0};
  if (NEED(0)) gin[0] = fx_keep(&f, gout[0]);
  if (NEED(1)) gin[1] = fx_keep(&f, fx_neg(&f, fx_mul(&f, gout[0], fx_un(&f, "trunc", fx_div(&f, X, Y)))));
  return fx_end(&f);
}
BW(remainder) { /* d/dy = -floor(x / y) */
  lt_fx f = {0};
  if (NEED(0)) gin[0] = fx_keep(&f, gout[0]);
  if (NEED(1)) gin[1] = fx_keep(&f, fx_neg(&f, fx_mul(&f, gout[0], fx_un(&f, "floor", fx_div(&f, X, Y)))));
  return fx_end(&f);
}
/* cmax/cmin: the gradient goes to the larger (smaller) input; ties split it */
static int pick_backward(lt_node *n, lt_tensor *const *gout, lt_tensor **gin, const char *cmp) {
  lt_fx f = {0};
  lt_tensor *g = gout[0], *x = X, *y = Y;
  lt_tensor *half = fx_muls(&f, g, 0.5), *z = fx_scalar(&f, g->dtype, 0);
  lt_tensor *tie = fx_bin(&f, "eq", x, y);
  if (NEED(0)) gin[0] = fx_keep(&f, fx_where(&f, tie, half, fx_where(&f, fx_bin(&f, cmp, x, y), g, z)));
  if (NEED(1)) gin[1] = fx_keep(&f, fx_where(&f, tie, half, fx_where(&f, fx_bin(&f, cmp, y, x), g, z)));
  return fx_end(&f);
}
BW(cmax) { return pick_backward(n, gout, gin, "gt"); }
BW(cmin) { return pick_backward(n, gout, gin, "lt"); }
BW(atan2) { /* atan2(x, y): d/dx = y/(x^2+y^2), d/dy = -x/(x^2+y^2) */
  lt_fx f = {0};
  lt_tensor *x = X, *y = Y;
  lt_tensor *r = fx_div(&f, gout[0], fx_add(&f, fx_mul(&f, x, x), fx_mul(&f, y, y)));
  if (NEED(0)) gin[0] = fx_keep(&f, fx_mul(&f, r, y));
  if (NEED(1)) gin[1] = fx_keep(&f, fx_neg(&f, fx_mul(&f, r, x)));
  return fx_end(&f);
}

/* add/sub take Torch7's multiplier: add(x, v, y) = x + v*y (param 0). */
ARITH_OP(add, x + P0 * y, x + P0 * y, 0, 1, 0)
ARITH_OP(sub, x - P0 * y, x - P0 * y, 0, 1, 0)
ARITH_OP(mul, x *y, x *y, 0, 0, BOTH)
ARITH_OP(div, x / y, IDIV(x, y), 0, 0, BOTH)
ARITH_OP(pow, pow(x, y), ipow(x, y), 0, 0, BOTH | LT_SAVE_OUT)
ARITH_OP(fmod, fmod(x, y), IFMOD(x, y), 0, 0, BOTH)
ARITH_OP(remainder, FREM(x, y), IREM(x, y), 0, 0, BOTH)
ARITH_OP(cmax, FMAX(x, y), x > y ? x : y, 0, 0, BOTH)
ARITH_OP(cmin, FMIN(x, y), x < y ? x : y, 0, 0, BOTH)

LOOPS_F(BINARY_LOOP, atan2, atan2(x, y))
static const lt_opdef op_atan2 = {"atan2", LT_KIND_BINARY, LT_OPF_FLOAT | BOTH, 0,
                                  {ENTRIES_F(atan2)}, atan2_backward};

/* comparisons and logic: bool results, never differentiable */
#define BOOL_OP(NAME, EXPR)                                                               \
  LOOPS_F_TO_B(BINARY_LOOP, NAME, EXPR)                                                   \
  LOOPS_I_TO_B(BINARY_LOOP, NAME, EXPR)                                                   \
  LOOPS_B(BINARY_LOOP, NAME, EXPR)                                                        \
  static const lt_opdef op_##NAME = {#NAME, LT_KIND_BINARY, LT_OPF_NONDIFF | LT_OPF_BOOL_OUT, \
                                     0, {ENTRIES_F(NAME) ENTRIES_I(NAME) ENTRIES_B(NAME)}, NULL};

BOOL_OP(eq, x == y)
BOOL_OP(ne, x != y)
BOOL_OP(lt, x < y)
BOOL_OP(le, x <= y)
BOOL_OP(gt, x > y)
BOOL_OP(ge, x >= y)
BOOL_OP(logical_and, x && y)
BOOL_OP(logical_or, x || y)
BOOL_OP(logical_xor, !x != !y)

/* Bitwise ops on integer (and, or, xor: also bool) tensors, never
 * differentiable; a float operand is refused by the loop table. Torch7's
 * bitand/lshift ... take a number and cbitand/clshift ... a tensor; here
 * each takes either, and PyTorch's bitwise_* names are the same ops.
 * Shift counts outside [0, bits) give what shifting one bit at a time
 * would (0, or the sign for a right shift) instead of C's undefined
 * behaviour; left shifts go through uint64 so negatives wrap. */
#define NBITS ((elem_t)(sizeof(elem_t) * 8))
#define LSHIFT(x, y) ((y) < 0 || (y) >= NBITS ? 0 : (elem_t)((uint64_t)(x) << (y)))
#define RSHIFT(x, y) ((y) < 0 || (y) >= NBITS ? ((x) < 0 ? -1 : 0) : (x) >> (y))
LOOPS_I(BINARY_LOOP, bitand, x &y)
LOOPS_I(BINARY_LOOP, bitor, x | y)
LOOPS_I(BINARY_LOOP, bitxor, x ^ y)
LOOPS_I(BINARY_LOOP, lshift, LSHIFT(x, y))
LOOPS_I(BINARY_LOOP, rshift, RSHIFT(x, y))
LOOPS_B(BINARY_LOOP, bitand, x &y)
LOOPS_B(BINARY_LOOP, bitor, x | y)
LOOPS_B(BINARY_LOOP, bitxor, x != y)
#define BITWISE_FLAGS (LT_OPF_INT_ONLY | LT_OPF_NONDIFF)
#define BIT_LOGIC_OP(NAME, LOOP)                                                     \
  static const lt_opdef op_##NAME = {#NAME, LT_KIND_BINARY, BITWISE_FLAGS, 0,        \
                                     {ENTRIES_I(LOOP) ENTRIES_B(LOOP)}, NULL};
#define BIT_SHIFT_OP(NAME, LOOP)                                                     \
  static const lt_opdef op_##NAME = {#NAME, LT_KIND_BINARY, BITWISE_FLAGS, 0,        \
                                     {ENTRIES_I(LOOP)}, NULL};
BIT_LOGIC_OP(bitand, bitand)
BIT_LOGIC_OP(cbitand, bitand)
BIT_LOGIC_OP(bitwise_and, bitand)
BIT_LOGIC_OP(bitor, bitor)
BIT_LOGIC_OP(cbitor, bitor)
BIT_LOGIC_OP(bitwise_or, bitor)
BIT_LOGIC_OP(bitxor, bitxor)
BIT_LOGIC_OP(cbitxor, bitxor)
BIT_LOGIC_OP(bitwise_xor, bitxor)
BIT_SHIFT_OP(lshift, lshift)
BIT_SHIFT_OP(clshift, lshift)
BIT_SHIFT_OP(bitwise_left_shift, lshift)
BIT_SHIFT_OP(rshift, rshift)
BIT_SHIFT_OP(crshift, rshift)
BIT_SHIFT_OP(bitwise_right_shift, rshift)

const lt_opdef *const lt_ops_binary[] = {
    &op_add, &op_sub, &op_mul, &op_div, &op_pow, &op_fmod, &op_remainder, &op_cmax, &op_cmin,
    &op_atan2, &op_eq, &op_ne, &op_lt, &op_le, &op_gt, &op_ge, &op_logical_and,
    &op_logical_or, &op_logical_xor, &op_bitand, &op_cbitand, &op_bitwise_and, &op_bitor,
    &op_cbitor, &op_bitwise_or, &op_bitxor, &op_cbitxor, &op_bitwise_xor, &op_lshift,
    &op_clshift, &op_bitwise_left_shift, &op_rshift, &op_crshift, &op_bitwise_right_shift, NULL};
