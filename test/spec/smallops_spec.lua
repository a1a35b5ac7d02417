-- The small-op path: torch.f(x, y) with exactly the op's tensor inputs skips
-- operand parsing (lua/binding/ops.c), same-shape contiguous operands skip
-- broadcasting (lib/ops/elementwise.c), and small results keep their data in
-- the storage block (lib/core/storage.c). Everything else falls back to the
-- general path: these cases check both give Torch7's answers.
-- Expected values are computed by hand.
local U = require 'testutil'

local F, D, L = torch.FloatTensor, torch.DoubleTensor, torch.LongTensor

describe('small ops, quick call', function()
  local cases = { -- {name, function, args, expected type, expected values}
    {'add 1 element', torch.add, {F{0.5}, F{0.25}}, 'torch.FloatTensor', {0.75}},
    {'cmul 1 element', torch.cmul, {F{0.5}, F{0.25}}, 'torch.FloatTensor', {0.125}},
    {'sub', torch.sub, {D{5, 7}, D{1, 2}}, 'torch.DoubleTensor', {4, 5}},
    {'cdiv integers', torch.cdiv, {L{7, -7}, L{2, 2}}, 'torch.LongTensor', {3, -3}},
    {'broadcast (general path)', torch.add, {F{1, 2, 3}, F{10}}, 'torch.FloatTensor', {11, 12, 13}},
    {'mixed dtypes (general path)', torch.add, {L{1, 2}, D{0.5, 0.5}}, 'torch.DoubleTensor', {1.5, 2.5}},
    {'comparison', torch.eq, {F{1, 2}, F{1, 3}}, 'torch.BoolTensor', {true, false}},
    {'unary', torch.neg, {F{1, -2}}, 'torch.FloatTensor', {-1, 2}},
    {'ternary addcmul', torch.addcmul, {F{1, 2}, F{2, 3}, F{4, 5}}, 'torch.FloatTensor', {9, 17}},
    {'float op on integers', torch.atan2, {L{0}, L{1}}, 'torch.FloatTensor', {0}},
    {'value multiplier (parsed)', torch.add, {F{1, 2}, 2, F{10, 20}}, 'torch.FloatTensor', {21, 42}},
    {'number operand (parsed)', torch.add, {F{1, 2}, 1}, 'torch.FloatTensor', {2, 3}},
  }
  for _, c in ipairs(cases) do
    it(c[1], function()
      local args = c[3]
      local before = {}
      for i, a in ipairs(args) do if torch.isTensor(a) then before[i] = a:totable() end end
      local r = c[2](unpack(args))
      assert.equal(c[4], r:type())
      assert.same(c[5], r:totable())
      for i, a in ipairs(args) do -- a new tensor; the inputs are untouched
        if torch.isTensor(a) then
          assert.is_false(a:_id() == r:_id())
          assert.same(before[i], a:totable())
        end
      end
    end)
  end

  it('works on non-contiguous operands', function()
    local m = F{{1, 2}, {3, 4}}
    assert.same({{2, 5}, {5, 8}}, torch.add(m, m:t()):totable())
  end)

  it('results own their storage and can grow', function()
    local r = torch.add(F{1}, F{2})
    r:resize(1000):fill(4)
    assert.equal(4000, r:sum())
    r:resize(2)
    assert.same({4, 4}, r:totable())
  end)

  it('keeps x = x*y + y at its fixed point over many steps (GC bursts)', function()
    local x, y = F{0.3}, F{0.5}
    for _ = 1, 100000 do x = torch.cmul(x, y) + y end
    assert.is_true(math.abs(x[1] - 1) < 1e-6)
  end)

  it('writes result-first forms into the given tensor', function()
    local res = F(2)
    local r = torch.add(res, F{1, 2}, F{3, 4})
    assert.equal(res:_id(), r:_id())
    assert.same({4, 6}, res:totable())
  end)

  it('records autograd and keeps version checks', function()
    local x = D{1, 2}:requiresGrad()
    local w = D{3, 4}
    torch.sum(torch.mul(x, x)):backward()
    assert.same({2, 4}, x.grad:totable())
    local y = torch.mul(x, w)
    w:add(1) -- in place on a saved input: backward must refuse
    U.raises(function() torch.sum(y):backward() end, 'torch.backward', 'modified by an in-place operation')
  end)
end)

describe('small ops, bad input', function()
  U.error_cases({
    {'sizes that do not broadcast', function() return torch.add(F{1, 2}, F{1, 2, 3}) end,
     'torch.add:', 'do not broadcast', '2 vs 3'},
    {'bool arithmetic', function() return torch.add(F{1}:bool(), F{1}:bool()) end,
     'torch.add:', 'not defined for bool'},
    {'a string operand', function() return torch.cmul(F{1}, 'a') end,
     'torch.mul:', 'argument 2', 'a tensor or a number'},
    {'a missing operand', function() return torch.cmul(F{1}) end, 'torch.mul:', 'expected 2 operands'},
    {'an in-place result of the wrong size', function() return F{1}:add(F{1, 2}) end,
     'torch.add:', 'in-place result'},
  })
end)
