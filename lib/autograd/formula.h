/* Building blocks for backward formulas. A formula is a few lt_ ops; with
 * an lt_fx every intermediate is released at the end and a NULL anywhere
 * (an error) propagates, so a backward stays a one-liner per input:
 *
 *   static int asin_backward(lt_node *n, lt_tensor *const *g, lt_tensor **gin) {
 *     lt_fx f = {0};
 *     lt_tensor *x = lt_saved_tensor(n, 0);
 *     gin[0] = fx_keep(&f, fx_div(&f, g[0], fx_sqrt(&f, fx_rsub(&f, 1, fx_mul(&f, x, x)))));
 *     return fx_end(&f);
 *   }
 *
 * The ops record when grad mode is on (createGraph), so formulas built this
 * way have gradients themselves. Private to lutorch. */
#ifndef LUTORCH_AUTOGRAD_FORMULA_H
#define LUTORCH_AUTOGRAD_FORMULA_H

#include "lutorch/autograd.h"

#define LT_FX_MAX 16

typedef struct lt_fx {
  lt_tensor *tmp[LT_FX_MAX];
  int n;
  bool failed;
} lt_fx;

/* Register a result (NULL marks failure); returns it. */
lt_tensor *fx_take(lt_fx *f, lt_tensor *t);
/* A result handed out as a gradient: a new reference (NULL stays NULL). */
lt_tensor *fx_keep(lt_fx *f, lt_tensor *t);
/* Release the intermediates; 0, or -1 if anything failed. */
int fx_end(lt_fx *f);

/* Any op of the table by name (looked up once), NULL-propagating. */
lt_tensor *fx_un(lt_fx *f, const char *name, lt_tensor *a);
lt_tensor *fx_bin(lt_fx *f, const char *name, lt_tensor *a, lt_tensor *b);
lt_tensor *fx_op(lt_fx *f, const lt_opdef *op, lt_tensor *a, lt_tensor *b, lt_tensor *c,
                 const double *params);
lt_tensor *fx_add(lt_fx *f, lt_tensor *a, lt_tensor *b);
lt_tensor *fx_sub(lt_fx *f, lt_tensor *a, lt_tensor *b);
lt_tensor *fx_mul(lt_fx *f, lt_tensor *a, lt_tensor *b);
lt_tensor *fx_div(lt_fx *f, lt_tensor *a, lt_tensor *b);
lt_tensor *fx_neg(lt_fx *f, lt_tensor *a);
lt_tensor *fx_muls(lt_fx *f, lt_tensor *a, double s); /* a * s */
lt_tensor *fx_adds(lt_fx *f, lt_tensor *a, double s); /* a + s */
lt_tensor *fx_rsub(lt_fx *f, double s, lt_tensor *a); /* s - a */
lt_tensor *fx_sqrt(lt_fx *f, lt_tensor *a);
lt_tensor *fx_scalar(lt_fx *f, lt_dtype dt, double v); /* 0-dim */
/* where(mask, a, b) */
lt_tensor *fx_where(lt_fx *f, lt_tensor *mask, lt_tensor *a, lt_tensor *b);

/* Cached lookup of an op of the table by name (pointer-keyed cache). */
const lt_opdef *lt_op_cached(const char *name);

#endif
