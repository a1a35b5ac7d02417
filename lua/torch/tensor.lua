-- Tensor classes, constructors, conversions and Torch7's tensor methods
-- that are compositions of the C ones.
local torch = torch
local core = torch.core
local methods = core.methods
local tensor_mt = core.tensor_mt

torch.Tensor = nil -- replaced below by the default-type constructor

-- Torch7's result-first form: r copied into res (resized to r's size)
-- when a result tensor was given, else r itself
function torch._deliver(res, r)
  if not res then return r end
  return res:resize(r:size()):copy(r)
end

-- flatten a nested Lua table of numbers; returns flat values and sizes
local function flatten(t, fn)
  local sizes, flat = {}, {}
  local probe = t
  while type(probe) == 'table' do
    sizes[#sizes + 1] = #probe
    probe = probe[1]
  end
  if #sizes == 1 and sizes[1] == 0 then return flat, {0} end
  local function walk(x, d)
    if d > #sizes then
      if type(x) ~= 'number' and type(x) ~= 'boolean' then
        error(string.format('torch.%s: table element is a %s, expected a number', fn, type(x)), 4)
      end
      flat[#flat + 1] = x
      return
    end
    if type(x) ~= 'table' or #x ~= sizes[d] then
      error(string.format('torch.%s: ragged table: dimension %d should have %d elements', fn, d,
                          sizes[d]), 4)
    end
    for i = 1, #x do walk(x[i], d + 1) end
  end
  walk(t, 1)
  return flat, sizes
end

-- The Torch7 constructor forms, for one dtype:
--   T()  T(n, m, ...)  T(sizes)  T({{1,2},{3,4}})  T(tensor)  T(storage [, offset, sizes, strides])
local function construct(dtype, name, a, ...)
  if a == nil then return core.empty(dtype, 0) end
  if type(a) == 'number' then return core.empty(dtype, a, ...) end
  if torch.isTensor(a) then
    if a:dtype() ~= dtype then
      error(string.format('%s: cannot view a %s as %s', name, a:type(), torch.tensorTypeOf[dtype]), 3)
    end
    return a:_alias()
  end
  if torch.isStorage(a) then
    if a:dtype() == 'int64' and select('#', ...) == 0 and dtype ~= 'int64' then
      return core.empty(dtype, a)  -- sizes given as a LongStorage
    end
    if a:dtype() ~= dtype then
      if a:dtype() == 'int64' then return core.empty(dtype, a, ...) end
      error(string.format('%s: storage of type %s given', name, a:type()), 3)
    end
    local off, s1 = ...
    if type(s1) == 'number' then
      -- T(storage, offset, size1 [, stride1 [, size2 [, stride2 ...]]])
      local rest, sizes, strides = {select(2, ...)}, {}, {}
      for i = 1, #rest, 2 do
        sizes[#sizes + 1] = rest[i]
        strides[#strides + 1] = rest[i + 1] or 1  -- a last stride left out: contiguous
      end
      return core.from_storage(a, off, sizes, strides)
    end
    return core.from_storage(a, ...)
  end
  if type(a) == 'table' then
    local flat, sizes = flatten(a, name:match('torch%.(.*)') or name)
    return core.fromtable(dtype, flat, sizes)
  end
  error(string.format('%s: expected sizes, a table, a tensor or a storage, got %s', name, type(a)), 3)
end

local function tensor_class(dtype, typename)
  return setmetatable({dtype = dtype}, {
    __call = function(_, ...) return construct(dtype, typename, ...) end,
    __index = methods,
    __newindex = methods,
    __tostring = function() return typename end,
  })
end
for _, d in ipairs(torch.dtypes) do
  torch[d.tensor:match('torch%.(.*)')] = tensor_class(d.dtype, d.tensor)
end
-- torch.Tensor follows the default type
torch.Tensor = setmetatable({}, {
  __call = function(_, ...)
    local dtype = torch.defaultdtype()
    return construct(dtype, torch.tensorTypeOf[dtype], ...)
  end,
  __index = methods,
  __newindex = methods,
  __tostring = function() return 'torch.Tensor' end,
})

-- types --------------------------------------------------------------------

-- t:type() -> 'torch.FloatTensor'; t:type(name) -> converted (t itself if same)
function methods.type(t, name)
  if name == nil then return torch.tensorTypeOf[t:dtype()] end
  local dtype = torch.todtype(name, 'type')
  if dtype == t:dtype() then return t end
  return t:_todtype(dtype)
end
local conversions = {float = 'float32', double = 'float64', long = 'int64', int = 'int32',
                     short = 'int16', char = 'int8', byte = 'uint8', bool = 'bool', half = 'float16'}
for name, dtype in pairs(conversions) do
  methods[name] = function(t) return t:type(dtype) end
end
function methods.typeAs(t, other) return t:type(other:dtype()) end
function methods.isFloating(t) return t:dtype():sub(1, 5) == 'float' or t:dtype() == 'bfloat16' end

-- geometry -------------------------------------------------------------------

function methods.nDimension(t) return t:dim() end
function methods.numel(t) return t:nElement() end
function methods.isSameSizeAs(t, other) return t:size() == other:size() end
function methods.isSize(t, size)
  size = torch.isStorage(size) and size or torch.LongStorage(size)
  return t:size() == size
end
function methods.isSetTo(t, other)
  return t:storage():data() == other:storage():data() and t:storageOffset() == other:storageOffset()
     and t:size() == other:size() and t:stride() == other:stride()
end
function methods.resizeAs(t, other) return t:resize(other:size()) end
function methods.viewAs(t, other) return t:view(other:size()) end
function methods.expandAs(t, other) return t:expand(other:size()) end
function methods.zero(t) return t:fill(0) end

-- Torch7 allows t:view(2, 3) as well as t:view(torch.LongStorage{2,3}); the C side handles both.

-- t:totable(): nested Lua tables
function methods.totable(t)
  local flat = t:_flat()
  if t:dim() == 0 then return flat[1] end
  local sizes = t:size()
  local pos = 0
  local function build(d)
    local out = {}
    for i = 1, sizes[d] do
      if d == #sizes then
        pos = pos + 1
        out[i] = flat[pos]
      else
        out[i] = build(d + 1)
      end
    end
    return out
  end
  return build(1)
end

-- t:apply(f): t[i] = f(t[i]) (f returning nil leaves the element)
-- t:map(u, f): t[i] = f(t[i], u[i]); t:map2(u, v, f)
local function each(t, fn, others)
  local n = t:nElement()
  local ct = t:contiguous()
  local tv = ct:view(n)
  local ov = {}
  for k, o in ipairs(others) do
    if o:nElement() ~= n then
      error(string.format('torch.%s: tensors have %d and %d elements', fn, n, o:nElement()), 3)
    end
    ov[k] = o:contiguous():view(n)
  end
  for i = 1, n do
    local r
    if #ov == 0 then r = fn(tv[i])
    elseif #ov == 1 then r = fn(tv[i], ov[1][i])
    else r = fn(tv[i], ov[1][i], ov[2][i]) end
    if r ~= nil then tv[i] = r end
  end
  if ct:_id() ~= t:_id() then t:copy(ct) end
  return t
end
function methods.apply(t, f) return each(t, f, {}) end
function methods.map(t, u, f) return each(t, f, {u}) end
function methods.map2(t, u, v, f) return each(t, f, {u, v}) end

-- operators ------------------------------------------------------------------
local fn = core.fn

local function binop(name)
  local f = fn[name]
  return function(a, b) return f(a, b) end
end
tensor_mt.__add = binop('add')
tensor_mt.__sub = binop('sub')
tensor_mt.__div = binop('div')
tensor_mt.__mod = binop('remainder')
tensor_mt.__pow = binop('pow')
tensor_mt.__unm = function(a) return fn.neg(a) end
-- Torch7: * of two tensors is a matrix product (dot for two vectors)
tensor_mt.__mul = function(a, b)
  if torch.isTensor(a) and torch.isTensor(b) and torch.matmul then
    if a:dim() == 1 and b:dim() == 1 then return torch.dot(a, b) end
    return torch.matmul(a, b)
  end
  return fn.mul(a, b)
end
tensor_mt.__len = function(t) return t:size() end
tensor_mt.__tostring = function(t) return torch.format(t) end
tensor_mt.__typename = 'torch.Tensor'
