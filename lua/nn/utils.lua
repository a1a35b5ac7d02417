-- Helpers shared by modules and criteria: walking tensors nested in tables,
-- alias leaves for Torch7-style forward, scalar reductions that keep a
-- 0-dim tensor (x:sum() is a Lua number in Torch7, which has no history).
local nn = nn
local isTensor = torch.isTensor
local U = {}
nn.utils = U

local floating = {float32 = true, float64 = true, float16 = true, bfloat16 = true}
function U.isFloat(t) return isTensor(t) and floating[t:dtype()] == true end

-- tensors of a (nested) table, depth first, appended to list
function U.flatten(x, list)
  list = list or {}
  if isTensor(x) then list[#list + 1] = x
  elseif type(x) == 'table' then for _, v in ipairs(x) do U.flatten(v, list) end end
  return list
end

-- rebuild x's structure from a flat list (inverse of flatten); pos is shared
function U.unflatten(x, list, pos)
  pos = pos or {1}
  if isTensor(x) then
    local v = list[pos[1]]
    pos[1] = pos[1] + 1
    return v
  elseif type(x) == 'table' then
    local r = {}
    for i, v in ipairs(x) do r[i] = U.unflatten(v, list, pos) end
    return r
  end
  return x
end

-- a fresh leaf that shares x's storage and requires grad (floating tensors);
-- the user's tensor is left as it is. Tables are walked.
function U.alias(x)
  if isTensor(x) then
    if floating[x:dtype()] then return x:detach():requiresGrad(true) end
    return x
  elseif type(x) == 'table' then
    local r = {}
    for i, v in ipairs(x) do r[i] = U.alias(v) end
    return r
  end
  return x
end

-- 0-dim sum / mean of every element, recorded
function U.sumAll(t) return t:reshape(t:nElement()):sum(1, false) end
function U.meanAll(t) return t:reshape(t:nElement()):mean(1, false) end

-- reduction of an elementwise loss tensor as Torch7's sizeAverage says
function U.reduce(l, sizeAverage)
  if sizeAverage == false then return U.sumAll(l) end
  return U.meanAll(l)
end

-- zeros shaped like x (a tensor or a table of them)
function U.zerosLike(x)
  if isTensor(x) then return torch.zerosLike(x) end
  if type(x) == 'table' then
    local r = {}
    for i, v in ipairs(x) do r[i] = U.zerosLike(v) end
    return r
  end
end

function U.noGrad(fn, ...) return torch.no_grad(fn, ...) end

-- an image batch or image: C x H x W or N x C x H x W, else an error
-- naming nn.<name> at the caller of its updateOutput
function U.checkImage(name, input)
  if not isTensor(input) or (input:dim() ~= 3 and input:dim() ~= 4) then
    error(string.format('nn.%s: expected a 3D (C x H x W) or 4D (N x C x H x W) tensor as input, '
                        .. 'got %s', name, isTensor(input) and (input:dim() .. 'D') or type(input)), 3)
  end
end

-- Torch7's nn.utils helpers over tensors nested in tables --------------------------

-- param converted to type t (modules by :type, tensors copied once each,
-- tables walked); tensorCache keeps shared tensors shared
function U.recursiveType(param, t, tensorCache)
  tensorCache = tensorCache or {}
  if type(param) == 'table' and torch.isTypeOf and torch.isTypeOf(param, 'nn.Module') then
    return param:type(t, tensorCache)
  elseif isTensor(param) then
    if param:type() == t then return param end
    if tensorCache[param] == nil then
      tensorCache[param] = torch.no_grad(function() return param:detach():type(t) end)
    end
    return tensorCache[param]
  elseif type(param) == 'table' then
    for k, v in pairs(param) do param[k] = U.recursiveType(v, t, tensorCache) end
  end
  return param
end

-- t1 resized like t2 (tensors of t2's type; tables built as needed); returns t1
function U.recursiveResizeAs(t1, t2)
  if type(t2) == 'table' and not isTensor(t2) then
    t1 = (type(t1) == 'table' and not isTensor(t1)) and t1 or {}
    for k, v in pairs(t2) do t1[k] = U.recursiveResizeAs(t1[k], v) end
    for k in pairs(t1) do if t2[k] == nil then t1[k] = nil end end
  elseif isTensor(t2) then
    t1 = (isTensor(t1) and t1:type() == t2:type()) and t1 or torch.Tensor():type(t2:type())
    t1:resize(t2:size())
  else
    error('nn.utils.recursiveResizeAs: expected tensors or tables of them, got ' .. type(t2), 2)
  end
  return t1, t2
end

function U.recursiveFill(t, value)
  if isTensor(t) then torch.no_grad(function() t:fill(value) end)
  elseif type(t) == 'table' then for _, v in pairs(t) do U.recursiveFill(v, value) end
  else error('nn.utils.recursiveFill: expected tensors or tables of them, got ' .. type(t), 2) end
  return t
end

-- t1 += val * t2, elementwise over matching structures (val defaults to 1)
function U.recursiveAdd(t1, val, t2)
  if t2 == nil then t2, val = val, 1 end
  if isTensor(t1) and isTensor(t2) then torch.no_grad(function() t1:add(val, t2) end)
  elseif type(t1) == 'table' and type(t2) == 'table' then
    for k, v in pairs(t2) do U.recursiveAdd(t1[k], val, v) end
  else error('nn.utils.recursiveAdd: expected matching tensors or tables of them', 2) end
  return t1, t2
end

-- t1 becomes a copy of t2 (resized, tables built as needed); returns t1
function U.recursiveCopy(t1, t2)
  if type(t2) == 'table' and not isTensor(t2) then
    t1 = (type(t1) == 'table' and not isTensor(t1)) and t1 or {}
    for k, v in pairs(t2) do t1[k] = U.recursiveCopy(t1[k], v) end
  elseif isTensor(t2) then
    t1 = isTensor(t1) and t1 or torch.Tensor():type(t2:type())
    torch.no_grad(function() t1:resizeAs(t2):copy(t2) end)
  else
    error('nn.utils.recursiveCopy: expected tensors or tables of them, got ' .. type(t2), 2)
  end
  return t1, t2
end

-- a view of t with a dimension of size 1 inserted at dim (default 1)
function U.addSingletonDimension(a, b, c)
  local view, t, dim = a, b, c
  if not isTensor(b) then view, t, dim = nil, a, b end
  dim = dim or 1
  if not isTensor(t) or dim < 1 or dim > t:dim() + 1 then
    error('nn.utils.addSingletonDimension: expected a tensor and a dim in [1, dim + 1]', 2)
  end
  local r = t:unsqueeze(dim)
  if view then view:set(r) return view end
  return r
end

-- self[name] = nil / fresh empty tensors (Torch7's clearState helper):
-- clear(self, 'a', 'b') or clear(self, {'a', 'b'})
function U.clear(self, ...)
  local names = type((...)) == 'table' and (...) or {...}
  for _, k in ipairs(names) do
    if isTensor(self[k]) then self[k] = torch.Tensor():type(self[k]:type())
    elseif type(self[k]) == 'table' then self[k] = {}
    else self[k] = nil end
  end
  return self
end

-- number of entries of a table (array and hash parts)
function U.tableSize(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

return U
