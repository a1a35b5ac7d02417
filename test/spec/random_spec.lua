local U = require 'testutil'

-- flat Lua array of a tensor's values
local function flat(t)
  local out = {}
  local function walk(x)
    if type(x) == 'table' then for _, v in ipairs(x) do walk(v) end
    else out[#out + 1] = x end
  end
  walk(t:totable())
  return out
end

local function stats(t)
  local v = flat(t)
  local s, s2, lo, hi = 0, 0, math.huge, -math.huge
  for _, x in ipairs(v) do
    s = s + x
    lo, hi = math.min(lo, x), math.max(hi, x)
  end
  local mean = s / #v
  for _, x in ipairs(v) do s2 = s2 + (x - mean) ^ 2 end
  return {mean = mean, std = math.sqrt(s2 / (#v - 1)), min = lo, max = hi, n = #v}
end

-- max |t - want| against a Lua list, without reductions
local function near(t, want, tol)
  local v = flat(t)
  assert.are.equal(#want, #v)
  for i = 1, #want do
    assert(math.abs(v[i] - want[i]) <= tol, string.format('element %d: %.17g vs %.17g', i, v[i], want[i]))
  end
end

local function same(a, b)
  local x, y = flat(a), flat(b)
  if #x ~= #y then return false end
  for i = 1, #x do if x[i] ~= y[i] then return false end end
  return true
end

describe('random: reproducibility', function()
  -- each maker draws something after a fixed seed
  local makers = {
    rand = function() return torch.rand(1000) end,
    randn = function() return torch.randn(20, 50, 'torch.DoubleTensor') end,
    randint = function() return torch.randint(-5, 5, 1000) end,
    randperm = function() return torch.randperm(500) end,
    multinomial = function() return torch.multinomial(torch.Tensor({{1, 2, 3}, {3, 0, 1}}), 50, true) end,
    multinomial_norep = function() return torch.multinomial(torch.Tensor({1, 2, 3, 4, 5}), 4) end,
    bernoulli = function() return torch.bernoulli(torch.Tensor(1000):fill(0.4)) end,
    fills = function()
      local t = torch.DoubleTensor(6, 7)
      local values = {}
      local function keep(x) for _, v in ipairs(flat(x)) do values[#values + 1] = v end end
      for _, f in ipairs({'uniform', 'normal', 'exponential', 'cauchy', 'logNormal', 'random'}) do
        keep(t[f](t))
      end
      keep(t:bernoulli(0.3))
      keep(t:geometric(0.3))
      return torch.DoubleTensor(values)
    end,
  }
  for name, make in pairs(makers) do
    it('gives the same ' .. name .. ' for the same seed, others for another seed', function()
      torch.manualSeed(1234)
      local a = make()
      torch.manualSeed(1234)
      local b = make()
      assert.is_true(same(a, b))
      torch.manualSeed(4321)
      assert.is_false(same(a, make()))
      assert.is_false(same(b, make())) -- the stream moves on
    end)
  end

  it('does not depend on the thread count', function()
    local saved = torch.getnumthreads()
    local function draw(threads)
      torch.setnumthreads(threads)
      torch.manualSeed(7)
      local r = {torch.rand(300000), torch.randn(500, 400):double(), torch.randint(0, 1000, 250000),
                 torch.bernoulli(torch.rand(200000)),
                 torch.multinomial(torch.rand(3000, 20), 5, true),
                 torch.multinomial(torch.rand(3000, 20), 5, false)}
      return r
    end
    local one, two, three = draw(1), draw(2), draw(3)
    torch.setnumthreads(saved)
    for i = 1, #one do
      assert.is_true(same(one[i], two[i]), 'draw ' .. i .. ' differs between 1 and 2 threads')
      assert.is_true(same(one[i], three[i]), 'draw ' .. i .. ' differs between 1 and 3 threads')
    end
  end)

  it('fills a non-contiguous view in its row-major order', function()
    torch.manualSeed(5)
    local want = torch.rand(4, 3)
    torch.manualSeed(5)
    local t = torch.Tensor(3, 4):t()
    t:uniform()
    assert.is_false(t:isContiguous())
    assert.is_true(same(want, t))
  end)

  it('replays from getRNGState / setRNGState', function()
    torch.manualSeed(99)
    torch.rand(10)
    local state = torch.getRNGState()
    assert.are.equal('torch.ByteTensor', state:type())
    assert.are.equal(24, state:nElement())
    local a = torch.randn(100)
    local b = torch.randperm(30)
    torch.setRNGState(state)
    assert.is_true(same(a, torch.randn(100)))
    assert.is_true(same(b, torch.randperm(30)))
    -- the state survives a trip through plain Lua numbers
    local copy = torch.ByteTensor(state:totable())
    torch.rand(3)
    torch.setRNGState(copy)
    assert.is_true(same(a, torch.randn(100)))
    assert.are.equal(99, torch.initialSeed())
  end)

  it('reports and picks seeds', function()
    torch.manualSeed(2024)
    assert.are.equal(2024, torch.initialSeed())
    local s = torch.seed()
    assert.are.equal('number', type(s))
    assert.are.equal(s, torch.initialSeed())
    assert.are.equal(math.floor(s), s)
    local a = torch.rand(5)
    torch.manualSeed(s)
    assert.is_true(same(a, torch.rand(5)))
    torch.manualSeed(-1) -- negative seeds wrap, as in PyTorch
    torch.manualSeed(0)
  end)

  it('keeps generator objects apart from the default stream', function()
    local g = torch.Generator()
    g:manualSeed(11)
    torch.manualSeed(11)
    local a = torch.rand(g, 50)
    local b = torch.rand(50)
    assert.is_true(same(a, b)) -- same seed, same numbers
    torch.manualSeed(3)
    local before = torch.getRNGState()
    torch.rand(g, 10); torch.randn(g, 10); torch.Tensor(5):uniform(g, 2, 3)
    torch.randperm(g, 10); torch.multinomial(g, torch.Tensor({1, 1}), 3, true)
    assert.is_true(same(before, torch.getRNGState())) -- default untouched
    assert.are.equal(11, g:initialSeed())
    local s = g:getRNGState()
    local x = torch.rand(g, 20)
    g:setRNGState(s)
    assert.is_true(same(x, torch.rand(g, 20)))
    assert.is_true(torch.isGenerator(g))
    assert.is_false(torch.isGenerator(torch.rand(1)))
  end)

  -- literal values from an independent Philox4x32-10 written in Python
  -- (random.h layout: counter = offset + element index, key = seed)
  it('matches reference values', function()
    torch.manualSeed(123)
    near(torch.rand(4), {0.06694769859313965, 0.6396496295928955, 0.17229235172271729,
                         0.11875653266906738}, 0)
    torch.manualSeed(123)
    near(torch.rand(3, 'torch.DoubleTensor'),
         {0.06694774990955643, 0.6396496478676003, 0.17229239019808817}, 0)
    torch.manualSeed(123)
    near(torch.randn(3, 'torch.DoubleTensor'),
         {-0.0028333134072774267, 0.3865644714848524, -0.19383170082987514}, 1e-15)
    torch.manualSeed(7)
    assert.are.same({6, 7, 4, 5, 2, 1, 3, 8}, torch.randperm(8):totable())
    torch.manualSeed(99)
    assert.are.same({5, 5, 3, 5, 2, 5, 4, 2}, torch.LongTensor(8):random(1, 6):totable())
  end)
end)

describe('random: distributions', function()
  local N = 100000
  before_each(function() torch.manualSeed(31337) end)

  -- {name, make, mean, std, min (inclusive), max (exclusive or inclusive per case), tol}
  local cases = {
    {'rand', function() return torch.rand(N) end, 0.5, math.sqrt(1 / 12), 0, 1},
    {'uniform(-2, 3)', function() return torch.DoubleTensor(N):uniform(-2, 3) end, 0.5, 5 / math.sqrt(12), -2, 3},
    {'randn', function() return torch.randn(N) end, 0, 1},
    {'normal(3, 2)', function() return torch.DoubleTensor(N):normal(3, 2) end, 3, 2, nil, nil, 0.04},
    {'exponential(2)', function() return torch.Tensor(N):exponential(2) end, 0.5, 0.5, 0},
    {'bernoulli(0.3)', function() return torch.Tensor(N):bernoulli(0.3) end, 0.3, math.sqrt(0.21), 0, 1},
    {'logNormal(0, 0.5)', function() return torch.DoubleTensor(N):logNormal(0, 0.5) end,
     math.exp(0.125), math.sqrt((math.exp(0.25) - 1) * math.exp(0.25)), 0},
    {'geometric(0.25)', function() return torch.DoubleTensor(N):geometric(0.25) end, 4, math.sqrt(0.75) / 0.25, 1, nil, 0.1},
    {'randint(-3, 4)', function() return torch.randint(-3, 4, N) end, 0, 2, -3, 3},
    {'random(1, 6)', function() return torch.IntTensor(N):random(1, 6) end, 3.5, math.sqrt(35 / 12), 1, 6},
  }
  for _, c in ipairs(cases) do
    it('draws ' .. c[1] .. ' with the expected mean and spread', function()
      local s = stats(c[2]())
      local tol = c[7] or 0.02
      assert(math.abs(s.mean - c[3]) <= tol, string.format('mean %g, expected %g', s.mean, c[3]))
      assert(math.abs(s.std - c[4]) <= tol, string.format('std %g, expected %g', s.std, c[4]))
      if c[5] then assert(s.min >= c[5], 'min ' .. s.min) end
      if c[6] then assert(s.max <= c[6], 'max ' .. s.max) end
    end)
  end

  it('keeps uniform in [a, b) and hits both ends of integer ranges', function()
    local u = stats(torch.Tensor(N):uniform(2, 2.0001))
    assert.is_true(u.min >= 2 and u.max < 2.0001)
    local r = stats(torch.LongTensor(N):random(1, 6))
    assert.are.same({1, 6}, {r.min, r.max})
    local k = stats(torch.randint(-3, 4, N))
    assert.are.same({-3, 3}, {k.min, k.max})
    local b = stats(torch.ByteTensor(N):random())
    assert.is_true(b.min == 0 and b.max == 255)
    local f = flat(torch.Tensor(1000):random(10))
    for _, x in ipairs(f) do assert.is_true(x == math.floor(x) and x >= 1 and x <= 10) end
    local x = torch.random()
    assert.is_true(x >= 0 and x < 2 ^ 32 and x == math.floor(x))
    local y = torch.random(3, 5)
    assert.is_true(y >= 3 and y <= 5)
    assert.are.equal(7, torch.random(7, 7))
  end)

  it('draws cauchy around its median', function()
    local v = flat(torch.DoubleTensor(N):cauchy(1, 2))
    local below = 0
    for _, x in ipairs(v) do if x < 1 then below = below + 1 end end
    assert.is_true(math.abs(below / N - 0.5) < 0.01)
  end)

  it('makes permutations', function()
    for _, n in ipairs({0, 1, 2, 10, 1000}) do
      local p = flat(torch.randperm(n))
      table.sort(p)
      assert.are.equal(n, #p)
      for i = 1, n do assert.are.equal(i, p[i]) end
    end
    assert.are.equal('torch.DoubleTensor', torch.randperm(5, 'torch.DoubleTensor'):type())
  end)

  it('samples multinomial frequencies with replacement', function()
    local p = {0.1, 0.2, 0.3, 0.4}
    local draws = flat(torch.multinomial(torch.Tensor({1, 2, 3, 4}), N, true))
    local count = {0, 0, 0, 0}
    for _, i in ipairs(draws) do count[i] = count[i] + 1 end
    for i = 1, 4 do assert.is_true(math.abs(count[i] / N - p[i]) < 0.01, 'category ' .. i) end
  end)

  it('samples without replacement in proportion, never repeating nor picking zeros', function()
    local rows = 20000
    local probs = torch.Tensor({{0.1, 0, 0.2, 0.3, 0.4}}):expand(rows, 5):contiguous()
    local s = torch.multinomial(probs, 3):totable()
    local first = {0, 0, 0, 0, 0}
    for _, r in ipairs(s) do
      assert.is_true(r[1] ~= r[2] and r[1] ~= r[3] and r[2] ~= r[3])
      for _, i in ipairs(r) do assert.are_not.equal(2, i) end
      first[r[1]] = first[r[1]] + 1
    end
    for i, p in ipairs({0.1, 0, 0.2, 0.3, 0.4}) do
      assert.is_true(math.abs(first[i] / rows - p) < 0.015, 'category ' .. i)
    end
    local all = flat(torch.multinomial(torch.Tensor({5, 1, 1, 2}), 4))
    table.sort(all)
    assert.are.same({1, 2, 3, 4}, all)
  end)

  it('draws bernoulli from a tensor of probabilities', function()
    local p = torch.Tensor({0, 1, 0, 1, 0.5}):view(5, 1):expand(5, 2000)
    local t = torch.bernoulli(p:contiguous())
    local rows = t:totable()
    for j = 1, 2000 do
      assert.are.same({0, 1, 0, 1}, {rows[1][j], rows[2][j], rows[3][j], rows[4][j]})
    end
    local half = stats(t[5])
    assert.is_true(math.abs(half.mean - 0.5) < 0.04)
    -- broadcast into an in-place fill of another dtype
    local b = torch.ByteTensor(3, 2):bernoulli(torch.Tensor({1, 0}))
    assert.are.same({{1, 0}, {1, 0}, {1, 0}}, b:totable())
    local x = torch.bernoulli(0.25)
    assert.is_true(x == 0 or x == 1)
  end)
end)

describe('random: types and forms', function()
  it('makes the default type, a named type or fills a result', function()
    assert.are.equal('torch.FloatTensor', torch.rand(2):type())
    assert.are.equal('torch.DoubleTensor', torch.rand(2, 3, 'torch.DoubleTensor'):type())
    assert.are.equal('torch.DoubleTensor', torch.randn(torch.LongStorage({2, 3}), 'torch.DoubleTensor'):type())
    assert.are.same({2, 3}, torch.rand({2, 3}):size():totable())
    assert.are.same({4, 5}, torch.randn(torch.LongStorage({4, 5})):size():totable())
    torch.setdefaulttensortype('torch.DoubleTensor')
    assert.are.equal('torch.DoubleTensor', torch.randn(2):type())
    torch.setdefaulttensortype('torch.FloatTensor')
    assert.are.equal('torch.LongTensor', torch.randint(0, 3, 4):type())
    assert.are.equal('torch.IntTensor', torch.randint(0, 3, 4, 'torch.IntTensor'):type())
    assert.are.same({2, 2}, torch.randint(10, {2, 2}):size():totable())
    assert.are.equal('torch.LongTensor', torch.randperm(3):type())
    assert.are.equal('torch.LongTensor', torch.multinomial(torch.Tensor({1, 1}), 1):type())
    local res = torch.Tensor()
    assert.are.equal(res, torch.rand(res, 2, 3))
    assert.are.same({2, 3}, res:size():totable())
    local idx = torch.LongTensor()
    assert.are.equal(idx, torch.multinomial(idx, torch.Tensor({1, 2}), 5, true))
    assert.are.same({5}, idx:size():totable())
    local perm = torch.LongTensor()
    assert.are.equal(perm, torch.randperm(perm, 4))
    local t = torch.Tensor(3)
    assert.are.equal(t, t:uniform())
    assert.are.equal(t, t:normal(1, 2))
    assert.are.equal(3, torch.rand(3):double():nElement())
    local h = torch.HalfTensor(10):uniform(0, 1)
    assert.are.equal('torch.HalfTensor', h:type())
  end)

  it('registers every random op as never differentiable', function()
    for _, name in ipairs({'uniform', 'normal', 'exponential', 'cauchy', 'logNormal', 'bernoulli',
                           'geometric', 'random', 'randperm', 'multinomial'}) do
      local op = torch.core.ops[name]
      assert.is_not_nil(op, name)
      assert.are.equal('other', op.kind)
      assert.is_true(op.nondiff)
    end
  end)
end)

describe('random: bad input', function()
  local t = torch.Tensor(4)
  U.error_cases({
    {'a negative size', function() torch.rand(-1) end, 'torch.rand', 'negative'},
    {'a fractional size', function() torch.randn(2.5) end, 'torch.randn', 'integer'},
    {'an unknown type name', function() torch.rand(2, 'torch.FooTensor') end, 'torch.rand', 'unknown type'},
    {'uniform with a > b', function() t:uniform(2, 1) end, 'torch.uniform', 'a <= b'},
    {'uniform with a non-number', function() t:uniform('x') end, 'torch.uniform', 'expected a number'},
    {'uniform on an integer tensor', function() torch.LongTensor(2):uniform() end, 'torch.uniform', 'floating-point'},
    {'normal with a negative std', function() t:normal(0, -1) end, 'torch.normal', 'std >= 0'},
    {'exponential with lambda 0', function() t:exponential(0) end, 'torch.exponential', 'lambda > 0'},
    {'geometric with p 0', function() t:geometric(0) end, 'torch.geometric', '(0, 1]'},
    {'bernoulli with p > 1', function() t:bernoulli(1.5) end, 'torch.bernoulli', '[0, 1]'},
    {'bernoulli with a bad probability tensor', function() t:bernoulli(torch.Tensor({0.2, 2, 0, 0})) end,
     'torch.bernoulli', 'element 2'},
    {'bernoulli with probabilities of another shape', function() t:bernoulli(torch.Tensor(3):fill(0.5)) end,
     'torch.bernoulli', 'broadcast'},
    {'random with a > b', function() t:random(5, 1) end, 'torch.random', 'a <= b'},
    {'random with fractional bounds', function() t:random(1.5, 3) end, 'torch.random', 'integer'},
    {'random outside the dtype', function() torch.ByteTensor(2):random(0, 300) end, 'torch.random', 'uint8'},
    {'randint with low >= high', function() torch.randint(5, 5, 3) end, 'torch.randint', 'low < high'},
    {'randperm of a negative n', function() torch.randperm(-3) end, 'torch.randperm', 'n >= 0'},
    {'randperm into a too small type', function() torch.randperm(300, 'torch.ByteTensor') end,
     'torch.randperm', 'cannot hold'},
    {'multinomial with negative probabilities', function() torch.multinomial(torch.Tensor({0.5, -0.1}), 1) end,
     'torch.multinomial', '>= 0'},
    {'multinomial with an all-zero row', function() torch.multinomial(torch.Tensor({{1, 1}, {0, 0}}), 1) end,
     'torch.multinomial', 'row 2 sums to zero'},
    {'multinomial of more samples than non-zero categories', function()
      torch.multinomial(torch.Tensor({1, 0, 1}), 3) end, 'torch.multinomial', 'non-zero'},
    {'multinomial of more samples than categories', function()
      torch.multinomial(torch.Tensor({1, 1}), 3) end, 'torch.multinomial', 'without replacement'},
    {'multinomial of zero samples', function() torch.multinomial(torch.Tensor({1, 1}), 0, true) end,
     'torch.multinomial', '>= 1'},
    {'multinomial of a 3-D tensor', function() torch.multinomial(torch.rand(2, 2, 2), 1) end,
     'torch.multinomial', '1-D or 2-D'},
    {'multinomial without probabilities', function() torch.multinomial(3, 1) end,
     'torch.multinomial', 'tensor of probabilities'},
    {'a non-number seed', function() torch.manualSeed('abc') end, 'torch.manualSeed', 'integer seed'},
    {'a fractional seed', function() torch.manualSeed(1.5) end, 'torch.manualSeed', 'integer seed'},
    {'a state of the wrong size', function() torch.setRNGState(torch.ByteTensor(3)) end,
     'torch.setRNGState', 'getRNGState'},
    {'a state with a bad header', function() torch.setRNGState(torch.ByteTensor(24):fill(0)) end,
     'torch.setRNGState', 'bad header'},
    {'a state that is not a tensor', function() torch.setRNGState({}) end, 'torch.setRNGState', 'tensor'},
  })
end)
