-- nn.SplitTable(dim [, nInputDims]): a table of the slices of the input along dim.
local SplitTable, parent = torch.class('nn.SplitTable', 'nn.Module')
function SplitTable:__init(dim, nInputDims)
  parent.__init(self)
  self.dimension, self.nInputDims = dim, nInputDims
end
function SplitTable:updateOutput(input)
  local d = self.dimension
  if d < 0 then d = input:dim() + d + 1 end
  if self.nInputDims and input:dim() == self.nInputDims + 1 then d = d + 1 end
  local out = {}
  for i = 1, input:size(d) do out[i] = input:select(d, i) end
  self.output = out
  return out
end
return SplitTable
