local U = require 'testutil'

describe('tensor construction', function()
  it('runs under LuaJIT', function() assert.is_not_nil(jit) end)

  it('makes tensors from sizes, tables and storages', function()
    local t = torch.Tensor(2, 3)
    assert.are.equal(2, t:dim())
    assert.are.equal(6, t:nElement())
    assert.are.equal('torch.FloatTensor', t:type())
    local u = torch.Tensor({{1, 2, 3}, {4, 5, 6}})
    assert.are.same({{1, 2, 3}, {4, 5, 6}}, u:totable())
    local s = torch.DoubleStorage({1, 2, 3, 4})
    local v = torch.DoubleTensor(s, 2, torch.LongStorage({3}))
    assert.are.same({2, 3, 4}, v:totable())
    v[1] = 10
    assert.are.equal(10, s[2]) -- shares the storage
    assert.are.equal(0, torch.Tensor():nElement())
  end)

  it('follows the default tensor type', function()
    torch.setdefaulttensortype('torch.DoubleTensor')
    assert.are.equal('torch.DoubleTensor', torch.Tensor(1):type())
    torch.setdefaulttensortype('torch.FloatTensor')
    assert.are.equal('torch.FloatTensor', torch.Tensor(1):type())
  end)

  it('converts between every dtype', function()
    local x = torch.Tensor({-2, 0, 1.5, 3})
    for _, name in ipairs({'double', 'float', 'long', 'int', 'short', 'char', 'byte', 'bool', 'half'}) do
      local y = x[name](x)
      assert.are.equal(4, y:nElement())
    end
    assert.are.same({-2, 0, 1, 3}, x:long():totable())
    assert.are.same({true, false, true, true}, x:bool():totable())
    assert.are.same({-2, 0, 1.5, 3}, x:half():float():totable())
  end)
end)

describe('sizes and views', function()
  it('reports sizes like Torch7', function()
    local t = torch.zeros(2, 3, 4)
    assert.are.equal(3, t:size(2))
    assert.are.equal(4, t:size(-1))
    assert.are.equal(3, #t:size())
    assert.are.same({12, 4, 1}, t:stride():totable())
  end)

  it('shares storage between views', function()
    local t = torch.zeros(3, 4)
    t:narrow(2, 2, 2):fill(1)
    assert.are.equal(6, t:sum())
    t:select(1, 3):fill(2)
    assert.are.equal(2, t[3][4])
    local tt = t:t()
    assert.are.equal(2, tt[4][3])
    assert.is_false(tt:isContiguous())
    assert.are.same({4, 3}, tt:contiguous():view(4, 3):size():totable())
  end)

  it('slices with tables', function()
    local t = torch.range(1, 12):view(3, 4)
    assert.are.same({{2, 3}, {6, 7}}, t[{{1, 2}, {2, 3}}]:totable())
    assert.are.same({4, 8, 12}, t[{{}, -1}]:totable())
    t[{2, {}}] = 0
    assert.are.equal(0, t[2]:sum())
    t[{{1}, {1, 2}}] = torch.Tensor({{7, 8}})
    assert.are.same({7, 8, 3, 4}, t[1]:totable())
  end)
end)

describe('elementwise math', function()
  it('is in place as a method and allocating as a function', function()
    local x = torch.Tensor({1, 2, 3})
    local y = torch.exp(x)
    assert.are.equal(1, x[1])
    U.near(y, torch.Tensor({math.exp(1), math.exp(2), math.exp(3)}), 1e-5)
    x:exp()
    U.near(x, y, 0)
  end)

  it('supports the result-first form', function()
    local a, b, r = torch.Tensor({1, 2}), torch.Tensor({3, 4}), torch.Tensor()
    torch.add(r, a, b)
    assert.are.same({4, 6}, r:totable())
    torch.add(r, a, 10, b)
    assert.are.same({31, 42}, r:totable())
    a:add(2, b)
    assert.are.same({7, 10}, a:totable())
  end)

  it('broadcasts', function()
    local a = torch.Tensor({{1}, {2}})
    local b = torch.Tensor({10, 20, 30})
    assert.are.same({{11, 21, 31}, {12, 22, 32}}, (a + b):totable())
  end)

  it('has operators', function()
    local a = torch.Tensor({1, 2})
    assert.are.same({2, 4}, (a * 2):totable())
    assert.are.same({-1, -2}, (-a):totable())
    assert.are.same({0, 1}, (a - 1):totable())
    assert.are.same({0.5, 1}, (a / 2):totable())
    assert.are.same({9, 8}, (10 - a):totable())
  end)

  it('compares into bool tensors', function()
    local a = torch.Tensor({1, 5, 3})
    assert.are.same({false, true, true}, a:gt(2):totable())
    assert.are.equal('torch.BoolTensor', torch.eq(a, 5):type())
  end)

  it('divides integers by zero without trapping', function()
    local a = torch.LongTensor({7, -7})
    assert.are.same({0, 0}, (a / 0):totable())
    assert.are.same({3, -3}, (a / 2):totable())
  end)
end)

describe('bad input', function()
  U.error_cases({
    {'a negative size', function() torch.Tensor(-2) end, 'torch.Tensor', 'negative'},
    {'non-broadcastable sizes', function() return torch.Tensor(2, 3) + torch.Tensor(4) end,
     'torch.add', 'broadcast'},
    {'a string operand', function() torch.add(torch.Tensor(2), 'x') end, 'torch.add', 'argument 2'},
    {'an out-of-range index', function() return torch.Tensor(3)[4] end, 'out of range'},
    {'an out-of-range dimension', function() torch.Tensor(3):size(2) end, 'torch.size', 'dimension 2'},
    {'a bad view', function() torch.Tensor(6):view(4) end, 'torch.view', '6 elements'},
    {'a non-contiguous view', function() torch.Tensor(2, 3):t():view(6) end, 'torch.view', 'contiguous'},
    {'narrow past the end', function() torch.Tensor(3):narrow(1, 2, 3) end, 'torch.narrow', 'out of bounds'},
    {'a ragged table', function() torch.Tensor({{1, 2}, {3}}) end, 'ragged'},
    {'an unknown type', function() torch.Tensor(2):type('torch.FooTensor') end, 'unknown type'},
    {'in-place broadcast growth', function() torch.Tensor(3):add(torch.Tensor(2, 3)) end,
     'torch.add', 'in-place'},
    {'exp of a bool tensor in place', function() torch.BoolTensor(2):exp() end, 'torch.exp'},
    {'too many slice indices', function() return torch.Tensor(2)[{1, 1}] end, 'too many indices'},
  })
end)

describe('torch.type', function()
  it('names tensors, storages and classes, and falls back to Lua types (Torch7)', function()
    require 'nn'
    local cases = {
      {torch.FloatTensor(2), 'torch.FloatTensor'}, {torch.LongTensor(), 'torch.LongTensor'},
      {torch.DoubleStorage(3), 'torch.DoubleStorage'}, {nn.Linear(2, 3), 'nn.Linear'},
      {nn.Sequential(), 'nn.Sequential'}, {torch.Generator(), 'torch.Generator'},
      {torch.Timer(), 'torch.Timer'}, {{}, 'table'}, {1.5, 'number'}, {'s', 'string'},
      {true, 'boolean'}, {print, 'function'},
    }
    for _, c in ipairs(cases) do assert.equal(c[2], torch.type(c[1])) end
    assert.equal('nil', torch.type(nil))
    assert.is_nil(torch.typename({}))
  end)

  it("has x.new, the constructor of x's own type (Torch7)", function()
    local d = torch.DoubleTensor(2)
    assert.equal('torch.DoubleTensor', d.new():type())
    assert.same({2, 3}, d.new(2, 3):size():totable())
    assert.same({1, 2}, torch.LongTensor(1).new({1, 2}):totable())
    assert.equal('torch.LongTensor', torch.LongTensor(1).new({1, 2}):type())
    assert.is_nil(d.no_such_field)
  end)

  it('gives the bytes per element of tensors and storages (elementSize)', function()
    local cases = {{torch.FloatTensor(2), 4}, {torch.DoubleTensor(2, 2):t(), 8},
                   {torch.LongTensor(), 8}, {torch.IntTensor(1), 4}, {torch.ShortTensor(1), 2},
                   {torch.CharTensor(1), 1}, {torch.ByteTensor(1), 1}, {torch.BoolTensor(1), 1},
                   {torch.HalfTensor(1), 2}, {torch.FloatStorage(3), 4}, {torch.ByteStorage(3), 1}}
    for _, c in ipairs(cases) do
      assert.equal(c[2], c[1]:elementSize())
      assert.equal(c[2], c[1]:element_size())
    end
  end)
end)
