-- Test inputs in several memory layouts, shared by the index and shape specs.
local assert = require 'luassert' -- busted's assert lives in the spec's environment
-- Inputs: the values base+1 .. base+n laid out contiguously ('C'), with the
-- last two dims swapped in memory and transposed back ('T'), or narrowed
-- out of a tensor with two more rows ('N'). A bool input holds "is odd".
local types = {float = 'FloatTensor', long = 'LongTensor', byte = 'ByteTensor', bool = 'BoolTensor'}

local function value(v, dtype)
  if dtype == 'bool' then return v % 2 == 1 end
  if dtype == 'byte' then return v % 256 end
  return v
end

local function make(sizes, layout, dtype, base)
  local s, n = {}, 1
  for i, v in ipairs(sizes) do s[i] = v; n = n * v end
  local nd = #s
  if layout == 'T' and nd >= 2 then s[nd], s[nd - 1] = s[nd - 1], s[nd] end
  if layout == 'N' then n = n / s[1] * (s[1] + 2); s[1] = s[1] + 2 end
  local flat = {}
  for i = 1, n do flat[i] = value((base or 0) + i, dtype) end
  local t = torch[types[dtype]](flat):view(s)
  if layout == 'T' and nd >= 2 then t = t:transpose(nd - 1, nd) end
  if layout == 'N' then t = t:narrow(1, 2, sizes[1]) end
  return t
end

local function flat(t)
  if t:nElement() == 0 then return {} end
  return t:contiguous():view(t:nElement()):totable()
end

-- expected = {sizes, flat values} (from PyTorch, float64)
local function check(t, expected, dtype)
  assert.are.equal('torch.' .. types[dtype], t:type())
  assert.are.same(expected[1], t:size():totable())
  local want = {}
  for i, v in ipairs(expected[2]) do want[i] = value(v, dtype) end
  assert.are.same(want, flat(t))
end

return {types = types, value = value, make = make, flat = flat, check = check}
