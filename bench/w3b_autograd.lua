-- W3b (../shared/BENCHMARKS.md): chains of 100 small ops (mul/add/tanh on
-- 8-element float32 tensors) recorded with autograd, then backward of the
-- sum; microseconds per recorded op, backward included.
-- Run: th bench/w3b_autograd.lua
require 'torch'

local NOPS, REPS, ROUNDS = 100, 200, 9
local w = torch.FloatTensor(8):fill(0.5):requiresGrad()
local cm = torch.FloatTensor(8):fill(0.9)
local ca = torch.FloatTensor(8):fill(0.1)
local mul, add, tanh = torch.mul, torch.add, torch.tanh
-- torch.sum(t) is Torch7's (a number); the engine's sum-to-shape gives a recorded scalar
local function sum(t) return torch.core.autograd.sum_to(t, {}) end

local function step()
  local h = w
  for i = 0, NOPS - 1 do
    local k = i % 3
    if k == 0 then h = mul(h, cm)
    elseif k == 1 then h = add(h, ca)
    else h = tanh(h) end
  end
  sum(h):backward()
  w.grad = nil
end

-- check the computation once against a hand-rolled chain rule in Lua
do
  step()
  local h = w
  for i = 0, NOPS - 1 do
    local k = i % 3
    if k == 0 then h = mul(h, cm) elseif k == 1 then h = add(h, ca) else h = tanh(h) end
  end
  sum(h):backward()
  local x, d = 0.5, 1
  for i = 0, NOPS - 1 do
    local k = i % 3
    if k == 0 then x, d = x * 0.9, d * 0.9
    elseif k == 1 then x = x + 0.1
    else x = math.tanh(x); d = d * (1 - x * x) end
  end
  local got = w.grad[1]
  assert(math.abs(got - d) <= 1e-4 * math.abs(d) + 1e-7,
         string.format('w3b: wrong gradient %g, expected %g', got, d))
  w.grad = nil
end

for _ = 1, 50 do step() end
local times = {}
for r = 1, ROUNDS do
  local t0 = os.clock()
  for _ = 1, REPS do step() end
  times[r] = (os.clock() - t0) / REPS
end
table.sort(times)
local t = times[(ROUNDS + 1) / 2]
print(string.format('RESULT w3b.us_per_op=%.3f us   # %.3f ms per %d-op forward+backward, median of %d',
                    t / NOPS * 1e6, t * 1e3, NOPS, ROUNDS))
