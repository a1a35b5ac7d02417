-- More of Torch7's resampling modules (convolution.md, simple.md), built
-- from recorded tensor ops and the existing kernels: SpatialMaxUnpooling
-- (torch.max_unpool2d), PixelShuffle (view/permute), TemporalSubSampling
-- and SpatialSubSampling (window sums times a per-plane weight, plus a
-- per-plane bias), VolumetricReplicationPadding (gathers). Backward from
-- the tape.
local nn = nn

local function isPosInt(v) return type(v) == 'number' and v >= 1 and v == math.floor(v) end

local function checkDims(name, input, a, b, what, level)
  if not torch.isTensor(input) or (input:dim() ~= a and input:dim() ~= b) then
    error(string.format('nn.%s: expected a %dD (%s) or %dD (N x %s) tensor as input, got %s', name,
                        a, what, b, what, torch.isTensor(input) and (input:dim() .. 'D') or type(input)),
          level or 3)
  end
end

-- a shape of n ones with size s at dim d (for a per-plane weight)
local function planeShape(n, d, s)
  local shape = {}
  for i = 1, n do shape[i] = 1 end
  shape[d] = s
  return torch.LongStorage(shape)
end

-- nn.SpatialMaxUnpooling(poolingModule) ---------------------------------------------

-- puts each input value back where poolingModule's last forward found its
-- maximum (its .indices), zeros elsewhere; the output has the size of that
-- pooling's input. As Torch7, the pooling's kernel must equal its stride.
local SMU, parent = torch.class('nn.SpatialMaxUnpooling', 'nn.Module')
function SMU:__init(poolingModule)
  parent.__init(self)
  if torch.typename(poolingModule) ~= 'nn.SpatialMaxPooling' then
    error('nn.SpatialMaxUnpooling: expected an nn.SpatialMaxPooling module, got '
          .. (torch.typename(poolingModule) or type(poolingModule)), 2)
  end
  local p = poolingModule
  if p.kH ~= p.dH or p.kW ~= p.dW then
    error(string.format("nn.SpatialMaxUnpooling: the pooling module's kernel (%dx%d) must equal its "
                        .. 'stride (%dx%d)', p.kW, p.kH, p.dW, p.dH), 2)
  end
  self.pooling = p
end

-- the pooling's indices and input size. Torch7 recorded the size by
-- patching the pooling's updateOutput (a function field, which files cannot
-- hold); here it is read from the pooling's last input (kept by forward
-- and by containers), else from iheight/iwidth fields, else computed from
-- the kernel as the smallest input that gives the indices' size.
function SMU:setParams()
  local p = self.pooling
  if not torch.isTensor(p.indices) then
    error('nn.SpatialMaxUnpooling: the pooling module has no indices (run its forward first)', 3)
  end
  -- (a :type() call converts every tensor field, the indices too)
  self.indices = p.indices:type() == 'torch.LongTensor' and p.indices or p.indices:long()
  local x, d = p._input, p.indices:dim()
  if torch.isTensor(x) and x:dim() == d then
    self.oheight, self.owidth = x:size(d - 1), x:size(d)
  elseif p.iheight and p.iwidth then
    self.oheight, self.owidth = p.iheight, p.iwidth
  else
    self.oheight = (p.indices:size(d - 1) - 1) * p.dH + p.kH - 2 * p.padH
    self.owidth = (p.indices:size(d) - 1) * p.dW + p.kW - 2 * p.padW
  end
end

function SMU:updateOutput(input)
  checkDims('SpatialMaxUnpooling', input, 3, 4, 'C x H x W')
  self:setParams()
  local idx = self.indices
  if not input:isSameSizeAs(idx) then
    error(string.format('nn.SpatialMaxUnpooling: the input (%s) must have the size of the pooling '
                        .. "module's output (%s)", table.concat(input:size():totable(), 'x'),
                        table.concat(idx:size():totable(), 'x')), 2)
  end
  self.output = torch.max_unpool2d(input, idx, {self.oheight, self.owidth})
  return self.output
end

function SMU:__tostring__()
  return 'nn.SpatialMaxUnpooling associated to ' .. tostring(self.pooling)
end

-- nn.PixelShuffle(upscaleFactor) ---------------------------------------------------

-- (N x) C·r² x H x W -> (N x) C x H·r x W·r: output[c][h·r + i][w·r + j] =
-- input[c·r² + i·r + j][h][w] (0-based), the sub-pixel convolution layout
local PS, parent2 = torch.class('nn.PixelShuffle', 'nn.Module')
function PS:__init(upscaleFactor)
  parent2.__init(self)
  if not isPosInt(upscaleFactor) then
    error('nn.PixelShuffle: expected a positive integer upscaleFactor', 2)
  end
  self.upscaleFactor = upscaleFactor
  self.upscaleFactorSquared = upscaleFactor * upscaleFactor
end

function PS:updateOutput(input)
  checkDims('PixelShuffle', input, 3, 4, 'C x H x W')
  local r, batched = self.upscaleFactor, input:dim() == 4
  local N = batched and input:size(1) or 1
  local c0 = batched and 2 or 1
  local Cr, H, W = input:size(c0), input:size(c0 + 1), input:size(c0 + 2)
  if Cr % self.upscaleFactorSquared ~= 0 then
    error(string.format('nn.PixelShuffle: the number of planes (%d) must be divisible by '
                        .. 'upscaleFactor² (%d)', Cr, self.upscaleFactorSquared), 2)
  end
  local C = Cr / self.upscaleFactorSquared
  -- N x C x r x r x H x W, permuted to N x C x H x r x W x r. Dims of size 1
  -- are left out of that intermediate: lib's view of a permuted tensor
  -- with a size-1 dim among merged ones gets the strides wrong, which
  -- broke the backward here (the gradient's view back to the input)
  local dims, order = {N, C, r, r, H, W}, {1, 2, 5, 3, 6, 4}
  local kept, pos, perm = {}, {}, {}
  for i, n in ipairs(dims) do
    if n > 1 then
      kept[#kept + 1] = n
      pos[i] = #kept
    end
  end
  for _, d in ipairs(order) do
    if pos[d] then perm[#perm + 1] = pos[d] end
  end
  local y = input
  if #kept > 1 then y = input:reshape(torch.LongStorage(kept)):permute(unpack(perm)) end
  if batched then
    y = y:reshape(N, C, H * r, W * r)
  else
    y = y:reshape(C, H * r, W * r)
  end
  self.output = y
  return y
end

function PS:__tostring__()
  return string.format('nn.PixelShuffle(%d)', self.upscaleFactor)
end

-- sub-sampling: Σ over the window · weight[plane] + bias[plane] ------------------------

local function subSamplingReset(self, stdv, k)
  -- Torch7: a given stdv is scaled by √3 (the std of U(-a, a) is a/√3)
  return self:_resetUniform(stdv and stdv * math.sqrt(3) or 1 / math.sqrt(k))
end

-- nn.TemporalSubSampling(inputFrameSize, kW [, dW = 1]): input T x F (or
-- N x T x F), output T' x F with T' = floor((T - kW)/dW) + 1 and
-- output[t][i] = bias[i] + weight[i] · Σ_{k=1..kW} input[dW(t-1)+k][i]
local TSS, parent3 = torch.class('nn.TemporalSubSampling', 'nn.Module')
function TSS:__init(inputFrameSize, kW, dW)
  parent3.__init(self)
  dW = dW or 1
  if not (isPosInt(inputFrameSize) and isPosInt(kW) and isPosInt(dW)) then
    error('nn.TemporalSubSampling: expected positive integers (inputFrameSize, kW [, dW])', 2)
  end
  self.inputFrameSize, self.kW, self.dW = inputFrameSize, kW, dW
  self.weight = torch.Tensor(inputFrameSize)
  self.bias = torch.Tensor(inputFrameSize)
  self.gradWeight = torch.Tensor(inputFrameSize):zero()
  self.gradBias = torch.Tensor(inputFrameSize):zero()
  self:reset()
  self:_linkGrads()
end

function TSS:reset(stdv) return subSamplingReset(self, stdv, self.kW) end

function TSS:updateOutput(input)
  checkDims('TemporalSubSampling', input, 2, 3, 'frames x features')
  local t, f = input:dim() - 1, input:dim()
  if input:size(f) ~= self.inputFrameSize then
    error(string.format('nn.TemporalSubSampling: the input has %d features per frame, expected %d',
                        input:size(f), self.inputFrameSize), 2)
  end
  if input:size(t) < self.kW then
    error(string.format('nn.TemporalSubSampling: the input has %d frames, fewer than kW = %d',
                        input:size(t), self.kW), 2)
  end
  local u = input:unfold(t, self.kW, self.dW) -- (N x) T' x F x kW
  local s = torch.sum(u, u:dim()):select(u:dim(), 1)
  self.output = torch.cmul(s, self.weight) + self.bias
  return self.output
end

function TSS:__tostring__()
  return string.format('nn.TemporalSubSampling(%d, %d, %d)', self.inputFrameSize, self.kW, self.dW)
end

-- nn.SpatialSubSampling(nInputPlane, kW, kH [, dW = 1, dH = 1]): input
-- C x H x W (or N x C x H x W), output[k][i][j] = bias[k] + weight[k] ·
-- Σ over the kH x kW window at ((i-1)dH + 1, (j-1)dW + 1) of plane k
local SSS, parent4 = torch.class('nn.SpatialSubSampling', 'nn.Module')
function SSS:__init(nInputPlane, kW, kH, dW, dH)
  parent4.__init(self)
  dW, dH = dW or 1, dH or 1
  for _, v in ipairs({nInputPlane or 0, kW or 0, kH or 0, dW, dH}) do
    if not isPosInt(v) then
      error('nn.SpatialSubSampling: expected positive integers (nInputPlane, kW, kH [, dW, dH])', 2)
    end
  end
  self.nInputPlane, self.kW, self.kH, self.dW, self.dH = nInputPlane, kW, kH, dW, dH
  self.weight = torch.Tensor(nInputPlane)
  self.bias = torch.Tensor(nInputPlane)
  self.gradWeight = torch.Tensor(nInputPlane):zero()
  self.gradBias = torch.Tensor(nInputPlane):zero()
  self:reset()
  self:_linkGrads()
end

function SSS:reset(stdv) return subSamplingReset(self, stdv, self.kW * self.kH) end

function SSS:updateOutput(input)
  checkDims('SpatialSubSampling', input, 3, 4, 'C x H x W')
  local c = input:dim() - 2
  if input:size(c) ~= self.nInputPlane then
    error(string.format('nn.SpatialSubSampling: the input has %d planes, expected %d', input:size(c),
                        self.nInputPlane), 2)
  end
  if input:size(c + 1) < self.kH or input:size(c + 2) < self.kW then
    error(string.format('nn.SpatialSubSampling: the input (%dx%d) is smaller than the kernel (%dx%d)',
                        input:size(c + 1), input:size(c + 2), self.kH, self.kW), 2)
  end
  -- the window sum: the mean of the average-pooling kernel times kW·kH
  local s = nn.F.avg_pool2d(input, {self.kH, self.kW}, {self.dH, self.dW}, {0, 0}, false, true)
  local shape = planeShape(input:dim(), c, self.nInputPlane)
  local w = torch.mul(self.weight, self.kW * self.kH):view(shape)
  self.output = torch.cmul(s, w) + self.bias:view(shape)
  return self.output
end

function SSS:__tostring__()
  return string.format('nn.SpatialSubSampling(%d, %dx%d, %d,%d)', self.nInputPlane, self.kW, self.kH,
                       self.dW, self.dH)
end

-- nn.VolumetricReplicationPadding(pleft [, pright, ptop, pbottom, pfront, pback])
-- (each defaults to pleft): C x T x H x W or N x C x T x H x W, the edge
-- values repeated; front/back pad the time dim, top/bottom H, left/right W.
-- Negative pads crop (the gather picks inner rows).
local VRP, parent5 = torch.class('nn.VolumetricReplicationPadding', 'nn.Module')
function VRP:__init(pleft, pright, ptop, pbottom, pfront, pback)
  parent5.__init(self)
  pleft = pleft or 0
  self.pleft = pleft
  self.pright = pright or pleft
  self.ptop = ptop or pleft
  self.pbottom = pbottom or pleft
  self.pfront = pfront or pleft
  self.pback = pback or pleft
  for _, p in ipairs({self.pleft, self.pright, self.ptop, self.pbottom, self.pfront, self.pback}) do
    if type(p) ~= 'number' or p ~= math.floor(p) then
      error('nn.VolumetricReplicationPadding: expected integer pads (pleft, pright, ptop, pbottom, '
            .. 'pfront, pback)', 2)
    end
  end
end

-- x padded along dim d: output position j reads source clamp(j - before, 1, n)
local function replicate(x, d, before, after)
  if before == 0 and after == 0 then return x end
  local n, idx = x:size(d), {}
  for j = 1, n + before + after do idx[j] = math.min(math.max(j - before, 1), n) end
  return x:index(d, torch.LongTensor(idx))
end

function VRP:updateOutput(input)
  checkDims('VolumetricReplicationPadding', input, 4, 5, 'C x T x H x W')
  local t = input:dim() - 2
  local pads = {{self.pfront, self.pback}, {self.ptop, self.pbottom}, {self.pleft, self.pright}}
  for i, p in ipairs(pads) do
    local n = input:size(t + i - 1) + p[1] + p[2]
    if n < 1 then
      error(string.format('nn.VolumetricReplicationPadding: the output would be empty along dimension '
                          .. '%d (size %d, pads %d, %d)', t + i - 1, input:size(t + i - 1), p[1], p[2]), 2)
    end
  end
  local y = input
  for i, p in ipairs(pads) do y = replicate(y, t + i - 1, p[1], p[2]) end
  self.output = y
  return y
end

function VRP:__tostring__()
  return string.format('nn.VolumetricReplicationPadding(l=%d, r=%d, t=%d, b=%d, f=%d, b=%d)', self.pleft,
                       self.pright, self.ptop, self.pbottom, self.pfront, self.pback)
end

return nn
