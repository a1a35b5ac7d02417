-- nn.ParallelCriterion([repeatTarget = false]): Σ wᵢ·critᵢ(input[i], target[i])
-- (the same target for all with repeatTarget). :add(criterion [, weight = 1]).
local C, parent = torch.class('nn.ParallelCriterion', 'nn.Criterion')
function C:__init(repeatTarget)
  parent.__init(self)
  self.criterions, self.weights = {}, {}
  self.repeatTarget = repeatTarget
end
function C:add(criterion, weight)
  table.insert(self.criterions, criterion)
  table.insert(self.weights, weight or 1)
  return self
end
function C:_loss(input, target)
  local l
  for i, c in ipairs(self.criterions) do
    local li = c:_loss(input[i], self.repeatTarget and target or target[i]) * self.weights[i]
    l = l and l + li or li
  end
  return l
end
return C
