-- optim: trajectories against test/data/optim_reference.lua (written by
-- test/gen_optim_reference.py with python3-torch: torch.optim where its
-- formula is Torch7's, a Python transcription of Torch7's otherwise),
-- schedulers, state save/load, clipping and bad input.
local U = require 'testutil'
require 'optim'

local ref = dofile('test/data/optim_reference.lua')
local TOL = 1e-5

-- |a - b| <= TOL * max(1, |b|), element by element
local function close(a, b, what)
  if type(b) == 'table' then
    local t = torch.isTensor(a) and a:totable() or a
    assert(#t == #b, string.format('%s: %d values, expected %d', what, #t, #b))
    for i = 1, #b do close(t[i], b[i], what .. '[' .. i .. ']') end
    return
  end
  local d = math.abs(a - b)
  assert(d <= TOL * math.max(1, math.abs(b)),
         string.format('%s: got %.17g, expected %.17g (diff %g)', what, a, b, d))
end

-- the problems, with hand-written gradients (the reference used autograd)
local problems = {}
local function rosen(x, g)
  local n = x:nElement()
  local f = 0
  g:zero()
  for i = 1, n - 1 do
    local a, b = x[i], x[i + 1]
    f = f + 100 * (b - a * a) ^ 2 + (1 - a) ^ 2
    g[i] = g[i] - 400 * a * (b - a * a) - 2 * (1 - a)
    g[i + 1] = g[i + 1] + 200 * (b - a * a)
  end
  return f
end
problems.rosen2, problems.rosen4 = rosen, rosen
function problems.lsq(x, g)
  local f = 0
  g:zero()
  for i = 1, #ref.A do
    local r = -ref.b[i]
    for j = 1, 4 do r = r + ref.A[i][j] * x[j] end
    f = f + 0.5 * r * r
    for j = 1, 4 do g[j] = g[j] + ref.A[i][j] * r end
  end
  return f
end

-- feval for Torch7's API: one gradient tensor reused across calls, as
-- with getParameters
local function feval_for(problem, n)
  local g = torch.DoubleTensor(n)
  return function(x) return problems[problem](x, g), g end
end

local function config_of(c)
  local r = {}
  for k, v in pairs(c) do
    r[k] = (k == 'learningRates' or k == 'weightDecays') and torch.DoubleTensor(v) or v
  end
  return r
end

local function label(c)
  local keys = {}
  for k, v in pairs(c) do keys[#keys + 1] = k .. '=' .. (type(v) == 'table' and '{..}' or tostring(v)) end
  table.sort(keys)
  return table.concat(keys, ' ')
end

describe('optim functional API (Torch7 formulas)', function()
  for _, c in ipairs(ref.functional) do
    it(string.format('%s on %s {%s}', c.optim, c.problem, label(c.config)), function()
      local x = torch.DoubleTensor(ref.x0[c.problem])
      local feval = feval_for(c.problem, x:nElement())
      local config = config_of(c.config)
      for k = 1, ref.steps do
        local xr, fs = optim[c.optim](feval, x, config)
        assert.are.equal(x, xr)
        close(fs[1], c.f[k], 'f at step ' .. k)
        close(x, c.x[k], 'x after step ' .. k)
      end
    end)
  end

  for i, c in ipairs(ref.lbfgs) do
    it(string.format('lbfgs %d on %s {%s}', i, c.problem, label(c.config)), function()
      local x = torch.DoubleTensor(ref.x0[c.problem])
      local feval = feval_for(c.problem, x:nElement())
      local state = {}
      for k, call in ipairs(c.calls) do
        local _, fh, n = optim.lbfgs(feval, x, c.config, state)
        close(fh, call.f, 'f history of call ' .. k)
        close(x, call.x, 'x after call ' .. k)
        assert.are.equal(call.nEval, n)
      end
    end)
  end

  for i, c in ipairs(ref.cg) do
    it(string.format('cg %d on %s {%s}', i, c.problem, label(c.config)), function()
      local x = torch.DoubleTensor(ref.x0[c.problem])
      local _, fx, n = optim.cg(feval_for(c.problem, x:nElement()), x, c.config)
      close(fx, c.f, 'f history')
      close(x, c.x, 'x')
      assert.are.equal(c.nEval, n)
    end)
  end

  it('keeps state in config when no state table is given, else in state', function()
    local x = torch.DoubleTensor(ref.x0.lsq)
    local feval = feval_for('lsq', 4)
    local config, state = {learningRate = 0.1, momentum = 0.9}, {}
    optim.sgd(feval, x, config, state)
    assert.are.equal(1, state.evalCounter)
    assert.is_nil(config.evalCounter)
    assert.is_true(torch.isTensor(state.dfdx))
    optim.sgd(feval, x, config)
    assert.are.equal(1, config.evalCounter)
  end)

  it('updates float32 and strided x like float64 and contiguous x', function()
    local feval = feval_for('lsq', 4)
    local xd = torch.DoubleTensor(ref.x0.lsq)
    local xf = xd:float()
    local m = torch.DoubleTensor(4, 3):zero()
    local xs = m:select(2, 2):copy(xd) -- stride 3
    local cd, cf, cs = {learningRate = 0.05, momentum = 0.9}, {learningRate = 0.05, momentum = 0.9},
                       {learningRate = 0.05, momentum = 0.9}
    local function fevalf(x)
      local f, g = feval(x:double())
      return f, g:float()
    end
    for _ = 1, 10 do
      optim.adam(feval, xd, cd)
      optim.adam(fevalf, xf, cf)
      optim.adam(feval, xs, cs)
    end
    U.near(xf, xd, 1e-5)
    U.near(xs, xd, 0)
    assert.are.equal(0, m:select(2, 1):abs():sum() + m:select(2, 3):abs():sum())
  end)
end)

-- object API: x split into parameters of the given sizes
local function split(x0, sizes)
  local ps, k = {}, 1
  for i, n in ipairs(sizes) do
    ps[i] = torch.DoubleTensor({unpack(x0, k, k + n - 1)})
    k = k + n
  end
  return ps
end

local function cat(ps)
  local t = {}
  for _, p in ipairs(ps) do
    for _, v in ipairs(p:totable()) do t[#t + 1] = v end
  end
  return t
end

-- runs `steps` steps of opt on the problem; grads[i] receives the gradient
-- of ps[i] (a .grad field when `field`)
local function run_object(problem, opt, ps, grads, field, steps, fs, xs)
  local n = #cat(ps)
  local g = torch.DoubleTensor(n)
  for _ = 1, steps do
    local x = torch.DoubleTensor(cat(ps))
    local f = problems[problem](x, g)
    local k = 1
    for i, p in ipairs(ps) do
      local gi = g:narrow(1, k, p:nElement())
      if field then p.grad = gi:clone() else grads[i]:copy(gi) end
      k = k + p:nElement()
    end
    opt:step()
    if fs then
      fs[#fs + 1] = f
      xs[#xs + 1] = cat(ps)
    end
  end
end

local function make(c, ps, grads)
  local entries = {}
  for i, p in ipairs(ps) do entries[i] = grads and {p, grads[i]} or p end
  local defaults = {}
  for k, v in pairs(c.defaults) do defaults[k] = v end
  if #c.groups == 1 then
    for k, v in pairs(c.groups[1]) do defaults[k] = v end
    return optim[c.class](entries, defaults)
  end
  local groups, per = {}, #ps / #c.groups
  for gi, o in ipairs(c.groups) do
    local g = {params = {unpack(entries, (gi - 1) * per + 1, gi * per)}}
    for k, v in pairs(o) do g[k] = v end
    groups[gi] = g
  end
  return optim[c.class](groups, defaults)
end

describe('optim object API (PyTorch formulas)', function()
  for i, c in ipairs(ref.object) do
    local field = i % 2 == 1 -- alternate .grad fields and {param, grad} pairs
    it(string.format('%s on %s, %d groups {%s} (%s)', c.class, c.problem, #c.groups, label(c.groups[1]),
                     field and '.grad' or 'pairs'), function()
      local ps = split(ref.x0[c.problem], c.split)
      local grads
      if not field then
        grads = {}
        for k, p in ipairs(ps) do grads[k] = p:clone():zero() end
      end
      local opt = make(c, ps, grads)
      local fs, xs = {}, {}
      run_object(c.problem, opt, ps, grads, field, ref.steps, fs, xs)
      for k = 1, ref.steps do
        close(fs[k], c.f[k], 'f at step ' .. k)
        close(xs[k], c.x[k], 'x after step ' .. k)
      end
    end)
  end

  it('takes two parallel lists (model:parameters()) and zeroes gradients', function()
    local p, g = {torch.DoubleTensor({1, 2}), torch.DoubleTensor({3})}, {torch.DoubleTensor({1, 1}),
                                                                      torch.DoubleTensor({-2})}
    local opt = optim.SGD(p, g, {lr = 0.5})
    opt:step()
    assert.are.same({0.5, 1.5}, p[1]:totable())
    assert.are.same({4}, p[2]:totable())
    opt:zeroGrad()
    assert.are.same({0, 0}, g[1]:totable())
    assert.are.same({0}, g[2]:totable())
  end)

  it('skips parameters without a gradient and returns the closure loss', function()
    local a, b = torch.DoubleTensor({1}), torch.DoubleTensor({1})
    local opt = optim.SGD({a, b}, {lr = 1})
    a.grad = torch.DoubleTensor({0.25})
    assert.are.equal(42, opt:step(function() return 42 end))
    assert.are.same({0.75}, a:totable())
    assert.are.same({1}, b:totable())
    opt:zeroGrad(true)
    assert.is_nil(a.grad)
  end)

  it('updates parameters that require grad (autograd leaves)', function()
    local p = torch.DoubleTensor({1, -1})
    p:requiresGrad(true)
    local opt = optim.Adam({p}, {lr = 0.1})
    p.grad = torch.DoubleTensor({1, -1})
    opt:step()
    U.near(p:detach(), torch.DoubleTensor({0.9, -0.9}), 1e-7)
    assert.is_true(p.requires_grad)
  end)
end)

describe('optim state save/load', function()
  local tmp = os.tmpname()

  local function resume(class, opts)
    local ps = split(ref.x0.rosen4, {3, 1})
    local opt = optim[class](ps, opts)
    run_object('rosen4', opt, ps, nil, true, 10)
    torch.save(tmp, opt:stateDict())
    local copy = split(cat(ps), {3, 1})
    local opt2 = optim[class](copy, opts)
    opt2:loadStateDict(torch.load(tmp))
    run_object('rosen4', opt, ps, nil, true, 10)
    run_object('rosen4', opt2, copy, nil, true, 10)
    assert.are.same(cat(ps), cat(copy))
  end

  it('SGD with momentum continues identically', function() resume('SGD', {lr = 1e-4, momentum = 0.9}) end)
  it('Adam (amsgrad) continues identically', function() resume('Adam', {lr = 0.01, amsgrad = true}) end)
  it('RMSprop (centered) continues identically', function()
    resume('RMSprop', {lr = 0.001, centered = true, momentum = 0.5})
  end)

  it('a Torch7 state table continues identically after torch.save/load', function()
    local feval = feval_for('lsq', 4)
    local x = torch.DoubleTensor(ref.x0.lsq)
    local config = {learningRate = 0.05}
    for _ = 1, 5 do optim.adam(feval, x, config) end
    torch.save(tmp, {x = x, config = config})
    local saved = torch.load(tmp)
    for _ = 1, 5 do
      optim.adam(feval, x, config)
      optim.adam(feval, saved.x, saved.config)
    end
    assert.are.same(x:totable(), saved.x:totable())
    assert.are.equal(10, saved.config.t)
  end)

  it('loadStateDict restores group options', function()
    local p = torch.DoubleTensor({1})
    local opt = optim.SGD({p}, {lr = 0.1})
    local sd = opt:stateDict()
    sd.paramGroups[1].lr = 0.5
    opt:loadStateDict(sd)
    assert.are.equal(0.5, opt.paramGroups[1].lr)
  end)
end)

describe('optim.lr_scheduler', function()
  for _, c in ipairs(ref.schedulers) do
    it(string.format('%s {%s}', c.name, label(c.opts)), function()
      local opt = optim.SGD({torch.zeros(1)}, {lr = 0.1})
      local s = optim.lr_scheduler[c.name](opt, c.opts)
      local lrs = {opt.paramGroups[1].lr}
      for k = 1, #c.lr - 1 do
        if c.metrics then s:step(c.metrics[k]) else s:step() end
        lrs[#lrs + 1] = opt.paramGroups[1].lr
      end
      close(lrs, c.lr, 'lr')
      assert.are.equal(lrs[#lrs], s:getLastLr()[1])
    end)
  end

  it('restores a scheduler from its stateDict', function()
    local opt = optim.SGD({torch.zeros(1)}, {lr = 0.1})
    local s = optim.lr_scheduler.CosineAnnealingLR(opt, {TMax = 10})
    for _ = 1, 4 do s:step() end
    local sd = s:stateDict()
    local opt2 = optim.SGD({torch.zeros(1)}, {lr = 0.1})
    local s2 = optim.lr_scheduler.CosineAnnealingLR(opt2, {TMax = 10})
    s2:loadStateDict(sd)
    assert.are.equal(opt.paramGroups[1].lr, opt2.paramGroups[1].lr)
    s:step()
    s2:step()
    assert.are.equal(opt.paramGroups[1].lr, opt2.paramGroups[1].lr)
  end)

  it('scales every group from its own initial lr', function()
    local opt = optim.SGD({{params = {torch.zeros(1)}, lr = 1}, {params = {torch.zeros(1)}, lr = 0.1}}, {})
    local s = optim.lr_scheduler.StepLR(opt, {stepSize = 1, gamma = 0.5})
    s:step()
    assert.are.same({0.5, 0.05}, s:getLastLr())
  end)
end)

describe('gradient clipping', function()
  it('clipGradNorm scales all gradients together and returns the norm', function()
    local g1, g2 = torch.DoubleTensor({3, 4}), torch.DoubleTensor({12})
    assert.are.equal(13, optim.clipGradNorm({g1, g2}, 6.5))
    local s = 6.5 / (13 + 1e-6)
    U.near(g1, torch.DoubleTensor({3 * s, 4 * s}), 1e-12)
    U.near(g2, torch.DoubleTensor({12 * s}), 1e-12)
    -- below the limit: unchanged
    local g3 = torch.DoubleTensor({0.1, -0.2})
    U.near(optim.clipGradNorm(g3, 1), math.sqrt(0.05), 1e-12)
    assert.are.same({0.1, -0.2}, g3:totable())
  end)

  it('clipGradNorm with the infinity norm and with 1-norm, on .grad of parameters', function()
    local p = torch.DoubleTensor({0, 0, 0})
    p:requiresGrad(true)
    p.grad = torch.DoubleTensor({1, -4, 2})
    assert.are.equal(4, optim.clipGradNorm({p}, 2, math.huge))
    U.near(p.grad, torch.DoubleTensor({1, -4, 2}):mul(2 / (4 + 1e-6)), 1e-12)
    local g = torch.DoubleTensor({1, -4, 2})
    assert.are.equal(7, optim.clipGradNorm(g, 100, 1))
  end)

  it('clipGradValue clamps', function()
    local g = torch.DoubleTensor({-3, 0.5, 2})
    optim.clipGradValue({g}, 1)
    assert.are.same({-1, 0.5, 1}, g:totable())
  end)
end)

describe('optim bad input', function()
  local x = torch.DoubleTensor({1, 2, 3, 4})
  local function feval(y) return 0, torch.DoubleTensor(4):zero() end
  local opt = optim.SGD({torch.DoubleTensor(2)}, {lr = 0.1})
  U.error_cases({
    {'a missing feval', function() optim.sgd(nil, x) end, 'optim.sgd', 'expected a function'},
    {'x that is not a tensor', function() optim.adam(feval, 'x') end, 'optim.adam', 'argument 2 (x)'},
    {'an integer x', function() optim.sgd(feval, torch.LongTensor(4)) end, 'optim.sgd', 'float or double'},
    {'a negative learning rate', function() optim.sgd(feval, x, {learningRate = -1}) end,
     'optim.sgd', 'learningRate must be >= 0'},
    {'a state that is not a table', function() optim.rmsprop(feval, x, {}, 'state') end,
     'optim.rmsprop', 'argument 4'},
    {'nesterov with dampening', function() optim.sgd(feval, x, {momentum = 0.9, nesterov = true}) end,
     'optim.sgd', 'Nesterov momentum requires a momentum and zero dampening'},
    {'feval without a gradient', function() optim.adagrad(function() return 1 end, x) end,
     'optim.adagrad', 'feval must return'},
    {'a gradient of the wrong size', function() optim.sgd(function() return 1, torch.zeros(3) end, x) end,
     'optim.sgd', 'df/dx has 3 elements, x has 4'},
    {'beta1 = 1', function() optim.adam(feval, x, {beta1 = 1}) end, 'optim.adam', 'beta1 must be < 1'},
    {'a string option', function() optim.adamax(feval, x, {learningRate = 'fast'}) end,
     'optim.adamax', 'learningRate must be a number'},
    {'nag without momentum', function() optim.nag(feval, x, {momentum = 0}) end,
     'optim.nag', 'momentum must be positive'},
    {'a state buffer of the wrong size',
     function() optim.sgd(feval, x, {momentum = 0.5, dfdx = torch.DoubleTensor(3)}) end,
     'optim.sgd', 'momentum buffer has 3 elements, the parameter has 4'},
    {'a kernel buffer of another type',
     function() torch.core.optim.adagrad(torch.FloatTensor(2), torch.FloatTensor(2), torch.DoubleTensor(2), 1, 0, 0) end,
     'optim.adagrad', 'sum is float64, the parameter is float32'},
    {'a line search that is not a function', function() optim.lbfgs(feval, x, {lineSearch = 'yes'}) end,
     'optim.lbfgs', 'lineSearch must be a function'},
    {'SGD without lr', function() optim.SGD({x}, {}) end, 'optim.SGD', 'lr is required'},
    {'an unknown option', function() optim.SGD({x}, {lr = 0.1, momentun = 0.9}) end,
     'optim.SGD', "unknown option 'momentun'"},
    {'an empty parameter list', function() optim.Adam({}) end, 'optim.Adam', 'empty'},
    {'a parameter that is not a tensor', function() optim.SGD({x, 'w'}, {lr = 1}) end,
     'optim.SGD', 'parameter 2'},
    {'the same parameter twice', function() optim.SGD({x, x}, {lr = 1}) end, 'optim.SGD', 'appears twice'},
    {'betas out of range', function() optim.Adam({x}, {betas = {0.9, 1.5}}) end,
     'optim.Adam', 'beta2 must be in [0, 1)'},
    {'parallel lists of different lengths', function() optim.SGD({x}, {x, x}, {lr = 1}) end,
     'optim.SGD', 'expected a list of 1 gradients'},
    {'a bad state dict', function() opt:loadStateDict({}) end, 'optim.SGD:loadStateDict', 'expected a table'},
    {'a state dict with other groups',
     function() opt:loadStateDict({state = {}, paramGroups = {{params = {1}}, {params = {2}}}}) end,
     'optim.SGD:loadStateDict', '2 parameter groups saved'},
    {'a non-function closure', function() opt:step(3) end, 'optim.SGD:step', 'expected a closure'},
    {'StepLR without stepSize', function() optim.lr_scheduler.StepLR(opt, {}) end,
     'optim.lr_scheduler.StepLR', 'stepSize is required'},
    {'a scheduler without an optimizer', function() optim.lr_scheduler.ExponentialLR(nil, {gamma = 0.5}) end,
     'optim.lr_scheduler.ExponentialLR', 'expected an optimizer'},
    {'a plateau metric that is not a number',
     function() optim.lr_scheduler.ReduceLROnPlateau(opt):step('low') end,
     'optim.lr_scheduler.ReduceLROnPlateau:step', 'expected the metric'},
    {'a negative maxNorm', function() optim.clipGradNorm({x}, -1) end, 'optim.clipGradNorm', 'maxNorm'},
    {'clipping a string', function() optim.clipGradValue('g', 1) end, 'optim.clipGradValue', 'argument 1'},
  })
end)
