/* Bindings of the data set readers, image files and the loader's row
 * gathering (lib/data). */
#include <stdlib.h>
#include <string.h>

#include "binding.h"

/* readIDX(path) -> tensor */
static int l_read_idx(lua_State *L) {
  return lb_push_tensor(L, lt_read_idx(luaL_checkstring(L, 1)));
}

/* an optional options table at idx: field k, or nil */
static void opt_field(lua_State *L, int idx, const char *k) {
  if (lua_istable(L, idx)) lua_getfield(L, idx, k);
  else lua_pushnil(L);
}

static void check_opts(lua_State *L, int idx, const char *fn) {
  if (!lua_isnoneornil(L, idx) && !lua_istable(L, idx))
    lb_errorf(L, "torch.%s: argument %d: expected a table of options, got %s", fn, idx,
              luaL_typename(L, idx));
}

/* readCSV(path [, {header = true|false, separator = ','}]) -> tensor, names or nil */
static int l_read_csv(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  check_opts(L, 2, "readCSV");
  lt_csv_opts o = {-1, ','};
  opt_field(L, 2, "header");
  if (lua_isboolean(L, -1)) o.header = lua_toboolean(L, -1);
  else if (!lua_isnil(L, -1)) return lb_errorf(L, "torch.readCSV: header must be a boolean");
  opt_field(L, 2, "separator");
  if (!lua_isnil(L, -1)) {
    size_t n;
    const char *s = lua_tolstring(L, -1, &n);
    if (!s || n != 1 || lua_type(L, -1) != LUA_TSTRING)
      return lb_errorf(L, "torch.readCSV: separator must be a one-character string");
    o.sep = s[0];
  }
  lua_pop(L, 2);
  char **names = NULL;
  int cols = 0;
  lt_tensor *t = lt_read_csv(path, &o, &names, &cols);
  if (!t) return lb_error(L);
  lb_wrap_tensor(L, t);
  if (!names) {
    lua_pushnil(L);
    return 2;
  }
  lua_createtable(L, cols, 0);
  for (int k = 0; k < cols; k++) {
    lua_pushstring(L, names[k] ? names[k] : "");
    lua_rawseti(L, -2, k + 1);
  }
  lt_csv_free_names(names, cols);
  return 2;
}

/* loadImage(path [, {type = 'byte'|'float', channels = n}]) -> CxHxW tensor */
static int l_load_image(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  check_opts(L, 2, "loadImage");
  opt_field(L, 2, "channels");
  int channels = lua_isnil(L, -1) ? 0 : (int)luaL_checkinteger(L, -1);
  opt_field(L, 2, "type");
  const char *type = lua_isnil(L, -1) ? "byte" : lua_tostring(L, -1);
  bool fl = type && (strcmp(type, "float") == 0 || strcmp(type, "torch.FloatTensor") == 0);
  if (!type || (!fl && strcmp(type, "byte") != 0 && strcmp(type, "torch.ByteTensor") != 0))
    return lb_errorf(L, "torch.loadImage: type must be 'byte' or 'float'");
  lua_pop(L, 2);
  lt_tensor *t = lt_load_image(path, channels);
  if (!t) return lb_error(L);
  if (fl) { /* [0, 1] floats */
    lt_tensor *f = lt_to_dtype(t, LT_FLOAT32);
    lt_tensor_release(t);
    if (!f) return lb_error(L);
    t = lt_mul_scalar(f, 1.0 / 255);
    lt_tensor_release(f);
  }
  return lb_push_tensor(L, t);
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  if (n < m) return false;
  for (size_t i = 0; i < m; i++) {
    char c = s[n - m + i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}

/* saveImage(path, tensor [, {quality = 90}]): PNG, or JPEG for .jpg/.jpeg */
static int l_save_image(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  lt_tensor *t = lb_check_tensor(L, 2, "saveImage");
  check_opts(L, 3, "saveImage");
  int rc;
  if (ends_with(path, ".jpg") || ends_with(path, ".jpeg")) {
    opt_field(L, 3, "quality");
    int q = lua_isnil(L, -1) ? 90 : (int)luaL_checkinteger(L, -1);
    lua_pop(L, 1);
    rc = lt_save_jpeg(path, t, q);
  } else if (ends_with(path, ".png")) {
    rc = lt_save_png(path, t);
  } else {
    return lb_errorf(L, "torch.saveImage: '%s': unknown extension (expected .png, .jpg or .jpeg)", path);
  }
  if (rc) return lb_error(L);
  return 0;
}

/* 1-based LongTensor indices -> malloc'd 0-based array */
static int64_t *indices(lua_State *L, int idx, const char *fn, int64_t *n) {
  lt_tensor *t = lb_check_tensor(L, idx, fn);
  if (t->dtype != LT_INT64 || t->ndim != 1)
    lb_errorf(L, "torch.%s: indices must be a 1-D LongTensor", fn);
  *n = lt_tensor_numel(t);
  int64_t *r = malloc(sizeof(int64_t) * (size_t)(*n ? *n : 1));
  if (!r) lb_errorf(L, "torch.%s: out of memory", fn);
  const int64_t *d = lt_tensor_data(t);
  for (int64_t i = 0; i < *n; i++) r[i] = d[i * t->stride[0]] - 1;
  return r;
}

/* _gatherRows(src, indices) -> new batch of those rows */
static int l_gather(lua_State *L) {
  lt_tensor *src = lb_check_tensor(L, 1, "gatherRows");
  int64_t n;
  int64_t *idx = indices(L, 2, "gatherRows", &n);
  lt_tensor *out = lt_gather_rows_new(src, idx, n);
  free(idx);
  return lb_push_tensor(L, out);
}

#define PREFETCH_MT "torch.data.Prefetch"

/* _prefetchStart({src...}, indices) -> handle: gathers on a thread */
static int l_prefetch_start(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lt_tensor *src[16];
  int nsrc = (int)lua_objlen(L, 1);
  if (nsrc < 1 || nsrc > 16) return lb_errorf(L, "torch.prefetch: 1 to 16 source tensors, got %d", nsrc);
  for (int k = 0; k < nsrc; k++) {
    lua_rawgeti(L, 1, k + 1);
    src[k] = lb_check_tensor(L, -1, "prefetch");
    lua_pop(L, 1); /* still referenced by the table */
  }
  int64_t n;
  int64_t *idx = indices(L, 2, "prefetch", &n);
  lt_prefetch **h = lua_newuserdata(L, sizeof *h);
  *h = lt_prefetch_start(nsrc, src, idx, n);
  free(idx);
  if (!*h) return lb_error(L);
  luaL_getmetatable(L, PREFETCH_MT);
  lua_setmetatable(L, -2);
  return 1;
}

/* _prefetchFinish(handle) -> the batch tensors */
static int l_prefetch_finish(lua_State *L) {
  lt_prefetch **h = luaL_checkudata(L, 1, PREFETCH_MT);
  if (!*h) return lb_errorf(L, "torch.prefetch: this batch was already taken");
  lt_tensor *out[16] = {0};
  lt_prefetch *p = *h;
  *h = NULL;
  if (lt_prefetch_finish(p, out)) return lb_error(L);
  int n = 0;
  while (n < 16 && out[n]) n++;
  luaL_checkstack(L, n, "prefetch");
  for (int k = 0; k < n; k++) lb_wrap_tensor(L, out[k]);
  return n;
}

static int l_prefetch_gc(lua_State *L) {
  lt_prefetch **h = luaL_checkudata(L, 1, PREFETCH_MT);
  if (*h) lt_prefetch_cancel(*h);
  *h = NULL;
  return 0;
}

void lb_open_data(lua_State *L) {
  lua_getfield(L, -1, "fn");
  lua_pushcfunction(L, l_read_idx);
  lua_setfield(L, -2, "readIDX");
  lua_pushcfunction(L, l_read_csv);
  lua_setfield(L, -2, "readCSV");
  lua_pushcfunction(L, l_load_image);
  lua_setfield(L, -2, "loadImage");
  lua_pushcfunction(L, l_save_image);
  lua_setfield(L, -2, "saveImage");
  lua_pop(L, 1);

  luaL_newmetatable(L, PREFETCH_MT);
  lua_pushcfunction(L, l_prefetch_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  static const luaL_Reg fns[] = {{"gatherRows", l_gather},
                                 {"prefetchStart", l_prefetch_start},
                                 {"prefetchFinish", l_prefetch_finish},
                                 {NULL, NULL}};
  lua_newtable(L);
  lb_register(L, fns);
  lua_setfield(L, -2, "data");
}
