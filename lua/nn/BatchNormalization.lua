-- nn.BatchNormalization(nFeature [, eps = 1e-5] [, momentum = 0.1] [, affine = true]):
-- normalizes each feature (dim 2) over the batch (and the spatial dims for
-- nn.SpatialBatchNormalization). Training uses batch statistics and
-- updates running_mean / running_var (unbiased); evaluate() uses them.
-- weight starts at 1 and bias at 0 (PyTorch's init; Torch7 drew weight uniformly).
local BN, parent = torch.class('nn.BatchNormalization', 'nn.Module')
BN.nDim = 2

function BN:__init(nFeature, eps, momentum, affine)
  parent.__init(self)
  assert(type(nFeature) == 'number', 'nn.BatchNormalization: expected the number of features')
  self.eps = eps or 1e-5
  self.momentum = momentum or 0.1
  self.affine = affine == nil and true or affine
  self.running_mean = torch.zeros(nFeature)
  self.running_var = torch.ones(nFeature)
  if self.affine then
    self.weight = torch.Tensor(nFeature)
    self.bias = torch.Tensor(nFeature)
    self.gradWeight = torch.zeros(nFeature)
    self.gradBias = torch.zeros(nFeature)
    self:reset()
    self:_linkGrads()
  end
end

function BN:reset()
  torch.no_grad(function()
    if self.weight then self.weight:fill(1) end
    if self.bias then self.bias:zero() end
    self.running_mean:zero()
    self.running_var:fill(1)
  end)
  return self
end

function BN:updateOutput(input)
  local d = input:dim()
  if d ~= self.nDim and d ~= self.nDim - 1 then
    error(string.format('%s: expected %dD or %dD input, got %dD', torch.typename(self),
                        self.nDim - 1, self.nDim, d), 2)
  end
  local x = input
  if d == self.nDim - 1 then x = input:view(1, unpack(input:size():totable())) end
  if self.running_mean:type() ~= input:type() then
    self.running_mean = self.running_mean:type(input:type())
    self.running_var = self.running_var:type(input:type())
  end
  local y = nn.F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.train ~= false, self.momentum, self.eps)
  if d == self.nDim - 1 then y = y:view(input:size()) end
  self.output = y
  return y
end

function BN:__tostring__()
  return string.format('%s (%dD) (%d)', torch.typename(self), self.nDim,
                       self.running_mean:nElement())
end
return BN
