-- nn.HingeEmbeddingCriterion([margin = 1]): x where y = 1, max(0, margin - x)
-- where y = -1; mean (sizeAverage) or sum.
local C, parent = torch.class('nn.HingeEmbeddingCriterion', 'nn.Criterion')
function C:__init(margin)
  parent.__init(self)
  self.margin = margin or 1
end
function C:_loss(input, target)
  if type(target) == 'number' then target = torch.zerosLike(input):fill(target) end
  if target:type() ~= input:type() then target = target:type(input:type()) end
  local l = torch.where(target:eq(1), input, torch.relu(self.margin - input))
  return nn.utils.reduce(l, self.sizeAverage)
end
return C
