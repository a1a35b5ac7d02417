-- Torch7's 2-D padding modules (convolution.md): SpatialZeroPadding,
-- SpatialReflectionPadding, SpatialReplicationPadding(padLeft, padRight,
-- padTop, padBottom), for C x H x W or N x C x H x W input. Each is a
-- gather along H and W (index with a table of source rows/columns, or
-- narrow and cat for zeros), so the backward comes from the tape.
local nn = nn

local checkInput = nn.utils.checkImage

local function checkPads(name, l, r, t, b)
  for _, p in ipairs({l, r, t, b}) do
    if type(p) ~= 'number' or p ~= math.floor(p) then
      error(string.format('nn.%s: expected integer pads (padLeft, padRight, padTop, padBottom)', name), 4)
    end
  end
end

-- a padding class: pad(self, input, dim, before, after, n) returns the
-- input padded (or cropped, for negative counts) along dim
local function paddingClass(name, pad)
  local C, parent = torch.class('nn.' .. name, 'nn.Module')
  function C:__init(l, r, t, b)
    parent.__init(self)
    l = l or 0
    r, t, b = r or l, t or l, b or l
    checkPads(name, l, r, t, b)
    self.pad_l, self.pad_r, self.pad_t, self.pad_b = l, r, t, b
  end
  function C:updateOutput(input)
    checkInput(name, input)
    local h, w = input:dim() - 1, input:dim()
    local oh = input:size(h) + self.pad_t + self.pad_b
    local ow = input:size(w) + self.pad_l + self.pad_r
    if oh < 1 or ow < 1 then
      error(string.format('nn.%s: the output would be %dx%d (input %dx%d, pads %d,%d,%d,%d)', name,
                          oh, ow, input:size(h), input:size(w), self.pad_l, self.pad_r, self.pad_t,
                          self.pad_b), 2)
    end
    local y = pad(self, input, h, self.pad_t, self.pad_b)
    self.output = pad(self, y, w, self.pad_l, self.pad_r)
    return self.output
  end
  function C:__tostring__()
    return string.format('nn.%s(l=%d, r=%d, t=%d, b=%d)', name, self.pad_l, self.pad_r,
                         self.pad_t, self.pad_b)
  end
  return C
end

-- zeros: negative counts crop (narrow), positive ones add zero slabs (cat)
local function zeroPad(_, x, d, before, after)
  local n = x:size(d)
  local from, len = 1 + math.max(-before, 0), n - math.max(-before, 0) - math.max(-after, 0)
  if from ~= 1 or len ~= n then x = x:narrow(d, from, len) end
  local parts = {}
  local function zeros(k)
    local size = x:size():totable()
    size[d] = k
    return torch.zeros(torch.LongStorage(size)):type(x:type())
  end
  if before > 0 then parts[#parts + 1] = zeros(before) end
  parts[#parts + 1] = x
  if after > 0 then parts[#parts + 1] = zeros(after) end
  if #parts == 1 then return x end
  return torch.cat(parts, d)
end

-- the source index (1-based) of every output position j along a dim of n,
-- from src(i, n) for i = j - before (which may fall outside 1..n)
local function gatherPad(src, what)
  return function(self, x, d, before, after)
    if before == 0 and after == 0 then return x end
    local n = x:size(d)
    if what and (before >= n or after >= n) then
      error(string.format('nn.%s: %s padding (%d, %d) must be smaller than the input size %d of '
                          .. 'dimension %d', torch.typename(self):sub(4), what, before, after, n, d), 4)
    end
    local idx = {}
    for j = 1, n + before + after do idx[j] = src(j - before, n) end
    return x:index(d, torch.LongTensor(idx))
  end
end

paddingClass('SpatialZeroPadding', zeroPad)
-- reflection about the edge element (which is not repeated): 2 1 | 1 2 3 | 2 1
paddingClass('SpatialReflectionPadding', gatherPad(function(i, n)
  if i < 1 then return 2 - i end
  if i > n then return 2 * n - i end
  return i
end, 'reflection'))
-- the edge element repeated: 1 1 | 1 2 3 | 3 3
paddingClass('SpatialReplicationPadding', gatherPad(function(i, n)
  return math.min(math.max(i, 1), n)
end))

return nn
