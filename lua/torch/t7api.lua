-- Torch7 tensor functions that classic scripts call and that are
-- compositions of existing ops: diag, tril, triu, trace, cross, dist,
-- renorm, histc, mode, cinv, frac, csub, equal, trtrs, gels, conv2/xcorr2/
-- conv3/xcorr3, t:sub(...) as a view, and the Torch7 calling forms
-- (result first, method on the result) around them. See docs/tensor/t7api.md.
local torch = torch
local core = torch.core
local methods = core.methods

local function fail(fn, fmt, ...) error(string.format('torch.' .. fn .. ': ' .. fmt, ...), 3) end

local function check_tensor(fn, x, what)
  if not torch.isTensor(x) then fail(fn, '%s: expected a tensor, got %s', what, type(x)) end
end

local out = torch._deliver -- (res, r): the result-first form

-- (res, x, ...) or (x, ...): the result is given when two tensors lead
local function split_res(a, b, ...)
  if torch.isTensor(a) and torch.isTensor(b) then return a, b, ... end
  return nil, a, b, ...
end

-- diag, tril, triu, trace ----------------------------------------------------

-- torch.diag([res,] x [, k]): a 1-D x gives the matrix with x on its k-th
-- diagonal; a 2-D x gives its k-th diagonal as a vector. Built from index
-- ops on the flattened matrix, so it is recorded for autograd.
local function diagonal_places(n, m, k, len) -- flat 1-based positions
  local r0, c0 = k < 0 and -k or 0, k > 0 and k or 0
  local places = {}
  for i = 0, len - 1 do places[i + 1] = (r0 + i) * m + c0 + i + 1 end
  return core.fromtable('int64', places, {len})
end

function torch.diag(...)
  local res, x, k = split_res(...)
  check_tensor('diag', x, 'argument 1')
  k = k or 0
  if type(k) ~= 'number' or k ~= math.floor(k) then fail('diag', 'k must be an integer') end
  if x:dim() == 1 then
    local n = x:size(1)
    local m = n + math.abs(k)
    local r = core.empty(x:dtype(), m * m):zero()
    if n > 0 then r = r:indexAdd(1, diagonal_places(m, m, k, n), x) end
    return out(res, r:view(m, m))
  elseif x:dim() == 2 then
    local n, m = x:size(1), x:size(2)
    local len = k >= 0 and math.min(n, m - k) or math.min(n + k, m)
    if len <= 0 then
      fail('diag', 'diagonal %d is outside a %dx%d matrix', k, n, m)
    end
    return out(res, x:reshape(n * m):index(1, diagonal_places(n, m, k, len)))
  end
  fail('diag', 'expected a 1-D or 2-D tensor, got %d dimensions', x:dim())
end

-- keep the elements with (column - row) on the right side of k
local function triangle(fn, lower)
  return function(...)
    local res, x, k = split_res(...)
    check_tensor(fn, x, 'argument 1')
    if x:dim() ~= 2 then fail(fn, 'expected a 2-D tensor, got %d dimensions', x:dim()) end
    k = k or 0
    if type(k) ~= 'number' then fail(fn, 'k must be a number, got %s', type(k)) end
    local n, m = x:size(1), x:size(2)
    local r = x:clone()
    if n > 0 and m > 0 then
      local diff = torch.range(1, m):view(1, m) - torch.range(1, n):view(n, 1)
      r:maskedFill(lower and diff:gt(k) or diff:lt(k), 0)
    end
    return out(res, r)
  end
end
torch.tril = triangle('tril', true)
torch.triu = triangle('triu', false)

-- torch.trace(x): sum of the diagonal of a matrix, a number
function torch.trace(x)
  check_tensor('trace', x, 'argument 1')
  if x:dim() ~= 2 then fail('trace', 'expected a 2-D tensor, got %d dimensions', x:dim()) end
  if x:size(1) == 0 or x:size(2) == 0 then return 0 end
  return torch.diag(x):sum()
end

-- cross, dist, renorm ---------------------------------------------------------

-- torch.cross([res,] a, b [, dim]): along dim, else the first dimension of size 3
function torch.cross(a, b, c, d)
  local res
  if torch.isTensor(c) then res, a, b, c = a, b, c, d end
  check_tensor('cross', a, 'argument 1')
  check_tensor('cross', b, 'argument 2')
  if a:size() ~= b:size() then
    fail('cross', 'tensors must have the same size, got %s and %s',
         table.concat(a:size():totable(), 'x'), table.concat(b:size():totable(), 'x'))
  end
  local dim = c
  if dim == nil then
    for i = 1, a:dim() do
      if a:size(i) == 3 then dim = i; break end
    end
    if dim == nil then fail('cross', 'no dimension of size 3') end
  end
  if type(dim) ~= 'number' or dim < 1 or dim > a:dim() then
    fail('cross', 'dimension %s out of range for a %d-dimensional tensor', tostring(dim), a:dim())
  end
  if a:size(dim) ~= 3 then fail('cross', 'dimension %d has size %d, expected 3', dim, a:size(dim)) end
  local function e(t, i) return t:narrow(dim, i, 1) end
  local mul = torch.cmul
  local r = torch.cat({mul(e(a, 2), e(b, 3)) - mul(e(a, 3), e(b, 2)),
                       mul(e(a, 3), e(b, 1)) - mul(e(a, 1), e(b, 3)),
                       mul(e(a, 1), e(b, 2)) - mul(e(a, 2), e(b, 1))}, dim)
  return out(res, r)
end

-- torch.dist(x, y [, p]): the p-norm of x - y (a number)
function torch.dist(x, y, p)
  check_tensor('dist', x, 'argument 1')
  check_tensor('dist', y, 'argument 2')
  return torch.norm(x - y, p or 2)
end

-- torch.renorm([res,] x, p, dim, maxnorm): each x:select(dim, i) whose
-- p-norm exceeds maxnorm is scaled to norm maxnorm (Torch7 divides by
-- norm + 1e-7)
function torch.renorm(...)
  local res, x, p, dim, maxnorm = split_res(...)
  check_tensor('renorm', x, 'argument 1')
  if type(p) ~= 'number' or p <= 0 then fail('renorm', 'p must be a positive number') end
  if type(dim) ~= 'number' or dim < 1 or dim > x:dim() then
    fail('renorm', 'dimension %s out of range for a %d-dimensional tensor', tostring(dim), x:dim())
  end
  if type(maxnorm) ~= 'number' then fail('renorm', 'maxnorm must be a number') end
  local m1 = x:transpose(dim, 1):contiguous()
  local n = m1:size(1)
  local norms = m1:view(n, -1):norm(p, 2):double()
  local scale = torch.DoubleTensor(n, 1)
  for i = 1, n do
    local v = norms[i][1]
    scale[i][1] = v > maxnorm and maxnorm / (v + 1e-7) or 1
  end
  local r = torch.cmul(m1:view(n, -1), scale:type(x:type())):view(m1:size()):transpose(dim, 1)
  return out(res, r:contiguous())
end

-- histc, mode --------------------------------------------------------------------

-- torch.histc([res,] x [, nbins [, min, max]]): counts in nbins equal bins
-- over [min, max] (x's own range when min == max); values outside are
-- ignored, max falls in the last bin
function torch.histc(...)
  local res, x, nbins, lo, hi = split_res(...)
  check_tensor('histc', x, 'argument 1')
  nbins, lo, hi = nbins or 100, lo or 0, hi or 0
  if type(nbins) ~= 'number' or nbins < 1 or nbins ~= math.floor(nbins) then
    fail('histc', 'nbins must be a positive integer, got %s', tostring(nbins))
  end
  local v = x:detach():double():reshape(-1) -- counts: not differentiable
  if lo == hi and v:nElement() > 0 then lo, hi = v:min(), v:max() end
  if lo == hi then lo, hi = lo - 1, hi + 1 end
  if lo > hi then fail('histc', 'min (%g) is larger than max (%g)', lo, hi) end
  local hist = torch.zeros(nbins, 'torch.DoubleTensor')
  v = v[torch.logical_and(v:ge(lo), v:le(hi))]
  if v:nElement() > 0 then
    local bin = torch.floor((v - lo) * (nbins / (hi - lo))):clamp(0, nbins - 1):add(1):long()
    hist:indexAdd(1, bin, torch.ones(v:nElement(), 'torch.DoubleTensor'))
  end
  return out(res, hist:type(x:type()))
end

-- torch.mode([rv, ri,] x [, dim]): the most frequent value along dim
-- (default the last; the smallest one on ties) and the index of its last
-- occurrence, the dimension kept as in Torch7
function torch.mode(a, b, c, d)
  local rv, ri, x, dim
  if torch.isTensor(a) and torch.isTensor(b) and torch.isTensor(c) then
    rv, ri, x, dim = a, b, c, d
  else
    x, dim = a, b
  end
  check_tensor('mode', x, 'argument 1')
  if x:dim() == 0 then fail('mode', 'expected a tensor with at least one dimension') end
  dim = dim or x:dim()
  if type(dim) ~= 'number' or dim < 1 or dim > x:dim() then
    fail('mode', 'dimension %s out of range for a %d-dimensional tensor', tostring(dim), x:dim())
  end
  local last = x:dim()
  local xt = x:detach():transpose(dim, last):contiguous()
  local n = xt:size(last)
  if n == 0 then fail('mode', 'dimension %d is empty', dim) end
  local rows = xt:nElement() / n
  local sv, si = torch.sort(xt:view(rows, n), 2)
  local vals, idx = sv:_flat(), si:_flat()
  local oi = {}
  for r = 0, rows - 1 do
    local base = r * n
    local bestn, besti = 0, nil
    local i = 1
    while i <= n do
      local j = i
      while j < n and vals[base + j + 1] == vals[base + i] do j = j + 1 end
      if j - i + 1 > bestn then
        -- the last occurrence, whatever order the sort left equal values in
        local last = idx[base + i]
        for q = i + 1, j do last = math.max(last, idx[base + q]) end
        bestn, besti = j - i + 1, last
      end
      i = j + 1
    end
    oi[r + 1] = besti
  end
  local size = xt:size():totable()
  size[last] = 1
  local ix = core.fromtable('int64', oi, size):transpose(dim, last):contiguous()
  -- the values read back through the indices: recorded for autograd
  return out(rv, x:gather(dim, ix)), out(ri, ix)
end

-- small elementwise compositions ----------------------------------------------

-- torch.cinv([res,] x): 1 / x; x:cinv() in place
function torch.cinv(...)
  local res, x = split_res(...)
  check_tensor('cinv', x, 'argument 1')
  return out(res, torch.div(1, x))
end
-- torch.frac([res,] x): x - trunc(x); x:frac() in place
function torch.frac(...)
  local res, x = split_res(...)
  check_tensor('frac', x, 'argument 1')
  return out(res, x - torch.trunc(x))
end
-- Torch7's csub is subtraction: x:csub(v), x:csub(y), x:csub(v, y)
torch.csub = core.fn.sub
methods.csub = methods.sub

-- torch.equal(a, b): same size and every element equal
function torch.equal(a, b)
  check_tensor('equal', a, 'argument 1')
  check_tensor('equal', b, 'argument 2')
  if a:size() ~= b:size() then return false end
  if a:nElement() == 0 then return true end
  return torch.eq(a, b):all()
end

-- linear algebra ---------------------------------------------------------------

-- torch.trtrs([resb, resa,] b, a [, uplo [, trans [, diag]]]): solves
-- A X = B (or A^T X = B) with A's upper ('U') or lower ('L') triangle,
-- a unit diagonal assumed with diag = 'U'
function torch.trtrs(a1, a2, a3, a4, ...)
  local resb, b, a, uplo, trans, unit
  if torch.isTensor(a3) and torch.isTensor(a4) then
    resb, b, a = a1, a3, a4
    uplo, trans, unit = ...
  else
    b, a, uplo, trans, unit = a1, a2, a3, a4, ...
  end
  check_tensor('trtrs', b, 'argument b')
  check_tensor('trtrs', a, 'argument a')
  uplo, trans, unit = uplo or 'U', trans or 'N', unit or 'N'
  if uplo ~= 'U' and uplo ~= 'L' then fail('trtrs', "uplo must be 'U' or 'L', got %s", tostring(uplo)) end
  if trans ~= 'N' and trans ~= 'T' then fail('trtrs', "trans must be 'N' or 'T', got %s", tostring(trans)) end
  if unit ~= 'N' and unit ~= 'U' then fail('trtrs', "diag must be 'N' or 'U', got %s", tostring(unit)) end
  if a:dim() ~= 2 or a:size(1) ~= a:size(2) then fail('trtrs', 'A must be a square matrix') end
  local t = uplo == 'U' and torch.triu(a) or torch.tril(a)
  if unit == 'U' then
    t = t - torch.diag(torch.diag(t)) + torch.eye(a:size(1)):type(a:type())
  end
  if trans == 'T' then t = t:t():contiguous() end
  local x = torch.gesv(b, t)
  return out(resb, x)
end

-- torch.gels([resb, resa,] b, a): least squares (m >= n) or least norm
-- (m < n) solution of A X = B for a full-rank m x n A. The result has
-- max(m, n) rows: the solution in the first n; for m > n, row n + 1 holds
-- each column's residual norm and the rows below are 0 (LAPACK leaves
-- other numbers there with the same column norms).
function torch.gels(a1, a2, a3, a4)
  local resb, b, a
  if torch.isTensor(a3) and torch.isTensor(a4) then resb, b, a = a1, a3, a4 else b, a = a1, a2 end
  check_tensor('gels', b, 'argument b')
  check_tensor('gels', a, 'argument a')
  if a:dim() ~= 2 then fail('gels', 'A must be a matrix, got %d dimensions', a:dim()) end
  local vec = b:dim() == 1
  if vec then b = b:view(-1, 1) end
  local m, n = a:size(1), a:size(2)
  if b:dim() ~= 2 or b:size(1) ~= m then fail('gels', 'B must have %d rows (as A)', m) end
  local x
  if m >= n then
    local q, r = torch.qr(a)
    x = torch.trtrs(torch.mm(q:t(), b), r)
    if m > n then
      local resid = torch.mm(a, x) - b
      local tail = torch.zeros(m - n, b:size(2)):type(x:type())
      tail[1]:copy(torch.norm(resid, 2, 1):view(-1))
      x = torch.cat({x, tail}, 1)
    end
  else
    local at = a:t():contiguous()
    x = torch.mm(at, (torch.gesv(b, torch.mm(a, at))))  -- gesv also returns LU
  end
  if vec then x = x:view(-1) end
  return out(resb, x)
end

-- convolutions -----------------------------------------------------------------

-- Torch7's conv2/xcorr2 (D = 2) and conv3/xcorr3 (D = 3) on plain images:
-- x (D dims) with k (D dims); x (p, ...) with k (p, ...) plane by plane;
-- x (p, ...) with k (q, p, ...) summed over planes. 'V' valid (default) or
-- 'F' full. conv flips the kernel; xcorr does not.
local function convolution(fn, D, flip)
  local conv = D == 2 and 'conv2d' or 'conv3d'
  return function(...)
    local args = {...}
    local res
    if torch.isTensor(args[3]) then res = table.remove(args, 1) end
    local x, k, mode = args[1], args[2], args[3] or 'V'
    check_tensor(fn, x, 'argument x')
    check_tensor(fn, k, 'argument k')
    if mode ~= 'V' and mode ~= 'F' then fail(fn, "mode must be 'V' or 'F', got %s", tostring(mode)) end
    local xs, ks = x:size():totable(), k:size():totable()
    local input, weight, groups, outplanes
    if x:dim() == D and k:dim() == D then
      input, weight, groups = x:view(1, 1, unpack(xs)), k:view(1, 1, unpack(ks)), 1
    elseif x:dim() == D + 1 and k:dim() == D + 1 then
      if xs[1] ~= ks[1] then fail(fn, 'x has %d planes, k has %d', xs[1], ks[1]) end
      input, weight, groups = x:view(1, unpack(xs)), k:view(ks[1], 1, select(2, unpack(ks))), xs[1]
      outplanes = xs[1]
    elseif x:dim() == D + 1 and k:dim() == D + 2 then
      if xs[1] ~= ks[2] then fail(fn, 'x has %d planes, k expects %d', xs[1], ks[2]) end
      input, weight, groups = x:view(1, unpack(xs)), k, 1
      outplanes = ks[1]
    else
      fail(fn, 'expected x and k with %d/%d, %d/%d or %d/%d dimensions, got %d/%d',
           D, D, D + 1, D + 1, D + 1, D + 2, x:dim(), k:dim())
    end
    if flip then
      local dims = {}
      for i = 1, D do dims[i] = weight:dim() - D + i end
      weight = torch.flip(weight, unpack(dims))
    end
    local pad = {}
    for i = 1, D do pad[i] = mode == 'F' and ks[#ks - D + i] - 1 or 0 end
    if mode == 'V' then
      for i = 1, D do
        if ks[#ks - D + i] > xs[#xs - D + i] then
          fail(fn, 'kernel (size %d) larger than the input (size %d) in dimension %d of a valid convolution',
               ks[#ks - D + i], xs[#xs - D + i], i)
        end
      end
    end
    local r = torch[conv](input, weight:contiguous(), nil, 1, pad, 1, groups)
    local os = r:size():totable()
    if outplanes then r = r:view(select(2, unpack(os))) else r = r:view(select(3, unpack(os))) end
    return out(res, r)
  end
end
torch.conv2 = convolution('conv2', 2, true)
torch.xcorr2 = convolution('xcorr2', 2, false)
torch.conv3 = convolution('conv3', 3, true)
torch.xcorr3 = convolution('xcorr3', 3, false)

-- methods ----------------------------------------------------------------------

-- Torch7's t:sub(d1s, d1e [, d2s, d2e ...]): a view narrowed in each given
-- dimension (negative indices count from the end). With a tensor operand
-- (t:sub(y), t:sub(v, y)) or one number it stays the in-place subtraction.
local subtract = methods.sub
function methods.sub(t, ...)
  local a, b = ...
  if type(a) ~= 'number' or type(b) ~= 'number' then return subtract(t, ...) end
  local bounds = {...}
  if #bounds % 2 == 1 or #bounds > 2 * t:dim() then
    fail('sub', 'expected pairs of (first, last) indices for at most %d dimensions, got %d numbers',
         t:dim(), #bounds)
  end
  local r = t
  for d = 1, #bounds / 2 do
    local n = t:size(d)
    local s, e = bounds[2 * d - 1], bounds[2 * d]
    if s < 0 then s = s + n + 1 end
    if e < 0 then e = e + n + 1 end
    if s < 1 or e > n or e < s then
      fail('sub', 'range {%d, %d} out of bounds for dimension %d of size %d',
           bounds[2 * d - 1], bounds[2 * d], d, n)
    end
    r = r:narrow(d, s, e - s + 1)
  end
  return r
end

-- t:set(storage [, offset [, sizes [, strides]]]) as well as t:set(other)
local set_tensor = methods.set
function methods.set(t, a, ...)
  if torch.isStorage(a) then
    local off, size, stride = ...
    if size ~= nil and not torch.isStorage(size) and type(size) ~= 'table' then
      fail('set', 'sizes must be a LongStorage or a table, got %s', type(size))
    end
    return set_tensor(t, core.from_storage(a, off or 1, size, stride))
  end
  return set_tensor(t, a, ...)
end

-- x:f(...) == torch.f(x, ...): x is the source, or the result when a
-- tensor follows (Torch7's method form of the result-first functions)
for _, name in ipairs({'diag', 'tril', 'triu', 'trace', 'cross', 'dist', 'histc', 'mode',
                       'equal', 'trtrs', 'gels', 'conv2', 'xcorr2', 'conv3', 'xcorr3'}) do
  methods[name] = function(t, ...) return torch[name](t, ...) end
end
-- in place on x unless a source tensor follows
for _, name in ipairs({'cinv', 'frac', 'renorm'}) do
  methods[name] = function(t, a, ...)
    if torch.isTensor(a) then return torch[name](t, a, ...) end
    return t:copy(torch[name](t, a, ...))
  end
end
-- x:zeros(sizes) & co.: resize x and fill it
for _, name in ipairs({'zeros', 'ones', 'rand', 'randn'}) do
  methods[name] = function(t, ...) return torch[name](t, ...) end
end
for _, name in ipairs({'viewAs', 'expandAs', 'resizeAs', 'isSameSizeAs', 'isSetTo', 'isSize',
                       'nDimension', 'storageOffset', 'isContiguous', 'repeatTensor'}) do
  if torch[name] == nil then
    torch[name] = function(t, ...) return methods[name](t, ...) end
  end
end

-- utility ----------------------------------------------------------------------

-- torch.pointer(obj): a number naming the object (its address), for
-- tensors, storages, tables, functions, threads and userdata
function torch.pointer(obj)
  if torch.isTensor(obj) then
    return tonumber(tostring(obj:_id()):match('0x(%x+)'), 16)
  end
  if torch.isStorage(obj) then
    return tonumber(tostring(obj:data()):match('0x(%x+)'), 16)
  end
  local tp = type(obj)
  if tp == 'table' or tp == 'function' or tp == 'thread' or tp == 'userdata' or tp == 'cdata' then
    -- Lua's own name for it, without a __tostring in the way
    local mt = tp == 'table' and debug.getmetatable(obj)
    if mt then debug.setmetatable(obj, nil) end
    local name = tostring(obj)
    if mt then debug.setmetatable(obj, mt) end
    local hex = name:match('0x(%x+)')
    if hex then return tonumber(hex, 16) end
  end
  return nil
end
