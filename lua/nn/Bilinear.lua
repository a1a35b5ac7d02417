-- nn.Bilinear(inputSize1, inputSize2, outputSize [, bias = true]):
-- y[k] = x1ᵀ·W[k]·x2 + b[k] for input {x1 (N x in1), x2 (N x in2)};
-- weight outputSize x in1 x in2, uniform ±1/sqrt(in1).
local Bilinear, parent = torch.class('nn.Bilinear', 'nn.Module')
function Bilinear:__init(in1, in2, out, bias)
  parent.__init(self)
  self.weight = torch.Tensor(out, in1, in2)
  self.gradWeight = torch.zeros(out, in1, in2)
  if bias ~= false then
    self.bias = torch.Tensor(out)
    self.gradBias = torch.zeros(out)
  end
  self:reset()
  self:_linkGrads()
end
function Bilinear:reset(stdv)
  return self:_resetUniform(stdv or 1 / math.sqrt(self.weight:size(2)))
end
function Bilinear:updateOutput(input)
  local x1, x2 = input[1], input[2]
  local out, in1, in2 = self.weight:size(1), self.weight:size(2), self.weight:size(3)
  local N = x1:size(1)
  -- (x1 · W[k]) for every k in one product: W as (out·in2) x in1
  local w = self.weight:permute(1, 3, 2):reshape(out * in2, in1)
  local t = nn.F.linear(x1, w):view(N, out, in2)
  local y = torch.mul(t, x2:view(N, 1, in2)):sum(3, false)
  if self.bias then y = y + self.bias:view(1, out) end
  self.output = y
  return y
end
function Bilinear:__tostring__()
  return string.format('nn.Bilinear(%d, %d -> %d)', self.weight:size(2), self.weight:size(3),
                       self.weight:size(1))
end
return Bilinear
