-- Legacy Torch7 .t7 files: every file in test/data/t7 (written by the
-- original Torch7), checked against its manifest (README.md there); the
-- models are run by a plain-Lua forward pass and compared with the outputs
-- Torch7 saved. Also torch.save(path, obj, 'torch7') and corrupted files.
local U = require 'testutil'
local H = require 'io_helpers'

-- a copy of shared/data/t7 (files written by the original Torch7) is kept
-- in test/data/t7 so the spec runs wherever the repository goes
local DIR = (os.getenv('LUTORCH_SOURCE') or '.') .. '/test/data/t7/'
local function load(name, ...) return torch.load(DIR .. name, ...) end

local function vals(t) return t:double():totable() end

local function check_tensors(x)
  assert.are.equal('torch.FloatTensor', x.float:type())
  assert.are.same({{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}}, vals(x.float))
  assert.are.same({{1, 5, 9}, {2, 6, 10}, {3, 7, 11}, {4, 8, 12}}, vals(x.float_t))
  assert.are.same({{2, 3}, {6, 7}, {10, 11}}, vals(x.narrow))
  assert.are.equal('torch.DoubleTensor', x.double:type())
  assert.are.same({{1.5, -2.25}, {3.125, 4}}, vals(x.double))
  assert.are.equal('torch.LongTensor', x.long:type())
  assert.are.same({1, -2, 2 ^ 40}, vals(x.long))
  assert.are.equal('torch.IntTensor', x.int:type())
  assert.are.same({7, -8}, vals(x.int))
  assert.are.equal('torch.ShortTensor', x.short:type())
  assert.are.same({300, -300}, vals(x.short))
  assert.are.equal('torch.CharTensor', x.char:type())
  assert.are.same({-5, 5}, vals(x.char))
  assert.are.equal('torch.ByteTensor', x.byte:type())
  assert.are.same({0, 128, 255}, vals(x.byte))
  assert.are.equal('torch.FloatTensor', x.empty:type())
  assert.are.equal(0, x.empty:nElement())
  assert.are.equal(3.25, x.number)
  assert.are.equal(17, x.int_number)
  assert.are.equal('h\195\169llo t7', x.text)
  assert.are.equal(true, x.flag)
  assert.are.equal(false, x.off)
  assert.are.same({a = {b = {c = 'deep'}}, list = {10, 20, 30}}, x.nested)
  assert.are.equal(x.same1, x.same2)
  assert.are.equal(42, x.same1.answer)
  -- the views share the storage of float
  x.float[2][3] = 100
  assert.are.equal(100, x.float_t[3][2])
  assert.are.equal(100, x.narrow[2][2])
end

describe('Torch7 files: tensors.t7', function()
  it('reads the binary file', function() check_tensors(load('tensors.t7')) end)
  it('reads the ascii file with mode ascii', function() check_tensors(load('tensors.ascii.t7', 'ascii')) end)
  it('tells ascii from binary without a mode', function() check_tensors(load('tensors.ascii.t7')) end)
end)

-- plain-Lua layers, independent of lutorch's ops
local function linear(x, m) -- x: list of rows
  local W, b, out = vals(m.weight), vals(m.bias), {}
  for i, row in ipairs(x) do
    out[i] = {}
    for o = 1, #W do
      local s = b[o]
      for k = 1, #row do s = s + W[o][k] * row[k] end
      out[i][o] = s
    end
  end
  return out
end
local function map_rows(x, f) local out = {} for i, r in ipairs(x) do out[i] = f(r) end return out end
local function relu(r) local o = {} for k, v in ipairs(r) do o[k] = math.max(v, 0) end return o end
local function softmax(r, log)
  local m = -math.huge
  for _, v in ipairs(r) do m = math.max(m, v) end
  local s = 0
  for _, v in ipairs(r) do s = s + math.exp(v - m) end
  local o = {}
  for k, v in ipairs(r) do o[k] = log and (v - m - math.log(s)) or math.exp(v - m) / s end
  return o
end
local function near(a, b, tol)
  for i = 1, #a do
    for j = 1, #a[i] do
      assert(math.abs(a[i][j] - b[i][j]) < tol, string.format('[%d][%d]: %g vs %g', i, j, a[i][j], b[i][j]))
    end
  end
end

local function check_mlp(m)
  assert.are.equal('nn.Sequential', m.__typename)
  local names = {}
  for i, mod in ipairs(m.modules) do names[i] = mod.__typename end
  assert.are.same({'nn.Linear', 'nn.ReLU', 'nn.Linear', 'nn.LogSoftMax'}, names)
  assert.are.same({8, 4}, m.modules[1].weight:size():totable())
  assert.are.same({3, 8}, m.modules[3].weight:size():totable())
  local io_ = load('mlp_io.t7')
  local x = vals(io_.input)
  local y = map_rows(linear(map_rows(linear(x, m.modules[1]), relu), m.modules[3]),
                     function(r) return softmax(r, true) end)
  near(y, vals(io_.output), 1e-5)
end

describe('Torch7 files: models', function()
  it('reads mlp.t7 (Sequential of Linear, ReLU, Linear, LogSoftMax) and reproduces its output',
     function() check_mlp(load('mlp.t7')) end)
  it('reads mlp.ascii.t7 to the same weights', function()
    check_mlp(load('mlp.ascii.t7', 'ascii'))
    H.deep_equal(load('mlp.t7').modules[1].weight, load('mlp.ascii.t7').modules[1].weight)
  end)

  it('reads cnn.t7 and reproduces its output in evaluate mode', function()
    local m = load('cnn.t7')
    local conv, bn, pool, view, lin = m.modules[1], m.modules[2], m.modules[4], m.modules[5], m.modules[6]
    assert.are.equal('nn.SpatialConvolution', conv.__typename)
    assert.are.equal('nn.SpatialBatchNormalization', bn.__typename)
    assert.are.equal('nn.SpatialMaxPooling', pool.__typename)
    assert.are.equal('nn.View', view.__typename)
    assert.are.equal('nn.SoftMax', m.modules[7].__typename)
    assert.are.same({96}, view.size:totable())
    assert.is_false(bn.train)
    local io_ = load('cnn_io.t7')
    local x, W, B = vals(io_.input), vals(conv.weight), vals(conv.bias)
    local rm, rv, g, beta = vals(bn.running_mean), vals(bn.running_var), vals(bn.weight), vals(bn.bias)
    local flat = {}
    for n = 1, 2 do
      local act = {}
      for o = 1, 6 do
        act[o] = {}
        for i = 1, 8 do
          act[o][i] = {}
          for j = 1, 8 do
            local s = B[o]
            for c = 1, 3 do for ki = 1, 3 do for kj = 1, 3 do
              local yi, xj = i + ki - 2, j + kj - 2
              if yi >= 1 and yi <= 8 and xj >= 1 and xj <= 8 then s = s + W[o][c][ki][kj] * x[n][c][yi][xj] end
            end end end
            s = (s - rm[o]) / math.sqrt(rv[o] + bn.eps) * g[o] + beta[o]
            act[o][i][j] = math.max(s, 0)
          end
        end
      end
      local v = {}
      for o = 1, 6 do for i = 1, 4 do for j = 1, 4 do
        v[#v + 1] = math.max(act[o][2 * i - 1][2 * j - 1], act[o][2 * i - 1][2 * j], act[o][2 * i][2 * j - 1], act[o][2 * i][2 * j])
      end end end
      flat[n] = v
    end
    local y = map_rows(linear(flat, lin), softmax)
    near(y, vals(io_.output), 1e-5)
  end)

  it('reads double_model.t7 with DoubleTensor weights', function()
    local m = load('double_model.t7')
    assert.are.equal('nn.Linear', m.modules[1].__typename)
    assert.are.equal('nn.Tanh', m.modules[2].__typename)
    assert.are.equal('torch.DoubleTensor', m.modules[1].weight:type())
    assert.are.same({2, 2}, m.modules[1].weight:size():totable())
  end)

  it('refuses with_function.t7 and never runs it', function()
    _G.T7_FUNCTION_RAN = nil
    U.raises(function() load('with_function.t7') end, 'torch.load', 'with_function.t7', 'Lua function', 'refusing')
    assert.is_nil(_G.T7_FUNCTION_RAN)
  end)

  it('errors on unknown classes in strict mode', function()
    U.raises(function() load('mlp.t7', {strict = true}) end, 'unknown class nn.Sequential')
  end)

  it('restores registered classes, through the class map and __fromTorch7 hook', function()
    local ReLU = torch.class('t7test.ReLU')
    function ReLU:__fromTorch7() self.converted = true end
    torch.io.t7ClassMap['nn.ReLU'] = 't7test.ReLU'
    local m = load('mlp.t7')
    torch.io.t7ClassMap['nn.ReLU'] = nil
    assert.are.equal('t7test.ReLU', torch.typename(m.modules[2]))
    assert.is_true(m.modules[2].converted)
    assert.are.equal(0, m.modules[2].threshold)
  end)
end)

describe('Torch7 files: writing', function()
  it('writes the same bytes as Torch7 for a tensor', function()
    local orig = H.readfile(DIR .. 'tensors.t7')
    local ours = torch.serialize({byte = torch.ByteTensor({0, 128, 255})}, 'torch7')
    assert.are.equal(134, #ours)
    assert.are.equal(orig:sub(13, 134), ours:sub(13))
  end)

  it('round-trips values, views and classes through a Torch7 file', function()
    local Pair = torch.class('t7test.Pair')
    local x = torch.DoubleTensor({{1, 2, 3}, {4, 5, 6}})
    local shared = {1, 2}
    local p = setmetatable({a = 1, list = {x}}, Pair)
    local obj = {x = x, xt = x:t(), row = x:select(1, 2), s = shared, s2 = shared, p = p,
                 types = {torch.ByteTensor({1, 2}), torch.LongTensor({2 ^ 40}), torch.ShortTensor({-3}),
                          torch.IntTensor({5}), torch.CharTensor({-1}), torch.FloatTensor({0.5}),
                          torch.HalfTensor({1.5})},
                 str = 'a\0b', flag = true, n = -0.125}
    local path = H.tmp('out.t7')
    torch.save(path, obj, 'torch7')
    local u = torch.load(path)
    H.deep_equal(obj, u)
    u.x[1][2] = 50
    assert.are.equal(50, u.xt[2][1])
  end)

  it('refuses what Torch7 cannot hold', function()
    U.raises(function() torch.serialize({f = print}, 'torch7') end, 'cannot save a function')
    U.raises(function() torch.serialize(torch.BFloat16Tensor(2), 'torch7') end, 'Torch7 has no bfloat16')
  end)
end)

-- corrupted files ----------------------------------------------------------------

local i32, i64, f32 = H.i32, H.i64, H.f32
local function str(s) return i32(#s) .. s end
local function tensor(idx, cls, ndim, sizes, strides, offset, storage)
  local s = i32(4) .. i32(idx) .. str('V 1') .. str(cls) .. i32(ndim)
  for _, x in ipairs(sizes) do s = s .. i64(x) end
  for _, x in ipairs(strides) do s = s .. i64(x) end
  return s .. i64(offset) .. storage
end
local function fstorage(idx, n, cls)
  local s = i32(4) .. i32(idx) .. str('V 1') .. str(cls or 'torch.FloatStorage') .. i64(n)
  for k = 1, n do s = s .. f32(k) end
  return s
end
local tensors_t7 = H.readfile(DIR .. 'tensors.t7')

local corrupt = {
  {'a file cut short', tensors_t7:sub(1, 600), 'truncated file'},
  {'a file cut inside a storage', tensors_t7:sub(1, 0x190), 'truncated file'},
  {'an unknown type tag', i32(3) .. i32(1) .. i32(1) .. i32(9), 'unknown type tag 9 at byte 12'},
  {'a negative string length', i32(2) .. i32(-1), 'negative string length'},
  {'a table claiming 2^30 entries', i32(3) .. i32(1) .. i32(2 ^ 30) .. i32(0), 'claims 1073741824 entries'},
  {'a storage claiming 10^12 elements', fstorage(1, 0):sub(1, -9) .. i64(1e12), 'truncated file'},
  {'a negative storage size', fstorage(1, 0):sub(1, -9) .. i64(-3), 'invalid storage size -3'},
  {'17 dimensions', tensor(1, 'torch.FloatTensor', 17, {}, {}, 1, ''), 'at most 16'},
  {'a view larger than its storage', tensor(1, 'torch.FloatTensor', 2, {3, 4}, {4, 1}, 2, fstorage(2, 12)),
   'needs 13 storage elements, its storage has 12'},
  {'a negative stride', tensor(1, 'torch.FloatTensor', 1, {3}, {-1}, 1, fstorage(2, 12)), 'negative stride'},
  {'a tensor on a storage of another type', tensor(1, 'torch.FloatTensor', 1, {3}, {1}, 1, fstorage(2, 3, 'torch.DoubleStorage')),
   'expected a float32 storage'},
  {'a tensor whose storage is a table', i32(3) .. i32(1) .. i32(1) .. i32(1) .. f32(0):rep(2) ..
     tensor(2, 'torch.FloatTensor', 1, {1}, {1}, 1, i32(4) .. i32(1)), 'its storage (reference 1) is not a float32 storage'},
  {'a tensor with data and no storage', tensor(1, 'torch.FloatTensor', 1, {3}, {1}, 1, i32(0)), 'needs 3 storage elements, its storage has 0'},
  {'an invalid class name', i32(4) .. i32(1) .. str('V 1') .. str('x y'), 'invalid class name'},
  {'an object without its fields table', i32(4) .. i32(1) .. str('V 1') .. str('nn.Linear') .. i32(1) .. H.f64(1),
   'expected its table of fields'},
  {'a nil table key', i32(3) .. i32(1) .. i32(1) .. i32(0) .. i32(1) .. H.f64(1), 'key at byte 12 is nil'},
  {'a function', i32(6) .. i32(1) .. str('\27LJ'), 'Lua function'},
  {'a malformed ascii number', '3\n1\nx\n', 'not an integer'},
  {'an out-of-range ascii short', '4\n1\n3\nV 1\n18\ntorch.ShortStorage\n1\n70000\n', 'out of range for a int16 storage'},
  {'an ascii file cut short', '3\n1\n1\n2\n5\nab', 'truncated file'},
  {'a reference of the wrong kind', i32(3) .. i32(1) .. i32(1) .. i32(2) .. str('k') .. i32(4) .. i32(1), 'names a table, not a torch object'},
}

describe('Torch7 files: corrupted', function()
  for i, c in ipairs(corrupt) do
    it('rejects ' .. c[1], function()
      local path = H.tmp('bad' .. i .. '.t7')
      H.writefile(path, c[2])
      U.raises(function() torch.load(path) end, 'torch.load: ' .. path .. ': ', c[3])
    end)
  end
end)
