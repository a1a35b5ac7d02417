/* Ternary elementwise ops: where, lerp, addcmul, addcdiv, with their
 * backwards (see unary.c and binary.c). where's mask gets no gradient. */
#include "../autograd/formula.h"
#include "loops.h"

#define BW(NAME) static int NAME##_backward(lt_node *n, lt_tensor *const *gout, lt_tensor **gin)
#define S(k) lt_saved_tensor(n, k)
#define NEED(j) lt_needs_grad(n, j)

BW(where) {
  lt_fx f = {0};
  lt_tensor *g = gout[0], *z = fx_scalar(&f, g->dtype, 0);
  if (NEED(1)) gin[1] = fx_keep(&f, fx_where(&f, S(0), g, z));
  if (NEED(2)) gin[2] = fx_keep(&f, fx_where(&f, S(0), z, g));
  return fx_end(&f);
}
BW(lerp) { /* x + w (y - x) */
  lt_fx f = {0};
  lt_tensor *g = gout[0], *gw = fx_mul(&f, g, S(2));
  if (NEED(0)) gin[0] = fx_keep(&f, fx_sub(&f, g, gw));
  if (NEED(1)) gin[1] = fx_keep(&f, gw);
  if (NEED(2)) gin[2] = fx_keep(&f, fx_mul(&f, g, fx_sub(&f, S(1), S(0))));
  return fx_end(&f);
}
BW(addcmul) { /* x + v y z */
  lt_fx f = {0};
  lt_tensor *g = gout[0], *gv = n->params[0] == 1 ? g : fx_muls(&f, g, n->params[0]);
  if (NEED(0)) gin[0] = fx_keep(&f, g);
  if (NEED(1)) gin[1] = fx_keep(&f, fx_mul(&f, gv, S(2)));
  if (NEED(2)) gin[2] = fx_keep(&f, fx_mul(&f, gv, S(1)));
  return fx_end(&f);
}
BW(addcdiv) { /* x + v y / z */
  lt_fx f = {0};
  lt_tensor *g = gout[0], *gy = fx_div(&f, fx_muls(&f, g, n->params[0]), S(2));
  if (NEED(0)) gin[0] = fx_keep(&f, g);
  if (NEED(1)) gin[1] = fx_keep(&f, gy);
  if (NEED(2)) gin[2] = fx_keep(&f, fx_neg(&f, fx_div(&f, fx_mul(&f, gy, S(1)), S(2))));
  return fx_end(&f);
}

/* where(mask, x, y): the mask operand is bool whatever T is. */
#define WHERE_LOOP(NAME, S, T, OT, EXPR)                                        \
  static void NAME##_##S(char **p, const int64_t *s, int64_t n, const void *c) { \
    (void)c;                                                                    \
    for (int64_t i = 0; i < n; i++)                                             \
      AT(0, T) = AT(1, bool) ? AT(2, T) : AT(3, T);                             \
  }
LOOPS_F(WHERE_LOOP, where, )
LOOPS_I(WHERE_LOOP, where, )
LOOPS_B(WHERE_LOOP, where, )
static const lt_opdef op_where = {"where", LT_KIND_TERNARY, LT_OPF_MASK_FIRST | LT_SAVE_IN0, 0,
                                  {ENTRIES_F(where) ENTRIES_I(where) ENTRIES_B(where)},
                                  where_backward};

/* lerp(x, y, w) = x + w * (y - x) */
LOOPS_F(TERNARY_LOOP, lerp, x + z * (y - x))
static const lt_opdef op_lerp = {"lerp", LT_KIND_TERNARY,
                                 LT_OPF_FLOAT | LT_SAVE_IN0 | LT_SAVE_IN1 | LT_SAVE_IN2, 0,
                                 {ENTRIES_F(lerp)}, lerp_backward};

/* addcmul(x, y, z, v) = x + v*y*z; addcdiv(x, y, z, v) = x + v*y/z */
LOOPS_F(TERNARY_LOOP, addcmul, x + P0 * y * z)
LOOPS_I(TERNARY_LOOP, addcmul, x + P0 * y * z)
static const lt_opdef op_addcmul = {"addcmul", LT_KIND_TERNARY,
                                    LT_OPF_NO_BOOL | LT_SAVE_IN1 | LT_SAVE_IN2, 1,
                                    {ENTRIES_F(addcmul) ENTRIES_I(addcmul)}, addcmul_backward};
LOOPS_F(TERNARY_LOOP, addcdiv, x + P0 * y / z)
static const lt_opdef op_addcdiv = {"addcdiv", LT_KIND_TERNARY,
                                    LT_OPF_FLOAT | LT_SAVE_IN1 | LT_SAVE_IN2, 1,
                                    {ENTRIES_F(addcdiv)}, addcdiv_backward};

const lt_opdef *const lt_ops_ternary[] = {&op_where, &op_lerp, &op_addcmul, &op_addcdiv, NULL};
