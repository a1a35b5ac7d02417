-- nn.MultiCriterion(): Σ wᵢ·critᵢ(input, target). :add(criterion [, weight = 1]).
local C, parent = torch.class('nn.MultiCriterion', 'nn.Criterion')
function C:__init()
  parent.__init(self)
  self.criterions, self.weights = {}, {}
end
C.add = nn.ParallelCriterion.add
function C:_loss(input, target)
  local l
  for i, c in ipairs(self.criterions) do
    local li = c:_loss(input, target) * self.weights[i]
    l = l and l + li or li
  end
  return l
end
return C
