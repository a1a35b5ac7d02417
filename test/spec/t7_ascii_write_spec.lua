-- torch.save(path, obj, 'ascii'): Torch7's ascii format, checked against the
-- ascii files the original Torch7 wrote (test/data/t7, a copy of
-- shared/data/t7), by round trips, and by the refusals of the binary writer.
local U = require 'testutil'
local H = require 'io_helpers'
require 'nn'

local DIR = (os.getenv('LUTORCH_SOURCE') or '.') .. '/test/data/t7/'

-- The keys of tensors.ascii.t7's root table in the order Torch7 wrote them
-- (its LuaJIT's hash order; ours differs, so a whole-file byte comparison
-- cannot hold: each entry is compared on its own instead).
local T7_ORDER = {'byte', 'char', 'float', 'float_t', 'double', 'long', 'int', 'short', 'empty', 'narrow',
                  'int_number', 'text', 'flag', 'nested', 'same2', 'same1', 'number', 'off'}
-- entries that share no object with an entry written before them
local ALONE = {'byte', 'char', 'float', 'double', 'long', 'int', 'short', 'empty', 'int_number', 'text',
               'flag', 'number', 'off'}

local function header(k) return '2\n' .. #k .. '\n' .. k .. '\n' end

-- Torch7's bytes for entry k, its torch objects renumbered from 2 (as in a
-- file holding just {k = value}: the root table is reference 1)
local function t7_entry(orig, k)
  local pos, nxt = nil, nil
  for i, key in ipairs(T7_ORDER) do
    if key == k then
      pos = assert(orig:find('\n' .. header(k), 1, true)) + 1
      nxt = T7_ORDER[i + 1] and assert(orig:find('\n' .. header(T7_ORDER[i + 1]), 1, true)) or #orig
    end
  end
  local chunk, n = orig:sub(pos, nxt), 1
  return (chunk:gsub('\n4\n%d+\n3\nV 1\n', function()
    n = n + 1
    return '\n4\n' .. n .. '\n3\nV 1\n'
  end))
end

-- the lines of a file but those holding one integer (type tags, lengths,
-- counts, reference numbers: the numbering depends on the order), sorted;
-- and the number of lines
local function tokens(s)
  local out, n = {}, 0
  for line in s:gmatch('([^\n]*)\n') do
    n = n + 1
    if not line:match('^%-?%d+$') then out[#out + 1] = line end
  end
  table.sort(out)
  return out, n
end

local function same_tokens(a, b)
  local ta, na = tokens(a)
  local tb, nb = tokens(b)
  assert.are.equal(na, nb)
  assert.are.same(ta, tb)
end

describe('torch.save ascii: the files Torch7 wrote', function()
  local orig = H.readfile(DIR .. 'tensors.ascii.t7')
  local x = torch.load(DIR .. 'tensors.ascii.t7', 'ascii')

  for _, k in ipairs(ALONE) do
    it('writes the same bytes as Torch7 for ' .. k, function()
      local ours = torch.serialize({[k] = x[k]}, 'ascii')
      assert.are.equal('3\n1\n1\n', ours:sub(1, 6))
      assert.are.equal(t7_entry(orig, k), ours:sub(7))
    end)
  end

  it('writes tensors.ascii.t7 back to the same data and objects', function()
    local ours = torch.serialize(x, 'ascii')
    -- same tokens, entries in another order: LuaJIT's table order changes
    -- from run to run, and with it the reference numbers (and so the
    -- file's length by a digit or two)
    same_tokens(orig, ours)
    local path = H.tmp('tensors.ascii.t7')
    torch.save(path, x, 'ascii')
    assert.are.equal(ours, H.readfile(path))
    local y = torch.load(path, 'ascii')
    H.deep_equal(x, y)
    assert.are.equal(y.same1, y.same2)
    y.float[2][3] = 100
    assert.are.equal(100, y.float_t[3][2])
    assert.are.equal(100, y.narrow[2][2])
  end)

  it('writes mlp.ascii.t7 back to the same weights and modules', function()
    local orig_mlp = H.readfile(DIR .. 'mlp.ascii.t7')
    local m = torch.load(DIR .. 'mlp.ascii.t7', 'ascii')
    -- lutorch's nn adds a train flag on load; Torch7's file has none
    local fields = {m}
    for _, mod in ipairs(m.modules) do fields[#fields + 1] = mod end
    for _, mod in ipairs(fields) do mod.train = nil end
    local ours = torch.serialize(m, 'ascii')
    same_tokens(orig_mlp, ours)
    local u = torch.deserialize(ours, 'ascii')
    assert.are.equal('nn.Sequential', torch.typename(u))
    assert.are.equal('nn.Linear', torch.typename(u.modules[1]))
    H.deep_equal(m.modules[3].weight, u.modules[3].weight)
    local input = torch.FloatTensor(5, 4):uniform()
    H.deep_equal(m:forward(input), u:forward(input))
  end)
end)

describe('torch.save ascii: round trips', function()
  local function trip(obj, check)
    local path = H.tmp('trip.t7')
    torch.save(path, obj, 'ascii')
    local a, b = torch.load(path, 'ascii'), torch.load(path)
    H.deep_equal(obj, a)
    H.deep_equal(obj, b)
    assert.are.equal(torch.serialize(obj, 'ascii'), H.readfile(path))
    if check then check(a) end
    return a
  end

  local values = {
    {'a ByteTensor', torch.ByteTensor({0, 10, 255})},
    {'a CharTensor', torch.CharTensor({-128, 10, 127})},
    {'a ShortTensor', torch.ShortTensor({-32768, 0, 32767})},
    {'an IntTensor', torch.IntTensor({-2147483648, 2147483647})},
    {'a LongTensor', torch.LongTensor({-2 ^ 53, 2 ^ 40, 0})},
    {'a FloatTensor', torch.FloatTensor({{1 / 3, -1e-38}, {3.4e38, 0.1}})},
    {'a DoubleTensor', torch.DoubleTensor({1 / 3, -1e-308, 1e308, 0.1, -0.0})},
    {'a HalfTensor', torch.HalfTensor({1.5, -0.333, 65504})},
    {'an empty tensor', torch.FloatTensor()},
    {'a 3-d tensor', torch.DoubleTensor(2, 3, 4):uniform()},
    {'a transposed view', torch.FloatTensor(3, 5):uniform():t()},
    {'a string with newlines and non-ASCII bytes', 'line 1\nline 2\n\n\0\255h\195\169\n'},
    {'an empty string', ''},
    {'numbers', {1 / 3, -0.0 + 0, 2 ^ 60, -1e-300, 1e300, 42}},
    {'booleans', {t = true, f = false}},
    {'nested tables', {a = {b = {c = {d = 'deep'}}}, list = {1, 2, {3, {4}}}, [7] = 'seven', [0.5] = 'half'}},
  }
  for _, c in ipairs(values) do
    it('round-trips ' .. c[1], function() trip({v = c[2]}) end)
  end

  it('round-trips every tensor type', function()
    for _, T in ipairs{'Byte', 'Char', 'Short', 'Int', 'Long', 'Float', 'Double', 'Half'} do
      local t = torch[T .. 'Tensor'](2, 3):fill(7)
      local u = trip(t)
      assert.are.equal(t:type(), u:type())
    end
  end)

  it('round-trips infinities and NaN', function()
    local u = torch.deserialize(torch.serialize(torch.DoubleTensor({1 / 0, -1 / 0, 0 / 0}), 'ascii'))
    assert.are.equal(1 / 0, u[1])
    assert.are.equal(-1 / 0, u[2])
    assert.is_true(u[3] ~= u[3])
  end)

  it('keeps shared references and shared storages', function()
    local shared = {answer = 42}
    local x = torch.DoubleTensor({{1, 2, 3}, {4, 5, 6}})
    local cyc = {}
    cyc.self = cyc
    trip({s1 = shared, s2 = shared, x = x, xt = x:t(), row = x:select(1, 2), cyc = cyc}, function(u)
      assert.are.equal(u.s1, u.s2)
      assert.are.equal(u.cyc, u.cyc.self)
      u.x[2][3] = 60
      assert.are.equal(60, u.xt[3][2])
      assert.are.equal(60, u.row[3])
    end)
  end)

  it('writes a bool tensor as a ByteTensor', function()
    local u = torch.deserialize(torch.serialize(torch.BoolTensor({true, false, true}), 'ascii'))
    assert.are.equal('torch.ByteTensor', u:type())
    assert.are.same({1, 0, 1}, u:double():totable())
  end)

  it('writes the ascii tokens of Torch7', function()
    assert.are.equal('1\n0.33333333333333331\n', torch.serialize(1 / 3, 'ascii'))
    assert.are.equal('2\n3\na\nb\n', torch.serialize('a\nb', 'ascii'))
    assert.are.equal('2\n0\n', torch.serialize('', 'ascii'))
    assert.are.equal('5\n1\n', torch.serialize(true, 'ascii'))
    assert.are.equal('0\n', torch.serialize(nil, 'ascii'))
    assert.are.equal('4\n1\n3\nV 1\n17\ntorch.FloatTensor\n1\n2\n1\n1\n4\n2\n3\nV 1\n18\ntorch.FloatStorage\n2\n' ..
                     '0.333333343 -2\n', torch.serialize(torch.FloatTensor({1 / 3, -2}), 'ascii'))
  end)

  it('round-trips nn modules', function()
    local m = nn.Sequential():add(nn.Linear(4, 8)):add(nn.ReLU()):add(nn.Linear(8, 3)):add(nn.LogSoftMax())
    local path = H.tmp('mlp.t7')
    torch.save(path, m, 'ascii')
    local u = torch.load(path)
    assert.are.equal('nn.Sequential', torch.typename(u))
    assert.are.equal('nn.LogSoftMax', torch.typename(u.modules[4]))
    local input = torch.FloatTensor(5, 4):uniform()
    H.deep_equal(m:forward(input), u:forward(input))
  end)
end)

describe('torch.save ascii: refusals', function()
  U.error_cases({
    {'a function', function() torch.save(H.tmp('f.t7'), {f = print}, 'ascii') end,
     'torch.save', 'cannot save a function', 'at key "f"'},
    {'a coroutine', function() torch.save(H.tmp('c.t7'), {coroutine.create(print)}, 'ascii') end,
     'torch.save', 'cannot save a thread'},
    {'a bfloat16 tensor', function() torch.save(H.tmp('b.t7'), torch.BFloat16Tensor(2), 'ascii') end,
     'torch.save', 'Torch7 has no bfloat16'},
    {'a serialized function', function() torch.serialize(print, 'ascii') end,
     'torch.serialize', 'cannot save a function'},
    {'an unknown format', function() torch.save(H.tmp('u.t7'), {}, 'text') end,
     'torch.save', "unknown format 'text'", "'ascii'"},
  })

  it('leaves no file behind when refused', function()
    local path = H.tmp('refused.t7')
    pcall(torch.save, path, {1, 2, print}, 'ascii')
    assert.is_nil(io.open(path, 'rb'))
  end)
end)
