-- Shape ops: cat, stack, split, chunk, repeatTensor, flip, roll.
local U = require 'testutil'

local layouts = require 'layouts'
local types, value, make, flat, check =
  layouts.types, layouts.value, layouts.make, layouts.flat, layouts.check

local dtypes = {'float', 'long', 'byte', 'bool'}

-- Expected values below: PyTorch 1.13 (float64) on the same inputs, dims
-- shown 1-based: {name, ..., {expected sizes, expected values}}.

-- {name, pieces {{sizes, layout}} (piece i holds base 50*(i-1)), dim or nil}
local cat_cases = {
  {'cat 1-D', {{{3}, 'C'}, {{2}, 'N'}}, nil, {{5}, {1, 2, 3, 52, 53}}},
  {'cat 1-D three', {{{1}, 'C'}, {{4}, 'C'}, {{2}, 'C'}}, 1, {{7}, {1, 51, 52, 53, 54, 101, 102}}},
  {'cat 2-D dim 1', {{{2, 3}, 'C'}, {{1, 3}, 'T'}, {{3, 3}, 'N'}}, 1, {{6, 3}, {1, 2, 3, 4, 5, 6, 51, 52, 53, 104, 105, 106, 107, 108, 109, 110, 111, 112}}},
  {'cat 2-D dim 2 (default)', {{{2, 3}, 'T'}, {{2, 1}, 'C'}, {{2, 2}, 'N'}}, nil, {{2, 6}, {1, 3, 5, 51, 103, 104, 2, 4, 6, 52, 105, 106}}},
  {'cat 2-D dim -1', {{{2, 1}, 'C'}, {{2, 4}, 'T'}}, -1, {{2, 5}, {1, 51, 53, 55, 57, 2, 52, 54, 56, 58}}},
  {'cat 2-D empty piece', {{{0, 3}, 'C'}, {{2, 3}, 'C'}, {{0, 3}, 'C'}}, 1, {{2, 3}, {51, 52, 53, 54, 55, 56}}},
  {'cat 2-D legacy empty', {{{0}, 'C'}, {{2, 2}, 'T'}}, 1, {{2, 2}, {51, 53, 52, 54}}},
  {'cat 3-D dim 1', {{{1, 2, 2}, 'C'}, {{2, 2, 2}, 'T'}}, 1, {{3, 2, 2}, {1, 2, 3, 4, 51, 53, 52, 54, 55, 57, 56, 58}}},
  {'cat 3-D dim 2', {{{2, 1, 3}, 'N'}, {{2, 3, 3}, 'C'}, {{2, 0, 3}, 'C'}}, 2, {{2, 4, 3}, {4, 5, 6, 51, 52, 53, 54, 55, 56, 57, 58, 59, 7, 8, 9, 60, 61, 62, 63, 64, 65, 66, 67, 68}}},
  {'cat 3-D dim 3', {{{2, 2, 1}, 'C'}, {{2, 2, 3}, 'T'}}, 3, {{2, 2, 4}, {1, 51, 53, 55, 2, 52, 54, 56, 3, 57, 59, 61, 4, 58, 60, 62}}},
  {'cat 4-D dim 2', {{{2, 1, 2, 2}, 'T'}, {{2, 2, 2, 2}, 'N'}}, 2, {{2, 3, 2, 2}, {1, 3, 2, 4, 59, 60, 61, 62, 63, 64, 65, 66, 5, 7, 6, 8, 67, 68, 69, 70, 71, 72, 73, 74}}},
  {'cat 4-D dim -1', {{{1, 2, 2, 1}, 'C'}, {{1, 2, 2, 2}, 'C'}, {{1, 2, 2, 3}, 'T'}}, -1, {{1, 2, 2, 6}, {1, 51, 52, 101, 103, 105, 2, 53, 54, 102, 104, 106, 3, 55, 56, 107, 109, 111, 4, 57, 58, 108, 110, 112}}},
}

-- {name, sizes, layouts (piece i holds base 50*(i-1)), dim or nil}
local stack_cases = {
  {'stack 1-D', {3}, {'C', 'N'}, nil, {{2, 3}, {1, 2, 3, 52, 53, 54}}},
  {'stack 1-D dim 2', {3}, {'C', 'C', 'N'}, 2, {{3, 3}, {1, 51, 102, 2, 52, 103, 3, 53, 104}}},
  {'stack 2-D dim 2', {2, 3}, {'T', 'C'}, 2, {{2, 2, 3}, {1, 3, 5, 51, 52, 53, 2, 4, 6, 54, 55, 56}}},
  {'stack 2-D dim -1', {2, 3}, {'C', 'N'}, -1, {{2, 3, 2}, {1, 54, 2, 55, 3, 56, 4, 57, 5, 58, 6, 59}}},
  {'stack 3-D dim 4', {2, 1, 2}, {'C', 'T'}, 4, {{2, 1, 2, 2}, {1, 51, 2, 52, 3, 53, 4, 54}}},
}

-- {name, op, sizes, layout, size or count, dim or nil, {expected pieces}}
local split_cases = {
  {'split 5 C 2', 'split', {5}, 'C', 2, nil, {{{2}, {1, 2}}, {{2}, {3, 4}}, {{1}, {5}}}},
  {'split 5 N 5', 'split', {5}, 'N', 5, 1, {{{5}, {2, 3, 4, 5, 6}}}},
  {'split 5 C 7', 'split', {5}, 'C', 7, 1, {{{5}, {1, 2, 3, 4, 5}}}},
  {'split 3x4 T 3', 'split', {3, 4}, 'T', 3, 2, {{{3, 3}, {1, 4, 7, 2, 5, 8, 3, 6, 9}}, {{3, 1}, {10, 11, 12}}}},
  {'split 3x4 C 1', 'split', {3, 4}, 'C', 1, -2, {{{1, 4}, {1, 2, 3, 4}}, {{1, 4}, {5, 6, 7, 8}}, {{1, 4}, {9, 10, 11, 12}}}},
  {'split 2x3x4 N 2', 'split', {2, 3, 4}, 'N', 2, 3, {{{2, 3, 2}, {13, 14, 17, 18, 21, 22, 25, 26, 29, 30, 33, 34}}, {{2, 3, 2}, {15, 16, 19, 20, 23, 24, 27, 28, 31, 32, 35, 36}}}},
  {'split 0x2 C 2', 'split', {0, 2}, 'C', 2, 1, {{{0, 2}, {}}}},
  {'chunk 5 C 3', 'chunk', {5}, 'C', 3, nil, {{{2}, {1, 2}}, {{2}, {3, 4}}, {{1}, {5}}}},
  {'chunk 6 C 4', 'chunk', {6}, 'C', 4, 1, {{{2}, {1, 2}}, {{2}, {3, 4}}, {{2}, {5, 6}}}},
  {'chunk 3x4 T 2', 'chunk', {3, 4}, 'T', 2, 2, {{{3, 2}, {1, 4, 2, 5, 3, 6}}, {{3, 2}, {7, 10, 8, 11, 9, 12}}}},
  {'chunk 2x3x4 N 5', 'chunk', {2, 3, 4}, 'N', 5, -1, {{{2, 3, 1}, {13, 17, 21, 25, 29, 33}}, {{2, 3, 1}, {14, 18, 22, 26, 30, 34}}, {{2, 3, 1}, {15, 19, 23, 27, 31, 35}}, {{2, 3, 1}, {16, 20, 24, 28, 32, 36}}}},
  {'chunk 2x2x3x2 T 2', 'chunk', {2, 2, 3, 2}, 'T', 2, 3, {{{2, 2, 2, 2}, {1, 4, 2, 5, 7, 10, 8, 11, 13, 16, 14, 17, 19, 22, 20, 23}}, {{2, 2, 1, 2}, {3, 6, 9, 12, 15, 18, 21, 24}}}},
  {'chunk 0 C 3', 'chunk', {0}, 'C', 3, 1, {{{0}, {}}, {{0}, {}}, {{0}, {}}}},
}

-- {name, op, sizes, layout, args, expected}: repeatTensor reps, flip dims,
-- roll {shifts, dims or 'flat'}
local move_cases = {
  {'repeatTensor 1D C [2]', 'repeatTensor', {3}, 'C', {2}, {{6}, {1, 2, 3, 1, 2, 3}}},
  {'repeatTensor 1D N [2, 2]', 'repeatTensor', {3}, 'N', {2, 2}, {{2, 6}, {2, 3, 4, 2, 3, 4, 2, 3, 4, 2, 3, 4}}},
  {'repeatTensor 2D T [1, 2]', 'repeatTensor', {2, 3}, 'T', {1, 2}, {{2, 6}, {1, 3, 5, 1, 3, 5, 2, 4, 6, 2, 4, 6}}},
  {'repeatTensor 2D C [2, 1, 1]', 'repeatTensor', {2, 3}, 'C', {2, 1, 1}, {{2, 2, 3}, {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}}},
  {'repeatTensor 3D N [1, 3, 2]', 'repeatTensor', {2, 1, 2}, 'N', {1, 3, 2}, {{2, 3, 4}, {3, 4, 3, 4, 3, 4, 3, 4, 3, 4, 3, 4, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6, 5, 6}}},
  {'repeatTensor 4D T [2, 1, 1, 1]', 'repeatTensor', {2, 2, 1, 2}, 'T', {2, 1, 1, 1}, {{4, 2, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8}}},
  {'repeatTensor 1D C [0, 3]', 'repeatTensor', {2}, 'C', {0, 3}, {{0, 6}, {}}},
  {'flip 1D C [1]', 'flip', {5}, 'C', {1}, {{5}, {5, 4, 3, 2, 1}}},
  {'flip 1D N [-1]', 'flip', {5}, 'N', {-1}, {{5}, {6, 5, 4, 3, 2}}},
  {'flip 2D T [1]', 'flip', {3, 4}, 'T', {1}, {{3, 4}, {3, 6, 9, 12, 2, 5, 8, 11, 1, 4, 7, 10}}},
  {'flip 2D C [2]', 'flip', {3, 4}, 'C', {2}, {{3, 4}, {4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9}}},
  {'flip 2D N [1, -1]', 'flip', {3, 4}, 'N', {1, -1}, {{3, 4}, {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5}}},
  {'flip 3D T [2, 3]', 'flip', {2, 3, 4}, 'T', {2, 3}, {{2, 3, 4}, {12, 9, 6, 3, 11, 8, 5, 2, 10, 7, 4, 1, 24, 21, 18, 15, 23, 20, 17, 14, 22, 19, 16, 13}}},
  {'flip 3D C [1, 3]', 'flip', {2, 3, 4}, 'C', {1, 3}, {{2, 3, 4}, {16, 15, 14, 13, 20, 19, 18, 17, 24, 23, 22, 21, 4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9}}},
  {'flip 4D N [4, 1, 3]', 'flip', {2, 2, 3, 2}, 'N', {4, 1, 3}, {{2, 2, 3, 2}, {30, 29, 28, 27, 26, 25, 36, 35, 34, 33, 32, 31, 18, 17, 16, 15, 14, 13, 24, 23, 22, 21, 20, 19}}},
  {'flip 4D T [2]', 'flip', {2, 2, 3, 2}, 'T', {2}, {{2, 2, 3, 2}, {7, 10, 8, 11, 9, 12, 1, 4, 2, 5, 3, 6, 19, 22, 20, 23, 21, 24, 13, 16, 14, 17, 15, 18}}},
  {'roll 1D C [2] [1]', 'roll', {5}, 'C', {{2}, {1}}, {{5}, {4, 5, 1, 2, 3}}},
  {'roll 1D N [-7] [1]', 'roll', {5}, 'N', {{-7}, {1}}, {{5}, {4, 5, 6, 2, 3}}},
  {'roll 2D T [1] [2]', 'roll', {3, 4}, 'T', {{1}, {2}}, {{3, 4}, {10, 1, 4, 7, 11, 2, 5, 8, 12, 3, 6, 9}}},
  {'roll 2D C [5] None', 'roll', {3, 4}, 'C', {{5}, 'flat'}, {{3, 4}, {8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7}}},
  {'roll 2D N [-1, 2] [1, -1]', 'roll', {3, 4}, 'N', {{-1, 2}, {1, -1}}, {{3, 4}, {11, 12, 9, 10, 15, 16, 13, 14, 7, 8, 5, 6}}},
  {'roll 3D T [1, 1, 3] [1, 2, 3]', 'roll', {2, 3, 4}, 'T', {{1, 1, 3}, {1, 2, 3}}, {{2, 3, 4}, {18, 21, 24, 15, 16, 19, 22, 13, 17, 20, 23, 14, 6, 9, 12, 3, 4, 7, 10, 1, 5, 8, 11, 2}}},
  {'roll 3D C [1, 1] [3, 3]', 'roll', {2, 3, 4}, 'C', {{1, 1}, {3, 3}}, {{2, 3, 4}, {3, 4, 1, 2, 7, 8, 5, 6, 11, 12, 9, 10, 15, 16, 13, 14, 19, 20, 17, 18, 23, 24, 21, 22}}},
  {'roll 4D N [1, 2] [2, 3]', 'roll', {2, 2, 3, 2}, 'N', {{1, 2}, {2, 3}}, {{2, 2, 3, 2}, {21, 22, 23, 24, 19, 20, 15, 16, 17, 18, 13, 14, 33, 34, 35, 36, 31, 32, 27, 28, 29, 30, 25, 26}}},
  {'roll 2D T [-3] None', 'roll', {3, 4}, 'T', {{-3}, 'flat'}, {{3, 4}, {10, 2, 5, 8, 11, 3, 6, 9, 12, 1, 4, 7}}},
}

local function pieces(specs, dtype)
  local ps = {}
  for i, p in ipairs(specs) do ps[i] = make(p[1], p[2], dtype, 50 * (i - 1)) end
  return ps
end

describe('cat', function()
  for _, c in ipairs(cat_cases) do
    for _, dt in ipairs(dtypes) do
      it(c[1] .. ' (' .. dt .. ')', function()
        check(torch.cat(pieces(c[2], dt), c[3]), c[4], dt)
      end)
    end
  end

  it('takes two tensors, a result first, and works as a method', function()
    local a, b = torch.Tensor{{1, 2}}, torch.Tensor{{3, 4}}
    assert.are.same({{1, 2, 3, 4}}, torch.cat(a, b):totable())
    assert.are.same({{1, 2}, {3, 4}}, torch.cat(a, b, 1):totable())
    local res = torch.Tensor()
    assert.are.equal(res, torch.cat(res, a, b, 1))
    assert.are.same({{1, 2}, {3, 4}}, res:totable())
    torch.cat(res, {a, b, a})
    assert.are.same({{1, 2, 3, 4, 1, 2}}, res:totable())
    assert.are.same({{1, 2, 3, 4}}, a:cat(b):totable())
    assert.are.same({{1, 2}, {3, 4}}, a:cat(b, -2):totable())
  end)

  it('promotes mixed types and writes into a result that is also an input', function()
    local r = torch.cat(torch.LongTensor{1}, torch.Tensor{2.5})
    assert.are.equal('torch.FloatTensor', r:type())
    assert.are.same({1, 2.5}, r:totable())
    local a = torch.Tensor{1, 2}
    torch.cat(a, a, torch.Tensor{3})
    assert.are.same({1, 2, 3}, a:totable())
  end)

  it('of only empty tensors is empty', function()
    assert.are.equal(0, torch.cat(torch.Tensor(), torch.Tensor()):nElement())
  end)

  it('copies large pieces (parallel path)', function()
    local a, b = torch.range(1, 200000), torch.range(200001, 300000)
    U.near(torch.cat(a, b), torch.range(1, 300000), 0)
    local m = torch.range(1, 300000):view(1000, 300)
    local r = torch.cat({m:narrow(2, 1, 100), m:narrow(2, 101, 200):contiguous()}, 2)
    U.near(r, m, 0)
  end)
end)

describe('stack', function()
  for _, c in ipairs(stack_cases) do
    for _, dt in ipairs(dtypes) do
      it(c[1] .. ' (' .. dt .. ')', function()
        local ps = {}
        for i, l in ipairs(c[3]) do ps[i] = make(c[2], l, dt, 50 * (i - 1)) end
        check(torch.stack(ps, c[4]), c[5], dt)
      end)
    end
  end

  it('takes a result first', function()
    local res = torch.Tensor()
    torch.stack(res, {torch.Tensor{1, 2}, torch.Tensor{3, 4}}, 2)
    assert.are.same({{1, 3}, {2, 4}}, res:totable())
  end)
end)

describe('split and chunk', function()
  for _, c in ipairs(split_cases) do
    for _, dt in ipairs(dtypes) do
      it(c[1] .. ' (' .. dt .. ')', function()
        local x = make(c[3], c[4], dt)
        local ps = c[2] == 'split' and torch.split(x, c[5], c[6]) or x[c[2]](x, c[5], c[6])
        assert.are.equal(#c[7], #ps)
        for i, p in ipairs(ps) do check(p, c[7][i], dt) end
      end)
    end
  end

  it('returns views, and fills a result table', function()
    local x = torch.zeros(4, 2)
    local ps = x:split(3)
    ps[2]:fill(7)
    assert.are.same({{0, 0}, {0, 0}, {0, 0}, {7, 7}}, x:totable())
    local t = {1, 2, 3, 4, 5}
    assert.are.equal(t, torch.chunk(t, x, 2, 2))
    assert.are.equal(2, #t)
    assert.are.same({4, 1}, t[2]:size():totable())
  end)
end)

local move = {
  repeatTensor = function(x, a) return x:repeatTensor(unpack(a)) end,
  flip = function(x, a) return x:flip(unpack(a)) end,
  roll = function(x, a)
    if a[2] == 'flat' then return x:roll(a[1][1]) end
    return x:roll(a[1], a[2])
  end,
}

describe('repeatTensor, flip and roll', function()
  for _, c in ipairs(move_cases) do
    for _, dt in ipairs(dtypes) do
      it(c[1] .. ' (' .. dt .. ')', function()
        check(move[c[2]](make(c[3], c[4], dt), c[5]), c[6], dt)
      end)
    end
  end

  it('take sizes and dims as tables, and a result first', function()
    local x = torch.Tensor{{1, 2}}
    assert.are.same({{1, 2}, {1, 2}}, x:repeatTensor(torch.LongStorage{2, 1}):totable())
    local res = torch.Tensor()
    torch.repeatTensor(res, x, 1, 2)
    assert.are.same({{1, 2, 1, 2}}, res:totable())
    assert.are.same({{2, 1}}, torch.flip(x, {2}):totable())
    assert.are.same({{2, 1}}, torch.roll(x, {1}, {-1}):totable())
    assert.are.same({{2, 1}}, x:roll(1, 2):totable())
  end)

  it('handle 0-dim and empty tensors', function()
    local s = torch.Tensor{5}:view()
    assert.are.equal(5, s:roll(3):item())
    assert.are.same({2, 3}, torch.Tensor{5}:view():repeatTensor(2, 3):size():totable())
    assert.are.equal(0, torch.zeros(0, 3):flip(1):nElement())
    assert.are.equal(0, torch.zeros(0, 3):roll(2, 1):nElement())
  end)
end)

describe('bad input', function()
  local x = torch.zeros(2, 3)
  U.error_cases({
    {'cat of mismatched shapes', function() torch.cat(x, torch.zeros(2, 4), 1) end, 'torch.cat',
     'piece 1 has size 2x3', 'piece 2 has size 2x4', 'dimension 1'},
    {'cat of different ranks', function() torch.cat({x, x, torch.zeros(6)}) end, 'torch.cat',
     'piece 3 has size 6'},
    {'cat along a missing dim', function() torch.cat(x, x, 3) end, 'torch.cat', 'dimension 3'},
    {'cat along dim 0', function() torch.cat(x, x, 0) end, 'torch.cat', 'dimension 0'},
    {'cat of a table holding a number', function() torch.cat({x, 2}) end, 'torch.cat', 'element 2'},
    {'cat of an empty table', function() torch.cat({}) end, 'torch.cat', 'non-empty'},
    {'cat of a number', function() torch.cat(x, 1) end, 'torch.cat', 'expected a table'},
    {'cat of 0-dim tensors', function() torch.cat(torch.Tensor{1}:view(), torch.Tensor{1}:view()) end,
     'torch.cat', '0-dimensional'},
    {'stack of different shapes', function() torch.stack({x, torch.zeros(3, 2)}) end, 'torch.stack',
     'piece 2 has size 3x2'},
    {'stack along a missing dim', function() torch.stack({x, x}, 4) end, 'torch.stack', 'dimension 4'},
    {'split size 0', function() x:split(0) end, 'torch.split', 'split size must be positive, got 0'},
    {'a negative split size', function() torch.split(x, -2, 2) end, 'torch.split', 'positive'},
    {'chunk count 0', function() x:chunk(0) end, 'torch.chunk', 'positive, got 0'},
    {'split of a 0-dim tensor', function() torch.Tensor{1}:view():split(1) end, 'torch.split', '0-dimensional'},
    {'split along a missing dim', function() x:split(1, 5) end, 'torch.split', 'dimension 5'},
    {'too few repetitions', function() x:repeatTensor(2) end, 'torch.repeatTensor', 'need at least 2'},
    {'a negative repetition', function() x:repeatTensor(2, -1) end, 'torch.repeatTensor', 'negative'},
    {'flip of a repeated dim', function() x:flip(1, -2) end, 'torch.flip', 'dimension 1 given twice'},
    {'flip without dims', function() x:flip() end, 'torch.flip', 'dimension'},
    {'flip of a missing dim', function() x:flip(3) end, 'torch.flip', 'dimension 3'},
    {'roll with unpaired shifts', function() x:roll({1, 2}, {1}) end, 'torch.roll', 'pair up'},
    {'roll of a missing dim', function() x:roll(1, 3) end, 'torch.roll', 'dimension 3'},
    {'roll without a shift', function() x:roll() end, 'torch.roll', 'argument 2'},
  })
end)

describe('view of non-contiguous tensors with size-1 dims', function()
  -- a size-1 dim's stride is arbitrary: view must not trust it when it
  -- decides which dims are contiguous with each other
  it('gives the values of contiguous():view() whenever it succeeds', function()
    local g = torch.range(1, 36):view(2, 1, 2, 3, 1, 3):permute(1, 2, 4, 6, 3, 5)
    assert.are.same(g:contiguous():view(2, 9, 2, 1):totable(), g:view(2, 9, 2, 1):totable())
    assert.are.same(g:contiguous():view(2, 9, 2, 1):totable(), g:reshape(2, 9, 2, 1):totable())
    -- every permutation of a shape with size-1 dims, viewed as several shapes
    local base = torch.range(1, 24):view(2, 1, 3, 1, 4)
    local targets = {{24}, {2, 12}, {2, 3, 4}, {6, 4}, {2, 1, 12}, {1, 24, 1}, {2, 3, 1, 4}}
    local perms = {{1, 2, 3, 4, 5}, {1, 3, 2, 5, 4}, {2, 1, 4, 3, 5}, {1, 4, 3, 2, 5},
                   {3, 2, 1, 4, 5}, {5, 4, 3, 2, 1}, {1, 2, 5, 4, 3}}
    local checked = 0
    for _, p in ipairs(perms) do
      local x = base:permute(unpack(p))
      for _, shape in ipairs(targets) do
        local want = x:contiguous():view(unpack(shape)):totable()
        local ok, v = pcall(x.view, x, unpack(shape))
        if ok then
          assert.are.same(want, v:totable())
          checked = checked + 1
        end
        assert.are.same(want, x:reshape(unpack(shape)):totable())
      end
    end
    assert.is_true(checked > 10, 'only ' .. checked .. ' views were possible')
  end)
end)
