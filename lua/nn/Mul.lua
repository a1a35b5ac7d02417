-- nn.Mul(): x times one learned scalar (weight of size 1, uniform ±1).
local Mul, parent = torch.class('nn.Mul', 'nn.Module')
function Mul:__init()
  parent.__init(self)
  self.weight = torch.Tensor(1)
  self.gradWeight = torch.zeros(1)
  self:reset()
  self:_linkGrads()
end
function Mul:reset(stdv)
  stdv = stdv or 1
  torch.no_grad(function() self.weight:uniform(-stdv, stdv) end)
  return self
end
function Mul:updateOutput(input)
  self.output = torch.mul(input, self.weight)
  return self.output
end
return Mul
