local U = require 'testutil'

local function write(path, bytes)
  local f = assert(io.open(path, 'wb'))
  f:write(bytes)
  f:close()
  return path
end

local function be32(n)
  return string.char(math.floor(n / 2^24) % 256, math.floor(n / 2^16) % 256,
                     math.floor(n / 2^8) % 256, n % 256)
end

describe('torch.readIDX', function()
  local dir = os.tmpname()
  os.remove(dir)
  os.execute('mkdir -p ' .. dir)

  it('reads uint8 and int32 IDX files, plain and gzip', function()
    local p = write(dir .. '/a.idx', '\0\0\8\2' .. be32(2) .. be32(3) .. '\1\2\3\4\5\255')
    local t = torch.readIDX(p)
    assert.are.equal('torch.ByteTensor', t:type())
    assert.are.same({{1, 2, 3}, {4, 5, 255}}, t:totable())
    os.execute('gzip -kf ' .. p)
    assert.are.same(t:totable(), torch.readIDX(p .. '.gz'):totable())
    local q = write(dir .. '/b.idx', '\0\0\12\1' .. be32(2) .. be32(7) .. '\255\255\255\254')
    assert.are.same({7, -2}, torch.readIDX(q):totable())
  end)

  it('reads the Fashion-MNIST test set when installed', function()
    local path = '/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz'
    if not io.open(path) then return pending('dataset-fashion-mnist is not installed') end
    local y = torch.readIDX(path)
    assert.are.equal(10000, y:nElement())
    assert.are.same({9, 2, 1, 1, 6}, y:narrow(1, 1, 5):totable())
  end)

  U.error_cases({
    {'a missing file', function() torch.readIDX(dir .. '/nope') end, 'torch.readIDX', 'cannot open'},
    {'a bad magic', function() torch.readIDX(write(dir .. '/c', 'hello world')) end, 'bad magic'},
    {'an unknown element type', function() torch.readIDX(write(dir .. '/d', '\0\0\7\1' .. be32(1))) end,
     'unknown element type'},
    {'a truncated header', function() torch.readIDX(write(dir .. '/e', '\0\0\8\2' .. be32(2))) end,
     'truncated header'},
    {'truncated data', function() torch.readIDX(write(dir .. '/f', '\0\0\8\1' .. be32(1000) .. 'ab')) end,
     'truncated data'},
    {'a header claiming 2^62 elements',
     function() torch.readIDX(write(dir .. '/g', '\0\0\14\4' .. be32(2^31) .. be32(2^31) .. be32(2^31) .. be32(2^31))) end,
     'torch.readIDX'},
  })
end)
