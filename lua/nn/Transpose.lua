-- nn.Transpose({d1, d2}, {d3, d4}, ...): the transposes applied in order.
local Transpose, parent = torch.class('nn.Transpose', 'nn.Module')
function Transpose:__init(...)
  parent.__init(self)
  self.permutations = {...}
end
function Transpose:updateOutput(input)
  local x = input
  for _, p in ipairs(self.permutations) do x = x:transpose(p[1], p[2]) end
  self.output = x
  return x
end
return Transpose
