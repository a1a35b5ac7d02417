-- nn.MSECriterion([sizeAverage = true]): mean (or sum) of (x - t)².
local C, parent = torch.class('nn.MSECriterion', 'nn.Criterion')
function C:__init(sizeAverage)
  parent.__init(self)
  if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
end
function C:_loss(input, target)
  return nn.F.mse_loss(input, target, self:_reduction())
end
return C
