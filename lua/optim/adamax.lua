-- Adamax (Adam with the infinity norm): Torch7's and PyTorch's formula
--   m = beta1*m + (1-beta1)*g;  u = max(beta2*u, |g| + eps)
--   x -= lr/(1-beta1^t) * m / u
-- Defaults differ in eps only: 1e-38 in Torch7's optim.adamax, 1e-8 in
-- PyTorch's (optim.Adamax).
local optim = optim
local U = optim._util
local K = U.kernels

function optim.adamax(opfunc, x, config, state)
  local fn = 'optim.adamax'
  config, state = U.check_call(fn, opfunc, x, config, state)
  local lr = U.num(fn, config, 'learningRate', 0.002, 0, nil, 2)
  local beta1 = U.num(fn, config, 'beta1', 0.9, 0, 1, 2, true)
  local beta2 = U.num(fn, config, 'beta2', 0.999, 0, 1, 2, true)
  local eps = U.num(fn, config, 'epsilon', 1e-38, 0, nil, 2)
  local wd = U.num(fn, config, 'weightDecay', 0, 0, nil, 2)
  local fx, dfdx = U.eval(fn, opfunc, x, 2)
  state.t = (state.t or 0) + 1
  local m = U.buffer(state, 'm', x)
  local u = U.buffer(state, 'u', x)
  U.fused(K.adamax, U.raw(x), dfdx, m, u, lr / (1 - beta1 ^ state.t), beta1, beta2, eps, wd)
  return x, {fx}
end

-- optim.Adamax(params, {lr = 2e-3, betas = {0.9, 0.999}, eps = 1e-8, weightDecay = 0})
local Adamax = torch.class('optim.Adamax', 'optim.Optimizer', optim)
Adamax._name = 'optim.Adamax'
Adamax._defaults = {lr = 2e-3, betas = {0.9, 0.999}, eps = 1e-8, weightDecay = 0}

function Adamax:_check(g, level)
  self:_nonneg(g, level + 1, 'lr', 'eps', 'weightDecay')
  self:_betas(g, level + 1)
end

function Adamax:_update(g, p, grad, st)
  st.step = (st.step or 0) + 1
  local m = U.buffer(st, 'expAvg', p)
  local u = U.buffer(st, 'expInf', p)
  local b1, b2 = g.betas[1], g.betas[2]
  U.fused(K.adamax, U.raw(p), grad, m, u, g.lr / (1 - b1 ^ st.step), b1, b2, g.eps, g.weightDecay)
end
