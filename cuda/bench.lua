-- GPU benchmarks for cuda/check.sh (never part of the tests): matrix
-- products in fp32, tf32 and bf16 at n = 4096 and 8192, and a + b on 2^28
-- floats against a device-to-device copy of the same size. Prints one
-- "name value unit" line per figure; cuda/bench_torch.py prints the same
-- names for PyTorch. Timed with CUDA events after warm-up calls.
require 'torch.cuda'
local C = torch.cuda
if not C.isAvailable() then
  print('no CUDA device')
  os.exit(0)
end

-- mean milliseconds of fn: 3 warm-up calls, then enough calls for ~200 ms
local function time_ms(fn)
  for _ = 1, 3 do fn() end
  C.synchronize()
  local start, stop = C.Event(), C.Event()
  start:record()
  fn()
  stop:record()
  stop:synchronize()
  local iters = math.max(5, math.min(200, math.ceil(200 / math.max(start:elapsedTime(stop), 1e-3))))
  start:record()
  for _ = 1, iters do fn() end
  stop:record()
  stop:synchronize()
  return start:elapsedTime(stop) / iters
end

for _, n in ipairs({4096, 8192}) do
  C.manualSeed(1)
  local a = C.uniform(torch.CudaTensor(n, n), -1, 1)
  local b = C.uniform(torch.CudaTensor(n, n), -1, 1)
  for _, mode in ipairs({'fp32', 'tf32', 'bf16'}) do
    local x, y, z = a, b, torch.CudaTensor(n, n)
    if mode == 'bf16' then x, y, z = a:cudaBFloat16(), b:cudaBFloat16(), torch.CudaBFloat16Tensor(n, n) end
    C.setTF32(mode == 'tf32')
    local ms = time_ms(function() C.mm(z, x, y) end)
    print(string.format('gemm_%s_%d %.1f TFLOP/s', mode, n, 2 * n ^ 3 / ms / 1e9))
  end
  C.setTF32(false)
end

local n = 2 ^ 28
local a, b, c = C.uniform(torch.CudaTensor(n)), C.uniform(torch.CudaTensor(n)), torch.CudaTensor(n)
local ms = time_ms(function() C.add(c, a, b) end)
print(string.format('add_2^28 %.0f GB/s', 3 * 4 * n / ms / 1e6))
ms = time_ms(function() c:copy(a) end)
print(string.format('copy_2^28 %.0f GB/s', 2 * 4 * n / ms / 1e6))

-- reductions along a dim of an 8192 x 8192 matrix: rows (inner kernel)
-- and columns (outer kernel), as read bandwidth
local m = C.uniform(torch.CudaTensor(8192, 8192))
for d, name in ipairs({'sum_cols', 'sum_rows'}) do
  ms = time_ms(function() torch.sum(m, d) end)
  print(string.format('%s_8192 %.0f GB/s', name, 4 * 8192 * 8192 / ms / 1e6))
end
m = nil

-- one training step of an MLP (784-1024-1024-10, batch 512, relu, mean
-- squared error, SGD) through autograd
torch.manualSeed(1)
local function param(...) return torch.CudaTensor(...):uniform(-0.05, 0.05):requiresGrad() end
local p = {param(784, 1024), param(1024), param(1024, 1024), param(1024), param(1024, 10), param(10)}
local x, y = torch.CudaTensor(512, 784):uniform(), torch.CudaTensor(512, 10):uniform()
local function step()
  for _, t in ipairs(p) do t.grad = nil end
  local h = torch.relu(torch.add(torch.mm(x, p[1]), p[2]))
  h = torch.relu(torch.add(torch.mm(h, p[3]), p[4]))
  local d = torch.sub(torch.add(torch.mm(h, p[5]), p[6]), y)
  torch.mean(torch.mul(d, d)):backward()
  torch.no_grad(function() for _, t in ipairs(p) do t:add(-0.01, t.grad) end end)
end
ms = time_ms(step)
print(string.format('mlp_step %.3f ms', ms))

-- W4 and W5 training steps on the GPU (../shared/BENCHMARKS.md): nn modules,
-- cross-entropy, optim.SGD lr 0.05 momentum 0.9, on a fixed random batch
-- (data loading is not part of a step here). Each runs in pcall so a
-- missing GPU kernel costs one figure, not the table.
require 'nn'
require 'optim'
local function train_step_ms(model, x, y)
  model:cuda()
  local criterion = nn.CrossEntropyCriterion():cuda()
  local opt = optim.SGD(model:parameters(), {lr = 0.05, momentum = 0.9})
  local function step()
    opt:zeroGrad()
    criterion(model(x), y):backward()
    opt:step()
  end
  return time_ms(step)
end
local function report(name, fn)
  local ok, ms = pcall(fn)
  if ok then print(string.format('%s %.3f ms', name, ms)) else print('# ' .. name .. ' failed: ' .. tostring(ms)) end
end
torch.manualSeed(1)
report('w4_step', function()
  local model = nn.Sequential():add(nn.Linear(784, 512)):add(nn.ReLU())
    :add(nn.Linear(512, 256)):add(nn.ReLU()):add(nn.Linear(256, 10))
  local x = torch.CudaTensor(128, 784):uniform()
  local y = torch.LongTensor(128):random(1, 10):cudaLong()
  return train_step_ms(model, x, y)
end)
report('w5_step', function()
  local model = nn.Sequential()
    :add(nn.SpatialConvolution(1, 32, 5, 5, 1, 1, 2, 2)):add(nn.ReLU()):add(nn.SpatialMaxPooling(2, 2))
    :add(nn.SpatialConvolution(32, 64, 5, 5, 1, 1, 2, 2)):add(nn.ReLU()):add(nn.SpatialMaxPooling(2, 2))
    :add(nn.View(3136)):add(nn.Linear(3136, 128)):add(nn.ReLU()):add(nn.Linear(128, 10))
  local x = torch.CudaTensor(64, 1, 28, 28):uniform()
  local y = torch.LongTensor(64):random(1, 10):cudaLong()
  return train_step_ms(model, x, y)
end)
