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
