/* Bindings of the fused optimizer updates (lib/ops/optim.c) as
 * torch.core.optim.<name>(param, grad, buffers..., scalars...). lua/optim
 * calls them with the step-dependent scalars already computed. Errors keep
 * the C message as is ("optim.sgd: ..."): these are optim's, not torch's. */
#include "binding.h"

static lt_tensor *opt_tensor(lua_State *L, int idx, const char *fn) {
  return lua_isnoneornil(L, idx) ? NULL : lb_check_tensor(L, idx, fn);
}

static int done(lua_State *L, int rc) {
  if (rc) return lb_errorf(L, "%s", lt_last_error());
  lua_settop(L, 1);
  return 1; /* the parameter */
}

/* sgd(param, grad, buf, lr, weightDecay, momentum, dampening, nesterov, first) */
static int l_sgd(lua_State *L) {
  const char *fn = "optim.sgd";
  lt_sgd_opts o = {luaL_checknumber(L, 4), luaL_checknumber(L, 5), luaL_checknumber(L, 6),
                   luaL_checknumber(L, 7), lua_toboolean(L, 8), lua_toboolean(L, 9)};
  return done(L, lt_optim_sgd_(lb_check_tensor(L, 1, fn), lb_check_tensor(L, 2, fn),
                               opt_tensor(L, 3, fn), &o));
}

/* adam(param, grad, m, v, vmax, stepSize, beta1, beta2, eps, vdiv, weightDecay, decoupled) */
static int l_adam(lua_State *L) {
  const char *fn = "optim.adam";
  lt_tensor *vmax = opt_tensor(L, 5, fn);
  lt_adam_opts o = {luaL_checknumber(L, 6),  luaL_checknumber(L, 7),  luaL_checknumber(L, 8),
                    luaL_checknumber(L, 9),  luaL_checknumber(L, 10), luaL_checknumber(L, 11),
                    luaL_checknumber(L, 12), vmax != NULL};
  return done(L, lt_optim_adam_(lb_check_tensor(L, 1, fn), lb_check_tensor(L, 2, fn),
                                lb_check_tensor(L, 3, fn), lb_check_tensor(L, 4, fn), vmax, &o));
}

/* rmsprop(param, grad, sq, gradAvg, buf, lr, alpha, eps, weightDecay, momentum) */
static int l_rmsprop(lua_State *L) {
  const char *fn = "optim.rmsprop";
  lt_tensor *ga = opt_tensor(L, 4, fn), *buf = opt_tensor(L, 5, fn);
  lt_rmsprop_opts o = {luaL_checknumber(L, 6), luaL_checknumber(L, 7), luaL_checknumber(L, 8),
                       luaL_checknumber(L, 9), buf ? luaL_checknumber(L, 10) : 0, ga != NULL};
  return done(L, lt_optim_rmsprop_(lb_check_tensor(L, 1, fn), lb_check_tensor(L, 2, fn),
                                   lb_check_tensor(L, 3, fn), ga, buf, &o));
}

/* adagrad(param, grad, sum, lr, eps, weightDecay) */
static int l_adagrad(lua_State *L) {
  const char *fn = "optim.adagrad";
  lt_adagrad_opts o = {luaL_checknumber(L, 4), luaL_checknumber(L, 5), luaL_checknumber(L, 6)};
  return done(L, lt_optim_adagrad_(lb_check_tensor(L, 1, fn), lb_check_tensor(L, 2, fn),
                                   lb_check_tensor(L, 3, fn), &o));
}

/* adadelta(param, grad, sq, acc, lr, rho, eps, weightDecay) */
static int l_adadelta(lua_State *L) {
  const char *fn = "optim.adadelta";
  lt_adadelta_opts o = {luaL_checknumber(L, 5), luaL_checknumber(L, 6), luaL_checknumber(L, 7),
                        luaL_checknumber(L, 8)};
  return done(L, lt_optim_adadelta_(lb_check_tensor(L, 1, fn), lb_check_tensor(L, 2, fn),
                                    lb_check_tensor(L, 3, fn), lb_check_tensor(L, 4, fn), &o));
}

/* adamax(param, grad, m, u, stepSize, beta1, beta2, eps, weightDecay) */
static int l_adamax(lua_State *L) {
  const char *fn = "optim.adamax";
  lt_adamax_opts o = {luaL_checknumber(L, 5), luaL_checknumber(L, 6), luaL_checknumber(L, 7),
                      luaL_checknumber(L, 8), luaL_checknumber(L, 9)};
  return done(L, lt_optim_adamax_(lb_check_tensor(L, 1, fn), lb_check_tensor(L, 2, fn),
                                  lb_check_tensor(L, 3, fn), lb_check_tensor(L, 4, fn), &o));
}

/* nag(param, grad, v, lr, momentum, weightDecay, first) */
static int l_nag(lua_State *L) {
  const char *fn = "optim.nag";
  lt_nag_opts o = {luaL_checknumber(L, 4), luaL_checknumber(L, 5), luaL_checknumber(L, 6),
                   lua_toboolean(L, 7)};
  return done(L, lt_optim_nag_(lb_check_tensor(L, 1, fn), lb_check_tensor(L, 2, fn),
                               lb_check_tensor(L, 3, fn), &o));
}

void lb_open_optim(lua_State *L) {
  static const luaL_Reg fns[] = {{"sgd", l_sgd},         {"adam", l_adam},
                                 {"rmsprop", l_rmsprop}, {"adagrad", l_adagrad},
                                 {"adadelta", l_adadelta}, {"adamax", l_adamax},
                                 {"nag", l_nag},         {NULL, NULL}};
  lua_newtable(L);
  lb_register(L, fns);
  lua_setfield(L, -2, "optim");
}
