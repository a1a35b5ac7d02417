-- Adagrad: sum += g^2;  x -= clr * g / (sqrt(sum) + eps), with
-- clr = lr / (1 + (t-1)*lrDecay) at step t: Torch7's and PyTorch's formula
-- (Torch7 fixed eps at 1e-10; config.epsilon here, same default).
local optim = optim
local U = optim._util
local K = U.kernels

function optim.adagrad(opfunc, x, config, state)
  local fn = 'optim.adagrad'
  config, state = U.check_call(fn, opfunc, x, config, state)
  local lr = U.num(fn, config, 'learningRate', 1e-3, 0, nil, 2)
  local lrd = U.num(fn, config, 'learningRateDecay', 0, 0, nil, 2)
  local wd = U.num(fn, config, 'weightDecay', 0, 0, nil, 2)
  local eps = U.num(fn, config, 'epsilon', 1e-10, 0, nil, 2)
  state.evalCounter = state.evalCounter or 0
  local fx, dfdx = U.eval(fn, opfunc, x, 2)
  local clr = lr / (1 + state.evalCounter * lrd)
  local sum = U.buffer(state, 'paramVariance', x)
  U.fused(K.adagrad, U.raw(x), dfdx, sum, clr, eps, wd)
  state.evalCounter = state.evalCounter + 1
  return x, {fx}
end

-- optim.Adagrad(params, {lr = 1e-2, lrDecay = 0, weightDecay = 0, initialAccumulatorValue = 0, eps = 1e-10})
local Adagrad = torch.class('optim.Adagrad', 'optim.Optimizer', optim)
Adagrad._name = 'optim.Adagrad'
Adagrad._defaults = {lr = 1e-2, lrDecay = 0, weightDecay = 0, initialAccumulatorValue = 0, eps = 1e-10}

function Adagrad:_check(g, level)
  self:_nonneg(g, level + 1, 'lr', 'lrDecay', 'weightDecay', 'initialAccumulatorValue', 'eps')
end

function Adagrad:_update(g, p, grad, st)
  st.step = (st.step or 0) + 1
  local sum = U.buffer(st, 'sum', p, g.initialAccumulatorValue)
  local clr = g.lr / (1 + (st.step - 1) * g.lrDecay)
  U.fused(K.adagrad, U.raw(p), grad, sum, clr, g.eps, g.weightDecay)
end
