-- nn.Narrow(dim, offset [, length = 1]): input:narrow(dim, offset, length);
-- a negative offset counts from the end, a negative length leaves that many
-- minus one elements off the end (Torch7: -1 = to the end).
local Narrow, parent = torch.class('nn.Narrow', 'nn.Module')
function Narrow:__init(dim, offset, length)
  parent.__init(self)
  self.dimension, self.index, self.length = dim, offset, length or 1
end
function Narrow:updateOutput(input)
  local n = input:size(self.dimension)
  local offset = self.index < 0 and n + self.index + 1 or self.index
  local length = self.length < 0 and n - offset + self.length + 2 or self.length
  self.output = input:narrow(self.dimension, offset, length)
  return self.output
end
return Narrow
