-- Adadelta (Zeiler 2012): Torch7's and PyTorch's formula
--   v = rho*v + (1-rho)*g^2;  delta = sqrt(u + eps) / sqrt(v + eps) * g
--   x -= lr*delta;  u = rho*u + (1-rho)*delta^2
-- Torch7 had no learning rate (lr = 1); config.learningRate is accepted.
local optim = optim
local U = optim._util
local K = U.kernels

function optim.adadelta(opfunc, x, config, state)
  local fn = 'optim.adadelta'
  config, state = U.check_call(fn, opfunc, x, config, state)
  local lr = U.num(fn, config, 'learningRate', 1, 0, nil, 2)
  local rho = U.num(fn, config, 'rho', 0.9, 0, 1, 2)
  local eps = U.num(fn, config, 'eps', 1e-6, 0, nil, 2)
  local wd = U.num(fn, config, 'weightDecay', 0, 0, nil, 2)
  state.evalCounter = state.evalCounter or 0
  local fx, dfdx = U.eval(fn, opfunc, x, 2)
  local v = U.buffer(state, 'paramVariance', x)
  local u = U.buffer(state, 'accDelta', x)
  U.fused(K.adadelta, U.raw(x), dfdx, v, u, lr, rho, eps, wd)
  state.evalCounter = state.evalCounter + 1
  return x, {fx}
end

-- optim.Adadelta(params, {lr = 1, rho = 0.9, eps = 1e-6, weightDecay = 0})
local Adadelta = torch.class('optim.Adadelta', 'optim.Optimizer', optim)
Adadelta._name = 'optim.Adadelta'
Adadelta._defaults = {lr = 1, rho = 0.9, eps = 1e-6, weightDecay = 0}

function Adadelta:_check(g, level)
  self:_nonneg(g, level + 1, 'lr', 'eps', 'weightDecay')
  U.num(self._name, g, 'rho', nil, 0, 1, level + 1)
end

function Adadelta:_update(g, p, grad, st)
  st.step = (st.step or 0) + 1
  local v = U.buffer(st, 'squareAvg', p)
  local u = U.buffer(st, 'accDelta', p)
  U.fused(K.adadelta, U.raw(p), grad, v, u, g.lr, g.rho, g.eps, g.weightDecay)
end
