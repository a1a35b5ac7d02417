-- nn.MarginCriterion([margin = 1]): mean of max(0, margin - y·x), y = ±1.
local C, parent = torch.class('nn.MarginCriterion', 'nn.Criterion')
function C:__init(margin)
  parent.__init(self)
  self.margin = margin or 1
end
function C:_loss(input, target)
  if target:type() ~= input:type() then target = target:type(input:type()) end
  return nn.utils.reduce(torch.relu(self.margin - torch.mul(input, target)), self.sizeAverage)
end
return C
