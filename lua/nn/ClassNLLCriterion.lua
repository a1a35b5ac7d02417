-- nn.ClassNLLCriterion([weights] [, sizeAverage = true] [, ignoreIndex = -100]):
-- -input[target] for log-probabilities input (C or N x C), 1-based targets;
-- with weights, each term is weighted and the mean divides by the summed
-- weights of the counted targets. Targets equal to ignoreIndex count for nothing.
local C, parent = torch.class('nn.ClassNLLCriterion', 'nn.Criterion')
function C:__init(weights, sizeAverage, ignoreIndex)
  parent.__init(self)
  if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
  self.weights = weights
  self.ignoreIndex = ignoreIndex or -100
end
function C:_loss(input, target)
  local w = self.weights
  if w and w:type() ~= input:type() then w = w:type(input:type()) end
  return nn.F.nll_loss(input, nn._classTarget(target), w, self:_reduction(), self.ignoreIndex)
end
return C
