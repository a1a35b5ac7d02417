-- Shared by the benchmark scripts: a wall clock, medians, RESULT lines.
-- Benchmarks print figures; tests never time (see docs/benchmarks.md).
local ffi = require 'ffi'
ffi.cdef [[
typedef struct { long tv_sec, tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *t);
]]
local B = {}
local ts = ffi.new('bench_timespec')

function B.now() -- seconds, CLOCK_MONOTONIC (os.clock is CPU time of all threads)
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

function B.median(xs)
  table.sort(xs)
  local n = #xs
  return n % 2 == 1 and xs[(n + 1) / 2] or (xs[n / 2] + xs[n / 2 + 1]) / 2
end

-- median seconds per call of fn: one warm-up call, then reps calibrated so
-- that a sample lasts at least min_time (as the peer scripts do)
function B.time(fn, samples, min_time)
  samples, min_time = samples or 9, min_time or 0.25
  fn()
  local reps = 1
  while true do
    local t0 = B.now()
    for _ = 1, reps do fn() end
    if B.now() - t0 >= min_time then break end
    reps = reps * 2
  end
  local t = {}
  for s = 1, samples do
    local t0 = B.now()
    for _ = 1, reps do fn() end
    t[s] = (B.now() - t0) / reps
  end
  return B.median(t)
end

function B.result(name, value, unit, note)
  print(string.format('RESULT %s=%.2f %s%s', name, value, unit, note and ('   # ' .. note) or ''))
  io.stdout:flush()
end

-- a wrong fast answer is not a result
function B.check(ok, what)
  if not ok then
    io.stderr:write('CHECK FAILED: ', what, '\n')
    os.exit(1)
  end
end

-- spec: 2 threads, fixed seed (BENCH_THREADS as in the peer scripts;
-- BENCH_SEED, default 0, for studies over seeds such as bench/w4_seeds.sh)
B.seed = tonumber(os.getenv('BENCH_SEED')) or 0
function B.setup()
  require 'torch'
  torch.setnumthreads(tonumber(os.getenv('BENCH_THREADS')) or 2)
  torch.manualSeed(B.seed)
end

return B
