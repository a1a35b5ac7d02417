-- nn.CSubTable(): input[1] - input[2].
local CSubTable = torch.class('nn.CSubTable', 'nn.Module')
function CSubTable:updateOutput(input)
  self.output = input[1] - input[2]
  return self.output
end
return CSubTable
