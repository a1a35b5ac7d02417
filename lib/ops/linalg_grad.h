/* Private to linalg.c, lapack.c and linalg_grad.c: the backward functions
 * of the products and factorizations (linalg_grad.c) and how the public
 * functions record them.
 *
 * A product records as
 *   lt_node *node; if (lt__linalg_begin(&node, "addmm", lt__bw_addmm, out, 3, in, beta, alpha)) ...
 *   return lt_record_end(node, ...compute...);
 * with in = (M, a, b) for the add- forms and (a, b) otherwise; begin saves
 * every input in the slot of its position and beta, alpha in params[0..1]. */
#ifndef LUTORCH_OPS_LINALG_GRAD_H
#define LUTORCH_OPS_LINALG_GRAD_H

#include "lutorch/autograd.h"
#include "lutorch/linalg.h"

int lt__linalg_begin(lt_node **node, const char *name, lt_backward_fn bw, lt_tensor *out, int n,
                     lt_tensor *const *in, double beta, double alpha);

#define LT__LINALG_BW(NAME) int lt__bw_##NAME(lt_node *n, lt_tensor *const *g, lt_tensor **gin);
LT__LINALG_BW(mm)
LT__LINALG_BW(mv)
LT__LINALG_BW(bmm)
LT__LINALG_BW(ger)
LT__LINALG_BW(dot)
LT__LINALG_BW(matmul)
LT__LINALG_BW(addmm)
LT__LINALG_BW(addmv)
LT__LINALG_BW(addr)
LT__LINALG_BW(baddbmm)
LT__LINALG_BW(addbmm)
/* lapack: inverse (Y saved in 0), gesv (in: b, a; X in 0, a in 1),
 * potrf (factor in 0; ints[0] upper), potrs (in: b, chol; X in 0, chol in
 * 1), potri (chol in 0, Y in 1), symeig (e in 0, V in 1; ints[1]: V is an
 * output), svd (U, S, V in 0..2; ints[0] some), det (a in 0, det in 1),
 * slogdet and logdet (a in 0) */
LT__LINALG_BW(inverse)
LT__LINALG_BW(gesv)
LT__LINALG_BW(potrf)
LT__LINALG_BW(potrs)
LT__LINALG_BW(potri)
LT__LINALG_BW(symeig)
LT__LINALG_BW(svd)
LT__LINALG_BW(det)
LT__LINALG_BW(slogdet)
LT__LINALG_BW(logdet)
#undef LT__LINALG_BW

#endif
