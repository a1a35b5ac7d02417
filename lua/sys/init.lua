-- require 'sys': Torch7's small system package — clock, tic/toc, sleep,
-- execute, uname, colours — and its older file helpers (from paths).
require 'torch'
require 'paths'
local ffi = require 'ffi'
local sys = rawget(_G, 'sys') or {}
_G.sys = sys

ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } lt_sys_timespec;
int clock_gettime(int clock, lt_sys_timespec *t);
int nanosleep(const lt_sys_timespec *req, lt_sys_timespec *rem);
]]
local ts = ffi.new('lt_sys_timespec')

-- seconds since some fixed point, to the nanosecond (a monotonic clock)
function sys.clock()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local started = sys.clock()
function sys.tic() started = sys.clock() return started end
function sys.toc(verbose)
  local t = sys.clock() - started
  if verbose then print(string.format('time elapsed: %f s', t)) end
  return t
end

function sys.sleep(seconds)
  if type(seconds) ~= 'number' or seconds < 0 then
    error('sys.sleep: expected a number of seconds >= 0, got ' .. tostring(seconds), 2)
  end
  local req = ffi.new('lt_sys_timespec')
  req.tv_sec = math.floor(seconds)
  req.tv_nsec = math.floor((seconds - math.floor(seconds)) * 1e9)
  ffi.C.nanosleep(req, nil)
end

-- the command's standard output (trailing newline removed)
function sys.execute(cmd)
  if type(cmd) ~= 'string' then error('sys.execute: expected a command (string), got ' .. type(cmd), 2) end
  local p = io.popen(cmd)
  local out = p:read('*a')
  p:close()
  return (out:gsub('\n$', ''))
end

function sys.uname() return 'linux' end
sys.OS = 'linux'
sys.prefix = paths.dirname(paths.dirname(arg and arg[-1] or '/usr/bin/th'))

sys.COLORS = {
  none = '\27[0m', black = '\27[0;30m', red = '\27[0;31m', green = '\27[0;32m',
  yellow = '\27[0;33m', blue = '\27[0;34m', magenta = '\27[0;35m', cyan = '\27[0;36m',
  white = '\27[0;37m', Black = '\27[1;30m', Red = '\27[1;31m', Green = '\27[1;32m',
  Yellow = '\27[1;33m', Blue = '\27[1;34m', Magenta = '\27[1;35m', Cyan = '\27[1;36m',
  White = '\27[1;37m', _black = '\27[40m', _red = '\27[41m', _green = '\27[42m',
  _yellow = '\27[43m', _blue = '\27[44m', _magenta = '\27[45m', _cyan = '\27[46m',
  _white = '\27[47m',
}

-- the older file helpers, now paths's
sys.dirp, sys.filep, sys.dirname, sys.basename = paths.dirp, paths.filep, paths.dirname, paths.basename
sys.concat, sys.pwd = paths.concat, paths.cwd
function sys.ls(p)
  local names = {}
  for name in paths.files(p or '.') do names[#names + 1] = name end
  table.sort(names)
  return table.concat(names, '\n')
end
function sys.fpath() return paths.dirname(paths.thisfile(nil, 2) or '.') end

return sys
