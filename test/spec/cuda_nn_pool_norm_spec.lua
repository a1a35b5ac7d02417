-- Pooling and normalization on GPU tensors, each compared with the CPU
-- kernels (which nnfunc_spec checks against PyTorch): max, average,
-- adaptive max/average pooling, max unpooling, batch norm and layer norm,
-- forward and backward, float32 and float64, odd sizes, unbatched and
-- non-contiguous inputs, ties and NaNs (the first maximum / first NaN
-- wins), running statistics updated in place; then nn modules and autograd
-- on the GPU against the CPU, and the device-mixing and index errors.
-- Pending without a GPU; LUTORCH_CUDA_SPEC_ON_CPU=1 runs the cases on the
-- CPU to check them.
require 'torch'
require 'torch.cuda'
require 'nn'
local C = require 'cuda_util'
local rand, run_cases, gpu_it = C.rand, C.run_cases, C.gpu_it

-- a gradOutput for y (on y's device D), deterministic
local function gout(D, y, seed)
  return D(rand(y:size():totable(), {dtype = y:dtype(), seed = seed or 99}))
end

-- x (CPU) on D as a non-contiguous view: the last two dims transposed
local function strided(D, x)
  return D(x:transpose(x:dim() - 1, x:dim()):contiguous()):transpose(x:dim() - 1, x:dim())
end

local function max_case(name, size, dtype, args, opts)
  opts = opts or {}
  local x = rand(size, {dtype = dtype, seed = opts.seed or 1, lo = opts.lo, hi = opts.hi,
                        int = opts.int})
  if opts.nan then
    local f = x:view(-1)
    for _, i in ipairs(opts.nan) do f[i] = 0 / 0 end
  end
  return {name, function(D)
    local xd = opts.strided and strided(D, x) or D(x)
    local y, idx = torch.max_pool2d(xd, unpack(args))
    return y, idx, torch.max_pool2d_backward(gout(D, y), xd, idx)
  end}
end

local function avg_case(name, size, dtype, args, opts)
  opts = opts or {}
  local x = rand(size, {dtype = dtype, seed = opts.seed or 2})
  return {name, function(D)
    local xd = opts.strided and strided(D, x) or D(x)
    local y = torch.avg_pool2d(xd, unpack(args))
    return y, torch.avg_pool2d_backward(gout(D, y), xd, unpack(args))
  end}
end

local function adaptive_case(name, size, dtype, out, opts)
  opts = opts or {}
  local x = rand(size, {dtype = dtype, seed = opts.seed or 3, int = opts.int, lo = opts.lo,
                        hi = opts.hi})
  return {name, function(D)
    local xd = opts.strided and strided(D, x) or D(x)
    local ya = torch.adaptive_avg_pool2d(xd, out)
    local ym, idx = torch.adaptive_max_pool2d(xd, out)
    return ya, torch.adaptive_avg_pool2d_backward(gout(D, ya), xd), ym, idx,
           torch.adaptive_max_pool2d_backward(gout(D, ym, 98), xd, idx)
  end}
end

describe('GPU max pooling', function()
  run_cases({
    max_case('float32 3x3 stride 2 pad 1, odd sizes', {2, 3, 13, 11}, 'float32', {3, 2, 1}),
    max_case('float64 2x2 unbatched', {3, 9, 8}, 'float64', {2}),
    max_case('float32 dilated, ceil mode, unequal kernel', {2, 2, 12, 15}, 'float32',
             {{3, 2}, {2, 1}, {1, 1}, {2, 2}, true}),
    max_case('float64 overlapping stride 1 with ties', {1, 2, 9, 10}, 'float64', {3, 1},
             {int = true, lo = -2, hi = 2}),
    max_case('float32 NaNs win', {1, 2, 8, 8}, 'float32', {3, 2, 1}, {nan = {5, 30, 31, 77}}),
    max_case('float32 non-contiguous input', {2, 3, 10, 7}, 'float32', {2, 2}, {strided = true}),
    max_case('float32 many planes, beyond one block', {4, 37, 33, 35}, 'float32', {3, 2}),
    max_case('float64 kernel bigger than stride, ceil mode', {2, 1, 7, 7}, 'float64',
             {2, 3, 1, 1, true}),
  })
end)

describe('GPU average pooling', function()
  run_cases({
    avg_case('float32 3x3 stride 2 pad 1 counting the padding', {2, 3, 13, 11}, 'float32',
             {3, 2, 1}),
    avg_case('float64 excluding the padding, ceil mode', {2, 2, 11, 9}, 'float64',
             {{3, 2}, {2, 2}, {1, 1}, true, false}),
    avg_case('float32 divisor override', {1, 4, 10, 10}, 'float32', {3, 3, 1, false, true, 5}),
    avg_case('float64 unbatched, overlapping', {3, 8, 9}, 'float64', {3, 1}),
    avg_case('float32 non-contiguous input, 2x2', {2, 3, 10, 8}, 'float32', {2}, {strided = true}),
    avg_case('float32 ceil mode counting the padding', {1, 2, 7, 6}, 'float32',
             {{2, 3}, {2, 2}, {1, 1}, true, true}),
  })
end)

describe('GPU adaptive pooling', function()
  run_cases({
    adaptive_case('float32 13x11 to 4x5', {2, 3, 13, 11}, 'float32', {4, 5}),
    adaptive_case('float64 3x3 to 5x7 (growing)', {2, 2, 3, 3}, 'float64', {5, 7}),
    adaptive_case('float32 to 1x1 (global), unbatched', {5, 9, 10}, 'float32', {1, 1}),
    adaptive_case('float64 with ties, non-contiguous', {2, 3, 8, 9}, 'float64', {3, 4},
                  {int = true, lo = -2, hi = 2, strided = true}),
  })
end)

describe('GPU max unpooling', function()
  run_cases({
    {'float32 unpool of a 2x2 pooling and its backward', function(D)
      local x = D(rand({2, 3, 9, 8}, {seed = 4}))
      local y, idx = torch.max_pool2d(x, 2)
      local u = torch.max_unpool2d(y, idx, {9, 8})
      return u, torch.max_unpool2d_backward(gout(D, u), idx)
    end},
    {'float64 unbatched, overlapping windows add up', function(D)
      local x = D(rand({2, 7, 7}, {dtype = 'float64', seed = 5, int = true, lo = -1, hi = 1}))
      local y, idx = torch.max_pool2d(x, 3, 1)
      local u = torch.max_unpool2d(y, idx, {7, 7})
      return u, torch.max_unpool2d_backward(gout(D, u), idx)
    end},
  })
end)

-- batch norm forward (returning the running stats after the update) and
-- backward; opts: nweight, training, strided running stats, need
local function bn_case(name, size, dtype, opts)
  opts = opts or {}
  local C_ = size[2]
  local x = rand(size, {dtype = dtype, seed = opts.seed or 10, lo = -2, hi = 3})
  local w = rand({C_}, {dtype = dtype, seed = 11, lo = 0.5, hi = 1.5})
  local b = rand({C_}, {dtype = dtype, seed = 12})
  local rm0 = rand({C_}, {dtype = dtype, seed = 13})
  local rv0 = rand({C_}, {dtype = dtype, seed = 14, lo = 0.5, hi = 2})
  local training = opts.training ~= false
  return {name, function(D)
    local rm, rv
    if opts.strided then -- every other element of a longer buffer
      rm = D(torch.cat(rm0:view(C_, 1), rm0:view(C_, 1), 2)):select(2, 1)
      rv = D(torch.cat(rv0:view(C_, 1), rv0:view(C_, 1), 2)):select(2, 2)
    elseif not opts.nostats then
      rm, rv = D(rm0:clone()), D(rv0:clone()) -- updated in place
    end
    local xd = D(x)
    local wd, bd = not opts.noaffine and D(w) or nil, not opts.noaffine and D(b) or nil
    local y, m, s = torch.batch_norm(xd, rm, rv, wd, bd, training, 0.3, 1e-4)
    local g = {torch.batch_norm_backward(gout(D, y), xd, wd, m, s, training, opts.need)}
    local r = {y, m, s}
    for k = 1, 3 do r[#r + 1] = g[k] or 0 end -- an unwanted gradient: nil on both devices
    if rm then r[#r + 1] = rm; r[#r + 1] = rv end
    return r
  end}
end

describe('GPU batch norm', function()
  run_cases({
    bn_case('float32 spatial, training, running stats', {5, 7, 9, 11}, 'float32'),
    bn_case('float64 (N, C), no affine, no running stats', {33, 17}, 'float64',
            {noaffine = true, nostats = true}),
    bn_case('float32 evaluation mode', {4, 6, 5, 3}, 'float32', {training = false}),
    bn_case('float64 evaluation mode, no affine', {3, 5, 7}, 'float64',
            {training = false, noaffine = true}),
    bn_case('float32 strided running stats', {6, 4, 5, 5}, 'float32', {strided = true}),
    bn_case('float64 large planes (split into parts)', {8, 3, 64, 64}, 'float64'),
    bn_case('float32 large planes (split into parts)', {8, 3, 64, 64}, 'float32'),
    bn_case('float32 some gradients only', {5, 7, 6}, 'float32', {need = {true, false, true}}),
    bn_case('float64 weight and bias gradients only', {5, 7, 6}, 'float64',
            {need = {false, true, true}}),
  })
end)

-- layer norm over the last nd dims; opts: noaffine, strided, need
local function ln_case(name, size, nd, dtype, opts)
  opts = opts or {}
  local x = rand(size, {dtype = dtype, seed = opts.seed or 20, lo = -2, hi = 3})
  local ns = {}
  for i = #size - nd + 1, #size do ns[#ns + 1] = size[i] end
  local w = rand(ns, {dtype = dtype, seed = 21, lo = 0.5, hi = 1.5})
  local b = rand(ns, {dtype = dtype, seed = 22})
  return {name, function(D)
    local xd = opts.strided and strided(D, x) or D(x)
    local wd, bd = not opts.noaffine and D(w) or nil, not opts.noaffine and D(b) or nil
    local y, m, s = torch.layer_norm(xd, ns, wd, bd, 1e-4)
    local g = {torch.layer_norm_backward(gout(D, y), xd, ns, wd, m, s, opts.need)}
    local r = {y, m, s}
    for k = 1, 3 do r[#r + 1] = g[k] or 0 end
    return r
  end}
end

describe('GPU layer norm', function()
  run_cases({
    ln_case('float32 rows of 13 (a warp per row)', {5, 7, 13}, 1, 'float32'),
    ln_case('float64 over the last two dims', {5, 7, 13}, 2, 'float64'),
    ln_case('float32 rows of 1500 (a block per row)', {3, 1500}, 1, 'float32'),
    ln_case('float64 rows of 2049, no affine', {2, 2049}, 1, 'float64', {noaffine = true}),
    ln_case('float32 300 rows of 20 (column sums in parts)', {300, 20}, 1, 'float32'),
    ln_case('float64 non-contiguous input', {4, 6, 9}, 1, 'float64', {strided = true}),
    ln_case('float32 the whole tensor', {3, 5}, 2, 'float32'),
    ln_case('float32 input gradient only', {6, 33}, 1, 'float32', {need = {true, false, false}}),
    ln_case('float64 bias gradient only', {6, 33}, 1, 'float64', {need = {false, false, true}}),
  })
end)

-- a module on D (typename its type there): forward, backward, and the
-- parameters' gradients; the running stats of batch norm after training
local function module_grads(make, input, gradOut, D, typename)
  local m = make():double()
  if typename then m:type(typename) end
  local x = D(input)
  local out = m:forward(x)
  local gi = m:backward(x, D(gradOut))
  local _, gs = m:parameters()
  local r = {out, gi}
  for _, g in ipairs(gs or {}) do r[#r + 1] = g end
  for _, mod in ipairs(m.modules or {m}) do
    if mod.running_mean then r[#r + 1] = mod.running_mean; r[#r + 1] = mod.running_var end
  end
  return r
end

local function gpu_type(dtype)
  if C.on_cpu then return torch.tensorTypeOf[dtype] end
  return torch.cuda.tensorTypeOf[dtype]
end

describe('nn pooling and normalization modules on the GPU (autograd)', function()
  for _, c in ipairs({
    {'SpatialBatchNormalization, max and average pooling, float32', function()
      return nn.Sequential():add(nn.SpatialBatchNormalization(3)):add(nn.SpatialMaxPooling(3, 3, 2, 2, 1, 1))
               :add(nn.SpatialAveragePooling(2, 2, 2, 2))
    end, {4, 3, 11, 13}, {4, 3, 3, 3}, 'float32'},
    {'adaptive pooling and LayerNorm, float64', function()
      return nn.Sequential():add(nn.SpatialAdaptiveMaxPooling(5, 4)):add(nn.SpatialAdaptiveAveragePooling(3, 3))
               :add(nn.LayerNorm({3, 3}))
    end, {2, 3, 10, 9}, {2, 3, 3, 3}, 'float64'},
    {'BatchNormalization in evaluation mode, float64', function()
      local m = nn.BatchNormalization(7)
      m:evaluate()
      return m
    end, {9, 7}, {9, 7}, 'float64'},
  }) do
    gpu_it(c[1] .. ': forward and backward as on the CPU', function()
      local dt = c[5]
      local x = rand(c[3], {dtype = dt, seed = 40})
      local g = rand(c[4], {dtype = dt, seed = 41})
      local cpu = module_grads(c[2], x, g, function(t) return t end, torch.tensorTypeOf[dt])
      local gpu = module_grads(c[2], x, g, C.to_gpu, gpu_type(dt))
      C.compare(gpu, cpu, c[1])
    end)
  end

  gpu_it('x:cuda():requiresGrad() through the pool and norm functions gets the CPU gradient', function()
    local x0 = rand({2, 3, 9, 8}, {dtype = 'float64', seed = 42})
    local w0 = rand({3}, {dtype = 'float64', seed = 43})
    local function grads(D)
      local x, w = D(x0):requiresGrad(), D(w0):requiresGrad()
      local y = nn.F.batch_norm(x, nil, nil, w, nil, true)
      local p = nn.F.max_pool2d(y, {2, 2})
      local a = nn.F.avg_pool2d(y, {3, 3}, {2, 2}, {1, 1})
      local l = nn.F.layer_norm(p, {4, 4})
      local loss = torch.add(torch.sum(torch.mul(l, l)), torch.sum(torch.mul(a, a)))
      loss:backward()
      return {x.grad, w.grad}
    end
    C.compare(grads(C.to_gpu), grads(function(t) return t end), 'pool/norm gradients')
  end)
end)

describe('GPU pooling and normalization: bad input', function()
  gpu_it('an out-of-range unpool index is reported from the GPU', function()
    local x = C.to_gpu(torch.randn(1, 1, 2, 2))
    local ix = C.to_gpu(torch.LongTensor(1, 1, 2, 2):fill(99))
    local ok, err = pcall(torch.max_unpool2d, x, ix, {4, 4})
    assert.is_false(ok)
    assert.is_truthy(tostring(err):find('torch.max_unpool2d: an index is out of range', 1, true), err)
    ok, err = pcall(torch.max_unpool2d_backward, C.to_gpu(torch.randn(1, 1, 4, 4)), ix)
    assert.is_false(ok)
    assert.is_truthy(tostring(err):find('max_unpool2d_backward: an index is out of range', 1, true), err)
  end)
  if C.has_gpu and not C.on_cpu then
    it('rejects CPU tensors with a GPU input, naming both devices', function()
      local x = torch.randn(2, 3, 4, 4)
      local function fails(what, f, ...)
        local ok, err = pcall(f, ...)
        assert.is_false(ok)
        assert.is_truthy(tostring(err):find(what, 1, true), err)
      end
      fails('torch.batch_norm: running_mean is on cpu but input is on GPU 1', torch.batch_norm,
            x:cuda(), torch.zeros(3), torch.ones(3))
      fails('torch.layer_norm: weight is on cpu but input is on GPU 1', torch.layer_norm, x:cuda(),
            {4}, torch.ones(4))
      local y, idx = torch.max_pool2d(x, 2)
      fails('torch.max_pool2d_backward: indices is on cpu but input is on GPU 1',
            torch.max_pool2d_backward, y:cuda(), x:cuda(), idx)
      fails('torch.avg_pool2d_backward: gradOutput is on cpu but input is on GPU 1',
            torch.avg_pool2d_backward, y, x:cuda(), 2)
    end)
  else
    it('rejects CPU tensors with a GPU input', function() pending('no CUDA device') end)
  end
end)
