-- Autograd on GPU tensors. The backward formulas are built from lt_ ops, so
-- once the forward ops run on the GPU so do the backwards; this checks it:
--  - a gradient check in float64 on GPU tensors: for f and fixed weights W,
--    the gradient of sum(f(x) * W) from backward() on the GPU against
--    central differences computed on the GPU, and against the CPU's
--    backward;
--  - a small MLP (mm, broadcast add, relu, mean of squares): its gradients
--    and three SGD steps on the GPU against the same on the CPU (float32).
-- Pending without a GPU; LUTORCH_CUDA_SPEC_ON_CPU=1 runs it on the CPU
-- (to check the cases on a machine without one).
require 'torch'
require 'torch.cuda'
local C = require 'cuda_util'
local on_cpu, to_gpu, gpu_it = C.on_cpu, C.to_gpu, C.gpu_it

-- numbers in [-1, 1), float64 unless told
local function rand(sizes, seed, dtype)
  return C.rand(sizes, {seed = seed, dtype = dtype or 'float64', lo = -1, hi = 1})
end

local function close(a, b, what, rtol, atol)
  local x, y = a:cpu():double():_flat(), b:cpu():double():_flat()
  assert.are.equal(#y, #x, what .. ': size')
  for i = 1, #y do
    if not (math.abs(x[i] - y[i]) <= atol + rtol * math.abs(y[i])) then
      error(string.format('%s: element %d is %.12g but expected %.12g', what, i, x[i], y[i]), 2)
    end
  end
end

-- the gradient of sum(f(D(x)) * W) with respect to x, on the device of D
local function grad_of(f, x, D)
  local xd = D(x):requiresGrad()
  local y = f(xd, D)
  local w = D(rand(y:size():totable(), 99))
  torch.sum(torch.mul(y, w)):backward()
  return xd.grad
end

-- central differences of the same on the device of D
local function numeric(f, x, D, eps)
  local g = torch.DoubleTensor(x:size()):zero()
  local flat, gflat = x:view(x:nElement()), g:view(g:nElement())
  local function value()
    local y = f(D(x), D)
    return torch.sum(torch.mul(y, D(rand(y:size():totable(), 99))))
  end
  for i = 1, flat:nElement() do
    local v = flat[i]
    flat[i] = v + eps
    local plus = value()
    flat[i] = v - eps
    local minus = value()
    flat[i] = v
    gflat[i] = (plus - minus) / (2 * eps)
  end
  return g
end

local fixed = rand({4, 3}, 5)
local cases = {
  {'mm', function(x, D) return torch.mm(x, D(fixed)) end, {3, 4}},
  {'broadcast add and mul', function(x, D) return torch.mul(torch.add(x, D(rand({4}, 6))), D(rand({3, 1}, 7))) end, {3, 4}},
  {'tanh, sigmoid, exp', function(x) return torch.add(torch.tanh(x), torch.mul(torch.sigmoid(x), torch.exp(x))) end, {5}},
  {'sum and mean along dims', function(x) return torch.add(torch.sum(x, 2), torch.mean(x, 2)) end, {3, 4}},
  {'max along a dim', function(x) return (torch.max(x, 2)) end, {3, 4}},
  {'logsumexp and var', function(x) return torch.add(torch.logsumexp(x, 1), torch.var(x, 1)) end, {3, 4}},
  {'cumsum', function(x) return torch.cumsum(x, 2) end, {2, 5}},
  {'index and gather', function(x, D)
    local a = x:index(1, D(torch.LongTensor({3, 1, 3})))
    return torch.add(a, torch.gather(x, 1, D(torch.LongTensor({{1, 2, 3, 1}, {2, 2, 1, 3}, {3, 1, 1, 2}}))))
  end, {3, 4}},
  {'narrow and select views', function(x) return torch.add(x:narrow(2, 2, 2), x:select(1, 2):narrow(1, 1, 2)) end, {3, 4}},
  {'cat, flip and a transpose', function(x) return torch.cat(torch.flip(x, {1}), x:t():contiguous():t(), 1) end, {2, 3}},
  {'where and cmax', function(x, D) return torch.where(torch.gt(x, 0), x, torch.cmax(x, D(rand({4}, 8)))) end, {3, 4}},
  {'bmm and matmul', function(x, D) return torch.matmul(x, D(rand({2, 4, 2}, 9))) end, {2, 3, 4}},
}

describe('autograd on GPU tensors (float64 gradient check)', function()
  for _, c in ipairs(cases) do
    local name, f, size = c[1], c[2], c[3]
    gpu_it(name, function()
      local x = rand(size, 11)
      local g = grad_of(f, x, to_gpu)
      assert.is_true(on_cpu or g:isCuda(), name .. ': the gradient is on the GPU')
      close(g, numeric(f, x, to_gpu, 1e-6), name .. ' (numerical)', 1e-5, 1e-7)
      close(g, grad_of(f, x, function(t) return t end), name .. ' (CPU backward)', 1e-10, 1e-12)
    end)
  end
end)

describe('a small MLP on the GPU', function()
  gpu_it('gets the CPU gradients and SGD steps', function()
    local x, y = rand({16, 4}, 21, 'float32'), rand({16, 3}, 22, 'float32')
    local init = {rand({4, 8}, 23, 'float32'), rand({8}, 24, 'float32'), rand({8, 3}, 25, 'float32'),
                  rand({3}, 26, 'float32')}
    local function train(D)
      local p = {}
      for i, t in ipairs(init) do p[i] = D(t):requiresGrad() end
      local xs, ys, grads = D(x), D(y), nil
      for step = 1, 3 do
        for _, t in ipairs(p) do t.grad = nil end
        local h = torch.relu(torch.add(torch.mm(xs, p[1]), p[2]))
        local out = torch.add(torch.mm(h, p[3]), p[4])
        local d = torch.sub(out, ys)
        local loss = torch.mean(torch.mul(d, d))
        loss:backward()
        if step == 1 then
          grads = {}
          for i, t in ipairs(p) do grads[i] = t.grad:clone() end
        end
        torch.no_grad(function()
          for _, t in ipairs(p) do t:add(-0.1, t.grad) end
        end)
      end
      return grads, p
    end
    local gg, gp = train(to_gpu)
    local cg, cp = train(function(t) return t end)
    for i = 1, 4 do
      assert.is_true(on_cpu or gg[i]:isCuda())
      close(gg[i], cg[i], 'gradient ' .. i, 1e-5, 1e-6)
      close(gp[i], cp[i], 'parameter ' .. i .. ' after 3 steps', 1e-5, 1e-6)
    end
  end)
end)
