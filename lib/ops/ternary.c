/* Ternary elementwise ops: where, lerp, addcmul, addcdiv. */
#include "loops.h"

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
static const lt_opdef op_where = {"where", LT_KIND_TERNARY, LT_OPF_MASK_FIRST, 0,
                                  {ENTRIES_F(where) ENTRIES_I(where) ENTRIES_B(where)}, NULL};

/* lerp(x, y, w) = x + w * (y - x) */
LOOPS_F(TERNARY_LOOP, lerp, x + z * (y - x))
static const lt_opdef op_lerp = {"lerp", LT_KIND_TERNARY, LT_OPF_FLOAT, 0, {ENTRIES_F(lerp)},
                                 NULL};

/* addcmul(x, y, z, v) = x + v*y*z; addcdiv(x, y, z, v) = x + v*y/z */
LOOPS_F(TERNARY_LOOP, addcmul, x + P0 * y * z)
LOOPS_I(TERNARY_LOOP, addcmul, x + P0 * y * z)
static const lt_opdef op_addcmul = {"addcmul", LT_KIND_TERNARY, LT_OPF_NO_BOOL, 1,
                                    {ENTRIES_F(addcmul) ENTRIES_I(addcmul)}, NULL};
LOOPS_F(TERNARY_LOOP, addcdiv, x + P0 * y / z)
static const lt_opdef op_addcdiv = {"addcdiv", LT_KIND_TERNARY, LT_OPF_FLOAT, 1,
                                    {ENTRIES_F(addcdiv)}, NULL};

const lt_opdef *const lt_ops_ternary[] = {&op_where, &op_lerp, &op_addcmul, &op_addcdiv, NULL};
