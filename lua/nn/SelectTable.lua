-- nn.SelectTable(index): element index of a table (negative from the end).
local SelectTable, parent = torch.class('nn.SelectTable', 'nn.Module')
function SelectTable:__init(index)
  parent.__init(self)
  self.index = index
end
function SelectTable:updateOutput(input)
  local i = self.index < 0 and #input + self.index + 1 or self.index
  self.output = input[i]
  return self.output
end
return SelectTable
