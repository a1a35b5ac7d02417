-- nn.MarginRankingCriterion([margin = 0]): input {x1, x2}, y = ±1:
-- max(0, -y·(x1 - x2) + margin), mean (sizeAverage) or sum.
local C, parent = torch.class('nn.MarginRankingCriterion', 'nn.Criterion')
function C:__init(margin)
  parent.__init(self)
  self.margin = margin or 0
end
function C:_loss(input, target)
  local a, b = input[1], input[2]
  if type(target) == 'number' then target = torch.zerosLike(a):fill(target) end
  local y = target:type(a:type())
  if y:nElement() == a:nElement() then y = y:view(a:size()) end
  local l = torch.relu(torch.mul(b - a, y) + self.margin)
  return nn.utils.reduce(l, self.sizeAverage)
end
return C
