-- nn.MultiMarginCriterion([p = 1] [, weights] [, margin = 1]): for scores x
-- (C or N x C) and a 1-based class y: Σ_{i≠y} w[y]·max(0, margin - x[y] + x[i])^p / C,
-- averaged over the batch (sizeAverage).
local C, parent = torch.class('nn.MultiMarginCriterion', 'nn.Criterion')
function C:__init(p, weights, margin)
  parent.__init(self)
  self.p = p or 1
  assert(self.p == 1 or self.p == 2, 'nn.MultiMarginCriterion: p must be 1 or 2')
  self.weights, self.margin = weights, margin or 1
end
function C:_loss(input, target)
  local x = input:dim() == 1 and input:view(1, input:size(1)) or input
  local t = nn._classTarget(target):reshape(x:size(1), 1)
  local xy = x:gather(2, t)
  local h = torch.relu(x - xy + self.margin)
  if self.p == 2 then h = torch.mul(h, h) end
  local mask = torch.onesLike(x):scatter(2, t, 0)   -- leave out i = y
  h = torch.mul(h, mask)
  if self.weights then
    local w = self.weights:type(x:type()):index(1, t:view(t:nElement())):view(x:size(1), 1)
    h = torch.mul(h, w)
  end
  local l = nn.utils.sumAll(h) / x:size(2)
  if self.sizeAverage ~= false then l = l / x:size(1) end
  return l
end
return C
