-- Reductions, scans and sorts: the C functions (lua/binding/reduce.c) do the
-- work; here only what needs Lua: max/min with two tensors are the
-- elementwise cmax/cmin (PyTorch's torch.max(a, b)).
local torch = torch
local core = torch.core
local methods = core.methods
local fn = core.fn

local function extreme(reduce, elementwise)
  return function(a, b, c, ...)
    -- (a, b) or (res, a, b) where a, b are tensors and nothing follows
    if torch.isTensor(a) and torch.isTensor(b) and not torch.isTensor(c) then
      if c ~= nil or select('#', ...) > 0 then
        error(string.format('torch.%s: with two tensors it is elementwise and takes no more arguments',
                            reduce == fn.max and 'max' or 'min'), 2)
      end
      return elementwise(a, b)
    end
    return reduce(a, b, c, ...)
  end
end

local max, min = extreme(fn.max, fn.cmax), extreme(fn.min, fn.cmin)
torch.max, torch.min = max, min
methods.max, methods.min = max, min
