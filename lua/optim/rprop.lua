-- optim.rprop(feval, x [, config] [, state]): resilient propagation (as
-- Torch7). Each element keeps its own step size: multiplied by etaplus
-- when the gradient kept its sign since the last step, by etaminus when
-- it flipped (and that gradient is then treated as 0), clamped to
-- [stepsizemin, stepsizemax]; x moves by -sign(g)·step. config: stepsize
-- = 0.1, etaplus = 1.2, etaminus = 0.5, stepsizemax = 50, stepsizemin =
-- 1e-6, niter = 1 (evaluations per call). Returns x, {f(x) of each evaluation}.
local optim = optim
local U = optim._util

function optim.rprop(opfunc, x, config, state)
  local fn = 'optim.rprop'
  config, state = U.check_call(fn, opfunc, x, config, state)
  -- Torch7 keeps the per-element steps in state.stepsize: with state =
  -- config (the default) the option is replaced by them after the first call
  local stepsize = torch.isTensor(config.stepsize) and 0.1 or U.num(fn, config, 'stepsize', 0.1, 0, nil, 2)
  local etaplus = U.num(fn, config, 'etaplus', 1.2, 1, nil, 2)
  local etaminus = U.num(fn, config, 'etaminus', 0.5, 0, 1, 2)
  local smax = U.num(fn, config, 'stepsizemax', 50, 0, nil, 2)
  local smin = U.num(fn, config, 'stepsizemin', 1e-6, 0, smax, 2)
  local niter = U.num(fn, config, 'niter', 1, 1, nil, 2)
  local hfx = {}
  for _ = 1, niter do
    local fx, dfdx = U.eval(fn, opfunc, x, 2)
    torch.no_grad(function()
      local g = dfdx:clone()
      if not state.delta then
        state.delta = U.zeros_like(g)
        state.stepsize = U.zeros_like(g):fill(stepsize)
      end
      local s = torch.sign(torch.cmul(g, state.delta))
      -- factor per element: etaplus where the sign held, etaminus where it flipped, 1 else
      local gt, lt = torch.gt(s, 0):type(g:type()), torch.lt(s, 0):type(g:type())
      local factor = gt:mul(etaplus - 1):add(1):add(etaminus - 1, lt)
      state.stepsize:cmul(factor):clamp(smin, smax)
      g:cmul(torch.neg(lt):add(1))         -- a flipped gradient counts as 0
      U.raw(x):addcmul(-1, torch.sign(g), state.stepsize)
      state.delta:copy(g)
    end)
    hfx[#hfx + 1] = fx
  end
  return x, hfx
end
