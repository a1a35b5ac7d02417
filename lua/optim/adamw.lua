-- AdamW: Adam with weight decay decoupled from the gradient (Loshchilov &
-- Hutter): x *= 1 - lr*weightDecay before the Adam step. Torch7 had no
-- AdamW; both forms here follow PyTorch's torch.optim.AdamW (epsilon added
-- after the bias correction, weightDecay 1e-2 by default).
local optim = optim
local U = optim._util
local K = U.kernels

function optim.adamw(opfunc, x, config, state)
  local fn = 'optim.adamw'
  config, state = U.check_call(fn, opfunc, x, config, state)
  local c = U.adam_config(fn, config, 1e-2)
  local fx, dfdx = U.eval(fn, opfunc, x, 2)
  state.t = state.t or 0
  local clr = c.lr / (1 + state.t * c.lrd)
  state.t = state.t + 1
  local m = U.buffer(state, 'm', x)
  local v = U.buffer(state, 'v', x)
  local vmax = c.amsgrad and U.buffer(state, 'vmax', x) or nil
  local bc1, bc2 = 1 - c.beta1 ^ state.t, 1 - c.beta2 ^ state.t
  U.fused(K.adam, U.raw(x), dfdx, m, v, vmax, clr / bc1, c.beta1, c.beta2, c.eps, math.sqrt(bc2),
          0, clr * c.wd)
  return x, {fx}
end

-- optim.AdamW(params, {lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weightDecay = 1e-2, amsgrad = false})
local AdamW = torch.class('optim.AdamW', 'optim.Adam', optim)
AdamW._name = 'optim.AdamW'
AdamW._defaults = {lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weightDecay = 1e-2, amsgrad = false}
AdamW._decoupled = true
