-- Adam (with optional AMSGrad).
--
-- optim.adam(feval, x, config, state) is Torch7's: epsilon is added to
-- sqrt(v) before the bias correction, which is folded into the step size
--   x -= lr*sqrt(1-beta2^t)/(1-beta1^t) * m / (sqrt(v) + eps),
-- while PyTorch (optim.Adam below) divides first:
--   x -= lr/(1-beta1^t) * m / (sqrt(v)/sqrt(1-beta2^t) + eps).
-- The two agree up to the size of eps. Torch7's learningRateDecay gives
-- lr / (1 + (t-1)*lrd) at step t; weightDecay is added to the gradient.
local optim = optim
local U = optim._util
local K = U.kernels

-- optim.adam and optim.adamw (adamw.lua) take the same steps but for the
-- default weightDecay and how the kernel's scalars take the bias correction
-- and the decay. A factory makes each (the closure is optim.adam itself), so
-- the checks' error levels still point at the user's call.
function U.adam_functional(fn, default_wd, decoupled)
  return function(opfunc, x, config, state)
    config, state = U.check_call(fn, opfunc, x, config, state)
    local c = {
      lr = U.num(fn, config, 'learningRate', 1e-3, 0, nil, 2),
      lrd = U.num(fn, config, 'learningRateDecay', 0, 0, nil, 2),
      beta1 = U.num(fn, config, 'beta1', 0.9, 0, 1, 2, true),
      beta2 = U.num(fn, config, 'beta2', 0.999, 0, 1, 2, true),
      eps = U.num(fn, config, 'epsilon', 1e-8, 0, nil, 2),
      wd = U.num(fn, config, 'weightDecay', default_wd, 0, nil, 2),
      amsgrad = U.bool(fn, config, 'amsgrad', false, 2),
    }
    local fx, dfdx = U.eval(fn, opfunc, x, 2)
    state.t = state.t or 0
    local clr = c.lr / (1 + state.t * c.lrd)
    state.t = state.t + 1
    local m = U.buffer(state, 'm', x)
    local v = U.buffer(state, 'v', x)
    local vmax = c.amsgrad and U.buffer(state, 'vmax', x) or nil
    local bc1, bc2 = 1 - c.beta1 ^ state.t, 1 - c.beta2 ^ state.t
    if decoupled then -- PyTorch's AdamW
      U.fused(K.adam, U.raw(x), dfdx, m, v, vmax, clr / bc1, c.beta1, c.beta2, c.eps,
              math.sqrt(bc2), 0, clr * c.wd)
    else -- Torch7's adam
      U.fused(K.adam, U.raw(x), dfdx, m, v, vmax, clr * math.sqrt(bc2) / bc1, c.beta1, c.beta2,
              c.eps, 1, c.wd, 0)
    end
    return x, {fx}
  end
end

optim.adam = U.adam_functional('optim.adam', 0, false)

-- optim.Adam(params, {lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weightDecay = 0, amsgrad = false})
local Adam = torch.class('optim.Adam', 'optim.Optimizer', optim)
Adam._name = 'optim.Adam'
Adam._defaults = {lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weightDecay = 0, amsgrad = false}
Adam._decoupled = false

function Adam:_check(g, level)
  self:_nonneg(g, level + 1, 'lr', 'eps', 'weightDecay')
  self:_betas(g, level + 1)
  U.bool(self._name, g, 'amsgrad', nil, level + 1)
end

-- PyTorch's Adam; AdamW (adamw.lua) decays the weights apart
function Adam:_update(g, p, grad, st)
  st.step = (st.step or 0) + 1
  local m = U.buffer(st, 'expAvg', p)
  local v = U.buffer(st, 'expAvgSq', p)
  local vmax = g.amsgrad and U.buffer(st, 'maxExpAvgSq', p) or nil
  local b1, b2 = g.betas[1], g.betas[2]
  local bc1, bc2 = 1 - b1 ^ st.step, 1 - b2 ^ st.step
  local l2, decoupled = g.weightDecay, 0
  if self._decoupled then l2, decoupled = 0, g.lr * g.weightDecay end
  U.fused(K.adam, U.raw(p), grad, m, v, vmax, g.lr / bc1, b1, b2, g.eps, math.sqrt(bc2), l2, decoupled)
end
