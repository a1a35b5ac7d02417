-- Torch7's elementwise modules without parameters (simple.md and
-- transfer.md): each forward is one or two recorded tensor ops, so the
-- backward comes from the tape. Grouped here because each is a few lines.
local nn = nn

-- a module class whose output is fn(self, input)
local function pointwise(name, fn, init)
  local C, parent = torch.class('nn.' .. name, 'nn.Module')
  function C:__init(...)
    parent.__init(self)
    if init then init(self, ...) end
  end
  function C:updateOutput(input)
    if not torch.isTensor(input) then
      error(string.format('nn.%s: expected a tensor as input, got %s', name, type(input)), 2)
    end
    self.output = fn(self, input)
    return self.output
  end
  return C
end

-- nn.Abs(): |x| (gradient 0 at 0)
pointwise('Abs', function(_, x) return torch.abs(x) end)
-- nn.Exp(): e^x
pointwise('Exp', function(_, x) return torch.exp(x) end)
-- nn.Log(): log(x)
pointwise('Log', function(_, x) return torch.log(x) end)
-- nn.Square(): x²
pointwise('Square', function(_, x) return torch.cmul(x, x) end)
-- nn.Sqrt([b = 0]): √x. Torch7 kept b as eps but never used it in the
-- forward; its gradient at 0 was 0, the tape's is inf (as PyTorch's).
pointwise('Sqrt', function(_, x) return torch.sqrt(x) end,
          function(self, b) self.eps = b or 0 end)
-- nn.Power(p): x^p
pointwise('Power', function(self, x) return torch.pow(x, self.pow) end,
          function(self, p)
            if type(p) ~= 'number' then error('nn.Power: expected a number p (the exponent)', 4) end
            self.pow = p
          end)
-- nn.SoftSign(): x / (1 + |x|)
pointwise('SoftSign', function(_, x) return torch.cdiv(x, torch.abs(x) + 1) end)
-- nn.LogSigmoid(): log(1 / (1 + e^-x)) = -softplus(-x), stable for large |x|
pointwise('LogSigmoid', function(_, x) return torch.neg(nn.F.softplus(torch.neg(x), 1, 20)) end)

local function checkLambda(name, self, lambda)
  self.lambda = lambda or 0.5
  if type(self.lambda) ~= 'number' or self.lambda < 0 then
    error(string.format('nn.%s: lambda must be a number >= 0, got %s', name, tostring(lambda)), 5)
  end
end
-- nn.HardShrink([lambda = 0.5]): x where |x| > lambda, 0 elsewhere
pointwise('HardShrink', function(self, x)
  return torch.cmul(x, torch.gt(torch.abs(x), self.lambda):type(x:type()))
end, function(self, l) checkLambda('HardShrink', self, l) end)
-- nn.SoftShrink([lambda = 0.5]): x - lambda above lambda, x + lambda below
-- -lambda, 0 between (x minus its clamp to [-lambda, lambda])
pointwise('SoftShrink', function(self, x)
  return x - torch.clamp(x, -self.lambda, self.lambda)
end, function(self, l) checkLambda('SoftShrink', self, l) end)

-- nn.Clamp(min, max): nn.HardTanh with the given bounds (Torch7's class
-- derives from HardTanh as well)
local Clamp, HardTanh = torch.class('nn.Clamp', 'nn.HardTanh')
function Clamp:__init(min, max)
  if type(min) ~= 'number' or type(max) ~= 'number' then
    error('nn.Clamp: expected (min_value, max_value) numbers', 2)
  end
  if max < min then error(string.format('nn.Clamp: max_value %g is below min_value %g', max, min), 2) end
  nn.Module.__init(self)
  self.min_val, self.max_val = min, max
end
function Clamp:updateOutput(input)
  -- Torch7 allows min == max, which HardTanh's kernel may not: clamp then
  if self.min_val == self.max_val then
    self.output = torch.clamp(input, self.min_val, self.max_val)
    return self.output
  end
  return HardTanh.updateOutput(self, input)
end

-- nn.RReLU([l = 1/8] [, u = 1/3] [, inplace]): x for x >= 0, a·x below,
-- with a drawn from U(l, u) per element in training and (l + u)/2 in
-- evaluate() (Torch7 multiplies by a, as here). self.noise keeps the slopes.
local RReLU, parent = torch.class('nn.RReLU', 'nn.Module')
function RReLU:__init(l, u, inplace)
  parent.__init(self)
  self.lower, self.upper = l or 1 / 8, u or 1 / 3
  if not (self.lower >= 0 and self.upper >= self.lower) then
    error(string.format('nn.RReLU: expected 0 <= l <= u, got l = %g, u = %g', self.lower, self.upper), 2)
  end
  self.inplace = inplace
end
function RReLU:updateOutput(input)
  local neg = torch.lt(input, 0):type(input:type())
  local slope
  if self.train then
    self.noise = torch.no_grad(function()
      return torch.zerosLike(input):uniform(self.lower, self.upper)
    end)
    slope = self.noise
  else
    slope = (self.lower + self.upper) / 2
  end
  -- x·(1 - neg) + x·neg·slope
  self.output = torch.cmul(input, torch.mul(neg, slope) - neg + 1)
  return self.output
end
function RReLU:__tostring__()
  return string.format('nn.RReLU (l:%f, u:%f)', self.lower, self.upper)
end

-- Custom backwards: identity forwards whose gradient is changed -----------------------

-- gradient reversal: y = x, dy/dx = -lambda
local reverse = torch.autograd.Function{
  name = 'nn.GradientReversal',
  forward = function(ctx, x, lambda)
    ctx.lambda = lambda
    return x:clone()
  end,
  backward = function(ctx, g) return torch.mul(g, -ctx.lambda) end,
}

-- nn.GradientReversal([lambda = 1]): identity forward; backward returns
-- -lambda · gradOutput (domain-adversarial training)
local GR = torch.class('nn.GradientReversal', 'nn.Module')
function GR:__init(lambda)
  nn.Module.__init(self)
  self.lambda = lambda or 1
end
function GR:setLambda(lambda) self.lambda = lambda end
function GR:updateOutput(input)
  self.output = reverse(input, self.lambda)
  return self.output
end

-- L1 penalty: y = x, dy/dx adds w·sign(x) (over the element count with
-- sizeAverage); provideOutput = false drops the incoming gradient
local l1 = torch.autograd.Function{
  name = 'nn.L1Penalty',
  forward = function(ctx, x, w, provide)
    ctx:saveForBackward(x)
    ctx.w, ctx.provide = w, provide
    return x:clone()
  end,
  backward = function(ctx, g)
    local x = ctx:savedTensors()
    local pen = torch.mul(torch.sign(x), ctx.w)
    if ctx.provide then return pen + g end
    return pen
  end,
}

-- nn.L1Penalty(l1weight [, sizeAverage = false] [, provideOutput = true]):
-- identity forward that records self.loss = l1weight·Σ|x| (divided by the
-- element count with sizeAverage) and adds its gradient in backward
local L1Penalty = torch.class('nn.L1Penalty', 'nn.Module')
function L1Penalty:__init(l1weight, sizeAverage, provideOutput)
  nn.Module.__init(self)
  if type(l1weight) ~= 'number' then error('nn.L1Penalty: expected a number l1weight', 2) end
  self.l1weight = l1weight
  self.sizeAverage = sizeAverage or false
  if provideOutput == nil then provideOutput = true end
  self.provideOutput = provideOutput
end
function L1Penalty:updateOutput(input)
  local w = self.l1weight
  if self.sizeAverage then w = w / input:nElement() end
  self.loss = torch.no_grad(function() return torch.abs(input):sum() * w end)
  self.output = l1(input, w, self.provideOutput)
  return self.output
end

return nn
