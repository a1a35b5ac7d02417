-- torch.cuda: GPU tensors and the device API (cutorch's, with PyTorch's
-- memory functions). The C side is torch.core.cuda (lua/binding/cuda.c),
-- which exists in every build: without CUDA, or without a GPU,
-- torch.cuda.isAvailable() is false and anything that needs a GPU raises
-- "torch.cuda: no CUDA device available".
--
-- Loaded by require 'torch.cuda' or require 'cutorch'. Device numbers are
-- 1-based, as in cutorch.
local torch = rawget(_G, 'torch') or require 'torch'
if torch.cuda and torch.cuda._loaded then return torch.cuda end

local core = torch.core
local C = core.cuda
local methods = core.methods
local device_of = C.device_of

local cuda = torch.cuda or {}
torch.cuda = cuda
cuda._loaded = true

-- type names ----------------------------------------------------------------

cuda.types = {
  {dtype = 'float32', tensor = 'torch.CudaTensor', method = 'cuda'},
  {dtype = 'float64', tensor = 'torch.CudaDoubleTensor', method = 'cudaDouble'},
  {dtype = 'int64', tensor = 'torch.CudaLongTensor', method = 'cudaLong'},
  {dtype = 'int32', tensor = 'torch.CudaIntTensor', method = 'cudaInt'},
  {dtype = 'int16', tensor = 'torch.CudaShortTensor', method = 'cudaShort'},
  {dtype = 'int8', tensor = 'torch.CudaCharTensor', method = 'cudaChar'},
  {dtype = 'uint8', tensor = 'torch.CudaByteTensor', method = 'cudaByte'},
  {dtype = 'bool', tensor = 'torch.CudaBoolTensor', method = 'cudaBool'},
  {dtype = 'float16', tensor = 'torch.CudaHalfTensor', method = 'cudaHalf'},
  {dtype = 'bfloat16', tensor = 'torch.CudaBFloat16Tensor', method = 'cudaBFloat16'},
}
cuda.tensorTypeOf, cuda.dtypeOfType = {}, {}
for _, d in ipairs(cuda.types) do
  cuda.tensorTypeOf[d.dtype] = d.tensor
  cuda.dtypeOfType[d.tensor] = d.dtype
end

-- the current GPU, or the error every GPU request gives without one
local function current(level)
  if not C.available() then error('torch.cuda: no CUDA device available', (level or 2) + 1) end
  return C.get_device()
end

-- devices ---------------------------------------------------------------------

function cuda.isAvailable() return C.available() end
function cuda.isBuilt() return C.built() end
function cuda.deviceCount() return C.device_count() end
cuda.getDeviceCount = cuda.deviceCount
function cuda.getDevice() return C.get_device() end
function cuda.setDevice(d) C.set_device(d) end
function cuda.synchronize(d) C.synchronize(d) end

-- seeds: CPU and GPU fills draw from one generator (lib's default), so this
-- is torch.manualSeed under cutorch's name
function cuda.manualSeed(s) C.set_option('seed', s) end
cuda.manualSeedAll = cuda.manualSeed
function cuda.initialSeed() return C.get_option('seed') end

-- TF32 tensor cores for float32 matrix products (off by default)
function cuda.setTF32(on) C.set_option('tf32', on and 1 or 0) end
function cuda.getTF32() return C.get_option('tf32') ~= 0 end

-- memory (bytes; device defaults to the current one) --------------------------

function cuda.memoryStats(d) return C.memory_stats(d) end
function cuda.memoryAllocated(d) return C.memory_stats(d).allocated end
function cuda.memoryReserved(d) return C.memory_stats(d).reserved end
function cuda.maxMemoryAllocated(d) return C.memory_stats(d).peak_allocated end
function cuda.resetPeakMemoryStats(d) C.reset_peak(d) end
function cuda.emptyCache() C.empty_cache() end
-- cutorch: free and total bytes of the device
function cuda.getMemoryUsage(d) return C.mem_info(d) end

-- events: start = torch.cuda.Event(); start:record(); ...; stop:record();
-- stop:synchronize(); ms = start:elapsedTime(stop)
function cuda.Event() return C.event() end

-- tensors -----------------------------------------------------------------------

function methods.isCuda(t) return device_of(t) ~= 0 end
methods.is_cuda = methods.isCuda
-- 1-based GPU number; 0 for a CPU tensor
function methods.getDevice(t) return device_of(t) end
methods.device = methods.getDevice

-- t:type(): 'torch.CudaTensor' & co. for GPU tensors; t:type(name) moves
-- between devices when name says so (a CPU tensor goes to the current GPU,
-- a GPU tensor keeps its GPU)
local raw_type = methods.type
function methods.type(t, name)
  local dev = device_of(t)
  if name == nil then
    if dev == 0 then return raw_type(t) end
    return cuda.tensorTypeOf[t:dtype()]
  end
  local cd = cuda.dtypeOfType[name]
  if cd then
    if dev ~= 0 and cd == t:dtype() then return t end
    return C.to(t, cd, dev ~= 0 and dev or current())
  end
  if dev == 0 then return raw_type(t, name) end
  return C.to(t, torch.todtype(name, 'type'), 0)
end
function methods.typeAs(t, other) return t:type(other:type()) end

-- t:cuda([device]) -> torch.CudaTensor (float32, as in cutorch);
-- t:cudaDouble(), t:cudaLong(), ... keep other dtypes
for _, d in ipairs(cuda.types) do
  local dtype = d.dtype
  methods[d.method] = function(t, device)
    local dev = device_of(t)
    local want = device or (dev ~= 0 and dev) or current()
    if dev == want and t:dtype() == dtype then return t end
    return C.to(t, dtype, want)
  end
end
-- t:cpu(): the same dtype on the CPU (t itself if already there)
function methods.cpu(t)
  if device_of(t) == 0 then return t end
  return C.to(t, t:dtype(), 0)
end

-- values are read on the CPU: totable() and printing copy first
local raw_flat = methods._flat
function methods._flat(t)
  if device_of(t) ~= 0 then t = C.to(t, t:dtype(), 0) end
  return raw_flat(t)
end

local raw_format = torch.format
function torch.format(t)
  if device_of(t) == 0 then return raw_format(t) end
  local s = raw_format(C.to(t, t:dtype(), 0))
  local cpu_name = torch.tensorTypeOf[t:dtype()]:gsub('%.', '%%.')
  return (s:gsub(cpu_name, cuda.tensorTypeOf[t:dtype()]))
end

-- torch.CudaTensor(...) and friends: the CPU constructor forms, on the
-- current GPU. Sizes give uninitialised memory, tables and storages are
-- built on the CPU and copied over.
local function cuda_class(dtype, typename)
  return setmetatable({dtype = dtype}, {
    __call = function(_, a, ...)
      local dev = current()
      if a == nil then return C.empty(dtype, dev, 0) end
      if type(a) == 'number' then return C.empty(dtype, dev, a, ...) end
      if torch.isTensor(a) then
        if device_of(a) == 0 or a:dtype() ~= dtype then
          error(string.format('%s: cannot view a %s as %s', typename, a:type(), typename), 2)
        end
        return a:_alias()
      end
      if torch.isStorage(a) and a:dtype() == 'int64' and select('#', ...) == 0 then
        return C.empty(dtype, dev, a)
      end
      local cpu_class = torch[torch.tensorTypeOf[dtype]:match('torch%.(.*)')]
      return C.to(cpu_class(a, ...), dtype, dev)
    end,
    __index = methods,
    __tostring = function() return typename end,
  })
end
for _, d in ipairs(cuda.types) do
  torch[d.tensor:match('torch%.(.*)')] = cuda_class(d.dtype, d.tensor)
end

-- ops on GPU tensors ------------------------------------------------------------
-- Until lib's dispatcher routes every op to the GPU, these torch.cuda
-- functions run the GPU kernels directly (through the same hook):
--   torch.cuda.add([res,] a, [value,] b)   res = a + value * b
--   torch.cuda.exp([res,] a)               res = exp(a), etc.
-- Numbers stand for scalars; res, when given, is filled and returned.

local isTensor = torch.isTensor

local function binary(name)
  return function(...)
    local args = {...}
    local res
    if select('#', ...) >= 3 and isTensor(args[1]) and isTensor(args[2]) then
      res = table.remove(args, 1)
    end
    if #args == 3 then return C.pointwise(name, res, args[1], args[3], args[2]) end
    return C.pointwise(name, res, args[1], args[2])
  end
end

local function unary(name)
  return function(...)
    local args = {...}
    local res
    if isTensor(args[1]) and isTensor(args[2]) then res = table.remove(args, 1) end
    return C.pointwise(name, res, args[1], nil, args[2], args[3])
  end
end

cuda.unaryOps = {'neg', 'abs', 'sign', 'relu', 'floor', 'ceil', 'round', 'trunc', 'exp', 'log',
                 'log1p', 'expm1', 'sqrt', 'rsqrt', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan',
                 'sinh', 'cosh', 'tanh', 'sigmoid', 'clamp'}
cuda.binaryOps = {'add', 'sub', 'mul', 'div', 'pow', 'fmod', 'remainder', 'cmax', 'cmin', 'atan2'}
for _, name in ipairs(cuda.unaryOps) do cuda[name] = unary(name) end
for _, name in ipairs(cuda.binaryOps) do cuda[name] = binary(name) end

-- torch.cuda.mm([res,] a, b): cuBLAS (float32, float64, float16, bfloat16)
function cuda.mm(a, b, c)
  if c ~= nil then return C.mm(a, b, c) end
  return C.mm(nil, a, b)
end

-- whole-tensor sum / max / min as numbers
function cuda.sum(t) return C.reduce('sum', t) end
function cuda.max(t) return C.reduce('max', t) end
function cuda.min(t) return C.reduce('min', t) end

-- fill a GPU tensor in place with uniform numbers in [lo, hi) (default [0, 1))
-- from the counter-based generator seeded by torch.cuda.manualSeed
function cuda.uniform(t, lo, hi) return C.uniform(t, lo, hi) end

return cuda
