-- The Lua GC is told about tensor memory: loops that drop tensors keep a
-- flat RSS without the user calling collectgarbage().
local U = require 'testutil'

local function rss_mib()
  local f = assert(io.open('/proc/self/statm'))
  local _, resident = f:read('*n', '*n')
  f:close()
  return resident * 4096 / 2 ^ 20
end

-- AddressSanitizer keeps freed memory in quarantine: RSS says nothing there.
local sanitized = os.getenv('LUTORCH_SANITIZE')

describe('tensor memory', function()
  it('stays flat when large tensors are dropped in a loop', function()
    if sanitized then return pending('RSS is not meaningful under AddressSanitizer') end
    collectgarbage()
    for _ = 1, 20 do local _ = torch.Tensor(1000000):fill(1) end -- warm up
    local before = rss_mib()
    for _ = 1, 500 do local _ = torch.Tensor(1000000):fill(1) end -- 2 GB in total
    local growth = rss_mib() - before
    assert.is_true(growth < 300, string.format('RSS grew by %.0f MiB', growth))
  end)

  it('stays flat when many small tensors are dropped in a loop', function()
    if sanitized then return pending('RSS is not meaningful under AddressSanitizer') end
    collectgarbage()
    for _ = 1, 10000 do local _ = torch.Tensor(4):fill(1) + 1 end
    local before = rss_mib()
    for _ = 1, 300000 do local _ = torch.Tensor(4):fill(1) + 1 end
    local growth = rss_mib() - before
    assert.is_true(growth < 100, string.format('RSS grew by %.0f MiB', growth))
  end)

  it('reports allocator statistics', function()
    local keep = torch.Tensor(1000)
    local s = torch.core.memory_stats()
    assert.is_true(s.allocated >= 4000)
    assert.is_true(s.allocated >= 0 and s.peak >= s.allocated and s.allocations > 0)
    for _, k in ipairs({'cached', 'cache_hits', 'cache_misses', 'cache_evictions', 'cache_limit'}) do
      assert.is_true(s[k] >= 0, k)
    end
  end)
end)

local function stats() return torch.core.memory_stats() end

describe('the large-block cache', function()
  before_each(function()
    if sanitized then return end
    collectgarbage()
    torch.core.empty_cache()
  end)

  it('serves a freed block again: a loop maps fresh memory once', function()
    if sanitized then return pending('large blocks are not cached under AddressSanitizer') end
    local s0 = stats()
    for _ = 1, 50 do
      local t = torch.FloatTensor(300000) -- 1.2 MB: the same size class every time
      t:fill(1)
      t = nil
      collectgarbage()
    end
    local s1 = stats()
    assert.is_true(s1.cache_misses - s0.cache_misses <= 2,
                   string.format('%d misses', s1.cache_misses - s0.cache_misses))
    assert.is_true(s1.cache_hits - s0.cache_hits >= 48)
  end)

  it('serves any size of a class (quarter octaves)', function()
    if sanitized then return pending('large blocks are not cached under AddressSanitizer') end
    local t = torch.FloatTensor(1100000) -- 4.4 MB: class (4, 5] MiB
    t = nil
    collectgarbage()
    local s0 = stats()
    local u = torch.FloatTensor(1200000) -- 4.8 MB, the same class
    assert.are.equal(s0.cache_hits + 1, stats().cache_hits)
    assert.are.equal(s0.cache_misses, stats().cache_misses)
    u = nil
  end)

  it('keeps live + cached within its limit and gives everything back on empty_cache', function()
    if sanitized then return pending('large blocks are not cached under AddressSanitizer') end
    local ts = {}
    for i = 1, 40 do ts[i] = torch.FloatTensor(100000 * i) end -- 40 sizes, 0.4 .. 16 MB
    ts = nil
    collectgarbage()
    local s = stats()
    assert.is_true(s.cached > 0)
    assert.is_true(s.cached <= s.cache_limit, string.format('cached %d, limit %d', s.cached,
                                                            s.cache_limit))
    -- sizes never asked for again: a fresh block of another size unmaps stale ones
    local big = torch.FloatTensor(30000000) -- 120 MB, more than the limit leaves room for
    big:fill(0)
    s = stats()
    assert.is_true(s.cache_evictions > 0)
    big = nil
    collectgarbage()
    torch.core.empty_cache()
    assert.are.equal(0, stats().cached)
  end)
end)

-- A Torch7 loop: forward, criterion, backward (getParameters). Each forward
-- releases the graph that Module:backward answered, so a step's garbage is
-- freed by a single collection (the graph of nn.Linear, a Lua autograd
-- Function, used to need one collection per layer).
describe('a Torch7-style training loop', function()
  local function mlp()
    torch.manualSeed(1)
    local m = nn.Sequential()
    for _ = 1, 4 do m:add(nn.Linear(128, 128)):add(nn.ReLU()) end
    m:add(nn.Linear(128, 10))
    return m, nn.CrossEntropyCriterion()
  end

  local function run(steps, model, crit, after_step)
    local params, grads = model:getParameters()
    local x = torch.randn(32, 128)
    local y = torch.LongTensor(32):random(1, 10)
    local loss
    for s = 1, steps do
      grads:zero()
      local out = model:forward(x)
      loss = crit:forward(out, y)
      model:backward(x, crit:backward(out, y))
      params:add(-0.01, grads)
      if after_step then after_step(s) end
    end
    return loss
  end

  setup(function() require 'nn' end)

  it('leaves no garbage that one collection cannot free', function()
    local model, crit = mlp()
    run(3, model, crit)
    collectgarbage()
    collectgarbage()
    local base = stats().allocated
    run(20, model, crit)
    collectgarbage() -- one collection: the old graphs are not a chain any more
    local left = stats().allocated - base
    assert.is_true(left < 256 * 1024, string.format('%.1f KiB left after one collection',
                                                     left / 1024))
  end)

  it('keeps a flat RSS over many steps', function()
    if sanitized then return pending('RSS is not meaningful under AddressSanitizer') end
    local model, crit = mlp()
    run(50, model, crit)
    local before, peak = rss_mib(), 0
    run(1000, model, crit, function(s) if s % 10 == 0 then peak = math.max(peak, rss_mib()) end end)
    -- the loop's own data is < 1 MiB; it grew by 2 MiB here, and by 66 MiB
    -- while each graph needed one collection per layer
    assert.is_true(peak - before < 32, string.format('RSS grew by %.0f MiB', peak - before))
  end)

  it('keeps the values of the old outputs; a second backward still works', function()
    local model, crit = mlp()
    local x, y = torch.randn(8, 128), torch.LongTensor(8):random(1, 10)
    local out1 = model:forward(x)
    local copy = out1:clone()
    local g = crit:backward(out1, y)
    local gi1 = model:backward(x, g):clone()
    local gw1 = model:get(1).gradWeight:clone()
    model:backward(x, g) -- Torch7: a second backward of the same forward accumulates
    U.near(model:get(1).gradWeight, gw1 * 2, 1e-5)
    local out2 = model:forward(x)
    assert.is_nil(out1.grad_fn, 'the answered graph is released')
    U.near(out1, copy, 0)
    assert.is_not_nil(out2.grad_fn)
    U.near(model:backward(x, g), gi1, 1e-5)
  end)

  it('keeps a graph that Module:backward did not answer', function()
    local model, crit = mlp()
    local x, y = torch.randn(8, 128), torch.LongTensor(8):random(1, 10)
    model:zeroGradParameters()
    local l1 = crit(model:forward(x), y)
    local l2 = crit(model:forward(x), y)
    torch.add(l1, l2):backward() -- both forwards' graphs are used
    local gw = model:get(1).gradWeight:clone()
    model:zeroGradParameters()
    crit(model:forward(x), y):backward()
    U.near(gw, model:get(1).gradWeight * 2, 1e-5)
  end)
end)
