-- nn.CMulTable(): the elementwise product of a table of tensors.
local CMulTable = torch.class('nn.CMulTable', 'nn.Module')
function CMulTable:updateOutput(input)
  local s = input[1]
  for i = 2, #input do s = torch.mul(s, input[i]) end
  self.output = s
  return s
end
return CMulTable
