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
  C.gpu_it('runs a cuda Linear in bf16 and its weight gradient in float32', function()
    local lin = nn.Linear(5, 4):cuda()
    local x = torch.CudaTensor(3, 5):uniform()
    local out = torch.cuda.amp.autocast(function() return lin(x) end)
    assert.are.equal('bfloat16', out:dtype())
    assert.is_true(out:isCuda())
    out:float():sum():backward()
    assert.are.equal('float32', lin.weight.grad:dtype())
    local ref = nn.Linear(5, 4)
    ref.weight:copy(lin.weight:float()); ref.bias:copy(lin.bias:float())
    U.near(out:float():double(), ref(x:float()):double(), 0.05)
  end)
end)
