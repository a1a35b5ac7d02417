-- torch.loadSafetensors / torch.saveSafetensors. test/data/*.safetensors
-- were written by PyTorch through the reference `safetensors` package
-- (test/gen_safetensors.py); the values below are that script's formulas.
local U = require 'testutil'
local H = require 'io_helpers'

local DATA = (os.getenv('LUTORCH_SOURCE') or '.') .. '/test/data/'
local function vals(t) return t:double():totable() end

describe('safetensors: files from PyTorch', function()
  local t, meta = torch.loadSafetensors(DATA .. 'basic.safetensors')

  local cases = {
    {'f32', 'torch.FloatTensor', {{-0.5, -0.25, 0}, {0.25, 0.5, 0.75}}},
    {'f64', 'torch.DoubleTensor', {{1.5, -2.25}, {3.125, 1e300}}},
    {'i64', 'torch.LongTensor', {1, -2, 2 ^ 40, -2 ^ 53}},
    {'i32', 'torch.IntTensor', {7, -8, 2 ^ 31 - 1}},
    {'i16', 'torch.ShortTensor', {300, -300}},
    {'i8', 'torch.CharTensor', {-5, 5, -128}},
    {'u8', 'torch.ByteTensor', {0, 128, 255}},
    {'f16', 'torch.HalfTensor', {1, -2.5, 65504}},
    {'bf16', 'torch.BFloat16Tensor', {1, -2.5, 3.00405527047391e+38}}, -- bf16(3e38), from PyTorch
  }
  for _, c in ipairs(cases) do
    it('reads ' .. c[1], function()
      assert.are.equal(c[2], t[c[1]]:type())
      local got = vals(t[c[1]])
      for k = 1, #got do -- the literals print 15 digits
        if type(got[k]) == 'number' and math.abs(got[k]) > 1e30 then
          assert(math.abs(got[k] / c[3][k] - 1) < 1e-14)
          got[k] = c[3][k]
        end
      end
      assert.are.same(c[3], got)
    end)
  end

  it('reads bool, 0-dim, empty and 3-d tensors', function()
    assert.are.same({true, false, true}, t.bool:totable())
    assert.are.equal(0, t.scalar:dim())
    assert.are.equal(2.5, t.scalar:item())
    assert.are.same({0, 3}, t.empty:size():totable())
    assert.are.same({2, 3, 4}, t.cube:size():totable())
    assert.are.equal(23, t.cube[2][3][4])
  end)

  it('reads the metadata', function()
    assert.are.same({format = 'pt', note = 'lutorch test'}, meta)
  end)

  it('reads PyTorch nn.Linear weights that reproduce its output', function()
    local w = torch.loadSafetensors(DATA .. 'linear.safetensors')
    local W, b = vals(w.weight), vals(w.bias)
    assert.are.same({3, 4}, w.weight:size():totable())
    local expected = {{-0.6850157380104065, -0.1681910902261734, -0.2642059028148651},
                      {-0.9425225853919983, -0.004171252250671387, -0.3449333906173706}}
    for i = 1, 2 do
      for o = 1, 3 do
        local s = b[o]
        for k = 1, 4 do s = s + W[o][k] * ((i - 1) * 4 + k - 1) / 8 end
        assert(math.abs(s - expected[i][o]) < 1e-6)
      end
    end
  end)
end)

describe('safetensors: writing', function()
  it('round-trips every dtype, views included, with metadata', function()
    local t = torch.loadSafetensors(DATA .. 'basic.safetensors')
    t.view = t.cube:transpose(1, 3) -- written contiguous
    local path = H.tmp('rt.safetensors')
    torch.saveSafetensors(path, t, {epoch = '3'})
    local u, meta = torch.loadSafetensors(path)
    assert.are.same({epoch = '3'}, meta)
    for k, x in pairs(t) do
      assert.are.equal(x:type(), u[k]:type())
      assert.are.same(x:size():totable(), u[k]:size():totable())
      if x:nElement() > 0 then assert.are.same(x:totable(), u[k]:totable()) end
    end
    assert.are.equal(0, H.read_u32(H.readfile(path), 1) % 8) -- the data starts 8-aligned
  end)

  U.error_cases({
    {'a non-tensor value', function() torch.saveSafetensors(H.tmp('x'), {a = 1}) end, 'torch.saveSafetensors', 'expected a tensor'},
    {'a non-string name', function() torch.saveSafetensors(H.tmp('x'), {torch.ones(1)}) end, 'names must be strings'},
    {'non-string metadata', function() torch.saveSafetensors(H.tmp('x'), {}, {a = 1}) end, 'must be strings'},
    {'a tensor named __metadata__', function() torch.saveSafetensors(H.tmp('x'), {__metadata__ = torch.ones(1)}) end,
     "'__metadata__' cannot name a tensor"},
  })
end)

-- corrupted files ------------------------------------------------------------------

local function st(header, data) return H.u64(#header) .. header .. (data or '') end
local function one(dtype, shape, b, e)
  return string.format('{"x":{"dtype":"%s","shape":%s,"data_offsets":[%s,%s]}}', dtype, shape, b, e)
end
local d8 = string.rep('\0', 8)

local corrupt = {
  {'a file shorter than the header length', '\1\0\0', 'truncated file'},
  {'a header longer than the file', H.u64(1000) .. '{}', 'truncated file (header of 1000 needs 1000 bytes, 2 left)'},
  {'a huge header length', H.u64(2 ^ 40) .. '{}', 'more than the'},
  {'a header that is not JSON', st('{"x": [1,'), 'not valid JSON'},
  {'a header that is not an object', st('[1, 2]'), 'not a JSON object'},
  {'bytes after the JSON', st('{} xyz'), 'bytes after the JSON header'},
  {'an unknown dtype', st(one('F8_E4M3', '[2]', 0, 2), '\0\0'), "unsupported dtype 'F8_E4M3'"},
  {'a negative shape', st(one('F32', '[-2]', 0, 8), d8), 'shape entry 1 is not a non-negative integer'},
  {'a fractional shape', st(one('F32', '[1.5]', 0, 8), d8), 'shape entry 1'},
  {'an overflowing shape', st(one('F32', '[4294967296, 4294967296, 4294967296]', 0, 8), d8), 'shape overflows'},
  {'offsets past the data', st(one('F32', '[2]', 0, 8), '\0\0\0\0'), 'run past the 4 data bytes'},
  {'begin after end', st(one('F32', '[0]', 8, 0), d8), 'begin <= end'},
  {'a shape that does not match the bytes', st(one('F32', '[3]', 0, 8), d8), 'shape needs 12 bytes of F32, data_offsets give 8'},
  {'missing fields', st('{"x":{"dtype":"F32"}}'), "tensor 'x' needs dtype, shape and data_offsets"},
  {'overlapping tensors', st('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', d8),
   'overlaps'},
  {'a hole in the data', st('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', d8), 'data bytes [0, 4) belong to no tensor'},
  {'bytes after the last tensor', st(one('F32', '[1]', 0, 4), d8), '4 data bytes after the last tensor'},
  {'a duplicate name', st('{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"x":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', '\0\0'),
   "tensor name 'x' appears twice"},
  {'non-string metadata', st('{"__metadata__":{"a":1}}'), '__metadata__ value of \'a\' is not a string'},
  {'17 dimensions', st(one('U8', '[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]', 0, 1), '\0'), 'at most 16'},
}

describe('safetensors: corrupted files', function()
  for i, c in ipairs(corrupt) do
    it('rejects ' .. c[1], function()
      local path = H.tmp('bad' .. i .. '.safetensors')
      H.writefile(path, c[2])
      U.raises(function() torch.loadSafetensors(path) end, 'torch.loadSafetensors: ' .. path .. ': ', c[3])
    end)
  end
end)
