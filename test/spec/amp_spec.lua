-- Mixed precision (lua/torch/amp.lua): autocast regions and the GradScaler.
local U = require 'testutil'
local C = require 'cuda_util'
require 'nn'
require 'optim'

-- bfloat16 keeps 8 significant bits, float16 11: values rounded to them
local function round_to(x, bits)
  if x == 0 then return 0 end
  local e = math.floor(math.log(math.abs(x)) / math.log(2))
  local q = 2 ^ (e - bits + 1)
  return math.floor(x / q + 0.5) * q
end

describe('torch.autocast on the CPU', function()
  local a = torch.FloatTensor({{1.001, 2.5}, {3, -0.3337}})
  local b = torch.FloatTensor({{0.7, 1}, {-1.25, 2.0039}})

  it('runs matrix products in bfloat16 and restores the state after', function()
    local r = torch.autocast('cpu', function() return torch.mm(a, b) end)
    assert.are.equal('bfloat16', r:dtype())
    -- inputs rounded to bf16, products summed in float32, the result rounded
    local a1, a2 = round_to(1.001, 8), round_to(2.5, 8)
    local b1, b2 = round_to(0.7, 8), round_to(-1.25, 8)
    assert.are.equal(round_to(a1 * b1 + a2 * b2, 8), r:float()[1][1])
    assert.is_false((torch.isAutocastEnabled()))
    assert.are.equal('float32', torch.mm(a, b):dtype())
  end)

  it('uses float16 when asked, and leaves other devices alone', function()
    local r = torch.autocast({device = 'cpu', dtype = 'float16'}, torch.mm, a, b)
    assert.are.equal('float16', r:dtype())
    local s = torch.autocast('cuda', torch.mm, a, b) -- CPU tensors: untouched
    assert.are.equal('float32', s:dtype())
  end)

  it('runs softmax and losses in float32', function()
    local x = torch.FloatTensor({{1, 2, 3}}):type('torch.BFloat16Tensor')
    local p = torch.autocast('cpu', torch.softmax, x, 2)
    assert.are.equal('float32', p:dtype())
    U.near(p, torch.softmax(torch.FloatTensor({{1, 2, 3}}), 2), 1e-6)
  end)

  it('trains: float32 master weights get float32 gradients through bf16 layers', function()
    local function train(autocast)
      torch.manualSeed(3)
      local model = nn.Sequential():add(nn.Linear(6, 8)):add(nn.ReLU()):add(nn.Linear(8, 3))
      local crit = nn.CrossEntropyCriterion()
      local x, y = torch.randn(16, 6), torch.LongTensor(16):random(1, 3)
      local opt = optim.SGD(model:parameters(), {lr = 0.5})
      local losses = {}
      for i = 1, 40 do
        opt:zeroGrad()
        local loss = torch.autocast({device = 'cpu', enabled = autocast}, function()
          local out = model(x)
          assert.are.equal(autocast and 'bfloat16' or 'float32', out:dtype())
          return crit(out, y)
        end)
        assert.are.equal('float32', loss:dtype())
        loss:backward()
        assert.are.equal('float32', model:get(1).weight.grad:dtype())
        opt:step()
        losses[i] = loss:item()
      end
      return losses
    end
    local low, full = train(true), train(false)
    assert.is_true(low[40] < 0.6 * low[1], string.format('loss %g -> %g', low[1], low[40]))
    -- bf16 rounding (8 bits) moves the trajectory only a little
    assert.is_true(math.abs(low[40] - full[40]) < 0.05 * full[1],
                   string.format('bf16 %g vs float32 %g', low[40], full[40]))
  end)

  it('restores the state when the region raises', function()
    assert.has_error(function() torch.autocast('cpu', function() error('boom') end) end)
    assert.is_false((torch.isAutocastEnabled()))
  end)

  U.error_cases({
    {'an unknown device', function() torch.autocast('tpu', function() end) end, 'torch.autocast', "'cuda' or 'cpu'"},
    {'an unknown dtype', function() torch.autocast({device = 'cpu', dtype = 'int8'}, function() end) end,
     'torch.autocast', 'bfloat16'},
    {'a missing function', function() torch.autocast('cpu', 3) end, 'torch.autocast', 'argument 2'},
  })
end)

-- x rounded to `bits` significant bits, ties to even (bfloat16: 8, float16: 11)
local function round_even(x, bits)
  if x == 0 or x ~= x then return x end
  local m, e = math.frexp(x) -- x = m * 2^e, 0.5 <= |m| < 1
  local y = m * 2 ^ bits
  local f = math.floor(y)
  local r = y - f
  if r > 0.5 or (r == 0.5 and f % 2 == 1) then f = f + 1 end
  return f * 2 ^ (e - bits)
end

-- a float32 tensor of t's elements rounded to `bits` (nil passes)
local function rounded(t, bits)
  if t == nil then return nil end
  local flat, v = t:double():contiguous():view(-1), {}
  for i = 1, flat:size(1) do v[i] = round_even(flat[i], bits) end
  return torch.DoubleTensor(v):view(t:size()):float()
end

local low_bits = {bfloat16 = 8, float16 = 11}

local function to(t, dtype) return t and t:type(torch.tensorTypeOf[dtype]) end

-- kind, input, weight and bias sizes, forward and backward with their options
local conv_cases = {
  {'conv1d', {2, 3, 11}, {4, 3, 3}, {4},
   function(x, w, b) return torch.conv1d(x, w, b, {2}, {1}) end,
   function(gy, x, w) return torch.conv1d_backward(gy, x, w, {2}, {1}) end},
  {'conv2d', {2, 3, 7, 6}, {5, 3, 3, 2}, {5},
   function(x, w, b) return torch.conv2d(x, w, b, {1, 2}, {1, 0}) end,
   function(gy, x, w) return torch.conv2d_backward(gy, x, w, {1, 2}, {1, 0}) end},
  {'conv2d unbatched, groups 2', {4, 6, 5}, {2, 2, 3, 3}, nil,
   function(x, w, b) return torch.conv2d(x, w, b, {1, 1}, {1, 1}, {1, 1}, 2) end,
   function(gy, x, w) return torch.conv2d_backward(gy, x, w, {1, 1}, {1, 1}, {1, 1}, 2) end},
  {'conv3d', {1, 2, 4, 5, 3}, {3, 2, 2, 2, 2}, {3},
   function(x, w, b) return torch.conv3d(x, w, b) end,
   function(gy, x, w) return torch.conv3d_backward(gy, x, w) end},
  {'conv_transpose2d', {2, 3, 4, 5}, {3, 2, 3, 3}, {2},
   function(x, w, b) return torch.conv_transpose2d(x, w, b, {2, 2}, {1, 1}, {1, 0}) end,
   function(gy, x, w) return torch.conv_transpose2d_backward(gy, x, w, {2, 2}, {1, 1}, {1, 0}) end},
}

describe('bfloat16 and float16 convolutions on the CPU', function()
  for _, dtype in ipairs({'bfloat16', 'float16'}) do
    local bits = low_bits[dtype]
    for _, c in ipairs(conv_cases) do
      local name, xs, ws, bs, fwd, bwd = unpack(c, 1, 6)
      it(name .. ' in ' .. dtype .. ': the float32 kernel on rounded inputs, rounded once', function()
        torch.manualSeed(11)
        local x, w, b = torch.randn(unpack(xs)), torch.randn(unpack(ws)), bs and torch.randn(unpack(bs))
        local xr, wr, br = rounded(x, bits), rounded(w, bits), rounded(b, bits)
        local y = fwd(to(x, dtype), to(w, dtype), to(b, dtype))
        assert.are.equal(dtype, y:dtype())
        assert.are.same(rounded(fwd(xr, wr, br), bits):totable(), y:float():totable())
        local gy = torch.randn(y:size())
        local got = {bwd(to(gy, dtype), to(x, dtype), to(w, dtype))}
        local want = {bwd(rounded(gy, bits), xr, wr)}
        for k = 1, 3 do
          assert.are.equal(dtype, got[k]:dtype())
          assert.are.same(rounded(want[k], bits):totable(), got[k]:float():totable())
        end
      end)
    end
  end

  it('records: autograd through a bfloat16 conv2d', function()
    torch.manualSeed(12)
    local x = to(torch.randn(2, 3, 5, 5), 'bfloat16'):requiresGrad()
    local w = to(torch.randn(4, 3, 3, 3), 'bfloat16'):requiresGrad()
    local y = torch.conv2d(x, w)
    torch.sum(y:float()):backward()
    local gx, gw = torch.conv2d_backward(to(torch.ones(y:size()), 'bfloat16'), x:detach(), w:detach())
    assert.are.same(gx:float():totable(), x.grad:float():totable())
    assert.are.same(gw:float():totable(), w.grad:float():totable())
  end)

  local x4, w4 = torch.randn(1, 2, 5, 5), torch.randn(3, 2, 3, 3)
  U.error_cases({
    {'a bfloat16 input with a float32 weight', function() torch.conv2d(to(x4, 'bfloat16'), w4) end,
     'torch.conv2d', 'weight is float32 but input is bfloat16'},
    {'a float16 bias with float32 operands', function() torch.conv2d(x4, w4, to(torch.randn(3), 'float16')) end,
     'torch.conv2d', 'bias is float16 but input is float32'},
    {'a float32 gradOutput for a bfloat16 conv_transpose2d', function()
      torch.conv_transpose2d_backward(torch.randn(1, 3, 7, 7), to(x4, 'bfloat16'), to(torch.randn(2, 3, 3, 3), 'bfloat16'))
    end, 'torch.conv_transpose2d_backward', 'gradOutput is float32 but input is bfloat16'},
    {'an integer input', function() torch.conv2d(x4:long(), w4) end, 'torch.conv2d', 'float32 or float64'},
  })
end)

-- close within tol relative to b's largest element
local function close(a, b, tol, what)
  local d, m = U.maxdiff(a, b), U.maxdiff(b, b:clone():zero())
  assert(d <= tol * math.max(m, 1), string.format('%s: differ by %g (scale %g)', what, d, m))
end

describe('convolutions under torch.autocast on the CPU', function()
  local modules = {
    {'nn.SpatialConvolution', function() return nn.SpatialConvolution(3, 4, 3, 3, 1, 1, 1, 1) end, {2, 3, 7, 6}},
    {'nn.SpatialFullConvolution', function() return nn.SpatialFullConvolution(3, 2, 3, 3, 2, 2, 1, 1, 1, 1) end,
     {2, 3, 4, 5}},
    {'nn.TemporalConvolution', function() return nn.TemporalConvolution(4, 3, 3, 2) end, {2, 9, 4}},
    {'nn.VolumetricConvolution', function() return nn.VolumetricConvolution(2, 3, 2, 2, 2) end, {2, 2, 4, 4, 3}},
  }
  for _, c in ipairs(modules) do
    local name, make, xs = c[1], c[2], c[3]
    it(name .. ' runs in bfloat16; float32 gradients reach its weights', function()
      torch.manualSeed(21)
      local m = make()
      torch.manualSeed(21)
      local ref = make()
      local x = torch.randn(unpack(xs))
      local y = torch.autocast('cpu', function() return m:forward(x) end)
      assert.are.equal('bfloat16', y:dtype())
      local gy = torch.randn(y:size())
      m:zeroGradParameters()
      local gi = m:backward(x, to(gy, 'bfloat16'))
      assert.are.equal('float32', gi:dtype())
      assert.are.equal('float32', m.weight.grad:dtype())
      assert.are.equal('float32', m.gradWeight:dtype())
      assert.are.equal('float32', m.gradBias:dtype())
      local yr = ref:forward(x)
      ref:zeroGradParameters()
      local gir = ref:backward(x, gy)
      -- bf16 keeps 8 bits: about 2 parts in 256 after two roundings
      close(y:float(), yr, 0.02, 'output')
      close(gi, gir, 0.02, 'gradInput')
      close(m.gradWeight, ref.gradWeight, 0.02, 'gradWeight')
      close(m.gradBias, ref.gradBias, 0.02, 'gradBias')
    end)
  end

  it('leaves float64 convolutions alone and casts float16 when asked', function()
    local x, w = torch.randn(1, 2, 4, 4), torch.randn(3, 2, 3, 3)
    local d = torch.autocast('cpu', torch.conv2d, x:double(), w:double())
    assert.are.equal('float64', d:dtype())
    local h = torch.autocast({device = 'cpu', dtype = 'float16'}, torch.conv2d, x, w)
    assert.are.equal('float16', h:dtype())
  end)

  it('trains a small convnet that tracks the float32 run', function()
    local function train(autocast)
      torch.manualSeed(7)
      local model = nn.Sequential()
        :add(nn.SpatialConvolution(1, 4, 3, 3, 1, 1, 1, 1)):add(nn.ReLU())
        :add(nn.SpatialMaxPooling(2, 2, 2, 2))
        :add(nn.SpatialConvolution(4, 6, 3, 3)):add(nn.ReLU())
        :add(nn.View(24)):add(nn.Linear(24, 3))
      local crit = nn.CrossEntropyCriterion()
      local x, y = torch.randn(16, 1, 8, 8), torch.LongTensor(16):random(1, 3)
      local opt = optim.SGD(model:parameters(), {lr = 0.1, momentum = 0.9})
      local losses = {}
      for i = 1, 40 do
        opt:zeroGrad()
        local loss = torch.autocast({device = 'cpu', enabled = autocast}, function()
          local out = model(x)
          assert.are.equal(autocast and 'bfloat16' or 'float32', out:dtype())
          assert.are.equal(autocast and 'bfloat16' or 'float32', model:get(1).output:dtype())
          return crit(out, y)
        end)
        loss:backward()
        assert.are.equal('float32', model:get(1).weight.grad:dtype())
        opt:step()
        losses[i] = loss:item()
      end
      return losses
    end
    local low, full = train(true), train(false)
    assert.is_true(low[40] < 0.5 * low[1], string.format('loss %g -> %g', low[1], low[40]))
    for _, i in ipairs({10, 20, 40}) do
      assert.is_true(math.abs(low[i] - full[i]) < 0.05 * full[1],
                     string.format('step %d: bf16 %g vs float32 %g', i, low[i], full[i]))
    end
  end)
end)

describe('torch.amp.GradScaler', function()
  it('scales the loss, unscales the gradients and steps', function()
    local p = torch.FloatTensor({1, 2}):requiresGrad()
    local opt = optim.SGD({p}, {lr = 0.5})
    local s = torch.amp.GradScaler({initScale = 1024})
    local loss = torch.cmul(p, p):sum()
    local scaled = s:scale(loss)
    assert.are.equal(1024 * 5, scaled:item())
    scaled:backward()
    assert.are.same({2048, 4096}, p.grad:totable())
    s:step(opt)
    assert.are.same({2, 4}, p.grad:totable()) -- unscaled: 2p
    U.near(p, torch.FloatTensor({0, 0}))
    s:update()
    assert.are.equal(1024, s:getScale())
  end)

  it('skips a step with an inf gradient and backs off; grows after good steps', function()
    local p = torch.FloatTensor({1}):requiresGrad()
    local opt = optim.SGD({p}, {lr = 1})
    local s = torch.amp.GradScaler({initScale = 8, growthInterval = 2})
    p.grad = torch.FloatTensor({math.huge})
    assert.is_nil(s:step(opt))
    assert.are.equal(1, p[1])
    s:update()
    assert.are.equal(4, s:getScale())
    for _ = 1, 2 do
      p.grad = torch.FloatTensor({4})
      s:step(opt)
      s:update()
    end
    assert.are.equal(8, s:getScale())
    assert.are.equal(-1, p[1]) -- two steps of 4 / 4 = 1 each
    local sd = s:stateDict()
    local t = torch.amp.GradScaler()
    t:loadStateDict(sd)
    assert.are.equal(8, t:getScale())
  end)

  it('unscales a flat gradient (getParameters) and reports NaN', function()
    local s = torch.amp.GradScaler({initScale = 4})
    local g = torch.FloatTensor({4, 8})
    assert.is_true(s:unscale(g))
    assert.are.same({1, 2}, g:totable())
    s:update()
    local bad = torch.FloatTensor({0 / 0})
    assert.is_false(s:unscale(bad))
  end)

  U.error_cases({
    {'a non-positive option', function() torch.amp.GradScaler({initScale = 0}) end, 'GradScaler', 'initScale'},
    {'a step without an optimizer', function() torch.amp.GradScaler():step(3) end, 'GradScaler:step', 'optimizer'},
  })
end)

describe('torch.autocast on the GPU', function()
  -- a real GPU only (:cuda() modules): pending under LUTORCH_CUDA_SPEC_ON_CPU
  local gpu_it = C.on_cpu and function(name) it(name, function() pending('needs a real GPU') end) end
                 or C.gpu_it
  gpu_it('runs a cuda Linear in bf16 and its weight gradient in float32', function()
    local lin = nn.Linear(5, 4):cuda()
    local x = torch.CudaTensor(3, 5):uniform()
    local out = torch.cuda.amp.autocast(function() return lin(x) end)
    assert.are.equal('bfloat16', out:dtype())
    assert.is_true(out:isCuda())
    out:float():sum():backward()
    assert.are.equal('float32', lin.weight.grad:dtype())
    local ref = nn.Linear(5, 4)
    torch.no_grad(function() ref.weight:copy(lin.weight:float()); ref.bias:copy(lin.bias:float()) end)
    U.near(out:float():double(), ref(x:float()):double(), 0.05)
  end)
end)
