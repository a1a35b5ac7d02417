-- Gradient-check cases for the index and shape ops (lib/ops/index_grad.c,
-- shape.c): op name -> list of {fn, inputs, name = ...}. grad_index_spec.lua
-- runs gradcheck and gradgradcheck on each; gradcheck_spec.lua's other_cases
-- can take them as they are.
--
-- Inputs are float64 leaves that require grad; shapes from 1-D to 4-D,
-- non-contiguous ones (T: a transposed tensor, N: narrowed), negative dims,
-- duplicate indices where the op sums (index, gather, indexAdd,
-- scatterAdd), broadcast masks. In-place ops run on a clone (a leaf that
-- requires grad cannot be written) or on a non-leaf made by an op.
require 'torch'
local L, B = torch.LongTensor, torch.BoolTensor

local seed = 7
-- a float64 leaf of `shape` with values in [-1, 1); layout 'T' (2-D+: the
-- last two dims transposed in memory) or 'N' (narrowed along the last dim)
local function X(shape, layout)
  local s, n = {}, 1
  for i, v in ipairs(shape) do s[i] = v; n = n * v end
  local nd = #s
  if layout == 'T' then s[nd], s[nd - 1] = s[nd - 1], s[nd] end
  if layout == 'N' then n = n / s[nd] * (s[nd] + 1); s[nd] = s[nd] + 1 end
  local vals = {}
  for i = 1, n do
    seed = (seed * 1103515245 + 12345) % 2147483648
    vals[i] = seed / 1073741824 - 1
  end
  local t = torch.core.fromtable('float64', vals, s)
  if layout == 'T' then t = t:transpose(nd - 1, nd) end
  if layout == 'N' then t = t:narrow(nd, 2, shape[nd]) end
  if layout then assert(not t:isContiguous()) end
  return t:requiresGrad(true)
end

local function scalar()
  return torch.core.fromtable('float64', {0.3}, {}):requiresGrad(true)
end

local C = {}

-- index / indexSelect: duplicates accumulate
C.index = {
  {function(x) return x:index(1, L{3, 1, 3, 5}) end, {X{5}}, name = '1-D, duplicates'},
  {function(x) return x:index(2, L{4, 1, 1}) end, {X{3, 4}}, name = '2-D dim 2'},
  {function(x) return torch.index(x, -1, L{2, 2}) end, {X({2, 3, 3}, 'T')},
   name = '3-D dim -1, non-contiguous'},
  {function(x) return x:indexSelect(3, L{2, 1}) end, {X{2, 1, 2, 3}}, name = '4-D dim 3'},
  {function(x) return x:index(1, L{2}) end, {X({3, 2}, 'N')}, name = 'narrowed (non-contiguous) input'},
}

-- indexCopy: x's copied rows get no gradient, the source gets them
C.indexCopy = {
  {function(x, s) return x:clone():indexCopy(1, L{3, 1}, s) end, {X{4, 3}, X{2, 3}},
   name = '2-D dim 1'},
  {function(x, s) return torch.indexCopy(x, -1, L{2, 4}, s) end, {X{2, 3, 4}, X({2, 3, 2}, 'T')},
   name = '3-D dim -1, non-contiguous source'},
  {function(x, s) return x:clone():indexCopy(1, L{2}, s) end, {X{3}, X{1}}, name = '1-D'},
  {function(x, s)
     local y = torch.mul(x, 2) -- a non-leaf: recorded in place
     y:indexCopy(2, L{1}, s)
     return y
   end, {X{2, 2, 2, 2}, X{2, 1, 2, 2}}, name = '4-D in place on a non-leaf'},
}

-- indexAdd: identity for x, index of the gradient for the source
C.indexAdd = {
  {function(x, s) return x:clone():indexAdd(1, L{1, 3, 1}, s) end, {X{3, 2}, X{3, 2}},
   name = 'duplicates accumulate'},
  {function(x, s) return torch.indexAdd(x, -2, L{2, 1}, s) end, {X({3, 2, 3}, 'T'), X{3, 2, 3}},
   name = '3-D dim -2, non-contiguous'},
  {function(x, s) return x:clone():indexAdd(1, L{2, 2}, s) end, {X{4}, X{2}}, name = '1-D'},
}

C.indexFill = {
  {function(x) return x:clone():indexFill(2, L{1, 3}, 2.5) end, {X{2, 3}}, name = '2-D dim 2'},
  {function(x) return torch.indexFill(x, -1, L{2, 2}, 0) end, {X({2, 2, 3}, 'T')},
   name = '3-D dim -1, repeated index, non-contiguous'},
  {function(x)
     local y = torch.mul(x, 1.5)
     return y:indexFill(1, L{1}, -1)
   end, {X{2, 1, 2, 2}}, name = '4-D in place on a non-leaf'},
}

-- gather: each read adds back where it read; duplicates accumulate
C.gather = {
  {function(x) return x:gather(1, L{2, 2, 4}) end, {X{4}}, name = '1-D, duplicates'},
  {function(x) return x:gather(2, L{{1, 1, 4}, {2, 3, 3}}) end, {X{3, 4}},
   name = '2-D dim 2, index smaller than x'},
  {function(x) return torch.gather(x, -3, L{{{2, 1}}, {{1, 1}}}) end, {X({2, 2, 2}, 'T')},
   name = '3-D dim -3, non-contiguous'},
  {function(x) return x:gather(4, L{{{{3, 1}}}, {{{2, 2}}}}) end, {X{2, 1, 1, 3}}, name = '4-D dim 4'},
}

-- scatter: x loses the written positions, the source gets them (distinct
-- targets per line); a source larger than the index gets zeros elsewhere
C.scatter = {
  {function(x, s) return x:clone():scatter(1, L{{2, 1, 3}, {3, 2, 1}}, s) end, {X{3, 3}, X{2, 3}},
   name = '2-D dim 1'},
  {function(x, s) return torch.scatter(x, -1, L{{{2}, {1}}}, s) end, {X({1, 2, 3}, 'T'), X{2, 2, 2}},
   name = '3-D dim -1, source larger than the index, non-contiguous'},
  {function(x) return x:clone():scatter(2, L{{1, 3}}, 1.5) end, {X{2, 3}}, name = 'a value'},
  {function(x, s) return x:clone():scatter(1, L{3, 1}, s) end, {X{3}, X{2}}, name = '1-D'},
}

C.scatterAdd = {
  {function(x, s) return x:clone():scatterAdd(1, L{{1, 1}, {1, 2}, {1, 1}}, s) end,
   {X{2, 2}, X{3, 2}}, name = 'duplicates accumulate'},
  {function(x, s) return torch.scatterAdd(x, -2, L{{{2, 2}}, {{1, 2}}}, s) end,
   {X({2, 3, 2}, 'T'), X{2, 2, 3}}, name = '3-D dim -2, source larger, non-contiguous'},
  {function(x, s) return x:clone():scatterAdd(4, L{{{{1, 1, 2}}}}, s) end, {X{1, 1, 1, 2}, X{1, 1, 1, 3}},
   name = '4-D'},
}

local M23 = B{{true, false, true}, {false, false, true}}
C.maskedFill = {
  {function(x) return x:clone():maskedFill(M23, 0.5) end, {X{2, 3}}, name = '2-D'},
  {function(x) return torch.maskedFill(x, B{true, false, true}, -2) end, {X({2, 3}, 'T')},
   name = 'broadcast mask, non-contiguous'},
  {function(x, v) return x:clone():maskedFill(M23, v) end, {X{2, 3}, scalar()},
   name = 'a 0-dim tensor value'},
  {function(x)
     local y = torch.add(x, x)
     return y:maskedFill(B{{{true}}, {{false}}}, 1)
   end, {X{2, 2, 3}}, name = '3-D in place on a non-leaf, broadcast mask'},
}

C.maskedSelect = {
  {function(x) return x:maskedSelect(M23) end, {X{2, 3}}, name = '2-D'},
  {function(x) return x:maskedSelect(B{false, true, true}) end, {X({2, 3}, 'T')},
   name = 'broadcast mask, non-contiguous'},
  {function(x) return torch.maskedSelect(x, M23) end, {X{3}}, name = 'x broadcast to the mask'},
  {function(x) return x:maskedSelect(B{true, false}:view(1, 2, 1, 1)) end, {X{2, 2, 1, 2}},
   name = '4-D'},
}

-- maskedCopy: the source's first elements (as many as the mask selects) get
-- the gradient, the rest zero
C.maskedCopy = {
  {function(x, s) return x:clone():maskedCopy(M23, s) end, {X{2, 3}, X{2, 2}},
   name = '2-D, a larger 2-D source'},
  {function(x, s) return torch.maskedCopy(x, B{true, false, true}, s) end, {X({2, 3}, 'T'), X{4}},
   name = 'broadcast mask, non-contiguous'},
  {function(x, s)
     local y = torch.mul(x, 3)
     return y:maskedCopy(B{{{true, true}}}, s)
   end, {X{1, 2, 2}, X({2, 3}, 'T')}, name = 'in place on a non-leaf, non-contiguous source'},
}

C.cat = {
  {function(a, b) return torch.cat(a, b, 1) end, {X{2, 3}, X{1, 3}}, name = 'two tensors, dim 1'},
  {function(a, b, c) return torch.cat({a, b, c}, -1) end, {X{2, 1}, X({2, 3}, 'T'), X{2, 2}},
   name = 'a table, dim -1, non-contiguous'},
  {function(a, b) return torch.cat({a, torch.DoubleTensor(), b}) end, {X{3}, X{2}},
   name = 'skips an empty piece'},
  {function(a, b) return torch.cat({a, b}, 3) end, {X{2, 1, 1, 2}, X{2, 1, 2, 2}}, name = '4-D dim 3'},
  {function(a) return torch.cat({a, a}, 2) end, {X{2, 2}}, name = 'one tensor twice'},
}

C.stack = {
  {function(a, b) return torch.stack({a, b}) end, {X{3}, X{3}}, name = 'new dim 1'},
  {function(a, b, c) return torch.stack({a, b, c}, 2) end, {X{2, 2}, X({2, 2}, 'T'), X{2, 2}},
   name = 'dim 2, non-contiguous'},
  {function(a, b) return torch.stack({a, b}, -1) end, {X{2, 1, 2}, X{2, 1, 2}}, name = 'dim -1'},
}

-- split/chunk give views: each piece's gradient lands in its slice
C.split = {
  {function(x) return x:split(2) end, {X{5}}, name = '1-D, a shorter last piece'},
  {function(x) return x:split(1, -1) end, {X({2, 3}, 'T')}, name = 'dim -1, non-contiguous'},
  {function(x) local p = x:split(2, 3); return torch.mul(p[1], p[2]) end, {X{1, 2, 4, 1}},
   name = 'pieces combined'},
}
C.chunk = {
  {function(x) return x:chunk(2, 2) end, {X{2, 3}}, name = 'uneven'},
  {function(x) local p = x:chunk(3); return torch.add(p[3], p[1]) end, {X{3, 2, 2}},
   name = 'pieces combined'},
}

-- repeatTensor: each element's gradient sums its copies
C.repeatTensor = {
  {function(x) return x:repeatTensor(3) end, {X{2}}, name = '1-D'},
  {function(x) return x:repeatTensor(2, 1, 3) end, {X{2, 2}}, name = 'a new leading dim'},
  {function(x) return torch.repeatTensor(x, 2, 2) end, {X({3, 2}, 'T')}, name = 'non-contiguous'},
  {function(x) return x:repeatTensor(1, 2, 1, 2) end, {X{1, 2, 1, 2}}, name = '4-D'},
}

C.flip = {
  {function(x) return x:flip(1) end, {X{4}}, name = '1-D'},
  {function(x) return torch.flip(x, 1, 3) end, {X{2, 2, 3}}, name = 'two dims'},
  {function(x) return x:flip(-1) end, {X({2, 3}, 'T')}, name = 'dim -1, non-contiguous'},
}

C.roll = {
  {function(x) return x:roll(1, 1) end, {X{4}}, name = '1-D'},
  {function(x) return x:roll({1, -2}, {1, -1}) end, {X({3, 3}, 'T')}, name = 'two dims, non-contiguous'},
  {function(x) return x:roll(3) end, {X{2, 1, 2, 2}}, name = 'flattened'},
}

return C
