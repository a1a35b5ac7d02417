-- require 'image': Torch7's image package (lua/image). Expected values are
-- hand-computed from Torch7's formulas (docs/packages.md) and checked in.
local U = require 'testutil'
require 'image'

local F = torch.FloatTensor
local x23 = F{{0, 1, 2}, {3, 4, 5}}
local x34 = F{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}}

describe('image.scale', function()
  -- {name, call, expected}
  local cases = {
    -- enlarging: the end pixels meet, step (n - 1) / (m - 1) per axis
    {'bilinear up 3x2 -> 5x3', function() return image.scale(x23, 5, 3) end,
     {{0, 0.5, 1, 1.5, 2}, {1.5, 2, 2.5, 3, 3.5}, {3, 3.5, 4, 4.5, 5}}},
    -- shrinking: the mean of the covered source, partial pixels weighted
    {'bilinear down 3x2 -> 2x1', function() return image.scale(x23, 2, 1) end,
     {{11 / 6, 19 / 6}}},
    {'bilinear down 7 -> 3 columns', function() return image.scale(F{{1, 2, 3, 4, 5, 6, 7}}, 3, 1) end,
     {{4 / (7 / 3), 9.33333333 / (7 / 3), 14.66666667 / (7 / 3)}}},
    {'simple 3x2 -> 2x2 (floor(i * 3 / 2))', function() return image.scale(x23, 2, 2, 'simple') end,
     {{0, 1}, {3, 4}}},
    {'simple 3x2 -> 6x2', function() return image.scale(x23, 6, 2, 'simple') end,
     {{0, 0, 1, 1, 2, 2}, {3, 3, 4, 4, 5, 5}}},
    {'size: the longer side', function() return image.scale(x23, 6) end,
     {{0, 0.4, 0.8, 1.2, 1.6, 2}, {1, 1.4, 1.8, 2.2, 2.6, 3}, {2, 2.4, 2.8, 3.2, 3.6, 4},
      {3, 3.4, 3.8, 4.2, 4.6, 5}}},
    {"'WxH' string", function() return image.scale(x23, '5x3') end,
     {{0, 0.5, 1, 1.5, 2}, {1.5, 2, 2.5, 3, 3.5}, {3, 3.5, 4, 4.5, 5}}},
    {'result first', function() return image.scale(F(3, 5), x23) end,
     {{0, 0.5, 1, 1.5, 2}, {1.5, 2, 2.5, 3, 3.5}, {3, 3.5, 4, 4.5, 5}}},
    {'same size is a copy', function() return image.scale(x23, 3, 2) end, {{0, 1, 2}, {3, 4, 5}}},
  }
  for _, c in ipairs(cases) do
    it(c[1], function() U.near(c[2](), F(c[3]), 1e-5) end)
  end

  it('scales each channel of C x H x W, keeping the type', function()
    local x = torch.DoubleTensor(2, 2, 3)
    x[1]:copy(x23); x[2]:copy(x23):mul(2)
    local r = image.scale(x, 5, 3)
    assert.equal('torch.DoubleTensor', r:type())
    assert.same({2, 3, 5}, r:size():totable())
    U.near(r[2], F{{0, 1, 2, 3, 4}, {3, 4, 5, 6, 7}, {6, 7, 8, 9, 10}}:double(), 1e-12)
    assert.equal(0, x23[1][1]) -- the source is untouched
  end)

  it('byte images truncate after each axis, as Torch7', function()
    -- columns: {3.33, 173.3} -> {3, 173} and {3.33, 4.67} -> {3, 4}; rows: {3, 88.5}
    local r = image.scale(torch.ByteTensor{{0, 10, 255}, {3, 4, 5}}, 2, 1)
    assert.equal('torch.ByteTensor', r:type())
    assert.same({{3, 88}}, r:double():totable())
  end)

  it("'^N': the shorter side", function()
    assert.same({4, 6}, image.scale(x23, '^4'):size():totable())
  end)
end)

describe('image.crop', function()
  local cases = {
    {'x1, y1, x2, y2 (0-based, ends excluded)', {x34, 1, 0, 3, 2}, {{1, 2}, {5, 6}}},
    {"'c'", {x34, 'c', 2, 2}, {{1, 2}, {5, 6}}},
    {"'tl'", {x34, 'tl', 2, 2}, {{0, 1}, {4, 5}}},
    {"'tr'", {x34, 'tr', 2, 2}, {{2, 3}, {6, 7}}},
    {"'bl'", {x34, 'bl', 2, 2}, {{4, 5}, {8, 9}}},
    {"'br'", {x34, 'br', 2, 2}, {{6, 7}, {10, 11}}},
    {'the whole image', {x34, 0, 0, 4, 3}, {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9, 10, 11}}},
  }
  for _, c in ipairs(cases) do
    it(c[1], function() U.near(image.crop(unpack(c[2])), F(c[3]), 0) end)
  end

  it('crops every channel and returns a new tensor', function()
    local x = torch.cat(x34:view(1, 3, 4), x34:view(1, 3, 4) * 10, 1)
    local r = image.crop(x, 2, 1, 4, 3)
    U.near(r[2], F{{60, 70}, {100, 110}}, 0)
    r:fill(-1)
    assert.equal(6, x[1][2][3])
  end)

  it('result first: (dst, src, x, y) takes dst\'s size', function()
    local r = image.crop(F(2, 3), x34, 1, 1)
    U.near(r, F{{5, 6, 7}, {9, 10, 11}}, 0)
  end)
end)

describe('image flips, translate, minmax', function()
  local x = F{{1, 2, 3}, {4, 5, 6}}
  it('hflip reverses columns, vflip rows', function()
    U.near(image.hflip(x), F{{3, 2, 1}, {6, 5, 4}}, 0)
    U.near(image.vflip(x), F{{4, 5, 6}, {1, 2, 3}}, 0)
    local d = F()
    image.hflip(d, x:view(1, 2, 3))
    U.near(d, F{{{3, 2, 1}, {6, 5, 4}}}, 0)
  end)

  it('translate moves right by x and down by y, filling with 0', function()
    U.near(image.translate(x34, 1, -1), F{{0, 4, 5, 6}, {0, 8, 9, 10}, {0, 0, 0, 0}}, 0)
    U.near(image.translate(x34, 5, 0), F(3, 4):zero(), 0)
  end)

  it('minmax scales to [0, 1]', function()
    local t = F{-1, 0, 3}
    U.near(image.minmax{tensor = t}, F{0, 0.25, 1}, 1e-7)
    U.near(image.minmax{tensor = t, min = 0, max = 2, saturate = true}, F{0, 0, 1}, 1e-7)
    U.near(image.minmax{tensor = t, symm = true}, F{1 / 3, 0.5, 1}, 1e-7)
    U.near(t, F{-1, 0, 3}, 0) -- not in place unless asked
  end)
end)

describe('image colour spaces', function()
  -- pixels (r, g, b) as a 3 x 1 x 6 image
  local rgb = F{{{1, 0.2, 0.5, 0, 0.1, 0.9}}, {{0.5, 0.6, 0.5, 0, 0.2, 0.1}}, {{0.25, 0.4, 0.5, 0, 0.8, 0.3}}}
  it('rgb2y: 0.299 R + 0.587 G + 0.114 B, 1 x H x W', function()
    local y = image.rgb2y(rgb)
    assert.same({1, 1, 6}, y:size():totable())
    U.near(y[1][1][1], 0.621, 1e-6)
  end)

  it('rgb2yuv and back', function()
    local yuv = image.rgb2yuv(rgb)
    U.near(yuv:select(3, 1), F{{0.621}, {-0.18256}, {0.3325025}}, 1e-6)
    U.near(image.yuv2rgb(yuv), rgb, 1e-4)
  end)

  it('rgb2hsv and back (r, g, b largest; gray; black)', function()
    local hsv = image.rgb2hsv(rgb)
    U.near(hsv, F{{{1 / 18, 2.5 / 6, 0, 0, (4 - 1 / 7) / 6, 5.75 / 6}},
                  {{0.75, 2 / 3, 0, 0, 0.875, 8 / 9}},
                  {{1, 0.6, 0.5, 0, 0.8, 0.9}}}, 1e-6)
    U.near(image.hsv2rgb(hsv), rgb, 1e-6)
  end)
end)

describe('image kernels and convolve', function()
  local g1 = {0.41111229050718745, 1.0, 0.41111229050718745}
  it('gaussian1D: sigma and mean are fractions of the size', function()
    U.near(image.gaussian1D(3), F(g1), 1e-6)
    U.near(image.gaussian1D(3, 0.25, 1, true), F{0.22561011128405165, 0.5487797774318969, 0.22561011128405165}, 1e-6)
    U.near(image.gaussian1D{size = 5, sigma = 0.2, amplitude = 2},
           F{0.2706705664732254, 1.2130613194252668, 2.0, 1.2130613194252668, 0.2706705664732254}, 1e-6)
  end)

  it('gaussian: the outer product of the 1-D ones', function()
    U.near(image.gaussian(3), F{{0.1690133154060661, 0.41111229050718745, 0.1690133154060661},
                                {0.41111229050718745, 1.0, 0.41111229050718745},
                                {0.1690133154060661, 0.41111229050718745, 0.1690133154060661}}, 1e-6)
    local n = image.gaussian{size = 3, normalize = true}
    U.near(n[2][2], 0.3011592441182023, 1e-6)
    U.near(n:sum(), 1, 1e-6)
    assert.same({3, 5}, image.gaussian{width = 5, height = 3}:size():totable())
  end)

  local x = F{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}}
  local k = F{{1, 0}, {0, 2}}
  it("convolve 'valid' (default) flips the kernel", function()
    U.near(image.convolve(x, k), F{{7, 10}, {16, 19}}, 1e-6)
  end)
  it("convolve 'full' and 'same'", function()
    U.near(image.convolve(x, k, 'full'), F{{1, 2, 3, 0}, {4, 7, 10, 6}, {7, 16, 19, 12}, {0, 14, 16, 18}}, 1e-6)
    U.near(image.convolve(x, k, 'same'), F{{1, 2, 3}, {4, 7, 10}, {7, 16, 19}}, 1e-6)
  end)
  it('convolve: a 2-D kernel on each channel', function()
    local r = image.convolve(torch.cat(x:view(1, 3, 3), x:view(1, 3, 3) * 2, 1), k)
    U.near(r[2], F{{14, 20}, {32, 38}}, 1e-6)
  end)
end)

describe('image.load / image.save', function()
  local img = F(3, 2, 3)
  for i = 1, 18 do img:storage()[i] = (i * 13 % 256) / 255 end
  local path = os.tmpname() .. '.png'
  after_each(function() os.remove(path) end)

  it('round-trips a PNG', function()
    image.save(path, img)
    local r = image.load(path)
    assert.equal('torch.FloatTensor', r:type())
    U.near(r, img, 1e-6)
    local b = image.load(path, nil, 'byte')
    assert.equal('torch.ByteTensor', b:type())
    assert.equal(13, b[1][1][1])
    assert.equal('torch.DoubleTensor', image.load(path, 3, 'double'):type())
    U.near(image.load(path, 1), image.rgb2y(img)[1], 1e-6)
    assert.same({3, 2, 3}, image.getSize(path):totable())
  end)

  it('writes and sizes a JPEG', function()
    local jpg = os.tmpname() .. '.jpg'
    image.save(jpg, img)
    assert.same({3, 2, 3}, image.getSize(jpg):totable())
    local g = image.load(jpg, 1, 'byte')
    os.remove(jpg)
    assert.equal('torch.ByteTensor', g:type())
    assert.same({2, 3}, g:size():totable())
  end)
end)

describe('image errors', function()
  U.error_cases({
    {'an unknown scale mode', function() image.scale(x23, 4, 4, 'cubic') end, 'image.scale', 'mode'},
    {'a 1-D image', function() image.scale(F(3), 4, 4) end, 'image.scale', 'dimensions'},
    {'a bad size string', function() image.scale(x23, 'big') end, 'image.scale', "'big'"},
    {'mismatched scale depths', function() image.scale(F(2, 3, 3), F(3, 2, 2)) end, 'image.scale', 'depths'},
    {'a crop outside the image', function() image.crop(x34, 2, 0, 5, 2) end, 'image.crop', 'outside'},
    {'a crop bigger than the image', function() image.crop(x34, 'c', 5, 2) end, 'image.crop', 'outside'},
    {'an unknown crop format', function() image.crop(x34, 'middle', 2, 2) end, 'image.crop', 'format'},
    {'a flip of a 4-D tensor', function() image.hflip(F(1, 1, 2, 2)) end, 'image.hflip', 'dimensions'},
    {'a gray image to rgb2y', function() image.rgb2y(x23) end, 'image.rgb2y', '3 x H x W'},
    {'an unknown convolve mode', function() image.convolve(x34, F(2, 2), 'wrap') end, 'image.convolve', 'mode'},
    {"a kernel larger than a 'valid' image", function() image.convolve(x23, F(3, 3)) end, 'image.convolve', 'larger'},
    {'a missing file', function() image.load('/nonexistent/x.png') end, 'image.load'},
    {'a bad depth', function() image.load('x.png', 2) end, 'image.load', 'depth'},
    {'an unknown file type', function() image.save('/tmp/x.gif', x23) end, 'image.save', 'gif'},
    {'getSize of a missing file', function() image.getSize('/nonexistent/x.png') end, 'image.getSize'},
  })
end)
