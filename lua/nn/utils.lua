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

return U
