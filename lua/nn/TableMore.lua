-- More of Torch7's table and indexing modules (table.md, simple.md):
-- ZipTable, MixtureTable, Index, MaskedSelect, OneHot. Outputs are the
-- input tensors or recorded ops, so the tape gives gradInput (structured
-- like the input; zeros, or an empty tensor for an index input, where unused).
local nn = nn
local isTensor = torch.isTensor

local function typeOf(x) return isTensor(x) and x:type() or type(x) end

local function checkPair(name, input, what)
  if type(input) ~= 'table' or isTensor(input) or input[1] == nil or input[2] == nil then
    error(string.format('nn.%s: expected a table {%s} as input, got %s', name, what, typeOf(input)), 3)
  end
end

-- nn.ZipTable(): {{a1, a2, ...}, {b1, b2, ...}} -> {{a1, b1}, {a2, b2}, ...}
local ZipTable = torch.class('nn.ZipTable', 'nn.Module')
function ZipTable:updateOutput(input)
  if type(input) ~= 'table' or isTensor(input) then
    error('nn.ZipTable: expected a table of tables as input, got ' .. typeOf(input), 2)
  end
  local out = {}
  for i, t in ipairs(input) do
    if type(t) ~= 'table' or isTensor(t) then
      error(string.format('nn.ZipTable: input %d is a %s, expected a table', i, typeOf(t)), 2)
    end
    for j, v in ipairs(t) do
      out[j] = out[j] or {}
      out[j][i] = v
    end
  end
  self.output = out
  return out
end

-- nn.MixtureTable([dim = 2]): input {gater, experts}; output
-- Σ_i gater[·, i] · expert_i. gater is N x E (or E without a batch);
-- experts a table of E tensors of one size (N x ...), or a tensor holding
-- the E experts along dim (dim - 1 without a batch), which is summed away.
local MixtureTable, parent = torch.class('nn.MixtureTable', 'nn.Module')
function MixtureTable:__init(dim)
  parent.__init(self)
  self.dim = dim or 2
end
function MixtureTable:updateOutput(input)
  checkPair('MixtureTable', input, 'gater, experts')
  local gater, experts = input[1], input[2]
  if not isTensor(gater) or (gater:dim() ~= 1 and gater:dim() ~= 2) then
    error('nn.MixtureTable: the gater must be a 1D (E) or 2D (N x E) tensor, got ' .. typeOf(gater), 2)
  end
  local batch = gater:dim() == 2
  local E = gater:size(gater:dim())
  if isTensor(experts) then
    local d = batch and self.dim or self.dim - 1
    if d < 1 or d > experts:dim() or experts:size(d) ~= E
       or (batch and experts:size(1) ~= gater:size(1)) then
      error(string.format('nn.MixtureTable: experts of size %s do not hold %d experts along dimension %d',
                          table.concat(experts:size():totable(), 'x'), E, d), 2)
    end
    local shape = {}
    for i = 1, experts:dim() do shape[i] = 1 end
    if batch then shape[1] = gater:size(1) end
    shape[d] = E
    local g = gater:contiguous():view(torch.LongStorage(shape))
    self.output = torch.cmul(experts, g):sum(d):select(d, 1)
  else
    if type(experts) ~= 'table' or #experts ~= E then
      error(string.format('nn.MixtureTable: expected %d experts (one per gater output), got %s', E,
                          type(experts) == 'table' and #experts or typeOf(experts)), 2)
    end
    local out
    for i, e in ipairs(experts) do
      local shape = {}
      for k = 1, e:dim() do shape[k] = 1 end
      -- this expert's gate, one per sample, broadcast over its other dims
      if batch then shape[1] = gater:size(1) end
      local gi = gater:narrow(gater:dim(), i, 1):contiguous():view(torch.LongStorage(shape))
      local term = torch.cmul(e, gi)
      out = out and out + term or term
    end
    self.output = out
  end
  return self.output
end

-- nn.Index(dim): input {t, index} -> t:index(dim, index) (index a
-- LongTensor of 1-based positions); the index gets no gradient
local Index, parent2 = torch.class('nn.Index', 'nn.Module')
function Index:__init(dim)
  parent2.__init(self)
  if type(dim) ~= 'number' then error('nn.Index: expected a dimension dim', 2) end
  self.dimension = dim
end
function Index:updateOutput(input)
  checkPair('Index', input, 'tensor, index')
  local t, idx = input[1], input[2]
  if not isTensor(t) or not isTensor(idx) then
    error('nn.Index: expected {tensor, LongTensor index} as input', 2)
  end
  if self.dimension < 1 or self.dimension > t:dim() then
    error(string.format('nn.Index: dimension %d is out of range for a %dD input', self.dimension,
                        t:dim()), 2)
  end
  if idx:type() ~= 'torch.LongTensor' and not idx:isCuda() then idx = idx:long() end
  self.output = t:index(self.dimension, idx)
  return self.output
end

-- nn.MaskedSelect(): input {t, mask} -> the elements of t where mask is
-- nonzero, as a 1-D tensor (mask a ByteTensor of t's size); gradInput[1]
-- scatters gradOutput back, the mask gets none
local MaskedSelect = torch.class('nn.MaskedSelect', 'nn.Module')
function MaskedSelect:updateOutput(input)
  checkPair('MaskedSelect', input, 'tensor, mask')
  local t, mask = input[1], input[2]
  if not isTensor(t) or not isTensor(mask) then
    error('nn.MaskedSelect: expected {tensor, ByteTensor mask} as input', 2)
  end
  if t:nElement() ~= mask:nElement() then
    error(string.format('nn.MaskedSelect: the mask has %d elements, the input %d', mask:nElement(),
                        t:nElement()), 2)
  end
  self.output = t:maskedSelect(mask)
  return self.output
end

-- nn.OneHot(outputSize): indices (a tensor of any shape, or a number) ->
-- one-hot rows of outputSize in the module's type (sizes ... x outputSize).
-- No gradient: gradInput is zeros for a floating index tensor, else empty.
local OneHot, parent3 = torch.class('nn.OneHot', 'nn.Module')
function OneHot:__init(outputSize)
  parent3.__init(self)
  if type(outputSize) ~= 'number' or outputSize < 1 then
    error('nn.OneHot: expected a positive outputSize', 2)
  end
  self.outputSize = outputSize
end
function OneHot:updateOutput(input)
  local idx
  if type(input) == 'number' then
    idx = torch.LongTensor({input})
  elseif isTensor(input) then
    idx = input:long()
  else
    error('nn.OneHot: expected a tensor of indices or a number as input, got ' .. type(input), 2)
  end
  local lo, hi = torch.no_grad(function()
    if idx:nElement() == 0 then return 1, 1 end
    return idx:min(), idx:max()
  end)
  if lo < 1 or hi > self.outputSize then
    error(string.format('nn.OneHot: indices must be in 1..%d, got %d..%d', self.outputSize, lo, hi), 2)
  end
  local size = type(input) == 'number' and {} or input:size():totable()
  local isize = {unpack(size)}
  size[#size + 1], isize[#isize + 1] = self.outputSize, 1
  self.output = torch.no_grad(function()
    return torch.zeros(torch.LongStorage(size)):scatter(#size, idx:view(torch.LongStorage(isize)), 1)
                :type(self._type or torch.getdefaulttensortype())
  end)
  return self.output
end
function OneHot:__tostring__() return string.format('nn.OneHot(%d)', self.outputSize) end

return nn
