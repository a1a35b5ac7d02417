/* Host side of elementwise ops on GPU tensors: the same contract as lib's
 * CPU dispatcher (lib/ops/elementwise.c) -- broadcasting, dtype promotion,
 * out = NULL / in place / result-first -- then one kernel launch.
 * A CPU tensor of 0 dimensions (a number from Lua) is passed to the kernel
 * as a scalar; any other CPU operand is a device-mixing error. */
#include <math.h>
#include <string.h>

#include "internal.h"

typedef struct {
  const char *name;
  int code;
} named_op;

static const named_op unary_ops[] = {
    {"neg", LTK_NEG},     {"abs", LTK_ABS},     {"sign", LTK_SIGN},   {"relu", LTK_RELU},
    {"floor", LTK_FLOOR}, {"ceil", LTK_CEIL},   {"round", LTK_ROUND}, {"trunc", LTK_TRUNC},
    {"exp", LTK_EXP},     {"log", LTK_LOG},     {"log1p", LTK_LOG1P}, {"expm1", LTK_EXPM1},
    {"sqrt", LTK_SQRT},   {"rsqrt", LTK_RSQRT}, {"sin", LTK_SIN},     {"cos", LTK_COS},
    {"tan", LTK_TAN},     {"asin", LTK_ASIN},   {"acos", LTK_ACOS},   {"atan", LTK_ATAN},
    {"sinh", LTK_SINH},   {"cosh", LTK_COSH},   {"tanh", LTK_TANH},   {"sigmoid", LTK_SIGMOID},
    {"clamp", LTK_CLAMP}, {NULL, 0}};

static const named_op binary_ops[] = {
    {"add", LTK_ADD},   {"sub", LTK_SUB},   {"mul", LTK_MUL},
    {"div", LTK_DIV},   {"pow", LTK_POW},   {"fmod", LTK_FMOD},
    {"remainder", LTK_REMAINDER}, {"cmax", LTK_CMAX}, {"cmin", LTK_CMIN},
    {"atan2", LTK_ATAN2}, {NULL, 0}};

/* ops only the generic kernel runs (codes from internal.h) */
static const named_op generic_ops[] = {
    {"eq", LTK_EQ},           {"ne", LTK_NE},
    {"lt", LTK_LT},           {"le", LTK_LE},
    {"gt", LTK_GT},           {"ge", LTK_GE},
    {"logical_and", LTK_LAND}, {"logical_or", LTK_LOR},
    {"logical_xor", LTK_LXOR}, {"logical_not", LTK_LNOT},
    {"tanh_backward", LTK_TANH_GRAD}, {"sigmoid_backward", LTK_SIGMOID_GRAD},
    {"relu_backward", LTK_RELU_GRAD}, {"clamp_backward", LTK_CLAMP_GRAD},
    {"where", LTK_WHERE},     {"lerp", LTK_LERP},
    {"addcmul", LTK_ADDCMUL}, {"addcdiv", LTK_ADDCDIV},
    {"erf", LTK_ERF},         {"erfc", LTK_ERFC},
    {"erfinv", LTK_ERFINV},   {"lgamma", LTK_LGAMMA},
    {"digamma", LTK_DIGAMMA}, {"polygamma", LTK_POLYGAMMA},
    {"bitand", LTK_BITAND},   {"cbitand", LTK_BITAND},   {"bitwise_and", LTK_BITAND},
    {"bitor", LTK_BITOR},     {"cbitor", LTK_BITOR},     {"bitwise_or", LTK_BITOR},
    {"bitxor", LTK_BITXOR},   {"cbitxor", LTK_BITXOR},   {"bitwise_xor", LTK_BITXOR},
    {"lshift", LTK_LSHIFT},   {"clshift", LTK_LSHIFT},   {"bitwise_left_shift", LTK_LSHIFT},
    {"rshift", LTK_RSHIFT},   {"crshift", LTK_RSHIFT},   {"bitwise_right_shift", LTK_RSHIFT},
    {NULL, 0}};

static int find(const named_op *t, const char *name) {
  for (; t->name; t++)
    if (!strcmp(t->name, name)) return t->code;
  return -1;
}

/* The op's code for the float fast paths (-1: none) and for the generic
 * kernel (-1: not implemented on the GPU). */
static int op_code(const lt_opdef *op) {
  if (op->kind == LT_KIND_UNARY) return find(unary_ops, op->name);
  if (op->kind == LT_KIND_BINARY) return find(binary_ops, op->name);
  return -1;
}

static int generic_code(const lt_opdef *op) {
  int c = op_code(op);
  if (c >= 0) return op->kind == LT_KIND_BINARY ? c + LTK_BINARY_BASE : c;
  return find(generic_ops, op->name);
}

/* every operand on dev, or a CPU number; fills *dev from the first GPU one */
static int check_devices(const lt_opdef *op, lt_tensor *out, int n, lt_tensor *const *in,
                         lt_device *dev) {
  char a[32], b[32];
  dev->type = LT_CPU;
  dev->index = 0;
  int first = 0;
  if (out && lt_tensor_device(out).type == LT_CUDA) *dev = lt_tensor_device(out);
  for (int i = 0; i < n; i++) {
    lt_device d = lt_tensor_device(in[i]);
    if (d.type != LT_CUDA) continue;
    if (dev->type == LT_CPU) {
      *dev = d;
      first = i + 1;
    } else if (!lt_device_equal(*dev, d)) {
      return lt_errorf("%s: tensors on different devices: operand %d is on %s, %s %s", op->name,
                       i + 1, lt_device_str(d, a, sizeof a),
                       first ? "an earlier operand on" : "the result on",
                       lt_device_str(*dev, b, sizeof b));
    }
  }
  if (dev->type != LT_CUDA) return lt_errorf("%s: no CUDA tensor among the operands", op->name);
  for (int i = 0; i < n; i++)
    if (lt_tensor_device(in[i]).type == LT_CPU && in[i]->ndim != 0)
      return lt_errorf("%s: tensors on different devices: operand %d is on cpu, the others on "
                       "%s (only numbers mix with GPU tensors; move it with :cuda())",
                       op->name, i + 1, lt_device_str(*dev, b, sizeof b));
  if (out && lt_tensor_device(out).type == LT_CPU)
    return lt_errorf("%s: tensors on different devices: the result is on cpu, the operands on %s",
                     op->name, lt_device_str(*dev, b, sizeof b));
  return 0;
}

lt_tensor *lt_cuda_elementwise(const lt_opdef *op, lt_tensor *out, int n, lt_tensor *const *in,
                               const double *params) {
  int code = op_code(op), gcode = generic_code(op);
  if (gcode < 0 || n > 3) return lt_error("%s: not implemented for CUDA tensors yet", op->name);
  lt_device dev;
  if (check_devices(op, out, n, in, &dev)) return NULL;

  lt_ew_plan plan;
  if (lt_ew_plan_make(op, out, n, in, dev, &plan)) return NULL;
  int ndim = plan.ndim;
  const int64_t *shape = plan.shape;
  lt_dtype ct = plan.ct;
  bool bool_out = (op->flags & LT_OPF_BOOL_OUT) != 0;
  lt_tensor *res = plan.res, *tmp = plan.tmp;
  /* the float fast paths (16-byte loads) take the float ops they know */
  bool fast = code >= 0 && n <= 2 && !bool_out && (ct == LT_FLOAT32 || ct == LT_FLOAT64);

  /* operands: GPU tensors converted to ct and expanded; numbers as scalars */
  lt_tensor *dst = tmp ? tmp : res, *held[3] = {NULL, NULL, NULL};
  lt_tensor *geo[4] = {dst, NULL, NULL, NULL};
  ltk_operand arg[3] = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
  bool contiguous = lt_tensor_is_contiguous(dst);
  for (int i = 0; i < n; i++) {
    lt_tensor *x = in[i];
    if (lt_tensor_device(x).type == LT_CPU) {
      arg[i].scalar = lt_dtype_load(x->dtype, lt_tensor_data(x));
      if (ct == LT_BOOL) arg[i].scalar = arg[i].scalar != 0;
      continue;
    }
    if (!(x = lt_to_dtype(x, ct))) goto fail_ops;
    held[i] = x;
    if (x->ndim != ndim || memcmp(x->size, shape, sizeof(int64_t) * (size_t)ndim)) {
      lt_tensor *e = lt_expand(x, ndim, shape);
      if (!e) goto fail_ops;
      lt_tensor_release(x);
      held[i] = x = e;
    }
    arg[i].ptr = lt_tensor_data(x);
    geo[i + 1] = x;
    contiguous = contiguous && lt_tensor_is_contiguous(x);
  }
  int64_t numel = lt_tensor_numel(dst);
  if (numel > 0) {
    if (lt_cuda_use(op->name, dev.index)) goto fail_ops;
    ltk_geom g;
    if (!contiguous) ltk_geom_init(&g, n + 1, geo);
    cudaStream_t s = lt_cuda_stream(dev.index);
    int sms = lt_cuda_sm_count(dev.index);
    /* C callers may pass no params: clamp's bounds default to none */
    double prm[2];
    if (op->kind == LT_KIND_BINARY && op->nparams == 1) { /* add/sub: the multiplier */
      prm[0] = params ? params[0] : 1.0;
      prm[1] = 0;
    } else if (op->kind == LT_KIND_TERNARY) { /* addcmul/addcdiv: the value */
      prm[0] = params && op->nparams > 0 ? params[0] : 1.0;
      prm[1] = 0;
    } else {
      prm[0] = params && op->nparams > 0 ? params[0] : -INFINITY;
      prm[1] = params && op->nparams > 1 ? params[1] : INFINITY;
    }
    cudaError_t err;
    if (!fast)
      err = ltk_pointwise(gcode, ct, bool_out, lt_tensor_data(dst), n, arg, numel,
                          contiguous ? NULL : &g, prm, sms, s);
    else if (op->kind == LT_KIND_UNARY)
      err = ltk_unary(code, ct, lt_tensor_data(dst), arg[0], numel, contiguous ? NULL : &g, prm,
                      sms, s);
    else
      err = ltk_binary(code, ct, lt_tensor_data(dst), arg[0], arg[1], numel,
                       contiguous ? NULL : &g, params && op->nparams > 0 ? params[0] : 1.0, sms, s);
    if (err != cudaSuccess) {
      lt_cuda_fail(op->name, "the elementwise kernel", err);
      goto fail_ops;
    }
  }
  for (int i = 0; i < 3; i++) lt_tensor_release(held[i]);
  if (tmp) {
    int rc = lt_copy_(res, tmp);
    lt_tensor_release(tmp);
    tmp = NULL;
    if (rc) goto fail;
  } else {
    lt_tensor_bump_version(res);
  }
  return res;

fail_ops:
  for (int i = 0; i < 3; i++) lt_tensor_release(held[i]);
fail:
  lt_tensor_release(tmp);
  lt_tensor_release(res);
  return NULL;
}
