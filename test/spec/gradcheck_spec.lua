-- Gradient checks driven by the op table: every elementwise op that is not
-- NONDIFF must have a backward, and its gradients (and gradients of
-- gradients) must match finite differences on several shapes: plain,
-- broadcast, non-contiguous, size-1 dims, 0-dim. Ops of other kinds without
-- a backward are listed as pending; one with a backward needs a case in
-- `other_cases` below or this spec fails. Views (not in the table) too.
local U = require 'testutil'
local core = torch.core
local fn = core.fn
local gradcheck, gradgradcheck = torch.autograd.gradcheck, torch.autograd.gradgradcheck

-- deterministic values in [lo, hi)
local values = U.lcg_values(1)

-- a float64 tensor that requires grad; layout 't' makes it non-contiguous
-- (the transpose of a contiguous one)
local function input(shape, range, layout)
  local lo, hi = range[1], range[2]
  local n = 1
  for _, s in ipairs(shape) do n = n * s end
  local t
  if layout == 't' then
    t = core.fromtable('float64', values(n, lo, hi), {shape[2], shape[1]}):t()
    assert(not t:isContiguous())
  else
    t = core.fromtable('float64', values(n, lo, hi), shape)
  end
  return t:requiresGrad(true)
end

local SYM = {-1, 1}
-- input ranges per op: away from kinks, poles and discontinuities
local domain = {
  log = {{0.5, 2}}, log1p = {{0.1, 2}}, sqrt = {{0.5, 2}}, rsqrt = {{0.5, 2}},
  asin = {{-0.8, 0.8}}, acos = {{-0.8, 0.8}},
  div = {SYM, {0.5, 2}}, pow = {{0.5, 2}, {-1.5, 1.5}},
  fmod = {{3.1, 3.9}, {2.1, 2.9}}, remainder = {{3.1, 3.9}, {2.1, 2.9}},
  addcdiv = {SYM, SYM, {0.5, 2}},
  erfinv = {{-0.8, 0.8}}, lgamma = {{0.5, 2}}, digamma = {{0.5, 2}}, polygamma = {{0.5, 2}},
}
local function range(name, k) return (domain[name] or {})[k] or SYM end

-- shapes per arity; a shape list {a, b, layout}
local cases = {
  unary = {{{3}}, {{2, 3}}, {{1, 3, 1}}, {{}}, {{3, 2}, layout = 't'}},
  binary = {{{2, 3}, {2, 3}}, {{2, 3}, {3}}, {{2, 1}, {1, 3}}, {{3, 1, 2}, {1, 4, 1}},
            {{3, 2}, {3, 2}, layout = 't'}, {{}, {2, 2}}, {{2, 3}, 'number'}},
  ternary = {{{2, 3}, {2, 3}, {2, 3}}, {{2, 3}, {3}, {2, 1}}, {{3, 2}, {3, 2}, {3, 2}, layout = 't'},
             {{1, 3}, {2, 1}, {}}},
}

local function describe_case(c)
  local parts = {}
  for _, s in ipairs(c) do
    parts[#parts + 1] = type(s) == 'table' and (#s == 0 and '[]' or table.concat(s, 'x')) or s
  end
  return table.concat(parts, ', ') .. (c.layout == 't' and ' (non-contiguous)' or '')
end

-- inputs for an op and a case; returns the function to check and its inputs
local function build(name, info, c)
  local f = fn[name]
  local ins = {}
  for k, shape in ipairs(c) do
    if shape == 'number' then ins[k] = 0.7
    else ins[k] = input(shape, range(name, k), c.layout) end
  end
  if name == 'where' then -- the first operand is a mask, without gradient
    local m = fn.gt(ins[1]:detach(), 0)
    return function(x, y) return f(m, x, y) end, {ins[2], ins[3]}
  end
  if name == 'clamp' then return function(x) return f(x, -0.5, 0.5) end, ins end
  if name == 'polygamma' then return function(x) return f(1, x) end, ins end -- trigamma
  if info.kind ~= 'unary' and info.nparams == 1 then -- Torch7's value multiplier
    return function(a, ...) return f(a, 1.5, ...) end, ins
  end
  return f, ins
end

local function tensors_only(ins)
  local r = {}
  for _, x in ipairs(ins) do if torch.isTensor(x) then r[#r + 1] = x end end
  return r
end

local names = {}
for name in pairs(core.ops) do names[#names + 1] = name end
table.sort(names)

describe('gradcheck over the op table', function()
  for _, name in ipairs(names) do
    local info = core.ops[name]
    local elementwise = info.kind ~= 'other'
    if elementwise and not info.nondiff then
      describe(name, function()
        it('has a backward', function()
          assert(info.differentiable, name .. ' is a differentiable elementwise op without a backward')
        end)
        for ci, c in ipairs(cases[info.kind]) do
          it('gradcheck ' .. describe_case(c), function()
            local f, ins = build(name, info, c)
            -- a number operand: the function closes over it
            if #tensors_only(ins) < #ins then
              local g = f
              f = function(x) return g(x, 0.7) end
              ins = tensors_only(ins)
            end
            assert.is_true(gradcheck(f, ins))
            if ci <= 2 then assert.is_true(gradgradcheck(f, ins)) end
          end)
        end
      end)
    elseif not elementwise and not info.nondiff and not info.differentiable then
      pending(name .. ': backward not written yet')
    end
  end
end)

-- ops of kind 'other' with a backward: name -> list of {function, inputs}
local other_cases = {}
for name, list in pairs(require 'grad_index_cases') do other_cases[name] = list end
for name, list in pairs(require 'grad_reduce_linalg_cases') do other_cases[name] = list end
for name, list in pairs(require 'grad_nn_cases') do other_cases[name] = list end

describe('gradcheck of other ops with a backward', function()
  for _, name in ipairs(names) do
    local info = core.ops[name]
    if info.kind == 'other' and info.differentiable then
      it(name, function()
        local list = other_cases[name]
        assert(list, name .. ' has a backward but no gradcheck case in gradcheck_spec.lua')
        for _, c in ipairs(list) do assert.is_true(gradcheck(c[1], c[2])) end
      end)
    end
  end
end)

describe('gradcheck of views', function()
  local function x23() return input({2, 3}, SYM) end
  local function x234() return input({2, 3, 4}, SYM) end
  local view_cases = {
    {'view', function(x) return x:view(3, 2) end, x23},
    {'view -1', function(x) return x:view(-1) end, x23},
    {'reshape (needs a copy)', function(x) return x:t():reshape(6) end, x23},
    {'narrow', function(x) return x:narrow(2, 2, 2) end, x23},
    {'narrow non-contiguous', function(x) return x:t():narrow(1, 2, 2) end, x23},
    {'select', function(x) return x:select(2, 3) end, x23},
    {'select to 0-dim', function(x) return x:select(2, 2):select(1, 2) end, x23},
    {'transpose', function(x) return x:transpose(1, 3) end, x234},
    {'t', function(x) return x:t() end, x23},
    {'permute', function(x) return x:permute(3, 1, 2) end, x234},
    {'expand', function(x) return x:view(2, 1, 3):expand(2, 4, 3) end, x23},
    {'expand new dims', function(x) return x:expand(5, 2, 3) end, x23},
    {'squeeze', function(x) return x:view(2, 1, 3):squeeze() end, x23},
    {'squeeze dim', function(x) return x:view(1, 2, 3):squeeze(1) end, x23},
    {'unsqueeze', function(x) return x:unsqueeze(2) end, x23},
    {'unfold (overlapping windows)', function(x) return x:unfold(2, 2, 1) end, x23},
    {'unfold (step 2)', function(x) return x:unfold(3, 2, 2) end, x234},
    {'alias', function(x) return x:_alias() end, x23},
    {'chain', function(x) return x:t():narrow(1, 1, 2):unsqueeze(1):expand(3, 2, 2) end, x23},
    {'views feeding ops', function(x) return fn.mul(x:narrow(2, 1, 2), x:narrow(2, 2, 2)) end, x23},
  }
  for _, c in ipairs(view_cases) do
    it(c[1], function()
      local x = c[3]()
      -- a view's own gradient is linear: multiply by x to give grad-of-grad something to do
      local f = function(a) return fn.mul(c[2](a), c[2](a)) end
      assert.is_true(gradcheck(c[2], {x}))
      assert.is_true(gradcheck(f, {x}))
      assert.is_true(gradgradcheck(f, {x}))
    end)
  end
end)

describe('gradcheck itself', function()
  it('catches a wrong backward', function()
    local Bad = torch.autograd.Function('Bad')
    function Bad.forward(ctx, x) return fn.mul(x, 2) end
    function Bad.backward(ctx, g) return fn.mul(g, 3) end
    local x = input({3}, SYM)
    local ok, msg = gradcheck(function(a) return Bad(a) end, {x}, {raise = false})
    assert.is_false(ok)
    assert.truthy(msg:find('Jacobian mismatch', 1, true))
    U.raises(function() gradcheck(function(a) return Bad(a) end, {x}) end, 'gradcheck', 'mismatch')
  end)
  U.error_cases({
    {'float32 inputs', function()
      gradcheck(fn.exp, {core.empty('float32', 2):fill(1):requiresGrad()})
    end, 'gradcheck', 'float64'},
    {'no input requiring grad', function()
      gradcheck(fn.exp, {core.empty('float64', 2):fill(1)})
    end, 'gradcheck', 'no input requires grad'},
  })
end)
