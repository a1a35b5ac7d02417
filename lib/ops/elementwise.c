/* The generic elementwise dispatcher behind lt_unary/lt_binary/lt_ternary:
 * broadcasting, dtype promotion, the out argument, then one lt_iter run;
 * and the autograd recording of every elementwise op, in one place. */
#include <string.h>

#include "../autograd/formula.h"
#include "lutorch/autograd.h"
#include "lutorch/device.h"
#include "lutorch/op.h"
#include "lutorch/parallel.h"

static lt_dtype compute_dtype(const lt_opdef *op, int n, lt_tensor *const *in) {
  int first = (op->flags & LT_OPF_MASK_FIRST) ? 1 : 0;
  lt_dtype ct = in[first]->dtype;
  for (int i = first + 1; i < n; i++) ct = lt_dtype_promote(ct, in[i]->dtype);
  if (ct == LT_FLOAT16 || ct == LT_BFLOAT16) ct = LT_FLOAT32;
  if ((op->flags & LT_OPF_FLOAT) && !lt_dtype_is_float(ct)) ct = LT_FLOAT32;
  return ct;
}

static bool is_input(const lt_tensor *out, int n, lt_tensor *const *in) {
  for (int i = 0; i < n; i++)
    if (out == in[i]) return true;
  return false;
}

/* Contiguous on the CPU, tested inline: these run for every operand of
 * every small op. */
static inline bool cpu_contiguous(const lt_tensor *t) {
  if (t->storage->device.type != LT_CPU) return false;
  int64_t s = 1;
  for (int i = t->ndim - 1; i >= 0; i--) {
    if (t->size[i] == 0) return true;
    if (t->size[i] != 1 && t->stride[i] != s) return false;
    s *= t->size[i];
  }
  return true;
}

static inline bool same_shape(const lt_tensor *a, const lt_tensor *b) {
  if (a->ndim != b->ndim) return false;
  for (int i = 0; i < a->ndim; i++)
    if (a->size[i] != b->size[i]) return false;
  return true;
}

/* The common case of small-op workloads: every operand has the op's own
 * dtype and the same shape, all contiguous on the CPU, and the result is
 * fresh or one of the operands. One loop call, no broadcasting or lt_iter. */
static bool simple_case(const lt_opdef *op, const lt_tensor *out, int n, lt_tensor *const *in) {
  const lt_tensor *a = in[0];
  if ((op->flags & (LT_OPF_MASK_FIRST | LT_OPF_FLOAT)) || !op->loop[a->dtype] ||
      !cpu_contiguous(a))
    return false;
  for (int i = 1; i < n; i++)
    if (in[i]->dtype != a->dtype || !same_shape(in[i], a) || !cpu_contiguous(in[i]))
      return false;
  if (!out) return true;
  if (!is_input(out, n, in)) return false;
  return !(op->flags & LT_OPF_BOOL_OUT) || out->dtype == LT_BOOL;
}

static lt_tensor *compute_simple(const lt_opdef *op, lt_tensor *out, int n, lt_tensor *const *in,
                                 const double *params) {
  const lt_tensor *a = in[0];
  lt_dtype odt = (op->flags & LT_OPF_BOOL_OUT) ? LT_BOOL : a->dtype;
  lt_tensor *res = out;
  if (res)
    lt_tensor_retain(res);
  else if (!(res = lt_tensor_empty(odt, a->ndim, a->size)))
    return NULL;
  int64_t numel = 1;
  for (int i = 0; i < a->ndim; i++) numel *= a->size[i];
  if (numel >= LT_GRAIN) { /* big: let lt_iter split it over the threads */
    lt_tensor *ops[LT_ITER_MAX] = {res};
    for (int i = 0; i < n; i++) ops[1 + i] = in[i];
    lt_iter it;
    lt_iter_init(&it, n + 1, ops);
    lt_iter_run(&it, op->loop[a->dtype], params);
  } else if (numel > 0) {
    size_t esz = lt_dtype_size(a->dtype);
    char *data[LT_ITER_MAX] = {(char *)res->storage->data + res->offset * lt_dtype_size(odt)};
    int64_t stride[LT_ITER_MAX] = {(int64_t)lt_dtype_size(odt)};
    for (int i = 0; i < n; i++) {
      data[1 + i] = (char *)in[i]->storage->data + in[i]->offset * esz;
      stride[1 + i] = (int64_t)esz;
    }
    op->loop[a->dtype](data, stride, numel, params);
  }
  if (out) lt_tensor_bump_version(res); /* a fresh result has no readers to warn */
  return res;
}

int lt_ew_plan_make(const lt_opdef *op, lt_tensor *out, int n, lt_tensor *const *in,
                    lt_device dev, lt_ew_plan *p) {
  char a[128], b[128];
  p->ndim = in[0]->ndim;
  memcpy(p->shape, in[0]->size, sizeof(int64_t) * (size_t)p->ndim);
  for (int i = 1; i < n; i++)
    if (lt_broadcast_shape(op->name, p->ndim, p->shape, in[i]->ndim, in[i]->size, &p->ndim,
                           p->shape))
      return -1;
  p->ct = compute_dtype(op, n, in);
  if (!op->loop[p->ct]) /* the CPU loop table says which dtypes an op is defined on */
    return lt_errorf("%s: not defined for %s tensors", op->name, lt_dtype_name(p->ct));
  p->odt = (op->flags & LT_OPF_BOOL_OUT) ? LT_BOOL : p->ct;
  p->tmp = NULL;
  if (!out)
    return (p->res = lt_tensor_empty_on(p->odt, p->ndim, p->shape, dev)) ? 0 : -1;
  if (is_input(out, n, in)) {
    if (out->ndim != p->ndim || memcmp(out->size, p->shape, sizeof(int64_t) * (size_t)p->ndim))
      return lt_errorf("%s: in-place result of size %s cannot hold the broadcast size %s",
                       op->name, lt_shape_str(out->ndim, out->size, a, 128),
                       lt_shape_str(p->ndim, p->shape, b, 128));
    if (out->dtype != p->odt)
      return lt_errorf("%s: in-place result is %s but the op produces %s", op->name,
                       lt_dtype_name(out->dtype), lt_dtype_name(p->odt));
  } else if (lt_tensor_resize(out, p->ndim, p->shape)) {
    return -1;
  } else if (out->dtype != p->odt &&
             !(p->tmp = lt_tensor_empty_on(p->odt, p->ndim, p->shape, dev))) {
    return -1;
  }
  lt_tensor_retain(out);
  p->res = out;
  return 0;
}

static lt_tensor *compute(const lt_opdef *op, lt_tensor *out, int n, lt_tensor *const *in,
                          const double *params) {
  if (simple_case(op, out, n, in)) return compute_simple(op, out, n, in, params);
  if (lt_device_any(out, n, in)) return lt_device_elementwise(op, out, n, in, params);
  lt_ew_plan plan;
  if (lt_ew_plan_make(op, out, n, in, (lt_device){LT_CPU, 0}, &plan)) return NULL;
  int ndim = plan.ndim;
  const int64_t *shape = plan.shape;
  lt_dtype ct = plan.ct;
  lt_tensor *res = plan.res, *tmp = plan.tmp;

  /* operands: converted to the compute dtype, expanded to the shape */
  lt_tensor *ops[LT_ITER_MAX] = {tmp ? tmp : res};
  int made = 0;
  for (int i = 0; i < n; i++) {
    lt_dtype want = (i == 0 && (op->flags & LT_OPF_MASK_FIRST)) ? LT_BOOL : ct;
    lt_tensor *x = in[i];
    if (x->dtype != want) {
      if (!(x = lt_to_dtype(x, want))) goto fail_ops;
    } else {
      lt_tensor_retain(x);
    }
    if (x->ndim != ndim || memcmp(x->size, shape, sizeof(int64_t) * (size_t)ndim)) {
      lt_tensor *e = lt_expand(x, ndim, shape);
      lt_tensor_release(x);
      if (!(x = e)) goto fail_ops;
    }
    ops[1 + made++] = x;
  }
  lt_iter it;
  lt_iter_init(&it, n + 1, ops);
  lt_iter_run(&it, op->loop[ct], params);
  for (int i = 0; i < made; i++) lt_tensor_release(ops[1 + i]);
  if (tmp) {
    int rc = lt_copy_(res, tmp);
    lt_tensor_release(tmp);
    if (rc) goto fail;
  } else {
    lt_tensor_bump_version(res);
  }
  return res;

fail_ops:
  for (int i = 0; i < made; i++) lt_tensor_release(ops[1 + i]);
fail:
  lt_tensor_release(tmp);
  lt_tensor_release(res);
  return NULL;
}

/* The slow path, taken only when a tensor involved has autograd state:
 * record a node (LT_SAVE_* flags say what its backward reads), or, for a
 * non-differentiable op writing into a tensor with history, cut it. */
static lt_tensor *run_recorded(const lt_opdef *op, lt_tensor *out, int n, lt_tensor *const *in,
                               const double *params) {
  lt_node *node = NULL;
  if (op->flags & LT_OPF_NONDIFF) { /* the result has no history */
    if (out && lt_autograd_inplace_unrecorded(out, op->name)) return NULL;
    bool prev = lt_set_grad_enabled(false); /* nor its internal conversions */
    lt_tensor *r = compute(op, out, n, in, params);
    lt_set_grad_enabled(prev);
    return r;
  }
  if (lt_record_begin(&node, op->name, op->backward, out, n, in)) return NULL;
  if (!node) return compute(op, out, n, in, params);
  for (int i = 0; i < op->nparams; i++) node->params[i] = params[i];
  for (int i = 0; i < n; i++)
    if ((op->flags & (LT_SAVE_IN0 << i)) && lt_node_save(node, i, in[i])) return lt_record_end(node, NULL);
  lt_tensor *res = compute(op, out, n, in, params);
  if (res && (op->flags & LT_SAVE_OUT) && lt_node_save_output(node, LT_SAVED_OUT, res)) {
    lt_tensor_release(res);
    res = NULL;
  }
  return lt_record_end(node, res);
}

/* No autograd state anywhere: a couple of branches and straight on. */
static lt_tensor *run(const lt_opdef *op, lt_tensor *out, int n, lt_tensor *const *in,
                      const double *params) {
  bool ag = out && out->ag;
  for (int i = 0; i < n; i++) ag |= in[i]->ag != NULL;
  if (__builtin_expect(ag, 0)) return run_recorded(op, out, n, in, params);
  return compute(op, out, n, in, params);
}

lt_tensor *lt_unary(const lt_opdef *op, lt_tensor *out, lt_tensor *a, const double *params) {
  lt_tensor *in[1] = {a};
  return run(op, out, 1, in, params);
}

lt_tensor *lt_binary(const lt_opdef *op, lt_tensor *out, lt_tensor *a, lt_tensor *b,
                     const double *params) {
  lt_tensor *in[2] = {a, b};
  return run(op, out, 2, in, params);
}

lt_tensor *lt_ternary(const lt_opdef *op, lt_tensor *out, lt_tensor *a, lt_tensor *b,
                      lt_tensor *c, const double *params) {
  lt_tensor *in[3] = {a, b, c};
  return run(op, out, 3, in, params);
}

/* ---- named shortcuts for C callers ---- */

static lt_tensor *binary_named(const char *name, lt_tensor *a, lt_tensor *b) {
  static const double one[1] = {1};
  return lt_binary(lt_op_cached(name), NULL, a, b, one);
}

lt_tensor *lt_add(lt_tensor *a, lt_tensor *b) { return binary_named("add", a, b); }
lt_tensor *lt_sub(lt_tensor *a, lt_tensor *b) { return binary_named("sub", a, b); }
lt_tensor *lt_mul(lt_tensor *a, lt_tensor *b) { return binary_named("mul", a, b); }
lt_tensor *lt_div(lt_tensor *a, lt_tensor *b) { return binary_named("div", a, b); }

static lt_tensor *with_scalar(const char *name, lt_tensor *a, double s) {
  lt_tensor *k = lt_tensor_scalar(a->dtype, s);
  if (!k) return NULL;
  lt_tensor *r = binary_named(name, a, k);
  lt_tensor_release(k);
  return r;
}

lt_tensor *lt_mul_scalar(lt_tensor *a, double s) { return with_scalar("mul", a, s); }
lt_tensor *lt_add_scalar(lt_tensor *a, double s) { return with_scalar("add", a, s); }

lt_tensor *lt_unary_by_name(const char *name, lt_tensor *a) {
  const lt_opdef *op = lt_op_find(name); /* not cached: name may not be a literal */
  if (!op || op->kind != LT_KIND_UNARY) return lt_error("%s: no such unary op", name);
  return lt_unary(op, NULL, a, NULL);
}
