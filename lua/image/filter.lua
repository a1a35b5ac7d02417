-- Kernels and convolution: image.gaussian, image.gaussian1D and
-- image.convolve (Torch7's torch.conv2, a true convolution: the kernel is
-- flipped).
return function(image)
  local fail = image._fail

  local function number(fn, name, v, default)
    if v == nil then return default end
    if type(v) ~= 'number' then fail(fn, '%s must be a number, got %s', name, type(v)) end
    return v
  end

  -- image.gaussian(size, sigma, amplitude, normalize, width, height,
  -- sigma_horz, sigma_vert, mean_horz, mean_vert, tensor) or the same by name
  -- in a table: amplitude exp(-(u^2 + v^2) / 2), u = (x + 1 - (mean_horz
  -- width + 0.5)) / (sigma_horz width), x 0-based (v alike); sigma and the
  -- means are fractions of the size
  function image.gaussian(...)
    local a = {...}
    local o = type(a[1]) == 'table' and a[1] or {size = a[1], sigma = a[2], amplitude = a[3],
      normalize = a[4], width = a[5], height = a[6], sigma_horz = a[7], sigma_vert = a[8],
      mean_horz = a[9], mean_vert = a[10], tensor = a[11]}
    local size = number('gaussian', 'size', o.size, 3)
    local sigma = number('gaussian', 'sigma', o.sigma, 0.25)
    local amp = number('gaussian', 'amplitude', o.amplitude, 1)
    local w = number('gaussian', 'width', o.width, size)
    local h = number('gaussian', 'height', o.height, size)
    if w < 1 or h < 1 or w ~= math.floor(w) or h ~= math.floor(h) then
      fail('gaussian', 'size must be a whole number >= 1, got %gx%g', w, h)
    end
    local su = number('gaussian', 'sigma_horz', o.sigma_horz, sigma)
    local sv = number('gaussian', 'sigma_vert', o.sigma_vert, sigma)
    local mu = number('gaussian', 'mean_horz', o.mean_horz, 0.5) * w + 0.5
    local mv = number('gaussian', 'mean_vert', o.mean_vert, 0.5) * h + 0.5
    local u = torch.range(1, w):add(-mu):div(su * w):pow(2):mul(0.5)
    local v = torch.range(1, h):add(-mv):div(sv * h):pow(2):mul(0.5)
    local g = (v:view(h, 1) + u:view(1, w)):neg():exp():mul(amp)
    if o.normalize then g:div(g:sum()) end
    if o.tensor then return o.tensor:resize(h, w):copy(g) end
    return g:type(torch.getdefaulttensortype())
  end

  -- image.gaussian1D(size, sigma, amplitude, normalize, mean, tensor) or by
  -- name: amplitude exp(-((i - (mean size + 0.5)) / (sigma size))^2 / 2), i = 1..size
  function image.gaussian1D(...)
    local a = {...}
    local o = type(a[1]) == 'table' and a[1] or {size = a[1], sigma = a[2], amplitude = a[3],
      normalize = a[4], mean = a[5], tensor = a[6]}
    local size = number('gaussian1D', 'size', o.size, 3)
    if size < 1 or size ~= math.floor(size) then
      fail('gaussian1D', 'size must be a whole number >= 1, got %g', size)
    end
    local sigma = number('gaussian1D', 'sigma', o.sigma, 0.25)
    local amp = number('gaussian1D', 'amplitude', o.amplitude, 1)
    local c = number('gaussian1D', 'mean', o.mean, 0.5) * size + 0.5
    local g = torch.range(1, size):add(-c):div(sigma * size):pow(2):mul(-0.5):exp():mul(amp)
    if o.normalize then g:div(g:sum()) end
    if o.tensor then return o.tensor:resize(size):copy(g) end
    return g:type(torch.getdefaulttensortype())
  end

  -- image.convolve([dst,] src, kernel [, mode]): mode 'valid' (default),
  -- 'full' or 'same' (the full result's centre, src's size); a 2-D kernel on
  -- a C x H x W src convolves each channel
  function image.convolve(...)
    local a = {...}
    local dst
    if torch.isTensor(a[3]) then dst = table.remove(a, 1) end
    local src, k, mode = a[1], a[2], a[3] or 'valid'
    image._chw('convolve', src, 'src')
    if not torch.isTensor(k) or (k:dim() ~= 2 and k:dim() ~= 3) then
      fail('convolve', 'the kernel must be a 2-D or 3-D tensor')
    end
    if mode ~= 'valid' and mode ~= 'full' and mode ~= 'same' then
      fail('convolve', "mode must be 'full', 'valid' or 'same', got '%s'", tostring(mode))
    end
    if k:dim() == 2 and src:dim() == 3 then
      k = k:view(1, k:size(1), k:size(2)):expand(src:size(1), k:size(1), k:size(2)):contiguous()
    end
    local kd = k:dim()
    if mode == 'valid' and (k:size(kd) > src:size(src:dim()) or k:size(kd - 1) > src:size(src:dim() - 1)) then
      fail('convolve', "a %dx%d kernel is larger than the %dx%d image ('valid' mode)",
           k:size(kd - 1), k:size(kd), src:size(src:dim() - 1), src:size(src:dim()))
    end
    local r = torch.conv2(src, k:typeAs(src), mode == 'valid' and 'V' or 'F')
    if mode == 'same' then
      local cx = r:dim()
      r = r:narrow(cx - 1, math.ceil(k:size(kd - 1) / 2), src:size(src:dim() - 1))
           :narrow(cx, math.ceil(k:size(kd) / 2), src:size(src:dim()))
    end
    if dst then return dst:resizeAs(r):copy(r) end
    return mode == 'same' and r:clone() or r
  end
end
