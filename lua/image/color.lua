-- Colour spaces on 3 x H x W images (Torch7's coefficients): luma Y, YUV
-- and HSV. Each takes (input [, output]); output is resized and returned.
return function(image)
  local fail = image._fail

  local function rgb_input(fn, input)
    if not torch.isTensor(input) or input:dim() ~= 3 or input:size(1) < 3 then
      fail(fn, 'expected a 3 x H x W image (at least 3 channels), got %s',
           torch.isTensor(input) and table.concat(input:size():totable(), 'x') or type(input))
    end
    return input:narrow(1, 1, 3)
  end

  -- out = M x (per pixel), M a 3 x 3 table of rows
  local function mix(fn, M, input, output)
    local x = rgb_input(fn, input)
    local h, w = x:size(2), x:size(3)
    local m = x.new(M)
    output = output or x.new()
    output:resize(#M, h, w):copy(torch.mm(m, x:contiguous():view(3, h * w)):view(#M, h, w))
    return output
  end

  local Y = {{0.299, 0.587, 0.114}}
  local YUV = {{0.299, 0.587, 0.114}, {-0.14713, -0.28886, 0.436}, {0.615, -0.51499, -0.10001}}
  local RGB = {{1, 0, 1.13983}, {1, -0.39465, -0.58060}, {1, 2.03211, 0}}

  -- 1 x H x W: 0.299 R + 0.587 G + 0.114 B
  function image.rgb2y(input, output) return mix('rgb2y', Y, input, output) end
  function image.rgb2yuv(input, output) return mix('rgb2yuv', YUV, input, output) end
  function image.yuv2rgb(input, output) return mix('yuv2rgb', RGB, input, output) end

  -- H, S, V in [0, 1]; H is 0 where the pixel is gray (max = min)
  function image.rgb2hsv(input, output)
    local x = rgb_input('rgb2hsv', input)
    local r, g, b = x[1], x[2], x[3]
    local mx, mn = torch.cmax(torch.cmax(r, g), b), torch.cmin(torch.cmin(r, g), b)
    local d = mx - mn
    local gray = torch.eq(d, 0):typeAs(x)
    local dd = d + gray -- no division by 0 (those pixels take h = 0)
    local isr = torch.eq(mx, r):typeAs(x)
    local isg = torch.eq(mx, g):typeAs(x):cmul(1 - isr)
    local isb = (1 - isr - isg)
    local hr = torch.cdiv(g - b, dd) + torch.lt(g, b):typeAs(x):mul(6)
    local hg = torch.cdiv(b - r, dd) + 2
    local hb = torch.cdiv(r - g, dd) + 4
    local h = (hr:cmul(isr) + hg:cmul(isg) + hb:cmul(isb)):div(6):cmul(1 - gray)
    local s = torch.cdiv(d, mx + torch.eq(mx, 0):typeAs(x))
    output = output or x.new()
    output:resize(3, x:size(2), x:size(3))
    output[1]:copy(h); output[2]:copy(s); output[3]:copy(mx)
    return output
  end

  -- the sextant i = floor(6 h) picks (r, g, b) among v, p, q, t
  function image.hsv2rgb(input, output)
    local x = rgb_input('hsv2rgb', input)
    local h, s, v = x[1], x[2], x[3]
    local i = torch.floor(h * 6)
    local f = h * 6 - i
    local p = torch.cmul(v, 1 - s)
    local q = torch.cmul(v, 1 - torch.cmul(f, s))
    local t = torch.cmul(v, 1 - torch.cmul(1 - f, s))
    i = i:fmod(6) -- i % 6 of the C code (h in [0, 1]: i in 0..6)
    local pick = {{v, t, p}, {q, v, p}, {p, v, t}, {p, q, v}, {t, p, v}, {v, p, q}}
    output = output or x.new()
    output:resize(3, x:size(2), x:size(3)):zero()
    for k = 0, 5 do
      local m = torch.eq(i, k):typeAs(x)
      for c = 1, 3 do output[c]:add(torch.cmul(pick[k + 1][c], m)) end
    end
    return output
  end
end
