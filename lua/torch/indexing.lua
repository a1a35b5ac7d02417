-- t[...] and t[...] = v beyond plain numbers (which the C __index handles):
--   t[{ {1,2}, {}, 3 }]  ranges {a,b} / {a} / {} narrow, numbers select;
--                        negative indices count from the end
--   t[mask]              a bool/byte mask selects elements (maskedSelect)
--   t[longTensor]        indexSelect along dimension 1
local torch = torch
local methods = torch.core.methods

local function slice(t, spec, fn)
  local dim = 1
  local r = t
  for k, s in ipairs(spec) do
    if dim > r:dim() and not (type(s) == 'table' and #s == 0) then
      error(string.format('torch.%s: too many indices (%d) for a %d-dimensional tensor',
                          fn, #spec, t:dim()), 3)
    end
    if type(s) == 'number' then
      r = r:select(dim, s)
    elseif type(s) == 'table' then
      if #s > 0 then
        local n = r:size(dim)
        local a, b = s[1], s[2] or s[1]
        if type(a) ~= 'number' or type(b) ~= 'number' then
          error(string.format('torch.%s: range %d must hold numbers', fn, k), 3)
        end
        if a < 0 then a = a + n + 1 end
        if b < 0 then b = b + n + 1 end
        if a < 1 or b > n or b < a - 1 then
          error(string.format('torch.%s: range {%d, %d} out of bounds for dimension %d of size %d',
                              fn, s[1], s[2] or s[1], dim, n), 3)
        end
        r = r:narrow(dim, a, b - a + 1)
      end
      dim = dim + 1
    else
      error(string.format('torch.%s: index %d is a %s, expected a number or a {from, to} range',
                          fn, k, type(s)), 3)
    end
  end
  return r
end

local function is_mask(x)
  return torch.isTensor(x) and (x:dtype() == 'bool' or x:dtype() == 'uint8')
end

methods.__index_table = function(t, k)
  if type(k) == 'table' then return slice(t, k, 'index') end
  if is_mask(k) then return t:maskedSelect(k) end
  if torch.isTensor(k) then return t:index(1, k) end
  error('torch.index: cannot index a tensor with a ' .. type(k), 2)
end

methods.__newindex_any = function(t, k, v)
  local target
  if type(k) == 'number' then
    target = t:select(1, k)
  elseif type(k) == 'table' then
    target = slice(t, k, 'newindex')
  elseif is_mask(k) then
    if torch.isTensor(v) then return t:maskedCopy(k, v) end
    return t:maskedFill(k, v)
  elseif torch.isTensor(k) then
    if torch.isTensor(v) then return t:indexCopy(1, k, v) end
    return t:indexFill(1, k, v)
  else
    error('torch.newindex: cannot index a tensor with a ' .. type(k), 2)
  end
  if torch.isTensor(v) then
    target:copy(v)
  elseif type(v) == 'number' or type(v) == 'boolean' then
    target:fill(v)
  else
    error('torch.newindex: cannot assign a ' .. type(v) .. ' to a tensor', 2)
  end
end

-- Lua property access for fields that are not methods (autograd adds
-- .grad & co.): x.new is Torch7's constructor of x's own type
-- (x.new(2, 3), x.new() — every type had its own metatable there)
methods.__index_field = function(t, k)
  if k == 'new' then return torch[t:type():match('^torch%.(%w+)$')] end
  return nil
end
