-- data: CSV / PNG / JPEG readers, datasets, the DataLoader (batches,
-- shuffling, prefetch), Fashion-MNIST, progress bar and logger.
local U = require 'testutil'
local data = require 'data'

local dir = os.tmpname()
os.remove(dir)
os.execute('mkdir -p ' .. dir)

local function write(name, text)
  local p = dir .. '/' .. name
  local f = assert(io.open(p, 'wb'))
  f:write(text)
  f:close()
  return p
end

local function shell_ok(cmd)
  local r = os.execute(cmd .. ' >/dev/null 2>&1')
  return r == 0 or r == true
end

describe('torch.readCSV', function()
  it('reads numbers with a header (guessed), CRLF, quotes and blank lines', function()
    local t, names = torch.readCSV(write('a.csv', 'x,"y, m",z\r\n1,2,3\r\n\r\n4.5,-1e2," 6 "\n'))
    assert.are.equal('torch.DoubleTensor', t:type())
    assert.are.same({{1, 2, 3}, {4.5, -100, 6}}, t:totable())
    assert.are.same({'x', 'y, m', 'z'}, names)
  end)

  it('reads a file without a header, and takes a separator', function()
    local t, names = torch.readCSV(write('b.csv', '1;2\n3;4\n'), {separator = ';'})
    assert.are.same({{1, 2}, {3, 4}}, t:totable())
    assert.is_nil(names)
    local h, hn = torch.readCSV(write('c.csv', '1,2\n3,4\n'), {header = true})
    assert.are.same({{3, 4}}, h:totable())
    assert.are.same({'1', '2'}, hn)
  end)

  U.error_cases({
    {'a ragged row', function() torch.readCSV(write('r.csv', 'a,b\n1,2\n3\n')) end,
     'torch.readCSV', 'line 3: 1 fields, expected 2'},
    {'a non-number', function() torch.readCSV(write('n.csv', '1,2\n3,abc\n')) end,
     'torch.readCSV', "line 2, field 2: 'abc' is not a number"},
    {'a header row with header = false', function() torch.readCSV(write('h.csv', 'a,b\n1,2\n'), {header = false}) end,
     'line 1, field 1'},
    {'an unterminated quote', function() torch.readCSV(write('q.csv', '1,"2\n')) end, 'unterminated quote'},
    {'a missing file', function() torch.readCSV(dir .. '/nope.csv') end, 'torch.readCSV', 'cannot open'},
    {'a long separator', function() torch.readCSV(write('s.csv', '1'), {separator = '::'}) end,
     'separator must be a one-character string'},
  })
end)

-- a smooth test picture: channel c, row y, column x
local function picture(c, h, w)
  local t = torch.ByteTensor(c, h, w)
  for k = 1, c do
    for y = 1, h do
      for x = 1, w do t[k][y][x] = (k * 30 + y * 2 + x * 2) % 256 end
    end
  end
  return t
end

describe('torch.loadImage / torch.saveImage', function()
  for c = 1, 4 do
    it('round-trips a ' .. c .. '-channel PNG exactly', function()
      local t = picture(c, 9, 13)
      local p = dir .. '/p' .. c .. '.png'
      torch.saveImage(p, t)
      local r = torch.loadImage(p)
      assert.are.equal('torch.ByteTensor', r:type())
      assert.are.same({c, 9, 13}, r:size():totable())
      assert.are.equal(0, U.maxdiff(r, t))
    end)
  end

  it('saves HxW and float images, loads as float in [0, 1] and converts channels', function()
    local g = picture(1, 5, 6)[1]
    torch.saveImage(dir .. '/g.png', g)
    assert.are.equal(0, U.maxdiff(torch.loadImage(dir .. '/g.png')[1], g))
    local f = picture(3, 4, 4):double():div(255)
    torch.saveImage(dir .. '/f.png', f)
    local r = torch.loadImage(dir .. '/f.png', {type = 'float'})
    assert.are.equal('torch.FloatTensor', r:type())
    U.near(r, f, 1e-6)
    local rgba = torch.loadImage(dir .. '/g.png', {channels = 4})
    assert.are.same({4, 5, 6}, rgba:size():totable())
    assert.are.equal(0, U.maxdiff(rgba[2], g))
    assert.are.equal(255, rgba[4]:min())
    local gray = torch.loadImage(dir .. '/p3.png', {channels = 1})
    local p = picture(3, 9, 13):double()
    local luma = (p[1] * 0.299 + p[2] * 0.587 + p[3] * 0.114)
    assert.is_true(U.maxdiff(gray[1], luma) <= 0.51)
  end)

  it('round-trips a JPEG within the codec loss', function()
    local t = picture(3, 32, 32)
    torch.saveImage(dir .. '/j.jpg', t, {quality = 95})
    local r = torch.loadImage(dir .. '/j.jpg')
    assert.are.same({3, 32, 32}, r:size():totable())
    local err = torch.abs(r:double() - t:double()):mean()
    assert(err < 3, 'mean error ' .. err)
    local g = picture(1, 16, 16)
    torch.saveImage(dir .. '/g.jpeg', g, {quality = 100})
    assert.are.same({1, 16, 16}, torch.loadImage(dir .. '/g.jpeg'):size():totable())
  end)

  it('reads a JPEG written by PIL as PIL decodes it', function()
    local script = string.format([[
from PIL import Image
im = Image.new('RGB', (20, 12))
im.putdata([((x * 12) %% 256, (y * 20) %% 256, (x * y) %% 256) for y in range(12) for x in range(20)])
im.save('%s/pil.jpg', quality=90)
Image.open('%s/pil.jpg').save('%s/pil.png')
]], dir, dir, dir)
    if not shell_ok("/usr/bin/python3 -c 'import PIL'") then return pending('python3 PIL not installed') end
    local f = io.open(dir .. '/pil.py', 'w')
    f:write(script)
    f:close()
    assert.is_true(shell_ok('/usr/bin/python3 ' .. dir .. '/pil.py'))
    local j, p = torch.loadImage(dir .. '/pil.jpg'), torch.loadImage(dir .. '/pil.png')
    assert.are.same({3, 12, 20}, j:size():totable())
    assert(U.maxdiff(j, p) <= 1, 'differs from PIL by ' .. U.maxdiff(j, p))
  end)

  U.error_cases({
    {'a missing image', function() torch.loadImage(dir .. '/none.png') end, 'torch.loadImage', 'cannot open'},
    {'a file that is no image', function() torch.loadImage(write('x.png', 'hello world, not a png')) end,
     'torch.loadImage', 'neither a PNG nor a JPEG'},
    {'a truncated PNG', function()
      local f = assert(io.open(dir .. '/p3.png', 'rb'))
      local s = f:read('*a')
      f:close()
      torch.loadImage(write('t.png', s:sub(1, 60)))
    end, 'torch.loadImage'},
    {'a truncated JPEG', function()
      local f = assert(io.open(dir .. '/j.jpg', 'rb'))
      local s = f:read('*a')
      f:close()
      torch.loadImage(write('t.jpg', s:sub(1, 20)))
    end, 'torch.loadImage'},
    {'a bad channel count', function() torch.loadImage(dir .. '/p1.png', {channels = 5}) end, 'channels must be 1 to 4'},
    {'an unknown extension', function() torch.saveImage(dir .. '/a.bmp', picture(1, 2, 2)) end,
     'torch.saveImage', 'unknown extension'},
    {'an integer tensor', function() torch.saveImage(dir .. '/a.png', torch.LongTensor(1, 2, 2)) end,
     'torch.saveImage', 'expected a uint8 tensor'},
    {'5 channels', function() torch.saveImage(dir .. '/a.png', torch.ByteTensor(5, 2, 2)) end,
     'expected 1 to 4 channels'},
    {'RGBA as JPEG', function() torch.saveImage(dir .. '/a.jpg', torch.ByteTensor(4, 2, 2)) end,
     'JPEG holds 1 or 3 channels'},
  })
end)

describe('data.TensorDataset and data.DataLoader', function()
  local N = 10
  local x = torch.range(1, N * 3):view(N, 3)          -- row i holds 3i-2 .. 3i
  local y = torch.range(1, N):long()
  local ds = data.TensorDataset(x, y)

  local function epoch(loader)
    local batches = {}
    for xb, yb in loader:iter() do batches[#batches + 1] = {xb, yb} end
    return batches
  end

  it('has size and get', function()
    assert.are.equal(N, ds:size())
    local xi, yi = ds:get(4)
    assert.are.same({10, 11, 12}, xi:totable())
    assert.are.equal(0, yi:dim())
    assert.are.equal(4, yi:sum())
  end)

  for _, c in ipairs({
    {batchSize = 4, dropLast = false, sizes = {4, 4, 2}},
    {batchSize = 4, dropLast = true, sizes = {4, 4}},
    {batchSize = 5, dropLast = true, sizes = {5, 5}},
    {batchSize = 20, dropLast = false, sizes = {10}},
    {batchSize = 20, dropLast = true, sizes = {}},
  }) do
    for _, prefetch in ipairs({true, false}) do
      it(string.format('batches of %d, dropLast %s, prefetch %s', c.batchSize, tostring(c.dropLast),
                       tostring(prefetch)), function()
        local loader = data.DataLoader(ds, {batchSize = c.batchSize, dropLast = c.dropLast, prefetch = prefetch})
        assert.are.equal(#c.sizes, loader:size())
        local b = epoch(loader)
        assert.are.equal(#c.sizes, #b)
        local k = 0
        for i, e in ipairs(b) do
          assert.are.same({c.sizes[i], 3}, e[1]:size():totable())
          for r = 1, c.sizes[i] do
            k = k + 1
            assert.are.equal(k, e[2][r])            -- in order without shuffle
            assert.are.equal(3 * k, e[1][r][3])     -- rows stay paired
          end
        end
      end)
    end
  end

  it('shuffles reproducibly with a seed, each sample once per epoch', function()
    local function labels(loader)
      local r = {}
      for _, yb in loader:iter() do
        for _, v in ipairs(yb:totable()) do r[#r + 1] = v end
      end
      return r
    end
    local a = data.DataLoader(ds, {batchSize = 3, shuffle = true, seed = 7})
    local b = data.DataLoader(ds, {batchSize = 3, shuffle = true, seed = 7})
    local a1, a2, b1 = labels(a), labels(a), labels(b)
    assert.are.same(a1, b1)
    assert.are_not.same(a1, a2) -- a new permutation each epoch
    for _, l in ipairs({a1, a2}) do
      local seen = {}
      for _, v in ipairs(l) do seen[v] = (seen[v] or 0) + 1 end
      for i = 1, N do assert.are.equal(1, seen[i]) end
    end
    assert.are_not.same(labels(data.DataLoader(ds, {batchSize = 3, shuffle = true, seed = 8})), a1)
  end)

  it('gives the same batches with and without prefetch, and with get + collate', function()
    local opts = {batchSize = 4, shuffle = true, seed = 3}
    local function run(extra)
      local o = {}
      for k, v in pairs(opts) do o[k] = v end
      for k, v in pairs(extra) do o[k] = v end
      return epoch(data.DataLoader(ds, o))
    end
    local p, s, c = run({prefetch = true}), run({prefetch = false}), run({collate = data.collate})
    assert.are.equal(#p, #s)
    for i = 1, #p do
      for k = 1, 2 do
        assert.are.same(p[i][k]:totable(), s[i][k]:totable())
        assert.are.same(p[i][k]:totable(), c[i][k]:totable())
        assert.are.equal(p[i][k]:type(), c[i][k]:type())
      end
    end
  end)

  it('keeps earlier batches intact while prefetching (fresh tensors)', function()
    local b = epoch(data.DataLoader(ds, {batchSize = 2}))
    assert.are.same({1, 2}, b[1][2]:totable())
    assert.are.same({9, 10}, b[5][2]:totable())
  end)

  it('reads a custom dataset through get and a custom collate', function()
    local pkg = {}
    local Squares = torch.class('test.Squares', 'data.Dataset', pkg)
    function Squares:size() return 7 end
    function Squares:get(i) return i * i, {i = i} end
    local loader = data.DataLoader(pkg.Squares(), {batchSize = 3})
    local got = {}
    for v, t in loader:iter() do got[#got + 1] = {v:totable(), t.i:totable(), v:type()} end
    assert.are.same({{1, 4, 9}, {1, 2, 3}, 'torch.LongTensor'}, got[1])
    assert.are.same({{49}, {7}, 'torch.LongTensor'}, got[3])
    local sums = {}
    local l2 = data.DataLoader(pkg.Squares(), {batchSize = 4, collate = function(samples)
      local s = 0
      for _, e in ipairs(samples) do s = s + e[1] end
      return s
    end})
    for s in l2:iter() do sums[#sums + 1] = s end
    assert.are.same({30, 110}, sums)
  end)

  it('stops cleanly when an epoch is abandoned midway', function()
    local loader = data.DataLoader(ds, {batchSize = 2})
    for _, yb in loader:iter() do
      if yb[1] == 3 then break end
    end
    collectgarbage()
    collectgarbage()
    assert.are.equal(5, #epoch(loader))
  end)

  U.error_cases({
    {'a dataset that is not one', function() data.DataLoader(42) end, 'data.DataLoader', 'expected a dataset'},
    {'a zero batch size', function() data.DataLoader(ds, {batchSize = 0}) end, 'batchSize must be a positive integer'},
    {'a non-boolean shuffle', function() data.DataLoader(ds, {shuffle = 1}) end, 'shuffle must be a boolean'},
    {'a non-function collate', function() data.DataLoader(ds, {collate = 'stack'}) end, 'collate must be a function'},
    {'tensors of different lengths', function() data.TensorDataset(x, torch.zeros(3)) end,
     'data.TensorDataset', 'argument 2 has 3 rows'},
    {'a non-tensor', function() data.TensorDataset(x, {1, 2}) end, 'data.TensorDataset', 'expected a tensor'},
    {'get out of range', function() ds:get(11) end, 'data.TensorDataset:get', 'out of range 1..10'},
    {'an unimplemented get', function() data.Dataset():get(1) end, 'get(i) is not implemented'},
  })
end)

describe('data.fashionMNIST', function()
  it('loads the train and test sets', function()
    if not io.open('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz') then
      return pending('dataset-fashion-mnist is not installed')
    end
    local train, test = data.fashionMNIST({flat = true})
    assert.are.equal(60000, train:size())
    assert.are.equal(10000, test:size())
    local x, y = test.tensors[1], test.tensors[2]
    assert.are.same({10000, 784}, x:size():totable())
    assert.are.equal('torch.FloatTensor', x:type())
    assert.is_true(x:min() >= 0 and x:max() <= 1)
    assert.are.same({10, 3, 2, 2, 7}, y:narrow(1, 1, 5):totable()) -- the file's 9 2 1 1 6, plus 1
  end)

  U.error_cases({
    {'a directory without the files', function() data.fashionMNIST(dir) end, 'data.fashionMNIST', 'no Fashion-MNIST'},
  })
end)

describe('data.progress and data.Logger', function()
  it('draws a bar with count, rate, ETA and fields, ending with a newline', function()
    local out = {}
    local saved = data.progressOut
    data.progressOut = {write = function(_, ...) for _, s in ipairs({...}) do out[#out + 1] = s end end,
                        flush = function() end}
    for i = 1, 5 do data.progress(i, 5, {loss = 0.25, acc = 0.5}) end
    data.progressOut = saved
    local text = table.concat(out)
    assert.is_truthy(text:find('\r[', 1, true))
    assert.is_truthy(text:find('1/5', 1, true))
    assert.is_truthy(text:find('ETA', 1, true))
    assert.is_truthy(text:find('5/5', 1, true))
    assert.is_truthy(text:find('it/s', 1, true))
    assert.is_truthy(text:find('acc 0.5 | loss 0.25', 1, true))
    assert.are.equal('\n', text:sub(-1))
  end)

  it('logs rows to CSV (readable by readCSV) and plots when gnuplot is there', function()
    local path = dir .. '/log.csv'
    local log = data.Logger(path)
    for i = 1, 4 do log:add{loss = 1 / i, acc = i / 10} end
    log:add{loss = 0.1}
    local f = assert(io.open(path))
    local text = f:read('*a')
    f:close()
    assert.are.equal('acc,loss\n0.1,1\n0.2,0.5\n0.3,0.3333333333\n0.4,0.25\n,0.1\n', text)
    local l2 = data.Logger(dir .. '/log2.csv', {'loss', 'acc'})
    l2:add{loss = 2, acc = 0.5}
    local t, names = torch.readCSV(dir .. '/log2.csv')
    assert.are.same({'loss', 'acc'}, names)
    assert.are.same({{2, 0.5}}, t:totable())
    local png, msg = log:plot()
    if shell_ok('command -v gnuplot') then
      assert.are.equal(dir .. '/log.png', png, msg)
      assert.are.same({3}, {torch.loadImage(png, {channels = 3}):size(1)})
    else
      assert.is_nil(png)
      assert.is_truthy(msg:find('gnuplot is not on PATH', 1, true))
    end
  end)

  U.error_cases({
    {'progress without n', function() data.progress(1) end, 'data.progress', 'expected progress(i, n'},
    {'a logger row that is not a table', function() data.Logger(dir .. '/l.csv'):add(3) end, 'data.Logger:add'},
    {'a logger row with a new column', function()
      local l = data.Logger(dir .. '/l.csv')
      l:add{a = 1}
      l:add{b = 2}
    end, 'data.Logger:add', "unknown column 'b'"},
    {'a logger value that is not a number', function() data.Logger(dir .. '/l.csv'):add{a = 'x'} end,
     'a must be a number'},
  })
end)
