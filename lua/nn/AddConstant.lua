-- nn.AddConstant(c [, inplace]): x + c.
local AddConstant, parent = torch.class('nn.AddConstant', 'nn.Module')
function AddConstant:__init(c, inplace)
  parent.__init(self)
  self.constant_scalar = c
  self.inplace = inplace
end
function AddConstant:updateOutput(input)
  self.output = input + self.constant_scalar
  return self.output
end
return AddConstant
