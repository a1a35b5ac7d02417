-- nn.TemporalConvolution(inputFrameSize, outputFrameSize, kW [, dW = 1]):
-- 1-D convolution over frames of (B x) nFrames x inputFrameSize; output
-- (B x) nOutFrames x outputFrameSize. weight is outputFrameSize x
-- (kW·inputFrameSize) as in Torch7.
local TC, parent = torch.class('nn.TemporalConvolution', 'nn.Module')
function TC:__init(inputFrameSize, outputFrameSize, kW, dW)
  parent.__init(self)
  self.inputFrameSize, self.outputFrameSize = inputFrameSize, outputFrameSize
  self.kW, self.dW = kW, dW or 1
  self.weight = torch.Tensor(outputFrameSize, kW * inputFrameSize)
  self.bias = torch.Tensor(outputFrameSize)
  self.gradWeight = torch.zeros(outputFrameSize, kW * inputFrameSize)
  self.gradBias = torch.zeros(outputFrameSize)
  self:reset()
  self:_linkGrads()
end
function TC:reset(stdv)
  return self:_resetUniform(stdv or 1 / math.sqrt(self.kW * self.inputFrameSize))
end
function TC:updateOutput(input)
  local batched = input:dim() == 3
  local x = batched and input or input:view(1, input:size(1), input:size(2))
  -- frames x features -> features x frames; weight (out, kW, in) -> (out, in, kW)
  local w = self.weight:view(self.outputFrameSize, self.kW, self.inputFrameSize):transpose(2, 3)
  local y = nn.F.conv1d(x:transpose(2, 3), w, self.bias, {self.dW}, {0}, nil, 1):transpose(2, 3)
  self.output = batched and y or y:select(1, 1)
  return self.output
end
return TC
