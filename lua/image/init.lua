-- require 'image': the most used parts of Torch7's image package. Images
-- are C x H x W (or H x W) tensors, floats in [0, 1] (bytes 0..255 where
-- asked for); x is the column, y the row, both 0-based where a function takes
-- pixel coordinates (crop, translate), as in Torch7. Decoding and encoding
-- are torch.loadImage / torch.saveImage (PNG and JPEG).
require 'torch'
local image = rawget(_G, 'image') or {}
_G.image = image

local function fail(fn, fmt, ...)
  error('image.' .. fn .. ': ' .. string.format(fmt, ...), 3)
end
image._fail = fail

-- src must be an H x W or C x H x W tensor; returns it as C x H x W (a view)
-- and whether it was 2-D
function image._chw(fn, src, what)
  if not torch.isTensor(src) then
    fail(fn, 'expected %s (a tensor), got %s', what or 'an image', type(src))
  end
  if src:dim() == 2 then return src:view(1, src:size(1), src:size(2)), true end
  if src:dim() ~= 3 then
    fail(fn, '%s must be H x W or C x H x W, got %d dimensions', what or 'the image', src:dim())
  end
  return src, false
end

-- width and height of an H x W or C x H x W image
function image._wh(fn, src)
  local x = image._chw(fn, src)
  return x:size(3), x:size(2)
end

-- loading and saving ---------------------------------------------------------

local tensortypes = {float = 'float', double = 'double', byte = 'byte'}

-- image.load(path [, depth [, tensortype]]): depth 1 (gray: a colour image
-- becomes its luma, H x W, as Torch7 did), 3 (RGB, alpha dropped) or nil (as
-- stored); tensortype 'float' (default, [0, 1]), 'double' or 'byte' (0..255)
function image.load(path, depth, tensortype)
  if type(path) ~= 'string' then fail('load', 'expected a file name (string), got %s', type(path)) end
  if depth ~= nil and depth ~= 1 and depth ~= 3 then
    fail('load', 'depth must be 1 or 3, got %s', tostring(depth))
  end
  tensortype = tensortype or 'float'
  if not tensortypes[tensortype] then
    fail('load', "tensortype must be 'float', 'double' or 'byte', got %s", tostring(tensortype))
  end
  local ok, a = pcall(torch.loadImage, path, {type = 'byte'})
  if not ok then fail('load', '%s', (tostring(a):gsub('^.-loadImage: ', ''))) end
  local c = a:size(1)
  if tensortype ~= 'byte' then a = a[tensortype](a):div(255) end
  if depth == 1 then
    if c >= 3 then
      local y = image.rgb2y(tensortype == 'byte' and a:narrow(1, 1, 3):float() or a:narrow(1, 1, 3))[1]
      a = tensortype == 'byte' and y:add(0.5):floor():byte() or y
    elseif c == 2 then
      a = a:narrow(1, 1, 1):clone()
    end
  elseif depth == 3 then
    if c == 4 then a = a:narrow(1, 1, 3):clone()
    elseif c ~= 3 then fail('load', "'%s' has %d channels, cannot give depth 3", path, c) end
  end
  return a
end

-- image.save(path, img): PNG or JPEG by the extension; floats are clamped to
-- [0, 1] and scaled by 255 (bytes are written as they are)
function image.save(path, img)
  if type(path) ~= 'string' then fail('save', 'expected a file name (string), got %s', type(path)) end
  image._chw('save', img)
  local ext = (path:match('%.(%a+)$') or ''):lower()
  if ext ~= 'png' and ext ~= 'jpg' and ext ~= 'jpeg' then
    fail('save', "unknown image type '%s' (png, jpg or jpeg)", ext)
  end
  local ok, err = pcall(torch.saveImage, path, img)
  if not ok then fail('save', '%s', (tostring(err):gsub('^.-saveImage: ', ''))) end
end

-- image.getSize(path): a LongTensor {channels, height, width}, read from the
-- PNG or JPEG header without decoding the pixels
function image.getSize(path)
  local f = io.open(path, 'rb')
  if not f then fail('getSize', "cannot open '%s'", tostring(path)) end
  local head = f:read(8) or ''
  local function u16(s, i) return s:byte(i) * 256 + s:byte(i + 1) end
  local c, h, w
  if head == '\137PNG\r\n\26\n' then
    local ihdr = f:read(25) or ''
    if #ihdr == 25 and ihdr:sub(5, 8) == 'IHDR' then
      w = u16(ihdr, 9) * 65536 + u16(ihdr, 11)
      h = u16(ihdr, 13) * 65536 + u16(ihdr, 15)
      local ct = ihdr:byte(18)
      c = ({[0] = 1, [2] = 3, [3] = 3, [4] = 2, [6] = 4})[ct]
    end
  elseif head:sub(1, 2) == '\255\216' then
    f:seek('set', 2)
    while true do
      local m = f:read(4)
      if not m or #m < 4 or m:byte(1) ~= 255 then break end
      local marker, len = m:byte(2), u16(m, 3)
      if marker >= 0xC0 and marker <= 0xCF and marker ~= 0xC4 and marker ~= 0xC8 and marker ~= 0xCC then
        local sof = f:read(6) or ''
        if #sof == 6 then h, w, c = u16(sof, 2), u16(sof, 4), sof:byte(6) end
        break
      end
      f:seek('cur', len - 2)
    end
  end
  f:close()
  if not (c and h and w) then fail('getSize', "'%s' is neither a PNG nor a JPEG file", path) end
  return torch.LongTensor{c, h, w}
end

-- geometry ---------------------------------------------------------------------

-- the bounds of a crop, checked: x1 <= x < x2 and y1 <= y < y2 (0-based)
local function checked_region(src, x1, y1, x2, y2)
  for _, v in ipairs({x1, y1, x2, y2}) do
    if type(v) ~= 'number' or v ~= math.floor(v) then
      fail('crop', 'expected integer pixel coordinates, got %s', tostring(v))
    end
  end
  local w, h = image._wh('crop', src)
  if x1 < 0 or y1 < 0 or x2 > w or y2 > h or x2 <= x1 or y2 <= y1 then
    fail('crop', 'region x %d..%d, y %d..%d goes outside the %dx%d image (0 <= x1 < x2 <= width, 0 <= y1 < y2 <= height)',
         x1, x2, y1, y2, w, h)
  end
  local d = src:dim()
  return src:narrow(d, x1 + 1, x2 - x1):narrow(d - 1, y1 + 1, y2 - y1)
end

local corners = {
  c = function(w, h, cw, ch) return math.floor((w - cw) / 2), math.floor((h - ch) / 2) end,
  tl = function() return 0, 0 end,
  tr = function(w, h, cw) return w - cw, 0 end,
  bl = function(w, h, cw, ch) return 0, h - ch end,
  br = function(w, h, cw, ch) return w - cw, h - ch end,
}

-- image.crop([dst,] src, x1, y1, x2, y2) or ([dst,] src, format, width,
-- height); a given dst receives the region scaled to its own size (Torch7);
-- image.crop(dst, src, x, y): dst's size of region starting at (x, y)
function image.crop(...)
  local args = {...}
  local dst
  if torch.isTensor(args[2]) then dst = table.remove(args, 1) end
  local src = args[1]
  image._chw('crop', src)
  local x1, y1, x2, y2
  if type(args[2]) == 'string' then
    local at = corners[args[2]]
    if not at then fail('crop', "format must be 'c', 'tl', 'tr', 'bl' or 'br', got '%s'", args[2]) end
    local cw, ch = args[3], args[4]
    if type(cw) ~= 'number' or type(ch) ~= 'number' then
      fail('crop', 'expected the width and height of the crop after the format')
    end
    local w, h = image._wh('crop', src)
    x1, y1 = at(w, h, cw, ch)
    x2, y2 = x1 + cw, y1 + ch
  elseif #args == 3 and dst then
    local dw, dh = image._wh('crop', dst)
    x1, y1 = args[2], args[3]
    x2, y2 = (tonumber(x1) or 0) + dw, (tonumber(y1) or 0) + dh
  elseif #args == 5 then
    x1, y1, x2, y2 = args[2], args[3], args[4], args[5]
  else
    fail('crop', 'expected ([dst,] src, x1, y1, x2, y2), ([dst,] src, format, width, height) or (dst, src, x, y)')
  end
  local region = checked_region(src, x1, y1, x2, y2)
  if not dst then return region:clone() end
  if #args == 3 then return dst:copy(region) end
  return image.scale(dst, region)
end

-- image.translate([dst,] src, x, y): shifted right by x and down by y; what
-- comes in from outside is 0
function image.translate(...)
  local args = {...}
  local dst
  if torch.isTensor(args[2]) then dst = table.remove(args, 1) end
  local src, tx, ty = args[1], args[2], args[3]
  image._chw('translate', src)
  if type(tx) ~= 'number' or type(ty) ~= 'number' then
    fail('translate', 'expected (src, x, y) with numbers x and y')
  end
  tx = tx < 0 and math.ceil(tx) or math.floor(tx) -- truncated, as Torch7's C did
  ty = ty < 0 and math.ceil(ty) or math.floor(ty)
  local out = dst or src.new()
  out:resizeAs(src):zero()
  local w, h = image._wh('translate', src)
  local cw, ch = w - math.abs(tx), h - math.abs(ty)
  if cw > 0 and ch > 0 then
    local d = src:dim()
    local from = src:narrow(d, math.max(0, -tx) + 1, cw):narrow(d - 1, math.max(0, -ty) + 1, ch)
    out:narrow(d, math.max(0, tx) + 1, cw):narrow(d - 1, math.max(0, ty) + 1, ch):copy(from)
  end
  return out
end

local function flipper(fn, which)
  return function(a, b)
    local dst, src = a, b
    if b == nil then dst, src = nil, a end
    image._chw(fn, src)
    local r = torch.flip(src, src:dim() - which)
    if dst then return dst:resizeAs(src):copy(r) end
    return r
  end
end
image.hflip = flipper('hflip', 0) -- the columns reversed
image.vflip = flipper('vflip', 1) -- the rows reversed

-- image.minmax{tensor =, min =, max =, symm =, inplace =, saturate =,
-- tensorOut =}: (t - min) / (max - min), min and max the tensor's own unless
-- given; symm: the range is -m..m, m = max |t|
function image.minmax(args)
  if type(args) ~= 'table' or not torch.isTensor(args.tensor) then
    fail('minmax', 'expected a table {tensor = t [, min =, max =, symm =, inplace =, saturate =]}')
  end
  local t = args.tensor
  local out
  if args.tensorOut then out = args.tensorOut:resize(t:size()):copy(t)
  elseif args.inplace then out = t
  else out = t:clone() end
  local min, max, saturate = args.min, args.max, args.saturate
  if min == nil and max == nil then saturate = false end
  local m = 0
  if min == nil then
    if args.symm then
      m = math.max(math.abs(out:min()), math.abs(out:max()))
      min = -m
    else
      min = out:min()
    end
  end
  if min ~= 0 then out:add(-min) end
  if max == nil then max = args.symm and 2 * m or out:max() else max = max - min end
  if max ~= 0 then out:div(max) end
  if saturate then out:clamp(0, 1) end
  return out
end

-- clamps to [0, 1] in place
function image.saturate(t)
  if not torch.isTensor(t) then fail('saturate', 'expected a tensor, got %s', type(t)) end
  return t:clamp(0, 1)
end

require('image.scale')(image)
require('image.color')(image)
require('image.filter')(image)

return image
