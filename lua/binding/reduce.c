/* Bindings of the reductions, scans and sorts (lib/ops/reduce*.c, sort.c).
 *
 * One function serves torch.f(...) and t:f(...): leading tensors are the
 * optional result tensors (Torch7's result-first form, also res:f(x, ...))
 * followed by the input. Dimensions and returned indices are 1-based here
 * and 0-based in C. Without a dimension a reduction returns a Lua number
 * (a boolean for all/any) -- or, when the input requires grad and grad
 * mode is on, a 0-dim tensor that carries the graph; with a dimension, a
 * tensor keeping that dimension as size 1 unless keepdim = false. */
#include <math.h>

#include "binding.h"

typedef struct {
  int nres;   /* result tensors given */
  int slot[2]; /* their stack slots */
  lt_tensor *x;
  int next;   /* first argument after x */
} lead_args;

/* Up to maxres result tensors, then the input tensor. */
static void lead(lua_State *L, const char *fn, int maxres, lead_args *a) {
  int k = 0;
  while (k < 4 && lb_to_tensor(L, k + 1)) k++;
  if (k == 0) lb_arg_error(L, fn, 1, "a tensor");
  a->nres = k - 1;
  if (a->nres > maxres || (maxres == 2 && a->nres == 1))
    lb_errorf(L, "torch.%s: expected %s the input tensor, got %d tensors in a row", fn,
               maxres == 2 ? "result tensors (values, indices) or only" : maxres == 1
                                                                          ? "one result tensor or only"
                                                                          : "only",
               k);
  for (int i = 0; i < a->nres; i++) a->slot[i] = i + 1;
  a->x = lb_to_tensor(L, k);
  a->next = k + 1;
}

static bool present(lua_State *L, int i) { return !lua_isnoneornil(L, i); }

static bool opt_bool(lua_State *L, int i, const char *fn, bool dflt) {
  if (!present(L, i)) return dflt;
  if (!lua_isboolean(L, i)) lb_arg_error(L, fn, i, "a boolean");
  return lua_toboolean(L, i);
}

static void no_more(lua_State *L, int i, const char *fn) {
  for (int top = lua_gettop(L); i <= top; i++)
    if (present(L, i)) lb_errorf(L, "torch.%s: unexpected argument %d (%s)", fn, i, luaL_typename(L, i));
}

static int check_dim(lua_State *L, int i, const char *fn, const lt_tensor *x) {
  if (lua_type(L, i) != LUA_TNUMBER) lb_arg_error(L, fn, i, "a dimension (number)");
  return lb_check_dim(L, i, fn, x->ndim);
}

static int64_t check_k(lua_State *L, int i, const char *fn) {
  if (lua_type(L, i) != LUA_TNUMBER) lb_arg_error(L, fn, i, "an integer k");
  double k = lua_tonumber(L, i);
  if (k != floor(k)) lb_errorf(L, "torch.%s: k must be an integer, got %g", fn, k);
  return (int64_t)k;
}

/* Push the results (indices converted to 1-based), copying into the
 * caller's result tensors when given. Takes over v and i. */
static int push_results(lua_State *L, const char *fn, const lead_args *a, lt_tensor *v,
                        lt_tensor *i) {
  lt_tensor *out[2] = {v, i};
  int n = i ? 2 : 1;
  if (i && lt_index_shift_(i, 1)) goto fail;
  for (int k = 0; k < a->nres && k < n; k++) {
    lt_tensor *res = lb_to_tensor(L, a->slot[k]);
    if (res->dtype != out[k]->dtype) {
      lt_error("%s: result tensor %d is %s, expected %s", fn, k + 1, lt_dtype_name(res->dtype),
               lt_dtype_name(out[k]->dtype));
      goto fail;
    }
  }
  for (int k = 0; k < a->nres && k < n; k++) {
    lt_tensor *res = lb_to_tensor(L, a->slot[k]);
    if (lt_tensor_resize(res, out[k]->ndim, out[k]->size) || lt_copy_(res, out[k])) goto fail;
  }
  for (int k = 0; k < n; k++) {
    if (k < a->nres) {
      lt_tensor_release(out[k]);
      lua_pushvalue(L, a->slot[k]);
    } else {
      lb_push_tensor(L, out[k]);
    }
  }
  return n;
fail:
  lt_tensor_release(v);
  lt_tensor_release(i);
  return lb_error(L);
}

/* Under autograd (x requires grad, grad mode on) a whole-tensor reduction
 * returns a 0-dim tensor instead of a number, so that it carries the graph
 * (PyTorch's behaviour). param as for lt_reduce_all. */
static int push_all_tensor(lua_State *L, lt_reduction red, lt_tensor *x, double param) {
  lt_tensor *r = NULL;
  int rc = 0;
  switch (red) {
  case LT_RED_SUM: r = lt_sum(x, LT_ALL_DIMS, false); break;
  case LT_RED_PROD: r = lt_prod(x, LT_ALL_DIMS, false); break;
  case LT_RED_MEAN: r = lt_mean(x, LT_ALL_DIMS, false); break;
  case LT_RED_VAR: r = lt_var(x, LT_ALL_DIMS, false, param == 0); break;
  case LT_RED_STD: r = lt_std(x, LT_ALL_DIMS, false, param == 0); break;
  case LT_RED_NORM: r = lt_norm(x, param, LT_ALL_DIMS, false); break;
  case LT_RED_LOGSUMEXP: r = lt_logsumexp(x, LT_ALL_DIMS, false); break;
  case LT_RED_MAX: rc = lt_max(x, LT_ALL_DIMS, false, &r, NULL); break;
  case LT_RED_MIN: rc = lt_min(x, LT_ALL_DIMS, false, &r, NULL); break;
  case LT_RED_MEDIAN: rc = lt_median(x, LT_ALL_DIMS, false, &r, NULL); break;
  default: rc = lt_errorf("reduce: reduction %d has no tensor form", (int)red);
  }
  if (rc || !r) return lb_error(L);
  return lb_push_tensor(L, r);
}

static int push_all(lua_State *L, lt_reduction red, lt_tensor *x, double param, bool boolean) {
  double v;
  if (!boolean && lt_autograd_wants(1, &x)) return push_all_tensor(L, red, x, param);
  if (lt_reduce_all(red, x, param, &v)) return lb_error(L);
  if (boolean) lua_pushboolean(L, v != 0);
  else lua_pushnumber(L, v);
  return 1;
}

/* sum, prod, mean, logsumexp, all, any: ([res,] x [, dim [, keepdim]]) */
static int l_simple(lua_State *L) {
  lt_reduction red = (lt_reduction)lua_tointeger(L, lua_upvalueindex(1));
  const char *fn = lua_tostring(L, lua_upvalueindex(2));
  lead_args a;
  lead(L, fn, 1, &a);
  bool boolean = red == LT_RED_ALL || red == LT_RED_ANY;
  if (!present(L, a.next)) {
    if (a.nres) return lb_errorf(L, "torch.%s: a result tensor needs a dimension argument", fn);
    no_more(L, a.next + 1, fn);
    return push_all(L, red, a.x, 0, boolean);
  }
  int dim = check_dim(L, a.next, fn, a.x);
  bool keep = opt_bool(L, a.next + 1, fn, true);
  no_more(L, a.next + 2, fn);
  lt_tensor *r = red == LT_RED_SUM    ? lt_sum(a.x, dim, keep)
               : red == LT_RED_PROD   ? lt_prod(a.x, dim, keep)
               : red == LT_RED_MEAN   ? lt_mean(a.x, dim, keep)
               : red == LT_RED_ALL    ? lt_all(a.x, dim, keep)
               : red == LT_RED_ANY    ? lt_any(a.x, dim, keep)
                                      : lt_logsumexp(a.x, dim, keep);
  if (!r) return lb_error(L);
  return push_results(L, fn, &a, r, NULL);
}

/* var, std: ([res,] x [, dim] [, biased] [, keepdim]); x:std(true) is biased over all */
static int l_varstd(lua_State *L) {
  bool is_std = lua_toboolean(L, lua_upvalueindex(1));
  const char *fn = is_std ? "std" : "var";
  lead_args a;
  lead(L, fn, 1, &a);
  int i = a.next;
  if (!present(L, i) || lua_isboolean(L, i)) {
    if (a.nres) return lb_errorf(L, "torch.%s: a result tensor needs a dimension argument", fn);
    bool biased = lua_isboolean(L, i) ? lua_toboolean(L, i) : opt_bool(L, i + 1, fn, false);
    no_more(L, lua_isboolean(L, i) ? i + 1 : i + 2, fn);
    return push_all(L, is_std ? LT_RED_STD : LT_RED_VAR, a.x, biased, false);
  }
  int dim = check_dim(L, i, fn, a.x);
  bool biased = opt_bool(L, i + 1, fn, false), keep = opt_bool(L, i + 2, fn, true);
  no_more(L, i + 3, fn);
  lt_tensor *r = is_std ? lt_std(a.x, dim, keep, !biased) : lt_var(a.x, dim, keep, !biased);
  if (!r) return lb_error(L);
  return push_results(L, fn, &a, r, NULL);
}

/* norm: ([res,] x [, p] [, dim] [, keepdim]) */
static int l_norm(lua_State *L) {
  lead_args a;
  lead(L, "norm", 1, &a);
  int i = a.next;
  double p = 2;
  if (present(L, i)) {
    if (lua_type(L, i) != LUA_TNUMBER) lb_arg_error(L, "norm", i, "a number p");
    p = lua_tonumber(L, i);
  }
  if (!present(L, i + 1)) {
    if (a.nres) return lb_errorf(L, "torch.norm: a result tensor needs a dimension argument");
    no_more(L, i + 2, "norm");
    return push_all(L, LT_RED_NORM, a.x, p, false);
  }
  int dim = check_dim(L, i + 1, "norm", a.x);
  bool keep = opt_bool(L, i + 2, "norm", true);
  no_more(L, i + 3, "norm");
  lt_tensor *r = lt_norm(a.x, p, dim, keep);
  if (!r) return lb_error(L);
  return push_results(L, "norm", &a, r, NULL);
}

/* max, min: ([resval, resind,] x [, dim [, keepdim]]) -> number | values, indices */
static int l_extreme(lua_State *L) {
  bool is_max = lua_toboolean(L, lua_upvalueindex(1));
  const char *fn = is_max ? "max" : "min";
  lead_args a;
  lead(L, fn, 2, &a);
  if (!present(L, a.next)) {
    if (a.nres) return lb_errorf(L, "torch.%s: result tensors need a dimension argument", fn);
    no_more(L, a.next + 1, fn);
    return push_all(L, is_max ? LT_RED_MAX : LT_RED_MIN, a.x, 0, a.x->dtype == LT_BOOL);
  }
  int dim = check_dim(L, a.next, fn, a.x);
  bool keep = opt_bool(L, a.next + 1, fn, true);
  no_more(L, a.next + 2, fn);
  lt_tensor *v, *i;
  if ((is_max ? lt_max : lt_min)(a.x, dim, keep, &v, &i)) return lb_error(L);
  return push_results(L, fn, &a, v, i);
}

/* argmax, argmin: (x [, dim [, keepdim]]) -> flat 1-based number | LongTensor */
static int l_arg(lua_State *L) {
  bool is_max = lua_toboolean(L, lua_upvalueindex(1));
  const char *fn = is_max ? "argmax" : "argmin";
  lead_args a;
  lead(L, fn, 0, &a);
  lt_tensor *(*f)(const lt_tensor *, int, bool) = is_max ? lt_argmax : lt_argmin;
  if (!present(L, a.next)) {
    no_more(L, a.next + 1, fn);
    lt_tensor *r = f(a.x, LT_ALL_DIMS, false);
    if (!r) return lb_error(L);
    lua_pushnumber(L, (lua_Number)(*(int64_t *)lt_tensor_data(r) + 1));
    lt_tensor_release(r);
    return 1;
  }
  int dim = check_dim(L, a.next, fn, a.x);
  bool keep = opt_bool(L, a.next + 1, fn, true);
  no_more(L, a.next + 2, fn);
  lt_tensor *r = f(a.x, dim, keep);
  if (!r) return lb_error(L);
  if (lt_index_shift_(r, 1)) {
    lt_tensor_release(r);
    return lb_error(L);
  }
  return lb_push_tensor(L, r);
}

/* cumsum, cumprod: ([res,] x [, dim]); dim defaults to 1 (Torch7) */
static int l_cum(lua_State *L) {
  bool is_sum = lua_toboolean(L, lua_upvalueindex(1));
  const char *fn = is_sum ? "cumsum" : "cumprod";
  lead_args a;
  lead(L, fn, 1, &a);
  int dim = present(L, a.next) ? check_dim(L, a.next, fn, a.x) : 0;
  no_more(L, a.next + 1, fn);
  lt_tensor *r = is_sum ? lt_cumsum(a.x, dim) : lt_cumprod(a.x, dim);
  if (!r) return lb_error(L);
  return push_results(L, fn, &a, r, NULL);
}

static int last_dim(const lt_tensor *x) { return x->ndim ? x->ndim - 1 : 0; }

/* sort: ([resval, resind,] x [, dim] [, descending]) */
static int l_sort(lua_State *L) {
  lead_args a;
  lead(L, "sort", 2, &a);
  int i = a.next, dim = last_dim(a.x);
  if (present(L, i) && !lua_isboolean(L, i)) dim = check_dim(L, i++, "sort", a.x);
  else if (!present(L, i) && present(L, i + 1)) i++; /* sort(x, nil, true) */
  bool desc = opt_bool(L, i, "sort", false);
  no_more(L, i + 1, "sort");
  lt_tensor *v, *ix;
  if (lt_sort(a.x, dim, desc, &v, &ix)) return lb_error(L);
  return push_results(L, "sort", &a, v, ix);
}

/* topk: ([resval, resind,] x, k [, dim [, dir [, sort]]]); dir = true: largest */
static int l_topk(lua_State *L) {
  lead_args a;
  lead(L, "topk", 2, &a);
  int i = a.next;
  int64_t k = check_k(L, i, "topk");
  int dim = present(L, i + 1) ? check_dim(L, i + 1, "topk", a.x) : last_dim(a.x);
  bool largest = opt_bool(L, i + 2, "topk", false), sorted = opt_bool(L, i + 3, "topk", true);
  no_more(L, i + 4, "topk");
  lt_tensor *v, *ix;
  if (lt_topk(a.x, k, dim, largest, sorted, &v, &ix)) return lb_error(L);
  return push_results(L, "topk", &a, v, ix);
}

/* kthvalue: ([resval, resind,] x, k [, dim [, keepdim]]) */
static int l_kthvalue(lua_State *L) {
  lead_args a;
  lead(L, "kthvalue", 2, &a);
  int i = a.next;
  int64_t k = check_k(L, i, "kthvalue");
  int dim = present(L, i + 1) ? check_dim(L, i + 1, "kthvalue", a.x) : last_dim(a.x);
  bool keep = opt_bool(L, i + 2, "kthvalue", true);
  no_more(L, i + 3, "kthvalue");
  lt_tensor *v, *ix;
  if (lt_kthvalue(a.x, k, dim, keep, &v, &ix)) return lb_error(L);
  return push_results(L, "kthvalue", &a, v, ix);
}

/* median: ([resval, resind,] x [, dim [, keepdim]]); x:median() -> number */
static int l_median(lua_State *L) {
  lead_args a;
  lead(L, "median", 2, &a);
  int i = a.next;
  if (!present(L, i) && !a.nres) {
    no_more(L, i + 1, "median");
    return push_all(L, LT_RED_MEDIAN, a.x, 0, false);
  }
  int dim = present(L, i) ? check_dim(L, i, "median", a.x) : last_dim(a.x);
  bool keep = opt_bool(L, i + 1, "median", true);
  no_more(L, i + 2, "median");
  lt_tensor *v, *ix;
  if (lt_median(a.x, dim, keep, &v, &ix)) return lb_error(L);
  return push_results(L, "median", &a, v, ix);
}

static void reg(lua_State *L, int fidx, int midx, const char *name, lua_CFunction f, int nup) {
  lua_pushcclosure(L, f, nup);
  lua_pushvalue(L, -1);
  lua_setfield(L, fidx, name);
  lua_setfield(L, midx, name);
}

void lb_open_reduce(lua_State *L) {
  lua_getfield(L, -1, "fn");
  int fidx = lua_gettop(L);
  lua_getfield(L, -2, "methods");
  int midx = lua_gettop(L);
  static const struct {
    const char *name;
    lt_reduction red;
  } simple[] = {{"sum", LT_RED_SUM}, {"prod", LT_RED_PROD}, {"mean", LT_RED_MEAN},
                {"logsumexp", LT_RED_LOGSUMEXP}, {"all", LT_RED_ALL}, {"any", LT_RED_ANY}};
  for (size_t k = 0; k < sizeof simple / sizeof simple[0]; k++) {
    lua_pushinteger(L, simple[k].red);
    lua_pushstring(L, simple[k].name);
    reg(L, fidx, midx, simple[k].name, l_simple, 2);
  }
  static const struct {
    const char *name;
    lua_CFunction f;
    int flag;
  } flagged[] = {{"std", l_varstd, 1},   {"var", l_varstd, 0},    {"max", l_extreme, 1},
                 {"min", l_extreme, 0},  {"argmax", l_arg, 1},    {"argmin", l_arg, 0},
                 {"cumsum", l_cum, 1},   {"cumprod", l_cum, 0}};
  for (size_t k = 0; k < sizeof flagged / sizeof flagged[0]; k++) {
    lua_pushboolean(L, flagged[k].flag);
    reg(L, fidx, midx, flagged[k].name, flagged[k].f, 1);
  }
  reg(L, fidx, midx, "norm", l_norm, 0);
  reg(L, fidx, midx, "sort", l_sort, 0);
  reg(L, fidx, midx, "topk", l_topk, 0);
  reg(L, fidx, midx, "kthvalue", l_kthvalue, 0);
  reg(L, fidx, midx, "median", l_median, 0);
  lua_pop(L, 2);
}
