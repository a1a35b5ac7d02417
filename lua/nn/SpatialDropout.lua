-- nn.SpatialDropout([p = 0.5]): drops whole feature maps (dim 2 of a
-- batch N x C x H x W, dim 1 of C x H x W), scaling the rest by 1/(1-p).
local SpatialDropout = torch.class('nn.SpatialDropout', 'nn.Module')
function SpatialDropout:__init(p)
  nn.Module.__init(self)
  self.p = p or 0.5
end
function SpatialDropout:updateOutput(input)
  if not self.train or self.p == 0 then self.output = input return input end
  local size = input:size():totable()
  for d = (input:dim() == 4 and 3 or 2), input:dim() do size[d] = 1 end
  self.noise = torch.zeros(torch.LongStorage(size)):type(input:type()):bernoulli(1 - self.p)
  self.noise:div(1 - self.p)
  self.output = torch.mul(input, self.noise)
  return self.output
end
return SpatialDropout
