-- nn.JoinTable(dim [, nInputDims]): concatenates a table of tensors along
-- dim; with nInputDims, inputs with more dims are batches (dim shifts by one).
local JoinTable, parent = torch.class('nn.JoinTable', 'nn.Module')
function JoinTable:__init(dim, nInputDims)
  parent.__init(self)
  self.dimension, self.nInputDims = dim, nInputDims
end
function JoinTable:_dim(input)
  local d = self.dimension
  if d < 0 then d = input[1]:dim() + d + 1 end
  if self.nInputDims and input[1]:dim() == self.nInputDims + 1 then d = d + 1 end
  return d
end
function JoinTable:updateOutput(input)
  self.output = torch.cat(input, self:_dim(input))
  return self.output
end
return JoinTable
