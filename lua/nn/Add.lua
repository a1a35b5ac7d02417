-- nn.Add(inputSize [, scalar = false]): x + b, b learned (inputSize values,
-- or one with scalar = true); uniform ±1/sqrt(inputSize).
local Add, parent = torch.class('nn.Add', 'nn.Module')
function Add:__init(inputSize, scalar)
  parent.__init(self)
  local n = scalar and 1 or inputSize
  self.scalar = scalar
  self.bias = torch.Tensor(n)
  self.gradBias = torch.zeros(n)
  self:reset()
  self:_linkGrads()
end
function Add:reset(stdv)
  stdv = stdv or 1 / math.sqrt(self.bias:size(1))
  torch.no_grad(function() self.bias:uniform(-stdv, stdv) end)
  return self
end
function Add:updateOutput(input)
  local b = self.bias
  if not self.scalar and input:nElement() ~= b:nElement() then
    -- a batch: one bias per feature, broadcast over the first dim
    local size = input:size():totable()
    size[1] = 1
    b = b:view(torch.LongStorage(size))
  elseif not self.scalar then
    b = b:view(input:size())
  end
  self.output = input + b
  return self.output
end
return Add
