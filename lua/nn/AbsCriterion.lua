-- nn.AbsCriterion([sizeAverage = true]): mean (or sum) of |x - t|.
local C, parent = torch.class('nn.AbsCriterion', 'nn.Criterion')
function C:__init(sizeAverage)
  parent.__init(self)
  if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
end
function C:_loss(input, target)
  return nn.utils.reduce(torch.abs(input - target), self.sizeAverage)
end
return C
