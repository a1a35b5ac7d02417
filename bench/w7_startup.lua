-- W7 start-up: wall time and peak RSS of th -e "require 'torch'; torch.zeros(1)"
-- (1 warm-up, median of 9), measured by spawning it (posix_spawn + wait4,
-- whose rusage gives the child's peak RSS). Run it with the th to measure.
package.path = arg[0]:gsub('[^/]*$', '') .. '?.lua;' .. package.path
local B = require 'util'
local ffi = require 'ffi'
ffi.cdef [[
extern char **environ;
int posix_spawnp(int *pid, const char *file, const void *fa, const void *attr,
                 char *const argv[], char *const envp[]);
typedef struct { long utime[2], stime[2], maxrss, rest[13]; } bench_rusage;
int wait4(int pid, int *status, int options, bench_rusage *ru);
]]

local function spawn(argv) -- seconds, peak RSS (KiB), exit status
  local cargv, keep = ffi.new('char *[?]', #argv + 1), {}
  for i, s in ipairs(argv) do
    keep[i] = ffi.new('char[?]', #s + 1, s)
    cargv[i - 1] = keep[i]
  end
  local pid, status, ru = ffi.new('int[1]'), ffi.new('int[1]'), ffi.new('bench_rusage')
  local t0 = B.now()
  assert(ffi.C.posix_spawnp(pid, argv[1], nil, nil, cargv, ffi.C.environ) == 0, 'spawn ' .. argv[1])
  ffi.C.wait4(pid[0], status, 0, ru)
  return B.now() - t0, tonumber(ru.maxrss), status[0]
end

local function measure(name, argv, with_rss)
  spawn(argv)
  local ts, rss = {}, {}
  for r = 1, 9 do
    local t, kib, st = spawn(argv)
    B.check(st == 0, name .. ': the command failed')
    ts[r], rss[r] = t, kib
  end
  B.result(name .. '_wall', B.median(ts) * 1e3, 'ms', table.concat(argv, ' '))
  if with_rss then B.result(name .. '_rss', B.median(rss) / 1024, 'MiB') end
end

local th = os.getenv('TH') or arg[-1] -- the th running this script
measure('w7_startup', {th, '-e', "require 'torch'; torch.zeros(1)"}, true)
measure('w7_bare_luajit', {'luajit', '-e', ''})
