-- torch.save / torch.load / torch.serialize / torch.deserialize: the native
-- format (docs/file-format.md).
local U = require 'testutil'
local H = require 'io_helpers'
local v = H.v

local dtypes = {'float32', 'float64', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool',
                'float16', 'bfloat16'}

local function roundtrip(x) return torch.deserialize(torch.serialize(x)) end

-- classes for the object cases
local PointMT = torch.class('iotest.Point')
function PointMT:__init(x, y) self.x, self.y = x, y end
function PointMT:norm2() return self.x * self.x + self.y * self.y end
local Point3MT = torch.class('iotest.Point3', 'iotest.Point')
function Point3MT:__init(x, y, z) PointMT.__init(self, x, y); self.z = z end
local Point, Point3 = iotest.Point, iotest.Point3

describe('native format: values', function()
  local cases = {
    {'nil', nil}, {'true', true}, {'false', false}, {'zero', 0}, {'negative zero', -0.0},
    {'a third', 1 / 3}, {'2^53 + 2', 2 ^ 53 + 2}, {'2^63', 2 ^ 63}, {'-1e308', -1e308},
    {'denormal', 5e-324}, {'inf', math.huge}, {'-inf', -math.huge}, {'nan', 0 / 0},
    {'empty string', ''}, {'binary string', '\0\1\255abc\0'},
    {'every byte', (function() local t = {} for i = 0, 255 do t[#t + 1] = string.char(i) end return table.concat(t) end)()},
    {'long string', string.rep('lutorch ', 200000)},
    {'nested tables', {1, 2, {3, {4, {5}}}, a = {b = {c = 'deep'}}}},
    {'mixed keys', {[1] = 'one', [2.5] = 'float key', [true] = 'bool key', [-3] = 'neg', x = false}},
  }
  for _, c in ipairs(cases) do
    it('round-trips ' .. c[1], function()
      H.deep_equal(c[2], roundtrip(c[2]))
    end)
  end

  it('keeps shared references and cycles', function()
    local shared = {answer = 42}
    local t = {a = shared, b = shared, list = {shared}}
    t.self = t
    t.list.parent = t
    local u = roundtrip(t)
    assert.are.equal(u.a, u.b)
    assert.are.equal(u.a, u.list[1])
    assert.are.equal(u, u.self)
    assert.are.equal(u, u.list.parent)
    assert.are.equal(42, u.a.answer)
  end)

  it('keeps tables used as keys', function()
    local k = {name = 'key'}
    local t = {[k] = 'value', k = k}
    local u = roundtrip(t)
    assert.are.equal('value', u[u.k])
  end)

  it('saves deep nesting without recursion limits', function()
    local t = {}
    local cur = t
    for i = 1, 20000 do cur.next = {i = i}; cur = cur.next end
    local u = roundtrip(t)
    local n = 0
    cur = u
    while cur.next do cur = cur.next; n = n + 1 end
    assert.are.equal(20000, n)
  end)

  it('refuses functions and other code', function()
    U.raises(function() torch.serialize({f = print}) end, 'torch.serialize', 'cannot save a function', '"f"')
    U.raises(function() torch.serialize(coroutine.create(print)) end, 'cannot save a thread')
  end)
end)

describe('native format: tensors', function()
  for _, dt in ipairs(dtypes) do
    it('round-trips ' .. dt, function()
      local vals = dt == 'bool' and {1, 0, 1, 1, 0, 0} or {1, -2, 3, 0, 5, -6}
      if dt == 'uint8' then vals = {1, 2, 255, 0, 128, 6} end
      local t = torch.core.fromtable(dt, vals, {2, 3})
      local u = roundtrip(t)
      H.deep_equal(t, u)
      assert.are.equal(torch.tensorTypeOf[dt], u:type())
    end)
  end

  it('round-trips 0-dim and empty tensors', function()
    H.deep_equal(torch.core.fromtable('float64', {2.5}, {}), roundtrip(torch.core.fromtable('float64', {2.5}, {})))
    local e = torch.FloatTensor()
    local u = roundtrip(e)
    assert.are.equal(0, u:nElement())
    H.deep_equal(torch.zeros(0, 3), roundtrip(torch.zeros(0, 3)))
  end)

  it('keeps views sharing their storage', function()
    local x = torch.FloatTensor({{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}})
    local t = {x = x, xt = x:t(), narrow = x:narrow(2, 2, 2), row = x:select(1, 2),
               expanded = torch.FloatTensor({{1, 2, 3}}):expand(4, 3), storage = x:storage()}
    local u = roundtrip(t)
    H.deep_equal(t, u)
    assert.is_false(u.xt:isContiguous())
    assert.are.same({1, 4}, u.xt:stride():totable())
    assert.are.same({0, 1}, u.expanded:stride():totable())
    u.x[2][3] = 100
    assert.are.equal(100, u.xt[3][2])
    assert.are.equal(100, u.narrow[2][2])
    assert.are.equal(100, u.row[3])
    assert.are.equal(100, u.storage[7])
  end)

  it('writes a shared storage once', function()
    local x = torch.FloatTensor(100000)
    local one = #torch.serialize({x})
    local two = #torch.serialize({x, x:narrow(1, 1, 10), x:view(1000, 100)})
    assert.is_true(two - one < 1000)
  end)
end)

describe('native format: classes', function()
  it('restores torch.class objects by name', function()
    local p = Point3(1, 2, 3)
    local u = roundtrip({p = p, again = p})
    assert.are.equal('iotest.Point3', torch.typename(u.p))
    assert.are.equal(u.p, u.again)
    assert.are.equal(5, u.p:norm2())
    assert.are.equal(3, u.p.z)
    assert.is_true(torch.isTypeOf(u.p, 'iotest.Point'))
  end)

  it('restores an object that refers to itself', function()
    local p = Point(1, 1)
    p.me = p
    local u = roundtrip(p)
    assert.are.equal(u, u.me)
    assert.are.equal(getmetatable(p), getmetatable(u))
  end)
end)

describe('native format: files', function()
  it('saves and loads a file, replacing the old one, leaving no temp file', function()
    local path = H.tmp('model.t7')
    torch.save(path, {w = torch.ones(3), step = 1})
    torch.save(path, {w = torch.zeros(3), step = 2})
    local u = torch.load(path)
    assert.are.equal(2, u.step)
    assert.are.equal(0, u.w:sum())
    local p = io.popen('ls ' .. H.tmpdir())
    local listing = p:read('*a')
    p:close()
    assert.is_nil(listing:find('tmp-', 1, true))
  end)

  it('leaves the old file and no temp file when a save fails', function()
    local path = H.tmp('failed.t7')
    torch.save(path, {v = 1})
    U.raises(function() torch.save(path, {v = 2, f = print}) end, 'torch.save', 'cannot save a function')
    assert.are.equal(1, torch.load(path).v)
    local p = io.popen('ls ' .. H.tmpdir())
    local listing = p:read('*a')
    p:close()
    assert.is_nil(listing:find('failed.t7.tmp', 1, true))
  end)

  it('survives a writer killed with SIGKILL mid-write', function()
    local th = assert(os.getenv('LUTORCH_TH'), 'LUTORCH_TH not set (run through ctest)')
    local path = H.tmp('killed.t7')
    local script = H.tmp('writer.lua')
    H.writefile(script, [[
      local path = arg[1]
      local big = torch.FloatTensor(8 * 1024 * 1024):fill(7)
      io.open(path .. '.started', 'w'):close()
      while true do torch.save(path, {marker = 'new', data = big}) end
    ]])
    local left_temp = false
    for trial = 1, 3 do
      torch.save(path, {marker = 'old', data = torch.FloatTensor(10):fill(1)})
      os.remove(path .. '.started')
      local pidfile = H.tmp('pid')
      os.execute(string.format('%s %s %s >/dev/null 2>&1 & echo $! > %s', th, script, path, pidfile))
      local pid = H.readfile(pidfile):match('%d+')
      for _ = 1, 600 do
        if io.open(path .. '.started') then break end
        os.execute('sleep 0.05')
      end
      os.execute('sleep 0.' .. (1 + trial * 2))
      os.execute('kill -9 ' .. pid)
      for _ = 1, 100 do -- gone (or a zombie that can no longer write)
        if os.execute('kill -0 ' .. pid .. ' 2>/dev/null') ~= 0 then break end
        os.execute('sleep 0.05')
      end
      local u = torch.load(path) -- the old file or a complete new one, never a broken one
      if u.marker == 'old' then
        assert.are.equal(10, u.data:sum())
      else
        assert.are.equal('new', u.marker)
        assert.are.equal(8 * 1024 * 1024 * 7, u.data:double():sum())
      end
      local p = io.popen('ls ' .. H.tmpdir())
      local listing = p:read('*a')
      p:close()
      for tmp in listing:gmatch('killed%.t7%.tmp%-[%w%-]+') do
        left_temp = true
        os.remove(H.tmp(tmp))
      end
    end
    assert.is_true(left_temp, 'no kill landed mid-write')
  end)
end)

-- random objects -------------------------------------------------------------

local rng_state = 12345
local function rnd(n) -- deterministic, independent of math.random users
  rng_state = (rng_state * 1103515245 + 12345) % 2147483648
  return n and (rng_state % n) + 1 or rng_state / 2147483648
end

local specials = {0, -0.0, 1 / 0, -1 / 0, 0 / 0, 2 ^ 53 + 2, 2 ^ 63, 5e-324, math.pi, -1e300}
local function rand_scalar()
  local r = rnd(4)
  if r == 1 then return specials[rnd(#specials)] end
  if r == 2 then return (rnd() - 0.5) * 10 ^ rnd(20) end
  if r == 3 then
    local t = {}
    for i = 1, rnd(12) - 1 do t[i] = string.char(rnd(256) - 1) end
    return table.concat(t)
  end
  return rnd(2) == 1
end

local ranges = {int8 = 256, uint8 = 256, int16 = 60000, bool = 2}
local function rand_tensor()
  local dt = dtypes[rnd(#dtypes)]
  local nd = rnd(5) - 1
  local sizes, n = {}, 1
  for d = 1, nd do sizes[d] = rnd(4) - (rnd(8) == 1 and 1 or 0); n = n * sizes[d] end
  local vals = {}
  for i = 1, n do
    local x = rnd(ranges[dt] or 200) - 1
    if dt == 'int8' or dt == 'int16' then x = x - math.floor((ranges[dt]) / 2) end
    if dt == 'float32' or dt == 'float64' then x = x / 8 - 10 end
    vals[i] = x
  end
  local t = torch.core.fromtable(dt, vals, sizes)
  -- random views of it
  for _ = 1, rnd(3) - 1 do
    local d = t:dim()
    local op = rnd(4)
    if op == 1 and d >= 2 then t = t:transpose(1, d)
    elseif op == 2 and d >= 1 and t:size(1) > 0 then
      local start = rnd(t:size(1))
      t = t:narrow(1, start, rnd(t:size(1) - start + 1))
    elseif op == 3 and d >= 1 and t:size(d) > 0 then t = t:select(d, rnd(t:size(d)))
    elseif op == 4 and d >= 1 and t:size(1) == 1 then
      local s = t:size():totable(); s[1] = 3; t = t:expand(torch.LongStorage(s))
    end
  end
  return t
end

local function rand_object()
  local pool = {}
  local function value(depth)
    local r = rnd(10)
    if r <= 3 or depth > 4 then return rand_scalar() end
    if r <= 5 then
      local t = rand_tensor()
      pool[#pool + 1] = t
      return t
    end
    if r == 6 and #pool > 0 then
      local p = pool[rnd(#pool)]
      if torch.isTensor(p) and rnd(2) == 1 then return p:storage() end
      return p
    end
    if r == 7 then
      local p = rnd(2) == 1 and Point(rnd(10), rnd(10)) or Point3(1, 2, rnd(10))
      pool[#pool + 1] = p
      return p
    end
    local t = {}
    pool[#pool + 1] = t
    for i = 1, rnd(6) - 1 do
      local k = rnd(3) == 1 and i or (rnd(2) == 1 and ('k' .. rnd(20)) or rnd() * 100)
      local x = value(depth + 1)
      if x ~= nil then t[k] = x end
    end
    return t
  end
  return value(1)
end

describe('native format: 1000 random objects', function()
  it('round-trip with deep equality', function()
    for i = 1, 1000 do
      local obj = rand_object()
      local ok, err = pcall(H.deep_equal, obj, roundtrip(obj))
      assert(ok, string.format('object %d: %s', i, tostring(err)))
    end
  end)
end)

-- corrupted files --------------------------------------------------------------

local good = torch.serialize({w = torch.FloatTensor({1, 2, 3}), name = 'net'})
local storage12 = H.record(1, H.u8(0) .. H.i64(12) .. string.rep('\0', 48))
local function tensor_rec(dtype, sid, offset, sizes, strides)
  local s = H.u8(dtype) .. H.u32(sid) .. H.u8(#sizes) .. H.i64(offset)
  for _, x in ipairs(sizes) do s = s .. H.i64(x) end
  for _, x in ipairs(strides) do s = s .. H.i64(x) end
  return H.record(2, s)
end
local root0 = H.record(6, v.ref(0))
local table_rec = H.record(3, '')
local function entries(target, n, pairs_) return H.record(5, H.u32(target) .. H.u64(n) .. pairs_) end
local obj_rec = function(name) return H.record(4, H.u32(#name) .. name) end

local corrupt = {
  {'an empty file', '', 'is empty'},
  {'bad magic bytes', '\137LUTORCX\r\n\26\n' .. good:sub(13), 'bad magic'},
  {'a truncated file', good:sub(1, #good - 30), 'truncated file'},
  {'a file cut inside a record', good:sub(1, 40), 'truncated file (record 1 needs 21 bytes, 6 left)'},
  {'a wrong checksum', H.patch(good, 40, '\255'), 'checksum mismatch'},
  {'a newer major version', H.fix_crc(H.patch(good, 13, H.u16(2) .. H.u16(0))), 'newer lutorch (format 2.0'},
  {'a 10^12-element storage in a small file', H.native({H.record(1, H.u8(0) .. H.i64(1e12) .. 'abcd'), root0}),
   'storage of 1000000000000 float32 elements needs 4000000000000 bytes'},
  {'a negative storage size', H.native({H.record(1, H.u8(0) .. H.i64(-5)), root0}), 'invalid storage size -5'},
  {'an overflowing storage size', H.native({H.record(1, H.u8(1) .. H.i64(2 ^ 62)), root0}), 'invalid storage size'},
  {'an unknown dtype', H.native({H.record(1, H.u8(77) .. H.i64(0)), root0}), 'unknown dtype code 77'},
  {'a negative size', H.native({storage12, tensor_rec(0, 0, 0, {-2, 3}, {3, 1}), H.record(6, v.ref(1))}), 'negative size -2'},
  {'a negative stride', H.native({storage12, tensor_rec(0, 0, 0, {2, 3}, {-3, 1}), H.record(6, v.ref(1))}), 'negative stride'},
  {'overflowing strides', H.native({storage12, tensor_rec(0, 0, 0, {3, 3}, {2 ^ 62, 1}), H.record(6, v.ref(1))}), 'strides overflow'},
  {'a view larger than its storage', H.native({storage12, tensor_rec(0, 0, 1, {3, 4}, {4, 1}), H.record(6, v.ref(1))}),
   'needs 13 storage elements, its storage has 12'},
  {'a negative offset', H.native({storage12, tensor_rec(0, 0, -1, {3}, {1}), H.record(6, v.ref(1))}), 'negative storage offset'},
  {'17 dimensions', H.native({storage12, tensor_rec(0, 0, 0, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
     {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}), H.record(6, v.ref(1))}), 'at most 16'},
  {'a tensor on a storage of another dtype', H.native({storage12, tensor_rec(1, 0, 0, {3}, {1}), H.record(6, v.ref(1))}),
   'float64 tensor on a float32 storage'},
  {'a tensor whose storage is a table', H.native({table_rec, tensor_rec(0, 0, 0, {3}, {1}), H.record(6, v.ref(1))}),
   "tensor's storage is record 0, a table"},
  {'a reference to a record not yet read', H.native({table_rec, entries(0, 1, v.str('x') .. v.ref(5)), root0}),
   'refers to record 5, which is not yet read'},
  {'a reference to a non-value record', H.native({table_rec, entries(0, 1, v.str('x') .. v.t), H.record(6, v.ref(1))}),
   'a non-value record'},
  {'an unknown class name', H.native({obj_rec('nope.Missing'), root0}), 'unknown class nope.Missing'},
  {'an invalid class name', H.native({obj_rec('os.execute("rm")'), root0}), 'invalid class name'},
  {'a nil key', H.native({table_rec, entries(0, 1, v.nil_ .. v.t), root0}), 'nil key'},
  {'a NaN key', H.native({table_rec, entries(0, 1, v.num(0 / 0) .. v.t), root0}), 'NaN key'},
  {'an unknown value type', H.native({table_rec, entries(0, 1, H.u8(9) .. v.t), root0}), 'unknown type 9'},
  {'more entries than bytes', H.native({table_rec, entries(0, 2 ^ 40, v.t .. v.t), root0}), 'entries cannot fit'},
  {'entries for a tensor', H.native({storage12, entries(0, 1, v.t .. v.t), root0}), 'a storage record'},
  {'a string running past its record', H.native({table_rec, entries(0, 1, H.u8(4) .. H.u64(1e9) .. 'ab' .. v.t), root0}),
   'truncated file'},
  {'no root record', H.native({table_rec}), 'no root record'},
  {'two root records', H.native({table_rec, root0, root0}), 'a second root'},
  {'an unknown record kind', H.native({H.record(77, 'future'), table_rec, H.record(6, v.ref(1))}), 'unknown kind 77'},
  {'stray bytes at the end of a record', H.native({H.record(3, 'xx'), root0}), 'unexpected bytes at its end'},
  {'garbage after the end record', good .. 'garbage', 'garbage after the end record'},
}

-- requires_grad (format 1.1: a flags byte ends each tensor record) --------------------

describe('native format: requires_grad', function()
  it('is saved and restored, and the loaded leaves train', function()
    local w = torch.Tensor({{1, 2}, {3, 4}}):requiresGrad()
    local b = torch.DoubleTensor({0.5, -1}):requiresGrad()
    local plain, ints = torch.Tensor({5, 6}), torch.LongTensor({1, 2})
    -- results and views of w are not leaves: they come back as leaves that require grad
    local y = torch.mul(w, 2)
    local back = roundtrip({w = w, b = b, plain = plain, ints = ints, y = y, wt = w:t()})
    for k, want in pairs({w = true, b = true, plain = false, ints = false, y = true, wt = true}) do
      assert.are.equal(want, back[k].requires_grad, k)
      assert.is_true(back[k]:isLeaf(), k)
    end
    assert.are.same(y:totable(), back.y:totable())
    torch.sum(torch.mul(back.w, back.w)):backward()
    assert.are.same({{2, 4}, {6, 8}}, back.w.grad:totable())
  end)

  -- tensor record payload: dtype, storage, ndim, offset, size, stride, then flags (1.1)
  local function tensor_payload(dtype, flags)
    return H.u8(dtype) .. H.u32(0) .. H.u8(1) .. H.i64(0) .. H.i64(3) .. H.i64(1) .. (flags or '')
  end
  local f32storage = H.record(1, H.u8(0) .. H.i64(3) .. string.rep('\0', 12))
  local i64storage = H.record(1, H.u8(2) .. H.i64(3) .. string.rep('\0', 24))

  it('loads 1.0 files (no flags byte) as not requiring grad', function()
    local t = torch.deserialize(H.native({f32storage, H.record(2, tensor_payload(0)), H.record(6, v.ref(1))}, 1, 0))
    assert.are.same({0, 0, 0}, t:totable())
    assert.is_false(t.requires_grad)
  end)

  it('reads the flags byte of 1.1 files', function()
    local t = torch.deserialize(H.native({f32storage, H.record(2, tensor_payload(0, H.u8(1))), H.record(6, v.ref(1))}, 1, 1))
    assert.is_true(t.requires_grad)
  end)

  local bad = {
    {'a 1.1 tensor record without flags', H.native({f32storage, H.record(2, tensor_payload(0)), H.record(6, v.ref(1))}, 1, 1),
     'truncated file'},
    {'unknown tensor flags', H.native({f32storage, H.record(2, tensor_payload(0, H.u8(6))), H.record(6, v.ref(1))}, 1, 1),
     'record 1: unknown tensor flags 6'},
    {'an int64 tensor that requires grad', H.native({i64storage, H.record(2, tensor_payload(2, H.u8(1))), H.record(6, v.ref(1))}, 1, 1),
     'record 1: a int64 tensor cannot require grad'},
  }
  for _, c in ipairs(bad) do
    it('rejects ' .. c[1], function()
      U.raises(function() torch.deserialize(c[2]) end, 'torch.deserialize: ', c[3])
    end)
  end
end)

describe('native format: corrupted files', function()
  for i, c in ipairs(corrupt) do
    it('rejects ' .. c[1], function()
      local path = H.tmp('corrupt' .. i .. '.t7')
      H.writefile(path, c[2])
      U.raises(function() torch.load(path) end, 'torch.load: ' .. path .. ': ', c[3])
    end)
  end

  it('loads a newer minor version that adds fields and record kinds', function()
    local s = H.native({storage12, H.record(90, 'a record kind from the future'),
      H.record(2, H.u8(0) .. H.u32(0) .. H.u8(1) .. H.i64(2) .. H.i64(4) .. H.i64(1) .. 'new field'),
      H.record(3, 'table flags'), entries(3, 1, v.str('t') .. v.ref(2) .. 'more'), H.record(6, v.ref(3))}, 1, 7)
    local u = torch.deserialize(s)
    assert.are.same({4}, u.t:size():totable())
    assert.are.equal(3, u.t:storageOffset())
    U.raises(function() torch.deserialize(s:sub(1, 14) .. H.u16(0) .. s:sub(17)) end, 'checksum mismatch')
  end)

  it('can skip the checksum on request', function()
    local bad = H.patch(good, #good - 1, '\0\0')
    U.raises(function() torch.deserialize(bad) end, 'torch.deserialize: checksum mismatch')
    assert.are.equal('net', torch.deserialize(bad, {checksum = false}).name)
  end)

  U.error_cases({
    {'a missing file', function() torch.load(H.tmp('no_such_file')) end, 'torch.load', 'cannot open'},
    {'a non-string path', function() torch.load(3) end, 'torch.load: argument 1'},
    {'an unknown format', function() torch.save(H.tmp('x'), 1, 'yaml') end, "unknown format 'yaml'"},
    {'an unknown mode', function() torch.load(H.tmp('x'), 'yaml') end, "unknown mode 'yaml'"},
    {'an unregistered class', function()
      torch.serialize(setmetatable({}, {__typename = 'ghost.Class'}))
    end, 'torch.serialize', 'ghost.Class is not registered'},
  })
end)
