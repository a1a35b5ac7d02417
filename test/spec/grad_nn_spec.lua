-- Autograd of the nn ops (lib/ops/nn_grad_*.c): every differentiable nn entry
-- of the op table records itself; gradcheck of every case in
-- grad_nn_cases.lua (float64, several shapes, non-contiguous inputs);
-- gradgradcheck where the backward is composed, a clear refusal of
-- createGraph where it is a fused kernel; gradients equal to the kernels'
-- own *_backward; the rules for targets, weights and running statistics.
local U = require 'testutil'
local cases = require 'grad_nn_cases'
local gradcheck, gradgradcheck = torch.autograd.gradcheck, torch.autograd.gradgradcheck
local core = torch.core
local L, Dt = torch.LongTensor, torch.DoubleTensor

-- backward built from differentiable ops: gradients of gradients work
local double = {softmax = true, log_softmax = true, mse_loss = true, gelu = true, elu = true,
                selu = true, leaky_relu = true, hardtanh = true, relu6 = true, softplus = true}

local family = {'conv1d', 'conv2d', 'conv3d', 'conv_transpose2d', 'max_pool2d', 'avg_pool2d',
                'adaptive_max_pool2d', 'adaptive_avg_pool2d', 'max_unpool2d', 'batch_norm',
                'layer_norm', 'softmax', 'log_softmax', 'nll_loss', 'cross_entropy', 'mse_loss',
                'smooth_l1_loss', 'bce_loss', 'bce_with_logits', 'gelu', 'elu', 'selu',
                'leaky_relu', 'hardtanh', 'relu6', 'softplus', 'lstm_cell', 'lstm_pointwise',
                'gru_cell'}

local function leaf(t, dt) return torch.core.fromtable(dt or 'float64', t, {#t}):requiresGrad(true) end
local function ones(y) return core.empty(y:type() == 'torch.FloatTensor' and 'float32' or 'float64', y:size()):fill(1) end
local function randn(dt, ...)
  return torch.randn(...):type(dt == 'float32' and 'torch.FloatTensor' or 'torch.DoubleTensor')
end

describe('nn ops in the op table', function()
  for _, name in ipairs(family) do
    it(name .. ' has a backward and gradcheck cases', function()
      local info = core.ops[name]
      assert(info, name .. ' is not in the op table')
      assert.is_true(info.differentiable)
      assert.is_true(core.ops[name .. '_backward'].nondiff)
      assert(cases[name] and #cases[name] > 0, 'no gradcheck case for ' .. name)
    end)
  end
end)

describe('gradcheck', function()
  for _, name in ipairs(family) do
    describe(name, function()
      for _, c in ipairs(cases[name]) do
        it(c.name, function() assert.is_true(gradcheck(c[1], c[2])) end)
      end
      if double[name] then
        it('gradgradcheck', function()
          for _, c in ipairs(cases[name]) do assert.is_true(gradgradcheck(c[1], c[2])) end
        end)
      else
        it('refuses createGraph with a clear error', function()
          local c = cases[name][1]
          local outs = {c[1](unpack(c[2]))}
          local s = outs[1]:sum()
          for k = 2, #outs do s = s + outs[k]:sum() end
          U.raises(function() torch.autograd.grad(s, c[2][1], nil, {createGraph = true}) end,
                   name .. ': gradients of gradients are not supported')
        end)
      end
    end)
  end
end)

describe('recording', function()
  it('torch.conv2d on tensors that require grad fills x.grad, w.grad, b.grad', function()
    local x = randn('float32', 2, 3, 5, 5):requiresGrad()
    local w = randn('float32', 4, 3, 3, 3):requiresGrad()
    local b = randn('float32', 4):requiresGrad()
    local y = torch.conv2d(x, w, b, 1, 1)
    assert.equal('conv2d', y.grad_fn.name)
    y:backward(ones(y))
    -- the same as the fused kernel's own backward
    local gx, gw, gb = torch.conv2d_backward(ones(y), x:detach(), w:detach(), 1, 1)
    U.near(x.grad, gx, 1e-5)
    U.near(w.grad, gw, 1e-5)
    U.near(b.grad, gb, 1e-4)
  end)
  it('names the node after the op', function()
    local x = randn('float64', 2, 3):requiresGrad()
    for name, f in pairs({softmax = torch.softmax, gelu = torch.gelu, selu = torch.selu,
                          relu6 = torch.relu6}) do
      assert.equal(name, f(x).grad_fn.name)
    end
    local y, idx = torch.max_pool2d(randn('float64', 1, 4, 4):requiresGrad(), 2)
    assert.equal('max_pool2d', y.grad_fn.name)
    assert.is_nil(idx.grad_fn)
    local _, mean, invstd = torch.batch_norm(randn('float64', 4, 2):requiresGrad(), nil, nil, nil, nil, true)
    assert.is_nil(mean.grad_fn)
    assert.is_nil(invstd.grad_fn)
  end)
  it('records nothing under no_grad or on inputs without grad', function()
    local x = randn('float64', 2, 3, 4, 4)
    local w = randn('float64', 2, 3, 3, 3):requiresGrad()
    -- no garbage left from earlier tests that a GC cycle could take mid-way
    collectgarbage()
    collectgarbage()
    local before = core.autograd.live_nodes()
    local y = torch.no_grad(function() return torch.conv2d(x, w) end)
    assert.is_nil(y.grad_fn)
    assert.is_nil(torch.softmax(x, 2).grad_fn)
    assert.equal(before, core.autograd.live_nodes())
  end)
  it('frees the graph after backward', function()
    collectgarbage()
    collectgarbage()
    local before = core.autograd.live_nodes()
    do
      local x = randn('float64', 2, 3):requiresGrad()
      local h, c = torch.lstm_cell(x, torch.zeros(2, 4):double(), torch.zeros(2, 4):double(),
                                   randn('float64', 16, 3), randn('float64', 16, 4))
      torch.add(h, c):sum():backward()
      assert.equal(2 * 3, x.grad:nElement())
    end
    collectgarbage()
    collectgarbage()
    assert.equal(before, core.autograd.live_nodes())
  end)
end)

-- gradients of sum(w · op(x)) worked out by hand (numpy-free: small formulas)
describe('gradient values', function()
  it('mse_loss: 2(x - t)/n for x and its negative for t', function()
    local x, t = leaf{1, 2, 4}, leaf{0, 3, 1}
    torch.mse_loss(x, t):backward()
    U.near(x.grad, Dt{2 / 3, -2 / 3, 2}, 1e-12)
    U.near(t.grad, Dt{-2 / 3, 2 / 3, -2}, 1e-12)
  end)
  it('softmax of equal values: g_i/n - mean(g)/n', function()
    local x = leaf{0, 0}
    torch.softmax(x):backward(Dt{1, 0})
    U.near(x.grad, Dt{0.25, -0.25}, 1e-12)
  end)
  it('cross_entropy: softmax - onehot, and the log-probs carry their own gradient', function()
    local x = torch.core.fromtable('float64', {0, 0, 0, 0}, {2, 2}):requiresGrad(true)
    local loss, lp = torch.cross_entropy(x, L{1, 2}, nil, 'sum')
    torch.add(loss, lp:select(2, 1):sum()):backward()
    -- loss: {{-0.5, 0.5}, {0.5, -0.5}}; lp[,1]: {{0.5, -0.5}, {0.5, -0.5}}
    U.near(x.grad, torch.core.fromtable('float64', {0, 0, 1, -1}, {2, 2}), 1e-12)
  end)
  it('max_pool2d sends the gradient to the maximum', function()
    local x = torch.core.fromtable('float64', {1, 5, 3, 2}, {1, 2, 2}):requiresGrad(true)
    torch.max_pool2d(x, 2):sum():backward()
    U.near(x.grad, torch.core.fromtable('float64', {0, 1, 0, 0}, {1, 2, 2}), 0)
  end)
  it('lstm_cell: the bias gradient goes to both biases', function()
    local bi, bh = torch.zeros(8):double():requiresGrad(), torch.zeros(8):double():requiresGrad()
    local h = torch.lstm_cell(randn('float64', 1, 3), torch.zeros(1, 2):double(), torch.zeros(1, 2):double(),
                              randn('float64', 8, 3), randn('float64', 8, 2), bi, bh)
    h:sum():backward()
    U.near(bi.grad, bh.grad, 0)
  end)
end)

describe('inputs without gradient', function()
  it('batch_norm updates the running statistics without differentiating them', function()
    local rm, rv = torch.zeros(2):double(), torch.ones(2):double()
    local x = randn('float64', 4, 2):requiresGrad()
    local y = torch.batch_norm(x, rm, rv, nil, nil, true, 0.5)
    assert.is_true(U.maxdiff(rm, torch.zeros(2):double()) > 0)
    assert.is_nil(rm.grad_fn)
    y:backward(randn('float64', 4, 2))
    assert.equal(8, x.grad:nElement())
  end)
  U.error_cases({
    {'a gradient for nll_loss class weights', function()
      local w = leaf{1, 2}
      torch.nll_loss(leaf{-1, -2}:view(1, 2), L{1}, w):backward()
    end, 'nll_loss', 'no gradient with respect to weight'},
    {'a gradient for a bce target', function()
      torch.bce_loss(leaf{0.3}, leaf{1}):backward()
    end, 'bce_loss', 'no gradient with respect to target'},
    {'an input changed in place before backward', function()
      local x = randn('float64', 1, 1, 3, 3):requiresGrad()
      local w = randn('float64', 1, 1, 2, 2)
      local y = torch.conv2d(x, w)
      w:add(1)
      y:sum():backward()
    end, 'conv2d', 'modified by an in-place operation'},
    {'a cell state changed in place before backward (kept beyond the node slots)', function()
      local c = randn('float64', 1, 2)
      local h = torch.lstm_cell(randn('float64', 1, 3):requiresGrad(), randn('float64', 1, 2), c,
                                randn('float64', 8, 3), randn('float64', 8, 2))
      c:mul(2)
      h:sum():backward()
    end, 'lstm_cell', 'modified by an in-place operation'},
  })
end)
