-- nn.SpatialAdaptiveAveragePooling(oW, oH): averages over windows that
-- tile the input into an oH x oW output.
local P, parent = torch.class('nn.SpatialAdaptiveAveragePooling', 'nn.Module')
function P:__init(oW, oH)
  parent.__init(self)
  self.oW, self.oH = oW, oH or oW
end
function P:updateOutput(input)
  self.output = nn.F.adaptive_avg_pool2d(input, {self.oH, self.oW})
  return self.output
end
return P
