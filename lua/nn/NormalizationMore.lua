-- Torch7's local normalization modules (convolution.md), built from
-- recorded tensor ops and torch.conv2d: SpatialCrossMapLRN (AlexNet's
-- normalization across planes), SpatialSubtractiveNormalization,
-- SpatialDivisiveNormalization, SpatialContrastiveNormalization (a
-- weighted neighbourhood over space and all planes). Backward from the tape.
local nn = nn

local function checkDims(name, input)
  if not torch.isTensor(input) or (input:dim() ~= 3 and input:dim() ~= 4) then
    error(string.format('nn.%s: expected a 3D (C x H x W) or 4D (N x C x H x W) tensor as input, got %s',
                        name, torch.isTensor(input) and (input:dim() .. 'D') or type(input)), 3)
  end
end

-- nn.SpatialCrossMapLRN(size [, alpha = 1e-4, beta = 0.75, k = 1]) ------------------

-- y_c = x_c / (k + alpha/size · Σ_{l in window(c)} x_l²)^beta, the window
-- from c - floor((size-1)/2) to c + size - 1 - floor((size-1)/2), clipped
-- to the planes (the kernel of Torch7's CUDA module; the Lua one agrees for
-- odd sizes and fails for even ones). PyTorch's local_response_norm puts
-- the extra plane of an even window before c instead.
local LRN, parent = torch.class('nn.SpatialCrossMapLRN', 'nn.Module')
function LRN:__init(size, alpha, beta, k)
  parent.__init(self)
  if type(size) ~= 'number' or size < 1 or size ~= math.floor(size) then
    error('nn.SpatialCrossMapLRN: expected a positive integer size', 2)
  end
  self.size = size
  self.alpha = alpha or 0.0001
  self.beta = beta or 0.75
  self.k = k or 1
end

function LRN:updateOutput(input)
  checkDims('SpatialCrossMapLRN', input)
  local c = input:dim() - 2
  local pre = math.floor((self.size - 1) / 2)
  local post = self.size - 1 - pre
  local sq = torch.cmul(input, input)
  -- zero planes before and after, then the sum of every window of size planes
  local parts = {}
  local function zeros(n)
    local s = input:size():totable()
    s[c] = n
    return torch.zeros(torch.LongStorage(s)):type(input:type())
  end
  if pre > 0 then parts[#parts + 1] = zeros(pre) end
  parts[#parts + 1] = sq
  if post > 0 then parts[#parts + 1] = zeros(post) end
  local padded = #parts > 1 and torch.cat(parts, c) or sq
  local u = padded:unfold(c, self.size, 1)
  local sum = torch.sum(u, u:dim()):select(u:dim(), 1)
  local scale = torch.mul(sum, self.alpha / self.size) + self.k
  self.output = torch.cmul(input, torch.pow(scale, -self.beta))
  return self.output
end

function LRN:__tostring__()
  return string.format('nn.SpatialCrossMapLRN(%d, %g, %g, %g)', self.size, self.alpha, self.beta, self.k)
end

-- the kernel-based normalizations ---------------------------------------------------

-- Torch7 builds a mean estimator (zero padding, the kernel on every plane,
-- a sum over planes) and divides its output by the estimator's output for
-- an input of ones (`coef`), which corrects the borders. A linear estimator
-- is one conv2d of the plane sum with the effective 2-D kernel K/(ΣK·n)
-- (the outer product k·kᵀ for a 1-D kernel k, as Torch7's separable pair).
local function setupKernel(self, name, nInputPlane, kernel)
  self.nInputPlane = nInputPlane or 1
  if type(self.nInputPlane) ~= 'number' or self.nInputPlane < 1 then
    error(string.format('nn.%s: expected a positive nInputPlane', name), 3)
  end
  kernel = kernel or torch.ones(9, 9)
  if not torch.isTensor(kernel) or (kernel:dim() ~= 1 and kernel:dim() ~= 2) then
    error(string.format('nn.%s: the averaging kernel must be a 1D or 2D tensor', name), 3)
  end
  if kernel:size(1) % 2 == 0 or (kernel:dim() == 2 and kernel:size(2) % 2 == 0) then
    error(string.format('nn.%s: the averaging kernel must have odd sizes, got %s', name,
                        table.concat(kernel:size():totable(), 'x')), 3)
  end
  self.kernel = kernel:clone() -- the caller's tensor is left alone (Torch7 divided it in place)
end

-- the effective kernel as a 1 x 1 x kH x kW conv2d weight of t's type, built
-- from self.kernel on first use (a module loaded from a Torch7 file has only
-- its kernel, already scaled: the scaling here does not depend on it)
local function kernel2d(self, t)
  local w = self._kernel2d
  if not torch.isTensor(w) then
    w = torch.no_grad(function()
      local kd = self.kernel:double()
      local k2 = kd:dim() == 2 and kd or torch.cmul(kd:view(-1, 1), kd:view(1, -1))
      return torch.div(k2, k2:sum() * self.nInputPlane):view(1, 1, k2:size(1), k2:size(2))
    end)
  end
  if w:type() ~= t:type() then w = w:type(t:type()) end
  self._kernel2d = w
  return w
end

-- Σ_planes Σ_window K·t (zero padded): (N x) C x H x W -> (N x) 1 x H x W
local function localSum(self, t)
  local w = kernel2d(self, t)
  local s = torch.sum(t, t:dim() - 2)
  return torch.conv2d(s, w, nil, 1, {math.floor(w:size(3) / 2), math.floor(w:size(4) / 2)})
end

-- the estimator's output for ones: 1 x H x W (a constant)
local function coefFor(self, input, name)
  local c = input:dim() - 2
  if input:size(c) ~= self.nInputPlane then
    error(string.format('nn.%s: the input has %d planes, expected %d', name, input:size(c),
                        self.nInputPlane), 3)
  end
  local H, W = input:size(c + 1), input:size(c + 2)
  if not (torch.isTensor(self.coef) and self.coef:dim() == 3 and self.coef:size(2) == H
          and self.coef:size(3) == W and self.coef:type() == input:type()) then
    self.coef = torch.no_grad(function()
      return localSum(self, torch.ones(self.nInputPlane, H, W):type(input:type()))
    end)
  end
  return self.coef
end

-- nn.SpatialSubtractiveNormalization([nInputPlane = 1, kernel = ones(9, 9)]):
-- x minus its weighted mean over the kernel's neighbourhood and all planes
local SSN, parent2 = torch.class('nn.SpatialSubtractiveNormalization', 'nn.Module')
function SSN:__init(nInputPlane, kernel)
  parent2.__init(self)
  setupKernel(self, 'SpatialSubtractiveNormalization', nInputPlane, kernel)
end

function SSN:updateOutput(input)
  checkDims('SpatialSubtractiveNormalization', input)
  local coef = coefFor(self, input, 'SpatialSubtractiveNormalization')
  self.output = input - torch.cdiv(localSum(self, input), coef)
  return self.output
end

function SSN:__tostring__()
  return string.format('nn.SpatialSubtractiveNormalization(%d, %s)', self.nInputPlane,
                       table.concat(self.kernel:size():totable(), 'x'))
end

-- nn.SpatialDivisiveNormalization([nInputPlane = 1, kernel = ones(9, 9),
-- threshold = 1e-4, thresval = 1e-4]): x / s where s = sqrt(Σ K·x²)/coef
-- (K the effective kernel above), replaced by thresval where s <= threshold
local SDN, parent3 = torch.class('nn.SpatialDivisiveNormalization', 'nn.Module')
function SDN:__init(nInputPlane, kernel, threshold, thresval)
  parent3.__init(self)
  setupKernel(self, 'SpatialDivisiveNormalization', nInputPlane, kernel)
  self.threshold = threshold or 1e-4
  self.thresval = thresval or 1e-4
end

function SDN:updateOutput(input)
  checkDims('SpatialDivisiveNormalization', input)
  local coef = coefFor(self, input, 'SpatialDivisiveNormalization')
  local std = torch.cdiv(torch.sqrt(localSum(self, torch.cmul(input, input))), coef)
  local kept = torch.where(std:gt(self.threshold), std, torch.zerosLike(std):fill(self.thresval))
  self.output = torch.cdiv(input, kept)
  return self.output
end

function SDN:__tostring__()
  return string.format('nn.SpatialDivisiveNormalization(%d, %s, %g, %g)', self.nInputPlane,
                       table.concat(self.kernel:size():totable(), 'x'), self.threshold, self.thresval)
end

-- nn.SpatialContrastiveNormalization([nInputPlane = 1, kernel = ones(9, 9),
-- threshold = 1e-4, thresval = 1e-4]): the subtractive then the divisive
-- normalization with the same kernel (in self.normalizer, as Torch7)
local SCN, parent4 = torch.class('nn.SpatialContrastiveNormalization', 'nn.Module')
function SCN:__init(nInputPlane, kernel, threshold, thresval)
  parent4.__init(self)
  setupKernel(self, 'SpatialContrastiveNormalization', nInputPlane, kernel)
  self.threshold = threshold or 1e-4
  self.thresval = thresval or 1e-4
  self.normalizer = nn.Sequential()
    :add(nn.SpatialSubtractiveNormalization(self.nInputPlane, self.kernel))
    :add(nn.SpatialDivisiveNormalization(self.nInputPlane, self.kernel, self.threshold, self.thresval))
end

function SCN:updateOutput(input)
  checkDims('SpatialContrastiveNormalization', input)
  local sub, div = self.normalizer.modules[1], self.normalizer.modules[2]
  self.output = div:updateOutput(sub:updateOutput(input))
  return self.output
end

function SCN:__tostring__()
  return string.format('nn.SpatialContrastiveNormalization(%d, %s, %g, %g)', self.nInputPlane,
                       table.concat(self.kernel:size():totable(), 'x'), self.threshold, self.thresval)
end

return nn
