-- Autograd in Lua: tensor fields (x.grad, x.requires_grad, x.grad_fn),
-- backward, torch.autograd.grad, grad mode, hooks, custom functions and
-- the gradient checks. The engine is C (lib/autograd); see docs/autograd.md.
local torch = torch
local core = torch.core
local methods = core.methods
local ag = core.autograd

torch.autograd = torch.autograd or {}
local autograd = torch.autograd

local function pack(...) return {n = select('#', ...), ...} end
local isTensor = torch.isTensor

-- grad mode -------------------------------------------------------------------

function torch.is_grad_enabled() return ag.is_grad_enabled() end

-- returns the previous mode, so `local prev = torch.set_grad_enabled(false)`
-- ... `torch.set_grad_enabled(prev)` brackets a block
function torch.set_grad_enabled(on)
  if type(on) ~= 'boolean' then
    error('torch.set_grad_enabled: argument 1: expected a boolean, got ' .. type(on), 2)
  end
  return ag.set_grad_enabled(on)
end

local function with_mode(name, on, fn, ...)
  if type(fn) ~= 'function' then
    error('torch.' .. name .. ': argument 1: expected a function, got ' .. type(fn), 3)
  end
  local prev = ag.set_grad_enabled(on)
  local r = pack(pcall(fn, ...))
  ag.set_grad_enabled(prev)
  if not r[1] then error(r[2], 0) end
  return unpack(r, 2, r.n)
end

-- torch.no_grad(fn, ...) runs fn(...) without recording; returns its results
function torch.no_grad(fn, ...) return with_mode('no_grad', false, fn, ...) end
function torch.enable_grad(fn, ...) return with_mode('enable_grad', true, fn, ...) end

-- fields ----------------------------------------------------------------------

local GradFn = {}
GradFn.__index = GradFn
GradFn.__tostring = function(f) return '<' .. f.name .. ' backward>' end

local getters = {
  grad = function(t) return t:_grad() end,
  requires_grad = function(t) return t:_requires_grad() end,
  is_leaf = function(t) return t:isLeaf() end,
  grad_fn = function(t)
    local name = t:_gradFnName()
    return name and setmetatable({name = name}, GradFn) or nil
  end,
}

local index_field = methods.__index_field
methods.__index_field = function(t, k)
  local get = getters[k]
  if get then return get(t) end
  if index_field then return index_field(t, k) end
  return nil
end

local setters = {
  grad = function(t, v)
    if v ~= nil and not isTensor(v) then
      error('torch.grad: expected a tensor or nil, got ' .. type(v), 3)
    end
    t:_setGrad(v)
  end,
  requires_grad = function(t, v)
    if type(v) ~= 'boolean' then
      error('torch.requiresGrad: expected a boolean, got ' .. type(v), 3)
    end
    t:requiresGrad(v)
  end,
}

local newindex_any = methods.__newindex_any
methods.__newindex_any = function(t, k, v)
  if type(k) == 'string' then
    local set = setters[k]
    if not set then error('torch.newindex: tensors have no settable field ' .. k, 2) end
    return set(t, v)
  end
  return newindex_any(t, k, v)
end

-- x:zeroGrad(): zero x.grad in place (keeps the buffer); nothing if none
function methods.zeroGrad(t)
  local g = t:_grad()
  if g then torch.no_grad(function() g:fill(0) end) end
  return t
end

-- backward and grad -------------------------------------------------------------

local function as_list(x, what, fn)
  if x == nil then return {} end
  if isTensor(x) then return {x} end
  if type(x) ~= 'table' then
    error(string.format('torch.%s: %s must be a tensor or a table of tensors, got %s', fn, what,
                        type(x)), 3)
  end
  return x
end

-- gradient lists may have holes (nil = default): false marks them for C
local function gradient_list(g, n, fn)
  local r = {}
  if g == nil then
    for i = 1, n do r[i] = false end
    return r
  end
  if isTensor(g) then g = {g} end
  if type(g) ~= 'table' then
    error('torch.' .. fn .. ': gradOutputs must be a tensor or a table of tensors', 3)
  end
  for i = 1, n do r[i] = g[i] or false end
  return r
end

local function options(opts, fn)
  opts = opts or {}
  if type(opts) ~= 'table' then error('torch.' .. fn .. ': options must be a table', 3) end
  local create = opts.createGraph and true or false
  local retain = opts.retainGraph
  if retain == nil then retain = create end
  return retain, create, opts.allowUnused and true or false
end

-- y:backward([gradOutput] [, {retainGraph=, createGraph=}])
function methods.backward(t, g, opts)
  if type(g) == 'table' and not isTensor(g) then g, opts = nil, g end
  local retain, create = options(opts, 'backward')
  ag.run({t}, {g or false}, nil, retain, create)
end

-- torch.autograd.backward(outputs, gradOutputs, opts)
function autograd.backward(outputs, g, opts)
  outputs = as_list(outputs, 'outputs', 'autograd.backward')
  local retain, create = options(opts, 'autograd.backward')
  ag.run(outputs, gradient_list(g, #outputs, 'autograd.backward'), nil, retain, create)
end

-- torch.autograd.grad(outputs, inputs [, gradOutputs] [, opts]) -> one
-- gradient per input (nil for an unused one with allowUnused)
function autograd.grad(outputs, inputs, g, opts)
  if opts == nil and type(g) == 'table' and not isTensor(g) and g[1] == nil and next(g) ~= nil then
    g, opts = nil, g
  end
  outputs = as_list(outputs, 'outputs', 'autograd.grad')
  local ins = as_list(inputs, 'inputs', 'autograd.grad')
  if #ins == 0 then error('torch.autograd.grad: no inputs given', 2) end
  local retain, create, unused = options(opts, 'autograd.grad')
  local res = ag.run(outputs, gradient_list(g, #outputs, 'autograd.grad'), ins, retain, create,
                     unused)
  return unpack(res, 1, #ins)
end

-- hooks ---------------------------------------------------------------------------

local Handle = {}
Handle.__index = Handle
function Handle:remove() return self.tensor:_removeHook(self.id) end

-- x:registerHook(fn): fn(grad) runs when x's gradient is computed; it may
-- return a tensor to replace it. Returns a handle with :remove().
function methods.registerHook(t, fn)
  if type(fn) ~= 'function' then
    error('torch.registerHook: argument 1: expected a function, got ' .. type(fn), 2)
  end
  return setmetatable({tensor = t, id = t:_registerHook(fn)}, Handle)
end

-- custom functions ------------------------------------------------------------------

local Ctx = {}
Ctx.__index = Ctx

-- ctx:saveForBackward(t1, t2, ...) keeps tensors for backward; modifying one
-- in place before backward is an error there
function Ctx:saveForBackward(...)
  self._saved = pack(...)
  self._versions = {}
  for i = 1, self._saved.n do
    local t = self._saved[i]
    if t ~= nil and not isTensor(t) then
      error('torch.autograd.Function: saveForBackward takes tensors (argument ' .. i .. ')', 2)
    end
    if t then self._versions[i] = t:_version() end
  end
end

function Ctx:savedTensors()
  local s = self._saved
  if not s then return end
  for i = 1, s.n do
    if s[i] and s[i]:_version() ~= self._versions[i] then
      error(string.format('backward: a tensor that %s saved for its backward (saved tensor %d) '
                          .. 'was modified by an in-place operation since', self._name, i), 0)
    end
  end
  return unpack(s, 1, s.n)
end

-- ctx:gradAccumulator(i), inside backward: a tensor into which backward
-- may ADD argument i's gradient in place (then returning nil for it), when
-- the engine offers one (argument i is a leaf, no createGraph: often the
-- leaf's .grad itself); nil otherwise. Saves a fresh gradient tensor and
-- the engine's add (e.g. a gemm with beta = 1 into it).
function Ctx:gradAccumulator(i) return ag.grad_accumulator(i) end

local function run_custom(entry, gouts)
  local g = {}
  for k, o in ipairs(entry.outs) do
    -- a missing output gradient: zeros on the output's device
    g[k] = gouts[k] or (o.dev ~= 0 and core.cuda.empty(o.dtype, o.dev, o.size)
                        or core.empty(o.dtype, o.size)):fill(0)
  end
  local ctx = entry.ctx
  local grads = pack(entry.class.backward(ctx, unpack(g, 1, #entry.outs)))
  local res = {}
  for i = 1, entry.nargs do
    local gi = grads[i]
    if gi ~= nil and gi ~= false and not isTensor(gi) then
      error(string.format('%s.backward returned a %s for argument %d, expected a tensor or nil',
                          entry.class.name, type(gi), i), 0)
    end
    res[i] = gi or nil
  end
  return res
end
ag.set_runner(run_custom)

local function apply(class, ...)
  local args = pack(...)
  local ctx = setmetatable({needsInputGrad = {}, _name = class.name}, Ctx)
  local inputs, ids = {}, {}
  for i = 1, args.n do
    local a = args[i]
    if isTensor(a) then
      inputs[i] = a
      ids[a:_id()] = true
      ctx.needsInputGrad[i] = a:_requires_grad()
    else
      inputs[i] = false
      ctx.needsInputGrad[i] = false
    end
  end
  local outs = pack(torch.no_grad(class.forward, ctx, ...))
  local tensors, outids, meta = {}, {}, {}
  for k = 1, outs.n do
    local o = outs[k]
    if isTensor(o) then
      if ids[o:_id()] or o:_requires_grad() then -- an input passed through: a new tensor
        o = o:detach()
        outs[k] = o
      end
      tensors[#tensors + 1] = o
      outids[o:_id()] = true
      meta[#meta + 1] = {size = o:size(), dtype = o:dtype(), dev = core.cuda.device_of(o)}
    end
  end
  -- a saved output would hold its own node (a cycle): keep it without history
  local s = ctx._saved
  if s then
    for i = 1, s.n do
      if s[i] and outids[s[i]:_id()] then s[i] = s[i]:detach() end
    end
  end
  local entry = {class = class, ctx = ctx, nargs = args.n, outs = meta}
  ag.record_function(class.name, entry, inputs, args.n, tensors)
  return unpack(outs, 1, outs.n)
end

local FunctionClass = {__call = function(class, ...) return apply(class, ...) end}
FunctionClass.__index = FunctionClass

-- local Exp = torch.autograd.Function('Exp')
-- function Exp.forward(ctx, x) local y = torch.exp(x); ctx:saveForBackward(y); return y end
-- function Exp.backward(ctx, gy) local y = ctx:savedTensors(); return torch.mul(gy, y) end
-- y = Exp(x)   (or Exp.apply(x))
function autograd.Function(def)
  if type(def) == 'string' or def == nil then def = {name = def} end
  if type(def) ~= 'table' then
    error('torch.autograd.Function: expected a name or a table {name=, forward=, backward=}', 2)
  end
  def.name = def.name or 'Function'
  local class = setmetatable(def, FunctionClass)
  class.apply = function(...) return apply(class, ...) end
  return class
end


-- gradient checks ---------------------------------------------------------------
-- Finite differences in float64 against the analytic Jacobian: column by
-- column (one perturbed input element, both outputs) and row by row (one
-- backward per output element).

local function flat_index(t, i)   -- 0-based flat index -> 1-based indices
  local idx, sizes = {}, t:size()
  for d = t:dim(), 1, -1 do
    idx[d] = i % sizes[d] + 1
    i = math.floor(i / sizes[d])
  end
  return idx
end

local function outputs_of(fn, inputs)
  local r = pack(fn(unpack(inputs, 1, inputs.n or #inputs)))
  local outs = {}
  for k = 1, r.n do
    local o = r[k]
    if isTensor(o) then outs[#outs + 1] = o
    elseif type(o) == 'table' then for _, x in ipairs(o) do outs[#outs + 1] = x end end
  end
  return outs
end

local function flat_values(t) return t:contiguous():_flat() end

local function fail(raise, msg)
  if raise then error('torch.autograd.gradcheck: ' .. msg, 3) end
  return false, msg
end

-- torch.autograd.gradcheck(fn, inputs [, {eps=1e-6, atol=1e-5, rtol=1e-3, raise=true}])
-- inputs: a tensor or a table; the float64 tensors that require grad are
-- checked. Returns true, or raises (or returns false, message) on a mismatch.
function autograd.gradcheck(fn, inputs, opts)
  opts = opts or {}
  local eps, atol, rtol = opts.eps or 1e-6, opts.atol or 1e-5, opts.rtol or 1e-3
  local raise = opts.raise ~= false
  inputs = isTensor(inputs) and {inputs} or inputs
  local diff = {}
  for i, x in ipairs(inputs) do
    if isTensor(x) and x:_requires_grad() then
      if x:dtype() ~= 'float64' then
        error('torch.autograd.gradcheck: input ' .. i .. ' requires grad but is ' .. x:dtype()
              .. '; finite differences need float64', 2)
      end
      diff[#diff + 1] = {index = i, tensor = x}
    end
  end
  if #diff == 0 then error('torch.autograd.gradcheck: no input requires grad', 2) end
  local outs = outputs_of(fn, inputs)
  local dins = {}
  for k, d in ipairs(diff) do dins[k] = d.tensor end
  -- analytic: rows of the Jacobian, one backward per output element
  local analytic = {}   -- analytic[k][j][i]: input k element i, output element j
  for k = 1, #diff do analytic[k] = {} end
  local nout = 0
  for o, out in ipairs(outs) do
    for j = 0, out:nElement() - 1 do
      nout = nout + 1
      local grads = {}
      if out:_requires_grad() then
        local seed = core.empty(out:dtype(), out:size()):fill(0)
        if out:dim() == 0 then seed:fill(1) else seed:setvalue(1, unpack(flat_index(out, j))) end
        local gos = {}
        for q = 1, #outs do gos[q] = q == o and seed or core.empty(outs[q]:dtype(), outs[q]:size()):fill(0) end
        grads = pack(autograd.grad(outs, dins, gos, {retainGraph = true, allowUnused = true}))
      end
      for k = 1, #diff do
        analytic[k][nout] = grads[k] and flat_values(grads[k]) or {}
      end
    end
  end
  -- numeric: columns, one input element perturbed at a time
  for k, d in ipairs(diff) do
    local x = d.tensor
    for i = 0, x:nElement() - 1 do
      local idx = flat_index(x, i)
      local v = x:get(unpack(idx))
      local function at(val) -- written around autograd: x is a leaf that requires grad
        x:setvalue(val, unpack(idx))
        local r = outputs_of(fn, inputs) -- with grad on: fn may itself take gradients
        local vals = {}
        for _, o in ipairs(r) do
          for _, e in ipairs(flat_values(o:double())) do vals[#vals + 1] = e end
        end
        return vals
      end
      local plus, minus = at(v + eps), at(v - eps)
      x:setvalue(v, unpack(idx))
      for j = 1, nout do
        local num = (plus[j] - minus[j]) / (2 * eps)
        local ana = analytic[k][j][i + 1] or 0
        if type(ana) == 'boolean' then ana = ana and 1 or 0 end
        if not (math.abs(num - ana) <= atol + rtol * math.abs(num)) and not (num ~= num and ana ~= ana) then
          return fail(raise, string.format(
            'Jacobian mismatch for input %d, element %d, output element %d: numerical %.8g, '
            .. 'analytical %.8g', d.index, i + 1, j, num, ana))
        end
      end
    end
  end
  return true
end

-- deterministic pseudo-random values in [-1, 1) (no dependence on torch.rand)
local function filler(seed)
  local state = seed
  return function()
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 1073741824 - 1
  end
end

-- torch.autograd.gradgradcheck(fn, inputs [, gradOutputs] [, opts]): checks
-- the gradients of the gradients, i.e. gradcheck of
-- (inputs, gradOutputs) -> autograd.grad(fn(inputs), inputs, gradOutputs, {createGraph=true})
function autograd.gradgradcheck(fn, inputs, gouts, opts)
  if opts == nil and type(gouts) == 'table' and not isTensor(gouts) and gouts[1] == nil then
    gouts, opts = nil, gouts
  end
  inputs = isTensor(inputs) and {inputs} or inputs
  local outs = outputs_of(fn, inputs)
  if not gouts then
    gouts = {}
    local rnd = filler(12345)
    for k, o in ipairs(outs) do
      local g = core.empty('float64', o:size())
      local vals = {}
      for i = 1, o:nElement() do vals[i] = rnd() end
      if o:nElement() > 0 then g:copy(core.fromtable('float64', vals, o:size())) end
      gouts[k] = g:requiresGrad(true)
    end
  end
  local ni = #inputs
  local diff = {}
  for i, x in ipairs(inputs) do
    if isTensor(x) and x:_requires_grad() then diff[#diff + 1] = i end
  end
  local function gfn(...)
    local args = {...}
    local xs = {}
    for i = 1, ni do xs[i] = args[i] end
    local gs = {}
    for k = 1, #gouts do gs[k] = args[ni + k] end
    local o = outputs_of(fn, xs)
    local dx = {}
    for k, i in ipairs(diff) do dx[k] = xs[i] end
    local grads = pack(autograd.grad(o, dx, gs, {createGraph = true, allowUnused = true}))
    local res = {}
    for k = 1, #dx do
      res[k] = grads[k] or core.empty(dx[k]:dtype(), dx[k]:size()):fill(0)
    end
    return unpack(res)
  end
  local all = {}
  for i = 1, ni do all[i] = inputs[i] end
  for k = 1, #gouts do all[ni + k] = gouts[k] end
  return autograd.gradcheck(gfn, all, opts)
end
