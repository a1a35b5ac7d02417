-- The fused optimizer steps on GPU parameters, compared with the CPU ones
-- (optim_spec checks those against Torch7's and PyTorch's formulas): every
-- optimizer of both APIs, float32 and float64, 10 steps, with the state
-- created on the parameter's device; then a model moved with :cuda() and
-- trained through getParameters and through model:parameters(); then the
-- device-mixing errors. Pending without a GPU; LUTORCH_CUDA_SPEC_ON_CPU=1
-- runs the cases on the CPU to check them.
require 'torch'
require 'torch.cuda'
require 'nn'
require 'optim'
local C = require 'cuda_util'
local rand, run_cases, gpu_it = C.rand, C.run_cases, C.gpu_it

local STEPS = 10
-- float32 trajectories: the GPU may fuse a*b + c into one rounding
local f32, f32a = 2e-5, 1e-6

-- a gradient that depends on x (a quadratic bowl with a tilt), computed
-- with tensor ops on x's device
local function bowl(D, n, dtype)
  local centre = D(rand({n}, {dtype = dtype, seed = 3}))
  local scale = D(rand({n}, {dtype = dtype, seed = 4, lo = 0.5, hi = 2}))
  return function(x)
    local d = torch.sub(x, centre)
    local g = torch.cmul(d, scale)
    return torch.sum(torch.cmul(g, d)) / 2, g
  end
end

-- the functional (Torch7) form: STEPS calls of optim[name] on x
local function functional(name, config, dtype)
  return {'optim.' .. name .. ' ' .. dtype, function(D)
    local n = 37
    local x = D(rand({n}, {dtype = dtype, seed = 1}))
    local feval, state = bowl(D, n, dtype), {}
    local cfg = {}
    for k, v in pairs(config) do cfg[k] = v end
    for _ = 1, STEPS do optim[name](feval, x, cfg, state) end
    local r = {x}
    for _, k in ipairs({'dfdx', 'm', 'v', 'vmax', 'paramVariance', 'paramStd', 'delta',
                        'accDelta', 'u'}) do
      if torch.isTensor(state[k]) then
        assert.are.equal(x:type(), state[k]:type(), 'state ' .. k .. ' lives beside x')
        r[#r + 1] = state[k]
      end
    end
    return r
  end, dtype == 'float32' and f32 or nil, dtype == 'float32' and f32a or nil}
end

-- the object (PyTorch) form: two parameters with .grad, STEPS steps
local function object(name, opts, dtype)
  return {'optim.' .. name .. ' ' .. dtype, function(D)
    local p1 = D(rand({5, 7}, {dtype = dtype, seed = 11}))
    local p2 = D(rand({9}, {dtype = dtype, seed = 12}))
    local f1, f2 = bowl(D, 35, dtype), bowl(D, 9, dtype)
    local o = optim[name]({p1, p2}, opts)
    for _ = 1, STEPS do
      local _, g1 = f1(p1:view(35))
      local _, g2 = f2(p2)
      p1.grad, p2.grad = g1:view(5, 7), g2
      o:step()
    end
    local r = {p1, p2}
    for _, st in pairs(o.state) do
      for _, v in pairs(st) do
        if torch.isTensor(v) then
          assert.are.equal(p1:type(), v:type(), 'state lives beside the parameters')
        end
      end
    end
    return r
  end, dtype == 'float32' and f32 or nil, dtype == 'float32' and f32a or nil}
end

local functional_cases = {
  {'sgd', {learningRate = 0.1}},
  {'sgd', {learningRate = 0.05, momentum = 0.9, dampening = 0, nesterov = true, weightDecay = 0.01}},
  {'sgd', {learningRate = 0.05, momentum = 0.5, learningRateDecay = 0.1}},
  {'adam', {learningRate = 0.01}},
  {'adam', {learningRate = 0.01, amsgrad = true, weightDecay = 0.1}},
  {'adamw', {learningRate = 0.01}},
  {'rmsprop', {learningRate = 0.01}},
  {'adagrad', {learningRate = 0.1, weightDecay = 0.05}},
  {'adadelta', {rho = 0.9}},
  {'adamax', {learningRate = 0.02}},
  {'nag', {learningRate = 0.02, momentum = 0.8}},
}

local object_cases = {
  {'SGD', {lr = 0.05, momentum = 0.9, weightDecay = 0.01}},
  {'Adam', {lr = 0.01}},
  {'Adam', {lr = 0.01, amsgrad = true}},
  {'AdamW', {lr = 0.01, weightDecay = 0.1}},
  {'RMSprop', {lr = 0.01, centered = true, momentum = 0.5}},
  {'RMSprop', {lr = 0.01}},
  {'Adagrad', {lr = 0.1, initialAccumulatorValue = 0.1}},
  {'Adadelta', {lr = 1}},
  {'Adamax', {lr = 0.02, weightDecay = 0.01}},
}

describe('GPU optimizer steps, functional API', function()
  local cases = {}
  for _, dt in ipairs({'float32', 'float64'}) do
    for _, c in ipairs(functional_cases) do cases[#cases + 1] = functional(c[1], c[2], dt) end
  end
  run_cases(cases)
end)

describe('GPU optimizer steps, object API', function()
  local cases = {}
  for _, dt in ipairs({'float32', 'float64'}) do
    for _, c in ipairs(object_cases) do cases[#cases + 1] = object(c[1], c[2], dt) end
  end
  run_cases(cases)
end)

local function gpu_type()
  return C.on_cpu and 'torch.FloatTensor' or 'torch.CudaTensor'
end

-- an MLP on device D, trained STEPS steps by train(model, x, y); returns
-- its parameters
local function trained(D, typename, train)
  torch.manualSeed(21)
  local model = nn.Sequential():add(nn.Linear(6, 11)):add(nn.Tanh()):add(nn.Linear(11, 3))
  model:float()
  if typename then model:type(typename) end
  local x, y = D(rand({8, 6}, {seed = 22})), D(rand({8, 3}, {seed = 23}))
  train(model, x, y)
  local ps = model:parameters()
  return ps
end

-- the gradient of mean((out - y)^2), with tensor ops (nn's criteria read
-- the loss with :item(), which refuses GPU tensors for now)
local function mse_grad(out, y)
  local d = torch.sub(out, y)
  return torch.mul(d, 2 / d:nElement())
end

describe('model:cuda() then optim', function()
  gpu_it('optim.sgd / optim.adam with getParameters follow the CPU', function()
    for _, name in ipairs({'sgd', 'adam'}) do
      local function train(model, x, y)
        local params, grads = model:getParameters()
        local state = {}
        local function feval()
          grads:zero()
          local out = model:forward(x)
          model:backward(x, mse_grad(out, y))
          return 0, grads
        end
        for _ = 1, STEPS do optim[name](feval, params, {learningRate = 0.05, momentum = 0.9}, state) end
        for _, v in pairs(state) do
          if torch.isTensor(v) then assert.are.equal(params:type(), v:type()) end
        end
      end
      local g = trained(C.to_gpu, gpu_type(), train)
      local c = trained(function(t) return t end, nil, train)
      C.compare(g, c, 'optim.' .. name .. ' after ' .. STEPS .. ' steps', 1e-4, 1e-5)
    end
  end)

  gpu_it('optim.SGD / optim.Adam over model:parameters() follow the CPU', function()
    for _, name in ipairs({'SGD', 'Adam'}) do
      local function train(model, x, y)
        local ps, gs = model:parameters()
        local o = optim[name](ps, gs, {lr = 0.05})
        for _ = 1, STEPS do
          model:zeroGradParameters()
          local out = model:forward(x)
          model:backward(x, mse_grad(out, y))
          o:step()
        end
      end
      local g = trained(C.to_gpu, gpu_type(), train)
      local c = trained(function(t) return t end, nil, train)
      C.compare(g, c, 'optim.' .. name .. ' after ' .. STEPS .. ' steps', 1e-4, 1e-5)
    end
  end)

  gpu_it('a CPU state dict loads onto the GPU parameters', function()
    local p = C.to_gpu(rand({4}, {seed = 31}))
    local o = optim.Adam({p}, {lr = 0.1})
    local sd = {state = {{step = 2, expAvg = torch.ones(4), expAvgSq = torch.ones(4)}},
                paramGroups = {{lr = 0.1, params = {1}}}}
    o:loadStateDict(sd)
    assert.are.equal(p:type(), o.state[1].expAvg:type())
    p.grad = C.to_gpu(torch.ones(4))
    o:step()
  end)
end)

describe('GPU optimizer steps: device mixing', function()
  if C.has_gpu and not C.on_cpu then
    it('rejects a CPU gradient for a GPU parameter, naming both devices', function()
      local x = torch.CudaTensor(5):fill(1)
      local ok, err = pcall(optim.sgd, function() return 0, torch.ones(5) end, x, {learningRate = 0.1})
      assert.is_false(ok)
      err = tostring(err)
      assert.is_truthy(err:find('optim.sgd', 1, true), err)
      assert.is_truthy(err:find('grad is on cpu, the parameter on GPU 1', 1, true), err)
      local m = torch.zeros(5)
      ok, err = pcall(torch.core.optim.adam, x, x:clone(), m, m:clone(), nil, 0.1, 0.9, 0.999,
                      1e-8, 1, 0, 0)
      assert.is_false(ok)
      assert.is_truthy(tostring(err):find('m is on cpu, the parameter on GPU 1', 1, true), err)
    end)
  else
    it('rejects a CPU gradient for a GPU parameter', function() pending('no CUDA device') end)
  end
end)
