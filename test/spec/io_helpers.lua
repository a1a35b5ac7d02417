-- Helpers shared by the file specs: little-endian packing (to craft files
-- byte by byte), temp paths, and a deep equality that also checks that
-- shared references and storage sharing are preserved.
local ffi = require 'ffi'
local H = {}

local function pack(ctype, size)
  local box = ffi.new(ctype .. '[1]')
  return function(v)
    box[0] = v
    return ffi.string(box, size)
  end
end
H.u8 = function(v) return string.char(v % 256) end
H.u16 = pack('uint16_t', 2)
H.u32 = pack('uint32_t', 4)
H.i32 = pack('int32_t', 4)
H.i64 = pack('int64_t', 8)
H.u64 = pack('uint64_t', 8)
H.f64 = pack('double', 8)
H.f32 = pack('float', 4)

function H.read_u32(s, pos)
  local b = ffi.new('uint32_t[1]')
  ffi.copy(b, s:sub(pos, pos + 3), 4)
  return tonumber(b[0])
end

function H.readfile(path)
  local f = assert(io.open(path, 'rb'))
  local s = f:read('*a')
  f:close()
  return s
end

function H.writefile(path, s)
  local f = assert(io.open(path, 'wb'))
  f:write(s)
  f:close()
end

local tmpdir
function H.tmp(name)
  if not tmpdir then
    tmpdir = os.tmpname()
    os.remove(tmpdir)
    assert(os.execute('mkdir -p ' .. tmpdir) == 0 or true)
  end
  return tmpdir .. '/' .. name
end
function H.tmpdir() H.tmp('x'); return tmpdir end

-- replace bytes [pos, pos + #r) of s
function H.patch(s, pos, r) return s:sub(1, pos - 1) .. r .. s:sub(pos + #r) end

-- native files: recompute the checksum over everything before it
function H.fix_crc(s)
  local body = s:sub(1, #s - 4)
  return body .. H.u32(torch.io.crc32(body))
end

-- a native file built record by record
H.MAGIC = '\137LUTORCH\r\n\26\n'
function H.record(kind, payload) return H.u8(kind) .. H.u64(#payload) .. payload end
function H.native(records, major, minor)
  local s = H.MAGIC .. H.u16(major or 1) .. H.u16(minor or 0) .. table.concat(records)
  s = s .. H.u8(255) .. H.u64(4)
  return s .. H.u32(torch.io.crc32(s))
end
-- values inside records
H.v = {
  nil_ = H.u8(0), f = H.u8(1), t = H.u8(2),
  num = function(x) return H.u8(3) .. H.f64(x) end,
  str = function(s) return H.u8(4) .. H.u64(#s) .. s end,
  ref = function(id) return H.u8(5) .. H.u32(id) end,
}

local function isnan(x) return x ~= x end

local function same_number(a, b)
  if isnan(a) then return isnan(b) end
  if a == 0 and b == 0 then return 1 / a == 1 / b end -- -0 stays -0
  return a == b
end

local function tensor_values(t)
  local flat = t:contiguous():_flat()
  return flat
end

-- deep equality: a and b must be isomorphic (a value shared in a is the
-- same value in b, tensors sharing a storage in a share one in b)
function H.deep_equal(a, b)
  local map, smap, rmap = {}, {}, {}
  local function fail(path, why) error('deep_equal: ' .. path .. ': ' .. why, 0) end
  local function eq(x, y, path)
    local tx, ty = type(x), type(y)
    if tx ~= ty then fail(path, tx .. ' vs ' .. ty) end
    if tx == 'number' then
      if not same_number(x, y) then fail(path, tostring(x) .. ' vs ' .. tostring(y)) end
      return
    end
    if tx ~= 'table' and tx ~= 'userdata' then
      if x ~= y then fail(path, tostring(x) .. ' vs ' .. tostring(y)) end
      return
    end
    if map[x] ~= nil then
      if map[x] ~= y then fail(path, 'sharing lost') end
      return
    end
    if rmap[y] ~= nil then fail(path, 'two values became one') end
    map[x], rmap[y] = y, x
    if torch.isTensor(x) or torch.isStorage(x) then
      if torch.isTensor(x) ~= torch.isTensor(y) then fail(path, 'tensor vs storage') end
      if x:dtype() ~= y:dtype() then fail(path, x:dtype() .. ' vs ' .. y:dtype()) end
      local sx, sy = torch.core.io_storage_id(x), torch.core.io_storage_id(y)
      if smap[sx] ~= nil and smap[sx] ~= sy then fail(path, 'storage sharing lost') end
      smap[sx] = sy
      if torch.isStorage(x) then
        if #x ~= #y then fail(path, 'storage sizes') end
        for i = 1, #x do eq(x[i], y[i], path .. '[' .. i .. ']') end
        return
      end
      if x:dim() ~= y:dim() then fail(path, 'dims') end
      for d = 1, x:dim() do
        if x:size(d) ~= y:size(d) or x:stride(d) ~= y:stride(d) then fail(path, 'geometry') end
      end
      if x:storageOffset() ~= y:storageOffset() then fail(path, 'offset') end
      if #x:storage() ~= #y:storage() then fail(path, 'storage size') end
      local vx, vy = tensor_values(x), tensor_values(y)
      for i = 1, #vx do eq(vx[i], vy[i], path .. '{' .. i .. '}') end
      return
    end
    if getmetatable(x) ~= getmetatable(y) then fail(path, 'metatables differ') end
    local n = 0
    for k, v in next, x do
      n = n + 1
      local kk = k
      if type(k) == 'table' or type(k) == 'userdata' then
        kk = map[k]
        if kk == nil then fail(path, 'a table key not reached as a value (unsupported here)') end
      end
      eq(v, rawget(y, kk), path .. '.' .. tostring(k))
    end
    for _ in next, y do n = n - 1 end
    if n ~= 0 then fail(path, 'entry counts differ') end
  end
  eq(a, b, 'root')
  return true
end

return H
