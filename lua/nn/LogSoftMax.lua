-- nn.LogSoftMax(): log(softmax(x)), computed stably; dims as nn.SoftMax.
local LogSoftMax = torch.class('nn.LogSoftMax', 'nn.Module')
function LogSoftMax:updateOutput(input)
  self.output = nn.F.log_softmax(input, nn._softmaxDim(input))
  return self.output
end
return LogSoftMax
