-- nn.Threshold([th = 1e-6, v = 0] [, inplace]): x where x > th, else v.
local Threshold = torch.class('nn.Threshold', 'nn.Module')
function Threshold:__init(th, v, inplace)
  nn.Module.__init(self)
  self.threshold = th or 1e-6
  self.val = v or 0
  self.inplace = inplace
end
function Threshold:updateOutput(input)
  local keep = input:gt(self.threshold)
  local other = torch.zerosLike(input):fill(self.val)
  self.output = torch.where(keep, input, other)
  return self.output
end
return Threshold
