-- nn.SpatialFullConvolution(nIn, nOut, kW, kH [, dW = 1, dH = 1] [, padW = 0, padH = 0]
-- [, adjW = 0, adjH = 0]): the transposed convolution; output size
-- (H - 1)·dH - 2·padH + kH + adjH. weight is nIn x nOut x kH x kW (Torch7).
local SFC, parent = torch.class('nn.SpatialFullConvolution', 'nn.Module')
function SFC:__init(nIn, nOut, kW, kH, dW, dH, padW, padH, adjW, adjH)
  parent.__init(self)
  self.nInputPlane, self.nOutputPlane = nIn, nOut
  self.kW, self.kH = kW, kH or kW
  self.dW, self.dH = dW or 1, dH or 1
  self.padW, self.padH = padW or 0, padH or 0
  self.adjW, self.adjH = adjW or 0, adjH or 0
  self.weight = torch.Tensor(nIn, nOut, self.kH, self.kW)
  self.bias = torch.Tensor(nOut)
  self.gradWeight = torch.zeros(nIn, nOut, self.kH, self.kW)
  self.gradBias = torch.zeros(nOut)
  self:reset()
  self:_linkGrads()
end
SFC.noBias = nn.Module._dropBias

function SFC:reset(stdv)
  return self:_resetUniform(stdv or 1 / math.sqrt(self.kW * self.kH * self.nInputPlane))
end
function SFC:updateOutput(input)
  self.output = nn.F.conv_transpose2d(input, self.weight, self.bias, {self.dH, self.dW},
                                      {self.padH, self.padW}, {self.adjH, self.adjW}, 1, nil)
  return self.output
end
function SFC:__tostring__()
  return string.format('%s(%d -> %d, %dx%d, %d,%d, %d,%d)', torch.typename(self), self.nInputPlane,
                       self.nOutputPlane, self.kW, self.kH, self.dW, self.dH, self.padW, self.padH)
end
return SFC
