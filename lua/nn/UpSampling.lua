-- Torch7's 2-D upsampling modules (convolution.md) for C x H x W or
-- N x C x H x W input: SpatialUpSamplingNearest(scale) and
-- SpatialUpSamplingBilinear(scale | {oheight=, owidth=}). Both are
-- gathers along H and W (and, for bilinear, a weighted sum of two), so the
-- backward comes from the tape.
local nn = nn

local checkInput = nn.utils.checkImage

local function isPosInt(v) return type(v) == 'number' and v >= 1 and v == math.floor(v) end

-- nn.SpatialUpSamplingNearest(scale): out[u][v] = in[floor((u-1)/scale)+1][floor((v-1)/scale)+1]
local Nearest, parent = torch.class('nn.SpatialUpSamplingNearest', 'nn.Module')
function Nearest:__init(scale)
  parent.__init(self)
  if not isPosInt(scale) then
    error('nn.SpatialUpSamplingNearest: scale must be a positive integer, got ' .. tostring(scale), 2)
  end
  self.scale_factor = scale
end
function Nearest:updateOutput(input)
  checkInput('SpatialUpSamplingNearest', input)
  local s = self.scale_factor
  local size = input:size():totable()
  local h, w = #size - 1, #size
  local H, W = size[h], size[w]
  -- view ... x H x 1 x W x 1, expand to s along the new dims, fold them in
  local v = {}
  for i = 1, h - 1 do v[i] = size[i] end
  local big = {unpack(v)}
  v[#v + 1], v[#v + 2], v[#v + 3], v[#v + 4] = H, 1, W, 1
  big[#big + 1], big[#big + 2], big[#big + 3], big[#big + 4] = H, s, W, s
  size[h], size[w] = H * s, W * s
  self.output = input:contiguous():view(torch.LongStorage(v)):expand(torch.LongStorage(big))
                     :reshape(torch.LongStorage(size))
  return self.output
end
function Nearest:__tostring__()
  return string.format('nn.SpatialUpSamplingNearest(%d)', self.scale_factor)
end

-- nn.SpatialUpSamplingBilinear(scale) or ({oheight = H, owidth = W}):
-- bilinear interpolation with the corners aligned (output pixel j of o
-- samples the input at j·(n-1)/(o-1), 0-based). With scale, o = (n-1)·scale + 1.
local Bilinear, parent2 = torch.class('nn.SpatialUpSamplingBilinear', 'nn.Module')
function Bilinear:__init(params)
  parent2.__init(self)
  if type(params) == 'table' then
    if not (isPosInt(params.oheight) and isPosInt(params.owidth)) then
      error('nn.SpatialUpSamplingBilinear: expected {oheight = H, owidth = W} with positive integers', 2)
    end
    self.oheight, self.owidth = params.oheight, params.owidth
  elseif isPosInt(params) then
    self.scale_factor = params
  else
    error('nn.SpatialUpSamplingBilinear: expected a positive integer scale or {oheight = H, '
          .. 'owidth = W}, got ' .. tostring(params), 2)
  end
end

-- out along dim d (size n -> o): (1 - λ)·x[i0] + λ·x[i1], λ broadcast
-- along the dims after d
local function lerp(x, d, o)
  local n = x:size(d)
  if n == o then return x end
  local i0, i1, lam = {}, {}, {}
  local r = o > 1 and (n - 1) / (o - 1) or 0
  for j = 1, o do
    local src = (j - 1) * r
    local f = math.floor(src)
    i0[j], i1[j] = f + 1, math.min(f + 1, n - 1) + 1
    lam[j] = src - f
  end
  local shape = {o}
  for _ = d + 1, x:dim() do shape[#shape + 1] = 1 end
  local L = torch.DoubleTensor(lam):type(x:type()):view(torch.LongStorage(shape))
  local a, b = x:index(d, torch.LongTensor(i0)), x:index(d, torch.LongTensor(i1))
  return a + torch.cmul(b - a, L)
end

function Bilinear:updateOutput(input)
  checkInput('SpatialUpSamplingBilinear', input)
  local h, w = input:dim() - 1, input:dim()
  local oh, ow = self.oheight, self.owidth
  if self.scale_factor then
    oh = (input:size(h) - 1) * self.scale_factor + 1
    ow = (input:size(w) - 1) * self.scale_factor + 1
  end
  self.output = lerp(lerp(input, h, oh), w, ow)
  return self.output
end
function Bilinear:__tostring__()
  if self.scale_factor then
    return string.format('nn.SpatialUpSamplingBilinear(%d)', self.scale_factor)
  end
  return string.format('nn.SpatialUpSamplingBilinear({oheight=%d, owidth=%d})', self.oheight, self.owidth)
end

return nn
