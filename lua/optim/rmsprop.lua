-- RMSprop. Torch7's optim.rmsprop and PyTorch's RMSprop share the formula
--   m = alpha*m + (1-alpha)*g^2;  x -= lr * g / (sqrt(m) + eps)
-- (weight decay added to g). Beyond Torch7, both forms take PyTorch's
-- centered (subtract the square of a running mean of g) and momentum
-- options; Torch7's initialMean starts m at a constant.
local optim = optim
local U = optim._util
local K = U.kernels

function optim.rmsprop(opfunc, x, config, state)
  local fn = 'optim.rmsprop'
  config, state = U.check_call(fn, opfunc, x, config, state)
  local lr = U.num(fn, config, 'learningRate', 1e-2, 0, nil, 2)
  local alpha = U.num(fn, config, 'alpha', 0.99, 0, 1, 2)
  local eps = U.num(fn, config, 'epsilon', 1e-8, 0, nil, 2)
  local wd = U.num(fn, config, 'weightDecay', 0, 0, nil, 2)
  local mfill = U.num(fn, config, 'initialMean', 0, 0, nil, 2)
  local mom = U.num(fn, config, 'momentum', 0, 0, nil, 2)
  local centered = U.bool(fn, config, 'centered', false, 2)
  local fx, dfdx = U.eval(fn, opfunc, x, 2)
  local m = U.buffer(state, 'm', x, mfill)
  local ga = centered and U.buffer(state, 'g', x) or nil
  local buf = mom > 0 and U.buffer(state, 'buf', x) or nil
  U.fused(K.rmsprop, U.raw(x), dfdx, m, ga, buf, lr, alpha, eps, wd, mom)
  return x, {fx}
end

-- optim.RMSprop(params, {lr = 1e-2, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false})
local RMSprop = torch.class('optim.RMSprop', 'optim.Optimizer', optim)
RMSprop._name = 'optim.RMSprop'
RMSprop._defaults = {lr = 1e-2, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false}

function RMSprop:_check(g, level)
  self:_nonneg(g, level + 1, 'lr', 'eps', 'weightDecay', 'momentum')
  U.num(self._name, g, 'alpha', nil, 0, 1, level + 1)
  U.bool(self._name, g, 'centered', nil, level + 1)
end

function RMSprop:_update(g, p, grad, st)
  st.step = (st.step or 0) + 1
  local sq = U.buffer(st, 'squareAvg', p)
  local ga = g.centered and U.buffer(st, 'gradAvg', p) or nil
  local buf = g.momentum > 0 and U.buffer(st, 'momentumBuffer', p) or nil
  U.fused(K.rmsprop, U.raw(p), grad, sq, ga, buf, g.lr, g.alpha, g.eps, g.weightDecay, g.momentum)
end
