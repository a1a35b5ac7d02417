-- nn.CAddTable(): the elementwise sum of a table of tensors.
local CAddTable = torch.class('nn.CAddTable', 'nn.Module')
function CAddTable:updateOutput(input)
  local s = input[1]
  for i = 2, #input do s = s + input[i] end
  self.output = s
  return s
end
return CAddTable
