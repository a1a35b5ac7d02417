-- nn.CrossEntropyCriterion([weights] [, sizeAverage = true] [, ignoreIndex]):
-- LogSoftMax + ClassNLLCriterion in one fused kernel; input is scores
-- (C or N x C), targets 1-based.
local C, parent = torch.class('nn.CrossEntropyCriterion', 'nn.Criterion')
function C:__init(weights, sizeAverage, ignoreIndex)
  parent.__init(self)
  if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
  self.weights = weights
  self.ignoreIndex = ignoreIndex or -100
end
function C:_loss(input, target)
  local w = self.weights
  if w and w:type() ~= input:type() then w = w:type(input:type()) end
  return nn.F.cross_entropy(input, nn._classTarget(target), w, self:_reduction(), self.ignoreIndex)
end
return C
