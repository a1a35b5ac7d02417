-- image.scale: Torch7's resampling, axis by axis (columns first, then rows).
-- 'bilinear' is, per axis, linear interpolation on a grid whose end pixels
-- meet (enlarging) or the average of the source covered by each
-- destination pixel, partly covered pixels weighted by the covered fraction
-- (shrinking). 'simple' takes the source pixel floor(i * src / dst).
-- Positions are computed in single precision as Torch7's C did, so that
-- the same source pixels are picked.
local ffi = require 'ffi'

local new = function(x, ...) return torch[x:type():match('^torch%.(.*)$')](...) end

local function f32(v) return tonumber(ffi.cast('float', v)) end

-- along dimension d of x (a float or double tensor) from n to m entries
local function linear_axis(x, d, m)
  local n = x:size(d)
  if m == n then return x end
  local shape = {}
  for i = 1, x:dim() do shape[i] = 1 end
  shape[d] = m
  if m > n then
    -- enlarging: dst[i] = (1 - f) src[k] + f src[k + 1], k + f = i (n - 1) / (m - 1)
    local i0, i1, w = torch.LongTensor(m), torch.LongTensor(m), new(x, m)
    local step = f32((n - 1) / (m - 1))
    for i = 0, m - 1 do
      local s
      if n == 1 then s = 0 elseif i == m - 1 then s = n - 1 else s = f32(i * step) end
      local k = math.floor(s)
      i0[i + 1], i1[i + 1], w[i + 1] = k + 1, math.min(k + 1, n - 1) + 1, s - k
    end
    w = w:view(unpack(shape))
    return torch.add(x:index(d, i0):cmul(1 - w), x:index(d, i1):cmul(w))
  end
  -- shrinking: the mean of src over [i s, (i + 1) s), s = n / m, from the
  -- running integral I(t) = sum of src below floor(t) + frac(t) src[floor(t)]
  -- (in double precision: the running sums of a long row lose digits in float)
  local t = x:type()
  x = x:double()
  local cs = torch.cumsum(x, d)
  local sz = x:size():totable()
  sz[d] = 1
  local P = torch.cat(new(x, unpack(sz)):zero(), cs, d) -- P[k] = sum of src[0..k-1]
  local k0, k1, kc0, kc1 = torch.LongTensor(m), torch.LongTensor(m), torch.LongTensor(m), torch.LongTensor(m)
  local f0, f1, span = new(x, m), new(x, m), new(x, m)
  local step = f32(n / m)
  local s0 = 0
  for i = 0, m - 1 do
    local s1 = f32((i + 1) * step)
    local a, b = math.floor(s0), math.floor(s1)
    k0[i + 1], k1[i + 1] = a + 1, b + 1
    kc0[i + 1], kc1[i + 1] = math.min(a, n - 1) + 1, math.min(b, n - 1) + 1
    f0[i + 1], f1[i + 1] = s0 - a, b < n and s1 - b or 0
    span[i + 1] = (b + f1[i + 1]) - s0
    s0 = s1
  end
  f0, f1, span = f0:view(unpack(shape)), f1:view(unpack(shape)), span:view(unpack(shape))
  local hi = P:index(d, k1):add(x:index(d, kc1):cmul(f1))
  local lo = P:index(d, k0):add(x:index(d, kc0):cmul(f0))
  return hi:add(-1, lo):cdiv(span):type(t)
end

local function simple_axis(x, d, m)
  local n = x:size(d)
  local idx = torch.LongTensor(m)
  local step = f32(n / m)
  for i = 0, m - 1 do idx[i + 1] = math.min(math.floor(f32(i * step)), n - 1) + 1 end
  return x:index(d, idx)
end

return function(image)
  local fail = image._fail

  local function resample(src, dst, width, height, mode)
    mode = mode or 'bilinear'
    if mode ~= 'bilinear' and mode ~= 'simple' then
      fail('scale', "mode must be 'bilinear' or 'simple', got '%s'", tostring(mode))
    end
    local x = image._chw('scale', src)
    local t = torch.type(src)
    local work = x
    if mode == 'bilinear' and t ~= 'torch.FloatTensor' and t ~= 'torch.DoubleTensor' then work = x:float() end
    local axis = mode == 'bilinear' and linear_axis or simple_axis
    -- integer types truncate after each axis, as Torch7's C (its
    -- intermediate image has the source's type)
    local whole = work ~= x and torch.floor or function(t) return t end
    local r = whole(axis(whole(axis(work, 3, width)), 2, height))
    if rawequal(r, work) then r = r:clone() end -- same size: still a new tensor
    if src:dim() == 2 then r = r[1] end
    if dst then return dst:copy(r) end
    return r:type(t)
  end

  -- image.scale(src, width, height [, mode]), image.scale(src, size [, mode])
  -- (size: the longer side, a number or 'N'; '^N' the shorter side; 'WxH'),
  -- image.scale(dst, src [, mode]) (to dst's size)
  function image.scale(a, b, c, d)
    if torch.isTensor(a) and torch.isTensor(b) then
      local dw, dh = image._wh('scale', a)
      local dd, sd = a:dim(), image._chw('scale', b):dim()
      if a:dim() ~= b:dim() or (dd == 3 and a:size(1) ~= b:size(1)) then
        fail('scale', 'src and dst depths do not match (%s and %s)',
             table.concat(b:size():totable(), 'x'), table.concat(a:size():totable(), 'x'))
      end
      return resample(b, a, dw, dh, c)
    end
    local src = a
    local iw, ih = image._wh('scale', src)
    local width, height, mode
    if type(b) == 'number' and type(c) == 'number' then
      width, height, mode = b, c, d
    elseif type(b) == 'number' or type(b) == 'string' then
      mode = c
      local n = tonumber(b)
      if n then
        local m = math.max(iw, ih)
        width, height = iw / m * n, ih / m * n
      else
        local w, h = b:match('^(%d+)x(%d+)$')
        if w then
          width, height = tonumber(w), tonumber(h)
        else
          local s = b:match('^%^(%d+)$')
          if not s then fail('scale', "size must be a number, 'N', '^N' or 'WxH', got '%s'", b) end
          local m = math.min(iw, ih)
          width, height = iw / m * tonumber(s), ih / m * tonumber(s)
        end
      end
    else
      fail('scale', 'expected (src, width, height [, mode]), (src, size [, mode]) or (dst, src [, mode])')
    end
    width, height = math.floor(width), math.floor(height)
    if width < 1 or height < 1 then
      fail('scale', 'the result would be %dx%d (width x height): each must be at least 1', width, height)
    end
    return resample(src, nil, width, height, mode)
  end
end
