-- Torch7's optim.nag: SGD with Nesterov's accelerated gradient in
-- Sutskever et al.'s form. The gradient is taken at the look-ahead point
-- x + mom*v; then v = mom*v - clr*g and x = x_old + v, with
-- clr = lr / (1 + evalCounter*lrd). Dampening is ignored, as in Torch7.
-- (PyTorch has no such optimizer: its SGD(nesterov=true) is optim.sgd's
-- nesterov option.)
local optim = optim
local U = optim._util
local K = U.kernels

function optim.nag(opfunc, x, config, state)
  local fn = 'optim.nag'
  config, state = U.check_call(fn, opfunc, x, config, state)
  local lr = U.num(fn, config, 'learningRate', 1e-3, 0, nil, 2)
  local lrd = U.num(fn, config, 'learningRateDecay', 0, 0, nil, 2)
  local wd = U.num(fn, config, 'weightDecay', 0, 0, nil, 2)
  local mom = U.num(fn, config, 'momentum', 0.9, nil, nil, 2)
  if mom <= 0 then U.fail(2, '%s: momentum must be positive for Nesterov Accelerated Gradient, got %g', fn, mom) end
  if config.learningRates ~= nil then U.fail(2, '%s: config.learningRates is not supported', fn) end
  state.evalCounter = state.evalCounter or 0
  local v, first = U.buffer(state, 'dfdx', x)
  local xr = U.raw(x)
  if not first then xr:add(mom, v) end -- the look-ahead point
  local ok, fx, dfdx = pcall(U.eval, fn, opfunc, x, 3)
  if not ok then
    if not first then xr:add(-mom, v) end -- leave x as it was
    error(fx, 0)
  end
  local clr = lr / (1 + state.evalCounter * lrd)
  U.fused(K.nag, xr, dfdx, v, clr, mom, wd, first)
  state.evalCounter = state.evalCounter + 1
  return x, {fx}
end
