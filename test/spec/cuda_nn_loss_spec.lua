-- softmax / log_softmax, the losses and the activations on GPU tensors
-- (cuda/nn_loss.c, cuda/nn_act.c), each compared with the CPU kernels:
-- forward and backward, float32 and float64, odd sizes, every softmax
-- layout (warp per row, block per row, strided rows, one thread per
-- column), non-contiguous and unbatched inputs, class weights,
-- ignore_index, every reduction; then autograd and nn modules on :cuda()
-- against the CPU, and the errors (targets out of range, mixed devices).
-- Pending without a GPU; LUTORCH_CUDA_SPEC_ON_CPU=1 runs the cases on the
-- CPU to check them.
require 'torch'
require 'torch.cuda'
require 'nn'
local C = require 'cuda_util'
local rand, run_cases, gpu_it = C.rand, C.run_cases, C.gpu_it

-- 1-based class targets in [1, C] for n samples (shape given)
local function targets(sizes, nclass, seed)
  return rand(sizes, {lo = 1, hi = nclass + 1, int = true, dtype = 'int64', seed = seed})
end

local function one(seed) return rand({1}, {lo = 0.5, hi = 1.5, seed = seed}) end

describe('GPU softmax and log_softmax', function()
  local cases = {}
  -- {name, sizes, dim}: the layouts of kernels/nn_loss.cu
  local shapes = {
    {'rows of 45 (warp per row)', {7, 45}, 2},
    {'rows of 1500 (block per row)', {3, 1500}, 2},
    {'dim 2 of 5x37x3 (strided rows)', {5, 37, 3}, 2},
    {'dim 2 of 4x10x40 (thread per column)', {4, 10, 40}, 2},
    {'dim 1 of 300x33 (thread per column)', {300, 33}, 1},
    {'a vector of 70', {70}, 1},
  }
  for k, s in ipairs(shapes) do
    for _, dt in ipairs({'float32', 'float64'}) do
      for _, f in ipairs({'softmax', 'log_softmax'}) do
        cases[#cases + 1] = {string.format('%s %s, %s', f, s[1], dt), function(D)
          local x = D(rand(s[2], {seed = k, dtype = dt}))
          local g = D(rand(s[2], {seed = k + 50, dtype = dt}))
          local y = torch[f](x, s[3])
          return y, torch[f .. '_backward'](g, y, s[3])
        end}
      end
    end
  end
  cases[#cases + 1] = {'non-contiguous input (a transpose), dim 1 and 2', function(D)
    local x = D(rand({33, 9}, {seed = 20})):t()
    return torch.softmax(x, 1), torch.log_softmax(x, 2), torch.softmax(x:narrow(2, 3, 20), 2)
  end}
  cases[#cases + 1] = {'-inf entries and a row of -inf', function(D)
    local x = rand({3, 5}, {seed = 21})
    x[1][2] = -math.huge
    x[3]:fill(-math.huge)
    x = D(x)
    return torch.softmax(x, 2), torch.log_softmax(x, 2)
  end}
  cases[#cases + 1] = {'a 0-dim input', function(D)
    local x = D(torch.FloatTensor({2.5}):view(torch.LongStorage({})))
    return torch.softmax(x), torch.log_softmax(x)
  end}
  cases[#cases + 1] = {'large logits stay finite', function(D)
    return torch.log_softmax(D(rand({4, 50}, {lo = 500, hi = 900, seed = 22})), 2)
  end, 1e-5, 1e-3}
  run_cases(cases)
end)

describe('GPU nll_loss and cross_entropy', function()
  local cases = {}
  local layouts = {
    {'batched (17, 11)', {17, 11}, {17}},
    {'unbatched (11)', {11}, {}},
    {'spatial (3, 7, 4, 5)', {3, 7, 4, 5}, {3, 4, 5}},
  }
  for k, l in ipairs(layouts) do
    local nc = l[2][#l[2] == 1 and 1 or 2]
    for _, dt in ipairs({'float32', 'float64'}) do
      for _, red in ipairs({'mean', 'sum', 'none'}) do
        for _, weighted in ipairs({false, true}) do
          local name = string.format('%s, %s, %s%s', l[1], dt, red, weighted and ', weighted' or '')
          local function setup(D)
            local x = D(rand(l[2], {seed = k, dtype = dt}))
            local t = targets(l[3], nc, k + 10)
            if #l[3] > 0 then t:view(-1)[2] = -100 end -- one ignored sample
            local w = weighted and D(rand({nc}, {lo = 0.2, hi = 2, seed = k + 20, dtype = dt})) or nil
            local g = red == 'none' and D(rand(l[3], {seed = k + 30, dtype = dt})) or D(one(k):type(torch.tensorTypeOf[dt]))
            return x, D(t), w, g
          end
          cases[#cases + 1] = {'cross_entropy ' .. name, function(D)
            local x, t, w, g = setup(D)
            local loss, lp, tw = torch.cross_entropy(x, t, w, red)
            return loss, lp, tw, torch.cross_entropy_backward(g, lp, t, w, red, -100, tw)
          end}
          cases[#cases + 1] = {'nll_loss ' .. name, function(D)
            local x, t, w, g = setup(D)
            local lp = torch.log_softmax(x, #l[2] == 1 and 1 or 2)
            local loss, tw = torch.nll_loss(lp, t, w, red)
            return loss, tw, torch.nll_loss_backward(g, lp, t, w, red, -100, tw)
          end}
        end
      end
    end
  end
  cases[#cases + 1] = {'many samples (5000 x 7): several reduction blocks', function(D)
    local x, t = D(rand({5000, 7}, {seed = 40, dtype = 'float64'})), D(targets({5000}, 7, 41))
    local loss, lp, tw = torch.cross_entropy(x, t, nil, 'mean')
    return loss, tw, torch.cross_entropy_backward(D(one(42):double()), lp, t, nil, 'mean', -100, tw)
  end}
  cases[#cases + 1] = {'1000 classes, non-contiguous input, ignore_index 3', function(D)
    local x = D(rand({1000, 6}, {seed = 43})):t()
    local t = D(targets({6}, 1000, 44))
    local loss, lp, tw = torch.cross_entropy(x, t, nil, 'mean', 3)
    return loss, tw, torch.cross_entropy_backward(D(one(45)), lp, t, nil, 'mean', 3, tw)
  end}
  cases[#cases + 1] = {'every target ignored: mean is NaN, total weight 0', function(D)
    local x, t = D(rand({3, 4}, {seed = 46})), D(torch.LongTensor({-100, -100, -100}))
    local loss, lp, tw = torch.cross_entropy(x, t)
    return loss, tw
  end}
  run_cases(cases)
end)

describe('GPU pointwise losses', function()
  local cases = {}
  for _, dt in ipairs({'float32', 'float64'}) do
    for _, red in ipairs({'mean', 'sum', 'none'}) do
      local name = string.format('%s, %s', dt, red)
      local sz = {13, 7}
      local function grad(D, seed)
        if red == 'none' then return D(rand(sz, {seed = seed, dtype = dt})) end
        return D(one(seed):type(torch.tensorTypeOf[dt]))
      end
      cases[#cases + 1] = {'mse_loss ' .. name, function(D)
        local x, t = D(rand(sz, {seed = 1, dtype = dt})), D(rand(sz, {seed = 2, dtype = dt}))
        return torch.mse_loss(x, t, red), torch.mse_loss_backward(grad(D, 3), x, t, red)
      end}
      cases[#cases + 1] = {'smooth_l1_loss beta 0.7 ' .. name, function(D)
        local x, t = D(rand(sz, {seed = 4, dtype = dt})), D(rand(sz, {seed = 5, dtype = dt}))
        return torch.smooth_l1_loss(x, t, red, 0.7), torch.smooth_l1_loss_backward(grad(D, 6), x, t, red, 0.7)
      end}
      cases[#cases + 1] = {'bce_loss with a weight, 0 and 1 inputs clamp ' .. name, function(D)
        local x = rand(sz, {lo = 0.01, hi = 0.99, seed = 7, dtype = dt})
        x[1][1], x[2][2] = 0, 1
        x = D(x)
        local t = D(rand(sz, {lo = 0, hi = 1, seed = 8, dtype = dt}))
        local w = D(rand({7}, {lo = 0.5, hi = 2, seed = 9, dtype = dt}))
        return torch.bce_loss(x, t, w, red), torch.bce_loss(x, t, nil, red),
               torch.bce_loss_backward(grad(D, 10), x, t, w, red)
      end}
      cases[#cases + 1] = {'bce_with_logits with weight and pos_weight ' .. name, function(D)
        local x, t = D(rand(sz, {seed = 11, dtype = dt})), D(rand(sz, {lo = 0, hi = 1, seed = 12, dtype = dt}))
        local w = D(rand({13, 1}, {lo = 0.5, hi = 2, seed = 13, dtype = dt})) -- expanded and copied
        local pw = D(rand({7}, {lo = 0.5, hi = 3, seed = 14, dtype = dt}))    -- read periodically
        return torch.bce_with_logits(x, t, w, pw, red), torch.bce_with_logits(x, t, nil, nil, red),
               torch.bce_with_logits_backward(grad(D, 15), x, t, w, pw, red)
      end}
    end
  end
  cases[#cases + 1] = {'non-contiguous inputs, 3000 elements (several blocks)', function(D)
    local x = D(rand({60, 50}, {seed = 16, dtype = 'float64'})):t()
    local t = D(rand({50, 60}, {seed = 17, dtype = 'float64'}))
    return torch.mse_loss(x, t), torch.smooth_l1_loss(x, t, 'sum'),
           torch.mse_loss_backward(D(one(18):double()), x, t, 'mean')
  end}
  run_cases(cases)
end)

describe('GPU activations', function()
  local cases = {}
  local acts = {
    {'gelu', {}}, {'elu', {0.7, 1.3, 0.9}}, {'selu', {}}, {'leaky_relu', {0.05}},
    {'hardtanh', {-0.5, 1.5}}, {'relu6', {}}, {'softplus', {2, 3}},
  }
  for k, a in ipairs(acts) do
    for _, dt in ipairs({'float32', 'float64'}) do
      cases[#cases + 1] = {string.format('%s %s', a[1], dt), function(D)
        local x = D(rand({37, 5}, {lo = -8, hi = 8, seed = k, dtype = dt}))
        local g = D(rand({37, 5}, {seed = k + 10, dtype = dt}))
        local xt = x:t() -- non-contiguous
        return torch[a[1]](x, unpack(a[2])), torch[a[1] .. '_backward'](g, x, unpack(a[2])),
               torch[a[1]](xt, unpack(a[2]))
      end}
    end
  end
  cases[#cases + 1] = {'an empty and a 0-dim input', function(D)
    return torch.gelu(D(torch.FloatTensor(0))), torch.elu(D(torch.DoubleTensor({-1.5}):view(torch.LongStorage({}))))
  end}
  run_cases(cases)
end)

describe('GPU autograd and nn modules', function()
  run_cases({
    {'cross_entropy backward through autograd (float64)', function(D)
      local x = D(rand({6, 9}, {seed = 1, dtype = 'float64'})):requiresGrad()
      local loss = torch.cross_entropy(x, D(targets({6}, 9, 2)))
      loss:backward()
      return loss, x.grad
    end},
    {'softmax, activations and mse through autograd', function(D)
      local x = D(rand({5, 8}, {seed = 3, dtype = 'float64'})):requiresGrad()
      local y = torch.softmax(torch.gelu(x), 2)
      local z = torch.softplus(torch.elu(y), 1, 20)
      local loss = torch.mse_loss(torch.leaky_relu(z, 0.1), D(rand({5, 8}, {seed = 4, dtype = 'float64'})))
      loss:backward()
      return loss, x.grad
    end},
    {'bce_with_logits and nll through autograd (float32)', function(D)
      local x = D(rand({4, 3}, {seed = 5})):requiresGrad()
      local l1 = torch.bce_with_logits(x, D(rand({4, 3}, {lo = 0, hi = 1, seed = 6})))
      local l2 = torch.nll_loss(torch.log_softmax(x, 2), D(targets({4}, 3, 7)))
      torch.add(l1, l2):backward()
      return x.grad
    end},
    {'gradient of a gradient: gelu and log_softmax (createGraph)', function(D)
      local x = D(rand({3, 4}, {seed = 8, dtype = 'float64'})):requiresGrad()
      local y = torch.sum(torch.mul(torch.log_softmax(torch.gelu(x), 2), D(rand({3, 4}, {seed = 9, dtype = 'float64'}))))
      local g = torch.autograd.grad({y}, {x}, nil, {createGraph = true})
      torch.sum(torch.mul(g, g)):backward()
      return g, x.grad
    end},
  })

  local function on_device(m, D)
    local probe = D(torch.zeros(1))
    if probe.isCuda and probe:isCuda() then return m:cuda() end
    return m
  end
  torch.manualSeed(11)
  local mlp = nn.Sequential():add(nn.Linear(10, 16)):add(nn.ReLU()):add(nn.Linear(16, 5))
                             :add(nn.LogSoftMax())
  local lin = nn.Linear(10, 5)
  local X, T = rand({7, 10}, {seed = 30}), targets({7}, 5, 31)
  local function train_step(model, crit, D)
    local m = on_device(model:clone(), D)
    local x, t = D(X), D(T)
    local out = m:forward(x)
    local loss = crit:forward(out, t)
    local gout = crit:backward(out, t)
    m:zeroGradParameters()
    local gin = m:backward(x, gout)
    local _, grads = m:parameters()
    local r = {loss, out, gout, gin}
    for _, gp in ipairs(grads) do r[#r + 1] = gp end
    return unpack(r)
  end
  run_cases({
    {'Sequential(Linear, ReLU, Linear, LogSoftMax) + ClassNLLCriterion on :cuda()', function(D)
      return train_step(mlp, nn.ClassNLLCriterion(), D)
    end, 1e-4, 1e-5},
    {'Linear + CrossEntropyCriterion (weighted, sum) on :cuda()', function(D)
      local w = torch.FloatTensor({1, 2, 0.5, 1, 3})
      return train_step(lin, nn.CrossEntropyCriterion(D(w), false), D)
    end, 1e-4, 1e-5},
  })
end)

describe('GPU loss errors', function()
  -- the same message on both devices
  local function same_error(fn)
    local ok1, e1 = pcall(fn, function(t) return t end)
    local ok2, e2 = pcall(fn, C.to_gpu)
    assert.is_false(ok1)
    assert.is_false(ok2)
    assert.are.equal(tostring(e1), tostring(e2))
    return tostring(e2)
  end
  gpu_it('a target out of range names the first bad one, as the CPU', function()
    local x, t = rand({4, 3}, {seed = 1}), torch.LongTensor({2, 9, 0, 1})
    local e = same_error(function(D) return torch.cross_entropy(D(x), D(t)) end)
    assert.truthy(e:find('cross_entropy: target 9 is out of range for 3 classes', 1, true))
    e = same_error(function(D) return torch.nll_loss(D(x), D(t), nil, 'none') end)
    assert.truthy(e:find('nll_loss: target 9 is out of range', 1, true))
    local tw = torch.FloatTensor({3}):view(torch.LongStorage({}))
    same_error(function(D) return torch.nll_loss_backward(D(one(2)), D(x), D(t), nil, 'mean', -100, D(tw)) end)
    e = same_error(function(D)
      return torch.cross_entropy_backward(D(one(3)), D(x), D(torch.LongTensor({1, 1, -1, 1})), nil, 'sum')
    end)
    assert.truthy(e:find('target -1 is out of range for 3 classes (classes count from 1)', 1, true))
  end)
  gpu_it('a tensor on the CPU beside a GPU input names both devices', function()
    if C.on_cpu then return pending('needs a real GPU') end
    local x, t = C.to_gpu(rand({4, 3}, {seed = 1})), C.to_gpu(torch.LongTensor({1, 2, 3, 1}))
    local ok, e = pcall(torch.nll_loss, x, t, torch.FloatTensor({1, 1, 1}))
    assert.is_false(ok)
    assert.truthy(tostring(e):find('nll_loss: weight is on cpu but input is on GPU 1', 1, true))
    ok, e = pcall(torch.cross_entropy, x, torch.LongTensor({1, 2, 3, 1}))
    assert.truthy(tostring(e):find('cross_entropy: target is on cpu but input is on GPU 1', 1, true))
    ok, e = pcall(torch.mse_loss, x, rand({4, 3}, {seed = 2}))
    assert.truthy(tostring(e):find('mse_loss: target is on cpu but input is on GPU 1', 1, true))
    ok, e = pcall(torch.gelu_backward, rand({4, 3}, {seed = 2}), x)
    assert.truthy(tostring(e):find('gelu_backward: gradOutput is on cpu but input is on GPU 1', 1, true))
    ok, e = pcall(torch.softmax_backward, rand({4, 3}, {seed = 2}), x, 2)
    assert.truthy(tostring(e):find('softmax_backward: gradOutput is on cpu but input is on GPU 1', 1, true))
  end)
end)
