-- Matrix products (CBLAS) and factorizations (LAPACK).
-- Expected values of the hand cases come from numpy (checked in as data);
-- random cases are built from a deterministic formula and checked against
-- a naive Lua product or by identities (A·A⁻¹ = I, U S Vᵀ = A, ...).
local U = require 'testutil'

-- helpers --------------------------------------------------------------------

local function flatten(x, out)
  out = out or {}
  if torch.isTensor(x) then x = x:totable() end
  if type(x) == 'number' then
    out[#out + 1] = x
  else
    for _, v in ipairs(x) do flatten(v, out) end
  end
  return out
end

-- max |a - b| over elements (tensors, nested tables or numbers); sizes must agree
local function maxdiff(a, b)
  local fa, fb = flatten(a), flatten(b)
  assert(#fa == #fb, string.format('element counts differ: %d vs %d', #fa, #fb))
  local d = 0
  for i = 1, #fa do
    local e = math.abs(fa[i] - fb[i])
    if e ~= e then return math.huge end
    if e > d then d = e end
  end
  return d
end

local function near(a, b, tol)
  local d = maxdiff(a, b)
  assert(d <= (tol or 1e-6), string.format('values differ by %g (tolerance %g)', d, tol or 1e-6))
end

local function sizes(t) return t:size():totable() end

local ctor = {float = torch.FloatTensor, double = torch.DoubleTensor, long = torch.LongTensor,
              int = torch.IntTensor}

-- an r x c matrix with deterministic, irregular entries in [-1, 1]
local function mat(r, c, seed, kind)
  local t = ctor[kind or 'double'](r, c)
  for i = 1, r do
    for j = 1, c do t[i][j] = math.sin(seed + 1.3 * i + 0.7 * j * j + 0.37 * i * j) end
  end
  return t
end

local function ref_mm(a, b) -- naive product of nested tables
  local r = {}
  for i = 1, #a do
    r[i] = {}
    for j = 1, #b[1] do
      local s = 0
      for k = 1, #b do s = s + a[i][k] * b[k][j] end
      r[i][j] = s
    end
  end
  return r
end

local function eye(n, kind)
  local t = ctor[kind or 'double'](n, n):fill(0)
  for i = 1, n do t[i][i] = 1 end
  return t
end

local function diag(v) -- vector -> square matrix
  local n = v:size(1)
  local t = torch.DoubleTensor(n, n):fill(0)
  for i = 1, n do t[i][i] = v[i] end
  return t
end

-- hand-checked products ------------------------------------------------------

describe('matrix products', function()
  local D = torch.DoubleTensor
  local a = D({{1, 2, 3}, {4, 5, 6}})
  local b = D({{1, -1}, {0, 2}, {3, 1}})
  local A3 = D({{{0, 1, 2}, {3, 4, 5}}, {{6, 7, 8}, {9, 10, 11}}})
  local B3 = D({{{-5, -4}, {-3, -2}, {-1, 0}}, {{1, 2}, {3, 4}, {5, 6}}})
  local cases = {
    {'mm', function() return torch.mm(a, b) end, {{10, 6}, {22, 12}}},
    {'a * b', function() return a * b end, {{10, 6}, {22, 12}}},
    {'addmm v1 M v2', function() return torch.addmm(2, D(2, 2):fill(1), 3, a, b) end, {{32, 20}, {68, 38}}},
    {'addmm broadcasts M', function() return torch.addmm(2, D({1}), 3, a, b) end, {{32, 20}, {68, 38}}},
    {'mv', function() return torch.mv(a, D({1, 0, -1})) end, {-2, -2}},
    {'addmv', function() return torch.addmv(0.5, D({1, 2}), 2, a, D({1, 0, -1})) end, {-3.5, -3}},
    {'ger', function() return torch.ger(D({1, 2}), D({3, 4, 5})) end, {{3, 4, 5}, {6, 8, 10}}},
    {'outer', function() return torch.outer(D({1, 2}), D({3, 4, 5})) end, {{3, 4, 5}, {6, 8, 10}}},
    {'addr', function() return torch.addr(D(2, 3):fill(1), 2, D({1, 2}), D({3, 4, 5})) end,
     {{7, 9, 11}, {13, 17, 21}}},
    {'bmm', function() return torch.bmm(A3, B3) end, {{{-5, -2}, {-32, -20}}, {{67, 88}, {94, 124}}}},
    {'baddbmm', function() return torch.baddbmm(0.5, D(2, 2, 2):fill(3), 2, A3, B3) end,
     {{{-8.5, -2.5}, {-62.5, -38.5}}, {{135.5, 177.5}, {189.5, 249.5}}}},
    {'addbmm', function() return torch.addbmm(D(2, 2):fill(2), A3, B3) end, {{64, 88}, {64, 106}}},
    {'matmul 1-D x 2-D', function() return torch.matmul(D({1, 2, 3}), b) end, {10, 6}},
    {'matmul 3-D x 1-D', function() return torch.matmul(A3, D({1, 0, 2})) end, {{4, 13}, {22, 31}}},
    {'matmul 1-D x 3-D', function() return torch.matmul(D({1, -1, 2}), B3) end, {{-4, -2}, {8, 10}}},
    {'matmul 3-D x 2-D', function() return torch.matmul(A3, b) end, {{{6, 4}, {18, 10}}, {{30, 16}, {42, 22}}}},
  }
  for _, c in ipairs(cases) do
    it(c[1], function() near(c[2](), c[3], 1e-12) end)
  end

  it('dot returns a number, matmul of vectors a 0-dim tensor', function()
    local x, y = D({1, 2, 3}), D({4, 5, 6})
    assert.are.equal(32, torch.dot(x, y))
    assert.are.equal(32, x:dot(y))
    assert.are.equal(32, x * y)
    local m = torch.matmul(x, y)
    assert.are.equal(0, m:dim())
    assert.are.equal(32, m:item())
    assert.are.equal(32, torch.dot(torch.LongTensor({1, 2, 3}), torch.LongTensor({4, 5, 6})))
    assert.are.equal(5, torch.dot(D({{1, 2}, {3, 4}}):t(), D({{1, 0}, {0, 1}}))) -- any layout
  end)

  it('broadcasts batch dims in matmul', function()
    local P = D(2, 1, 2, 3)
    local Q = D(3, 3, 2)
    local k = 0
    for i = 1, 2 do for j = 1, 2 do for l = 1, 3 do P[i][1][j][l] = k - 3; k = k + 1 end end end
    k = 0
    for i = 1, 3 do for j = 1, 3 do for l = 1, 2 do Q[i][j][l] = k % 5; k = k + 1 end end end
    local r = torch.matmul(P, Q)
    assert.are.same({2, 3, 2, 2}, sizes(r))
    near(r, {{{{-8, -9}, {10, 3}}, {{-9, -15}, {3, 6}}, {{-15, -11}, {6, 4}}},
             {{{28, 15}, {46, 27}}, {{15, 27}, {27, 48}}, {{27, 19}, {48, 34}}}}, 1e-12)
  end)

  it('computes integer products exactly', function()
    local la = torch.LongTensor({{1, 2, 3}, {4, 5, 6}})
    local lb = torch.LongTensor({{1, -1}, {0, 2}, {3, 1}})
    local r = torch.mm(la, lb)
    assert.are.equal('torch.LongTensor', r:type())
    assert.are.same({{10, 6}, {22, 12}}, r:totable())
    assert.are.same({{10, 6}, {22, 12}}, torch.mm(la:int(), lb:int()):totable())
    assert.are.same({-2, -2}, torch.mv(la, torch.LongTensor({1, 0, -1})):totable())
    assert.are.same({{10, 6}, {22, 12}}, torch.mm(la:t():contiguous():t(), lb:t():contiguous():t()):totable())
    -- byte products wrap around like the dtype
    local ub = torch.ByteTensor({{16, 16}})
    assert.are.same({{0}}, torch.mm(ub, torch.ByteTensor({{8}, {8}})):totable())
    -- a larger odd shape against the naive product
    local x, y = mat(37, 23, 1, 'double'), mat(23, 19, 2, 'double')
    local xl, yl = x:mul(10):long(), y:mul(10):long()
    assert.are.same(ref_mm(xl:totable(), yl:totable()), torch.mm(xl, yl):totable())
  end)
end)

-- layouts, dtypes, result forms ---------------------------------------------

describe('product layouts', function()
  for _, kind in ipairs({'float', 'double'}) do
    local tol = kind == 'float' and 1e-4 or 1e-12
    for _, shape in ipairs({{1, 1, 1}, {3, 5, 7}, {65, 33, 17}, {1, 9, 4}, {6, 8, 1}}) do
      local m, k, n = shape[1], shape[2], shape[3]
      it(string.format('%s mm %dx%dx%d matches the naive product for every layout', kind, m, k, n), function()
        local a, b = mat(m, k, 0.5, kind), mat(k, n, 1.5, kind)
        local want = ref_mm(a:totable(), b:totable())
        near(torch.mm(a, b), want, tol)
        -- transposed inputs (unit row stride) go to BLAS as Trans
        near(torch.mm(a:t():contiguous():t(), b:t():contiguous():t()), want, tol)
        -- non-contiguous inputs (every other column of a wider matrix)
        local wa, wb = mat(m, 2 * k, 3, kind), mat(k, 2 * n, 4, kind)
        for j = 1, k do wa:select(2, 2 * j - 1):copy(a:select(2, j)) end
        for j = 1, n do wb:select(2, 2 * j - 1):copy(b:select(2, j)) end
        local sa = wa:unfold(2, 1, 2):select(3, 1)
        local sb = wb:unfold(2, 1, 2):select(3, 1)
        assert.are.same({m, k}, sizes(sa))
        near(torch.mm(sa, sb), want, tol)
        -- into a transposed result view
        local r = ctor[kind](n, m)
        torch.mm(r:t(), a, b)
        near(r:t(), want, tol)
      end)
    end
  end

  -- lib/ops/linalg.c runs a product on one thread, in bands of C's rows or
  -- columns over the pool, or by OpenBLAS; every band layout must add up
  -- to the same product, also when the bands do not divide evenly
  local split_shapes = {
    {40, 40, 40, false},   -- small: one thread
    {200, 100, 70, false}, -- rows
    {70, 100, 200, false}, -- columns
    {130, 60, 200, true},  -- rows: A transposed (a weight gradient's shape)
    {300, 100, 10, false}, -- rows only: too few columns to split
    {10, 100, 300, true},  -- columns only: too few rows
  }
  for _, threads in ipairs({2, 3, 8}) do
    for _, shape in ipairs(split_shapes) do
      local m, k, n, transposed = unpack(shape)
      it(string.format('mm %dx%dx%d%s on %d threads matches the naive product', m, k, n,
                       transposed and ' (A transposed)' or '', threads), function()
        local before = torch.getnumthreads()
        for _, kind in ipairs({'float', 'double'}) do
          local a = transposed and mat(k, m, 5, kind):t() or mat(m, k, 5, kind)
          local b = mat(k, n, 6, kind)
          local want = ref_mm(a:totable(), b:totable())
          torch.setnumthreads(threads)
          local ok, got = pcall(torch.mm, a, b)
          local acc = ctor[kind](m, n):fill(1)
          local ok2 = ok and pcall(acc.addmm, acc, a, b)
          torch.setnumthreads(before)
          assert.is_true(ok and ok2, tostring(got))
          near(got, want, kind == 'float' and 1e-4 or 1e-12)
          near(acc:add(-1), want, kind == 'float' and 1e-4 or 1e-12)
        end
      end)
    end
  end

  it('writes result-first forms into the given tensor', function()
    local a, b = mat(4, 3, 1), mat(3, 5, 2)
    local want = ref_mm(a:totable(), b:totable())
    local res = torch.DoubleTensor(7):fill(0 / 0) -- wrong size, NaN garbage
    local r = torch.mm(res, a, b)
    assert.are.equal(res, r)
    assert.are.same({4, 5}, sizes(res))
    near(res, want, 1e-12)
    res:fill(0 / 0)
    torch.addmm(res, 0, res:clone(), 1, a, b) -- beta 0 ignores NaNs in M
    near(res, want, 1e-12)
    local out = torch.DoubleTensor()
    res:mm(a, b) -- Torch7 method form: result into self
    near(res, want, 1e-12)
    near(a:mm(b), want, 1e-12) -- one argument: self times it
    torch.matmul(out, a, b)
    near(out, want, 1e-12)
    local v = torch.DoubleTensor(4):fill(0 / 0)
    torch.mv(v, a, torch.DoubleTensor({1, 1, 1}))
    near(v, ref_mm(a:totable(), {{1}, {1}, {1}}), 1e-12)
  end)

  it('updates in place with x:addmm, x:addmv, x:addr, x:baddbmm', function()
    local a, b = mat(3, 4, 1), mat(4, 2, 2)
    local x = mat(3, 2, 5)
    local x0 = x:clone()
    local ab = ref_mm(a:totable(), b:totable())
    local want = {}
    for i = 1, 3 do want[i] = {} for j = 1, 2 do want[i][j] = x0[i][j] + 0.5 * ab[i][j] end end
    local r = x:addmm(0.5, a, b) -- Torch7 nn: one number before two tensors is v2
    assert.are.equal(x, r)
    near(x, want, 1e-12)
    x:copy(x0):addmm(2, x0, 0.5, a, b) -- x = 2·x0 + 0.5·a·b
    for i = 1, 3 do for j = 1, 2 do want[i][j] = 2 * x0[i][j] + 0.5 * ab[i][j] end end
    near(x, want, 1e-12)
    local xt = x0:t():contiguous():t() -- in place into a transposed view
    xt:addmm(a, b)
    for i = 1, 3 do for j = 1, 2 do want[i][j] = x0[i][j] + ab[i][j] end end
    near(xt, want, 1e-12)
    local y = torch.DoubleTensor({1, 2, 3})
    y:addmv(2, a, torch.DoubleTensor({1, 0, 0, 1}))
    near(y, {1 + 2 * (a[1][1] + a[1][4]), 2 + 2 * (a[2][1] + a[2][4]), 3 + 2 * (a[3][1] + a[3][4])}, 1e-12)
    local z = torch.DoubleTensor(2, 2):fill(1)
    z:addr(torch.DoubleTensor({1, 2}), torch.DoubleTensor({3, 4}))
    near(z, {{4, 5}, {7, 9}}, 1e-12)
    local s = torch.DoubleTensor(2, 2):fill(1)
    s:addmm(s, s) -- self is an operand: computed aside
    near(s, {{3, 3}, {3, 3}}, 1e-12)
    local q = torch.DoubleTensor({{1, 2}, {3, 4}})
    torch.mm(q, q, q) -- result-first aliasing an input
    near(q, {{7, 10}, {15, 22}}, 1e-12)
  end)

  it('multiplies batches, broadcast batches and folded batches', function()
    local A = torch.DoubleTensor(3, 4, 5)
    local B = torch.DoubleTensor(3, 5, 2)
    for i = 1, 3 do A[i]:copy(mat(4, 5, i)); B[i]:copy(mat(5, 2, 10 + i)) end
    local r = torch.bmm(A, B)
    local m = torch.matmul(A, B)
    for i = 1, 3 do
      local want = ref_mm(A[i]:totable(), B[i]:totable())
      near(r[i], want, 1e-12)
      near(m[i], want, 1e-12)
    end
    -- B shared by every batch: expand is a stride-0 view
    local B1 = mat(5, 2, 7)
    local e = torch.matmul(A, B1:view(1, 5, 2):expand(3, 5, 2))
    local f = torch.matmul(A, B1) -- folded into one gemm
    for i = 1, 3 do
      near(e[i], ref_mm(A[i]:totable(), B1:totable()), 1e-12)
      near(f[i], ref_mm(A[i]:totable(), B1:totable()), 1e-12)
    end
    -- transposed batches
    local At = A:transpose(2, 3):contiguous():transpose(2, 3)
    near(torch.bmm(At, B), r, 1e-12)
    -- float batches
    near(torch.bmm(A:float(), B:float()), r, 1e-4)
  end)

  it('handles empty dimensions', function()
    local r = torch.mm(torch.DoubleTensor(2, 0), torch.DoubleTensor(0, 3))
    assert.are.same({{0, 0, 0}, {0, 0, 0}}, r:totable())
    local s = torch.addmm(torch.DoubleTensor(2, 3):fill(2), torch.DoubleTensor(2, 0), torch.DoubleTensor(0, 3))
    assert.are.same({{2, 2, 2}, {2, 2, 2}}, s:totable())
    assert.are.equal(0, torch.mm(torch.DoubleTensor(0, 3), torch.DoubleTensor(3, 2)):nElement())
  end)
end)

-- LAPACK ----------------------------------------------------------------------

describe('LAPACK', function()
  local D = torch.DoubleTensor

  it('solves, inverts and factors small matrices (numpy values)', function()
    local A = D({{2, 1, 1}, {1, 3, 2}, {1, 0, 0}})
    local X, LU = torch.gesv(D({{4, 5}, {5, 6}, {6, 7}}), A)
    near(X, {{6, 7}, {15, 17}, {-23, -26}}, 1e-10)
    assert.are.same({3, 3}, sizes(LU))
    near(torch.gesv(D({4, 5, 6}), A), {6, 15, -23}, 1e-10) -- a vector right-hand side
    near(torch.inverse(D({{4, 7}, {2, 6}})), {{0.6, -0.7}, {-0.2, 0.4}}, 1e-12)
    near(torch.potrf(D({{4, 2}, {2, 3}})), {{2, 1}, {0, math.sqrt(2)}}, 1e-12)
    near(torch.potrf(D({{4, 2}, {2, 3}}), 'L'), {{2, 0}, {1, math.sqrt(2)}}, 1e-12)
    near(torch.potri(torch.potrf(D({{4, 2}, {2, 3}}))), {{0.375, -0.25}, {-0.25, 0.5}}, 1e-12)
    near(torch.potrs(D({1, 2}), torch.potrf(D({{4, 2}, {2, 3}}))), {-0.125, 0.75}, 1e-12)
    local e = torch.symeig(D({{2, -1, 0}, {-1, 2, -1}, {0, -1, 2}}))
    near(e, {0.585786437626905, 2, 3.414213562373095}, 1e-12)
    local _, S = torch.svd(D({{3, 0}, {4, 5}}))
    near(S, {6.70820393249937, 2.2360679774997894}, 1e-12)
    assert.is_true(math.abs(torch.det(A) - -1) < 1e-12)
    assert.is_true(math.abs(torch.det(D({{1, 2}, {3, 4}})) - -2) < 1e-12)
    assert.is_true(math.abs(torch.logdet(D({{2, 0}, {0, 3}})) - math.log(6)) < 1e-12)
    assert.are.equal(0, torch.det(D({{1, 2}, {2, 4}})))
    local ev = torch.eig(D({{2, 0, 0}, {0, 3, 4}, {0, 4, 9}}))
    assert.are.same({3, 2}, sizes(ev))
    local re = {ev[1][1], ev[2][1], ev[3][1]}
    table.sort(re)
    near(re, {1, 2, 11}, 1e-10)
    near(ev:select(2, 2), {0, 0, 0}, 1e-12)
    local ec = torch.eig(D({{0, -1}, {1, 0}})) -- rotation: ±i
    near(ec, {{0, 1}, {0, -1}}, 1e-12)
  end)

  for _, kind in ipairs({'float', 'double'}) do
    local tol = kind == 'float' and 2e-4 or 1e-10
    local n = 7
    local A = mat(n, n, 0.3, kind)
    local S = torch.mm(A, A:t()):add(eye(n, kind)) -- symmetric positive definite

    it(kind .. ': A·inverse(A) = I and A·X = B', function()
      near(torch.mm(A, torch.inverse(A)), eye(n), tol)
      local B = mat(n, 3, 9, kind)
      local X = torch.gesv(B, A)
      assert.are.equal(A:type(), X:type())
      near(torch.mm(A, X), B, tol)
      -- transposed and non-contiguous inputs are read as the matrices they show
      near(torch.mm(A:t(), torch.inverse(A:t())), eye(n), tol)
      local wide = mat(n, 2 * n, 5, kind)
      local sub = wide:narrow(2, 3, n)
      near(torch.mm(sub, torch.inverse(sub)), eye(n), tol * 10)
      local a0 = A:clone()
      torch.inverse(A)
      assert.are.equal(0, maxdiff(A, a0)) -- inputs untouched
    end)

    it(kind .. ': Cholesky factors, solves and inverts', function()
      local Uc = torch.potrf(S)
      near(torch.mm(Uc:t(), Uc), S, tol * 10)
      local L = torch.potrf(S, 'L')
      near(torch.mm(L, L:t()), S, tol * 10)
      for i = 1, n do for j = i + 1, n do assert.are.equal(0, L[i][j]) end end
      local B = mat(n, 2, 4, kind)
      near(torch.mm(S, torch.potrs(B, Uc)), B, tol * 10)
      near(torch.mm(S, torch.potrs(B, L, 'L')), B, tol * 10)
      near(torch.mm(S, torch.potri(Uc)), eye(n), tol * 10)
    end)

    it(kind .. ': symeig gives ascending eigenvalues and orthonormal vectors', function()
      local e, V = torch.symeig(S, 'V')
      for i = 2, n do assert.is_true(e[i - 1] <= e[i]) end
      near(torch.mm(V:t(), V), eye(n), tol)
      near(torch.mm(torch.mm(V, diag(e:double()):typeAs(V)), V:t()), S, tol * 20)
      local e2 = torch.symeig(S, 'N', 'L')
      near(e2, e, tol * 10)
    end)

    it(kind .. ': U diag(S) Vᵀ = A for square, tall and wide matrices', function()
      for _, shape in ipairs({{n, n}, {9, 4}, {3, 8}}) do
        local M = mat(shape[1], shape[2], 2.5, kind)
        local k = math.min(shape[1], shape[2])
        local Uu, Ss, Vv = torch.svd(M)
        assert.are.same({shape[1], k}, sizes(Uu))
        assert.are.same({shape[2], k}, sizes(Vv))
        for i = 2, k do assert.is_true(Ss[i - 1] >= Ss[i]) end
        near(torch.mm(torch.mm(Uu, diag(Ss:double()):typeAs(Uu)), Vv:t()), M, tol)
        near(torch.mm(Uu:t(), Uu), eye(k), tol)
        local Ua, Sa, Va = torch.svd(M, 'A')
        assert.are.same({shape[1], shape[1]}, sizes(Ua))
        assert.are.same({shape[2], shape[2]}, sizes(Va))
        near(torch.mm(Va:t(), Va), eye(shape[2]), tol)
        near(Sa, Ss, tol)
      end
    end)

    it(kind .. ': Q R = A with orthonormal Q and upper-triangular R', function()
      for _, shape in ipairs({{n, n}, {9, 4}, {3, 8}}) do
        local M = mat(shape[1], shape[2], 1.1, kind)
        local k = math.min(shape[1], shape[2])
        local Q, R = torch.qr(M)
        assert.are.same({shape[1], k}, sizes(Q))
        assert.are.same({k, shape[2]}, sizes(R))
        near(torch.mm(Q, R), M, tol)
        near(torch.mm(Q:t(), Q), eye(k), tol)
        for i = 1, k do for j = 1, i - 1 do assert.are.equal(0, R[i][j]) end end
      end
    end)
  end

  it('fills result tensors given first (Torch7 form)', function()
    local A = D({{4, 7}, {2, 6}})
    local r = D()
    local got = torch.inverse(r, A)
    assert.are.equal(r, got)
    near(r, {{0.6, -0.7}, {-0.2, 0.4}}, 1e-12)
    local e, V = D(), D()
    torch.symeig(e, V, D({{2, 1}, {1, 2}}), 'V')
    near(e, {1, 3}, 1e-12)
    assert.are.same({2, 2}, sizes(V))
    near(A:inverse(), {{0.6, -0.7}, {-0.2, 0.4}}, 1e-12) -- method form
  end)
end)

-- bad input -------------------------------------------------------------------

describe('linalg bad input', function()
  local F, D = torch.FloatTensor, torch.DoubleTensor
  U.error_cases({
    {'mm size mismatch', function() torch.mm(F(2, 3), F(4, 5)) end, 'torch.mm: size mismatch, m1 is 2x3, m2 is 4x5'},
    {'mm of a vector', function() torch.mm(F(3), F(3, 2)) end, 'torch.mm', 'm1 must be 2-dimensional'},
    {'mm of mixed dtypes', function() torch.mm(F(2, 2), D(2, 2)) end, 'torch.mm', 'one dtype', 'float32', 'float64'},
    {'mm of bool', function() torch.mm(F(2, 2):bool(), F(2, 2):bool()) end, 'torch.mm', 'not defined for bool'},
    {'mm into a result of another dtype', function() torch.mm(D(), F(2, 2), F(2, 2)) end, 'torch.mm', 'result tensor is float64'},
    {'mm with a non-tensor', function() torch.mm(F(2, 2), 'x') end, 'torch.mm', 'argument 2'},
    {'mv size mismatch', function() torch.mv(F(2, 3), F(4)) end, 'torch.mv: size mismatch, matrix is 2x3, vector is 4'},
    {'mv of a matrix', function() torch.mv(F(2, 3), F(3, 1)) end, 'torch.mv', 'vector must be 1-dimensional'},
    {'bmm batch mismatch', function() torch.bmm(F(2, 2, 3), F(3, 3, 2)) end, 'torch.bmm: size mismatch, batch1 is 2x2x3, batch2 is 3x3x2'},
    {'bmm of matrices', function() torch.bmm(F(2, 3), F(3, 2)) end, 'torch.bmm', 'batch1 must be 3-dimensional'},
    {'addmm with a wrong M', function() torch.addmm(F(3, 3), F(2, 3), F(3, 2)) end, 'torch.addmm: size mismatch, M is 3x3 but the product is 2x2'},
    {'x:addmm with a wrong x', function() F(3, 3):addmm(F(2, 3), F(3, 2)) end, 'torch.addmm', 'in-place M is 3x3 but the product is 2x2'},
    {'addmm with too few tensors', function() torch.addmm(F(2, 2), F(2, 2)) end, 'torch.addmm', 'expected'},
    {'addr of a matrix', function() torch.addr(F(2, 2), F(2, 1), F(2)) end, 'torch.addr', 'vec1 must be 1-dimensional'},
    {'dot size mismatch', function() torch.dot(F(3), F(4)) end, 'torch.dot: size mismatch, a is 3, b is 4'},
    {'matmul of a 0-dim tensor', function() torch.matmul(F(2, 2), torch.FloatTensor({1}):view()) end, 'torch.matmul', 'at least 1-dimensional'},
    {'matmul size mismatch', function() torch.matmul(F(2, 2, 3), F(4, 5)) end, 'torch.matmul: size mismatch, a is 2x2x3, b is 4x5'},
    {'matmul batches that do not broadcast', function() torch.matmul(F(2, 2, 3), F(3, 3, 2)) end, 'torch.matmul', 'do not broadcast'},
    {'a * b size mismatch', function() return F(2, 3) * F(2, 3) end, 'torch.matmul', 'size mismatch'},
    {'gesv of a singular matrix', function() torch.gesv(D({{1}, {2}}), D({{1, 2}, {2, 4}})) end, 'torch.gesv: matrix is singular (U(2,2) is zero)'},
    {'gesv size mismatch', function() torch.gesv(D(2, 1), D(3, 3)) end, 'torch.gesv: size mismatch, B is 2x1, A is 3x3'},
    {'gesv of mixed dtypes', function() torch.gesv(F(3, 1), D(3, 3)) end, 'torch.gesv: B is float32 but A is float64'},
    {'inverse of a non-square matrix', function() torch.inverse(D(2, 3)) end, 'torch.inverse', 'must be a square matrix, got 2x3'},
    {'inverse of a singular matrix', function() torch.inverse(D({{1, 2}, {2, 4}})) end, 'torch.inverse: matrix is singular'},
    {'inverse of integers', function() torch.inverse(torch.LongTensor({{1}})) end, 'torch.inverse', 'float32 or float64, got int64'},
    {'potrf of an indefinite matrix', function() torch.potrf(D({{1, 2}, {2, 1}})) end, 'torch.potrf: matrix is not positive definite', 'order 2'},
    {'potrf of a non-square matrix', function() torch.potrf(D(3, 2)) end, 'torch.potrf', 'square matrix'},
    {'potrf with a bad triangle', function() torch.potrf(D({{1}}), 'X') end, 'torch.potrf', "'U' or 'L'"},
    {'symeig with a bad option', function() torch.symeig(D({{1}}), 'Q') end, 'torch.symeig', "'V' or 'N'"},
    {'svd of a 3-D tensor', function() torch.svd(D(2, 2, 2)) end, 'torch.svd', 'must be 2-dimensional, got 3 dimensions'},
    {'qr of a vector', function() torch.qr(D(3)) end, 'torch.qr', 'must be 2-dimensional'},
    {'det of a non-square matrix', function() torch.det(D(2, 3)) end, 'torch.det', 'square matrix'},
  })
end)
