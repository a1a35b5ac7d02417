/* Tensor and storage userdata: creation, geometry, views, element access. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "binding.h"

#define STORAGE_MT "torch.Storage"

/* ---- the GC learns about tensor memory ----
 * Tensor data lives in C memory the Lua GC cannot see. When the bytes held
 * by tensors have grown by more than the threshold since the last full
 * collection, collect, so a loop that drops tensors keeps a flat RSS. */
static int64_t gc_threshold = 64 << 20;
static int64_t live_boxes; /* tensors held by Lua: their C structs count too */
static int tensor_mt_ref = LUA_NOREF;

/* Bytes held in C on behalf of Lua objects (the C structs are about 0.5 KiB). */
static int64_t c_bytes(void) {
  return lt_alloc_live_bytes() + lt_device_bytes_in_use() + live_boxes * 512;
}

static void gc_account(lua_State *L) {
  if (c_bytes() <= gc_threshold) return;
  /* One collection frees one link of a chain of autograd graphs (a node's
   * finaliser releases tensors whose own boxes die only in the next cycle),
   * so collect again while that still frees a tenth of the memory. */
  int64_t live = c_bytes();
  for (int pass = 0; pass < 4; pass++) {
    lua_gc(L, LUA_GCCOLLECT, 0);
    int64_t now = c_bytes();
    bool settled = now > live - live / 10;
    live = now;
    if (settled) break;
  }
  gc_threshold = live + (live > (64 << 20) ? live : (64 << 20));
}

int lb_errorf(lua_State *L, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  lua_pushstring(L, msg);
  return lua_error(L);
}

int lb_error(lua_State *L) { return lb_errorf(L, "torch.%s", lt_last_error()); }

int lb_arg_error(lua_State *L, const char *fn, int arg, const char *expected) {
  return lb_errorf(L, "torch.%s: argument %d: expected %s, got %s", fn, arg, expected,
                    luaL_typename(L, arg));
}

/* A tensor userdata: the C tensor plus a tag, so that recognising a tensor
 * argument costs a type check and two loads instead of a metatable
 * comparison (the small-op path checks every argument). */
typedef struct {
  lt_tensor *t;
  uint64_t magic;
} tensor_box;
#define TENSOR_MAGIC 0x6c75746f72636854ull

void lb_wrap_tensor(lua_State *L, lt_tensor *t) {
  tensor_box *box = lua_newuserdata(L, sizeof *box);
  box->t = t;
  box->magic = TENSOR_MAGIC;
  lua_rawgeti(L, LUA_REGISTRYINDEX, tensor_mt_ref);
  lua_setmetatable(L, -2);
  live_boxes++;
}

int lb_push_tensor(lua_State *L, lt_tensor *t) {
  if (!t) return lb_error(L);
  lb_wrap_tensor(L, t);
  gc_account(L);
  return 1;
}

lt_tensor *lb_to_tensor(lua_State *L, int idx) {
  /* lua_touserdata is NULL for anything but (light) userdata, and a light
   * userdata's length is 0: two API calls, not three, per argument */
  const tensor_box *box = lua_touserdata(L, idx);
  if (!box || lua_objlen(L, idx) != sizeof(tensor_box)) return NULL;
  return box->magic == TENSOR_MAGIC ? box->t : NULL;
}

lt_tensor *lb_check_tensor(lua_State *L, int idx, const char *fn) {
  lt_tensor *t = lb_to_tensor(L, idx);
  if (!t) lb_arg_error(L, fn, idx, "a tensor");
  return t;
}

lt_dtype lb_check_dtype(lua_State *L, int idx, const char *fn) {
  const char *name = luaL_checkstring(L, idx);
  lt_dtype d;
  if (!lt_dtype_from_name(name, &d))
    lb_errorf(L, "torch.%s: unknown dtype '%s'", fn, name);
  return d;
}

static lt_storage *to_storage(lua_State *L, int idx) {
  lt_storage **box = luaL_testudata(L, idx, STORAGE_MT);
  return box ? *box : NULL;
}

int lb_check_sizes(lua_State *L, int idx, const char *fn, int64_t *size) {
  int top = lua_gettop(L), n = 0;
  lt_storage *s;
  if (lua_istable(L, idx)) {
    n = (int)lua_objlen(L, idx);
    if (n > LT_MAX_DIMS) lb_errorf(L, "torch.%s: at most %d dimensions", fn, LT_MAX_DIMS);
    for (int i = 0; i < n; i++) {
      lua_rawgeti(L, idx, i + 1);
      if (!lua_isnumber(L, -1)) lb_errorf(L, "torch.%s: sizes must be numbers", fn);
      size[i] = (int64_t)lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
  } else if ((s = to_storage(L, idx))) {
    if (s->dtype != LT_INT64) lb_arg_error(L, fn, idx, "a LongStorage of sizes");
    n = (int)lt_storage_numel(s);
    if (n > LT_MAX_DIMS) lb_errorf(L, "torch.%s: at most %d dimensions", fn, LT_MAX_DIMS);
    memcpy(size, s->data, sizeof(int64_t) * (size_t)n);
  } else {
    for (int i = idx; i <= top; i++) {
      if (!lua_isnumber(L, i)) lb_arg_error(L, fn, i, "a size (number)");
      if (n == LT_MAX_DIMS) lb_errorf(L, "torch.%s: at most %d dimensions", fn, LT_MAX_DIMS);
      size[n++] = (int64_t)lua_tonumber(L, i);
    }
  }
  for (int i = 0; i < n; i++)
    if (size[i] < 0 && size[i] != -1)
      lb_errorf(L, "torch.%s: size %lld of dimension %d is negative", fn, (long long)size[i],
                 i + 1);
  return n;
}

int lb_check_dim(lua_State *L, int idx, const char *fn, int ndim) {
  if (!lua_isnumber(L, idx)) lb_arg_error(L, fn, idx, "a dimension (number)");
  int d = (int)lua_tointeger(L, idx);
  int n = ndim ? ndim : 1;
  if (d < 0) d += n + 1;
  if (d < 1 || d > n)
    lb_errorf(L, "torch.%s: dimension %d out of range for a %d-dimensional tensor", fn,
               (int)lua_tointeger(L, idx), ndim);
  return d - 1;
}

void lb_register(lua_State *L, const luaL_Reg *fns) {
  for (; fns->name; fns++) {
    lua_pushcfunction(L, fns->func);
    lua_setfield(L, -2, fns->name);
  }
}

/* ---- storages ---- */

static int push_storage(lua_State *L, lt_storage *s) {
  if (!s) return lb_error(L);
  lt_storage **box = lua_newuserdata(L, sizeof *box);
  *box = s;
  luaL_getmetatable(L, STORAGE_MT);
  lua_setmetatable(L, -2);
  gc_account(L);
  return 1;
}

static lt_storage *check_storage(lua_State *L, int idx, const char *fn) {
  lt_storage *s = to_storage(L, idx);
  if (!s) lb_arg_error(L, fn, idx, "a storage");
  return s;
}

/* storage_new(dtype, n) or storage_new(dtype, {values}) */
static int l_storage_new(lua_State *L) {
  lt_dtype d = lb_check_dtype(L, 1, "Storage");
  if (lua_istable(L, 2)) {
    int64_t n = (int64_t)lua_objlen(L, 2);
    lt_storage *s = lt_storage_new(d, n, (lt_device){LT_CPU, 0});
    if (!s) return lb_error(L);
    size_t esz = lt_dtype_size(d);
    for (int64_t i = 0; i < n; i++) {
      lua_rawgeti(L, 2, (int)i + 1);
      if (!lua_isnumber(L, -1)) {
        lt_storage_release(s);
        return lb_errorf(L, "torch.Storage: element %d is not a number", (int)i + 1);
      }
      lt_dtype_store(d, (char *)s->data + i * (int64_t)esz, lua_tonumber(L, -1));
      lua_pop(L, 1);
    }
    return push_storage(L, s);
  }
  lua_Number n = luaL_optnumber(L, 2, 0);
  if (n < 0) return lb_errorf(L, "torch.Storage: size must be >= 0, got %g", n);
  lt_storage *s = lt_storage_new(d, (int64_t)n, (lt_device){LT_CPU, 0});
  if (s) memset(s->data, 0, (size_t)s->nbytes);
  return push_storage(L, s);
}

static int l_storage_gc(lua_State *L) {
  lt_storage **box = luaL_checkudata(L, 1, STORAGE_MT);
  lt_storage_release(*box);
  *box = NULL;
  return 0;
}

static int l_storage_len(lua_State *L) {
  lua_pushnumber(L, (lua_Number)lt_storage_numel(check_storage(L, 1, "Storage.size")));
  return 1;
}

static int64_t storage_index(lua_State *L, lt_storage *s, int idx) {
  int64_t i = (int64_t)luaL_checknumber(L, idx), n = lt_storage_numel(s);
  if (i < 1 || i > n)
    lb_errorf(L, "torch.Storage: index %lld out of range (size %lld)", (long long)i,
               (long long)n);
  return i - 1;
}

static int l_storage_index(lua_State *L) {
  lt_storage *s = check_storage(L, 1, "Storage");
  if (lua_type(L, 2) == LUA_TNUMBER) {
    int64_t i = storage_index(L, s, 2);
    lua_pushnumber(L, lt_dtype_load(s->dtype, (char *)s->data + i * (int64_t)lt_dtype_size(s->dtype)));
    return 1;
  }
  lua_getmetatable(L, 1);
  lua_getfield(L, -1, "methods");
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

static int l_storage_newindex(lua_State *L) {
  lt_storage *s = check_storage(L, 1, "Storage");
  int64_t i = storage_index(L, s, 2);
  lt_dtype_store(s->dtype, (char *)s->data + i * (int64_t)lt_dtype_size(s->dtype),
                 luaL_checknumber(L, 3));
  return 0;
}

static int l_storage_dtype(lua_State *L) {
  lua_pushstring(L, lt_dtype_name(check_storage(L, 1, "Storage")->dtype));
  return 1;
}

static int l_storage_resize(lua_State *L) {
  lt_storage *s = check_storage(L, 1, "Storage.resize");
  lua_Number n = luaL_checknumber(L, 2);
  if (lt_storage_resize(s, (int64_t)n)) return lb_error(L);
  lua_settop(L, 1);
  return 1;
}

static int l_storage_ptr(lua_State *L) {
  lua_pushlightuserdata(L, check_storage(L, 1, "Storage")->data);
  return 1;
}

/* ---- tensors: creation ---- */

static int l_tensor_gc(lua_State *L) {
  tensor_box *box = lua_touserdata(L, 1);
  if (box && box->t) {
    lt_tensor_release(box->t);
    live_boxes--;
    box->t = NULL;
  }
  return 0;
}

/* empty(dtype, sizes...) */
static int l_empty(lua_State *L) {
  lt_dtype d = lb_check_dtype(L, 1, "Tensor");
  int64_t size[LT_MAX_DIMS];
  int n = lb_check_sizes(L, 2, "Tensor", size);
  for (int i = 0; i < n; i++)
    if (size[i] < 0) return lb_errorf(L, "torch.Tensor: size -1 is not allowed here");
  return lb_push_tensor(L, lt_tensor_empty(d, n, size));
}

/* from_storage(storage, offset (1-based), sizes, strides) */
static int l_from_storage(lua_State *L) {
  lt_storage *s = check_storage(L, 1, "Tensor");
  int64_t off = (int64_t)luaL_optnumber(L, 2, 1) - 1;
  int64_t size[LT_MAX_DIMS], stride[LT_MAX_DIMS];
  int n, ns = -1;
  if (lua_isnoneornil(L, 3)) {
    size[0] = lt_storage_numel(s) - off;
    n = 1;
  } else {
    n = lb_check_sizes(L, 3, "Tensor", size);
  }
  if (!lua_isnoneornil(L, 4)) {
    ns = lb_check_sizes(L, 4, "Tensor", stride);
    if (ns != n) return lb_errorf(L, "torch.Tensor: %d sizes but %d strides", n, ns);
  }
  return lb_push_tensor(L, lt_tensor_from_storage(s, off, n, size, ns < 0 ? NULL : stride));
}

/* fromtable(dtype, flat, sizes): fill a new tensor from a flat Lua array */
static int l_fromtable(lua_State *L) {
  lt_dtype d = lb_check_dtype(L, 1, "Tensor");
  luaL_checktype(L, 2, LUA_TTABLE);
  int64_t size[LT_MAX_DIMS];
  int n = lb_check_sizes(L, 3, "Tensor", size);
  lt_tensor *t = lt_tensor_empty(d, n, size);
  if (!t) return lb_error(L);
  int64_t numel = lt_tensor_numel(t);
  size_t esz = lt_dtype_size(d);
  char *p = lt_tensor_data(t);
  for (int64_t i = 0; i < numel; i++) {
    lua_rawgeti(L, 2, (int)i + 1);
    int isnum = lua_isnumber(L, -1), isbool = lua_isboolean(L, -1);
    if (!isnum && !isbool) {
      lt_tensor_release(t);
      return lb_errorf(L, "torch.Tensor: table element %lld is a %s, expected a number",
                        (long long)i + 1, luaL_typename(L, -1));
    }
    lt_dtype_store(d, p + i * (int64_t)esz, isbool ? lua_toboolean(L, -1) : lua_tonumber(L, -1));
    lua_pop(L, 1);
  }
  return lb_push_tensor(L, t);
}

/* ---- geometry ---- */

static lt_tensor *self(lua_State *L, const char *fn) { return lb_check_tensor(L, 1, fn); }

static int l_dim(lua_State *L) {
  lua_pushinteger(L, self(L, "dim")->ndim);
  return 1;
}

static int l_nelement(lua_State *L) {
  lua_pushnumber(L, (lua_Number)lt_tensor_numel(self(L, "nElement")));
  return 1;
}

static int l_dtype(lua_State *L) {
  lua_pushstring(L, lt_dtype_name(self(L, "dtype")->dtype));
  return 1;
}

/* sizes as a LongStorage; size(d) as a number */
static int push_longs(lua_State *L, int n, const int64_t *v) {
  lt_storage *s = lt_storage_new(LT_INT64, n, (lt_device){LT_CPU, 0});
  if (s && n) memcpy(s->data, v, sizeof(int64_t) * (size_t)n);
  return push_storage(L, s);
}

static int l_size(lua_State *L) {
  lt_tensor *t = self(L, "size");
  if (lua_isnoneornil(L, 2)) return push_longs(L, t->ndim, t->size);
  lua_pushnumber(L, (lua_Number)t->size[lb_check_dim(L, 2, "size", t->ndim)]);
  if (t->ndim == 0) return lb_errorf(L, "torch.size: a 0-dimensional tensor has no dimension 1");
  return 1;
}

static int l_stride(lua_State *L) {
  lt_tensor *t = self(L, "stride");
  if (lua_isnoneornil(L, 2)) return push_longs(L, t->ndim, t->stride);
  int d = lb_check_dim(L, 2, "stride", t->ndim);
  if (t->ndim == 0) return lb_errorf(L, "torch.stride: a 0-dimensional tensor has no dimension 1");
  lua_pushnumber(L, (lua_Number)t->stride[d]);
  return 1;
}

static int l_storage(lua_State *L) {
  lt_tensor *t = self(L, "storage");
  lt_storage_retain(t->storage);
  return push_storage(L, t->storage);
}

static int l_storage_offset(lua_State *L) {
  lua_pushnumber(L, (lua_Number)self(L, "storageOffset")->offset + 1);
  return 1;
}

static int l_is_contiguous(lua_State *L) {
  lua_pushboolean(L, lt_tensor_is_contiguous(self(L, "isContiguous")));
  return 1;
}

static int l_data_ptr(lua_State *L) {
  lua_pushlightuserdata(L, lt_tensor_data(self(L, "data")));
  return 1;
}

/* same C tensor object? (for torch.pointer / isSameTensor) */
static int l_id(lua_State *L) {
  lua_pushlightuserdata(L, self(L, "id"));
  return 1;
}

static int l_is_tensor(lua_State *L) {
  lua_pushboolean(L, lb_to_tensor(L, 1) != NULL);
  return 1;
}

static int l_is_storage(lua_State *L) {
  lua_pushboolean(L, to_storage(L, 1) != NULL);
  return 1;
}

/* ---- views ---- */

static int l_view(lua_State *L) {
  lt_tensor *t = self(L, "view");
  int64_t size[LT_MAX_DIMS];
  int n = lb_check_sizes(L, 2, "view", size);
  return lb_push_tensor(L, lt_view(t, n, size));
}

static int l_reshape(lua_State *L) {
  lt_tensor *t = self(L, "reshape");
  int64_t size[LT_MAX_DIMS];
  int n = lb_check_sizes(L, 2, "reshape", size);
  return lb_push_tensor(L, lt_reshape(t, n, size));
}

static int l_expand(lua_State *L) {
  lt_tensor *t = self(L, "expand");
  int64_t size[LT_MAX_DIMS];
  int n = lb_check_sizes(L, 2, "expand", size);
  return lb_push_tensor(L, lt_expand(t, n, size));
}

static int64_t check_index(lua_State *L, int idx, const char *fn) {
  if (!lua_isnumber(L, idx)) lb_arg_error(L, fn, idx, "a number");
  return (int64_t)lua_tonumber(L, idx);
}

/* narrow(t, dim, start, length), 1-based start */
static int l_narrow(lua_State *L) {
  lt_tensor *t = self(L, "narrow");
  int d = lb_check_dim(L, 2, "narrow", t->ndim);
  int64_t start = check_index(L, 3, "narrow"), len = check_index(L, 4, "narrow");
  return lb_push_tensor(L, lt_narrow(t, d, start - 1, len));
}

/* select(t, dim, index), 1-based index, negative counts from the end */
static int l_select(lua_State *L) {
  lt_tensor *t = self(L, "select");
  int d = lb_check_dim(L, 2, "select", t->ndim);
  int64_t i = check_index(L, 3, "select");
  if (t->ndim && i < 0) i += t->size[d] + 1;
  return lb_push_tensor(L, lt_select(t, d, i - 1));
}

static int l_transpose(lua_State *L) {
  lt_tensor *t = self(L, "transpose");
  if (t->ndim < 2 && lua_isnoneornil(L, 2)) return lb_push_tensor(L, lt_alias(t));
  int a = lua_isnoneornil(L, 2) ? 0 : lb_check_dim(L, 2, "transpose", t->ndim);
  int b = lua_isnoneornil(L, 3) ? 1 : lb_check_dim(L, 3, "transpose", t->ndim);
  return lb_push_tensor(L, lt_transpose(t, a, b));
}

static int l_t(lua_State *L) {
  lt_tensor *t = self(L, "t");
  if (t->ndim > 2) return lb_errorf(L, "torch.t: expected a tensor with <= 2 dimensions, got %d", t->ndim);
  if (t->ndim < 2) return lb_push_tensor(L, lt_alias(t));
  return lb_push_tensor(L, lt_transpose(t, 0, 1));
}

static int l_permute(lua_State *L) {
  lt_tensor *t = self(L, "permute");
  int perm[LT_MAX_DIMS], n = lua_istable(L, 2) ? (int)lua_objlen(L, 2) : lua_gettop(L) - 1;
  if (n != t->ndim)
    return lb_errorf(L, "torch.permute: %d dimensions given for a %d-dimensional tensor", n,
                      t->ndim);
  for (int i = 0; i < n; i++) {
    if (lua_istable(L, 2)) {
      lua_rawgeti(L, 2, i + 1);
      perm[i] = lb_check_dim(L, -1, "permute", t->ndim);
      lua_pop(L, 1);
    } else {
      perm[i] = lb_check_dim(L, i + 2, "permute", t->ndim);
    }
  }
  return lb_push_tensor(L, lt_permute(t, perm));
}

static int l_squeeze(lua_State *L) {
  lt_tensor *t = self(L, "squeeze");
  int d = lua_isnoneornil(L, 2) ? LT_ALL_DIMS : lb_check_dim(L, 2, "squeeze", t->ndim);
  return lb_push_tensor(L, lt_squeeze(t, d));
}

static int l_unsqueeze(lua_State *L) {
  lt_tensor *t = self(L, "unsqueeze");
  int d = lb_check_dim(L, 2, "unsqueeze", t->ndim + 1);
  return lb_push_tensor(L, lt_unsqueeze(t, d));
}

static int l_unfold(lua_State *L) {
  lt_tensor *t = self(L, "unfold");
  int d = lb_check_dim(L, 2, "unfold", t->ndim);
  return lb_push_tensor(L, lt_unfold(t, d, check_index(L, 3, "unfold"), check_index(L, 4, "unfold")));
}

static int l_alias(lua_State *L) { return lb_push_tensor(L, lt_alias(self(L, "alias"))); }

/* ---- copies ---- */

static int l_contiguous(lua_State *L) { return lb_push_tensor(L, lt_contiguous(self(L, "contiguous"))); }
static int l_clone(lua_State *L) { return lb_push_tensor(L, lt_clone(self(L, "clone"))); }

static int l_to_dtype(lua_State *L) {
  lt_tensor *t = self(L, "type");
  return lb_push_tensor(L, lt_to_dtype(t, lb_check_dtype(L, 2, "type")));
}

static int l_copy(lua_State *L) {
  lt_tensor *t = self(L, "copy");
  if (lt_copy_(t, lb_check_tensor(L, 2, "copy"))) return lb_error(L);
  lua_settop(L, 1);
  return 1;
}

static int l_fill(lua_State *L) {
  lt_tensor *t = self(L, "fill");
  if (!lua_isnumber(L, 2) && !lua_isboolean(L, 2)) return lb_arg_error(L, "fill", 2, "a number");
  if (lt_fill_(t, lua_isboolean(L, 2) ? lua_toboolean(L, 2) : lua_tonumber(L, 2))) return lb_error(L);
  lua_settop(L, 1);
  return 1;
}

/* resize(t, sizes...) in place */
static int l_resize(lua_State *L) {
  lt_tensor *t = self(L, "resize");
  int64_t size[LT_MAX_DIMS];
  int n = lb_check_sizes(L, 2, "resize", size);
  for (int i = 0; i < n; i++)
    if (size[i] < 0) return lb_errorf(L, "torch.resize: size -1 is not allowed");
  if (lt_tensor_resize(t, n, size)) return lb_error(L);
  lua_settop(L, 1);
  return 1;
}

/* set(t, src): t becomes a view of src's storage and geometry */
static int l_set(lua_State *L) {
  lt_tensor *t = self(L, "set");
  lt_tensor_set(t, lb_check_tensor(L, 2, "set"));
  lua_settop(L, 1);
  return 1;
}

/* ---- elements ---- */

/* Address of the element at the 1-based indices in args idx..idx+ndim-1. */
static char *element(lua_State *L, lt_tensor *t, int idx, int count, const char *fn) {
  if (count != t->ndim)
    lb_errorf(L, "torch.%s: %d indices given for a %d-dimensional tensor", fn, count, t->ndim);
  int64_t off = t->offset;
  for (int d = 0; d < t->ndim; d++) {
    int64_t i = check_index(L, idx + d, fn);
    if (i < 0) i += t->size[d] + 1;
    if (i < 1 || i > t->size[d])
      lb_errorf(L, "torch.%s: index %lld out of range for dimension %d of size %lld", fn,
                 (long long)lua_tonumber(L, idx + d), d + 1, (long long)t->size[d]);
    off += (i - 1) * t->stride[d];
  }
  if (lt_tensor_device(t).type != LT_CPU)
    lb_errorf(L, "torch.%s: element access on a GPU tensor; copy it to the CPU first", fn);
  return (char *)t->storage->data + off * (int64_t)lt_dtype_size(t->dtype);
}

static int push_value(lua_State *L, lt_dtype d, const void *p) {
  if (d == LT_BOOL)
    lua_pushboolean(L, *(const bool *)p);
  else
    lua_pushnumber(L, lt_dtype_load(d, p));
  return 1;
}

/* get(t, i, j, ...) -> number */
static int l_get(lua_State *L) {
  lt_tensor *t = self(L, "get");
  return push_value(L, t->dtype, element(L, t, 2, lua_gettop(L) - 1, "get"));
}

/* set1(t, v, i, j, ...) */
static int l_setvalue(lua_State *L) {
  lt_tensor *t = self(L, "set");
  if (!lua_isnumber(L, 2) && !lua_isboolean(L, 2)) return lb_arg_error(L, "set", 2, "a number");
  char *p = element(L, t, 3, lua_gettop(L) - 2, "set");
  lt_dtype_store(t->dtype, p, lua_isboolean(L, 2) ? lua_toboolean(L, 2) : lua_tonumber(L, 2));
  lt_tensor_bump_version(t);
  return 0;
}

/* item(t): the value of a one-element tensor */
static int l_item(lua_State *L) {
  lt_tensor *t = self(L, "item");
  if (lt_tensor_numel(t) != 1)
    return lb_errorf(L, "torch.item: expected a tensor with one element, got %lld",
                      (long long)lt_tensor_numel(t));
  if (lt_tensor_device(t).type != LT_CPU)
    return lb_errorf(L, "torch.item: GPU tensor; copy it to the CPU first");
  return push_value(L, t->dtype, lt_tensor_data(t));
}

/* totable(t) -> flat Lua array in row-major order (Lua nests it) */
static int l_flat(lua_State *L) {
  lt_tensor *t = self(L, "totable");
  lt_tensor *c = lt_contiguous(t);
  if (!c) return lb_error(L);
  int64_t n = lt_tensor_numel(c);
  size_t esz = lt_dtype_size(c->dtype);
  const char *p = lt_tensor_data(c);
  lua_createtable(L, (int)n, 0);
  for (int64_t i = 0; i < n; i++) {
    push_value(L, c->dtype, p + i * (int64_t)esz);
    lua_rawseti(L, -2, (int)i + 1);
  }
  lt_tensor_release(c);
  return 1;
}

/* t[i] with a number: a number for 1-D tensors, else select(1, i) */
static int index_number(lua_State *L, lt_tensor *t) {
  if (t->ndim == 1) return push_value(L, t->dtype, element(L, t, 2, 1, "index"));
  if (t->ndim == 0) return lb_errorf(L, "torch.index: cannot index a 0-dimensional tensor");
  int64_t i = (int64_t)lua_tonumber(L, 2);
  if (i < 0) i += t->size[0] + 1;
  return lb_push_tensor(L, lt_select(t, 0, i - 1));
}

/* __index: numbers index, strings look up methods, anything else (slicing
 * tables, masks) goes to the Lua function torch.Tensor.__index_table. */
static int l_tensor_index(lua_State *L) {
  lt_tensor *t = lb_to_tensor(L, 1);
  int kt = lua_type(L, 2);
  if (kt == LUA_TNUMBER) return index_number(L, t);
  lua_pushvalue(L, lua_upvalueindex(1)); /* methods */
  if (kt == LUA_TSTRING) {
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    if (!lua_isnil(L, -1)) return 1;
    lua_pop(L, 1);
    lua_getfield(L, -1, "__index_field"); /* properties such as .grad */
  } else {
    lua_getfield(L, -1, "__index_table");
  }
  if (lua_isnil(L, -1)) return 1;
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  lua_call(L, 2, 1);
  return 1;
}

static int l_tensor_newindex(lua_State *L) {
  lt_tensor *t = lb_to_tensor(L, 1);
  if (lua_type(L, 2) == LUA_TNUMBER && t->ndim == 1 && (lua_isnumber(L, 3) || lua_isboolean(L, 3))) {
    char *p = element(L, t, 2, 1, "newindex");
    lt_dtype_store(t->dtype, p, lua_isboolean(L, 3) ? lua_toboolean(L, 3) : lua_tonumber(L, 3));
    lt_tensor_bump_version(t);
    return 0;
  }
  lua_getfield(L, lua_upvalueindex(1), "__newindex_any");
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  lua_pushvalue(L, 3);
  lua_call(L, 3, 0);
  return 0;
}

static int l_set_gc_threshold(lua_State *L) {
  gc_threshold = (int64_t)luaL_checknumber(L, 1);
  return 0;
}

static int l_memory_stats(lua_State *L) {
  lt_alloc_stats s = lt_alloc_get_stats();
  const struct { const char *name; int64_t value; } fields[] = {
      {"allocated", s.live_bytes},       {"cached", s.cached_bytes},
      {"peak", s.peak_bytes},            {"allocations", s.allocations},
      {"cache_hits", s.cache_hits},      {"cache_misses", s.cache_misses},
      {"cache_evictions", s.cache_evictions}, {"cache_limit", s.cache_limit}};
  int n = (int)(sizeof fields / sizeof fields[0]);
  lua_createtable(L, 0, n);
  for (int i = 0; i < n; i++) {
    lua_pushnumber(L, (lua_Number)fields[i].value);
    lua_setfield(L, -2, fields[i].name);
  }
  return 1;
}

static int l_empty_cache(lua_State *L) {
  lt_alloc_empty_cache();
  return 0;
}

static int l_set_num_threads(lua_State *L) {
  lt_set_num_threads((int)luaL_checkinteger(L, 1));
  return 0;
}

static int l_get_num_threads(lua_State *L) {
  lua_pushinteger(L, lt_get_num_threads());
  return 1;
}

/* clock() -> wall seconds (monotonic), cpu seconds of the process */
static int l_clock(lua_State *L) {
  struct timespec w, c;
  clock_gettime(CLOCK_MONOTONIC, &w);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
  lua_pushnumber(L, (lua_Number)w.tv_sec + w.tv_nsec * 1e-9);
  lua_pushnumber(L, (lua_Number)c.tv_sec + c.tv_nsec * 1e-9);
  return 2;
}

static const luaL_Reg methods[] = {
    {"dim", l_dim},         {"nElement", l_nelement},     {"dtype", l_dtype},
    {"size", l_size},       {"stride", l_stride},         {"storage", l_storage},
    {"storageOffset", l_storage_offset},                  {"isContiguous", l_is_contiguous},
    {"data", l_data_ptr},   {"view", l_view},             {"reshape", l_reshape},
    {"expand", l_expand},   {"narrow", l_narrow},         {"select", l_select},
    {"transpose", l_transpose}, {"t", l_t},               {"permute", l_permute},
    {"squeeze", l_squeeze}, {"unsqueeze", l_unsqueeze},   {"unfold", l_unfold},
    {"contiguous", l_contiguous}, {"clone", l_clone},     {"copy", l_copy},
    {"fill", l_fill},       {"resize", l_resize},         {"set", l_set},
    {"get", l_get},         {"setvalue", l_setvalue},     {"item", l_item},
    {"_flat", l_flat},      {"_todtype", l_to_dtype},     {"_alias", l_alias},
    {"_id", l_id},          {NULL, NULL}};

static const luaL_Reg functions[] = {
    {"empty", l_empty},
    {"from_storage", l_from_storage},
    {"fromtable", l_fromtable},
    {"storage_new", l_storage_new},
    {"isTensor", l_is_tensor},
    {"isStorage", l_is_storage},
    {"set_gc_threshold", l_set_gc_threshold},
    {"memory_stats", l_memory_stats},
    {"empty_cache", l_empty_cache},
    {"setnumthreads", l_set_num_threads},
    {"getnumthreads", l_get_num_threads},
    {"clock", l_clock},
    {NULL, NULL}};

static const luaL_Reg storage_methods[] = {
    {"size", l_storage_len}, {"dtype", l_storage_dtype}, {"resize", l_storage_resize},
    {"data", l_storage_ptr}, {NULL, NULL}};

/* Leaves core.methods (the shared tensor method table) filled and the
 * tensor and storage metatables registered. */
void lb_open_tensor(lua_State *L) {
  lb_register(L, functions);
  lua_newtable(L); /* methods */
  lb_register(L, methods);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "methods");

  luaL_newmetatable(L, TENSOR_MT);
  lua_pushvalue(L, -1);
  tensor_mt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pushcfunction(L, l_tensor_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushvalue(L, -2);
  lua_pushcclosure(L, l_tensor_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushvalue(L, -2);
  lua_pushcclosure(L, l_tensor_newindex, 1);
  lua_setfield(L, -2, "__newindex");
  lua_setfield(L, -3, "tensor_mt"); /* core.tensor_mt: Lua adds operators */
  lua_pop(L, 1);                    /* methods */

  luaL_newmetatable(L, STORAGE_MT);
  lua_pushcfunction(L, l_storage_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, l_storage_index);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, l_storage_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, l_storage_len);
  lua_setfield(L, -2, "__len");
  lua_newtable(L);
  lb_register(L, storage_methods);
  lua_setfield(L, -2, "methods");
  lua_setfield(L, -2, "storage_mt");
}
