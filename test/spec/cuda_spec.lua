-- GPU tensors: every GPU result is compared with the CPU's. Without a GPU
-- each GPU test is pending ("no CUDA device") and the CPU-side tests check
-- that the build says so clearly instead of crashing.
local U = require 'testutil'
require 'torch.cuda'

local C = require 'cuda_util'
local values, tol = C.values, C.tol

local has_gpu = torch.cuda.isAvailable()
-- these tests move tensors to the GPU themselves: a real GPU only
local gpu_it = C.real_gpu_it

local function randn(dtype, sizes, lo, hi, seed)
  return C.rand(sizes, {dtype = dtype, lo = lo, hi = hi, seed = seed})
end

-- the GPU tensor equals the CPU tensor: same dtype and sizes, every element
-- within atol + rtol * |cpu| (NaN matches NaN)
local same = C.compare

describe('torch.cuda without a GPU', function()
  it('runs under LuaJIT', function() assert.is_not_nil(jit) end)

  it('reports availability as a boolean', function()
    assert.are.equal('boolean', type(torch.cuda.isAvailable()))
    assert.are.equal(torch.cuda.isAvailable(), torch.cuda.deviceCount() > 0)
    assert.are.equal('boolean', type(torch.cuda.isBuilt()))
  end)

  it('keeps CPU tensors on the CPU', function()
    local t = torch.Tensor({1, 2, 3})
    assert.is_false(t:isCuda())
    assert.are.equal(0, t:getDevice())
    assert.are.equal(t:_id(), t:cpu():_id())
    assert.are.equal('torch.FloatTensor', t:type())
    assert.are.equal('torch.DoubleTensor', t:double():type())
    assert.are.equal('torch.LongTensor', t:typeAs(torch.LongTensor(1)):type())
    assert.are.equal('torch.CudaTensor', tostring(torch.CudaTensor))
    assert.are.equal('float16', torch.cuda.dtypeOfType['torch.CudaHalfTensor'])
  end)

  it('loads the cutorch and cunn compatibility modules', function()
    local cutorch = require 'cutorch'
    assert.are.equal(torch.cuda.deviceCount, cutorch.deviceCount)
    assert.are.equal('function', type(cutorch.getDeviceCount))
    assert.is_not_nil(require 'cunn')
  end)

  it('loads cudnn: its module names are nn classes, convert hands the model back', function()
    local cudnn = require 'cudnn'
    assert.are.equal(nn.SpatialConvolution, cudnn.SpatialConvolution)
    assert.are.equal(nn.LogSoftMax, cudnn.LogSoftMax)
    local m = nn.Sequential():add(cudnn.ReLU())
    assert.are.equal(m, cudnn.convert(m, nn))
    cudnn.benchmark = true -- accepted
    assert.has_error(function() cudnn.convert(m, {}) end, 'cudnn.convert: argument 2: expected nn or cudnn')
  end)

  if has_gpu then
    it('(a GPU is present: the no-GPU errors are not checked)', function() pending('GPU present') end)
    return
  end

  it('says so instead of crashing', function()
    for _, f in ipairs({
      function() return torch.Tensor(3):cuda() end,
      function() return torch.Tensor(3):cudaDouble() end,
      function() return torch.Tensor(3):type('torch.CudaTensor') end,
      function() return torch.CudaTensor(2, 3) end,
      function() return torch.CudaLongTensor({1, 2}) end,
      function() torch.cuda.setDevice(1) end,
      function() return torch.cuda.Event() end,
    }) do
      U.raises(f, 'torch.', 'no CUDA device available')
    end
    U.raises(function() return torch.Tensor(3):cuda() end, 'torch.cuda: no CUDA device available')
  end)

  it('answers the memory functions with zeros', function()
    assert.are.equal(0, torch.cuda.memoryAllocated())
    assert.are.equal(0, torch.cuda.memoryReserved())
    assert.are.equal(0, torch.cuda.maxMemoryAllocated())
    assert.are.equal(0, torch.cuda.memoryStats().cache_hits)
    torch.cuda.emptyCache()
    torch.cuda.synchronize()
  end)
end)

describe('GPU tensors', function()
  local dtype_values = {
    float32 = {-3, 0, 1.5, 2, 1e6}, float64 = {-3.25, 0, 1e-300, 1e300},
    int64 = {-2 ^ 40 - 3, 0, 7, 2 ^ 50}, int32 = {-5, 0, 2 ^ 30}, int16 = {-300, 0, 300},
    int8 = {-100, 0, 100}, uint8 = {0, 7, 255}, bool = {true, false, true},
    float16 = {-2, 0.5, 1024}, bfloat16 = {-2, 0.5, 256},
  }

  gpu_it('moves every dtype to the GPU and back unchanged', function()
    for _, d in ipairs(torch.cuda.types) do
      local cpu = torch[torch.tensorTypeOf[d.dtype]:match('torch%.(.*)')](dtype_values[d.dtype])
      local g = cpu:type(d.tensor)
      assert.are.equal(d.tensor, g:type())
      assert.are.equal(1, g:getDevice())
      assert.is_true(g:isCuda())
      assert.are.same(cpu:totable(), g:totable())
      local back = g:type(torch.tensorTypeOf[d.dtype])
      assert.is_false(back:isCuda())
      assert.are.same(dtype_values[d.dtype], back:totable())
      assert.are.same(cpu:totable(), g[d.method](g):cpu():totable()) -- t:cudaX() on the GPU
    end
  end)

  gpu_it('converts with :cuda(), :float(), :type() like cutorch', function()
    local x = torch.DoubleTensor({{1, 2, 3}, {4, 5, 6}})
    local g = x:cuda()
    assert.are.equal('torch.CudaTensor', g:type())
    assert.are.equal(g:_id(), g:cuda():_id())
    assert.are.equal(g:_id(), g:type('torch.CudaTensor'):_id())
    assert.are.equal('torch.FloatTensor', g:float():type())
    assert.are.equal('torch.DoubleTensor', g:double():type())
    assert.are.equal('torch.CudaDoubleTensor', g:type('torch.CudaDoubleTensor'):type())
    assert.are.equal('torch.CudaLongTensor', g:cudaLong():type())
    assert.are.equal('torch.CudaTensor', g:typeAs(g):type())
    assert.are.same(x:totable(), g:double():totable())
    assert.are.same({{1, 2}, {3, 4}}, torch.CudaTensor({{1, 2}, {3, 4}}):totable())
    assert.are.same({2, 3}, torch.CudaTensor(2, 3):size():totable())
    assert.are.equal(0, torch.CudaTensor():nElement())
  end)

  gpu_it('copies strided, broadcast and converted tensors', function()
    local x = randn('float32', {7, 5})
    -- CPU transposed -> GPU, GPU transposed -> CPU, views of GPU tensors
    same(torch.CudaTensor(5, 7):copy(x:t()), x:t():contiguous(), 'host to device, transposed')
    local g = x:cuda()
    same(g:t():contiguous(), x:t():contiguous(), 'contiguous() on the GPU')
    assert.are.same(x:t():totable(), g:t():float():totable())
    same(g:narrow(1, 2, 3), x:narrow(1, 2, 3), 'narrow')
    same(g:select(2, 4), x:select(2, 4), 'select')
    same(g:clone(), x, 'clone')
    -- broadcast a row, from the CPU and on the GPU
    local row = torch.Tensor({1, 2, 3, 4, 5})
    same(torch.CudaTensor(4, 5):copy(row), row:view(1, 5):expand(4, 5):contiguous(), 'broadcast h2d')
    same(torch.CudaTensor(4, 5):copy(row:cuda()), row:view(1, 5):expand(4, 5):contiguous(), 'broadcast d2d')
    -- conversions on the GPU, strided
    same(torch.CudaDoubleTensor(5, 7):copy(g:t()), x:t():double(), 'float -> double, transposed')
    assert.are.same(x:long():totable(), g:cudaLong():long():totable())
    assert.are.same(x:half():float():totable(), g:cudaHalf():float():totable())
    assert.are.same(x:type('torch.BFloat16Tensor'):float():totable(), g:cudaBFloat16():float():totable())
    assert.are.same(x:bool():totable(), g:cudaBool():bool():totable())
    -- GPU -> CPU of another dtype and layout
    local into = torch.DoubleTensor(5, 7)
    into:copy(g:t())
    assert.are.same(x:t():double():totable(), into:totable())
    -- overlapping copy within one storage, as on the CPU
    local c, cg = x:clone(), x:cuda()
    c:narrow(1, 1, 3):copy(c:narrow(1, 2, 3))
    cg:narrow(1, 1, 3):copy(cg:narrow(1, 2, 3))
    same(cg, c, 'overlapping copy')
  end)

  gpu_it('moves large tensors through the staging buffers', function()
    local n = 3 * 2 ^ 20 + 7
    local vals = {}
    for i = 1, n do vals[i] = (i * 37) % 100003 end
    local x = torch.FloatTensor(vals)
    local g = x:cuda()
    local back = g:float():_flat()
    for i = 1, n do
      if back[i] ~= vals[i] then error(string.format('element %d is %g, expected %g', i, back[i], vals[i])) end
    end
    -- doubled on the GPU, read back through the staging path
    back = torch.cuda.mul(g, 2):float():_flat()
    for i = 1, n, 97 do assert.are.equal(2 * vals[i], back[i]) end
    -- a large transposed tensor, both ways
    local m = x:narrow(1, 1, 2048 * 1536):view(2048, 1536)
    same(m:t():cuda(), m:t():contiguous(), 'large transposed h2d')
    local into = torch.FloatTensor(1536, 2048)
    into:copy(m:cuda():t())
    assert.are.equal(m[100][200], into[200][100])
    assert.are.equal(m[2048][1536], into[1536][2048])
  end)

  gpu_it('fills contiguous and strided tensors of every dtype', function()
    local c, g = torch.FloatTensor(4, 6), torch.CudaTensor(4, 6)
    for _, t in ipairs({c, g}) do
      t:fill(2.5)
      t:narrow(2, 2, 3):fill(-1)
      t:select(1, 3):fill(7)
      t:t():select(1, 6):zero()
    end
    same(g, c, 'fill')
    assert.are.same({2 ^ 40 + 3, 2 ^ 40 + 3}, torch.CudaLongTensor(2):fill(2 ^ 40 + 3):totable())
    assert.are.same({true, true}, torch.CudaBoolTensor(2):fill(true):totable())
    assert.are.same({0.5, 0.5, 0.5}, torch.CudaHalfTensor(3):fill(0.5):float():totable())
    assert.are.same({-1, -1}, torch.CudaCharTensor(2):fill(-1):totable())
  end)

  gpu_it('resizes GPU tensors in place', function()
    local g = torch.CudaTensor(2, 3):fill(1)
    g:resize(4, 5)
    assert.are.same({4, 5}, g:size():totable())
    g:fill(3)
    assert.are.equal(60, torch.cuda.sum(g))
  end)

  local unary_domain = {log = {0.1, 5}, sqrt = {0.1, 5}, rsqrt = {0.1, 5}, log1p = {0.1, 5},
                        asin = {-0.9, 0.9}, acos = {-0.9, 0.9}}
  local function unary_case(name, dtype, sizes, seed)
    local dom = unary_domain[name] or {-3, 3}
    return randn(dtype, sizes, dom[1], dom[2], seed)
  end

  gpu_it('runs unary ops like the CPU', function()
    for _, name in ipairs(torch.cuda.unaryOps) do
      local extra = name == 'clamp' and {-0.5, 0.7} or {}
      for _, dtype in ipairs({'float32', 'float64'}) do
        local x = unary_case(name, dtype, {1001}, 11)
        local cpu = torch[name](x, unpack(extra))
        local what = name .. ' ' .. dtype
        same(torch.cuda[name](x:type(torch.cuda.tensorTypeOf[dtype]), unpack(extra)), cpu, what)
        -- transposed, and a view starting at an odd element (no 16-byte loads)
        local m = unary_case(name, dtype, {17, 23}, 12)
        local gm = m:type(torch.cuda.tensorTypeOf[dtype])
        same(torch.cuda[name](gm:t(), unpack(extra)), torch[name](m:t(), unpack(extra)), what .. ' transposed')
        local v = m:view(17 * 23):narrow(1, 2, 300)
        same(torch.cuda[name](gm:view(17 * 23):narrow(1, 2, 300), unpack(extra)), torch[name](v, unpack(extra)),
             what .. ' offset view')
        -- result-first, in place
        local gx = x:type(torch.cuda.tensorTypeOf[dtype])
        torch.cuda[name](gx, gx, unpack(extra))
        same(gx, cpu, what .. ' in place')
      end
    end
  end)

  gpu_it('runs binary ops like the CPU, with broadcasting and numbers', function()
    local positive = {pow = true, div = true, fmod = true, remainder = true}
    for _, name in ipairs(torch.cuda.binaryOps) do
      for _, dtype in ipairs({'float32', 'float64'}) do
        local lo = positive[name] and 0.5 or -3
        local T = torch.cuda.tensorTypeOf[dtype]
        local what = name .. ' ' .. dtype
        local a, b = randn(dtype, {1003}, lo, 3, 21), randn(dtype, {1003}, lo, 3, 22)
        same(torch.cuda[name](a:type(T), b:type(T)), torch[name](a, b), what)
        local m, row, col = randn(dtype, {4, 5}, lo, 3, 23), randn(dtype, {5}, lo, 3, 24), randn(dtype, {4, 1}, lo, 3, 25)
        same(torch.cuda[name](m:type(T), row:type(T)), torch[name](m, row), what .. ' row broadcast')
        same(torch.cuda[name](col:type(T), row:view(1, 5):type(T)), torch[name](col, row:view(1, 5)), what .. ' outer broadcast')
        same(torch.cuda[name](m:t():type(T):t(), m:type(T)), torch[name](m, m), what .. ' strided')
        same(torch.cuda[name](m:type(T), 1.75), torch[name](m, 1.75), what .. ' tensor-number')
        same(torch.cuda[name](1.75, m:type(T)), torch[name](1.75, m), what .. ' number-tensor')
        local res = torch[T:match('torch%.(.*)')](2, 2)
        assert.are.equal(res, torch.cuda[name](res, m:type(T), row:type(T)))
        same(res, torch[name](m, row), what .. ' result-first')
      end
    end
    local a, b = randn('float32', {10}, -3, 3, 31), randn('float32', {10}, -3, 3, 32)
    same(torch.cuda.add(a:cuda(), 2.5, b:cuda()), torch.add(a, 2.5, b), 'add with a multiplier')
    same(torch.cuda.sub(a:cuda(), 2.5, b:cuda()), torch.sub(a, 2.5, b), 'sub with a multiplier')
    same(torch.cuda.add(a:cuda(), b:cudaDouble()), torch.add(a, b:double()), 'float32 + float64 promotes')
    assert.are.equal('torch.CudaDoubleTensor', torch.cuda.add(a:cuda(), b:cudaDouble()):type())
  end)

  gpu_it('reduces like the CPU', function()
    for _, dtype in ipairs({'float32', 'float64'}) do
      local T = torch.cuda.tensorTypeOf[dtype]
      local vals = values(100003, -1, 1, 41)
      local x = (dtype == 'float32' and torch.FloatTensor or torch.DoubleTensor)(vals)
      local flat = x:_flat() -- the values as stored (rounded to float32)
      local sum, mx, mn = 0, -math.huge, math.huge
      for i = 1, #flat do
        sum = sum + flat[i]
        mx = math.max(mx, flat[i])
        mn = math.min(mn, flat[i])
      end
      local g = x:type(T)
      local rt = tol[dtype][1]
      assert.is_true(math.abs(torch.cuda.sum(g) - sum) <= rt * 1000, dtype .. ' sum')
      assert.are.equal(mx, torch.cuda.max(g))
      assert.are.equal(mn, torch.cuda.min(g))
      -- a transposed view reduces to the same numbers
      local m = g:narrow(1, 1, 300 * 333):view(300, 333):t()
      local msum = 0
      for i = 1, 300 * 333 do msum = msum + flat[i] end
      assert.is_true(math.abs(torch.cuda.sum(m) - msum) <= rt * 1000, dtype .. ' transposed sum')
    end
    local nan = torch.CudaTensor({1, 0 / 0, 3})
    local m = torch.cuda.max(nan)
    assert.is_true(m ~= m, 'max propagates NaN')
    assert.are.equal(0, torch.cuda.sum(torch.CudaTensor()))
    U.raises(function() return torch.cuda.max(torch.CudaTensor()) end, 'torch.max', 'empty')
  end)

  -- reference product in Lua, accumulating in doubles
  local function lua_mm(a, b)
    local A, B = a:double():totable(), b:double():totable()
    local m, k, n = #A, #B, #B[1]
    local C = {}
    for i = 1, m do
      C[i] = {}
      for j = 1, n do
        local s = 0
        for l = 1, k do s = s + A[i][l] * B[l][j] end
        C[i][j] = s
      end
    end
    return torch.DoubleTensor(C)
  end

  gpu_it('multiplies matrices with cuBLAS like the CPU', function()
    for _, mkn in ipairs({{17, 33, 9}, {64, 64, 64}, {1, 5, 1}, {3, 1, 4}}) do
      local m, k, n = unpack(mkn)
      for _, dtype in ipairs({'float32', 'float64'}) do
        local T = torch.cuda.tensorTypeOf[dtype]
        local a, b = randn(dtype, {m, k}, -1, 1, 51), randn(dtype, {k, n}, -1, 1, 52)
        local ref = lua_mm(a, b)
        local what = string.format('mm %dx%dx%d %s', m, k, n, dtype)
        local rt = tol[dtype][1] * 10
        same(torch.cuda.mm(a:type(T), b:type(T)), ref:type(torch.tensorTypeOf[dtype]), what, rt, rt)
        -- transposed operands are passed to cuBLAS as such
        local at, bt = a:t():contiguous():type(T):t(), b:t():contiguous():type(T):t()
        same(torch.cuda.mm(at, bt), ref:type(torch.tensorTypeOf[dtype]), what .. ' transposed', rt, rt)
        local res = torch[T:match('torch%.(.*)')](1)
        assert.are.equal(res, torch.cuda.mm(res, a:type(T), bt))
        same(res, ref:type(torch.tensorTypeOf[dtype]), what .. ' result-first', rt, rt)
      end
    end
    -- TF32 and bfloat16: about 3 decimal digits
    local a, b = randn('float32', {40, 70}, -1, 1, 53), randn('float32', {70, 30}, -1, 1, 54)
    torch.cuda.setTF32(true)
    local ok, err = pcall(function() same(torch.cuda.mm(a:cuda(), b:cuda()), lua_mm(a, b):float(), 'tf32', 1e-2, 2e-2) end)
    torch.cuda.setTF32(false)
    assert(ok, err)
    local ab, bb = a:type('torch.BFloat16Tensor'):float(), b:type('torch.BFloat16Tensor'):float()
    local pb = torch.cuda.mm(a:cudaBFloat16(), b:cudaBFloat16())
    assert.are.equal('torch.CudaBFloat16Tensor', pb:type())
    same(pb:cuda(), lua_mm(ab, bb):float(), 'bf16', 1e-2, 2e-2)
    U.raises(function() return torch.cuda.mm(torch.CudaTensor(2, 3), torch.CudaTensor(4, 5)) end,
             'torch.mm: size mismatch, m1 is 2x3, m2 is 4x5')
    U.raises(function() return torch.cuda.mm(torch.CudaTensor(2, 3), torch.Tensor(3, 5)) end,
             'torch.mm', 'different devices', 'cpu', 'GPU 1')
  end)

  gpu_it('caches freed blocks and reports memory', function()
    collectgarbage()
    collectgarbage()
    torch.cuda.emptyCache()
    local base = torch.cuda.memoryAllocated()
    local x = torch.CudaTensor(1024, 1024)
    assert.is_true(torch.cuda.memoryAllocated() - base >= 4 * 2 ^ 20)
    assert.is_true(torch.cuda.memoryReserved() >= torch.cuda.memoryAllocated())
    assert.is_true(torch.cuda.maxMemoryAllocated() >= base + 4 * 2 ^ 20)
    local reserved = torch.cuda.memoryReserved()
    x = nil
    collectgarbage()
    collectgarbage()
    assert.are.equal(base, torch.cuda.memoryAllocated())
    assert.are.equal(reserved, torch.cuda.memoryReserved()) -- kept in the cache
    local hits = torch.cuda.memoryStats().cache_hits
    local y = torch.CudaTensor(1024, 1024)
    assert.are.equal(hits + 1, torch.cuda.memoryStats().cache_hits)
    assert.are.equal(reserved, torch.cuda.memoryReserved())
    y = nil
    collectgarbage()
    collectgarbage()
    torch.cuda.emptyCache()
    assert.are.equal(torch.cuda.memoryAllocated(), torch.cuda.memoryReserved())
    torch.cuda.resetPeakMemoryStats()
    assert.are.equal(torch.cuda.memoryAllocated(), torch.cuda.maxMemoryAllocated())
    local free, total = torch.cuda.getMemoryUsage(1)
    assert.is_true(free > 0 and total >= free)
  end)

  gpu_it('raises a Lua error when the GPU is out of memory, then recovers', function()
    local err = U.raises(function() return torch.CudaTensor(2 ^ 40) end, 'out of memory', 'GPU 1')
    assert.is_truthy(err:find('4.00 TiB', 1, true), err)
    assert.is_true(torch.cuda.memoryStats().ooms >= 1)
    assert.are.same({1, 1}, torch.CudaTensor(2):fill(1):totable())
  end)

  gpu_it('prints like the CPU with its own type name', function()
    local x = torch.Tensor({{1.5, 2}, {3, 4}})
    local expect = tostring(x):gsub('torch%.FloatTensor', 'torch.CudaTensor')
    assert.are.equal(expect, tostring(x:cuda()))
    assert.is_truthy(tostring(x:cuda()):find('[torch.CudaTensor of size 2x2]', 1, true))
    assert.is_truthy(tostring(torch.CudaLongTensor({1, 2})):find('[torch.CudaLongTensor of size 2]', 1, true))
  end)

  gpu_it('selects devices, synchronises and times with events', function()
    torch.cuda.setDevice(1)
    assert.are.equal(1, torch.cuda.getDevice())
    U.raises(function() torch.cuda.setDevice(torch.cuda.deviceCount() + 1) end, 'does not exist')
    local start, stop = torch.cuda.Event(), torch.cuda.Event()
    start:record()
    torch.cuda.exp(torch.CudaTensor(1000):fill(1))
    stop:record()
    stop:synchronize()
    assert.is_true(start:elapsedTime(stop) >= 0)
    torch.cuda.synchronize()
    torch.cuda.synchronize(1)
  end)

  gpu_it('draws reproducible uniform numbers', function()
    torch.cuda.manualSeed(7)
    local a = torch.cuda.uniform(torch.CudaTensor(10000))
    torch.cuda.manualSeed(7)
    local b = torch.cuda.uniform(torch.CudaTensor(10000))
    assert.are.same(a:totable(), b:totable())
    assert.is_true(torch.cuda.min(a) >= 0 and torch.cuda.max(a) < 1)
    assert.is_true(math.abs(torch.cuda.sum(a) / 10000 - 0.5) < 0.02)
    local c = torch.cuda.uniform(torch.CudaDoubleTensor(1000), -2, -1)
    assert.is_true(torch.cuda.min(c) >= -2 and torch.cuda.max(c) < -1)
    assert.are_not.same(a:totable(), torch.cuda.uniform(torch.CudaTensor(10000)):totable())
  end)

  local gpu_errors = {
    {'a CPU operand', function() return torch.cuda.add(torch.CudaTensor(3):fill(1), torch.Tensor(3)) end,
     'torch.add', 'different devices', 'cpu', 'GPU 1'},
    {'arithmetic on bools', function() return torch.cuda.neg(torch.CudaBoolTensor(3):fill(true)) end,
     'torch.neg', 'not defined for bool'},
    {'a broadcast mismatch', function() return torch.cuda.add(torch.CudaTensor(2, 3), torch.CudaTensor(4)) end,
     'torch.add'},
    {'a missing device', function() return torch.Tensor(2):cuda(torch.cuda.deviceCount() + 1) end,
     'does not exist'},
    {'element access', function() return torch.CudaTensor(2):fill(1):get(1) end, 'GPU'},
  }
  if has_gpu then
    U.error_cases(gpu_errors)
  else
    for _, c in ipairs(gpu_errors) do gpu_it('rejects ' .. c[1], function() end) end
  end
end)
