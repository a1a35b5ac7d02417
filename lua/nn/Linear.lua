-- nn.Linear(inputSize, outputSize [, bias = true]): y = x·Wᵀ + b, for x of
-- size inputSize or N x inputSize. W is outputSize x inputSize (Torch7).
local nn = nn
local Linear, parent = torch.class('nn.Linear', 'nn.Module')

function Linear:__init(inputSize, outputSize, bias)
  parent.__init(self)
  assert(type(inputSize) == 'number' and type(outputSize) == 'number',
         'nn.Linear: expected (inputSize, outputSize)')
  self.weight = torch.Tensor(outputSize, inputSize)
  self.gradWeight = torch.Tensor(outputSize, inputSize):zero()
  if bias ~= false then
    self.bias = torch.Tensor(outputSize)
    self.gradBias = torch.Tensor(outputSize):zero()
  end
  self:reset()
  self:_linkGrads()
end

Linear.noBias = nn.Module._dropBias

-- Torch7's default: uniform in ±1/sqrt(inputSize)
function Linear:reset(stdv)
  return self:_resetUniform(stdv or 1 / math.sqrt(self.weight:size(2)))
end

function Linear:updateOutput(input)
  local W = self.weight
  if (input:dim() == 1 or input:dim() == 2) and input:size(input:dim()) ~= W:size(2) then
    error(string.format('nn.Linear: size mismatch, input has %d features, expected %d',
                        input:size(input:dim()), W:size(2)), 2)
  end
  if input:dim() == 1 then
    self.output = nn.F.linear(input:view(1, input:size(1)), W, self.bias):view(W:size(1))
  elseif input:dim() == 2 then
    self.output = nn.F.linear(input, W, self.bias)
  else
    error(string.format('nn.Linear: expected a vector or a matrix (N x %d) as input, got %d '
                        .. 'dimensions', W:size(2), input:dim()), 2)
  end
  return self.output
end

function Linear:__tostring__()
  return string.format('nn.Linear(%d -> %d%s)', self.weight:size(2), self.weight:size(1),
                       self.bias and '' or ' without bias')
end

return Linear
