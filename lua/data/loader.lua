-- data.DataLoader(dataset, {batchSize = 1, shuffle = false, seed = nil,
--   generator = nil, dropLast = false, collate = nil, prefetch = true})
--
--   for xb, yb in loader:iter() do ... end     -- one epoch
--
-- Shuffling draws a permutation per epoch from the loader's generator
-- (torch.Generator seeded with `seed`, or the one given; without either,
-- the default generator, so torch.manualSeed fixes it). A TensorDataset
-- with the default collate is batched in C (rows gathered into new batch
-- tensors); with prefetch, batch k+1 is gathered on a worker thread while
-- the loop body runs on batch k. Other datasets call get(i) per sample and
-- collate the samples, synchronously.
local data = package.loaded.data
local cdata = torch.core.data
local isTensor = torch.isTensor

-- default collate: a list of samples (each a list of fields) -> the fields
-- batched: tensors stacked along a new dim 1, numbers into a LongTensor
-- (all integers) or DoubleTensor, tables field by field
local function collate_field(list)
  local first = list[1]
  if isTensor(first) then return torch.stack(list, 1) end
  if type(first) == 'number' then
    local ints = true
    for _, v in ipairs(list) do
      if v ~= math.floor(v) then ints = false end
    end
    return (ints and torch.LongTensor or torch.DoubleTensor)(list)
  end
  if type(first) == 'table' then
    local r = {}
    for k in pairs(first) do
      local col = {}
      for i, s in ipairs(list) do col[i] = s[k] end
      r[k] = collate_field(col)
    end
    return r
  end
  return list
end

function data.collate(samples)
  local out = {}
  for k = 1, samples[1].n or #samples[1] do
    local col = {}
    for i, s in ipairs(samples) do col[i] = s[k] end
    out[k] = collate_field(col)
  end
  return unpack(out, 1, samples[1].n or #samples[1])
end

local DataLoader = torch.class('data.DataLoader', nil, data)

local function opt_bool(o, k, default)
  local v = o[k]
  if v == nil then return default end
  if type(v) ~= 'boolean' then error(string.format('data.DataLoader: %s must be a boolean, got %s', k, type(v)), 4) end
  return v
end

function DataLoader:__init(dataset, opts)
  if type(dataset) ~= 'table' or type(dataset.size) ~= 'function' or type(dataset.get) ~= 'function' then
    error('data.DataLoader: argument 1: expected a dataset (with size() and get(i)), got ' .. type(dataset), 3)
  end
  opts = opts or {}
  if type(opts) ~= 'table' then error('data.DataLoader: argument 2: expected a table of options', 3) end
  local bs = opts.batchSize or 1
  if type(bs) ~= 'number' or bs < 1 or bs ~= math.floor(bs) then
    error('data.DataLoader: batchSize must be a positive integer, got ' .. tostring(bs), 3)
  end
  self.dataset, self.batchSize = dataset, bs
  self.shuffle = opt_bool(opts, 'shuffle', false)
  self.dropLast = opt_bool(opts, 'dropLast', false)
  self.prefetch = opt_bool(opts, 'prefetch', true)
  if opts.collate ~= nil and type(opts.collate) ~= 'function' then
    error('data.DataLoader: collate must be a function, got ' .. type(opts.collate), 3)
  end
  self.collate = opts.collate
  if opts.generator ~= nil then
    if not torch.isGenerator(opts.generator) then
      error('data.DataLoader: generator must be a torch.Generator', 3)
    end
    self.generator = opts.generator
  elseif opts.seed ~= nil then
    if type(opts.seed) ~= 'number' then error('data.DataLoader: seed must be a number, got ' .. type(opts.seed), 3) end
    self.generator = torch.Generator()
    self.generator:manualSeed(opts.seed)
  end
end

-- number of batches in an epoch
function DataLoader:size()
  local n = self.dataset:size()
  if self.dropLast then return math.floor(n / self.batchSize) end
  return math.ceil(n / self.batchSize)
end
DataLoader.__len = DataLoader.size

function DataLoader:_order(n)
  if not self.shuffle then return torch.range(1, n):long() end
  if n == 0 then return torch.LongTensor() end
  if self.generator then return torch.randperm(self.generator, n) end
  return torch.randperm(n)
end

-- iterator over one epoch's batches
function DataLoader:iter()
  local n = self.dataset:size()
  if type(n) ~= 'number' or n < 0 then error('data.DataLoader: dataset:size() must return a count', 2) end
  local order, bs, nb = self:_order(n), self.batchSize, self:size()
  local function idx(b)
    local s = (b - 1) * bs + 1
    return order:narrow(1, s, math.min(bs, n - s + 1))
  end
  local b = 0
  local ds = self.dataset
  if ds.tensors and not self.collate and torch.typename(ds) == 'data.TensorDataset' then
    local src = ds.tensors
    if not self.prefetch then
      return function()
        b = b + 1
        if b > nb then return nil end
        local ix, r = idx(b), {}
        for k, t in ipairs(src) do r[k] = cdata.gatherRows(t, ix) end
        return unpack(r, 1, #src)
      end
    end
    local pending = nb > 0 and cdata.prefetchStart(src, idx(1)) or nil
    return function()
      b = b + 1
      if b > nb then return nil end
      local h = pending
      pending = b < nb and cdata.prefetchStart(src, idx(b + 1)) or nil
      return cdata.prefetchFinish(h)
    end
  end
  local collate = self.collate or data.collate
  return function()
    b = b + 1
    if b > nb then return nil end
    local ix, samples = idx(b), {}
    for i = 1, ix:nElement() do
      local s = {n = 0}
      local function pack(...) s.n = select('#', ...); for k = 1, s.n do s[k] = (select(k, ...)) end end
      pack(ds:get(ix[i]))
      samples[i] = s
    end
    return collate(samples)
  end
end
