-- Random tensors and numbers, composed from the C fills (t:uniform(), t:normal(),
-- t:random(), ...) and raw samplers of lua/binding/random.c.
-- Every function takes an optional torch.Generator first (Torch7 style).
-- Seeding (torch.manualSeed, seed, initialSeed, getRNGState, setRNGState)
-- comes straight from C.
local torch = torch
local core = torch.core

torch.Generator = core.Generator
torch.isGenerator = core.isGenerator

-- split the optional [gen,] [res,] off the front of the arguments
local function lead(allow_res, ...)
  local n, i = select('#', ...), 1
  local gen, res
  if core.isGenerator((select(i, ...))) then gen, i = (select(i, ...)), i + 1 end
  if allow_res and torch.isTensor((select(i, ...))) then res, i = (select(i, ...)), i + 1 end
  return gen, res, {select(i, ...)}, n - i + 1
end

-- t:name([gen,] ...) without passing a nil generator
local function call(t, name, gen, ...)
  if gen then return t[name](t, gen, ...) end
  return t[name](t, ...)
end

-- level: of the user's call, counted from the caller of check_count
local function check_count(fn, x, what, level)
  if type(x) ~= 'number' or x ~= math.floor(x) then
    error(string.format('torch.%s: expected %s (an integer), got %s', fn, what,
                        type(x) == 'number' and tostring(x) or type(x)), level + 1)
  end
end

-- sizes as numbers, or one table / LongStorage, then an optional type name.
-- Returns a table of sizes and the dtype.
local function sizes_and_type(fn, args, n, default_dtype)
  local dtype = default_dtype
  if n > 0 and type(args[n]) == 'string' then
    dtype, n = torch.todtype(args[n], fn), n - 1
  end
  local sizes = {}
  if n == 1 and (type(args[1]) == 'table' or torch.isStorage(args[1])) then
    for i = 1, #args[1] do sizes[i] = args[1][i] end
  else
    for i = 1, n do sizes[i] = args[i] end
  end
  for i, s in ipairs(sizes) do
    check_count(fn, s, 'size ' .. i, 4) -- user -> torch.fn -> target -> here
    if s < 0 then error(string.format('torch.%s: size %d is negative (%d)', fn, i, s), 4) end
  end
  return sizes, dtype
end

-- the tensor to fill: res resized to sizes (kept as is without sizes), or new
local function target(fn, res, args, n, default_dtype)
  local sizes, dtype = sizes_and_type(fn, args, n, default_dtype)
  if res then
    if #sizes > 0 then res:resize(sizes) end
    return res
  end
  return core.empty(dtype, sizes)
end

-- torch.rand([gen,] [res,] sizes... [, type]): uniform on [0, 1)
function torch.rand(...)
  local gen, res, args, n = lead(true, ...)
  return call(target('rand', res, args, n, torch.defaultdtype()), 'uniform', gen)
end

-- torch.randn([gen,] [res,] sizes... [, type]): standard normal
function torch.randn(...)
  local gen, res, args, n = lead(true, ...)
  return call(target('randn', res, args, n, torch.defaultdtype()), 'normal', gen)
end

-- torch.randint([gen,] [res,] [low,] high, sizes... [, type]): integers in
-- [low, high) (PyTorch: high excluded), int64 unless a type is named.
-- low may be left out only when the sizes are one table or LongStorage.
function torch.randint(...)
  local gen, res, args, n = lead(true, ...)
  local low, high
  if type(args[2]) == 'table' or torch.isStorage(args[2]) then
    low, high = 0, args[1]
    table.remove(args, 1)
    n = n - 1
  else
    low, high = args[1], args[2]
    table.remove(args, 1)
    table.remove(args, 1)
    n = n - 2
  end
  check_count('randint', low, 'low', 2)
  check_count('randint', high, 'high', 2)
  if low >= high then
    error(string.format('torch.randint: expected low < high, got low = %d, high = %d', low, high), 2)
  end
  return call(target('randint', res, args, n, 'int64'), 'random', gen, low, high - 1)
end

-- torch.randperm([gen,] [res,] n [, type]): a permutation of 1..n (int64)
function torch.randperm(...)
  local gen, res, args, n = lead(true, ...)
  check_count('randperm', args[1], 'n', 2)
  if args[1] < 0 then error('torch.randperm: expected n >= 0, got ' .. args[1], 2) end
  if n > 2 then error('torch.randperm: too many arguments', 2) end
  local dtype = res and res:dtype() or torch.todtype(args[2] or 'int64', 'randperm')
  local r = gen and core._randperm(gen, args[1], dtype) or core._randperm(args[1], dtype)
  r:add(1)
  return torch._deliver(res, r)
end

-- torch.multinomial([gen,] [res,] probs, n [, replacement]): 1-based
-- category indices (LongTensor), one row of n samples per row of probs
function torch.multinomial(...)
  local gen, _, args = lead(false, ...)
  local res
  if torch.isTensor(args[1]) and torch.isTensor(args[2]) then res = table.remove(args, 1) end
  local probs, count, replace = args[1], args[2], args[3]
  if not torch.isTensor(probs) then
    error('torch.multinomial: expected a tensor of probabilities, got ' .. type(probs), 2)
  end
  local r
  if gen then
    r = core._multinomial(gen, probs, count, replace or false)
  else
    r = core._multinomial(probs, count, replace or false)
  end
  r:add(1)
  return torch._deliver(res, r)
end

-- torch.bernoulli([gen,] p): a tensor of 0/1 samples like p for a tensor p;
-- a number (Torch7) for a number p (default 0.5)
function torch.bernoulli(...)
  local gen, _, args = lead(false, ...)
  local p = args[1]
  if torch.isTensor(p) then
    local dtype = p:dtype()
    if dtype == 'bool' then dtype = torch.defaultdtype() end
    return call(core.empty(dtype, p:size()), 'bernoulli', gen, p)
  end
  return call(core.empty('float64', 1), 'bernoulli', gen, p)[1]
end

-- Torch7's number samplers: one value, drawn like the tensor fill of the
-- same name.
local function number_sampler(name, dtype)
  return function(...)
    local gen, _, args, n = lead(false, ...)
    return call(core.empty(dtype, 1), name, gen, unpack(args, 1, n))[1]
  end
end
torch.uniform = number_sampler('uniform', 'float64')
torch.normal = number_sampler('normal', 'float64')
torch.exponential = number_sampler('exponential', 'float64')
torch.cauchy = number_sampler('cauchy', 'float64')
torch.logNormal = number_sampler('logNormal', 'float64')
torch.geometric = number_sampler('geometric', 'float64')

-- torch.random([gen,] [a,] [b]): an integer; [0, 2^32 - 1] without bounds,
-- [1, b] or [a, b] (both inclusive) with them (Torch7)
function torch.random(...)
  local gen, _, args, n = lead(false, ...)
  if n == 0 then return call(core.empty('int64', 1), 'random', gen, 0, 2 ^ 32 - 1)[1] end
  return call(core.empty('int64', 1), 'random', gen, unpack(args, 1, n))[1]
end
