-- nn.LeakyReLU([negval = 0.01] [, inplace]): x for x > 0, negval·x else.
local LeakyReLU = torch.class('nn.LeakyReLU', 'nn.Module')
function LeakyReLU:__init(negval, inplace)
  nn.Module.__init(self)
  self.negval = negval or 0.01
  self.inplace = inplace
end
function LeakyReLU:updateOutput(input)
  self.output = nn.F.leaky_relu(input, self.negval)
  return self.output
end
function LeakyReLU:__tostring__() return 'nn.LeakyReLU(' .. self.negval .. ')' end
return LeakyReLU
