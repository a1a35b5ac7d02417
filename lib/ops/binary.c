/* Binary elementwise ops: out = f(x, y), y broadcast or a scalar. */
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

#define ARITH_OP(NAME, EXPR, IEXPR, FLAGS, NP)                                          \
  LOOPS_F(BINARY_LOOP, NAME, EXPR)                                                      \
  LOOPS_I(BINARY_LOOP, NAME, IEXPR)                                                     \
  static const lt_opdef op_##NAME = {#NAME, LT_KIND_BINARY, LT_OPF_NO_BOOL | (FLAGS), NP, \
                                     {ENTRIES_F(NAME) ENTRIES_I(NAME)}, NULL};

/* add/sub take Torch7's multiplier: add(x, v, y) = x + v*y (param 0). */
ARITH_OP(add, x + P0 * y, x + P0 * y, 0, 1)
ARITH_OP(sub, x - P0 * y, x - P0 * y, 0, 1)
ARITH_OP(mul, x *y, x *y, 0, 0)
ARITH_OP(div, x / y, IDIV(x, y), 0, 0)
ARITH_OP(pow, pow(x, y), ipow(x, y), 0, 0)
ARITH_OP(fmod, fmod(x, y), IFMOD(x, y), 0, 0)
ARITH_OP(remainder, FREM(x, y), IREM(x, y), 0, 0)
ARITH_OP(cmax, FMAX(x, y), x > y ? x : y, 0, 0)
ARITH_OP(cmin, FMIN(x, y), x < y ? x : y, 0, 0)

LOOPS_F(BINARY_LOOP, atan2, atan2(x, y))
static const lt_opdef op_atan2 = {"atan2", LT_KIND_BINARY, LT_OPF_FLOAT, 0,
                                  {ENTRIES_F(atan2)}, NULL};

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

const lt_opdef *const lt_ops_binary[] = {
    &op_add, &op_sub, &op_mul, &op_div, &op_pow, &op_fmod, &op_remainder, &op_cmax, &op_cmin,
    &op_atan2, &op_eq, &op_ne, &op_lt, &op_le, &op_gt, &op_ge, &op_logical_and,
    &op_logical_or, &op_logical_xor, NULL};
