-- sort, topk, kthvalue and median of GPU tensors, compared with the CPU
-- (reduce_spec checks those): every dtype, both directions, along the last
-- dim and an inner one, NaN, infinities, signed zeros and ties (the sort is
-- stable, so the indices must agree exactly), rows short enough for the
-- shared-memory sort and long enough for CUB's radix sort; plus literal
-- values, gradients through sort on the GPU, and the errors. Pending
-- without a GPU; LUTORCH_CUDA_SPEC_ON_CPU=1 runs the cases on the CPU.
require 'torch'
require 'torch.cuda'
local C = require 'cuda_util'
local U = require 'testutil'
local rand, run_cases, gpu_it = C.rand, C.run_cases, C.gpu_it

local nan, inf = 0 / 0, math.huge

-- x with NaN, infinities, signed zeros and repeated values sprinkled in
local function special(size, seed, dtype)
  local x = rand(size, {seed = seed, lo = -4, hi = 4, int = true, dtype = 'float64'})
  local flat = x:view(x:nElement())
  local fill = {nan, inf, -inf, -0.0, 0.0, nan, 2.5, -2.5}
  for i = 1, flat:nElement(), 7 do flat[i] = fill[(i - 1) / 7 % #fill + 1] end
  return x:type(torch.tensorTypeOf[dtype or 'float32'])
end

local function ints(size, seed, dtype, lo, hi)
  return rand(size, {seed = seed, lo = lo or -100, hi = hi or 100, int = true, dtype = dtype})
end

-- all of sort's forms on one tensor: both directions along dim
local function sorts(x, dim)
  local va, ia = torch.sort(x, dim)
  local vd, id = torch.sort(x, dim, true)
  return {va, ia, vd, id}
end

local function sort_case(name, make, dim)
  return {name, function(D) return sorts(D(make()), dim) end}
end

describe('GPU sort', function()
  run_cases({
    sort_case('float32 with NaN, inf, signed zeros, last dim', function() return special({6, 37}, 1) end, 2),
    sort_case('float32 along an inner dim', function() return special({9, 13, 5}, 2) end, 2),
    sort_case('float32 along the first dim', function() return special({33, 4}, 3) end, 1),
    sort_case('float64 with NaN', function() return special({5, 41}, 4, 'float64') end, 2),
    sort_case('int64 with ties', function() return ints({7, 50}, 5, 'int64', -5, 5) end, 2),
    sort_case('int64 extremes', function()
      return torch.LongTensor({{3, -9007199254740992, 9007199254740992, 0, -1, 3}})
    end, 2),
    sort_case('int32', function() return ints({4, 29}, 6, 'int32') end, 2),
    sort_case('int16 along dim 1', function() return ints({19, 3}, 7, 'int16') end, 1),
    sort_case('int8 with ties', function() return ints({3, 40}, 8, 'int8', -3, 3) end, 2),
    sort_case('uint8', function() return ints({3, 40}, 9, 'uint8', 0, 255) end, 2),
    sort_case('bool', function() return torch.gt(ints({3, 21}, 10, 'int64', -5, 5), 0) end, 2),
    sort_case('one element per row', function() return special({8, 1}, 11) end, 2),
    sort_case('a vector', function() return special({100}, 12) end, 1),
    sort_case('a power of two (64)', function() return special({3, 64}, 13) end, 2),
    sort_case('4096 elements: the shared-memory limit', function()
      return special({2, 4096}, 14)
    end, 2),
    sort_case('4097 elements: the radix sort, float32', function()
      return special({3, 4097}, 15)
    end, 2),
    sort_case('long rows with many ties (radix sort is stable), int32', function()
      return ints({2, 9000}, 16, 'int32', -20, 20)
    end, 2),
    sort_case('long rows, float64 along an inner dim', function()
      return special({2, 5000, 3}, 17, 'float64')
    end, 2),
    sort_case('long rows, int64 and uint8', function()
      return ints({5001}, 18, 'int64', -1e6, 1e6)
    end, 1),
    sort_case('long rows of uint8', function() return ints({2, 6000}, 19, 'uint8', 0, 255) end, 2),
    {'a non-contiguous input', function(D)
      local x = D(special({20, 30}, 20)):t()
      return sorts(x, 2)
    end},
    {'a 0-dim tensor', function(D)
      local v, i = torch.sort(D(torch.Tensor({3.5})):view({}), 1)
      return v, i
    end},
    {'empty slices', function(D)
      local a, b = torch.sort(D(torch.Tensor(0, 4)), 1)
      local c, d = torch.sort(D(torch.Tensor(3, 0)), 2)
      return a, b, c, d
    end},
  })

  gpu_it('orders NaN, infinities and signed zeros as documented (literals)', function()
    local x = C.to_gpu(torch.Tensor({3, nan, -0.0, 0.0, -inf, 1, 3}))
    local v, i = torch.sort(x)
    local got = v:cpu():totable()
    assert.is_true(got[7] ~= got[7], 'NaN last')
    assert.are.same({-inf, 0, 0, 1, 3, 3}, {unpack(got, 1, 6)})
    assert.are.same({5, 3, 4, 6, 1, 7, 2}, i:cpu():totable())
    assert.are.equal(-inf, 1 / v:cpu()[2]) -- -0.0 comes back as it went in
    v, i = torch.sort(x, 1, true)
    assert.are.same({2, 1, 7, 6, 3, 4, 5}, i:cpu():totable())
  end)
end)

describe('GPU topk, kthvalue, median', function()
  local X = special({7, 23}, 30)
  local L = special({3, 5003}, 31)
  local I = ints({6, 17}, 32, 'int64', -4, 4)
  local N = rand({5, 8}, {seed = 33}) -- no NaN
  run_cases({
    {'topk largest and smallest', function(D)
      local a, b = torch.topk(D(X), 5, 2, true)
      local c, d = torch.topk(D(X), 4, 2, false)
      local e, f = torch.topk(D(X), 3, 1, true)
      return a, b, c, d, e, f
    end},
    {'topk of int64 with ties, k = n and k = 0', function(D)
      local a, b = torch.topk(D(I), 17, 2, true)
      local c, d = torch.topk(D(I), 0, 2)
      return a, b, c, d
    end},
    {'topk of long rows', function(D)
      local a, b = torch.topk(D(L), 10, 2, true)
      return a, b
    end},
    {'kthvalue, keepdim or not', function(D)
      local a, b = torch.kthvalue(D(X), 3, 2)
      local c, d = torch.kthvalue(D(X), 7, 1, false)
      local e, f = torch.kthvalue(D(I), 9, 2, false)
      return a, b, c, d, e, f
    end},
    {'median along a dim: NaN rows give their first NaN', function(D)
      local a, b = torch.median(D(X), 2)
      local c, d = torch.median(D(X), 1, false)
      local e, f = torch.median(D(N), 2)
      local g, h = torch.median(D(I), 1)
      return a, b, c, d, e, f, g, h
    end},
    {'median of all elements', function(D)
      return D(N):median(), D(I):median()
    end},
    {'median of long rows', function(D)
      local a, b = torch.median(D(L), 2)
      return a, b
    end},
  })

  gpu_it('median of everything with a NaN is NaN', function()
    local m = C.to_gpu(X):median()
    assert.is_true(m ~= m)
  end)
end)

describe('gradients through sort on the GPU', function()
  gpu_it('sort, topk and median scatter the gradient back as on the CPU', function()
    local x0 = rand({4, 9}, {seed = 40, dtype = 'float64'})
    local w = rand({4, 9}, {seed = 41, dtype = 'float64'})
    local function grad(D)
      local x = D(x0):requiresGrad()
      local v = torch.sort(x, 2, true)
      local t = torch.topk(x, 3, 2, true)
      local m = torch.median(x, 1)
      local loss = torch.add(torch.add(torch.sum(torch.cmul(v, D(w))), torch.sum(t)), torch.sum(m))
      loss:backward()
      return x.grad
    end
    C.compare(grad(C.to_gpu), grad(function(t) return t end), 'x.grad')
  end)
end)

describe('GPU sort: errors', function()
  gpu_it('names the function and the problem', function()
    local x = C.to_gpu(torch.Tensor(3, 4):fill(1))
    U.raises(function() torch.topk(x, 5, 2) end, 'topk', 'k = 5 out of range')
    U.raises(function() torch.kthvalue(x, 0, 2) end, 'kthvalue', 'k = 0 out of range')
    U.raises(function() torch.median(C.to_gpu(torch.Tensor(3, 0)), 2) end, 'median',
             'cannot reduce over an empty dimension')
    U.raises(function() torch.sort(x, 3) end, 'sort', 'dimension')
  end)
end)
