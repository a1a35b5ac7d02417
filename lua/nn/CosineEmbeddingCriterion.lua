-- nn.CosineEmbeddingCriterion([margin = 0]): input {x1, x2} (D or N x D),
-- y = ±1: 1 - cos(x1, x2) where y = 1, max(0, cos - margin) where y = -1.
local C, parent = torch.class('nn.CosineEmbeddingCriterion', 'nn.Criterion')
function C:__init(margin)
  parent.__init(self)
  self.margin = margin or 0
end
function C:_loss(input, target)
  local a, b = input[1], input[2]
  if a:dim() == 1 then a, b = a:view(1, a:size(1)), b:view(1, b:size(1)) end
  if type(target) == 'number' then target = torch.Tensor({target}) end
  local y = target:type(a:type()):view(a:size(1))
  local eps = 1e-12
  local dot = torch.mul(a, b):sum(2, false)
  local na = torch.mul(a, a):sum(2, false) + eps
  local nb = torch.mul(b, b):sum(2, false) + eps
  local cos = torch.div(dot, torch.sqrt(torch.mul(na, nb)))
  local l = torch.where(y:eq(1), 1 - cos, torch.relu(cos - self.margin))
  return nn.utils.reduce(l, self.sizeAverage)
end
return C
