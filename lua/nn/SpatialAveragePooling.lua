-- nn.SpatialAveragePooling(kW, kH [, dW = 1, dH = 1] [, padW = 0, padH = 0]):
-- mean over windows (padded zeros count unless :setCountExcludePad()).
local SAP, parent = torch.class('nn.SpatialAveragePooling', 'nn.Module')
function SAP:__init(kW, kH, dW, dH, padW, padH)
  parent.__init(self)
  self.kW, self.kH = kW, kH or kW
  self.dW, self.dH = dW or 1, dH or 1
  self.padW, self.padH = padW or 0, padH or 0
  self.ceil_mode = false
  self.count_include_pad = true
end
function SAP:ceil() self.ceil_mode = true return self end
function SAP:floor() self.ceil_mode = false return self end
function SAP:setCountIncludePad() self.count_include_pad = true return self end
function SAP:setCountExcludePad() self.count_include_pad = false return self end
function SAP:updateOutput(input)
  self.output = nn.F.avg_pool2d(input, {self.kH, self.kW}, {self.dH, self.dW},
                                {self.padH, self.padW}, self.ceil_mode, self.count_include_pad, 0)
  return self.output
end
function SAP:__tostring__()
  return string.format('%s(%dx%d, %d,%d, %d,%d)', torch.typename(self), self.kW, self.kH,
                       self.dW, self.dH, self.padW, self.padH)
end
return SAP
