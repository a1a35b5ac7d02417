-- nn.VolumetricConvolution(nIn, nOut, kT, kW, kH [, dT, dW, dH] [, padT, padW, padH]):
-- 3-D convolution of (N x) nIn x T x H x W; weight nOut x nIn x kT x kH x kW.
local VC, parent = torch.class('nn.VolumetricConvolution', 'nn.Module')
function VC:__init(nIn, nOut, kT, kW, kH, dT, dW, dH, padT, padW, padH)
  parent.__init(self)
  self.nInputPlane, self.nOutputPlane = nIn, nOut
  self.kT, self.kW, self.kH = kT, kW, kH
  self.dT, self.dW, self.dH = dT or 1, dW or 1, dH or 1
  self.padT, self.padW, self.padH = padT or 0, padW or 0, padH or 0
  self.weight = torch.Tensor(nOut, nIn, kT, kH, kW)
  self.bias = torch.Tensor(nOut)
  self.gradWeight = torch.zeros(nOut, nIn, kT, kH, kW)
  self.gradBias = torch.zeros(nOut)
  self:reset()
  self:_linkGrads()
end
function VC:reset(stdv)
  return self:_resetUniform(stdv or 1 / math.sqrt(self.kT * self.kW * self.kH * self.nInputPlane))
end
function VC:updateOutput(input)
  self.output = nn.F.conv3d(input, self.weight, self.bias, {self.dT, self.dH, self.dW},
                            {self.padT, self.padH, self.padW}, nil, 1)
  return self.output
end
return VC
