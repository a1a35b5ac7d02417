-- data.Dataset: the interface a DataLoader reads, size() and get(i)
-- (1-based; get returns one or more values: the sample's fields).
-- data.TensorDataset(x, y, ...): sample i is x[i], y[i], ... (rows along
-- dim 1, as views); the loader gathers its batches in C.
local data = package.loaded.data
local isTensor = torch.isTensor

local Dataset = torch.class('data.Dataset', nil, data)

function Dataset:size() error(torch.typename(self) .. ': size() is not implemented', 2) end
function Dataset:get() error(torch.typename(self) .. ': get(i) is not implemented', 2) end
Dataset.__len = function(self) return self:size() end

local TensorDataset = torch.class('data.TensorDataset', 'data.Dataset', data)

function TensorDataset:__init(...)
  local n = select('#', ...)
  if n == 0 then error('data.TensorDataset: expected at least one tensor', 3) end
  self.tensors = {}
  for k = 1, n do
    local t = select(k, ...)
    if not isTensor(t) then
      error(string.format('data.TensorDataset: argument %d: expected a tensor, got %s', k,
                          type(t)), 3)
    end
    if t:dim() < 1 then error(string.format('data.TensorDataset: argument %d is 0-dimensional', k), 3) end
    if t:size(1) ~= select(1, ...):size(1) then
      error(string.format('data.TensorDataset: argument %d has %d rows, argument 1 has %d', k,
                          t:size(1), select(1, ...):size(1)), 3)
    end
    -- the C gather reads rows of contiguous memory
    self.tensors[k] = t:isContiguous() and t or t:contiguous()
  end
  self.n = self.tensors[1]:size(1)
end

function TensorDataset:size() return self.n end

function TensorDataset:get(i)
  if type(i) ~= 'number' or i ~= math.floor(i) or i < 1 or i > self.n then
    error(string.format('data.TensorDataset:get: index %s out of range 1..%d', tostring(i), self.n), 2)
  end
  local r = {}
  for k, t in ipairs(self.tensors) do r[k] = t:select(1, i) end
  return unpack(r)
end
