-- SGD with momentum, dampening, Nesterov momentum and weight decay.
--
-- optim.sgd(feval, x, config, state) is Torch7's: weight decay is added to
-- the gradient, the momentum buffer is state.dfdx = mom*dfdx + (1-damp)*g
-- (the gradient itself on the first step), dampening defaults to the
-- momentum, and the learning rate decays as lr / (1 + evalCounter*lrd).
-- optim.SGD(params, opts) is PyTorch's torch.optim.SGD: the same update
-- with dampening 0 by default and no decay (use a scheduler).
local optim = optim
local U = optim._util
local K = U.kernels

local raw = U.raw

-- Torch7's per-element learningRates / weightDecays: composed from tensor
-- ops (not fused); rarely used
local function sgd_elementwise(x, dfdx, state, clr, wd, wds, lrs, mom, damp, nesterov)
  local g = dfdx:clone()
  if wd ~= 0 then
    g:add(wd, x)
  elseif wds then
    g:add(torch.cmul(wds:typeAs(x), x))
  end
  if mom ~= 0 then
    if not state.dfdx then
      state.dfdx = g:clone()
    else
      state.dfdx:mul(mom):add(1 - damp, g)
    end
    if nesterov then g:add(mom, state.dfdx) else g = state.dfdx end
  end
  if lrs then g = torch.cmul(lrs:typeAs(x), g) end
  raw(x):add(-clr, g)
end

function optim.sgd(opfunc, x, config, state)
  local fn = 'optim.sgd'
  config, state = U.check_call(fn, opfunc, x, config, state)
  local lr = U.num(fn, config, 'learningRate', 1e-3, 0, nil, 2)
  local lrd = U.num(fn, config, 'learningRateDecay', 0, 0, nil, 2)
  local wd = U.num(fn, config, 'weightDecay', 0, 0, nil, 2)
  local mom = U.num(fn, config, 'momentum', 0, 0, nil, 2)
  local damp = U.num(fn, config, 'dampening', mom, nil, nil, 2)
  local nesterov = U.bool(fn, config, 'nesterov', false, 2)
  local lrs, wds = config.learningRates, config.weightDecays
  for k, v in pairs({learningRates = lrs, weightDecays = wds}) do
    if not torch.isTensor(v) or v:nElement() ~= x:nElement() then
      U.fail(2, '%s: config.%s must be a tensor of %d elements (one per element of x), got %s',
             fn, k, x:nElement(), U.kind(v))
    end
  end
  if nesterov and (mom <= 0 or damp ~= 0) then
    U.fail(2, '%s: Nesterov momentum requires a momentum and zero dampening', fn)
  end
  state.evalCounter = state.evalCounter or 0
  local fx, dfdx = U.eval(fn, opfunc, x, 2)
  local clr = lr / (1 + state.evalCounter * lrd)
  if lrs or wds then
    sgd_elementwise(x, dfdx, state, clr, wd, wds, lrs, mom, damp, nesterov)
  else
    local buf, first
    if mom ~= 0 then buf, first = U.buffer(state, 'dfdx', x) end
    U.fused(K.sgd, raw(x), dfdx, buf, clr, wd, mom, damp, nesterov, first)
  end
  state.evalCounter = state.evalCounter + 1
  return x, {fx}
end

-- optim.SGD(params, {lr =, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false})
local SGD = torch.class('optim.SGD', 'optim.Optimizer', optim)
SGD._name = 'optim.SGD'
SGD._defaults = {momentum = 0, dampening = 0, weightDecay = 0, nesterov = false}

function SGD:_check(g, level)
  self:_nonneg(g, level + 1, 'lr', 'momentum', 'weightDecay')
  U.num(self._name, g, 'dampening', nil, nil, nil, level + 1)
  U.bool(self._name, g, 'nesterov', nil, level + 1)
  if g.nesterov and (g.momentum <= 0 or g.dampening ~= 0) then
    U.fail(level + 1, '%s: Nesterov momentum requires a momentum and zero dampening', self._name)
  end
end

function SGD:_update(g, p, grad, st)
  local buf, first
  if g.momentum ~= 0 then buf, first = U.buffer(st, 'momentumBuffer', p) end
  U.fused(K.sgd, raw(p), grad, buf, g.lr, g.weightDecay, g.momentum, g.dampening, g.nesterov, first)
end
