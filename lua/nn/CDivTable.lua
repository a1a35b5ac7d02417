-- nn.CDivTable(): input[1] / input[2] elementwise.
local CDivTable = torch.class('nn.CDivTable', 'nn.Module')
function CDivTable:updateOutput(input)
  self.output = torch.div(input[1], input[2])
  return self.output
end
return CDivTable
