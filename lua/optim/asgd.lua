-- optim.asgd(feval, x [, config] [, state]): averaged SGD (Bottou's sgd-2.0,
-- as Torch7):  x = (1 - lambda·eta_t)·x - eta_t·df/dx;  ax = ax + mu_t·(x - ax)
-- with eta_t = eta0 / (1 + lambda·eta0·t)^alpha and mu_t = 1/max(1, t - t0).
-- config: eta0 = 1e-4, lambda = 1e-4, alpha = 0.75, t0 = 1e6. Returns x,
-- {f(x)}, and the averaged x (state.ax).
local optim = optim
local U = optim._util

function optim.asgd(opfunc, x, config, state)
  local fn = 'optim.asgd'
  config, state = U.check_call(fn, opfunc, x, config, state)
  local eta0 = U.num(fn, config, 'eta0', 1e-4, 0, nil, 2)
  local lambda = U.num(fn, config, 'lambda', 1e-4, 0, nil, 2)
  local alpha = U.num(fn, config, 'alpha', 0.75, 0, nil, 2)
  local t0 = U.num(fn, config, 't0', 1e6, 0, nil, 2)
  state.eta_t = state.eta_t or eta0
  state.mu_t = state.mu_t or 1
  state.t = state.t or 0
  local fx, dfdx = U.eval(fn, opfunc, x, 2)
  local xr = U.raw(x)
  torch.no_grad(function()
    xr:mul(1 - lambda * state.eta_t):add(-state.eta_t, dfdx)
    if state.ax == nil then state.ax = U.zeros_like(xr) end
    if state.mu_t ~= 1 then
      state.ax:add(state.mu_t, xr - state.ax)
    else
      state.ax:copy(xr)
    end
  end)
  state.t = state.t + 1
  state.eta_t = eta0 / math.pow(1 + lambda * eta0 * state.t, alpha)
  state.mu_t = 1 / math.max(1, state.t - t0)
  return x, {fx}, state.ax
end
