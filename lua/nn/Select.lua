-- nn.Select(dim, index): input:select(dim, index); negative index counts from the end.
local Select, parent = torch.class('nn.Select', 'nn.Module')
function Select:__init(dim, index)
  parent.__init(self)
  self.dimension, self.index = dim, index
end
function Select:updateOutput(input)
  local dim = self.dimension < 0 and input:dim() + self.dimension + 1 or self.dimension
  local i = self.index < 0 and input:size(dim) + self.index + 1 or self.index
  self.output = input:select(dim, i)
  return self.output
end
return Select
