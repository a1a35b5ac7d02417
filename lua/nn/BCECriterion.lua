-- nn.BCECriterion([weights] [, sizeAverage = true]): -(t·log(x) + (1-t)·log(1-x))
-- for probabilities x; weights (one per element of a sample) broadcast over a batch.
local C, parent = torch.class('nn.BCECriterion', 'nn.Criterion')
function C:__init(weights, sizeAverage)
  parent.__init(self)
  if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
  self.weights = weights
end
local function expandWeights(w, input)
  if not w then return nil end
  if w:type() ~= input:type() then w = w:type(input:type()) end
  if w:nElement() ~= input:nElement() then
    w = w:view(1, w:nElement()):expandAs(input):contiguous()
  end
  return w
end
nn._expandWeights = expandWeights
function C:_loss(input, target)
  if target:type() ~= input:type() then target = target:type(input:type()) end
  return nn.F.bce_loss(input, target, expandWeights(self.weights, input), self:_reduction())
end
return C
