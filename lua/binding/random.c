/* Bindings of the random functions: seeding and state, generator objects,
 * the in-place fills t:uniform() & co, and the raw samplers behind
 * torch.randperm / torch.multinomial (lua/torch/random.lua adds the 1-based
 * shift, result tensors and type names).
 *
 * Torch7 style, every function takes an optional torch.Generator first
 * (methods: right after self); without one the default generator is used. */
#include <math.h>

#include "binding.h"

#define GENERATOR_MT "torch.Generator"

static lt_generator *to_gen(lua_State *L, int idx) {
  lt_generator **box = luaL_testudata(L, idx, GENERATOR_MT);
  return box ? *box : NULL;
}

/* A generator at *idx, if any (then *idx moves past it); NULL: the default. */
static lt_generator *opt_gen(lua_State *L, int *idx) {
  lt_generator *g = to_gen(L, *idx);
  if (g) ++*idx;
  return g;
}

static void check_nargs(lua_State *L, int last, const char *fn) {
  if (lua_gettop(L) > last)
    lb_errorf(L, "torch.%s: too many arguments (%d, expected at most %d)", fn, lua_gettop(L), last);
}

static double opt_num(lua_State *L, int idx, const char *fn, double def) {
  if (lua_isnoneornil(L, idx)) return def;
  if (lua_type(L, idx) != LUA_TNUMBER) lb_arg_error(L, fn, idx, "a number");
  return lua_tonumber(L, idx);
}

/* An integral Lua number that an int64 holds. */
static int64_t check_int(lua_State *L, int idx, const char *fn) {
  if (lua_type(L, idx) != LUA_TNUMBER) lb_arg_error(L, fn, idx, "an integer");
  double v = lua_tonumber(L, idx);
  if (v != floor(v) || !(fabs(v) < 0x1p63))
    lb_errorf(L, "torch.%s: argument %d: expected an integer, got %g", fn, idx, v);
  return (int64_t)v;
}

/* ---- generators and seeds ---- */

static int l_generator_new(lua_State *L) {
  lt_generator **box = lua_newuserdata(L, sizeof *box);
  *box = NULL;
  luaL_getmetatable(L, GENERATOR_MT);
  lua_setmetatable(L, -2);
  *box = lt_generator_new(LT_DEFAULT_SEED);
  if (!*box) return lb_error(L);
  return 1;
}

static int l_generator_gc(lua_State *L) {
  lt_generator **box = luaL_checkudata(L, 1, GENERATOR_MT);
  lt_generator_free(*box);
  *box = NULL;
  return 0;
}

static int l_is_generator(lua_State *L) {
  lua_pushboolean(L, to_gen(L, 1) != NULL);
  return 1;
}

/* manualSeed([gen,] n): n an integer; negative seeds wrap to 2^64 + n */
static int l_manual_seed(lua_State *L) {
  int i = 1;
  lt_generator *g = opt_gen(L, &i);
  if (lua_type(L, i) != LUA_TNUMBER) return lb_arg_error(L, "manualSeed", i, "an integer seed");
  double v = lua_tonumber(L, i);
  if (v != floor(v) || !(v > -0x1p63 && v < 0x1p64))
    return lb_errorf(L, "torch.manualSeed: expected an integer seed in [-2^63, 2^64), got %g", v);
  check_nargs(L, i, "manualSeed");
  lt_manual_seed(g, v < 0 ? (uint64_t)(int64_t)v : (uint64_t)v);
  return 0;
}

static int l_seed(lua_State *L) {
  int i = 1;
  lt_generator *g = opt_gen(L, &i);
  check_nargs(L, i - 1, "seed");
  lua_pushnumber(L, (lua_Number)lt_seed(g));
  return 1;
}

static int l_initial_seed(lua_State *L) {
  int i = 1;
  lt_generator *g = opt_gen(L, &i);
  check_nargs(L, i - 1, "initialSeed");
  lua_pushnumber(L, (lua_Number)lt_initial_seed(g));
  return 1;
}

static int l_get_state(lua_State *L) {
  int i = 1;
  lt_generator *g = opt_gen(L, &i);
  check_nargs(L, i - 1, "getRNGState");
  return lb_push_tensor(L, lt_get_rng_state(g));
}

static int l_set_state(lua_State *L) {
  int i = 1;
  lt_generator *g = opt_gen(L, &i);
  lt_tensor *s = lb_check_tensor(L, i, "setRNGState");
  check_nargs(L, i, "setRNGState");
  if (lt_set_rng_state(g, s)) return lb_error(L);
  lua_pushvalue(L, i);
  return 1;
}

/* ---- in-place fills: t:f([gen,] params...) returns t ---- */

#define FILL2(NAME, FN, LUA, D0, D1)                                         \
  static int NAME(lua_State *L) {                                            \
    lt_tensor *t = lb_check_tensor(L, 1, LUA);                               \
    int i = 2;                                                               \
    lt_generator *g = opt_gen(L, &i);                                        \
    double a = opt_num(L, i, LUA, D0), b = opt_num(L, i + 1, LUA, D1);       \
    check_nargs(L, i + 1, LUA);                                              \
    if (FN(t, g, a, b)) return lb_error(L);                                  \
    lua_settop(L, 1);                                                        \
    return 1;                                                                \
  }
FILL2(l_uniform, lt_uniform_, "uniform", 0, 1)
FILL2(l_normal, lt_normal_, "normal", 0, 1)
FILL2(l_cauchy, lt_cauchy_, "cauchy", 0, 1)
FILL2(l_log_normal, lt_log_normal_, "logNormal", 1, 2)

static int l_exponential(lua_State *L) {
  lt_tensor *t = lb_check_tensor(L, 1, "exponential");
  int i = 2;
  lt_generator *g = opt_gen(L, &i);
  double lambda = opt_num(L, i, "exponential", 1);
  check_nargs(L, i, "exponential");
  if (lt_exponential_(t, g, lambda)) return lb_error(L);
  lua_settop(L, 1);
  return 1;
}

static int l_geometric(lua_State *L) {
  lt_tensor *t = lb_check_tensor(L, 1, "geometric");
  int i = 2;
  lt_generator *g = opt_gen(L, &i);
  if (lua_type(L, i) != LUA_TNUMBER) return lb_arg_error(L, "geometric", i, "a probability (number)");
  check_nargs(L, i, "geometric");
  if (lt_geometric_(t, g, lua_tonumber(L, i))) return lb_error(L);
  lua_settop(L, 1);
  return 1;
}

/* t:bernoulli([gen,] [p]): p a number (default 0.5) or a tensor of probabilities */
static int l_bernoulli(lua_State *L) {
  lt_tensor *t = lb_check_tensor(L, 1, "bernoulli");
  int i = 2;
  lt_generator *g = opt_gen(L, &i);
  lt_tensor *p = lb_to_tensor(L, i);
  check_nargs(L, i, "bernoulli");
  int rc;
  if (p) {
    rc = lt_bernoulli_tensor_(t, g, p);
  } else {
    if (!lua_isnoneornil(L, i) && lua_type(L, i) != LUA_TNUMBER)
      return lb_arg_error(L, "bernoulli", i, "a probability (number or tensor)");
    rc = lt_bernoulli_(t, g, opt_num(L, i, "bernoulli", 0.5));
  }
  if (rc) return lb_error(L);
  lua_settop(L, 1);
  return 1;
}

/* t:random([gen,] [a,] [b]): none: the dtype's range from 0; b: [1, b];
 * a, b: [a, b] (Torch7, both inclusive) */
static int l_random(lua_State *L) {
  lt_tensor *t = lb_check_tensor(L, 1, "random");
  int i = 2;
  lt_generator *g = opt_gen(L, &i);
  int n = lua_gettop(L) - i + 1, rc;
  while (n > 0 && lua_isnil(L, i + n - 1)) n--;
  if (n > 2) return lb_errorf(L, "torch.random: too many arguments (expected [a,] [b])");
  if (n == 0)
    rc = lt_random_full_(t, g);
  else if (n == 1)
    rc = lt_random_(t, g, 1, check_int(L, i, "random"));
  else
    rc = lt_random_(t, g, check_int(L, i, "random"), check_int(L, i + 1, "random"));
  if (rc) return lb_error(L);
  lua_settop(L, 1);
  return 1;
}

/* ---- raw samplers (0-based results) ---- */

/* _randperm([gen,] n, dtype) */
static int l_randperm(lua_State *L) {
  int i = 1;
  lt_generator *g = opt_gen(L, &i);
  int64_t n = check_int(L, i, "randperm");
  lt_dtype d = lb_check_dtype(L, i + 1, "randperm");
  return lb_push_tensor(L, lt_randperm(g, n, d));
}

/* _multinomial([gen,] probs, n, replacement) */
static int l_multinomial(lua_State *L) {
  int i = 1;
  lt_generator *g = opt_gen(L, &i);
  lt_tensor *p = lb_check_tensor(L, i, "multinomial");
  int64_t n = check_int(L, i + 1, "multinomial");
  if (!lua_isnoneornil(L, i + 2) && !lua_isboolean(L, i + 2))
    return lb_arg_error(L, "multinomial", i + 2, "a boolean (replacement)");
  check_nargs(L, i + 2, "multinomial");
  return lb_push_tensor(L, lt_multinomial(g, p, n, lua_toboolean(L, i + 2)));
}

static const luaL_Reg fill_methods[] = {
    {"uniform", l_uniform},         {"normal", l_normal},       {"cauchy", l_cauchy},
    {"logNormal", l_log_normal},    {"exponential", l_exponential}, {"geometric", l_geometric},
    {"bernoulli", l_bernoulli},     {"random", l_random},       {NULL, NULL}};

static const luaL_Reg seed_functions[] = {
    {"manualSeed", l_manual_seed},  {"seed", l_seed},           {"initialSeed", l_initial_seed},
    {"getRNGState", l_get_state},   {"setRNGState", l_set_state}, {NULL, NULL}};

static const luaL_Reg raw_functions[] = {
    {"Generator", l_generator_new}, {"isGenerator", l_is_generator}, {"_randperm", l_randperm},
    {"_multinomial", l_multinomial}, {NULL, NULL}};

void lb_open_random(lua_State *L) {
  lb_register(L, raw_functions);
  lua_getfield(L, -1, "fn");
  lb_register(L, seed_functions);
  lua_pop(L, 1);
  lua_getfield(L, -1, "methods");
  lb_register(L, fill_methods);
  lua_pop(L, 1);

  /* gen:manualSeed(n) & co are the same functions with the generator first */
  luaL_newmetatable(L, GENERATOR_MT);
  lua_pushcfunction(L, l_generator_gc);
  lua_setfield(L, -2, "__gc");
  lua_newtable(L);
  lb_register(L, seed_functions);
  lua_setfield(L, -2, "__index");
  lua_pushstring(L, "torch.Generator");
  lua_setfield(L, -2, "__name");
  lua_pushstring(L, "torch.Generator"); /* what torch.type/typename answer */
  lua_setfield(L, -2, "__typename");
  lua_setfield(L, -2, "generator_mt");
}
