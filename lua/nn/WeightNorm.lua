-- nn.WeightNorm(module [, outputDim = 1]) (Salimans & Kingma 2016, as
-- Torch7's container): the wrapped module's weight is reparametrized as
-- w = g · v / ‖v‖, one norm per output unit. v is nOut x (the other weight
-- dims, flattened in order; outputDim moved to the front), g has nOut
-- entries; the parameters are {v, g [, bias]}. As Torch7, v starts normal
-- with std sqrt(2 / fan-in), g at the rows' norms, the bias at zero, and
-- ‖v‖ = sqrt(Σ v² + 1e-4). Each forward records w from v and g, runs the
-- module with it, and copies its values into module.weight (= self.weight).
local nn = nn
local WN, parent = torch.class('nn.WeightNorm', 'nn.Container')

function WN:__init(module, outputDim)
  parent.__init(self)
  if not (type(module) == 'table' and torch.isTypeOf(module, 'nn.Module')) or not torch.isTensor(module.weight) then
    error('nn.WeightNorm: expected a module with a weight tensor', 2)
  end
  local W = module.weight
  self.outputDim = outputDim or 1
  if type(self.outputDim) ~= 'number' or self.outputDim < 1 or self.outputDim > W:dim()
     or self.outputDim ~= math.floor(self.outputDim) then
    error(string.format('nn.WeightNorm: outputDim must be a dimension of the weight (1 to %d), got %s',
                        W:dim(), tostring(outputDim)), 2)
  end
  if module:_hasManual() then
    error('nn.WeightNorm: the module defines its own updateGradInput; only autograd modules can be wrapped', 2)
  end
  self.weight, self.gradWeight = W, module.gradWeight
  if module.bias then self.bias, self.gradBias = module.bias, module.gradBias end
  self.otherDims = 1
  for i = 1, W:dim() do
    if i ~= self.outputDim then self.otherDims = self.otherDims * W:size(i) end
  end
  local nOut = W:size(self.outputDim)
  self.viewIn = torch.LongStorage({nOut, self.otherDims})
  -- the weight's sizes with outputDim moved to the front
  local out = W:size():totable()
  table.insert(out, 1, table.remove(out, self.outputDim))
  self.viewOut = torch.LongStorage(out)
  self.v = torch.Tensor(nOut, self.otherDims):type(W:type())
  self.g = torch.Tensor(nOut):type(W:type())
  self.gradV = torch.Tensor(nOut, self.otherDims):type(W:type()):zero()
  self.gradG = torch.Tensor(nOut):type(W:type()):zero()
  self.modules[1] = module
  self:resetInit()
  self:_linkGrads()
end

function WN:resetInit()
  torch.no_grad(function()
    self.v:normal(0, math.sqrt(2 / self.otherDims))
    self.g:copy(torch.norm(self.v, 2, 2):view(-1))
    if self.bias then self.bias:zero() end
  end)
  return self
end

function WN:parameters()
  if self.bias then
    return {self.v, self.g, self.bias}, {self.gradV, self.gradG, self.gradBias}
  end
  return {self.v, self.g}, {self.gradV, self.gradG}
end

-- the parameters are WeightNorm's own (the module's weight is derived)
WN.zeroGradParameters = nn.Module.zeroGradParameters
WN.updateParameters = nn.Module.updateParameters

-- w from v and g (recorded), in the module's weight layout
function WN:_weight()
  local v = self.v
  local norm = torch.sqrt(torch.sum(torch.cmul(v, v), 2) + 1e-4) -- nOut x 1
  local w = torch.cmul(v, torch.cdiv(self.g:view(self.viewIn[1], 1), norm)):view(self.viewOut)
  -- move dim 1 back to outputDim (the inverse of the move above)
  for i = 1, self.outputDim - 1 do w = w:transpose(i, i + 1) end
  return w:contiguous()
end

function WN:updateOutput(input)
  self:_begin()
  if self._chained then
    error('nn.WeightNorm: the module defines its own updateGradInput; only autograd modules can be wrapped', 2)
  end
  local m = self.modules[1]
  local w = self:_weight()
  local saved = m.weight
  m.weight = w
  local ok, out = pcall(self._run, self, m, input)
  m.weight = saved
  if not ok then error(out, 0) end
  torch.no_grad(function() saved:copy(w) end) -- Torch7 keeps the module's weight current
  self.output = out
  return out
end

function WN:__tostring__()
  return 'nn.WeightNorm [' .. tostring(self.modules[1]) .. ']'
end

return WN
