/* Bindings driven by the op table: each elementwise entry becomes a
 * function torch.<name> (allocating, or result-first) and a method
 * t:<name>() (in place on t, Torch7 style), with one argument parser.
 *
 * Forms, for an op of n tensor inputs (a "value" multiplier is the optional
 * scalar of add/sub/addcmul/addcdiv, placed after the first input):
 *   torch.op([res,] x1, [value,] x2 ..., [params])
 *   t:op(x1, [value,] x2 ...)   -> t = op(x1, ...)
 *   t:op([value,] x2 ...)       -> t = op(t, ...)  (ops with a bool result
 *                                  allocate instead: a:gt(b) is new)
 * Numbers stand for tensors of the first tensor operand's dtype. */
#include <math.h>
#include <string.h>

#include "binding.h"

static int arity(const lt_opdef *op) {
  return op->kind == LT_KIND_UNARY ? 1 : op->kind == LT_KIND_BINARY ? 2 : 3;
}

/* add/sub/addcmul/addcdiv: the single parameter is Torch7's multiplier */
static bool has_value(const lt_opdef *op) { return op->kind != LT_KIND_UNARY && op->nparams == 1; }

/* The tensors among the arguments, looked up once per call (slot i holds
 * stack index i, or NULL for a non-tensor). */
#define MAX_ARGS 8
typedef struct {
  int top;
  lt_tensor *t[MAX_ARGS + 1];
} arg_tensors;

static void scan_args(lua_State *L, const lt_opdef *op, arg_tensors *a) {
  a->top = lua_gettop(L);
  if (a->top > MAX_ARGS) lb_errorf(L, "torch.%s: too many arguments (%d)", op->name, a->top);
  for (int i = 1; i <= a->top; i++) a->t[i] = lb_to_tensor(L, i);
}

typedef struct {
  lt_tensor *in[3];
  lt_tensor *made[3]; /* scalars wrapped as tensors, released after */
  double prm[LT_OP_MAX_PARAMS];
} call_args;

static void release_args(call_args *c) {
  for (int i = 0; i < 3; i++) lt_tensor_release(c->made[i]);
}

/* Operands at stack slots [first, top]: n tensors or numbers, with the
 * value multiplier after the first when present, then op params. */
static void parse_operands(lua_State *L, const lt_opdef *op, const arg_tensors *a, int first,
                           call_args *c) {
  int top = a->top, n = arity(op), slot[3], k = 0, i = first;
  memset(c, 0, sizeof *c);
  for (int p = 0; p < LT_OP_MAX_PARAMS; p++) c->prm[p] = 1;
  if (op->kind == LT_KIND_UNARY && op->nparams == 2) { /* clamp(min, max) */
    c->prm[0] = -INFINITY;
    c->prm[1] = INFINITY;
  }
  if (i > top) lb_errorf(L, "torch.%s: expected %d operand(s), got none", op->name, n);
  slot[k++] = i++;
  if (has_value(op) && i <= top && lua_isnumber(L, i) && top - i >= n - 1) c->prm[0] = lua_tonumber(L, i++);
  while (k < n) {
    if (i > top)
      lb_errorf(L, "torch.%s: expected %d operands, got %d", op->name, n, k);
    slot[k++] = i++;
  }
  if (op->kind == LT_KIND_UNARY)
    for (int p = 0; p < op->nparams && i <= top; p++, i++)
      if (!lua_isnil(L, i)) {
        if (!lua_isnumber(L, i)) lb_arg_error(L, op->name, i, "a number");
        c->prm[p] = lua_tonumber(L, i);
      }
  if (i <= top) lb_errorf(L, "torch.%s: too many arguments (%d)", op->name, top);
  /* the dtype scalars take: that of the first tensor operand */
  lt_dtype dt = LT_FLOAT32;
  bool found = false;
  for (int j = 0; j < n && !found; j++) {
    lt_tensor *t = a->t[slot[j]];
    if (t && !((op->flags & LT_OPF_MASK_FIRST) && j == 0)) {
      dt = t->dtype;
      found = true;
    }
  }
  for (int j = 0; j < n; j++) {
    lt_tensor *t = a->t[slot[j]];
    if (!t) {
      int s = slot[j];
      if (!lua_isnumber(L, s) && !lua_isboolean(L, s))
        lb_arg_error(L, op->name, s, "a tensor or a number");
      double v = lua_isboolean(L, s) ? lua_toboolean(L, s) : lua_tonumber(L, s);
      lt_dtype want = ((op->flags & LT_OPF_MASK_FIRST) && j == 0) ? LT_BOOL : dt;
      t = c->made[j] = lt_tensor_scalar(want, v);
      if (!t) {
        release_args(c);
        lb_error(L);
      }
    }
    c->in[j] = t;
  }
  if (!found && !(op->flags & LT_OPF_MASK_FIRST)) {
    release_args(c);
    lb_errorf(L, "torch.%s: expected at least one tensor operand", op->name);
  }
}

static int dispatch(lua_State *L, const lt_opdef *op, lt_tensor *res, call_args *c) {
  lt_tensor *r;
  switch (op->kind) {
  case LT_KIND_UNARY: r = lt_unary(op, res, c->in[0], c->prm); break;
  case LT_KIND_BINARY: r = lt_binary(op, res, c->in[0], c->in[1], c->prm); break;
  default: r = lt_ternary(op, res, c->in[0], c->in[1], c->in[2], c->prm); break;
  }
  release_args(c);
  if (!r) return lb_error(L);
  if (res) { /* push the tensor the caller passed, not a new box */
    lt_tensor_release(r);
    return 0;
  }
  return lb_push_tensor(L, r);
}

/* torch.op(x, y [, z]) with exactly the op's tensor inputs, the small-op
 * workload's call: no operand parsing, default parameters (the value
 * multiplier 1). Returns the result count, or -1 for any other form. */
static int quick_call(lua_State *L, const lt_opdef *op, const arg_tensors *a) {
  static const double ones[LT_OP_MAX_PARAMS] = {1, 1, 1, 1};
  int n = arity(op);
  if (a->top != n || (op->kind == LT_KIND_UNARY && op->nparams)) return -1;
  for (int i = 1; i <= n; i++)
    if (!a->t[i]) return -1;
  lt_tensor *r = op->kind == LT_KIND_UNARY    ? lt_unary(op, NULL, a->t[1], ones)
                 : op->kind == LT_KIND_BINARY ? lt_binary(op, NULL, a->t[1], a->t[2], ones)
                                              : lt_ternary(op, NULL, a->t[1], a->t[2], a->t[3], ones);
  return lb_push_tensor(L, r);
}

/* polygamma, the one unary op whose parameter is an order: PyTorch puts n
 * first, torch.polygamma([res,] n, x) and x:polygamma(n [, src]); the
 * parser wants it last, so a number just before the tensor operand moves
 * after it. n must be given and be a whole number >= 0. */
static bool order_first(const lt_opdef *op) { return strcmp(op->name, "polygamma") == 0; }

static void move_order_last(lua_State *L, const lt_opdef *op) {
  int top = lua_gettop(L);
  for (int i = 1; i < top; i++)
    if (lua_type(L, i) == LUA_TNUMBER && lb_to_tensor(L, i + 1)) {
      lua_pushvalue(L, i);
      lua_remove(L, i);
      lua_insert(L, i + 1);
      break;
    }
  if (top < 2 || lua_type(L, top) != LUA_TNUMBER)
    lb_errorf(L, "torch.%s: expected the order n (a number) and a tensor", op->name);
  double n = lua_tonumber(L, top);
  if (!(n >= 0) || n != floor(n))
    lb_errorf(L, "torch.%s: the order n must be a whole number >= 0, got %g", op->name, n);
}

/* torch.<op>(...) */
static int l_function(lua_State *L) {
  const lt_opdef *op = lua_touserdata(L, lua_upvalueindex(1));
  if (order_first(op)) move_order_last(L, op);
  arg_tensors a;
  scan_args(L, op, &a);
  int quick = quick_call(L, op, &a);
  if (quick >= 0) return quick;
  bool res_first = a.top >= 2 && a.t[1] && a.t[2] &&
                   (op->kind == LT_KIND_UNARY || a.top - 1 >= arity(op));
  lt_tensor *res = res_first ? a.t[1] : NULL;
  call_args c;
  parse_operands(L, op, &a, res_first ? 2 : 1, &c);
  int n = dispatch(L, op, res, &c);
  if (n == 0) lua_pushvalue(L, 1);
  return 1;
}

/* t:<op>(...) */
static int l_method(lua_State *L) {
  const lt_opdef *op = lua_touserdata(L, lua_upvalueindex(1));
  if (order_first(op)) move_order_last(L, op);
  arg_tensors a;
  scan_args(L, op, &a);
  lt_tensor *self = a.top >= 1 ? a.t[1] : NULL;
  if (!self) lb_arg_error(L, op->name, 1, "a tensor (self)");
  int m = a.top - 1;
  bool explicit_inputs = m >= arity(op) && a.t[2];
  call_args c;
  if (explicit_inputs) {
    parse_operands(L, op, &a, 2, &c);
    dispatch(L, op, self, &c);
    lua_settop(L, 1);
    return 1;
  }
  parse_operands(L, op, &a, 1, &c);
  if (op->flags & LT_OPF_BOOL_OUT) return dispatch(L, op, NULL, &c);
  dispatch(L, op, self, &c);
  lua_settop(L, 1);
  return 1;
}

/* Register torch.<name> into the table at fidx and methods into midx for
 * every elementwise entry; core.ops lists every entry with its facts. */
void lb_open_ops(lua_State *L) {
  int n;
  const lt_opdef *const *table = lt_op_table(&n);
  lua_getfield(L, -1, "methods");
  int midx = lua_gettop(L);
  lua_newtable(L);
  int fidx = lua_gettop(L);
  lua_newtable(L);
  int oidx = lua_gettop(L);
  for (int i = 0; i < n; i++) {
    const lt_opdef *op = table[i];
    lua_createtable(L, 0, 4);
    lua_pushstring(L, op->kind == LT_KIND_UNARY    ? "unary"
                      : op->kind == LT_KIND_BINARY ? "binary"
                      : op->kind == LT_KIND_TERNARY ? "ternary"
                                                    : "other");
    lua_setfield(L, -2, "kind");
    lua_pushboolean(L, op->backward != NULL);
    lua_setfield(L, -2, "differentiable");
    lua_pushboolean(L, (op->flags & LT_OPF_NONDIFF) != 0);
    lua_setfield(L, -2, "nondiff");
    lua_pushinteger(L, op->nparams);
    lua_setfield(L, -2, "nparams");
    lua_setfield(L, oidx, op->name);
    if (op->kind == LT_KIND_OTHER) continue;
    lua_pushlightuserdata(L, (void *)op);
    lua_pushcclosure(L, l_function, 1);
    lua_setfield(L, fidx, op->name);
    lua_pushlightuserdata(L, (void *)op);
    lua_pushcclosure(L, l_method, 1);
    lua_setfield(L, midx, op->name);
  }
  lua_setfield(L, midx - 1, "ops");
  lua_setfield(L, midx - 1, "fn");
  lua_pop(L, 1);
}
