-- Autograd of the index and shape ops: gradcheck and gradgradcheck of every
-- case in grad_index_cases.lua, a few gradients checked
-- against hand-computed values, recording names, and the in-place rules.
local U = require 'testutil'
local cases = require 'grad_index_cases'
local gradcheck, gradgradcheck = torch.autograd.gradcheck, torch.autograd.gradgradcheck
local L, B, D = torch.LongTensor, torch.BoolTensor, torch.DoubleTensor
local core = torch.core

local family = {'index', 'indexCopy', 'indexAdd', 'indexFill', 'gather', 'scatter', 'scatterAdd',
                'maskedFill', 'maskedSelect', 'maskedCopy', 'cat', 'stack', 'split', 'chunk',
                'repeatTensor', 'flip', 'roll'}

local function leaf(t) return D(t):requiresGrad(true) end
local function ones(y) return core.empty('float64', y:size()):fill(1) end

describe('index and shape ops in the op table', function()
  for _, name in ipairs(family) do
    it(name .. ' has a backward and gradcheck cases', function()
      assert(core.ops[name], name .. ' is not in the op table')
      assert.is_true(core.ops[name].differentiable)
      assert(cases[name] and #cases[name] > 0, 'no gradcheck case for ' .. name)
    end)
  end
  it('nonzero stays non-differentiable', function()
    assert.is_true(core.ops.nonzero.nondiff)
    local x = leaf{0, 1, 2}
    assert.is_false(x:nonzero():_requires_grad())
  end)
end)

describe('gradcheck and gradgradcheck', function()
  for _, name in ipairs(family) do
    describe(name, function()
      for _, c in ipairs(cases[name]) do
        it(c.name, function()
          assert.is_true(gradcheck(c[1], c[2]))
          assert.is_true(gradgradcheck(c[1], c[2]))
        end)
      end
    end)
  end
end)

-- gradients of sum(op(x)) (or of <op(x), w>) worked out by hand
describe('gradient values', function()
  local function grad_of(f, x, w)
    local y = f(x)
    y:backward(w or core.empty('float64', y:size()):fill(1))
    return x.grad:totable()
  end
  local value_cases = {
    {'index counts each read', function(x) return x:index(1, L{2, 2, 4}) end, {1, 2, 3, 4},
     {0, 2, 0, 1}},
    {'gather counts each read', function(x) return x:gather(2, L{{1, 1}, {2, 1}}) end,
     {{1, 2}, {3, 4}}, {{2, 0}, {1, 1}}},
    {'indexCopy zeroes the copied rows', function(x) return x:clone():indexCopy(1, L{2}, D{{9, 9}}) end,
     {{1, 2}, {3, 4}}, {{1, 1}, {0, 0}}},
    {'scatter zeroes the written places', function(x) return x:clone():scatter(2, L{{2}, {1}}, 0) end,
     {{1, 2}, {3, 4}}, {{1, 0}, {0, 1}}},
    {'maskedFill zeroes the filled places', function(x) return x:clone():maskedFill(B{true, false}, 5) end,
     {{1, 2}, {3, 4}}, {{0, 1}, {0, 1}}},
    {'maskedSelect sums a broadcast x', function(x) return x:maskedSelect(B{{true, true}, {false, true}}) end,
     {1, 2}, {1, 2}},
    {'repeatTensor sums the copies', function(x) return x:repeatTensor(2, 3) end, {1, 2}, {6, 6}},
    {'cat slices by piece', function(x) return torch.cat(x, x, 1) end, {1, 2}, {3, 7},
     D{1, 2, 2, 5}},
    {'flip reverses the gradient', function(x) return x:flip(1) end, {1, 2, 3}, {3, 2, 1}, D{1, 2, 3}},
    {'roll rolls it back', function(x) return x:roll(1, 1) end, {1, 2, 3}, {2, 3, 1}, D{1, 2, 3}},
  }
  for _, c in ipairs(value_cases) do
    it(c[1], function()
      assert.are.same(c[4], grad_of(c[2], leaf(c[3]), c[5]))
    end)
  end
  it('maskedCopy: the source gets the masked gradient, then zeros', function()
    local x, s = leaf{1, 2, 3}, leaf{{4, 5}, {6, 7}}
    local y = x:clone():maskedCopy(B{true, false, true}, s)
    y:backward(D{10, 20, 30})
    assert.are.same({0, 20, 0}, x.grad:totable())
    assert.are.same({{10, 30}, {0, 0}}, s.grad:totable())
  end)
  it('maskedFill with a tensor value: the value gets the masked sum', function()
    local x, v = leaf{1, 2, 3}, leaf{0}
    local y = x:clone():maskedFill(B{true, false, true}, v)
    y:backward(D{10, 20, 30})
    assert.are.same({40}, v.grad:totable())
    assert.are.same({0, 20, 0}, x.grad:totable())
  end)
end)

describe('recording', function()
  local x = leaf{{1, 2}, {3, 4}}
  local names = {
    {'index', function() return x:index(1, L{1}) end},
    {'gather', function() return x:gather(1, L{{1, 2}}) end},
    {'maskedSelect', function() return x:maskedSelect(B{true, false}) end},
    {'cat', function() return torch.cat(x, x, 1) end},
    {'stack', function() return torch.stack({x, x}) end},
    {'split', function() return x:split(1)[2] end},
    {'chunk', function() return x:chunk(2, 2)[1] end},
    {'repeatTensor', function() return x:repeatTensor(2, 1) end},
    {'flip', function() return x:flip(2) end},
    {'roll', function() return x:roll(1, 2) end},
    {'indexFill', function() return torch.indexFill(x, 1, L{1}, 0) end},
    {'scatterAdd', function() return torch.scatterAdd(x, 1, L{{1, 1}}, D{{1, 1}}) end},
    {'maskedCopy', function() return torch.maskedCopy(x, B{true, false}, D{1, 2}) end},
  }
  for _, c in ipairs(names) do
    it(c[1] .. ' names its node', function()
      assert.are.equal(c[1], c[2]().grad_fn.name)
    end)
  end
  it('nothing records under no_grad', function()
    torch.no_grad(function()
      assert.is_false(x:index(1, L{1}):_requires_grad())
      assert.is_false(torch.cat(x, x):_requires_grad())
      assert.is_false(x:split(1)[1]:_requires_grad())
    end)
  end)
  it('a result-first form records into the result', function()
    local r = D()
    torch.gather(r, x, 2, L{{2}, {1}})
    r:backward(ones(r))
    assert.are.same({{0, 1}, {1, 0}}, x.grad:totable())
    x.grad = nil
  end)
  it('in place on a tensor without history that takes a source requiring grad', function()
    local s = leaf{{5, 6}}
    local y = D{{1, 2}, {3, 4}}
    y:indexCopy(1, L{2}, s)
    assert.are.equal('indexCopy', y.grad_fn.name)
    y:backward(ones(y))
    assert.are.same({{1, 1}}, s.grad:totable())
  end)
end)

describe('in-place rules', function()
  local function x() return leaf{{1, 2}, {3, 4}} end
  -- values with a history cannot flow into a leaf in place
  local function src(v) return leaf(v) end
  U.error_cases({
    {'indexCopy of values that require grad into a leaf', function()
       x():indexCopy(1, L{1}, src{{0, 0}}) end, 'torch.indexCopy', 'leaf'},
    {'indexAdd of values that require grad into a leaf', function()
       x():indexAdd(1, L{1}, src{{0, 0}}) end, 'indexAdd', 'leaf'},
    {'scatterAdd of values that require grad into a leaf', function()
       x():scatterAdd(1, L{{1, 2}}, src{{1, 1}}) end, 'scatterAdd', 'leaf'},
    {'maskedCopy of values that require grad into a leaf', function()
       x():maskedCopy(B{true, false}, src{1, 2}) end, 'maskedCopy', 'leaf'},
    {'a write into a split piece', function()
       local y = torch.mul(x(), 2)
       y:split(1)[1]:maskedFill(B{true, false}, 0)
     end, 'maskedFill', 'view'},
  })
  it('an index changed after the op does not change the gradient (the op kept its own)', function()
    local a, idx = x(), L{1, 1}
    local y = a:index(1, idx)
    idx:fill(2)
    y:backward(ones(y))
    assert.are.same({{2, 2}, {0, 0}}, a.grad:totable())
  end)
  it('a mask changed after maskedSelect is caught at backward', function()
    local a, m = x(), B{true, false}
    local y = a:maskedSelect(m)
    m:fill(true)
    U.raises(function() y:backward(ones(y)) end, 'maskedSelect', 'modified')
  end)
  it('the refused write leaves the leaf untouched', function()
    local a = x()
    pcall(function() a:indexCopy(1, L{1}, src{{0, 0}}) end)
    assert.are.same({{1, 2}, {3, 4}}, a:detach():totable())
  end)
  it('plain values may be written into a leaf (Torch7 code does): it stays a leaf', function()
    local writes = {
      {function(a) a:indexFill(1, L{1}, 0) end, {{0, 0}, {3, 4}}},
      {function(a) a:indexCopy(1, L{2}, D{{7, 8}}) end, {{1, 2}, {7, 8}}},
      {function(a) a:scatter(2, L{{2}, {1}}, 5) end, {{1, 5}, {5, 4}}},
      {function(a) a:maskedFill(B{{true, false}, {false, true}}, 9) end, {{9, 2}, {3, 9}}},
      {function(a) a:indexAdd(1, L{1}, D{{1, 1}}) end, {{2, 3}, {3, 4}}},
    }
    for _, w in ipairs(writes) do
      local a = x()
      w[1](a)
      assert.are.same(w[2], a:detach():totable())
      assert.is_true(a.requires_grad)
      assert.is_nil(a.grad_fn)
      torch.mul(a, a):sum():backward() -- the gradient of the new values
      assert.are.same(torch.mul(a:detach(), 2):totable(), a.grad:totable())
    end
  end)
  it('a graph that saved a leaf notices a later write into it', function()
    local a = x()
    local y = torch.mul(a, a)
    a:indexFill(1, L{1}, 0)
    U.raises(function() y:backward(ones(y)) end, 'mul', 'modified')
  end)
  it('a failing op records nothing and leaves grad mode on', function()
    local a = x()
    local y = torch.mul(a, 1)
    local bad = {
      function() return a:index(1, L{5}) end,
      function() return y:scatter(1, L{{3, 1}}, D{{1, 1}}) end,
      function() return y:maskedCopy(B{true, true}, D{1}) end,
      function() return torch.cat(a, D{1, 2, 3}, 1) end,
      function() return a:roll(1, 3) end,
    }
    for _, f in ipairs(bad) do assert.is_false(pcall(f)) end
    assert.is_true(torch.is_grad_enabled())
    assert.are.equal('mul', y.grad_fn.name)
  end)
  it('is allowed on a leaf under no_grad', function()
    local a = x()
    torch.no_grad(function() a:indexFill(1, L{1}, 0) end)
    assert.are.same({{0, 0}, {3, 4}}, a:detach():totable())
    assert.is_true(a:isLeaf())
  end)
end)
