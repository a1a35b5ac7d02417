-- nn.SmoothL1Criterion([sizeAverage = true]): 0.5·d² where |d| < 1, |d| - 0.5 else.
local C, parent = torch.class('nn.SmoothL1Criterion', 'nn.Criterion')
function C:__init(sizeAverage)
  parent.__init(self)
  if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
end
function C:_loss(input, target)
  return nn.F.smooth_l1_loss(input, target, self:_reduction(), 1)
end
return C
