/* Bindings of the index and shape ops (lib/ops/index*.c, shape.c).
 *
 * Index tensors come from Lua 1-based and are rebased here with
 * lt_index_rebase (idx - 1) before the 0-based C call; nonzero's 0-based
 * coordinates are rebased + 1 on the way out. All Lua argument checks run
 * before any C tensor is made, so a Lua error never leaks one.
 *
 * Forms: functions that make a new tensor take an optional result first
 * (torch.gather([res,] x, dim, idx); res:gather(x, dim, idx) too); the
 * Torch7 in-place methods (x:indexCopy, x:scatter, x:maskedFill, ...) write
 * into x, and their torch.<name>(x, ...) forms write into a copy of x. */
#include <stdlib.h>
#include <string.h>

#include "binding.h"

static bool is_tensor(lua_State *L, int i) { return lb_to_tensor(L, i) != NULL; }

/* Push the result of an op that had an optional result tensor at slot 1. */
static int push_result(lua_State *L, lt_tensor *r, bool res_first) {
  if (!r) return lb_error(L);
  if (res_first) {
    lt_tensor_release(r);
    lua_pushvalue(L, 1);
    return 1;
  }
  return lb_push_tensor(L, r);
}

/* A number or boolean (or a one-element tensor) as a fill value. */
static double check_value(lua_State *L, int i, const char *fn) {
  if (lua_isboolean(L, i)) return lua_toboolean(L, i);
  if (lua_isnumber(L, i)) return lua_tonumber(L, i);
  lt_tensor *t = lb_to_tensor(L, i);
  if (t && lt_tensor_numel(t) == 1 && lt_tensor_device(t).type == LT_CPU)
    return lt_dtype_load(t->dtype, lt_tensor_data(t));
  lb_arg_error(L, fn, i, "a number");
  return 0;
}

/* 1-based Lua index tensor -> new 0-based int64 tensor, or a Lua error */
static lt_tensor *rebased(lua_State *L, lt_tensor *idx, const char *fn) {
  lt_tensor *ix = lt_index_rebase(fn, idx, -1);
  if (!ix) lb_error(L);
  return ix;
}

/* ---- index / gather: [res,] x, dim, idx ---- */

static int select_like(lua_State *L, const char *fn,
                       lt_tensor *(*f)(lt_tensor *, const lt_tensor *, int, const lt_tensor *)) {
  bool rf = is_tensor(L, 2);
  int a = rf ? 2 : 1;
  lt_tensor *res = rf ? lb_to_tensor(L, 1) : NULL;
  lt_tensor *x = lb_check_tensor(L, a, fn);
  int d = lb_check_dim(L, a + 1, fn, x->ndim);
  lt_tensor *idx = lb_check_tensor(L, a + 2, fn);
  lt_tensor *ix = rebased(L, idx, fn);
  lt_tensor *r = f(res, x, d, ix);
  lt_tensor_release(ix);
  return push_result(L, r, rf);
}

static int l_index(lua_State *L) { return select_like(L, "index", lt_index_select); }
static int l_gather(lua_State *L) { return select_like(L, "gather", lt_gather); }

/* ---- in-place writers: x, dim, idx, src|value ---- */

/* What a writer returns: x itself (argument 1) in place, else t, the clone
 * it wrote into; a nonzero rc raises the error (and drops the clone). */
static int push_written(lua_State *L, int rc, lt_tensor *t, bool inplace) {
  if (rc) {
    if (t && !inplace) lt_tensor_release(t);
    return lb_error(L);
  }
  if (inplace) {
    lua_settop(L, 1);
    return 1;
  }
  return lb_push_tensor(L, t);
}

typedef enum { W_INDEX_COPY, W_INDEX_ADD, W_INDEX_FILL, W_SCATTER, W_SCATTER_ADD } writer;
static const char *const writer_name[] = {"indexCopy", "indexAdd", "indexFill", "scatter",
                                          "scatterAdd"};

/* upvalue 1: the writer; upvalue 2: true for the method (in place) */
static int l_write(lua_State *L) {
  writer w = (writer)lua_tointeger(L, lua_upvalueindex(1));
  bool inplace = lua_toboolean(L, lua_upvalueindex(2));
  const char *fn = writer_name[w];
  lt_tensor *x = lb_check_tensor(L, 1, fn);
  int d = lb_check_dim(L, 2, fn, x->ndim);
  lt_tensor *idx = lb_check_tensor(L, 3, fn);
  lt_tensor *src = NULL;
  double v = 0;
  if (w == W_INDEX_FILL || (w == W_SCATTER && !is_tensor(L, 4)))
    v = check_value(L, 4, fn);
  else
    src = lb_check_tensor(L, 4, fn);
  lt_tensor *ix = rebased(L, idx, fn);
  lt_tensor *t = inplace ? x : lt_clone(x);
  int rc = -1;
  if (t) switch (w) {
    case W_INDEX_COPY: rc = lt_index_copy_(t, d, ix, src); break;
    case W_INDEX_ADD: rc = lt_index_add_(t, d, ix, src); break;
    case W_INDEX_FILL: rc = lt_index_fill_(t, d, ix, v); break;
    case W_SCATTER: rc = src ? lt_scatter_(t, d, ix, src) : lt_scatter_fill_(t, d, ix, v); break;
    case W_SCATTER_ADD: rc = lt_scatter_add_(t, d, ix, src); break;
    }
  lt_tensor_release(ix);
  return push_written(L, rc, t, inplace);
}

/* ---- masks ---- */

/* upvalue 1: 0 maskedFill, 1 maskedCopy; upvalue 2: in place */
static int l_masked_write(lua_State *L) {
  bool copy = lua_tointeger(L, lua_upvalueindex(1)) == 1;
  bool inplace = lua_toboolean(L, lua_upvalueindex(2));
  const char *fn = copy ? "maskedCopy" : "maskedFill";
  lt_tensor *x = lb_check_tensor(L, 1, fn);
  lt_tensor *mask = lb_check_tensor(L, 2, fn), *src = NULL, *vt = NULL;
  double v = 0;
  if (copy)
    src = lb_check_tensor(L, 3, fn);
  else if (!(vt = lb_to_tensor(L, 3))) /* a tensor value can get a gradient */
    v = check_value(L, 3, fn);
  lt_tensor *t = inplace ? x : lt_clone(x);
  int rc = !t     ? -1
           : copy ? lt_masked_copy_(t, mask, src)
           : vt   ? lt_masked_fill_tensor_(t, mask, vt)
                  : lt_masked_fill_(t, mask, v);
  return push_written(L, rc, t, inplace);
}

/* maskedSelect([res,] x, mask) */
static int l_masked_select(lua_State *L) {
  bool rf = is_tensor(L, 3);
  int a = rf ? 2 : 1;
  lt_tensor *res = rf ? lb_to_tensor(L, 1) : NULL;
  lt_tensor *x = lb_check_tensor(L, a, "maskedSelect");
  lt_tensor *mask = lb_check_tensor(L, a + 1, "maskedSelect");
  return push_result(L, lt_masked_select(res, x, mask), rf);
}

/* nonzero([res,] x): N x ndim LongTensor of 1-based coordinates */
static int l_nonzero(lua_State *L) {
  bool rf = is_tensor(L, 2);
  lt_tensor *res = rf ? lb_to_tensor(L, 1) : NULL;
  lt_tensor *x = lb_check_tensor(L, rf ? 2 : 1, "nonzero");
  lt_tensor *z = lt_nonzero(NULL, x);
  if (!z) return lb_error(L);
  lt_tensor *r = lt_index_rebase("nonzero", z, 1);
  lt_tensor_release(z);
  if (r && res) {
    if (lt_tensor_resize(res, r->ndim, r->size) || lt_copy_(res, r)) {
      lt_tensor_release(r);
      return lb_error(L);
    }
    lt_tensor_retain(res);
    lt_tensor_release(r);
    r = res;
  }
  return push_result(L, r, rf);
}

/* ---- cat / stack ---- */

/* A Lua dim (1-based, negative from the end) for a C function that wraps
 * it itself: 0-based, or negative unchanged; absent gives `dflt`. */
static int loose_dim(lua_State *L, int i, const char *fn, int dflt) {
  if (lua_isnoneornil(L, i)) return dflt;
  if (!lua_isnumber(L, i)) lb_arg_error(L, fn, i, "a dimension (number)");
  int d = (int)lua_tointeger(L, i);
  if (d == 0) lb_errorf(L, "torch.%s: dimension 0 out of range (dimensions are 1-based)", fn);
  return d > 0 ? d - 1 : d;
}

/* The tensors of the table at slot t, in a scratch array owned by Lua. */
static lt_tensor **table_tensors(lua_State *L, int t, const char *fn, int *n) {
  *n = (int)lua_objlen(L, t);
  if (*n == 0) lb_errorf(L, "torch.%s: expected a non-empty table of tensors", fn);
  lt_tensor **xs = lua_newuserdata(L, sizeof *xs * (size_t)*n);
  for (int i = 0; i < *n; i++) {
    lua_rawgeti(L, t, i + 1);
    xs[i] = lb_to_tensor(L, -1);
    if (!xs[i])
      lb_errorf(L, "torch.%s: element %d of the table is a %s, expected a tensor", fn, i + 1,
                 luaL_typename(L, -1));
    lua_pop(L, 1);
  }
  return xs;
}

/* cat([res,] {a, b, ...} [, dim]) or cat([res,] a, b [, dim]); the
 * default dim is the last one (Torch7). */
static int l_cat(lua_State *L) {
  bool t1 = is_tensor(L, 1), t2 = is_tensor(L, 2), t3 = is_tensor(L, 3);
  int list, dim_at; /* list: the table's slot, or 0 for two tensors */
  bool rf;
  if (t1 && lua_istable(L, 2)) {
    rf = true, list = 2, dim_at = 3;
  } else if (lua_istable(L, 1)) {
    rf = false, list = 1, dim_at = 2;
  } else if (t1 && t2) {
    rf = t3, list = 0, dim_at = rf ? 4 : 3;
  } else {
    return lb_errorf(L, "torch.cat: expected a table of tensors or two tensors");
  }
  int d = loose_dim(L, dim_at, "cat", -1), n = 2; /* before the scratch array moves the top */
  lt_tensor **xs, *pair[2];
  if (list) {
    xs = table_tensors(L, list, "cat", &n);
  } else {
    pair[0] = lb_to_tensor(L, rf ? 2 : 1);
    pair[1] = lb_to_tensor(L, rf ? 3 : 2);
    xs = pair;
  }
  return push_result(L, lt_cat(rf ? lb_to_tensor(L, 1) : NULL, n, xs, d), rf);
}

/* stack([res,] {a, b, ...} [, dim]): dim defaults to 1 (a new first dim) */
static int l_stack(lua_State *L) {
  bool rf = is_tensor(L, 1);
  int t = rf ? 2 : 1, n;
  if (!lua_istable(L, t)) return lb_arg_error(L, "stack", t, "a table of tensors");
  int d = loose_dim(L, t + 1, "stack", 0);
  lt_tensor **xs = table_tensors(L, t, "stack", &n);
  return push_result(L, lt_stack(rf ? lb_to_tensor(L, 1) : NULL, n, xs, d), rf);
}

/* ---- split / chunk: ([resTable,] x, size|n [, dim]) -> table of views ---- */

static int split_like(lua_State *L, const char *fn,
                      int (*f)(const lt_tensor *, int64_t, int, lt_tensor ***)) {
  bool rt = lua_istable(L, 1);
  int a = rt ? 2 : 1;
  lt_tensor *x = lb_check_tensor(L, a, fn);
  if (!lua_isnumber(L, a + 1)) return lb_arg_error(L, fn, a + 1, "a number");
  int64_t size = (int64_t)lua_tonumber(L, a + 1);
  int d = lua_isnoneornil(L, a + 2) ? 0 : lb_check_dim(L, a + 2, fn, x->ndim);
  if (rt)
    lua_pushvalue(L, 1);
  else
    lua_newtable(L);
  int out = lua_gettop(L);
  lt_tensor **parts;
  int n = f(x, size, d, &parts);
  if (n < 0) return lb_error(L);
  /* push each view before anything can raise, so none leaks */
  for (int i = 0; i < n; i++) {
    lb_wrap_tensor(L, parts[i]);
    lua_rawseti(L, out, i + 1);
  }
  free(parts);
  for (int i = n + 1; i <= (int)lua_objlen(L, out); i++) {
    lua_pushnil(L);
    lua_rawseti(L, out, i);
  }
  return 1;
}

static int l_split(lua_State *L) { return split_like(L, "split", lt_split); }
static int l_chunk(lua_State *L) { return split_like(L, "chunk", lt_chunk); }

/* ---- repeatTensor([res,] x, sizes...), flip(x, dims...), roll(x, shifts [, dims]) ---- */

static int l_repeat(lua_State *L) {
  bool rf = is_tensor(L, 2);
  int a = rf ? 2 : 1;
  lt_tensor *x = lb_check_tensor(L, a, "repeatTensor");
  int64_t reps[LT_MAX_DIMS];
  int n = lb_check_sizes(L, a + 1, "repeatTensor", reps);
  lt_tensor *r = lt_repeat(x, n, reps);
  if (!r) return lb_error(L);
  if (rf) {
    lt_tensor *res = lb_to_tensor(L, 1);
    int rc = lt_tensor_resize(res, r->ndim, r->size) || lt_copy_(res, r);
    lt_tensor_release(r);
    if (rc) return lb_error(L);
    lua_pushvalue(L, 1);
    return 1;
  }
  return lb_push_tensor(L, r);
}

/* dims (or shifts) as numbers from slot i on, or one table at i */
static int int_list(lua_State *L, int i, int last, const char *fn, int64_t *v) {
  int n = 0;
  if (lua_istable(L, i)) {
    n = (int)lua_objlen(L, i);
    if (n > LT_MAX_DIMS) lb_errorf(L, "torch.%s: at most %d values", fn, LT_MAX_DIMS);
    for (int k = 0; k < n; k++) {
      lua_rawgeti(L, i, k + 1);
      if (!lua_isnumber(L, -1)) lb_errorf(L, "torch.%s: element %d of the table is not a number", fn, k + 1);
      v[k] = (int64_t)lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
    return n;
  }
  for (; i <= last && !lua_isnoneornil(L, i); i++) {
    if (!lua_isnumber(L, i)) lb_arg_error(L, fn, i, "a number");
    if (n == LT_MAX_DIMS) lb_errorf(L, "torch.%s: at most %d values", fn, LT_MAX_DIMS);
    v[n++] = (int64_t)lua_tonumber(L, i);
  }
  return n;
}

static int to_c_dims(lua_State *L, const char *fn, int n, const int64_t *v, int *dims) {
  for (int k = 0; k < n; k++) {
    if (v[k] == 0) lb_errorf(L, "torch.%s: dimension 0 out of range (dimensions are 1-based)", fn);
    dims[k] = (int)(v[k] > 0 ? v[k] - 1 : v[k]);
  }
  return n;
}

static int l_flip(lua_State *L) {
  lt_tensor *x = lb_check_tensor(L, 1, "flip");
  int64_t v[LT_MAX_DIMS];
  int dims[LT_MAX_DIMS], n = int_list(L, 2, lua_gettop(L), "flip", v);
  if (n == 0) return lb_errorf(L, "torch.flip: expected the dimension(s) to flip");
  to_c_dims(L, "flip", n, v, dims);
  return lb_push_tensor(L, lt_flip(x, n, dims));
}

static int l_roll(lua_State *L) {
  lt_tensor *x = lb_check_tensor(L, 1, "roll");
  if (lua_isnoneornil(L, 2)) return lb_arg_error(L, "roll", 2, "a shift (number or table)");
  int64_t shifts[LT_MAX_DIMS], v[LT_MAX_DIMS];
  int dims[LT_MAX_DIMS];
  int ns = int_list(L, 2, 2, "roll", shifts);
  int nd = lua_isnoneornil(L, 3) ? 0 : int_list(L, 3, 3, "roll", v);
  to_c_dims(L, "roll", nd, v, dims);
  return lb_push_tensor(L, lt_roll(x, ns, shifts, nd, dims));
}

/* the same C function as torch.<name> and t:<name>() */
static void reg(lua_State *L, int fidx, int midx, const char *name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_setfield(L, fidx, name);
  lua_pushcfunction(L, f);
  lua_setfield(L, midx, name);
}

/* in-place method + copying function, distinguished by an upvalue */
static void reg_write(lua_State *L, int fidx, int midx, const char *name, lua_CFunction f, int which) {
  for (int inplace = 0; inplace <= 1; inplace++) {
    lua_pushinteger(L, which);
    lua_pushboolean(L, inplace);
    lua_pushcclosure(L, f, 2);
    lua_setfield(L, inplace ? midx : fidx, name);
  }
}

void lb_open_index(lua_State *L) {
  lua_getfield(L, -1, "fn");
  int fidx = lua_gettop(L);
  lua_getfield(L, -2, "methods");
  int midx = lua_gettop(L);
  reg(L, fidx, midx, "index", l_index);
  reg(L, fidx, midx, "indexSelect", l_index);
  reg(L, fidx, midx, "gather", l_gather);
  reg(L, fidx, midx, "maskedSelect", l_masked_select);
  reg(L, fidx, midx, "nonzero", l_nonzero);
  reg(L, fidx, midx, "cat", l_cat);
  reg(L, fidx, midx, "stack", l_stack);
  reg(L, fidx, midx, "split", l_split);
  reg(L, fidx, midx, "chunk", l_chunk);
  reg(L, fidx, midx, "repeatTensor", l_repeat);
  reg(L, fidx, midx, "flip", l_flip);
  reg(L, fidx, midx, "roll", l_roll);
  reg_write(L, fidx, midx, "indexCopy", l_write, W_INDEX_COPY);
  reg_write(L, fidx, midx, "indexAdd", l_write, W_INDEX_ADD);
  reg_write(L, fidx, midx, "indexFill", l_write, W_INDEX_FILL);
  reg_write(L, fidx, midx, "scatter", l_write, W_SCATTER);
  reg_write(L, fidx, midx, "scatterAdd", l_write, W_SCATTER_ADD);
  reg_write(L, fidx, midx, "maskedFill", l_masked_write, 0);
  reg_write(L, fidx, midx, "maskedCopy", l_masked_write, 1);
  lua_pop(L, 2);
}
