-- nn.SpatialMaxPooling(kW, kH [, dW = kW, dH = kH] [, padW = 0, padH = 0]):
-- max over kH x kW windows; :ceil() / :floor() pick the output size
-- rounding. self.indices holds the 1-based argmax in each plane (h·W + w + 1).
local SMP, parent = torch.class('nn.SpatialMaxPooling', 'nn.Module')
function SMP:__init(kW, kH, dW, dH, padW, padH)
  parent.__init(self)
  self.kW, self.kH = kW, kH or kW
  self.dW, self.dH = dW or self.kW, dH or self.kH
  self.padW, self.padH = padW or 0, padH or 0
  self.ceil_mode = false
end
function SMP:ceil() self.ceil_mode = true return self end
function SMP:floor() self.ceil_mode = false return self end
function SMP:updateOutput(input)
  local y, idx = nn.F.max_pool2d(input, {self.kH, self.kW}, {self.dH, self.dW},
                                 {self.padH, self.padW}, nil, self.ceil_mode)
  self.indices = idx
  -- the input's size, for nn.SpatialMaxUnpooling (Torch7 recorded it too)
  self.iheight, self.iwidth = input:size(input:dim() - 1), input:size(input:dim())
  self.output = y
  return y
end
function SMP:__tostring__()
  return string.format('%s(%dx%d, %d,%d, %d,%d)', torch.typename(self), self.kW, self.kH,
                       self.dW, self.dH, self.padW, self.padH)
end
return SMP
