-- Gradient-check cases for the reductions, scans, sorts, products and
-- LAPACK ops (lib/ops/reduce_grad.c, linalg_grad.c): op name -> list of
-- {fn, inputs, name = ..., gg = true when gradgradcheck runs too}.
-- grad_reduce_linalg_spec.lua runs them; gradcheck_spec.lua's other_cases
-- takes them as they are.
--
-- Inputs are float64 leaves that require grad, values in [-1, 1) (no ties
-- in practice); T marks a non-contiguous (transposed) input. Reductions
-- take keepdim both ways and negative dims; matmul broadcasts batch dims.
-- The symmetric-input ops (symeig, potrf) are checked through a function
-- that symmetrises (or builds an SPD matrix), as their gradient is the one
-- of a symmetric input; SVD and eigenvector outputs are squared so that
-- the check does not depend on their signs.
require 'torch'
local fn = torch.core.fn

local seed = 11
local function X(shape, layout)
  local s, n = {}, 1
  for i, v in ipairs(shape) do s[i] = v; n = n * v end
  local nd = #s
  if layout == 'T' then s[nd], s[nd - 1] = s[nd - 1], s[nd] end
  local vals = {}
  for i = 1, n do
    seed = (seed * 1103515245 + 12345) % 2147483648
    vals[i] = seed / 1073741824 - 1
  end
  local t = torch.core.fromtable('float64', vals, s)
  if layout == 'T' then t = t:transpose(nd - 1, nd); assert(not t:isContiguous()) end
  return t:requiresGrad(true)
end
local T = 'T'

-- a leaf from literal values: a list (1-D) or a list of rows (2-D)
local function from(rows)
  if type(rows[1]) ~= 'table' then
    return torch.core.fromtable('float64', rows, {#rows}):requiresGrad(true)
  end
  local v = {}
  for _, r in ipairs(rows) do for _, e in ipairs(r) do v[#v + 1] = e end end
  return torch.core.fromtable('float64', v, {#rows, #rows[1]}):requiresGrad(true)
end

-- a well-conditioned n x n matrix (diagonal dominance)
local function wellcond(n, layout)
  local a = X({n, n}, layout)
  return torch.no_grad(function()
    local b = a:clone()
    for i = 1, n do b[i][i] = b[i][i] + 3 end
    return b:requiresGrad(true)
  end)
end
local function sym(x) return fn.mul(fn.add(x, x:t()), 0.5) end
local function spd(x) return fn.add(fn.mm(x, x:t()), torch.eye(x:size(1)):double()) end
local Lfac = {{2, 0, 0}, {0.5, 1.5, 0}, {-0.3, 0.2, 1.2}}
local Ufac = {{2, 0.5, -0.3}, {0, 1.5, 0.2}, {0, 0, 1.2}}
local function sq(t) return fn.mul(t, t) end
local function first(f) return function(...) return (f(...)) end end

local C = {}

-- a reduction over all elements (tensor form) and along dims, keepdim both ways
local function reduction(name, extra)
  local f = fn[name]
  local function call(x, ...)
    if extra then return f(x, extra, ...) end
    return f(x, ...)
  end
  return {
    {function(x) return call(x, 2) end, {X({3, 4})}, name = 'dim 2', gg = true},
    {function(x) return call(x, -1, false) end, {X({3, 4})}, name = 'dim -1, keepdim false', gg = true},
    {function(x) return call(x, 1, true) end, {X({3, 4}, T)}, name = 'dim 1, non-contiguous'},
    {function(x) return call(x, 2, false) end, {X({2, 1, 3})}, name = 'size-1 dim'},
    {function(x) return call(x, 3) end, {X({2, 3, 2})}, name = '3-D, last dim'},
  }
end

for _, name in ipairs({'sum', 'mean', 'prod', 'logsumexp', 'cumsum', 'cumprod'}) do
  C[name] = reduction(name)
end
for _, name in ipairs({'sum', 'mean', 'prod', 'logsumexp'}) do -- over all elements
  table.insert(C[name], {function(x) return fn[name](x) end, {X({2, 3})}, name = 'all elements', gg = true})
end
-- scans have no keepdim: drop that argument
for _, name in ipairs({'cumsum', 'cumprod'}) do
  C[name] = {
    {function(x) return fn[name](x, 2) end, {X({3, 4})}, name = 'dim 2', gg = true},
    {function(x) return fn[name](x, -2) end, {X({3, 4}, T)}, name = 'dim -2, non-contiguous', gg = true},
    {function(x) return fn[name](x, 1) end, {X({1, 3})}, name = 'size-1 dim'},
  }
end
table.insert(C.cumprod, {function(x) return fn.cumprod(x, 2) end,
  {from({{0.5, 0, 2, -1.5}, {0, 1.2, 0, 0.7}, {1.1, -0.9, 0.8, 0}})}, name = 'zeros'})
table.insert(C.prod, {function(x) return fn.prod(x, 2) end,
  {from({{0.5, 0, 2}, {0, 1.2, 0}, {1.1, -0.9, 0.8}})}, name = 'zeros (one, two, none per row)', gg = true})
table.insert(C.prod, {function(x) return fn.prod(x) end, {from({0.5, 0, 2, -1.3})}, name = 'all, one zero', gg = true})

for _, name in ipairs({'var', 'std'}) do
  C[name] = {
    {function(x) return fn[name](x, 2) end, {X({3, 4})}, name = 'unbiased, dim 2', gg = true},
    {function(x) return fn[name](x, 1, true, false) end, {X({3, 4}, T)}, name = 'biased, dim 1, keepdim false'},
    {function(x) return fn[name](x, -1) end, {X({2, 2, 3})}, name = 'dim -1'},
    {function(x) return fn[name](x) end, {X({2, 3})}, name = 'all elements', gg = true},
    {function(x) return fn[name](x, true) end, {X({5})}, name = 'all elements, biased'},
  }
end

C.norm = {}
for _, p in ipairs({1, 2, 3, 1.5, math.huge, -math.huge}) do
  table.insert(C.norm, {function(x) return fn.norm(x, p, 2) end, {X({3, 4})}, name = 'p = ' .. p .. ', dim 2', gg = p ~= 1 and p < math.huge and p > -math.huge})
end
table.insert(C.norm, {function(x) return fn.norm(x) end, {X({2, 3})}, name = 'p = 2, all elements', gg = true})
table.insert(C.norm, {function(x) return fn.norm(x, 3, -1, false) end, {X({2, 3}, T)}, name = 'p = 3, dim -1, non-contiguous'})
table.insert(C.norm, {function(x) return fn.norm(x, 1) end, {X({4})}, name = 'p = 1, all elements'})

for _, name in ipairs({'max', 'min'}) do
  C[name] = {
    {function(x) return (fn[name](x, 2)) end, {X({3, 4})}, name = 'dim 2', gg = true},
    {function(x) return (fn[name](x, -1, false)) end, {X({3, 4}, T)}, name = 'dim -1, keepdim false, non-contiguous', gg = true},
    {function(x) return (fn[name](x, 1)) end, {X({1, 3})}, name = 'size-1 dim'},
    {function(x) return fn[name](x) end, {X({2, 3})}, name = 'all elements', gg = true},
  }
end

C.sort = {
  {function(x) return (fn.sort(x, 2)) end, {X({3, 4})}, name = 'dim 2', gg = true},
  {function(x) return (fn.sort(x, 1, true)) end, {X({3, 4}, T)}, name = 'dim 1 descending, non-contiguous'},
}
C.topk = {
  {function(x) return (fn.topk(x, 2, 2)) end, {X({3, 4})}, name = 'k = 2, dim 2', gg = true},
  {function(x) return (fn.topk(x, 2, -2, true)) end, {X({3, 4}, T)}, name = 'largest, dim -2'},
}
C.kthvalue = {
  {function(x) return (fn.kthvalue(x, 2, 2)) end, {X({3, 4})}, name = 'k = 2, dim 2', gg = true},
  {function(x) return (fn.kthvalue(x, 3, 1, false)) end, {X({3, 4}, T)}, name = 'keepdim false'},
}
C.median = {
  {function(x) return (fn.median(x, 2)) end, {X({3, 5})}, name = 'dim 2', gg = true},
  {function(x) return (fn.median(x, 1, false)) end, {X({4, 3}, T)}, name = 'even count, keepdim false'},
  {function(x) return fn.median(x) end, {X({2, 3})}, name = 'all elements', gg = true},
}

-- products
C.mm = {
  {fn.mm, {X({2, 3}), X({3, 4})}, gg = true},
  {fn.mm, {X({2, 3}, T), X({3, 2}, T)}, name = 'non-contiguous', gg = true},
}
C.mv = {{fn.mv, {X({2, 3}), X({3})}, gg = true}, {fn.mv, {X({3, 2}, T), X({2})}, name = 'transposed'}}
C.bmm = {{fn.bmm, {X({2, 2, 3}), X({2, 3, 4})}, gg = true}, {fn.bmm, {X({2, 3, 2}, T), X({2, 2, 1})}, name = 'transposed'}}
C.ger = {{fn.ger, {X({2}), X({3})}, gg = true}}
C.dot = {{fn.dot, {X({4}), X({4})}, gg = true}}
C.addmm = {
  {function(m, a, b) return fn.addmm(0.5, m, 2, a, b) end, {X({2, 4}), X({2, 3}), X({3, 4})}, name = 'beta, alpha', gg = true},
  {function(m, a, b) return fn.addmm(m, a, b) end, {X({4}), X({2, 3}, T), X({3, 4})}, name = 'M broadcast'},
}
C.addmv = {{function(m, a, x) return fn.addmv(0.5, m, 2, a, x) end, {X({2}), X({2, 3}), X({3})}, gg = true}}
C.addr = {{function(m, x, y) return fn.addr(0.5, m, 2, x, y) end, {X({2, 3}), X({2}), X({3})}, gg = true}}
C.baddbmm = {{function(m, a, b) return fn.baddbmm(0.5, m, 2, a, b) end, {X({2, 2, 4}), X({2, 2, 3}), X({2, 3, 4})}, gg = true}}
C.addbmm = {{function(m, a, b) return fn.addbmm(0.5, m, 2, a, b) end, {X({2, 4}), X({3, 2, 3}), X({3, 3, 4})}, gg = true}}
C.matmul = {
  {fn.matmul, {X({3}), X({3})}, name = '1-D, 1-D', gg = true},
  {fn.matmul, {X({2, 3}), X({3})}, name = '2-D, 1-D', gg = true},
  {fn.matmul, {X({3}), X({3, 2})}, name = '1-D, 2-D', gg = true},
  {fn.matmul, {X({2, 3}, T), X({3, 2})}, name = '2-D, 2-D non-contiguous', gg = true},
  {fn.matmul, {X({2, 2, 3}), X({3})}, name = '3-D, 1-D'},
  {fn.matmul, {X({3}), X({2, 3, 2})}, name = '1-D, 3-D'},
  {fn.matmul, {X({2, 2, 3}), X({3, 2})}, name = '3-D, 2-D', gg = true},
  {fn.matmul, {X({2, 3}), X({2, 3, 2})}, name = '2-D, 3-D'},
  {fn.matmul, {X({2, 1, 2, 3}), X({3, 3, 2})}, name = 'broadcast batch dims', gg = true},
}

-- LAPACK
C.inverse = {{fn.inverse, {wellcond(3)}, gg = true}, {fn.inverse, {wellcond(3, T)}, name = 'non-contiguous'}}
C.gesv = {
  {first(fn.gesv), {X({3, 2}), wellcond(3)}, name = 'B matrix', gg = true},
  {first(fn.gesv), {X({3}), wellcond(3, T)}, name = 'B vector, A non-contiguous'},
}
C.potrf = {
  {function(x) return fn.potrf(spd(x)) end, {X({3, 3})}, name = 'upper (through x xT + I)', gg = true},
  {function(x) return fn.potrf(spd(x), 'L') end, {X({3, 3})}, name = 'lower'},
}
C.potrs = {
  {function(b, c) return fn.potrs(b, c, 'L') end, {X({3, 2}), from(Lfac)}, name = 'lower factor', gg = true},
  {function(b, c) return fn.potrs(b, c) end, {X({3}), from(Ufac)}, name = 'upper factor, B vector'},
}
C.potri = {
  {function(c) return fn.potri(c, 'L') end, {from(Lfac)}, name = 'lower', gg = true},
  {function(c) return fn.potri(c) end, {from(Ufac)}, name = 'upper'},
}
C.symeig = {
  {function(x) local e, v = fn.symeig(sym(x), 'V') return e, sq(v) end, {X({3, 3})}, name = 'values and vectors', gg = true},
  {function(x) return (fn.symeig(sym(x))) end, {X({4, 4})}, name = 'values only'},
  {function(x) local e, v = fn.symeig(sym(x), 'V', 'L') return sq(v) end, {X({3, 3})}, name = 'vectors, lower triangle'},
}
C.svd = {
  {function(x) local u, s, v = fn.svd(x) return sq(u), s, sq(v) end, {X({4, 3})}, name = 'tall', gg = true},
  {function(x) local u, s, v = fn.svd(x) return sq(u), s, sq(v) end, {X({2, 3}, T)}, name = 'wide, non-contiguous'},
  {function(x) local u, s, v = fn.svd(x, 'A') return sq(u), s, sq(v) end, {X({3, 3})}, name = 'square, full'},
  {function(x) local _, s = fn.svd(x, 'A') return s end, {X({2, 3})}, name = 'full, S only'},
  {function(x) local u, s, v = fn.svd(x) return fn.mm(fn.mul(u, s:view(1, -1)), v:t()) end, {X({3, 2})}, name = 'U diag(S) Vt'},
}
C.det = {{fn.det, {wellcond(3)}, gg = true}, {fn.det, {wellcond(2, T)}, name = 'non-contiguous'}}
C.slogdet = {{function(a) local _, l = fn.slogdet(a) return l end, {wellcond(3)}, gg = true}}
C.logdet = {{fn.logdet, {wellcond(3)}, gg = true}}

return C
