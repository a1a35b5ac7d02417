-- More of Torch7's pooling modules (convolution.md), built from the 2-D
-- pooling kernels and recorded tensor ops (lib has no 1-D or 3-D pooling
-- kernel): TemporalMaxPooling, VolumetricMaxPooling,
-- VolumetricAveragePooling, SpatialLPPooling. Backward from the tape.
local nn = nn

local function isPosInt(v) return type(v) == 'number' and v >= 1 and v == math.floor(v) end

local function checkDims(name, input, a, b, what)
  if not torch.isTensor(input) or (input:dim() ~= a and input:dim() ~= b) then
    error(string.format('nn.%s: expected a %dD (%s) or %dD (N x %s) tensor as input, got %s', name,
                        a, what, b, what, torch.isTensor(input) and (input:dim() .. 'D') or type(input)), 3)
  end
end

-- max (or mean) over windows of k with step d along dim of x (unfold puts
-- each window in a new last dim)
local function windows(x, dim, k, d, op)
  local u = x:unfold(dim, k, d)
  local r = op == 'max' and (torch.max(u, u:dim())) or torch.mean(u, u:dim())
  return r:select(r:dim(), 1)
end

-- nn.TemporalMaxPooling(kW [, dW = kW]): max over windows of kW frames
-- (stride dW) of a T x F or N x T x F input; T' = floor((T - kW)/dW) + 1
local TMP, parent = torch.class('nn.TemporalMaxPooling', 'nn.Module')
function TMP:__init(kW, dW)
  parent.__init(self)
  dW = dW or kW
  if not (isPosInt(kW) and isPosInt(dW)) then
    error('nn.TemporalMaxPooling: expected positive integers kW [, dW]', 2)
  end
  self.kW, self.dW = kW, dW
end
function TMP:updateOutput(input)
  checkDims('TemporalMaxPooling', input, 2, 3, 'frames x features')
  local t = input:dim() - 1
  if input:size(t) < self.kW then
    error(string.format('nn.TemporalMaxPooling: the input has %d frames, fewer than kW = %d',
                        input:size(t), self.kW), 2)
  end
  self.output = windows(input, t, self.kW, self.dW, 'max')
  return self.output
end
function TMP:__tostring__()
  return string.format('nn.TemporalMaxPooling(%d, %d)', self.kW, self.dW)
end

-- the shared constructor of the volumetric poolings:
-- (kT, kW, kH [, dT = kT, dW = kW, dH = kH] [, padT = 0, padW = 0, padH = 0])
local function volInit(self, name, kT, kW, kH, dT, dW, dH, padT, padW, padH)
  self.kT, self.kW, self.kH = kT, kW, kH
  self.dT, self.dW, self.dH = dT or kT, dW or kW, dH or kH
  self.padT, self.padW, self.padH = padT or 0, padW or 0, padH or 0
  for _, v in ipairs({self.kT, self.kW, self.kH, self.dT, self.dW, self.dH}) do
    if not isPosInt(v) then
      error(string.format('nn.%s: expected positive integers kT, kW, kH [, dT, dW, dH]', name), 3)
    end
  end
  if self.padT * 2 > self.kT or self.padW * 2 > self.kW or self.padH * 2 > self.kH
     or self.padT < 0 or self.padW < 0 or self.padH < 0 then
    error(string.format('nn.%s: padding must be >= 0 and at most half the kernel size', name), 3)
  end
end

local function volTostring(self)
  local s = string.format('%s(%dx%dx%d, %d,%d,%d', torch.typename(self), self.kT, self.kW, self.kH,
                          self.dT, self.dW, self.dH)
  if self.padT ~= 0 or self.padW ~= 0 or self.padH ~= 0 then
    s = s .. string.format(', %d,%d,%d', self.padT, self.padW, self.padH)
  end
  return s .. ')'
end

-- pool a (N x) C x T x H x W input: the 2-D op over every H x W slice,
-- then windows of kT frames (padded with padValue) along T
local function volPool(self, name, input, pool2d, op, padValue)
  checkDims(name, input, 4, 5, 'C x T x H x W')
  local x = input:dim() == 4 and input:view(1, unpack(input:size():totable())) or input
  local N, C, T, H, W = unpack(x:size():totable())
  if T + 2 * self.padT < self.kT or H + 2 * self.padH < self.kH or W + 2 * self.padW < self.kW then
    error(string.format('nn.%s: the input (%dx%dx%d) is smaller than the kernel (%dx%dx%d)', name,
                        T, H, W, self.kT, self.kH, self.kW), 3)
  end
  local y = pool2d(x:contiguous():view(N * C * T, H, W))
  local oH, oW = y:size(2), y:size(3)
  y = y:view(N * C, T, oH * oW)
  local oT = self.ceil_mode and math.ceil((T + 2 * self.padT - self.kT) / self.dT) + 1
             or math.floor((T + 2 * self.padT - self.kT) / self.dT) + 1
  -- ceil mode: the last window must start inside the input or its left padding
  if self.ceil_mode and (oT - 1) * self.dT >= T + self.padT then oT = oT - 1 end
  local len = (oT - 1) * self.dT + self.kT
  local after = len - T - self.padT
  local parts = {}
  local function slab(k) return torch.Tensor(N * C, k, oH * oW):type(y:type()):fill(padValue) end
  if self.padT > 0 then parts[#parts + 1] = slab(self.padT) end
  parts[#parts + 1] = after < 0 and y:narrow(2, 1, T + after) or y
  if after > 0 then parts[#parts + 1] = slab(after) end
  if #parts > 1 then y = torch.cat(parts, 2) end
  local out = windows(y, 2, self.kT, self.dT, op)
  out = out:reshape(N, C, oT, oH, oW)
  if input:dim() == 4 then out = out:select(1, 1) end
  return out
end

-- nn.VolumetricMaxPooling(kT, kW, kH [, dT, dW, dH, padT, padW, padH]):
-- max over kT x kH x kW boxes (padding never wins); :ceil() / :floor()
local VMP, parent2 = torch.class('nn.VolumetricMaxPooling', 'nn.Module')
function VMP:__init(...)
  parent2.__init(self)
  volInit(self, 'VolumetricMaxPooling', ...)
  self.ceil_mode = false
end
function VMP:ceil() self.ceil_mode = true return self end
function VMP:floor() self.ceil_mode = false return self end
function VMP:updateOutput(input)
  self.output = volPool(self, 'VolumetricMaxPooling', input, function(x)
    return (nn.F.max_pool2d(x, {self.kH, self.kW}, {self.dH, self.dW}, {self.padH, self.padW}, nil,
                            self.ceil_mode))
  end, 'max', -math.huge)
  return self.output
end
VMP.__tostring__ = volTostring

-- nn.VolumetricAveragePooling(kT, kW, kH [, dT, dW, dH, padT, padW, padH]):
-- the mean over kT x kH x kW boxes, zero padding counted in the divisor
-- (Torch7's default); output sizes rounded down
local VAP, parent3 = torch.class('nn.VolumetricAveragePooling', 'nn.Module')
function VAP:__init(...)
  parent3.__init(self)
  volInit(self, 'VolumetricAveragePooling', ...)
end
function VAP:updateOutput(input)
  self.output = volPool(self, 'VolumetricAveragePooling', input, function(x)
    return nn.F.avg_pool2d(x, {self.kH, self.kW}, {self.dH, self.dW}, {self.padH, self.padW}, false, true)
  end, 'mean', 0)
  return self.output
end
VAP.__tostring__ = volTostring

-- nn.SpatialLPPooling(nInputPlane, pnorm, kW, kH [, dW = kW, dH = kH]):
-- (Σ x^p)^(1/p) over each kH x kW window (a p-norm for x >= 0)
local LPP, parent4 = torch.class('nn.SpatialLPPooling', 'nn.Module')
function LPP:__init(nInputPlane, pnorm, kW, kH, dW, dH)
  parent4.__init(self)
  if type(pnorm) ~= 'number' or pnorm <= 0 or not isPosInt(kW) or not isPosInt(kH or kW) then
    error('nn.SpatialLPPooling: expected (nInputPlane, pnorm > 0, kW, kH [, dW, dH])', 2)
  end
  self.nInputPlane, self.pnorm = nInputPlane, pnorm
  self.kW, self.kH = kW, kH or kW
  self.dW, self.dH = dW or self.kW, dH or self.kH
end
function LPP:updateOutput(input)
  checkDims('SpatialLPPooling', input, 3, 4, 'C x H x W')
  local p = self.pnorm
  local xp = p == 2 and torch.cmul(input, input) or torch.pow(input, p)
  local s = nn.F.avg_pool2d(xp, {self.kH, self.kW}, {self.dH, self.dW}, {0, 0}, false, true)
  s = torch.mul(s, self.kW * self.kH)
  self.output = p == 2 and torch.sqrt(s) or torch.pow(s, 1 / p)
  return self.output
end
function LPP:__tostring__()
  return string.format('nn.SpatialLPPooling(%g, %dx%d, %d,%d)', self.pnorm, self.kW, self.kH,
                       self.dW, self.dH)
end

return nn
