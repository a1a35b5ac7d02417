-- LAPACK (cuSOLVER) and multinomial on GPU tensors, each case compared with
-- the CPU (cuda_util's run_cases: D moves a CPU tensor to the device).
-- Solutions, factors with one answer (LU, Cholesky, inverses, eigen- and
-- singular values, determinants) are compared directly; where the
-- decomposition leaves signs or order free (eigenvectors, U and V, Q and
-- R) the cases compare what does not depend on them: reconstructions
-- (V diag(e) Vᵀ, U diag(S) Vᵀ, Q R), orthogonality (VᵀV, QᵀQ) and
-- absolute values. Gradients through gesv, inverse, det (and the other
-- differentiable factorizations) in float64 against the CPU's. Errors read
-- as on the CPU. multinomial with replacement gives the CPU's samples for
-- the same seed; without, the same unless two keys tie to the last bit.
-- Pending without a GPU; LUTORCH_CUDA_SPEC_ON_CPU=1 runs it on the CPU.
require 'torch'
require 'torch.cuda'
local C = require 'cuda_util'
local U = require 'testutil'
local on_cpu, to_gpu, run_cases, gpu_it, real_gpu_it = C.on_cpu, C.to_gpu, C.run_cases, C.gpu_it,
  C.real_gpu_it

local function rand(sizes, seed, dtype)
  return C.rand(sizes, {seed = seed, dtype = dtype or 'float64', lo = -1, hi = 1})
end
local function eye(n, dtype) return torch.eye(n):type(torch.tensorTypeOf[dtype or 'float64']) end

-- well-conditioned test matrices (odd sizes) of a dtype
local function general(n, seed, dtype) return rand({n, n}, seed, dtype) + eye(n, dtype) * n end
local function spd(n, seed, dtype)
  local x = rand({n, n}, seed, dtype)
  return torch.mm(x, x:t()) + eye(n, dtype) * n
end
local function symmetric(n, seed, dtype)
  local x = rand({n, n}, seed, dtype)
  return (x + x:t()) * 0.5
end

-- tolerances: different algorithms, well-conditioned inputs
local T = {float32 = {2e-4, 2e-4}, float64 = {1e-9, 1e-10}}

-- x diag(d) yᵀ (d a vector)
local function scaled(x, d, y) return torch.mm(torch.mul(x, d:view(1, d:nElement())), y:t()) end

describe('GPU LAPACK (cuSOLVER)', function()
  for _, dt in ipairs({'float32', 'float64'}) do
    local rt, at = T[dt][1], T[dt][2]
    local A, B, b = general(7, 1, dt), rand({7, 3}, 2, dt), rand({7}, 3, dt)
    local S, P = symmetric(9, 4, dt), spd(6, 5, dt)
    local tall, wide = rand({9, 5}, 6, dt), rand({5, 9}, 7, dt)
    run_cases({
      {dt .. ' gesv: solution and LU, 2-D and 1-D right sides', function(D)
        local x, lu = torch.gesv(D(B), D(A))
        return x, lu, (torch.gesv(D(b), D(A)))
      end, rt, at},
      {dt .. ' gesv of non-contiguous operands', function(D)
        return (torch.gesv(D(B:t():contiguous()):t(), D(A):t()))
      end, rt, at},
      {dt .. ' inverse', function(D) return torch.inverse(D(A)), torch.inverse(D(A):t()) end, rt, at},
      {dt .. ' potrf upper and lower', function(D)
        return torch.potrf(D(P)), torch.potrf(D(P), 'L')
      end, rt, at},
      {dt .. ' potrs and potri', function(D)
        local u, l = torch.potrf(D(P), 'U'), torch.potrf(D(P), 'L')
        return torch.potrs(D(B:narrow(1, 1, 6)), u, 'U'), torch.potrs(D(b:narrow(1, 1, 6)), l, 'L'),
               torch.potri(u, 'U'), torch.potri(l, 'L')
      end, rt, at},
      {dt .. ' det, slogdet, logdet', function(D)
        local s, l = torch.slogdet(D(A))
        local n = -A
        local s2, l2 = torch.slogdet(D(n))
        return torch.det(D(A)), s, l, torch.logdet(D(A)), s2, l2, torch.det(D(n))
      end, rt, at},
      {dt .. ' det of a singular matrix is 0', function(D)
        local z = A:clone()
        z:select(2, 3):fill(0)
        return torch.det(D(z)), (torch.slogdet(D(z)))
      end},
      {dt .. ' symeig: values, reconstruction, orthogonality, |V|', function(D)
        local e, v = torch.symeig(D(S), 'V')
        local el = torch.symeig(D(S), 'V', 'L')
        local en, vn = torch.symeig(D(S))
        return e, el, en, vn, scaled(v, e, v), torch.mm(v:t(), v), torch.abs(v)
      end, rt, at},
      {dt .. ' symeig reads the named triangle', function(D)
        local x = S:clone()
        x[1][9] = 5 -- only the upper triangle changes
        return torch.symeig(D(x), 'N', 'U'), torch.symeig(D(x), 'N', 'L')
      end, rt, at},
      {dt .. ' svd reduced, tall and wide', function(D)
        local r = {}
        for _, m in ipairs({tall, wide, A}) do
          local u, s, v = torch.svd(D(m))
          r[#r + 1] = s
          r[#r + 1] = scaled(u, s, v)
          r[#r + 1] = torch.mm(u:t(), u)
          r[#r + 1] = torch.mm(v:t(), v)
        end
        return r
      end, rt, at},
      {dt .. ' svd full, tall and wide', function(D)
        local r = {}
        for _, m in ipairs({tall, wide}) do
          local u, s, v = torch.svd(D(m), 'A')
          local k = s:nElement()
          r[#r + 1] = s
          r[#r + 1] = torch.mm(u:t(), u)
          r[#r + 1] = torch.mm(v:t(), v)
          r[#r + 1] = scaled(u:narrow(2, 1, k), s, v:narrow(2, 1, k))
        end
        return r
      end, rt, at},
      {dt .. ' qr tall and wide: Q R, QᵀQ, |R|', function(D)
        local r = {}
        for _, m in ipairs({tall, wide}) do
          local q, rr = torch.qr(D(m))
          r[#r + 1] = torch.mm(q, rr)
          r[#r + 1] = torch.mm(q:t(), q)
          r[#r + 1] = torch.abs(rr)
        end
        return r
      end, rt, at},
      {dt .. ' eig (on the host)', function(D)
        local e, v = torch.eig(D(A), 'V')
        return e, v
      end, rt, at},
    })
  end

  run_cases({
    {'empty matrices', function(D)
      local u, s, v = torch.svd(D(torch.DoubleTensor(3, 0)), 'A')
      local q, r = torch.qr(D(torch.DoubleTensor(0, 4)))
      return u, s, v, q, r, torch.inverse(D(torch.DoubleTensor(0, 0)))
    end},
  })
end)

describe('GPU LAPACK gradients (float64)', function()
  local A, B, b, X, Y = general(5, 11), rand({5, 3}, 12), rand({5}, 13), rand({5, 5}, 14), rand({7, 4}, 15)
  -- sum(y * W) for fixed weights W of y's shape
  local function loss(y, D) return torch.sum(torch.mul(y, D(rand(y:size():totable(), 99)))) end
  run_cases({
    {'gesv', function(D)
      local a, bb, bv = D(A:clone()):requiresGrad(), D(B:clone()):requiresGrad(), D(b:clone()):requiresGrad()
      local x = torch.gesv(bb, a)
      local x1 = torch.gesv(bv, a)
      ;(loss(x, D) + loss(x1, D)):backward()
      return a.grad, bb.grad, bv.grad
    end, 1e-9, 1e-10},
    {'inverse', function(D)
      local a = D(A:clone()):requiresGrad()
      loss(torch.inverse(a), D):backward()
      return a.grad
    end, 1e-9, 1e-10},
    {'det, slogdet, logdet', function(D)
      local a = D(A:clone()):requiresGrad()
      local _, l = torch.slogdet(a)
      local d = torch.det(a)
      ;(d * 0.01 + l + torch.logdet(a)):backward()
      return d, a.grad
    end, 1e-9, 1e-10},
    {'potrf, potrs, potri (through a symmetric input)', function(D)
      local x = D(X:clone()):requiresGrad()
      local p = torch.mm(x, x:t()) + D(eye(5) * 5)
      local u = torch.potrf(p)
      ;(loss(u, D) + loss(torch.potrs(D(B), u), D) + loss(torch.potri(u), D)):backward()
      return x.grad
    end, 1e-9, 1e-10},
    {'symeig (sign-free loss)', function(D)
      local x = D(X:clone()):requiresGrad()
      local e, v = torch.symeig((x + x:t()) * 0.5, 'V')
      ;(loss(e, D) + loss(torch.pow(v, 2), D)):backward()
      return x.grad
    end, 1e-8, 1e-9},
    {'svd (sign-free loss)', function(D)
      local y = D(Y:clone()):requiresGrad()
      local u, s, v = torch.svd(y)
      ;(loss(s, D) + loss(torch.pow(u, 2), D) + loss(torch.pow(v, 2), D)):backward()
      return y.grad
    end, 1e-8, 1e-9},
  })
end)

describe('GPU LAPACK errors', function()
  local fails = U.raises
  local G = to_gpu
  local sing = torch.DoubleTensor({{1, 2}, {2, 4}})
  gpu_it('singular matrices', function()
    fails(function() torch.gesv(G(torch.DoubleTensor({{1}, {2}})), G(sing)) end,
          'torch.gesv: matrix is singular (U(2,2) is zero)')
    fails(function() torch.inverse(G(sing)) end, 'torch.inverse: matrix is singular (U(2,2) is zero)')
    fails(function() torch.inverse(G(sing:float())) end, 'torch.inverse: matrix is singular')
  end)
  gpu_it('not positive definite', function()
    fails(function() torch.potrf(G(torch.DoubleTensor({{1, 2}, {2, 1}}))) end,
          'torch.potrf: matrix is not positive definite', 'order 2')
    fails(function() torch.potrf(G(torch.FloatTensor({{-1, 0}, {0, 1}})), 'L') end,
          'torch.potrf: matrix is not positive definite', 'order 1')
  end)
  gpu_it('potri of a singular factor', function()
    fails(function() torch.potri(G(torch.DoubleTensor({{1, 0}, {0, 0}}))) end,
          'torch.potri: matrix is singular (element (2,2) of the factor is zero)')
  end)
  gpu_it('shapes and dtypes', function()
    fails(function() torch.inverse(G(torch.DoubleTensor(2, 3))) end, 'torch.inverse', 'must be a square matrix, got 2x3')
    fails(function() torch.gesv(G(torch.DoubleTensor(2, 1)), G(torch.DoubleTensor(3, 3))) end,
          'torch.gesv: size mismatch, B is 2x1, A is 3x3')
    fails(function() torch.gesv(G(torch.FloatTensor(3, 1)), G(torch.DoubleTensor(3, 3))) end,
          'torch.gesv: B is float32 but A is float64')
    fails(function() torch.symeig(G(torch.LongTensor(3, 3))) end, 'torch.symeig', 'float32 or float64')
    fails(function() torch.svd(G(torch.DoubleTensor(2, 2, 2))) end, 'torch.svd', '2-dimensional')
  end)
  gpu_it('qr and eig refuse inputs that require grad', function()
    fails(function() torch.qr(G(torch.DoubleTensor(3, 3):fill(1)):requiresGrad()) end, 'torch.qr: not differentiable')
    fails(function() torch.eig(G(torch.DoubleTensor(3, 3):fill(1)):requiresGrad()) end, 'torch.eig: not differentiable')
  end)
  real_gpu_it('device mixing names both devices', function()
    fails(function() torch.gesv(torch.DoubleTensor(3, 1):fill(1), G(eye(3))) end,
          'torch.gesv: tensors on different devices: B is on cpu, A on GPU 1')
    fails(function() torch.potrs(G(torch.DoubleTensor(3, 1):fill(1)), eye(3)) end,
          'torch.potrs: tensors on different devices: B is on GPU 1, the factor on cpu')
  end)
end)

describe('GPU multinomial', function()
  local P = torch.DoubleTensor(C.values(4 * 37, 0, 1, 21)):view(4, 37)
  P[2][5] = 0
  P[3]:narrow(1, 1, 30):zero()
  local p1 = torch.DoubleTensor({0.1, 0, 0.25, 0.4, 0.25})
  run_cases({
    {'with replacement: the CPU samples, rows and a vector', function(D)
      torch.manualSeed(7)
      local a = torch.multinomial(D(P), 50, true)
      local v = torch.multinomial(D(p1), 33, true)
      local f = torch.multinomial(D(P:float()), 9, true)
      return a, v, f, D(torch.rand(4)) -- the same counters were used
    end},
    {'without replacement', function(D)
      torch.manualSeed(11)
      local a = torch.multinomial(D(P), 7)
      local v = torch.multinomial(D(p1), 4, false)
      return a, v, D(torch.rand(4))
    end},
    {'a generator and a result tensor', function(D)
      local g = torch.Generator()
      torch.manualSeed(g, 5)
      local r = D(torch.LongTensor())
      torch.multinomial(g, r, D(p1), 6, true)
      return r
    end},
  })
  gpu_it('errors read as on the CPU', function()
    local G = to_gpu
    U.raises(function() torch.multinomial(G(torch.DoubleTensor({0.5, -1, 0.5})), 2, true) end,
             'torch.multinomial: probabilities must be finite and >= 0, got -1 (row 1, category 2)')
    U.raises(function() torch.multinomial(G(torch.DoubleTensor({{1, 1}, {0, 0}})), 2, true) end,
             'torch.multinomial: row 2 sums to zero')
    U.raises(function() torch.multinomial(G(torch.DoubleTensor({1, 0, 1})), 3) end,
             'torch.multinomial: cannot draw 3 samples without replacement: row 1 has only 2 non-zero')
    U.raises(function() torch.multinomial(G(torch.DoubleTensor({1, 0 / 0})), 1, true) end,
             'torch.multinomial: probabilities must be finite')
    U.raises(function() torch.multinomial(G(torch.DoubleTensor({1, 1})), 3) end,
             'torch.multinomial: cannot draw 3 samples without replacement from 2 categories')
  end)
end)
