-- nn.Max([dim = 1] [, nInputDims]): the maximum over dim, which is removed.
local Max, parent = torch.class('nn.Max', 'nn.Module')
Max._op = 'max'
function Max:__init(dim, nInputDims)
  parent.__init(self)
  self.dimension = dim or 1
  self.nInputDims = nInputDims
end
Max._dim = nn.Sum._dim
function Max:updateOutput(input)
  local d = self:_dim(input)
  local v, i = input[self._op](input, d, input:dim() == 1)
  self.indices = i
  self.output = v
  return v
end
return Max
