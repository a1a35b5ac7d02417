/* Bindings of autograd: tensor fields and methods (requires_grad, grad,
 * grad_fn, detach, hooks), the engine entry, and the two callbacks from
 * the C engine into Lua: tensor hooks and custom functions' backward.
 *
 * Callbacks run Lua on the lua_State that called backward (cur_L) under
 * lua_pcall, so a Lua error becomes an lt error and the engine unwinds
 * cleanly. Registry references held by C (hook functions, custom-function
 * contexts) may be dropped from a __gc finalizer, where touching the
 * registry is unsafe: they are queued and unreferenced at the next call. */
#include <stdlib.h>
#include <string.h>

#include "binding.h"

static _Thread_local lua_State *cur_L;
static int runner_ref = LUA_NOREF; /* Lua function running a custom backward */

/* ---- deferred registry unrefs ---- */
static int *dead_refs, ndead, capdead;

static void unref_later(int ref) {
  if (ndead == capdead) {
    int cap = capdead ? 2 * capdead : 64;
    int *p = realloc(dead_refs, sizeof *p * (size_t)cap);
    if (!p) return; /* leaks one registry slot: harmless */
    dead_refs = p;
    capdead = cap;
  }
  dead_refs[ndead++] = ref;
}

static void flush_refs(lua_State *L) {
  while (ndead) luaL_unref(L, LUA_REGISTRYINDEX, dead_refs[--ndead]);
}

typedef struct {
  int ref;
} lua_ref_ctx;

static void ref_free(void *ctx) {
  unref_later(((lua_ref_ctx *)ctx)->ref);
  free(ctx);
}

static lua_ref_ctx *make_ref(lua_State *L, int idx) {
  lua_ref_ctx *c = malloc(sizeof *c);
  if (!c) {
    lb_errorf(L, "torch.autograd: out of memory");
    return NULL;
  }
  lua_pushvalue(L, idx);
  c->ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return c;
}

/* The message of a failed pcall as an lt error; pops it. */
static int pcall_error(lua_State *L, const char *what) {
  const char *msg = lua_tostring(L, -1);
  lt_errorf("backward: %s: %s", what, msg ? msg : "(error object is not a string)");
  lua_pop(L, 1);
  return -1;
}

/* ---- hooks ---- */

static int hook_call(void *ctx, lt_tensor *grad, lt_tensor **replacement) {
  lua_State *L = cur_L;
  if (!L) return lt_errorf("backward: a Lua hook cannot run outside a call from Lua");
  lua_rawgeti(L, LUA_REGISTRYINDEX, ((lua_ref_ctx *)ctx)->ref);
  lt_tensor_retain(grad);
  lb_push_tensor(L, grad);
  if (lua_pcall(L, 1, 1, 0)) return pcall_error(L, "hook failed");
  lt_tensor *r = lb_to_tensor(L, -1);
  if (r) {
    lt_tensor_retain(r);
    *replacement = r;
  } else if (!lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return lt_errorf("backward: a hook must return a tensor or nothing");
  }
  lua_pop(L, 1);
  return 0;
}

static int l_register_hook(lua_State *L) {
  lt_tensor *t = lb_check_tensor(L, 1, "registerHook");
  luaL_checktype(L, 2, LUA_TFUNCTION);
  flush_refs(L);
  lua_ref_ctx *c = make_ref(L, 2);
  int id = lt_register_hook(t, hook_call, c, ref_free);
  if (id < 0) {
    ref_free(c);
    return lb_error(L);
  }
  lua_pushinteger(L, id);
  return 1;
}

static int l_remove_hook(lua_State *L) {
  lt_tensor *t = lb_check_tensor(L, 1, "removeHook");
  lua_pushboolean(L, lt_remove_hook(t, (int)luaL_checkinteger(L, 2)) == 0);
  return 1;
}

/* ---- custom functions ---- */

/* the custom node whose Lua backward runs now (for grad_accumulator) */
static _Thread_local lt_node *cur_custom;

/* Calls runner(entry, {gout...}) -> {gin...} (one slot per node input). */
static int custom_backward(lt_node *node, lt_tensor *const *gout, lt_tensor **gin) {
  lua_State *L = cur_L;
  if (!L) return lt_errorf("backward: %s is a Lua function and needs a call from Lua", node->name);
  int top = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, runner_ref);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ((lua_ref_ctx *)node->ctx)->ref);
  lua_createtable(L, node->nout, 0);
  for (int k = 0; k < node->nout; k++) {
    if (!gout[k]) continue;
    lt_tensor_retain(gout[k]);
    lb_push_tensor(L, gout[k]);
    lua_rawseti(L, -2, k + 1);
  }
  lt_node *outer = cur_custom;
  cur_custom = node;
  int failed = lua_pcall(L, 2, 1, 0);
  cur_custom = outer;
  if (failed) return pcall_error(L, node->name);
  if (!lua_istable(L, -1)) {
    lua_settop(L, top);
    return lt_errorf("backward: %s.backward must return gradients", node->name);
  }
  for (int j = 0; j < node->nin; j++) {
    lua_rawgeti(L, -1, j + 1);
    lt_tensor *g = lb_to_tensor(L, -1);
    if (g && lt_needs_grad(node, j)) {
      lt_tensor_retain(g);
      gin[j] = g;
    }
    lua_pop(L, 1);
  }
  lua_settop(L, top);
  return 0;
}

/* grad_accumulator(j) inside a custom backward: the tensor into which it
 * may add input j's gradient (lt_grad_accumulator), or nil. */
static int l_grad_accumulator(lua_State *L) {
  int j = (int)luaL_checkinteger(L, 1) - 1;
  lt_tensor *a = cur_custom ? lt_grad_accumulator(cur_custom, j) : NULL;
  if (!a) {
    lua_pushnil(L);
    return 1;
  }
  lt_tensor_retain(a);
  return lb_push_tensor(L, a);
}

/* record(name, entry, {inputs...}, n, {outputs...}) -> true if recorded.
 * inputs[i] is a tensor or false; outputs are tensors without history. */
static int l_record_function(lua_State *L) {
  size_t len;
  const char *name = luaL_checklstring(L, 1, &len);
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_checktype(L, 3, LUA_TTABLE);
  int n = (int)luaL_checkinteger(L, 4);
  luaL_checktype(L, 5, LUA_TTABLE);
  int nout = (int)lua_objlen(L, 5);
  if (n < 0 || n > 64) return lb_errorf(L, "torch.autograd.Function: at most 64 arguments");
  lt_tensor *in[64];
  for (int j = 0; j < n; j++) {
    lua_rawgeti(L, 3, j + 1);
    in[j] = lb_to_tensor(L, -1);
    lua_pop(L, 1);
  }
  if (!lt_autograd_wants(n, in) || nout == 0) {
    lua_pushboolean(L, 0);
    return 1;
  }
  flush_refs(L);
  lt_node *node = lt_node_new(name, custom_backward, n, in, nout, len + 1);
  if (!node) return lb_error(L);
  memcpy(node->extra, name, len + 1); /* the Lua string may be collected */
  node->name = node->extra;
  node->ctx = make_ref(L, 2);
  node->ctx_free = ref_free;
  for (int k = 0; k < nout; k++) {
    lua_rawgeti(L, 5, k + 1);
    lt_tensor *o = lb_to_tensor(L, -1);
    lua_pop(L, 1);
    if (o && lt_node_attach(node, o, k)) {
      lt_node_release(node);
      return lb_error(L);
    }
  }
  lt_node_release(node);
  lua_pushboolean(L, 1);
  return 1;
}

static int l_set_runner(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_pushvalue(L, 1);
  runner_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return 0;
}

/* ---- the engine ---- */

static int tensors_of(lua_State *L, int idx, const char *fn, const char *what, lt_tensor **out,
                      int max, bool allow_nil) {
  int n = (int)lua_objlen(L, idx);
  if (n > max) return lb_errorf(L, "torch.%s: at most %d %s", fn, max, what);
  for (int i = 0; i < n; i++) {
    lua_rawgeti(L, idx, i + 1);
    out[i] = lb_to_tensor(L, -1);
    if (!out[i] && !(allow_nil && !lua_toboolean(L, -1)))
      lb_errorf(L, "torch.%s: %s %d is not a tensor", fn, what, i + 1);
    lua_pop(L, 1);
  }
  return n;
}

#define MAX_ARGS 256

/* run(outputs, gradOutputs or nil, inputs or nil, retain, create, allowUnused)
 * -> nothing (backward), or a table of gradients (grad) */
static int l_run(lua_State *L) {
  const char *fn = lua_isnoneornil(L, 3) ? "backward" : "autograd.grad";
  lt_tensor *o[MAX_ARGS], *g[MAX_ARGS], *in[MAX_ARGS], *r[MAX_ARGS];
  luaL_checktype(L, 1, LUA_TTABLE);
  int n = tensors_of(L, 1, fn, "outputs", o, MAX_ARGS, false);
  int ng = 0, ni = 0;
  for (int i = 0; i < n; i++) g[i] = NULL;
  if (!lua_isnoneornil(L, 2)) ng = tensors_of(L, 2, fn, "gradOutputs", g, MAX_ARGS, true);
  if (ng > n) return lb_errorf(L, "torch.%s: %d gradOutputs for %d outputs", fn, ng, n);
  if (!lua_isnoneornil(L, 3)) ni = tensors_of(L, 3, fn, "inputs", in, MAX_ARGS, false);
  unsigned flags = (lua_toboolean(L, 4) ? LT_BACKWARD_RETAIN : 0) |
                   (lua_toboolean(L, 5) ? LT_BACKWARD_CREATE : 0) |
                   (lua_toboolean(L, 6) ? LT_BACKWARD_ALLOW_UNUSED : 0);
  flush_refs(L);
  lua_State *prev = cur_L;
  cur_L = L; /* the tensors stay referenced by the argument tables meanwhile */
  int rc = lt_autograd_run(n, o, g, ni, in, r, flags);
  cur_L = prev;
  if (rc) return lb_error(L);
  if (!ni) return 0;
  lua_createtable(L, ni, 0);
  for (int i = 0; i < ni; i++) {
    if (!r[i]) continue;
    lb_push_tensor(L, r[i]);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* ---- grad mode ---- */

static int l_set_grad_enabled(lua_State *L) {
  lua_pushboolean(L, lt_set_grad_enabled(lua_toboolean(L, 1)));
  return 1;
}

static int l_is_grad_enabled(lua_State *L) {
  lua_pushboolean(L, lt_grad_enabled());
  return 1;
}

static int l_live_nodes(lua_State *L) {
  lua_pushnumber(L, (lua_Number)lt_autograd_live_nodes());
  return 1;
}

/* sum_to(t, sizes): t summed down to a broadcast-compatible shape */
static int l_sum_to(lua_State *L) {
  lt_tensor *t = lb_check_tensor(L, 1, "sumToSize");
  int64_t size[LT_MAX_DIMS];
  int n = lb_check_sizes(L, 2, "sumToSize", size);
  return lb_push_tensor(L, lt_sum_to_shape(t, n, size));
}

/* ---- tensor methods ---- */

static int l_requires_grad(lua_State *L) {
  lt_tensor *t = lb_check_tensor(L, 1, "requiresGrad");
  if (lt_set_requires_grad(t, lua_isnoneornil(L, 2) ? true : lua_toboolean(L, 2)))
    return lb_error(L);
  lua_settop(L, 1);
  return 1;
}

static int l_get_requires_grad(lua_State *L) {
  lua_pushboolean(L, lt_requires_grad(lb_check_tensor(L, 1, "requires_grad")));
  return 1;
}

static int l_is_leaf(lua_State *L) {
  lua_pushboolean(L, lt_is_leaf(lb_check_tensor(L, 1, "isLeaf")));
  return 1;
}

static int l_get_grad(lua_State *L) {
  lt_tensor *g = lt_get_grad(lb_check_tensor(L, 1, "grad"));
  if (!g) return 0;
  lt_tensor_retain(g);
  return lb_push_tensor(L, g);
}

static int l_set_grad(lua_State *L) {
  lt_tensor *t = lb_check_tensor(L, 1, "grad");
  lt_tensor *g = lua_isnoneornil(L, 2) ? NULL : lb_check_tensor(L, 2, "grad");
  if (lt_set_grad(t, g)) return lb_error(L);
  return 0;
}

static int l_grad_fn_name(lua_State *L) {
  const char *name = lt_grad_fn_name(lb_check_tensor(L, 1, "grad_fn"));
  if (!name) return 0;
  lua_pushstring(L, name);
  return 1;
}

static int l_detach(lua_State *L) { return lb_push_tensor(L, lt_detach(lb_check_tensor(L, 1, "detach"))); }

static int l_detach_(lua_State *L) {
  if (lt_detach_(lb_check_tensor(L, 1, "detach_"))) return lb_error(L);
  lua_settop(L, 1);
  return 1;
}

static int l_version(lua_State *L) {
  lua_pushnumber(L, (lua_Number)lb_check_tensor(L, 1, "version")->storage->version);
  return 1;
}

static const luaL_Reg methods[] = {
    {"requiresGrad", l_requires_grad}, {"_requires_grad", l_get_requires_grad},
    {"isLeaf", l_is_leaf},             {"_grad", l_get_grad},
    {"_setGrad", l_set_grad},          {"_gradFnName", l_grad_fn_name},
    {"detach", l_detach},              {"detach_", l_detach_},
    {"_version", l_version},           {"_registerHook", l_register_hook},
    {"_removeHook", l_remove_hook},    {NULL, NULL}};

static const luaL_Reg functions[] = {
    {"run", l_run},
    {"record_function", l_record_function},
    {"set_runner", l_set_runner},
    {"set_grad_enabled", l_set_grad_enabled},
    {"is_grad_enabled", l_is_grad_enabled},
    {"live_nodes", l_live_nodes},
    {"sum_to", l_sum_to},
    {"grad_accumulator", l_grad_accumulator},
    {NULL, NULL}};

void lb_open_autograd(lua_State *L) {
  lua_getfield(L, -1, "methods");
  lb_register(L, methods);
  lua_pop(L, 1);
  lua_newtable(L);
  lb_register(L, functions);
  lua_setfield(L, -2, "autograd");
}
