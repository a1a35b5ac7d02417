/* torch.core.cuda: the GPU half of the binding. It reaches the CUDA backend
 * only through lib's device table (lutorch/device.h), so it compiles the
 * same with or without CUDA; without it every call that needs a GPU says
 * "no CUDA device available". Device numbers are 1-based here, as in
 * cutorch. lua/torch/cuda.lua builds torch.cuda on these functions. */
#include <math.h>
#include <string.h>

#include "binding.h"
#include "lutorch/device.h"

#define EVENT_MT "torch.cuda.Event"

static const lt_device_ops *backend(void) { return lt_device_backend(LT_CUDA); }

static int device_count(void) { return lt_device_count(LT_CUDA); }

/* the backend, or a Lua error naming fn when there is no GPU */
static const lt_device_ops *need(lua_State *L, const char *fn) {
  const lt_device_ops *ops = backend();
  if (!ops) lb_errorf(L, "torch.%s: no CUDA device available (%s)", fn, lt_device_missing(LT_CUDA));
  if (ops->count() == 0) lb_errorf(L, "torch.%s: no CUDA device available", fn);
  return ops;
}

/* a 1-based device number at idx (default: the current device) -> 0-based */
static int check_device(lua_State *L, int idx, const char *fn) {
  const lt_device_ops *ops = need(L, fn);
  if (lua_isnoneornil(L, idx)) return ops->current();
  if (!lua_isnumber(L, idx)) lb_arg_error(L, fn, idx, "a device number");
  int d = (int)lua_tointeger(L, idx), n = ops->count();
  if (d < 1 || d > n)
    lb_errorf(L, "torch.%s: device %d does not exist (%d device%s, numbered from 1)", fn, d, n,
               n == 1 ? "" : "s");
  return d - 1;
}

/* ---- the GC learns about GPU memory ----
 * GPU tensors are small userdata holding large device blocks. When the
 * bytes they hold have grown past the threshold since the last full
 * collection, collect; an out-of-memory error also collects and empties
 * the cache once before it is raised. */
static int64_t gc_threshold = (int64_t)256 << 20;

static void gc_account(lua_State *L) {
  int64_t live = lt_device_bytes_in_use();
  if (live <= gc_threshold) return;
  lua_gc(L, LUA_GCCOLLECT, 0);
  live = lt_device_bytes_in_use();
  gc_threshold = live * 2 > ((int64_t)256 << 20) ? live * 2 : ((int64_t)256 << 20);
}

static int push(lua_State *L, lt_tensor *t) {
  lb_push_tensor(L, t);
  gc_account(L);
  return 1;
}

static bool out_of_memory(lua_State *L) {
  if (!strstr(lt_last_error(), "out of memory")) return false;
  lua_gc(L, LUA_GCCOLLECT, 0);
  if (backend()) backend()->empty_cache();
  return true;
}

/* run EXPR (a tensor-returning call) again once after freeing memory */
#define RETRY_OOM(L, var, expr)                       \
  do {                                                \
    var = (expr);                                     \
    if (!var && out_of_memory(L)) var = (expr);       \
  } while (0)

/* ---- devices ---- */

static int l_available(lua_State *L) {
  lua_pushboolean(L, device_count() > 0);
  return 1;
}

static int l_built(lua_State *L) {
  lua_pushboolean(L, backend() != NULL);
  return 1;
}

static int l_device_count(lua_State *L) {
  lua_pushinteger(L, device_count());
  return 1;
}

static int l_get_device(lua_State *L) {
  lua_pushinteger(L, need(L, "cuda.getDevice")->current() + 1);
  return 1;
}

static int l_set_device(lua_State *L) {
  if (lua_isnoneornil(L, 1)) return lb_arg_error(L, "cuda.setDevice", 1, "a device number");
  int d = check_device(L, 1, "cuda.setDevice");
  if (backend()->set_current(d)) return lb_error(L);
  return 0;
}

static int l_synchronize(lua_State *L) {
  const lt_device_ops *ops = backend();
  if (!ops || ops->count() == 0) return 0; /* nothing to wait for */
  int d = lua_isnoneornil(L, 1) ? -1 : check_device(L, 1, "cuda.synchronize");
  if (ops->synchronize(d)) return lb_error(L);
  return 0;
}

/* to(t, dtype, device): device 0 is the CPU, k >= 1 GPU k */
static int l_to(lua_State *L) {
  lt_tensor *t = lb_check_tensor(L, 1, "cuda");
  lt_dtype dt = lb_check_dtype(L, 2, "cuda");
  lt_device dev = {LT_CPU, 0};
  if (luaL_checkinteger(L, 3) != 0) dev = (lt_device){LT_CUDA, check_device(L, 3, "cuda")};
  lt_tensor *r;
  RETRY_OOM(L, r, lt_tensor_to(t, dt, dev));
  if (r == t) { /* already there: hand back the same Lua object */
    lt_tensor_release(r);
    lua_settop(L, 1);
    return 1;
  }
  return push(L, r);
}

/* device_of(t): 0 for the CPU, the 1-based GPU number otherwise */
static int l_device_of(lua_State *L) {
  lt_device d = lt_tensor_device(lb_check_tensor(L, 1, "getDevice"));
  lua_pushinteger(L, d.type == LT_CPU ? 0 : d.index + 1);
  return 1;
}

/* empty(dtype, device, sizes...) */
static int l_empty(lua_State *L) {
  lt_dtype dt = lb_check_dtype(L, 1, "cuda");
  int d = check_device(L, 2, "cuda");
  int64_t size[LT_MAX_DIMS];
  int n = lb_check_sizes(L, 3, "cuda", size);
  for (int i = 0; i < n; i++)
    if (size[i] < 0) return lb_errorf(L, "torch.cuda: size -1 is not allowed here");
  lt_tensor *r;
  RETRY_OOM(L, r, lt_tensor_empty_on(dt, n, size, ((lt_device){LT_CUDA, d})));
  return push(L, r);
}

/* ---- memory ---- */

static void set_number(lua_State *L, const char *k, int64_t v) {
  lua_pushnumber(L, (lua_Number)v);
  lua_setfield(L, -2, k);
}

static int l_memory_stats(lua_State *L) {
  lt_device_memstats st = {0};
  const lt_device_ops *ops = backend();
  if (ops && ops->count() > 0) {
    int d = check_device(L, 1, "cuda.memoryStats");
    if (ops->memstats(d, &st)) return lb_error(L);
  }
  lua_createtable(L, 0, 9);
  set_number(L, "allocated", st.allocated);
  set_number(L, "reserved", st.reserved);
  set_number(L, "peak_allocated", st.peak_allocated);
  set_number(L, "cached", st.cached);
  set_number(L, "device_allocs", st.device_allocs);
  set_number(L, "device_frees", st.device_frees);
  set_number(L, "cache_hits", st.cache_hits);
  set_number(L, "oom_retries", st.oom_retries);
  set_number(L, "ooms", st.ooms);
  return 1;
}

static int l_empty_cache(lua_State *L) {
  const lt_device_ops *ops = backend();
  if (ops && ops->count() > 0) ops->empty_cache();
  return 0;
}

static int l_reset_peak(lua_State *L) {
  const lt_device_ops *ops = backend();
  if (ops && ops->count() > 0) ops->reset_peak(check_device(L, 1, "cuda.resetPeakMemoryStats"));
  return 0;
}

static int l_mem_info(lua_State *L) {
  int d = check_device(L, 1, "cuda.getMemoryUsage");
  int64_t fr = 0, tot = 0;
  if (backend()->meminfo(d, &fr, &tot)) return lb_error(L);
  lua_pushnumber(L, (lua_Number)fr);
  lua_pushnumber(L, (lua_Number)tot);
  return 2;
}

static int l_bytes_in_use(lua_State *L) {
  lua_pushnumber(L, (lua_Number)lt_device_bytes_in_use());
  return 1;
}

static int l_set_gc_threshold(lua_State *L) {
  gc_threshold = (int64_t)luaL_checknumber(L, 1);
  return 0;
}

/* ---- settings ---- */

static int l_set_option(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  double v = lua_isboolean(L, 2) ? lua_toboolean(L, 2) : luaL_checknumber(L, 2);
  const lt_device_ops *ops = backend();
  if (ops && ops->set_option(name, v)) return lb_error(L);
  return 0;
}

static int l_get_option(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  double v = 0;
  const lt_device_ops *ops = backend();
  if (ops && ops->get_option(name, &v)) return lb_error(L);
  lua_pushnumber(L, v);
  return 1;
}

/* ---- ops ---- */

/* mm(res or nil, a, b) */
static int l_mm(lua_State *L) {
  need(L, "cuda.mm");
  lt_tensor *res = lua_isnil(L, 1) ? NULL : lb_check_tensor(L, 1, "cuda.mm");
  lt_tensor *a = lb_check_tensor(L, 2, "cuda.mm"), *b = lb_check_tensor(L, 3, "cuda.mm");
  lt_tensor *r;
  RETRY_OOM(L, r, lt_device_mm(res, a, b));
  if (!r) return lb_error(L);
  if (res) {
    lt_tensor_release(r);
    lua_settop(L, 1);
    return 1;
  }
  return push(L, r);
}

/* pointwise(name, res or nil, a, b or nil, p1, p2): the elementwise hook as
 * lib's dispatcher calls it; numbers become 0-dim CPU tensors of the dtype
 * of the first tensor operand, as in the op-table binding */
static int l_pointwise(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  const lt_opdef *op = lt_op_find(name);
  if (!op || (op->kind != LT_KIND_UNARY && op->kind != LT_KIND_BINARY))
    return lb_errorf(L, "torch.cuda: '%s' is not an elementwise op", name);
  int n = op->kind == LT_KIND_UNARY ? 1 : 2;
  lt_tensor *res = lua_isnil(L, 2) ? NULL : lb_check_tensor(L, 2, name);
  lt_tensor *in[2] = {NULL, NULL}, *made[2] = {NULL, NULL};
  lt_dtype dt = LT_FLOAT32;
  for (int i = 0; i < n; i++)
    if ((in[i] = lb_to_tensor(L, 3 + i))) {
      dt = in[i]->dtype;
      break;
    }
  if (!in[0] && (n == 1 || !in[1])) return lb_errorf(L, "torch.%s: expected a tensor operand", name);
  for (int i = 0; i < n; i++) {
    if ((in[i] = lb_to_tensor(L, 3 + i))) continue;
    if (!lua_isnumber(L, 3 + i)) {
      lt_tensor_release(made[0]);
      return lb_arg_error(L, name, 3 + i, "a tensor or a number");
    }
    if (!(in[i] = made[i] = lt_tensor_scalar(dt, lua_tonumber(L, 3 + i)))) {
      lt_tensor_release(made[0]);
      return lb_error(L);
    }
  }
  double prm[LT_OP_MAX_PARAMS] = {1, 1, 1, 1};
  if (op->kind == LT_KIND_UNARY && op->nparams == 2) {
    prm[0] = -INFINITY;
    prm[1] = INFINITY;
  }
  for (int p = 0; p < op->nparams && p < 2; p++)
    if (lua_isnumber(L, 5 + p)) prm[p] = lua_tonumber(L, 5 + p);
  lt_tensor *r;
  RETRY_OOM(L, r, lt_device_elementwise(op, res, n, in, prm));
  lt_tensor_release(made[0]);
  lt_tensor_release(made[1]);
  if (!r) return lb_error(L);
  if (res) {
    lt_tensor_release(r);
    lua_pushvalue(L, 2);
    return 1;
  }
  return push(L, r);
}

/* reduce(name, t) -> number */
static int l_reduce(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  lt_tensor *t = lb_check_tensor(L, 2, name);
  double v = 0;
  if (lt_device_reduce_all(name, t, &v)) return lb_error(L);
  lua_pushnumber(L, v);
  return 1;
}

/* uniform(t, lo, hi): t filled in place */
static int l_uniform(lua_State *L) {
  lt_tensor *t = lb_check_tensor(L, 1, "cuda.uniform");
  double lo = luaL_optnumber(L, 2, 0), hi = luaL_optnumber(L, 3, 1);
  if (lt_tensor_device(t).type != LT_CUDA)
    return lb_errorf(L, "torch.cuda.uniform: expected a CUDA tensor");
  if (need(L, "cuda.uniform")->uniform(t, lo, hi)) return lb_error(L);
  lua_settop(L, 1);
  return 1;
}

/* ---- events ---- */

static void **check_event(lua_State *L, int idx) {
  void **box = luaL_checkudata(L, idx, EVENT_MT);
  if (!*box) lb_errorf(L, "torch.cuda.Event: the event was freed");
  return box;
}

static int l_event_new(lua_State *L) {
  const lt_device_ops *ops = need(L, "cuda.Event");
  void **box = lua_newuserdata(L, sizeof *box);
  *box = NULL;
  luaL_getmetatable(L, EVENT_MT);
  lua_setmetatable(L, -2);
  if (!(*box = ops->event_new())) return lb_error(L);
  return 1;
}

static int l_event_gc(lua_State *L) {
  void **box = luaL_checkudata(L, 1, EVENT_MT);
  if (*box && backend()) backend()->event_free(*box);
  *box = NULL;
  return 0;
}

static int l_event_record(lua_State *L) {
  if (backend()->event_record(*check_event(L, 1))) return lb_error(L);
  lua_settop(L, 1);
  return 1;
}

static int l_event_synchronize(lua_State *L) {
  if (backend()->event_synchronize(*check_event(L, 1))) return lb_error(L);
  lua_settop(L, 1);
  return 1;
}

/* start:elapsedTime(stop) -> milliseconds */
static int l_event_elapsed(lua_State *L) {
  double ms = 0;
  if (backend()->event_elapsed(*check_event(L, 1), *check_event(L, 2), &ms)) return lb_error(L);
  lua_pushnumber(L, ms);
  return 1;
}

static const luaL_Reg functions[] = {
    {"available", l_available},   {"built", l_built},
    {"device_count", l_device_count}, {"get_device", l_get_device},
    {"set_device", l_set_device}, {"synchronize", l_synchronize},
    {"to", l_to},                 {"device_of", l_device_of},
    {"empty", l_empty},           {"memory_stats", l_memory_stats},
    {"empty_cache", l_empty_cache}, {"reset_peak", l_reset_peak},
    {"mem_info", l_mem_info},     {"bytes_in_use", l_bytes_in_use},
    {"set_gc_threshold", l_set_gc_threshold}, {"set_option", l_set_option},
    {"get_option", l_get_option}, {"mm", l_mm},
    {"pointwise", l_pointwise},   {"reduce", l_reduce},
    {"uniform", l_uniform},       {"event", l_event_new},
    {NULL, NULL}};

static const luaL_Reg event_methods[] = {{"record", l_event_record},
                                         {"synchronize", l_event_synchronize},
                                         {"elapsedTime", l_event_elapsed},
                                         {NULL, NULL}};

/* core.cuda = {...}; the Event metatable is registered as EVENT_MT */
void lb_open_cuda(lua_State *L) {
  lua_newtable(L);
  lb_register(L, functions);
  lua_setfield(L, -2, "cuda");
  luaL_newmetatable(L, EVENT_MT);
  lua_pushcfunction(L, l_event_gc);
  lua_setfield(L, -2, "__gc");
  lua_newtable(L);
  lb_register(L, event_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}
