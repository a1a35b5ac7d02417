-- nn.SpatialConvolution(nIn, nOut, kW, kH [, dW = 1, dH = 1] [, padW = 0, padH = padW]):
-- 2-D convolution of N x nIn x H x W (or nIn x H x W). weight is
-- nOut x nIn x kH x kW; Torch7's init: uniform ±1/sqrt(kW·kH·nIn).
local SC, parent = torch.class('nn.SpatialConvolution', 'nn.Module')

function SC:__init(nIn, nOut, kW, kH, dW, dH, padW, padH)
  parent.__init(self)
  assert(nIn and nOut and kW, 'nn.SpatialConvolution: expected (nIn, nOut, kW, kH ...)')
  self.nInputPlane, self.nOutputPlane = nIn, nOut
  self.kW, self.kH = kW, kH or kW
  self.dW, self.dH = dW or 1, dH or dW or 1
  self.padW = padW or 0
  self.padH = padH or self.padW
  self.weight = torch.Tensor(nOut, nIn, self.kH, self.kW)
  self.bias = torch.Tensor(nOut)
  self.gradWeight = torch.zeros(nOut, nIn, self.kH, self.kW)
  self.gradBias = torch.zeros(nOut)
  self:reset()
  self:_linkGrads()
end

SC.noBias = nn.Module._dropBias

function SC:reset(stdv)
  return self:_resetUniform(stdv or 1 / math.sqrt(self.kW * self.kH * self.nInputPlane))
end

function SC:updateOutput(input)
  if input:dim() ~= 3 and input:dim() ~= 4 then
    error(string.format('%s: expected a 3D or 4D input (nIn x H x W or N x nIn x H x W), got %dD',
                        torch.typename(self), input:dim()), 2)
  end
  self.output = nn.F.conv2d(input, self.weight, self.bias, {self.dH, self.dW},
                            {self.padH, self.padW}, nil, 1)
  return self.output
end

function SC:__tostring__()
  local s = string.format('%s(%d -> %d, %dx%d', torch.typename(self), self.nInputPlane,
                          self.nOutputPlane, self.kW, self.kH)
  if self.dW ~= 1 or self.dH ~= 1 or self.padW ~= 0 or self.padH ~= 0 then
    s = s .. string.format(', %d,%d', self.dW, self.dH)
  end
  if self.padW ~= 0 or self.padH ~= 0 then s = s .. string.format(', %d,%d', self.padW, self.padH) end
  return s .. ')'
end
return SC
