/* Bindings of lib/io: turning a loaded object graph into Lua values, and
 * thin writer objects the Lua glue (lua/torch/io.lua) drives while it walks
 * the values to save. Parsing and validation all happen in lib/io. */
#include <string.h>

#include "binding.h"

#define STORAGE_MT "torch.Storage"
#define LOAD_MT "torch.io.load"
#define NATIVE_MT "torch.io.NativeWriter"
#define T7_MT "torch.io.T7Writer"

static lt_storage *to_storage(lua_State *L, int idx) {
  lt_storage **box = luaL_testudata(L, idx, STORAGE_MT);
  return box ? *box : NULL;
}

static void push_storage(lua_State *L, lt_storage *s) {
  lt_storage **box = lua_newuserdata(L, sizeof *box);
  *box = s;
  luaL_getmetatable(L, STORAGE_MT);
  lua_setmetatable(L, -2);
}

/* the storage of a tensor or storage argument */
static lt_storage *check_any_storage(lua_State *L, int idx, const char *fn) {
  lt_tensor *t = lb_to_tensor(L, idx);
  if (t) return t->storage;
  lt_storage *s = to_storage(L, idx);
  if (!s) lb_arg_error(L, fn, idx, "a tensor or a storage");
  return s;
}

/* ---- loading: the bytes and graph live in a userdata, freed by __gc even
 * when a Lua error interrupts the build ---- */

typedef struct load_state {
  lt_io_bytes bytes;
  lt_io_graph graph;
  int has_bytes, has_graph;
} load_state;

static void free_state(load_state *st) {
  if (st->has_graph) lt_io_graph_free(&st->graph);
  if (st->has_bytes) lt_io_bytes_free(&st->bytes);
  st->has_graph = st->has_bytes = 0;
}

static int load_state_gc(lua_State *L) {
  free_state(luaL_checkudata(L, 1, LOAD_MT));
  return 0;
}

static void push_value(lua_State *L, const lt_io_value *v, int objs) {
  switch (v->tag) {
  case LT_IO_FALSE: lua_pushboolean(L, 0); break;
  case LT_IO_TRUE: lua_pushboolean(L, 1); break;
  case LT_IO_NUMBER: lua_pushnumber(L, v->num); break;
  case LT_IO_STRING: lua_pushlstring(L, v->str, (size_t)v->len); break;
  case LT_IO_REF: lua_rawgeti(L, objs, (int)v->ref + 1); break;
  default: lua_pushnil(L);
  }
}

/* Lua values for every node, then the entries, then Torch7 objects' fields.
 * resolve(name, obj) gives a class object its metatable (or tags it, or
 * raises for an unknown class). Pushes root, list of class objects, native. */
static int build(lua_State *L, const lt_io_graph *g, int resolve, int native) {
  luaL_checkstack(L, 16, "torch.load");
  lua_createtable(L, (int)g->nnodes, 0);
  int objs = lua_gettop(L);
  lua_newtable(L);
  int classes = objs + 1, nclasses = 0;
  for (size_t i = 0; i < g->nnodes; i++) {
    const lt_io_node *n = &g->nodes[i];
    switch (n->kind) {
    case LT_IO_STORAGE:
      lt_storage_retain(n->storage);
      push_storage(L, n->storage);
      break;
    case LT_IO_TENSOR:
      lt_tensor_retain(n->tensor);
      lb_push_tensor(L, n->tensor);
      break;
    case LT_IO_TABLE: lua_newtable(L); break;
    case LT_IO_OBJECT:
      lua_newtable(L);
      lua_pushvalue(L, resolve);
      lua_pushlstring(L, n->name, n->namelen);
      lua_pushvalue(L, -3);
      lua_pushboolean(L, native);
      lua_call(L, 3, 0);
      lua_pushvalue(L, -1);
      lua_rawseti(L, classes, ++nclasses);
      break;
    default: lua_pushboolean(L, 0);
    }
    lua_rawseti(L, objs, (int)i + 1);
  }
  for (size_t i = 0; i < g->nentries; i++) {
    const lt_io_entry *e = &g->entries[i];
    lua_rawgeti(L, objs, (int)e->target + 1);
    push_value(L, &e->key, objs);
    push_value(L, &e->val, objs);
    lua_rawset(L, -3);
    lua_pop(L, 1);
  }
  for (size_t i = 0; i < g->nnodes; i++) { /* Torch7 objects: copy their fields */
    const lt_io_node *n = &g->nodes[i];
    if (n->kind != LT_IO_OBJECT || n->fields == LT_IO_NONE) continue;
    lua_rawgeti(L, objs, (int)i + 1);
    lua_rawgeti(L, objs, (int)n->fields + 1);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, -5);
    }
    lua_pop(L, 2);
  }
  push_value(L, &g->root, objs);
  lua_pushvalue(L, classes);
  lua_pushboolean(L, native);
  return 3;
}

/* io_load(source, is_path, mode, what, resolve [, no_crc]) -> root, objects, native
 * mode: 'auto', 'native', 'torch7' (binary or ascii), 'binary', 'ascii' */
static int l_io_load(lua_State *L) {
  size_t slen;
  const char *src = luaL_checklstring(L, 1, &slen);
  int is_path = lua_toboolean(L, 2);
  const char *mode = luaL_optstring(L, 3, "auto");
  const char *what = luaL_checkstring(L, 4);
  luaL_checktype(L, 5, LUA_TFUNCTION);
  int flags = lua_toboolean(L, 6) ? LT_IO_NO_CRC : 0;
  load_state *st = lua_newuserdata(L, sizeof *st);
  memset(st, 0, sizeof *st);
  luaL_getmetatable(L, LOAD_MT);
  lua_setmetatable(L, -2);
  const void *buf = src;
  size_t len = slen;
  if (is_path) {
    if (lt_io_read_file(src, what, &st->bytes)) return lb_error(L);
    st->has_bytes = 1;
    buf = st->bytes.data;
    len = st->bytes.len;
  }
  lt_io_format fmt = lt_io_detect(buf, len);
  if (strcmp(mode, "ascii") == 0) fmt = LT_IO_T7_ASCII;
  else if (strcmp(mode, "native") == 0 && fmt != LT_IO_NATIVE) fmt = LT_IO_UNKNOWN;
  else if (strcmp(mode, "torch7") == 0 && fmt == LT_IO_NATIVE) fmt = LT_IO_UNKNOWN;
  int rc;
  switch (fmt) {
  case LT_IO_NATIVE: rc = lt_native_load(buf, len, flags, what, &st->graph); break;
  case LT_IO_T7_BINARY: case LT_IO_T7_ASCII: rc = lt_t7_load(buf, len, fmt, what, &st->graph); break;
  default:
    return lb_errorf(L, "torch.%s: not a lutorch, Torch7 or Torch7-ascii file%s", what,
                      len ? "" : " (it is empty)");
  }
  if (rc) return lb_error(L);
  st->has_graph = 1;
  build(L, &st->graph, 5, fmt == LT_IO_NATIVE);
  free_state(st); /* now rather than at the next collection */
  return 3;
}

/* io_load_safetensors(path, what) -> {name = tensor}, {key = value} */
static int l_io_load_safetensors(lua_State *L) {
  const char *path = luaL_checkstring(L, 1), *what = luaL_checkstring(L, 2);
  load_state *st = lua_newuserdata(L, sizeof *st);
  memset(st, 0, sizeof *st);
  luaL_getmetatable(L, LOAD_MT);
  lua_setmetatable(L, -2);
  if (lt_io_read_file(path, what, &st->bytes)) return lb_error(L);
  st->has_bytes = 1;
  lt_st_file f;
  int rc = lt_st_load(st->bytes.data, st->bytes.len, what, &f);
  lt_io_bytes_free(&st->bytes);
  st->has_bytes = 0;
  if (rc) return lb_error(L);
  lua_createtable(L, 0, (int)f.n);
  for (size_t i = 0; i < f.n; i++) {
    lua_pushstring(L, f.names[i]);
    lb_push_tensor(L, f.tensors[i]);
    f.tensors[i] = NULL; /* the Lua value owns it now */
    lua_rawset(L, -3);
  }
  lua_createtable(L, 0, (int)f.nmeta);
  for (size_t i = 0; i < f.nmeta; i++) {
    lua_pushstring(L, f.meta_keys[i]);
    lua_pushstring(L, f.meta_values[i]);
    lua_rawset(L, -3);
  }
  lt_st_free(&f);
  return 2;
}

/* io_save_safetensors(path, names, tensors, meta_keys, meta_values, what) */
static int l_io_save_safetensors(lua_State *L) {
  const char *path = luaL_checkstring(L, 1), *what = luaL_checkstring(L, 6);
  size_t n = lua_objlen(L, 2), nmeta = lua_objlen(L, 4);
  const char **names = lua_newuserdata(L, (n + 1) * sizeof *names);
  lt_tensor **tensors = lua_newuserdata(L, (n + 1) * sizeof *tensors);
  const char **mk = lua_newuserdata(L, (nmeta + 1) * sizeof *mk);
  const char **mv = lua_newuserdata(L, (nmeta + 1) * sizeof *mv);
  for (size_t i = 0; i < n; i++) { /* the tables keep the strings alive */
    lua_rawgeti(L, 2, (int)i + 1);
    names[i] = lua_tostring(L, -1);
    lua_rawgeti(L, 3, (int)i + 1);
    tensors[i] = lb_check_tensor(L, -1, "saveSafetensors");
    lua_pop(L, 2);
  }
  for (size_t i = 0; i < nmeta; i++) {
    lua_rawgeti(L, 4, (int)i + 1);
    mk[i] = lua_tostring(L, -1);
    lua_rawgeti(L, 5, (int)i + 1);
    mv[i] = lua_tostring(L, -1);
    lua_pop(L, 2);
  }
  lt_sink *s = lt_sink_file(path, what);
  if (!s) return lb_error(L);
  int rc = lt_st_save(s, n, names, tensors, nmeta, mk, mv) || lt_sink_commit(s);
  lt_sink_free(s);
  return rc ? lb_error(L) : 0;
}

static int l_io_crc32(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 1, &n);
  lua_pushnumber(L, lt_io_crc32(0, s, n));
  return 1;
}

/* identity of a tensor's or storage's C storage, for sharing on save */
static int l_io_storage_id(lua_State *L) {
  lua_pushlightuserdata(L, check_any_storage(L, 1, "save"));
  return 1;
}

/* ---- writers: a userdata owning the sink; __gc removes the temp file of
 * a save that did not commit ---- */

typedef struct writer {
  lt_sink *sink;
  lt_native_writer *nw;
  lt_t7_writer *tw;
} writer;

static int writer_gc(lua_State *L) {
  writer *w = lua_touserdata(L, 1);
  lt_nw_free(w->nw);
  lt_t7w_free(w->tw);
  lt_sink_free(w->sink);
  memset(w, 0, sizeof *w);
  return 0;
}

static writer *check_writer(lua_State *L, const char *mt) {
  writer *w = luaL_checkudata(L, 1, mt);
  if (!w->sink) lb_errorf(L, "torch.save: writer already closed");
  return w;
}

/* io_writer(kind, path or nil, what): kind 'native', 'torch7' or 'ascii'
 * (Torch7's ascii text) */
static int l_io_writer(lua_State *L) {
  const char *kind = luaL_checkstring(L, 1), *what = luaL_checkstring(L, 3);
  int native = strcmp(kind, "native") == 0;
  writer *w = lua_newuserdata(L, sizeof *w);
  memset(w, 0, sizeof *w);
  luaL_getmetatable(L, native ? NATIVE_MT : T7_MT);
  lua_setmetatable(L, -2);
  w->sink = lua_isnil(L, 2) ? lt_sink_memory(what) : lt_sink_file(luaL_checkstring(L, 2), what);
  if (!w->sink) return lb_error(L);
  if (native ? !(w->nw = lt_native_writer_new(w->sink))
             : !(w->tw = lt_t7_writer_new(w->sink, strcmp(kind, "ascii") == 0)))
    return lb_error(L);
  return 1;
}

/* commit(): file -> renamed into place; memory -> the bytes as a string */
static int l_writer_commit(lua_State *L) {
  writer *w = lua_touserdata(L, 1);
  if (!w || !w->sink) return lb_errorf(L, "torch.save: writer already closed");
  if (lt_sink_commit(w->sink)) return lb_error(L);
  size_t len;
  const char *b = lt_sink_bytes(w->sink, &len);
  if (b) lua_pushlstring(L, b, len);
  else lua_pushnil(L);
  writer_gc(L);
  return 1;
}

static int push_id(lua_State *L, uint32_t id) {
  if (id == LT_IO_NONE) return lb_error(L);
  lua_pushnumber(L, id);
  return 1;
}

static int l_nw_tensor(lua_State *L) {
  writer *w = check_writer(L, NATIVE_MT);
  lt_tensor *t = lb_to_tensor(L, 2);
  if (t) return push_id(L, lt_nw_tensor(w->nw, t));
  return push_id(L, lt_nw_storage(w->nw, check_any_storage(L, 2, "save")));
}

static int l_nw_table(lua_State *L) { return push_id(L, lt_nw_table(check_writer(L, NATIVE_MT)->nw)); }

static int l_nw_object(lua_State *L) {
  writer *w = check_writer(L, NATIVE_MT);
  return push_id(L, lt_nw_object(w->nw, luaL_checkstring(L, 2)));
}

static int l_nw_begin(lua_State *L) {
  writer *w = check_writer(L, NATIVE_MT);
  if (lt_nw_entries_begin(w->nw, (uint32_t)luaL_checknumber(L, 2))) return lb_error(L);
  return 0;
}

static int l_nw_end(lua_State *L) {
  if (lt_nw_entries_end(check_writer(L, NATIVE_MT)->nw)) return lb_error(L);
  return 0;
}

/* a scalar at idx, or a reference when ref (idx+1) is a number */
static void to_value(lua_State *L, int idx, lt_io_value *v) {
  memset(v, 0, sizeof *v);
  if (lua_type(L, idx + 1) == LUA_TNUMBER) {
    v->tag = LT_IO_REF;
    v->ref = (uint32_t)lua_tonumber(L, idx + 1);
    return;
  }
  switch (lua_type(L, idx)) {
  case LUA_TNIL: v->tag = LT_IO_NIL; break;
  case LUA_TBOOLEAN: v->tag = lua_toboolean(L, idx) ? LT_IO_TRUE : LT_IO_FALSE; break;
  case LUA_TNUMBER: v->tag = LT_IO_NUMBER, v->num = lua_tonumber(L, idx); break;
  case LUA_TSTRING: {
    size_t n;
    v->str = lua_tolstring(L, idx, &n);
    v->len = n;
    v->tag = LT_IO_STRING;
    break;
  }
  default: lb_errorf(L, "torch.save: cannot save a %s", luaL_typename(L, idx));
  }
}

/* w:pair(key, key_ref, value, value_ref) */
static int l_nw_pair(lua_State *L) {
  writer *w = check_writer(L, NATIVE_MT);
  lt_io_value k, v;
  to_value(L, 2, &k);
  to_value(L, 4, &v);
  if (lt_nw_pair(w->nw, &k, &v)) return lb_error(L);
  return 0;
}

/* w:finish(root, root_ref) */
static int l_nw_finish(lua_State *L) {
  writer *w = check_writer(L, NATIVE_MT);
  lt_io_value v;
  to_value(L, 2, &v);
  if (lt_nw_finish(w->nw, &v)) return lb_error(L);
  return 0;
}

static int l_tw_int(lua_State *L) {
  if (lt_t7w_int(check_writer(L, T7_MT)->tw, (int32_t)luaL_checknumber(L, 2))) return lb_error(L);
  return 0;
}

static int l_tw_double(lua_State *L) {
  if (lt_t7w_double(check_writer(L, T7_MT)->tw, luaL_checknumber(L, 2))) return lb_error(L);
  return 0;
}

static int l_tw_string(lua_State *L) {
  size_t n;
  const char *s = luaL_checklstring(L, 2, &n);
  if (lt_t7w_string(check_writer(L, T7_MT)->tw, s, n)) return lb_error(L);
  return 0;
}

/* w:storage(x): body of x's storage; w:tensor(t): t's geometry */
static int l_tw_storage(lua_State *L) {
  writer *w = check_writer(L, T7_MT);
  if (lt_t7w_storage_body(w->tw, check_any_storage(L, 2, "save"))) return lb_error(L);
  return 0;
}

static int l_tw_tensor(lua_State *L) {
  writer *w = check_writer(L, T7_MT);
  if (lt_t7w_tensor_body(w->tw, lb_check_tensor(L, 2, "save"))) return lb_error(L);
  return 0;
}

/* io_t7_class(dtype) -> 'torch.FloatTensor', 'torch.FloatStorage' */
static int l_io_t7_class(lua_State *L) {
  lt_dtype d = lb_check_dtype(L, 1, "save");
  const char *t = lt_t7_tensor_class(d);
  if (!t) return lb_errorf(L, "torch.save: Torch7 has no %s type", lt_dtype_name(d));
  lua_pushstring(L, t);
  lua_pushstring(L, lt_t7_storage_class(d));
  return 2;
}

static void new_class(lua_State *L, const char *name, const luaL_Reg *methods) {
  luaL_newmetatable(L, name);
  lua_pushcfunction(L, writer_gc);
  lua_setfield(L, -2, "__gc");
  lua_newtable(L);
  lb_register(L, methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

void lb_open_io(lua_State *L) {
  static const luaL_Reg native[] = {
      {"tensor", l_nw_tensor}, {"storage", l_nw_tensor}, {"table", l_nw_table},
      {"object", l_nw_object}, {"begin", l_nw_begin},    {"pair", l_nw_pair},
      {"finish_entries", l_nw_end}, {"finish", l_nw_finish}, {"commit", l_writer_commit},
      {"abort", writer_gc}, {NULL, NULL}};
  static const luaL_Reg t7[] = {
      {"int", l_tw_int},         {"double", l_tw_double}, {"string", l_tw_string},
      {"storage", l_tw_storage}, {"tensor", l_tw_tensor}, {"commit", l_writer_commit},
      {"abort", writer_gc}, {NULL, NULL}};
  static const luaL_Reg fns[] = {
      {"io_load", l_io_load},
      {"io_load_safetensors", l_io_load_safetensors},
      {"io_save_safetensors", l_io_save_safetensors},
      {"io_writer", l_io_writer},
      {"io_crc32", l_io_crc32},
      {"io_storage_id", l_io_storage_id},
      {"io_t7_class", l_io_t7_class},
      {NULL, NULL}};
  new_class(L, NATIVE_MT, native);
  new_class(L, T7_MT, t7);
  luaL_newmetatable(L, LOAD_MT);
  lua_pushcfunction(L, load_state_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  lb_register(L, fns);
}
