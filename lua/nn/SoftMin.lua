-- nn.SoftMin(): softmax(-x); dims as nn.SoftMax.
local SoftMin = torch.class('nn.SoftMin', 'nn.Module')
function SoftMin:updateOutput(input)
  self.output = nn.F.softmax(torch.neg(input), nn._softmaxDim(input))
  return self.output
end
return SoftMin
