-- nn.SoftMax(): softmax over the last dimension of a 1-D or 2-D input and
-- over the planes (dim 1, or dim 2 with a batch) of 3-D / 4-D ones (Torch7).
local SoftMax = torch.class('nn.SoftMax', 'nn.Module')
function nn._softmaxDim(input)
  local d = input:dim()
  if d == 1 or d == 2 then return d end
  if d == 3 then return 1 end
  return 2
end
function SoftMax:updateOutput(input)
  self.output = nn.F.softmax(input, nn._softmaxDim(input))
  return self.output
end
return SoftMax
