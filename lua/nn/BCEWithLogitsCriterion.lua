-- nn.BCEWithLogitsCriterion([weights] [, sizeAverage = true] [, posWeight]):
-- BCECriterion of sigmoid(x), computed stably from the logits x.
local C, parent = torch.class('nn.BCEWithLogitsCriterion', 'nn.Criterion')
function C:__init(weights, sizeAverage, posWeight)
  parent.__init(self)
  if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
  self.weights, self.posWeight = weights, posWeight
end
function C:_loss(input, target)
  if target:type() ~= input:type() then target = target:type(input:type()) end
  return nn.F.bce_with_logits(input, target, nn._expandWeights(self.weights, input),
                              self.posWeight, self:_reduction())
end
return C
