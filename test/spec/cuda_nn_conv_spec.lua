-- Convolutions on GPU tensors (cuDNN, cuda/nn_conv.c) against the CPU
-- kernels: conv1d/2d/3d and conv_transpose2d, forward and every backward
-- (need flags too), float32 and float64, batched and unbatched, groups,
-- stride, padding, dilation, output padding, non-contiguous operands,
-- empty batches and channel-less inputs; gradients through autograd and the
-- nn modules after :cuda(); bfloat16 and float16 (cuDNN's float-accumulating
-- configurations against the CPU's widened kernel), also under
-- torch.autocast; device and dtype mixing and cuDNN's refusals as errors.
-- Pending without a GPU; LUTORCH_CUDA_SPEC_ON_CPU=1 runs the cases on the
-- CPU (to check the cases themselves).
require 'torch'
require 'torch.cuda'
require 'nn'
local C = require 'cuda_util'
local rand, run_cases, gpu_it, on_cpu = C.rand, C.run_cases, C.gpu_it, C.on_cpu

-- cuDNN sums in other orders (and with FFT or Winograd algorithms): inputs
-- lie in [-1, 1], sums have at most a few hundred terms
local TOL = {float32 = {1e-4, 1e-4}, float64 = {1e-10, 1e-11}}

-- One configuration: kind (conv1d, conv2d, conv3d, tconv), input and weight
-- sizes, bias or not, stride, padding, dilation, groups, output padding
-- (tconv), nc: non-contiguous operands (made on the device as transposes).
local configs = {
  {'conv1d batched, stride 2, padding 1, dilation 2', kind = 'conv1d', x = {3, 5, 37},
   w = {7, 5, 4}, bias = true, s = {2}, p = {1}, d = {2}, g = 1},
  {'conv1d unbatched, groups 2', kind = 'conv1d', x = {6, 29}, w = {4, 3, 3}, s = {1}, p = {0},
   d = {1}, g = 2},
  {'conv2d batched, mixed stride/padding/dilation', kind = 'conv2d', x = {2, 3, 17, 19},
   w = {5, 3, 3, 3}, bias = true, s = {2, 1}, p = {1, 2}, d = {1, 2}, g = 1},
  {'conv2d unbatched, groups 3', kind = 'conv2d', x = {6, 11, 13}, w = {9, 2, 3, 2},
   s = {1, 2}, p = {0, 1}, d = {1, 1}, g = 3},
  {'conv2d non-contiguous operands', kind = 'conv2d', x = {2, 4, 9, 10}, w = {3, 4, 2, 3},
   bias = true, s = {1, 1}, p = {1, 0}, d = {1, 1}, g = 1, nc = true},
  {'conv2d 1x1 kernel', kind = 'conv2d', x = {3, 6, 7, 5}, w = {5, 6, 1, 1}, bias = true,
   s = {1, 1}, p = {0, 0}, d = {1, 1}, g = 1},
  {'conv2d depthwise', kind = 'conv2d', x = {2, 4, 9, 9}, w = {4, 1, 3, 3}, bias = true,
   s = {2, 2}, p = {1, 1}, d = {1, 1}, g = 4},
  {'conv2d 5x5 kernel, 33x35 image', kind = 'conv2d', x = {2, 3, 33, 35}, w = {8, 3, 5, 5},
   bias = true, s = {1, 1}, p = {2, 2}, d = {1, 1}, g = 1},
  {'conv3d batched', kind = 'conv3d', x = {2, 2, 7, 6, 5}, w = {3, 2, 2, 3, 2}, bias = true,
   s = {1, 2, 1}, p = {1, 0, 1}, d = {1, 1, 2}, g = 1},
  {'conv3d unbatched, groups 2', kind = 'conv3d', x = {4, 5, 5, 5}, w = {2, 2, 3, 3, 3},
   s = {1, 1, 1}, p = {1, 1, 1}, d = {1, 1, 1}, g = 2},
  {'conv_transpose2d batched, output padding', kind = 'tconv', x = {2, 4, 7, 6},
   w = {4, 3, 3, 3}, bias = true, s = {2, 2}, p = {1, 0}, op = {1, 1}, d = {1, 1}, g = 1},
  {'conv_transpose2d unbatched, groups 2, dilation', kind = 'tconv', x = {4, 5, 6},
   w = {4, 2, 3, 2}, bias = true, s = {2, 3}, p = {1, 1}, op = {1, 2}, d = {2, 1}, g = 2},
  {'conv_transpose2d non-contiguous', kind = 'tconv', x = {3, 2, 5, 8}, w = {2, 3, 2, 2},
   s = {1, 2}, p = {0, 1}, op = {0, 0}, d = {1, 1}, g = 1, nc = true},
}

local function swap_last(sz)
  local t = {unpack(sz)}
  t[#t], t[#t - 1] = t[#t - 1], t[#t]
  return t
end

-- a tensor of size sz on D's device; nc: a transposed view of one
local function operand(D, sz, seed, dtype, nc)
  local o = {lo = -1, hi = 1, seed = seed, dtype = dtype}
  if not nc then return D(rand(sz, o)) end
  return D(rand(swap_last(sz), o)):transpose(#sz - 1, #sz)
end

local function forward(cfg, x, w, b)
  if cfg.kind == 'tconv' then return torch.conv_transpose2d(x, w, b, cfg.s, cfg.p, cfg.op, cfg.g, cfg.d) end
  return torch[cfg.kind](x, w, b, cfg.s, cfg.p, cfg.d, cfg.g)
end

local function backward(cfg, gy, x, w, need)
  if cfg.kind == 'tconv' then
    return torch.conv_transpose2d_backward(gy, x, w, cfg.s, cfg.p, cfg.op, cfg.g, cfg.d, need)
  end
  return torch[cfg.kind .. '_backward'](gy, x, w, cfg.s, cfg.p, cfg.d, cfg.g, need)
end

local function out_size(cfg, dtype)
  local y = forward(cfg, rand(cfg.x, {dtype = dtype}), rand(cfg.w, {dtype = dtype}))
  return y:size():totable()
end

local function args(cfg, D, dtype)
  local x = operand(D, cfg.x, 11, dtype, cfg.nc)
  local w = operand(D, cfg.w, 12, dtype, cfg.nc)
  local b = cfg.bias and operand(D, {cfg.kind == 'tconv' and cfg.w[2] * cfg.g or cfg.w[1]}, 13, dtype)
  local gy = operand(D, out_size(cfg, dtype), 14, dtype, cfg.nc)
  return x, w, b, gy
end

local cases = {}
for _, dtype in ipairs({'float32', 'float64'}) do
  local tol = TOL[dtype]
  for _, cfg in ipairs(configs) do
    local name = cfg[1] .. ' (' .. dtype .. ')'
    cases[#cases + 1] = {name .. ': forward', function(D)
      local x, w, b = args(cfg, D, dtype)
      return forward(cfg, x, w, b)
    end, tol[1], tol[2]}
    cases[#cases + 1] = {name .. ': backward', function(D)
      local x, w, _, gy = args(cfg, D, dtype)
      return {backward(cfg, gy, x, w)}
    end, tol[1], tol[2]}
    cases[#cases + 1] = {name .. ': backward, input and bias only', function(D)
      local x, w, _, gy = args(cfg, D, dtype)
      local gi, gw, gb = backward(cfg, gy, x, w, {true, false, true})
      assert(gw == nil, 'weight gradient not asked for')
      return {gi, gb}
    end, tol[1], tol[2]}
    cases[#cases + 1] = {name .. ': backward, weight only', function(D)
      local x, w, _, gy = args(cfg, D, dtype)
      local gi, gw, gb = backward(cfg, gy, x, w, {false, true, false})
      assert(gi == nil and gb == nil, 'only the weight gradient was asked for')
      return gw
    end, tol[1], tol[2]}
  end
end

describe('GPU convolutions (cuDNN) against the CPU', function()
  run_cases(cases)
end)

-- bfloat16 / float16: cuDNN sums in float and rounds once, as the CPU's
-- widened float32 kernel does; a sum in another order may round to the
-- neighbouring value (one unit in the last place: 2^-8 relative for
-- bfloat16, 2^-11 for float16), allow a few
local LOW_TOL = {bfloat16 = {2e-2, 2e-2}, float16 = {4e-3, 4e-3}}
local low_cases = {}
for _, dtype in ipairs({'bfloat16', 'float16'}) do
  local tol = LOW_TOL[dtype]
  for _, cfg in ipairs(configs) do
    local name = cfg[1] .. ' (' .. dtype .. ')'
    low_cases[#low_cases + 1] = {name .. ': forward', function(D)
      local x, w, b = args(cfg, D, dtype)
      return forward(cfg, x, w, b)
    end, tol[1], tol[2]}
    low_cases[#low_cases + 1] = {name .. ': backward', function(D)
      local x, w, _, gy = args(cfg, D, dtype)
      return {backward(cfg, gy, x, w)}
    end, tol[1], tol[2]}
  end
end

describe('GPU convolutions in bfloat16 and float16 against the CPU', function()
  run_cases(low_cases)
end)

describe('GPU convolutions: empty shapes', function()
  run_cases({
    {'conv2d of an empty batch', function(D)
      local x, w, b = D(rand({0, 3, 6, 6})), D(rand({4, 3, 3, 3})), D(rand({4}))
      local y = torch.conv2d(x, w, b)
      local gi, gw, gb = torch.conv2d_backward(D(rand({0, 4, 4, 4})), x, w)
      return {y, gi, gw, gb}
    end},
    {'conv2d without input channels is the bias', function(D)
      local x, w, b = D(rand({2, 0, 5, 5})), D(rand({3, 0, 2, 2})), D(rand({3}))
      local gy = D(rand({2, 3, 4, 4}))
      local gi, gw, gb = torch.conv2d_backward(gy, x, w)
      return {torch.conv2d(x, w, b), gi, gw, gb}
    end},
    {'conv_transpose2d of an empty batch', function(D)
      local x, w = D(rand({0, 2, 3, 3}, {dtype = 'float64'})), D(rand({2, 3, 2, 2}, {dtype = 'float64'}))
      local gi, gw, gb = torch.conv_transpose2d_backward(D(rand({0, 3, 4, 4}, {dtype = 'float64'})), x, w)
      return {torch.conv_transpose2d(x, w), gi, gw, gb}
    end},
  })
end)

-- parameters of a module from fixed numbers (no_grad: they are leaves)
local function set_params(m, seed)
  torch.no_grad(function()
    m.weight:copy(rand(m.weight:size():totable(), {lo = -1, hi = 1, seed = seed}))
    if m.bias then m.bias:copy(rand(m.bias:size():totable(), {lo = -1, hi = 1, seed = seed + 1})) end
  end)
  return m
end

local function on_device(D) return D(torch.zeros(1)):isCuda() end

-- module forward, backward (gradInput) and the parameter gradients
local function module_case(make, xsize)
  return function(D)
    local m = set_params(make(), 21)
    if on_device(D) then m:cuda() end
    local x = D(rand(xsize, {lo = -1, hi = 1, seed = 22}))
    local y = m:forward(x)
    local gy = D(rand(y:size():totable(), {lo = -1, hi = 1, seed = 23}))
    m:zeroGradParameters()
    local gi = m:backward(x, gy)
    return {y, gi, m.gradWeight, m.gradBias}
  end
end

-- a module under torch.autocast on D's device: output (low precision),
-- gradInput and the float32 parameter gradients
local function autocast_case(make, xsize, dtype)
  return function(D)
    local m = set_params(make(), 41)
    local device = on_device(D) and 'cuda' or 'cpu'
    if device == 'cuda' then m:cuda() end
    local x = D(rand(xsize, {lo = -1, hi = 1, seed = 42}))
    local y = torch.autocast({device = device, dtype = dtype}, function() return m:forward(x) end)
    assert(y:dtype() == dtype, 'autocast output in ' .. dtype)
    local gy = D(rand(y:size():totable(), {lo = -1, hi = 1, seed = 43, dtype = dtype}))
    m:zeroGradParameters()
    local gi = m:backward(x, gy)
    assert(m.gradWeight:dtype() == 'float32', 'float32 weight gradient')
    return {y, gi, m.gradWeight, m.gradBias}
  end
end

describe('GPU convolutions: autograd and nn modules', function()
  run_cases({
    {'nn.SpatialConvolution under autocast (bfloat16)',
     autocast_case(function() return nn.SpatialConvolution(3, 5, 3, 3, 2, 1, 1, 1) end, {2, 3, 11, 10}, 'bfloat16'),
     2e-2, 2e-2},
    {'nn.SpatialFullConvolution under autocast (float16)',
     autocast_case(function() return nn.SpatialFullConvolution(3, 2, 3, 3, 2, 2, 1, 1, 1, 1) end, {2, 3, 5, 6}, 'float16'),
     4e-3, 4e-3},
    {'nn.TemporalConvolution under autocast (bfloat16)',
     autocast_case(function() return nn.TemporalConvolution(4, 3, 3, 2) end, {2, 11, 4}, 'bfloat16'), 2e-2, 2e-2},
    {'autograd through conv2d (float32)', function(D)
      local x = D(rand({2, 3, 8, 9}, {lo = -1, hi = 1, seed = 31})):requiresGrad()
      local w = D(rand({4, 3, 3, 3}, {lo = -1, hi = 1, seed = 32})):requiresGrad()
      local b = D(rand({4}, {lo = -1, hi = 1, seed = 33})):requiresGrad()
      local y = torch.conv2d(x, w, b, {2, 1}, {1, 1})
      torch.sum(torch.mul(y, D(rand(y:size():totable(), {seed = 34})))):backward()
      return {y:detach(), x.grad, w.grad, b.grad}
    end, 1e-4, 1e-4},
    {'autograd through conv_transpose2d and conv3d (float64)', function(D)
      local o = {lo = -1, hi = 1, dtype = 'float64'}
      local x = D(rand({2, 3, 5, 4}, o)):requiresGrad()
      local w = D(rand({3, 2, 3, 3}, o)):requiresGrad()
      local v = D(rand({1, 2, 3, 4, 4}, o)):requiresGrad()
      local k = D(rand({2, 2, 2, 2, 2}, o)):requiresGrad()
      local y = torch.conv_transpose2d(x, w, nil, {2, 2}, {1, 1}, {1, 0})
      local z = torch.conv3d(v, k, nil, {1, 1, 1}, {1, 0, 1})
      local loss = torch.sum(torch.mul(y, y)) + torch.sum(z)
      loss:backward()
      return {y:detach(), z:detach(), x.grad, w.grad, v.grad, k.grad}
    end, 1e-10, 1e-11},
    {'nn.SpatialConvolution', module_case(function() return nn.SpatialConvolution(3, 5, 3, 3, 2, 1, 1, 1) end,
                                          {2, 3, 11, 10}), 1e-4, 1e-4},
    {'nn.SpatialFullConvolution', module_case(function() return nn.SpatialFullConvolution(3, 2, 3, 3, 2, 2, 1, 1, 1, 1) end,
                                              {2, 3, 5, 6}), 1e-4, 1e-4},
    {'nn.VolumetricConvolution', module_case(function() return nn.VolumetricConvolution(2, 3, 2, 3, 3) end,
                                             {2, 2, 4, 6, 5}), 1e-4, 1e-4},
    {'nn.TemporalConvolution', module_case(function() return nn.TemporalConvolution(4, 3, 3, 2) end,
                                           {2, 11, 4}), 1e-4, 1e-4},
  })
end)

-- errors that only a real GPU can raise
local function real_gpu_it(name, fn)
  if on_cpu then it(name, function() pending('needs a real GPU: ' .. name) end) else gpu_it(name, fn) end
end

describe('GPU convolutions: errors', function()
  real_gpu_it('rejects a weight on the CPU with a GPU input, naming both devices', function()
    local x, w = C.to_gpu(rand({1, 2, 5, 5})), rand({3, 2, 3, 3})
    local ok, err = pcall(torch.conv2d, x, w)
    assert.is_false(ok)
    assert.matches('conv2d: weight is on cpu but input is on GPU 1', err, 1, true)
    ok, err = pcall(torch.conv2d_backward, C.to_gpu(rand({1, 3, 3, 3})), x, w)
    assert.is_false(ok)
    assert.matches('conv2d_backward: weight is on cpu but input is on GPU 1', err, 1, true)
    ok, err = pcall(torch.conv2d, x, C.to_gpu(w), rand({3}))
    assert.is_false(ok)
    assert.matches('conv2d: bias is on cpu but input is on GPU 1', err, 1, true)
  end)
  real_gpu_it('rejects output padding not below the stride (CPU only allows it)', function()
    local x, w = C.to_gpu(rand({1, 2, 4, 4})), C.to_gpu(rand({2, 2, 3, 3}))
    local ok, err = pcall(torch.conv_transpose2d, x, w, nil, {1, 1}, {0, 0}, {1, 1}, 1, {2, 2})
    assert.is_false(ok)
    assert.matches('conv_transpose2d: output padding not smaller than the stride', err, 1, true)
  end)
  real_gpu_it('rejects a bfloat16 input with a float32 weight, naming both dtypes', function()
    local x = C.to_gpu(rand({1, 2, 5, 5}, {dtype = 'bfloat16'}))
    local ok, err = pcall(torch.conv2d, x, C.to_gpu(rand({3, 2, 3, 3})))
    assert.is_false(ok)
    assert.matches('conv2d: weight is float32 but input is bfloat16', err, 1, true)
  end)
  real_gpu_it('still checks shapes before the device', function()
    local x, w = C.to_gpu(rand({1, 2, 5, 5})), C.to_gpu(rand({3, 4, 3, 3}))
    local ok, err = pcall(torch.conv2d, x, w)
    assert.is_false(ok)
    assert.matches('conv2d: input has 2 channels', err, 1, true)
  end)
  real_gpu_it('runs float32 with TF32 allowed (looser)', function()
    local x, w = rand({2, 8, 16, 16}, {lo = -1, hi = 1}), rand({8, 8, 3, 3}, {lo = -1, hi = 1, seed = 3})
    torch.cuda.setTF32(true)
    local ok, y = pcall(torch.conv2d, C.to_gpu(x), C.to_gpu(w), nil, {1, 1}, {1, 1})
    torch.cuda.setTF32(false)
    assert.is_true(ok, tostring(y))
    C.compare(y, torch.conv2d(x, w, nil, {1, 1}, {1, 1}), 'tf32 conv2d', 1e-2, 2e-2)
  end)
end)
