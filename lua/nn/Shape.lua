-- Torch7's shape and copy modules without parameters (simple.md):
-- Replicate, Squeeze, Unsqueeze, Contiguous, Copy. Views and copies are
-- recorded ops, so their backward comes from the tape.
local nn = nn

local function checkTensor(name, input)
  if not torch.isTensor(input) then
    error(string.format('nn.%s: expected a tensor as input, got %s', name, type(input)), 3)
  end
end

-- nn.Replicate(nFeature [, dim = 1] [, nDim]): a view of the input with a
-- new dimension of size nFeature at dim (stride 0: no copy). With nDim,
-- an input with more than nDim dimensions is a batch and dim moves by one.
local Replicate, parent = torch.class('nn.Replicate', 'nn.Module')
function Replicate:__init(nf, dim, ndim)
  parent.__init(self)
  if type(nf) ~= 'number' or nf < 1 then error('nn.Replicate: expected a count nFeature >= 1', 2) end
  self.nfeatures, self.dim, self.ndim = nf, dim or 1, ndim
end
function Replicate:updateOutput(input)
  checkTensor('Replicate', input)
  local d = self.dim + ((self.ndim and input:dim() > self.ndim) and 1 or 0)
  if d < 1 or d > input:dim() + 1 then
    error(string.format('nn.Replicate: cannot replicate along dimension %d of a %dD input', d,
                        input:dim()), 2)
  end
  local size = input:size():totable()
  table.insert(size, d, self.nfeatures)
  self.output = input:unsqueeze(d):expand(torch.LongStorage(size))
  return self.output
end

-- the dim counted from the first non-batch dimension
local function offset(self, input)
  return (self.numInputDims and input:dim() > self.numInputDims) and 1 or 0
end

-- nn.Squeeze([dim] [, numInputDims]): drops dimension dim when it has size
-- 1, or every dimension of size 1 (a batch dimension of 1 is kept when
-- numInputDims says the input is a batch)
local Squeeze = torch.class('nn.Squeeze', 'nn.Module')
function Squeeze:__init(dim, numInputDims)
  nn.Module.__init(self)
  self.dim, self.numInputDims = dim, numInputDims
end
function Squeeze:updateOutput(input)
  checkTensor('Squeeze', input)
  local off = offset(self, input)
  local size, keep = {}, {}
  if self.dim then
    local d = self.dim + off
    if d < 1 or d > input:dim() then
      error(string.format('nn.Squeeze: dimension %d is out of range for a %dD input', d, input:dim()), 2)
    end
    for i = 1, input:dim() do
      if i ~= d or input:size(i) ~= 1 then size[#size + 1] = input:size(i) end
    end
  else
    for i = 1, input:dim() do
      if input:size(i) ~= 1 or (off == 1 and i == 1) then size[#size + 1] = input:size(i) end
    end
  end
  self.output = input:reshape(torch.LongStorage(size))
  return self.output
end

-- nn.Unsqueeze(pos [, numInputDims]): a dimension of size 1 inserted at pos
local Unsqueeze = torch.class('nn.Unsqueeze', 'nn.Module')
function Unsqueeze:__init(pos, numInputDims)
  nn.Module.__init(self)
  if type(pos) ~= 'number' then error('nn.Unsqueeze: expected a number pos', 2) end
  self.pos, self.numInputDims = pos, numInputDims
end
function Unsqueeze:updateOutput(input)
  checkTensor('Unsqueeze', input)
  local d = self.pos + offset(self, input)
  if d < 1 or d > input:dim() + 1 then
    error(string.format('nn.Unsqueeze: position %d is out of range for a %dD input', d, input:dim()), 2)
  end
  self.output = input:unsqueeze(d)
  return self.output
end

-- nn.Contiguous(): the input, made contiguous when it is not
local Contiguous = torch.class('nn.Contiguous', 'nn.Module')
function Contiguous:updateOutput(input)
  checkTensor('Contiguous', input)
  self.output = input:contiguous()
  return self.output
end

-- nn.Copy([inputType] [, outputType] [, forceCopy] [, dontCast]): the input
-- converted to outputType (the module's type when not given); forceCopy
-- copies even when the types agree. dontCast: module:type() leaves the
-- types given here as they are.
local Copy = torch.class('nn.Copy', 'nn.Module')
function Copy:__init(intype, outtype, forceCopy, dontCast)
  nn.Module.__init(self)
  self.intype, self.outtype = intype, outtype
  self.forceCopy, self.dontCast = forceCopy, dontCast
end
function Copy:updateOutput(input)
  checkTensor('Copy', input)
  local t = self.outtype or self._type or input:type()
  if input:type() == t then
    self.output = self.forceCopy and input:clone() or input
  else
    self.output = input:type(t)
  end
  return self.output
end
function Copy:type(t, memo)
  if self.dontCast and t then return self end
  if t then self.outtype = self.outtype and t end
  return nn.Module.type(self, t, memo)
end

return nn
