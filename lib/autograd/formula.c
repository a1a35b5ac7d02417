/* Backward-formula helpers (see formula.h). */
#include <string.h>

#include "formula.h"

/* Op lookups by name are linear in the table; formulas run once per node,
 * so the names they use (string literals) are cached by pointer. */
#define CACHE 64
static struct {
  const char *name;
  const lt_opdef *op;
} cache[CACHE];

const lt_opdef *lt_op_cached(const char *name) {
  unsigned h = (unsigned)(((uintptr_t)name >> 3) % CACHE);
  for (int i = 0; i < CACHE; i++) {
    unsigned k = (h + (unsigned)i) % CACHE;
    const char *c = __atomic_load_n(&cache[k].name, __ATOMIC_ACQUIRE);
    if (c == name) return cache[k].op;
    if (!c) {
      const lt_opdef *op = lt_op_find(name);
      if (!op) return NULL;
      cache[k].op = op; /* benign race: every writer stores the same pair */
      __atomic_store_n(&cache[k].name, name, __ATOMIC_RELEASE);
      return op;
    }
  }
  return lt_op_find(name);
}

lt_tensor *fx_take(lt_fx *f, lt_tensor *t) {
  if (!t) {
    f->failed = true;
    return NULL;
  }
  if (f->n == LT_FX_MAX) { /* a formula this long is a bug: fail loudly */
    lt_tensor_release(t);
    f->failed = true;
    return lt_error("backward: formula has more than %d intermediates", LT_FX_MAX);
  }
  f->tmp[f->n++] = t;
  return t;
}

lt_tensor *fx_keep(lt_fx *f, lt_tensor *t) {
  (void)f;
  if (t) lt_tensor_retain(t);
  return t;
}

int fx_end(lt_fx *f) {
  for (int i = 0; i < f->n; i++) lt_tensor_release(f->tmp[i]);
  f->n = 0;
  return f->failed ? -1 : 0;
}

lt_tensor *fx_op(lt_fx *f, const lt_opdef *op, lt_tensor *a, lt_tensor *b, lt_tensor *c,
                 const double *params) {
  static const double one[LT_OP_MAX_PARAMS] = {1, 1, 1, 1};
  if (!a || (op->kind != LT_KIND_UNARY && !b) || (op->kind == LT_KIND_TERNARY && !c) ||
      f->failed) {
    f->failed = true;
    return NULL;
  }
  if (!params) params = one;
  lt_tensor *r = op->kind == LT_KIND_UNARY    ? lt_unary(op, NULL, a, params)
                 : op->kind == LT_KIND_BINARY ? lt_binary(op, NULL, a, b, params)
                                              : lt_ternary(op, NULL, a, b, c, params);
  return fx_take(f, r);
}

lt_tensor *fx_un(lt_fx *f, const char *name, lt_tensor *a) {
  return fx_op(f, lt_op_cached(name), a, NULL, NULL, NULL);
}
lt_tensor *fx_bin(lt_fx *f, const char *name, lt_tensor *a, lt_tensor *b) {
  return fx_op(f, lt_op_cached(name), a, b, NULL, NULL);
}
lt_tensor *fx_add(lt_fx *f, lt_tensor *a, lt_tensor *b) { return fx_bin(f, "add", a, b); }
lt_tensor *fx_sub(lt_fx *f, lt_tensor *a, lt_tensor *b) { return fx_bin(f, "sub", a, b); }
lt_tensor *fx_mul(lt_fx *f, lt_tensor *a, lt_tensor *b) { return fx_bin(f, "mul", a, b); }
lt_tensor *fx_div(lt_fx *f, lt_tensor *a, lt_tensor *b) { return fx_bin(f, "div", a, b); }
lt_tensor *fx_neg(lt_fx *f, lt_tensor *a) { return fx_un(f, "neg", a); }
lt_tensor *fx_sqrt(lt_fx *f, lt_tensor *a) { return fx_un(f, "sqrt", a); }

lt_tensor *fx_scalar(lt_fx *f, lt_dtype dt, double v) {
  return fx_take(f, lt_tensor_scalar(dt, v));
}

lt_tensor *fx_muls(lt_fx *f, lt_tensor *a, double s) {
  return a ? fx_mul(f, a, fx_scalar(f, a->dtype, s)) : fx_take(f, NULL);
}
lt_tensor *fx_adds(lt_fx *f, lt_tensor *a, double s) {
  return a ? fx_add(f, a, fx_scalar(f, a->dtype, s)) : fx_take(f, NULL);
}
lt_tensor *fx_rsub(lt_fx *f, double s, lt_tensor *a) {
  return a ? fx_sub(f, fx_scalar(f, a->dtype, s), a) : fx_take(f, NULL);
}

lt_tensor *fx_where(lt_fx *f, lt_tensor *mask, lt_tensor *a, lt_tensor *b) {
  return fx_op(f, lt_op_cached("where"), mask, a, b, NULL);
}
