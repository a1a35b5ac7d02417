-- nn.SpatialDilatedConvolution(nIn, nOut, kW, kH [, dW, dH] [, padW, padH]
-- [, dilationW = 1, dilationH = 1]): SpatialConvolution with holes.
local SDC, parent = torch.class('nn.SpatialDilatedConvolution', 'nn.SpatialConvolution')
function SDC:__init(nIn, nOut, kW, kH, dW, dH, padW, padH, dilationW, dilationH)
  parent.__init(self, nIn, nOut, kW, kH, dW, dH, padW, padH)
  self.dilationW, self.dilationH = dilationW or 1, dilationH or 1
end
function SDC:updateOutput(input)
  self.output = nn.F.conv2d(input, self.weight, self.bias, {self.dH, self.dW},
                            {self.padH, self.padW}, {self.dilationH, self.dilationW}, 1)
  return self.output
end
return SDC
