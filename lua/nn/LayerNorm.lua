-- nn.LayerNorm(normalizedShape [, eps = 1e-5] [, affine = true]) (PyTorch):
-- normalizes over the last dims (a number or a table of sizes).
local LayerNorm, parent = torch.class('nn.LayerNorm', 'nn.Module')
function LayerNorm:__init(shape, eps, affine)
  parent.__init(self)
  self.normalizedShape = type(shape) == 'number' and {shape} or shape
  self.eps = eps or 1e-5
  if affine ~= false then
    local s = torch.LongStorage(self.normalizedShape)
    self.weight = torch.ones(s)
    self.bias = torch.zeros(s)
    self.gradWeight = torch.zeros(s)
    self.gradBias = torch.zeros(s)
    self:_linkGrads()
  end
end
function LayerNorm:updateOutput(input)
  self.output = nn.F.layer_norm(input, self.normalizedShape, self.weight, self.bias, self.eps)
  return self.output
end
return LayerNorm
