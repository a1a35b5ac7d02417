-- Helpers of the GPU specs (test/spec/cuda_*_spec.lua): cases are
-- functions of D (which moves a CPU tensor to the device, keeping its
-- dtype) returning a tensor, a number, or a table of them; run_cases runs
-- each twice, D = identity on the CPU and D = to the GPU, and compares:
-- float32 within 1e-5 relative (+1e-6 absolute), float64 within 1e-12,
-- integers and bools exactly. Without a GPU each case is pending ("no CUDA
-- device"). LUTORCH_CUDA_SPEC_ON_CPU=1 runs the suites with D = clone on
-- the CPU, to check the cases themselves on a machine without a GPU.
require 'torch'
require 'torch.cuda'
local assert = require 'luassert' -- busted's assert (the spec's, not Lua's)

local on_cpu = os.getenv('LUTORCH_CUDA_SPEC_ON_CPU') == '1'
local has_gpu = torch.cuda.isAvailable() or on_cpu

local function to_gpu(t)
  if on_cpu then return t:clone() end
  return t:type(torch.cuda.tensorTypeOf[t:dtype()])
end
local function to_cpu(t) return t:cpu() end

-- deterministic numbers in [lo, hi) (Park-Miller, exact in doubles)
local function values(n, lo, hi, seed)
  local s, t = seed or 7, {}
  for i = 1, n do
    s = (s * 16807) % 2147483647
    t[i] = lo + (hi - lo) * (s / 2147483647)
  end
  return t
end

local function rand(sizes, opts)
  opts = opts or {}
  local n = 1
  for _, k in ipairs(sizes) do n = n * k end
  local t = torch.DoubleTensor(values(n, opts.lo or -3, opts.hi or 3, opts.seed or 7))
  t = t:view(torch.LongStorage(sizes))
  if opts.int then t = t:floor() end
  return t:type(torch.tensorTypeOf[opts.dtype or 'float32'])
end

local tol = {float32 = {1e-5, 1e-6}, float64 = {1e-12, 1e-14}, float16 = {1e-3, 1e-3},
             bfloat16 = {1e-2, 1e-2}}

local function compare(gpu, cpu, what, rtol, atol)
  if type(cpu) == 'table' and not torch.isTensor(cpu) then
    assert.are.equal(#cpu, #gpu, what .. ': result count')
    for k = 1, #cpu do compare(gpu[k], cpu[k], what .. ' #' .. k, rtol, atol) end
    return
  end
  if type(cpu) == 'number' or type(cpu) == 'boolean' then
    assert.are.equal(type(cpu), type(gpu), what .. ': result type')
    if type(cpu) == 'boolean' or cpu == gpu or (cpu ~= cpu and gpu ~= gpu) then return end
    local r, a = rtol or 1e-5, atol or 1e-6
    if math.abs(cpu - gpu) > a + r * math.abs(cpu) then
      error(string.format('%s: %.10g on the GPU but %.10g on the CPU', what, gpu, cpu), 3)
    end
    return
  end
  assert.is_true(torch.isTensor(gpu), what .. ': expected a tensor')
  if not on_cpu then assert.is_true(gpu:isCuda(), what .. ': expected a GPU result') end
  assert.are.equal(cpu:dtype(), gpu:dtype(), what .. ': dtype')
  assert.are.same(cpu:size():totable(), gpu:size():totable(), what .. ': size')
  local t = tol[cpu:dtype()] or {0, 0}
  local r, a = rtol or t[1], atol or t[2]
  local g, c = to_cpu(gpu):double():_flat(), cpu:double():_flat()
  for i = 1, #c do
    local x, y = g[i], c[i]
    if not ((x ~= x and y ~= y) or x == y or math.abs(x - y) <= a + r * math.abs(y)) then
      error(string.format('%s: element %d is %.10g on the GPU but %.10g on the CPU', what, i, x, y), 3)
    end
  end
end

local function pack(...) return {n = select('#', ...), ...} end

-- run fn on both devices; a single result or all of them as a table
local function both(fn)
  local c = pack(fn(function(t) return t end))
  local g = pack(fn(to_gpu))
  if c.n == 1 then return g[1], c[1] end
  g.n, c.n = nil, nil
  return g, c
end

-- busted's it() from the spec's environment env when ok, else a pending one
-- that gives the reason
local function it_if(env, ok, name, fn)
  if ok then env.it(name, fn) else env.it(name, function() env.pending('no CUDA device: ' .. name) end) end
end

local function run_cases(cases)
  local env = getfenv(2)
  for _, case in ipairs(cases) do
    local name, fn, rtol, atol = case[1], case[2], case[3], case[4]
    it_if(env, has_gpu, name, function()
      local g, c = both(fn)
      compare(g, c, name, rtol, atol)
    end)
  end
end

-- it() that runs only where there is a GPU (or LUTORCH_CUDA_SPEC_ON_CPU=1)
local function gpu_it(name, fn) it_if(getfenv(2), has_gpu, name, fn) end
-- the same for tests of the GPU itself (transfers, memory, devices), which
-- LUTORCH_CUDA_SPEC_ON_CPU=1 cannot run
local function real_gpu_it(name, fn) it_if(getfenv(2), torch.cuda.isAvailable(), name, fn) end

return {on_cpu = on_cpu, has_gpu = has_gpu, to_gpu = to_gpu, to_cpu = to_cpu, values = values,
        rand = rand, tol = tol, compare = compare, both = both, run_cases = run_cases,
        gpu_it = gpu_it, real_gpu_it = real_gpu_it}
