-- nn.MulConstant(c [, inplace]): c·x.
local MulConstant, parent = torch.class('nn.MulConstant', 'nn.Module')
function MulConstant:__init(c, inplace)
  parent.__init(self)
  self.constant_scalar = c
  self.inplace = inplace
end
function MulConstant:updateOutput(input)
  self.output = torch.mul(input, self.constant_scalar)
  return self.output
end
return MulConstant
