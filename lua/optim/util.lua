-- Shared argument checks and the bridge to the fused kernels.
-- Errors name the public function ("optim.sgd: ...") and point at the
-- user's call: `level` counts from the caller of these helpers.
local optim = optim
local core = torch.core
local isTensor = torch.isTensor
-- 0 for a CPU tensor, the 1-based GPU number otherwise (every build has it)
local device_of = core.cuda.device_of

local U = {}
optim._util = U

local function fail(level, fmt, ...)
  error(string.format(fmt, ...), level + 1)
end
U.fail = fail

local function kind(v)
  if isTensor(v) then return v:type() end
  return type(v)
end
U.kind = kind

-- a float tensor (float32/float64), or an error naming `what`
function U.check_float(fn, t, what, level)
  if not isTensor(t) then
    fail(level + 1, '%s: %s: expected a tensor, got %s', fn, what, kind(t))
  end
  local dt = t:dtype()
  if dt ~= 'float32' and dt ~= 'float64' then
    fail(level + 1, '%s: %s must be a float or double tensor, got %s', fn, what, t:type())
  end
end

-- a number option: nil -> default; checked against [lo, hi] (inclusive
-- unless open_hi)
function U.num(fn, cfg, key, default, lo, hi, level, open_hi)
  local v = cfg[key]
  if v == nil then return default end
  if type(v) ~= 'number' or v ~= v then
    fail(level + 1, '%s: %s must be a number, got %s', fn, key, type(v) == 'number' and 'nan' or kind(v))
  end
  if lo and v < lo then fail(level + 1, '%s: %s must be >= %g, got %g', fn, key, lo, v) end
  if hi and (v > hi or (open_hi and v == hi)) then
    fail(level + 1, '%s: %s must be %s %g, got %g', fn, key, open_hi and '<' or '<=', hi, v)
  end
  return v
end

function U.bool(fn, cfg, key, default, level)
  local v = cfg[key]
  if v == nil then return default end
  if type(v) ~= 'boolean' then fail(level + 1, '%s: %s must be a boolean, got %s', fn, key, kind(v)) end
  return v
end

-- The functional API's arguments: returns config, state (state defaults to
-- config, as in Torch7).
function U.check_call(fn, opfunc, x, config, state, level)
  level = level or 2
  if type(opfunc) ~= 'function' and not (getmetatable(opfunc) or {}).__call then
    fail(level + 1, '%s: argument 1: expected a function feval(x) returning f(x), df/dx, got %s',
         fn, kind(opfunc))
  end
  U.check_float(fn, x, 'argument 2 (x)', level + 1)
  if config ~= nil and type(config) ~= 'table' then
    fail(level + 1, '%s: argument 3: expected a config table or nil, got %s', fn, kind(config))
  end
  if state ~= nil and type(state) ~= 'table' then
    fail(level + 1, '%s: argument 4: expected a state table or nil, got %s', fn, kind(state))
  end
  config = config or {}
  return config, state or config
end

-- f, df/dx = opfunc(x), checked; df/dx comes back contiguous, of x's type
function U.eval(fn, opfunc, x, level)
  local fx, dfdx = opfunc(x)
  if not isTensor(dfdx) then
    fail(level + 1, '%s: feval must return f(x) and df/dx (a tensor), got %s for df/dx', fn, kind(dfdx))
  end
  if dfdx:nElement() ~= x:nElement() then
    fail(level + 1, '%s: df/dx has %d elements, x has %d', fn, dfdx:nElement(), x:nElement())
  end
  return fx, U.as_grad(dfdx, x)
end

-- (a gradient on another device than x is left there: the fused kernel
-- then names both devices)
function U.as_grad(g, x)
  if g:dtype() ~= x:dtype() then g = U.like(g, x, device_of(g)) end
  if not g:isContiguous() then g = g:contiguous() end
  return g
end

-- v converted to x's dtype on device dev (default: x's), v itself when it
-- is there already; GPU tensors keep their GPU number
function U.like(v, x, dev)
  dev = dev or device_of(x)
  if device_of(v) == dev and v:dtype() == x:dtype() then return v end
  return core.cuda.to(v, x:dtype(), dev)
end

-- zeros of x's size and dtype on x's device (an optimizer's state lives
-- beside its parameter: model:cuda() then optim.* keeps everything there)
function U.zeros_like(x)
  local dev = device_of(x)
  if dev == 0 then return torch.zeros(x:size(), x:type()) end
  return core.cuda.empty(x:dtype(), dev, x:size()):fill(0)
end

-- a zero state buffer like x (contiguous, x's type and device), kept in
-- state[key]; returns it and whether it was just made
function U.buffer(state, key, x, fill)
  local b = state[key]
  if b == nil then
    b = U.zeros_like(x)
    if fill and fill ~= 0 then b:fill(fill) end
    state[key] = b
    return b, true
  end
  return b, false
end

-- Runs kernel(x, g, ...) on x in place. The kernels want contiguous
-- arrays: a strided x is updated through a contiguous copy.
function U.fused(kernel, x, g, ...)
  if x:isContiguous() then return kernel(x, g, ...) end
  local xc = x:contiguous()
  kernel(xc, g, ...)
  x:copy(xc)
  return x
end

-- x itself, or a detached alias when x is a leaf that requires grad:
-- optimizer updates are not part of the graph (and autograd refuses
-- in-place ops on such leaves)
function U.raw(x)
  if x.requires_grad then return x:detach() end
  return x
end

U.kernels = core.optim
return U
