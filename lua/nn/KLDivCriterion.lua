-- nn.KLDivCriterion([sizeAverage = true]): Σ t·(log t - x) for log-probabilities
-- x and probabilities t (terms with t = 0 count 0); the mean divides by the
-- number of elements (Torch7).
local C, parent = torch.class('nn.KLDivCriterion', 'nn.Criterion')
function C:__init(sizeAverage)
  parent.__init(self)
  if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
end
function C:_loss(input, target)
  local pos = target:gt(0)
  local logt = torch.log(torch.where(pos, target, torch.onesLike(target)))
  local l = torch.mul(target, logt - input)
  return nn.utils.reduce(l, self.sizeAverage)
end
return C
