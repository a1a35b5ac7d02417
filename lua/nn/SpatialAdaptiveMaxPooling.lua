-- nn.SpatialAdaptiveMaxPooling(oW, oH): maxima over windows that tile the
-- input into an oH x oW output; self.indices are 1-based.
local P, parent = torch.class('nn.SpatialAdaptiveMaxPooling', 'nn.Module')
function P:__init(oW, oH)
  parent.__init(self)
  self.oW, self.oH = oW, oH or oW
end
function P:updateOutput(input)
  local y, idx = nn.F.adaptive_max_pool2d(input, {self.oH, self.oW})
  self.indices = idx
  self.output = y
  return y
end
return P
