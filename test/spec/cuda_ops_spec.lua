-- The op families on GPU tensors, each compared with the CPU: one table of
-- cases, each a function of D (which moves a CPU tensor to the device,
-- keeping its dtype) returning a tensor, a number, or a table of them. The
-- suite runs every case twice, D = identity on the CPU and D = to the GPU,
-- and compares: float32 within 1e-5 relative (+1e-6 absolute), float64
-- within 1e-12, integers and bools exactly. Without a GPU each case is
-- pending ("no CUDA device"). LUTORCH_CUDA_SPEC_ON_CPU=1 runs the suite
-- with D = clone on the CPU, to check the cases themselves on a machine
-- without a GPU.
require 'torch'
require 'torch.cuda'
local C = require 'cuda_util'
local has_gpu, on_cpu, to_gpu, rand, run_cases = C.has_gpu, C.on_cpu, C.to_gpu, C.rand, C.run_cases

local A, B = rand({17, 33}, {seed = 1}), rand({33, 9}, {seed = 2})
local A64, B64 = A:double(), B:double()
local M = rand({17, 9}, {seed = 3})
local v33, v17, v9 = rand({33}, {seed = 4}), rand({17}, {seed = 5}), rand({9}, {seed = 6})
local BA, BB, BM = rand({4, 5, 6}, {seed = 7}), rand({4, 6, 3}, {seed = 8}), rand({4, 5, 3}, {seed = 9})
local I1, I2 = rand({40}, {lo = -50, hi = 50, int = true, dtype = 'int64', seed = 10}),
               rand({40}, {lo = -9, hi = 9, int = true, dtype = 'int64', seed = 11})
-- cuBLAS sums in another order: a few ulps of each dot product, whose terms
-- here reach |a||b| ~ 50, so near-zero results get an absolute tolerance
local mm_tol, mm_atol = 1e-5, 2e-4

describe('GPU elementwise ops beyond float unary/binary', function()
  run_cases({
    {'int64 add/sub/mul', function(D) return torch.add(D(I1), D(I2)), torch.sub(D(I1), 3), torch.mul(D(I1), D(I2)) end},
    {'int64 div/fmod/remainder by zero too', function(D)
      return torch.div(D(I1), D(I2)), torch.fmod(D(I1), D(I2)), torch.remainder(D(I1), D(I2))
    end},
    {'int32 neg/abs/cmax/cmin', function(D)
      local a, b = D(I1:int()), D(I2:int())
      return torch.neg(a), torch.abs(a), torch.cmax(a, b), torch.cmin(a, b)
    end},
    {'int64 pow and clamp', function(D)
      return torch.pow(D(I2), 3), torch.clamp(D(I1), -10, 20)
    end},
    {'uint8 arithmetic wraps like C', function(D)
      local a = D(rand({30}, {lo = 0, hi = 255, int = true, dtype = 'uint8', seed = 12}))
      return torch.add(a, a), torch.mul(a, 3)
    end},
    {'comparisons give bools', function(D)
      local a, b = D(rand({6, 7}, {seed = 13})), D(rand({7}, {seed = 14}))
      return torch.gt(a, b), torch.le(a, 0.5), torch.eq(D(I1), D(I2)), torch.ne(a, a)
    end},
    {'logical ops', function(D)
      local a, b = torch.gt(D(A), 0), torch.lt(D(A), 1)
      return torch.logical_and(a, b), torch.logical_or(a, b), torch.logical_xor(a, b), torch.logical_not(a)
    end},
    {'where with a broadcast mask and a number', function(D)
      local m = torch.gt(D(rand({1, 33}, {seed = 15})), 0)
      return torch.where(m, D(A), D(A) * 2), torch.where(m, D(A), 0)
    end},
    {'addcmul, addcdiv, lerp', function(D)
      local x, y, z = D(rand({5, 6}, {seed = 16})), D(rand({5, 6}, {seed = 17})), D(rand({6}, {lo = 1, hi = 2, seed = 18}))
      return torch.addcmul(x, y, z), torch.addcdiv(x, y, z), torch.lerp(x, y, 0.25)
    end},
    {'float64 comparisons and where', function(D)
      local a = D(A64)
      return torch.where(torch.ge(a, 0), a, -a), torch.ge(a, 0)
    end},
    {'activation backward kernels', function(D)
      local x = D(rand({40}, {seed = 19})):requiresGrad()
      local gs = {}
      for _, f in ipairs({'tanh', 'sigmoid', 'relu'}) do
        x.grad = nil
        torch[f](x):sum():backward()
        gs[#gs + 1] = x.grad:clone()
      end
      x.grad = nil
      torch.clamp(x, -1, 2):sum():backward()
      gs[#gs + 1] = x.grad
      return unpack(gs)
    end},
    -- special functions: digamma/polygamma run the CPU's code (special_impl.h)
    -- on the device; erf, erfc, erfinv, lgamma are CUDA's (lgamma away from
    -- its zeros at 1 and 2, where only an absolute precision is meaningful)
    {'special functions float32', function(D)
      local x, u = D(rand({40}, {seed = 20})), D(rand({40}, {lo = -0.99, hi = 0.99, seed = 21}))
      local p, q = D(rand({40}, {lo = 0.1, hi = 0.9, seed = 22})), D(rand({40}, {lo = 2.2, hi = 8, seed = 23}))
      return torch.erf(x), torch.erfc(x), torch.erfinv(u), torch.lgamma(p), torch.lgamma(q),
             torch.digamma(p), torch.digamma(q), torch.polygamma(1, p), torch.polygamma(3, q)
    end},
    {'special functions float64', function(D)
      local x, u = D(rand({40}, {seed = 20}):double()), D(rand({40}, {lo = -0.99, hi = 0.99, seed = 21}):double())
      local p = D(rand({40}, {lo = 0.1, hi = 0.9, seed = 22}):double())
      local q = D(rand({40}, {lo = 2.2, hi = 8, seed = 23}):double())
      return torch.erf(x), torch.erfc(x), torch.erfinv(u), torch.lgamma(p), torch.lgamma(q),
             torch.digamma(p), torch.digamma(q), torch.polygamma(0, q), torch.polygamma(1, p),
             torch.polygamma(2, q), torch.polygamma(5, p)
    end},
    {'digamma/polygamma at negative x (reflection), float64', function(D)
      local x = D(rand({40}, {lo = -6, hi = -0.01, seed = 24}):double())
      return torch.digamma(x), torch.polygamma(1, x), torch.polygamma(2, x)
    end, 1e-12, 1e-12},
    {'special function backwards', function(D)
      local x = D(rand({40}, {lo = 0.2, hi = 0.8, seed = 25}):double()):requiresGrad()
      local gs = {}
      for _, f in ipairs({'erf', 'erfc', 'erfinv', 'lgamma', 'digamma'}) do
        x.grad = nil
        torch[f](x):sum():backward()
        gs[#gs + 1] = x.grad:clone()
      end
      x.grad = nil
      torch.polygamma(1, x):sum():backward()
      gs[#gs + 1] = x.grad
      return unpack(gs)
    end},
    {'bitwise ops int64', function(D)
      local a, b = D(I1), D(I2)
      return torch.cbitand(a, b), torch.cbitor(a, b), torch.cbitxor(a, b), torch.bitand(a, 6),
             torch.bitxor(a, -1), torch.lshift(a, 3), torch.rshift(a, 2), torch.clshift(a, b),
             torch.crshift(a, b), torch.bitwise_left_shift(a, 70), torch.bitwise_right_shift(a, 64)
    end},
    {'bitwise ops int32, uint8, bool', function(D)
      local a, b = D(I1:int()), D(I2:int())
      local u = D(rand({30}, {lo = 0, hi = 255, int = true, dtype = 'uint8', seed = 26}))
      local m, n = torch.gt(D(A), 0), torch.lt(D(A), 1)
      return torch.cbitor(a, b), torch.clshift(a, b), torch.crshift(a, 40), torch.lshift(u, 3),
             torch.rshift(u, 1), torch.bitxor(u, 255), torch.cbitand(m, n), torch.cbitor(m, n),
             torch.cbitxor(m, n)
    end},
  })
end)

describe('GPU matrix products (cuBLAS)', function()
  run_cases({
    {'mm', function(D) return torch.mm(D(A), D(B)) end, mm_tol, mm_atol},
    {'mm of transposed views', function(D) return torch.mm(D(B):t(), D(A):t()) end, mm_tol, mm_atol},
    {'mm float64', function(D) return torch.mm(D(A64), D(B64)) end},
    {'addmm', function(D) return torch.addmm(D(M), D(A), D(B)) end, mm_tol, mm_atol},
    {'addmm in place on a transposed result', function(D)
      local m = D(M:t():contiguous()):t()
      m:addmm(D(A), D(B))
      return m
    end, mm_tol, mm_atol},
    {'mm result-first', function(D)
      local r = D(torch.Tensor(1))
      torch.mm(r, D(A), D(B))
      return r
    end, mm_tol, mm_atol},
    {'mv and addmv', function(D) return torch.mv(D(A), D(v33)), torch.addmv(D(v17), D(A), D(v33)) end, mm_tol, mm_atol},
    {'ger and addr', function(D) return torch.ger(D(v17), D(v9)), torch.addr(D(M), D(v17), D(v9)) end, mm_tol, mm_atol},
    {'bmm and baddbmm', function(D) return torch.bmm(D(BA), D(BB)), torch.baddbmm(D(BM), D(BA), D(BB)) end, mm_tol, mm_atol},
    {'addbmm', function(D) return torch.addbmm(D(M:narrow(1, 1, 5):narrow(2, 1, 3)), D(BA), D(BB)) end, mm_tol, mm_atol},
    {'bmm of transposed batches', function(D)
      return torch.bmm(D(BB):transpose(2, 3), D(BA):transpose(2, 3))
    end, mm_tol, mm_atol},
    {'dot', function(D) return torch.dot(D(v33), D(v33 * 2)), torch.dot(D(A64), D(A64)) end, mm_tol, mm_atol},
    {'matmul: vector, matrix and broadcast batch forms', function(D)
      return torch.matmul(D(v33), D(v33)), torch.matmul(D(A), D(v33)), torch.matmul(D(v17), D(A)),
             torch.matmul(D(BA), D(rand({6, 2}, {seed = 20}))),
             torch.matmul(D(rand({3, 1, 5, 6}, {seed = 21})), D(rand({2, 6, 4}, {seed = 22})))
    end, mm_tol, mm_atol},
    {'mm with k = 0 and an empty result', function(D)
      return torch.mm(D(torch.Tensor(3, 0)), D(torch.Tensor(0, 4))), torch.mm(D(torch.Tensor(0, 3)), D(torch.Tensor(3, 2)))
    end},
  })
end)

local R1 = rand({7, 300}, {seed = 30})
local R3 = rand({5, 4, 3}, {seed = 31})
local WIDE = rand({3, 70000}, {seed = 32, lo = -1, hi = 1})
local TALL = rand({70000, 3}, {seed = 33, lo = -1, hi = 1})
local INT = rand({6, 50}, {lo = -20, hi = 20, int = true, dtype = 'int32', seed = 34})

describe('GPU reductions along a dimension', function()
  run_cases({
    {'sum, mean, prod over each dim', function(D)
      local x = D(R3)
      return torch.sum(x, 1), torch.sum(x, 2), torch.sum(x, 3), torch.mean(x, 2), torch.prod(x, 3)
    end},
    {'sum of rows and columns, long and split', function(D)
      return torch.sum(D(R1), 2), torch.sum(D(R1), 1), torch.sum(D(WIDE), 2), torch.sum(D(TALL), 1),
             torch.mean(D(TALL), 1)
    end},
    {'max and min with indices', function(D)
      local a, ai = torch.max(D(R3), 2)
      local b, bi = torch.min(D(R1), 2)
      local c, ci = torch.max(D(TALL), 1)
      return a, ai, b, bi, c, ci
    end},
    {'max ties take the first position, NaN wins', function(D)
      local x = D(torch.Tensor({{1, 3, 3, 2}, {0 / 0, 5, 0 / 0, 1}, {-1, -1, -1, -1}}))
      local v, i = torch.max(x, 2)
      local w, j = torch.min(x, 1)
      return v, i, w, j
    end},
    {'argmax, argmin', function(D) return torch.argmax(D(R1), 2), torch.argmin(D(R3), 1) end},
    {'var, std (unbiased and biased), norm', function(D)
      local x = D(R1)
      return torch.var(x, 2), torch.std(x, 1), torch.var(x, 2, true), torch.norm(x, 2, 2),
             torch.norm(x, 1, 1), torch.norm(x, 3, 2), torch.norm(x, 0, 2), torch.norm(x, math.huge, 2)
    end},
    {'logsumexp', function(D) return torch.logsumexp(D(R1), 2), torch.logsumexp(D(R3), 1) end},
    {'all and any', function(D)
      local m = torch.gt(D(R1), -2.9)
      return torch.all(m, 2), torch.any(torch.gt(D(R1), 2.9), 2), torch.all(m, 1)
    end},
    {'integer sums, max and means', function(D)
      local x = D(INT)
      local v, i = torch.max(x, 2)
      return torch.sum(x, 2), torch.prod(D(INT:narrow(2, 1, 5)), 2), v, i, torch.mean(x, 1)
    end},
    {'float64 reductions', function(D)
      local x = D(R1:double())
      return torch.sum(x, 2), torch.var(x, 1), torch.logsumexp(x, 2)
    end},
    {'whole-tensor reductions as numbers', function(D)
      local x = D(R1)
      return x:sum(), x:mean(), x:max(), x:min(), x:std(), x:norm(), D(INT):sum(), D(WIDE):sum()
    end},
    {'cumsum and cumprod', function(D)
      return torch.cumsum(D(R1), 2), torch.cumsum(D(R3), 1), torch.cumprod(D(rand({4, 30}, {lo = 0.5, hi = 1.5, seed = 35})), 2),
             torch.cumsum(D(INT), 2), torch.cumsum(D(rand({1000}, {seed = 36})), 1)
    end},
  })
end)

local X = rand({6, 5}, {seed = 40})
local IDX = torch.LongTensor({3, 1, 3, 6})

describe('GPU index and mask ops', function()
  run_cases({
    {'index along each dim', function(D)
      return D(X):index(1, D(IDX)), D(X):index(2, D(torch.LongTensor({5, 1}))), torch.index(D(X), 1, D(torch.LongTensor({2})))
    end},
    {'indexCopy, indexAdd (repeated indices), indexFill', function(D)
      local a, b, c = D(X):clone(), D(X):clone(), D(X):clone()
      a:indexCopy(1, D(torch.LongTensor({2, 5})), D(rand({2, 5}, {seed = 41})))
      b:indexAdd(1, D(IDX), D(rand({4, 5}, {seed = 42})))
      c:indexFill(2, D(torch.LongTensor({1, 4})), -7)
      return a, b, c
    end},
    {'gather and scatter', function(D)
      local idx = torch.LongTensor({{1, 2, 1}, {3, 3, 2}})
      local s = D(X):clone()
      s:scatter(1, D(idx), D(rand({2, 3}, {seed = 43})))
      local f = D(X):clone()
      f:scatter(2, D(idx), 9)
      return torch.gather(D(X), 1, D(idx)), torch.gather(D(X), 2, D(idx)), s, f
    end},
    {'scatterAdd sums repeated positions', function(D)
      local z = D(torch.zeros(3, 4))
      z:scatterAdd(1, D(torch.LongTensor({{1, 2, 3, 1}, {1, 1, 3, 2}, {3, 3, 3, 3}})), D(rand({3, 4}, {seed = 44})))
      return z
    end},
    {'maskedFill, maskedSelect, maskedCopy', function(D)
      local m = torch.gt(D(X), 0)
      local a = D(X):clone()
      a:maskedFill(m, -1)
      local b = D(X):clone()
      b:maskedCopy(torch.lt(D(X), 0), D(rand({30}, {seed = 45})))
      return a, D(X):maskedSelect(m), b, D(X):maskedSelect(torch.gt(D(rand({5}, {seed = 46})), 0))
    end},
    {'nonzero', function(D)
      return torch.nonzero(torch.gt(D(X), 0.5)), torch.nonzero(D(torch.Tensor({0, 1, 0, 2})))
    end},
    {'int64 and float64 targets', function(D)
      local a = D(I1:view(8, 5)):index(1, D(torch.LongTensor({8, 1})))
      local b = D(A64):index(2, D(torch.LongTensor({33, 2})))
      return a, b
    end},
  })

  if has_gpu and not on_cpu then
    it('rejects out-of-range indices before writing', function()
      local x = torch.CudaTensor(3, 2):fill(1)
      local ok, err = pcall(function() return x:index(1, torch.LongTensor({1, 4}):cudaLong()) end)
      assert.is_false(ok)
      assert.is_truthy(tostring(err):find('index 4 out of range', 1, true), err)
      ok, err = pcall(function() x:indexFill(1, torch.LongTensor({0}):cudaLong(), 5) end)
      assert.is_false(ok)
      assert.is_truthy(tostring(err):find('out of range', 1, true), err)
      assert.are.same({{1, 1}, {1, 1}, {1, 1}}, x:totable())
    end)
  end
end)

describe('GPU shape ops', function()
  run_cases({
    {'cat and stack', function(D)
      return torch.cat(D(X), D(X:narrow(1, 1, 2)), 1), torch.cat({D(X), D(X:t():contiguous():t())}, 2),
             torch.stack({D(X), D(X)}, 2)
    end},
    {'flip, roll, repeatTensor', function(D)
      return torch.flip(D(R3), {1, 3}), torch.roll(D(X), 2, 1), torch.roll(D(X), -1), D(X):repeatTensor(2, 1, 3)
    end},
  })
end)

describe('GPU random numbers', function()
  -- one generator for both devices: the same seed gives the same numbers
  run_cases({
    {'uniform', function(D)
      torch.manualSeed(123)
      local a = D(torch.FloatTensor(1000)):uniform()
      local b = D(torch.DoubleTensor(10, 10)):uniform(-2, 5)
      return a, b
    end, 0, 0},
    {'normal and bernoulli', function(D)
      torch.manualSeed(7)
      local a = D(torch.FloatTensor(500)):normal(1, 2)
      local b = D(torch.DoubleTensor(300)):normal()
      local c = D(torch.FloatTensor(400)):bernoulli(0.3)
      local p = D(rand({400}, {lo = 0, hi = 1, seed = 50}))
      local d = D(torch.FloatTensor(400)):bernoulli(p)
      return a, b, c, d
    end, 1e-6, 1e-6},
    {'a strided target draws in row-major order', function(D)
      torch.manualSeed(9)
      local t = D(torch.FloatTensor(8, 6)):t()
      t:uniform()
      return t
    end, 0, 0},
  })
end)
