-- dtypes and their Torch7 class names; torch.FloatTensor & co.
local torch = torch
local core = torch.core

-- dtype name <-> Torch7 type name
torch.dtypes = {
  {dtype = 'float32',  tensor = 'torch.FloatTensor',  storage = 'torch.FloatStorage', bytes = 4},
  {dtype = 'float64',  tensor = 'torch.DoubleTensor', storage = 'torch.DoubleStorage', bytes = 8},
  {dtype = 'int64',    tensor = 'torch.LongTensor',   storage = 'torch.LongStorage', bytes = 8},
  {dtype = 'int32',    tensor = 'torch.IntTensor',    storage = 'torch.IntStorage', bytes = 4},
  {dtype = 'int16',    tensor = 'torch.ShortTensor',  storage = 'torch.ShortStorage', bytes = 2},
  {dtype = 'int8',     tensor = 'torch.CharTensor',   storage = 'torch.CharStorage', bytes = 1},
  {dtype = 'uint8',    tensor = 'torch.ByteTensor',   storage = 'torch.ByteStorage', bytes = 1},
  {dtype = 'bool',     tensor = 'torch.BoolTensor',   storage = 'torch.BoolStorage', bytes = 1},
  {dtype = 'float16',  tensor = 'torch.HalfTensor',   storage = 'torch.HalfStorage', bytes = 2},
  {dtype = 'bfloat16', tensor = 'torch.BFloat16Tensor', storage = 'torch.BFloat16Storage', bytes = 2},
}
torch.tensorTypeOf, torch.dtypeOfType, torch.storageTypeOf = {}, {}, {}
local dtype_bytes = {}
for _, d in ipairs(torch.dtypes) do
  dtype_bytes[d.dtype] = d.bytes
  torch.tensorTypeOf[d.dtype] = d.tensor
  torch.storageTypeOf[d.dtype] = d.storage
  torch.dtypeOfType[d.tensor] = d.dtype
  torch.dtypeOfType[d.storage] = d.dtype
end
-- PyTorch-style aliases
local alias = {float = 'float32', double = 'float64', long = 'int64', int = 'int32',
               short = 'int16', char = 'int8', byte = 'uint8', half = 'float16'}
for k, v in pairs(alias) do torch.dtypeOfType[k] = v end
for _, d in ipairs(torch.dtypes) do torch.dtypeOfType[d.dtype] = d.dtype end

local default_dtype = 'float32'

-- Torch7's torch.setdefaulttensortype('torch.DoubleTensor'); also accepts dtypes.
function torch.setdefaulttensortype(name)
  local d = torch.dtypeOfType[name]
  if not d or (d ~= 'float32' and d ~= 'float64') then
    error("torch.setdefaulttensortype: expected 'torch.FloatTensor' or 'torch.DoubleTensor', got "
          .. tostring(name), 2)
  end
  default_dtype = d
end
function torch.getdefaulttensortype() return torch.tensorTypeOf[default_dtype] end
function torch.defaultdtype() return default_dtype end

-- resolve a dtype from a dtype name, a Torch7 type name or nil (default)
function torch.todtype(x, fn)
  if x == nil then return default_dtype end
  local d = torch.dtypeOfType[x]
  if not d then error(string.format("torch.%s: unknown type '%s'", fn or 'type', tostring(x)), 3) end
  return d
end

-- Storages -------------------------------------------------------------------
local storage_mt = core.storage_mt
local smethods = storage_mt.methods

function smethods.type(s) return torch.storageTypeOf[s:dtype()] end
-- bytes per element (Torch7's elementSize; PyTorch's element_size)
function smethods.elementSize(s) return dtype_bytes[s:dtype()] end
smethods.element_size = smethods.elementSize
torch._methods.elementSize = smethods.elementSize
torch._methods.element_size = smethods.elementSize
function smethods.totable(s)
  local t = {}
  for i = 1, #s do t[i] = s[i] end
  return t
end
-- s:string(): the bytes of a Byte/Char storage as a Lua string;
-- s:string(str): the storage resized to hold str's bytes (returns s)
function smethods.string(s, str)
  local d = s:dtype()
  if d ~= 'uint8' and d ~= 'int8' then
    error('torch.string: expected a ByteStorage or CharStorage, got a ' .. s:type(), 2)
  end
  if str == nil then
    local parts = {}
    for i = 1, #s do parts[i] = string.char(s[i] % 256) end
    return table.concat(parts)
  end
  if type(str) ~= 'string' then error('torch.string: expected a string, got ' .. type(str), 2) end
  s:resize(#str)
  for i = 1, #str do
    local b = str:byte(i)
    s[i] = (d == 'int8' and b > 127) and b - 256 or b
  end
  return s
end
function smethods.fill(s, v)
  for i = 1, #s do s[i] = v end
  return s
end
function smethods.copy(s, src)
  for i = 1, #s do s[i] = src[i] end
  return s
end
storage_mt.__tostring = function(s)
  local parts = {}
  for i = 1, #s do parts[i] = string.format(' %s', tostring(s[i])) end
  return table.concat(parts, '\n') .. (#s > 0 and '\n' or '') ..
         string.format('[%s of size %d]', s:type(), #s)
end
-- size objects compare by value
storage_mt.__eq = function(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do if a[i] ~= b[i] then return false end end
  return true
end

local function storage_class(dtype, typename)
  return setmetatable({dtype = dtype}, {
    __call = function(_, x, ...)
      if type(x) == 'table' then return core.storage_new(dtype, x) end
      if x ~= nil and type(x) ~= 'number' then
        error(typename .. ': expected a size or a table of values, got ' .. type(x), 2)
      end
      return core.storage_new(dtype, x or 0)
    end,
    __tostring = function() return typename end,
  })
end
for _, d in ipairs(torch.dtypes) do
  torch[d.storage:match('torch%.(.*)')] = storage_class(d.dtype, d.storage)
end
torch.Storage = torch.FloatStorage

function torch.isStorage(x) return core.isStorage(x) end
function torch.isTensor(x) return core.isTensor(x) end
