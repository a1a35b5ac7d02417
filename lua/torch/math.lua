-- The torch.* functions: op-table functions from C, Torch7 aliases, and
-- creation functions.
local torch = torch
local core = torch.core
local methods = core.methods

-- Torch7 names for elementwise tensor-tensor ops
local aliases = {cmul = 'mul', cdiv = 'div', cpow = 'pow', cfmod = 'fmod', cremainder = 'remainder',
                 mod = 'fmod', maximum = 'cmax', minimum = 'cmin', clip = 'clamp'}
for alias, name in pairs(aliases) do
  torch[alias] = core.fn[name]
  methods[alias] = methods[name]
end

-- creation -------------------------------------------------------------------

-- split an optional trailing type name off the size arguments
local function sizes_and_type(...)
  local n = select('#', ...)
  local last = select(n, ...)
  if n > 0 and type(last) == 'string' then
    return torch.todtype(last), {...}, n - 1
  end
  return torch.defaultdtype(), {...}, n
end

local function filled(value)
  return function(...)
    -- Torch7's result-first form: torch.zeros(res, sizes...)
    if torch.isTensor((...)) then
      local _, args, n = sizes_and_type(select(2, ...))
      return (...):resize(unpack(args, 1, n)):fill(value)
    end
    local dtype, args, n = sizes_and_type(...)
    local t = core.empty(dtype, unpack(args, 1, n))
    return t:fill(value)
  end
end
torch.zeros = filled(0)
torch.ones = filled(1)
function torch.empty(...)
  local dtype, args, n = sizes_and_type(...)
  return core.empty(dtype, unpack(args, 1, n))
end
function torch.full(size, value, dtype)
  return core.empty(torch.todtype(dtype), size):fill(value)
end
function torch.zerosLike(t) return core.empty(t:dtype(), t:size()):fill(0) end
function torch.onesLike(t) return core.empty(t:dtype(), t:size()):fill(1) end
function torch.emptyLike(t) return core.empty(t:dtype(), t:size()) end

-- result-first helper: if the first argument is a tensor, fill it
local function result(res, dtype, ...)
  if torch.isTensor(res) then return res:resize(...) end
  return core.empty(dtype, ...)
end

-- torch.range([res,] a, b [, step]): a..b inclusive (Torch7)
function torch.range(res, a, b, step)
  if not torch.isTensor(res) then res, a, b, step = nil, res, a, b end
  step = step or 1
  if type(a) ~= 'number' or type(b) ~= 'number' then
    error('torch.range: expected numbers (from, to [, step])', 2)
  end
  if step == 0 or (b - a) / step < 0 then
    error(string.format('torch.range: cannot go from %g to %g in steps of %g', a, b, step), 2)
  end
  local n = math.floor((b - a) / step + 1e-9) + 1
  local t = result(res, torch.defaultdtype(), n)
  local flat = {}
  for i = 1, n do flat[i] = a + (i - 1) * step end
  return t:copy(core.fromtable('float64', flat, {n}))
end

-- torch.arange(a, b [, step]): a..b exclusive (PyTorch)
function torch.arange(a, b, step)
  if b == nil then a, b = 0, a end
  step = step or 1
  local n = math.max(0, math.ceil((b - a) / step))
  local flat = {}
  for i = 1, n do flat[i] = a + (i - 1) * step end
  return core.fromtable(torch.defaultdtype(), flat, {n})
end

function torch.linspace(res, a, b, n)
  if not torch.isTensor(res) then res, a, b, n = nil, res, a, b end
  n = n or 100
  if n < 1 then error('torch.linspace: number of points must be >= 1, got ' .. tostring(n), 2) end
  local flat = {}
  for i = 1, n do flat[i] = n == 1 and a or a + (b - a) * (i - 1) / (n - 1) end
  return result(res, torch.defaultdtype(), n):copy(core.fromtable('float64', flat, {n}))
end

function torch.logspace(res, a, b, n)
  if not torch.isTensor(res) then res, a, b, n = nil, res, a, b end
  local t = torch.linspace(a, b, n or 100):double()
  local r = torch.pow(10, t)
  if res then return res:resize(r:size()):copy(r) end
  return r:type(torch.getdefaulttensortype())
end

function torch.eye(res, n, m)
  if not torch.isTensor(res) then res, n, m = nil, res, n end
  if type(n) ~= 'number' or n < 1 then error('torch.eye: expected a size >= 1', 2) end
  m = m or n
  local t = result(res, torch.defaultdtype(), n, m):fill(0)
  for i = 1, math.min(n, m) do t[i][i] = 1 end
  return t
end

function torch.numel(t) return t:nElement() end
function torch.setnumthreads(n) core.setnumthreads(n) end
function torch.getnumthreads() return core.getnumthreads() end

-- tensor-method versions of the functional forms that exist only on torch.*
for _, name in ipairs({'dim', 'nElement', 'size', 'stride', 'view', 'reshape', 'expand',
                       'narrow', 'select', 'transpose', 't', 'permute', 'squeeze', 'unsqueeze',
                       'unfold', 'contiguous', 'clone', 'totable'}) do
  if torch[name] == nil then
    torch[name] = function(t, ...) return methods[name](t, ...) end
  end
end

-- torch.Timer(): Torch7's stopwatch. timer:time() -> {real=, user=, sys=}
-- (user+sys reported together as user: the process CPU time).
local Timer = {__typename = 'torch.Timer'}
Timer.__index = Timer
function torch.Timer()
  local t = setmetatable({}, Timer)
  return t:reset()
end
function Timer:reset()
  self.wall0, self.cpu0 = core.clock()
  self.stopped = nil
  return self
end
function Timer:stop()
  self.stopped = {core.clock()}
  return self
end
function Timer:resume()
  if self.stopped then
    local w, c = core.clock()
    self.wall0 = self.wall0 + (w - self.stopped[1])
    self.cpu0 = self.cpu0 + (c - self.stopped[2])
    self.stopped = nil
  end
  return self
end
function Timer:time()
  local w, c = core.clock()
  if self.stopped then w, c = self.stopped[1], self.stopped[2] end
  return {real = w - self.wall0, user = c - self.cpu0, sys = 0}
end
