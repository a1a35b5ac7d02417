-- nn kernels (torch.conv2d, torch.conv2d_backward, ...): forward values and
-- every gradient against PyTorch (test/data/nn_reference.lua, made by
-- test/gen_nn_reference.py), in float64, float32 and with non-contiguous
-- inputs; each backward against finite differences in float64; bad input.
local U = require 'testutil'
local R = dofile('test/data/nn_reference.lua')

-- the generator's inputs: sin(a·k + phase)·s over the shape, row-major
local function fill(shape, a, s, phase)
  local n = 1
  for _, d in ipairs(shape) do n = n * d end
  local t = torch.range(0, n - 1):double():mul(a):add(phase or 0):sin():mul(s)
  if #shape == 0 then return t:squeeze() end
  return t:view(torch.LongStorage(shape))
end

local function ref(r) -- a tensor stored as {size, data}
  local t = torch.DoubleTensor(r.data)
  if #r.size == 0 then return t end
  return t:view(torch.LongStorage(r.size))
end

-- the gradient the reference used: sin(0.29·k + 1) over out's shape
local function gout(out)
  local s = {}
  for i = 1, out:dim() do s[i] = out:size(i) end
  return fill(s, 0.29, 1, 1):type(out:type())
end

-- a non-contiguous copy of t (every other element of a wider buffer)
local function noncontig(t)
  if t:dim() == 0 then return t end
  local s = t:size()
  local last = t:dim()
  s[last] = s[last] * 2
  local big = torch.zeros(s):type(t:type()):fill(0 / 0)
  local v = big:narrow(last, 1, t:size(last))
  v:copy(t)
  return v
end

local function long(r) return torch.LongTensor(r.data):view(torch.LongStorage(r.size)) end

-- One runner per op: run(inputs, params, ints) -> out, grads, extra. The
-- gradient of sum(out·gout) for every float input, as the reference.
local run = {}

local function conv_run(fname)
  return function(t, p)
    local y = torch[fname](t.x, t.w, t.b, p.stride, p.padding, p.dilation, p.groups)
    local gx, gw, gb = torch[fname .. '_backward'](gout(y), t.x, t.w, p.stride, p.padding, p.dilation,
      p.groups, {true, true, t.b ~= nil})
    return y, {x = gx, w = gw, b = gb}
  end
end
run.conv1d, run.conv2d, run.conv3d = conv_run('conv1d'), conv_run('conv2d'), conv_run('conv3d')

function run.conv_transpose2d(t, p)
  local y = torch.conv_transpose2d(t.x, t.w, t.b, p.stride, p.padding, p.output_padding, p.groups,
    p.dilation)
  local gx, gw, gb = torch.conv_transpose2d_backward(gout(y), t.x, t.w, p.stride, p.padding,
    p.output_padding, p.groups, p.dilation)
  return y, {x = gx, w = gw, b = t.b and gb}
end

function run.max_pool2d(t, p)
  local y, idx = torch.max_pool2d(t.x, p.kernel, p.stride, p.padding, p.dilation, p.ceil_mode)
  return y, {x = torch.max_pool2d_backward(gout(y), t.x, idx)}, {indices = idx}
end

function run.avg_pool2d(t, p)
  local div = p.divisor > 0 and p.divisor or nil
  local y = torch.avg_pool2d(t.x, p.kernel, p.stride, p.padding, p.ceil_mode, p.count_include_pad, div)
  return y, {x = torch.avg_pool2d_backward(gout(y), t.x, p.kernel, p.stride, p.padding, p.ceil_mode,
    p.count_include_pad, div)}
end

function run.adaptive_avg_pool2d(t, p)
  local y = torch.adaptive_avg_pool2d(t.x, p.output_size)
  return y, {x = torch.adaptive_avg_pool2d_backward(gout(y), t.x)}
end

function run.adaptive_max_pool2d(t, p)
  local y, idx = torch.adaptive_max_pool2d(t.x, p.output_size)
  return y, {x = torch.adaptive_max_pool2d_backward(gout(y), t.x, idx)}, {indices = idx}
end

function run.max_unpool2d(t, p)
  local _, idx = torch.max_pool2d(fill({2, 3, 6, 6}, 0.83, 1):type(t.x:type()), 2)
  local y = torch.max_unpool2d(t.x, idx, p.output_size)
  return y, {x = torch.max_unpool2d_backward(gout(y), idx)}, {indices = idx}
end

function run.batch_norm(t, p)
  local rm = fill({p.C}, 0.3, 0.2):type(t.x:type())
  local rv = fill({p.C}, 0.7, 0.3):abs():add(0.5):type(t.x:type())
  local y, m, s = torch.batch_norm(t.x, rm, rv, t.w, t.b, p.training, p.momentum, p.eps)
  local gx, gw, gb = torch.batch_norm_backward(gout(y), t.x, t.w, m, s, p.training)
  return y, {x = gx, w = gw, b = gb}, {running_mean = rm, running_var = rv}
end

function run.layer_norm(t, p)
  local y, m, s = torch.layer_norm(t.x, p.shape, t.w, t.b, p.eps)
  local gx, gw, gb = torch.layer_norm_backward(gout(y), t.x, p.shape, t.w, m, s)
  return y, {x = gx, w = t.w and gw, b = t.b and gb}
end

function run.softmax(t, p)
  local y = torch.softmax(t.x, p.dim)
  return y, {x = torch.softmax_backward(gout(y), y, p.dim)}
end

function run.log_softmax(t, p)
  local y = torch.log_softmax(t.x, p.dim)
  return y, {x = torch.log_softmax_backward(gout(y), y, p.dim)}
end

local function class_args(t, p, i)
  local w = p.weight and fill({p.C}, 0.6, 0.4):abs():add(0.3):type(t.x:type()) or nil
  return long(i.target), w, p.ignore > 0 and p.ignore or -100
end

function run.nll_loss(t, p, i)
  local target, w, ignore = class_args(t, p, i)
  local lp = torch.log_softmax(t.x, 2)
  local y, tw = torch.nll_loss(lp, target, w, p.reduction, ignore)
  local glp = torch.nll_loss_backward(gout(y), lp, target, w, p.reduction, ignore, tw)
  return y, {x = torch.log_softmax_backward(glp, lp, 2)}
end

function run.cross_entropy(t, p, i)
  local target, w, ignore = class_args(t, p, i)
  local y, lp, tw = torch.cross_entropy(t.x, target, w, p.reduction, ignore)
  return y, {x = torch.cross_entropy_backward(gout(y), lp, target, w, p.reduction, ignore, tw)}
end

function run.mse_loss(t, p)
  local y = torch.mse_loss(t.x, t.y, p.reduction)
  local gx = torch.mse_loss_backward(gout(y), t.x, t.y, p.reduction)
  return y, {x = gx, y = -gx}
end

function run.smooth_l1_loss(t, p)
  local y = torch.smooth_l1_loss(t.x, t.y, p.reduction, p.beta)
  local gx = torch.smooth_l1_loss_backward(gout(y), t.x, t.y, p.reduction, p.beta)
  return y, {x = gx, y = -gx}
end

function run.bce_loss(t, p) -- on sigmoid(x), as the reference
  local pr, tg, w = torch.sigmoid(t.x), torch.add(t.y, 1):div(2), torch.abs(t.w)
  local y = torch.bce_loss(pr, tg, w, p.reduction)
  local gp = torch.bce_loss_backward(gout(y), pr, tg, w, p.reduction)
  return y, {x = torch.cmul(gp, pr):cmul(torch.mul(pr, -1):add(1))}
end

function run.bce_with_logits(t, p)
  local tg, w, pw = torch.add(t.y, 1):div(2), torch.abs(t.w), torch.abs(t.pw):add(0.5)
  local y = torch.bce_with_logits(t.x, tg, w, pw, p.reduction)
  return y, {x = torch.bce_with_logits_backward(gout(y), t.x, tg, w, pw, p.reduction)}
end

local acts = {
  gelu = function() return {} end, selu = function() return {} end, relu6 = function() return {} end,
  elu = function(p) return {p.alpha} end, leaky_relu = function(p) return {p.slope} end,
  hardtanh = function(p) return {p.min, p.max} end,
  softplus = function(p) return {p.beta, p.threshold} end,
}
for name, args in pairs(acts) do
  run[name] = function(t, p)
    local y = torch[name](t.x, unpack(args(p)))
    return y, {x = torch[name .. '_backward'](gout(y), t.x, unpack(args(p)))}
  end
end

function run.lstm_cell(t)
  local h, c, gates = torch.lstm_cell(t.x, t.h, t.c, t.w_ih, t.w_hh, t.b_ih, t.b_hh)
  local y = torch.cat(h, c, 2)
  local g, H = gout(y), h:size(2)
  local gx, gh, gc, gwi, gwh, gb = torch.lstm_cell_backward(g:narrow(2, 1, H), g:narrow(2, H + 1, H),
    t.x, t.h, t.c, t.w_ih, t.w_hh, gates, c)
  return y, {x = gx, h = gh, c = gc, w_ih = gwi, w_hh = gwh, b_ih = gb, b_hh = gb}
end

function run.gru_cell(t)
  local h, ws = torch.gru_cell(t.x, t.h, t.w_ih, t.w_hh, t.b_ih, t.b_hh)
  local gx, gh, gwi, gwh, gbi, gbh = torch.gru_cell_backward(gout(h), t.x, t.h, t.w_ih, t.w_hh, ws)
  return h, {x = gx, h = gh, w_ih = gwi, w_hh = gwh, b_ih = gbi, b_hh = gbh}
end

-- the reference's gradients the runner does not produce (target of BCE)
local skip = {bce_loss = {y = true}, bce_with_logits = {y = true}}

local function inputs_of(c, tensor_type, transform)
  local t = {}
  for k, d in pairs(c.inputs) do
    t[k] = fill(d.shape, d.a, d.s):type(tensor_type)
    if transform then t[k] = transform(t[k]) end
  end
  return t
end

local names = {}
for k in pairs(R) do names[#names + 1] = k end
table.sort(names)

local function close(got, want, tol, what)
  assert(got ~= nil, what .. ' is missing')
  local d = U.maxdiff(got, want)
  local scale = 1 + torch.abs(want):max()
  assert(d <= tol * scale, string.format('%s differs by %g (tolerance %g)', what, d, tol * scale))
end

local variants = {
  {'float64', 'torch.DoubleTensor', 1e-10},
  {'float32', 'torch.FloatTensor', 2e-5},
  {'float64 non-contiguous', 'torch.DoubleTensor', 1e-10, noncontig},
}

describe('nn functions against PyTorch', function()
  for _, name in ipairs(names) do
    local c = R[name]
    for _, v in ipairs(variants) do
      it(name .. ' (' .. v[1] .. ')', function()
        local y, grads, extra = run[c.op](inputs_of(c, v[2], v[4]), c.params, c.ints)
        assert.are.equal(v[2], y:type())
        close(y, ref(c.out), v[3], 'output')
        for k, g in pairs(c.grads) do
          if not (skip[c.op] or {})[k] then close(grads[k], ref(g), v[3], 'gradient of ' .. k) end
        end
        for k, e in pairs(c.extra) do close(extra[k], ref(e), v[3], k) end
      end)
    end
  end
end)

-- central differences of L = sum(out·gout) in float64, on up to 6
-- elements of each input (away from kinks: the inputs are sines)
describe('nn backward against finite differences', function()
  local eps = 1e-6
  for _, name in ipairs(names) do
    local c = R[name]
    it(name, function()
      local t = inputs_of(c, 'torch.DoubleTensor')
      local function loss()
        local y = run[c.op](t, c.params, c.ints)
        return torch.cmul(y, gout(y)):sum()
      end
      local _, grads = run[c.op](t, c.params, c.ints)
      for k, g in pairs(grads) do
        if c.inputs[k] and not (skip[c.op] or {})[k] then
          local flat, gflat = t[k]:view(-1), g:contiguous():view(-1)
          local n = flat:nElement()
          local m = math.min(n, 6)
          for j = 1, m do -- spread over the tensor, past element 1 (sin 0 = 0: a kink)
            local e = n > m and math.floor(j * n / (m + 1)) + 1 or j
            local x0 = flat[e]
            flat[e] = x0 + eps
            local lp = loss()
            flat[e] = x0 - eps
            local lm = loss()
            flat[e] = x0
            local num = (lp - lm) / (2 * eps)
            assert(math.abs(num - gflat[e]) <= 1e-6 + 1e-5 * math.abs(num),
              string.format('d/d%s[%d]: numeric %.10g, analytic %.10g', k, e, num, gflat[e]))
          end
        end
      end
    end)
  end
end)

describe('nn functions', function()
  it('returns max pool indices counted from 1 (flat in each plane)', function()
    local x = torch.Tensor({{{1, 5, 2}, {7, 3, 4}}})
    local y, idx = torch.max_pool2d(x, 2, 1)
    assert.are.same({{{7, 5}}}, y:totable())
    assert.are.same({{{4, 2}}}, idx:totable())
  end)

  it('updates batch norm running statistics in place (unbiased variance)', function()
    local x = torch.Tensor({{1, 10}, {3, 20}})
    local rm, rv = torch.zeros(2), torch.ones(2)
    torch.batch_norm(x, rm, rv, nil, nil, true, 0.5, 0)
    U.near(rm, torch.Tensor({1, 7.5}), 1e-6)
    U.near(rv, torch.Tensor({0.5 + 0.5 * 2, 0.5 + 0.5 * 50}), 1e-5)
  end)

  it('computes only the gradients asked for', function()
    local x, w = torch.randn(1, 2, 4, 4), torch.randn(3, 2, 3, 3)
    local gx, gw, gb = torch.conv2d_backward(torch.randn(1, 3, 2, 2), x, w, 1, 0, 1, 1, {false, true, false})
    assert.is_nil(gx)
    assert.is_nil(gb)
    assert.are.same({3, 2, 3, 3}, gw:size():totable())
  end)

  it('softmax is stable for large inputs and sums to 1', function()
    local y = torch.softmax(torch.Tensor({{1000, 1001, 1002}}), 2)
    U.near(y:sum(), 1, 1e-6)
    assert.is_true(y[1][3] > y[1][2])
  end)

  it('runs a batch of one and large batches on every thread alike', function()
    local x, w, b = torch.randn(9, 3, 6, 6):double(), torch.randn(4, 3, 3, 3):double(), torch.randn(4):double()
    local y = torch.conv2d(x, w, b, 1, 1)
    for n = 1, 9, 4 do U.near(torch.conv2d(x:narrow(1, n, 1), w, b, 1, 1), y:narrow(1, n, 1), 1e-12) end
  end)

  it('dropout keeps the expected fraction and scales the kept values', function()
    torch.manualSeed(1)
    local y, mask = torch.dropout(torch.ones(10000), 0.25, true)
    assert.is_true(math.abs(mask:ne(0):sum() / 10000 - 0.75) < 0.03)
    U.near(y:max(), 1 / 0.75, 1e-6)
  end)
end)

describe('nn functions reject bad input', function()
  local x4, w4 = torch.randn(2, 3, 5, 5), torch.randn(4, 3, 3, 3)
  U.error_cases({
    {'a conv2d input of the wrong rank', function() torch.conv2d(torch.randn(5, 5), w4) end,
      'torch.conv2d', '3-D (unbatched) or 4-D'},
    {'a conv2d weight of the wrong rank', function() torch.conv2d(x4, torch.randn(4, 3)) end,
      'torch.conv2d', 'expected a 4-D weight'},
    {'mismatched conv2d channels', function() torch.conv2d(x4, torch.randn(4, 2, 3, 3)) end,
      'torch.conv2d', 'input has 3 channels'},
    {'a conv2d kernel bigger than the padded input', function() torch.conv2d(torch.randn(1, 3, 2, 2), w4) end,
      'torch.conv2d', 'bigger than the padded input'},
    {'a conv2d stride of 0', function() torch.conv2d(x4, w4, nil, 0) end, 'torch.conv2d', 'stride must be positive'},
    {'negative conv2d padding', function() torch.conv2d(x4, w4, nil, 1, -1) end, 'torch.conv2d', 'padding'},
    {'conv2d groups not dividing channels', function() torch.conv2d(torch.randn(1, 4, 5, 5), torch.randn(3, 2, 3, 3), nil, 1, 0, 1, 2) end,
      'torch.conv2d', 'divisible by groups'},
    {'a conv2d bias of the wrong size', function() torch.conv2d(x4, w4, torch.randn(3)) end, 'torch.conv2d', 'bias'},
    {'mixed conv2d dtypes', function() torch.conv2d(x4, w4:double()) end, 'torch.conv2d', 'float64'},
    {'integer conv2d input', function() torch.conv2d(x4:long(), w4) end, 'torch.conv2d', 'float32 or float64'},
    {'a conv2d gradOutput of the wrong shape', function() torch.conv2d_backward(torch.randn(2, 4, 4, 4), x4, w4) end,
      'torch.conv2d_backward', 'gradOutput'},
    {'a bad size table', function() torch.conv2d(x4, w4, nil, {1, 2, 3}) end, 'torch.conv2d', 'table of 2 numbers'},
    {'a max_pool2d padding over half the kernel', function() torch.max_pool2d(x4, 2, 2, 2) end,
      'torch.max_pool2d', 'half the kernel'},
    {'a max_pool2d kernel bigger than the input', function() torch.max_pool2d(x4, 7) end, 'torch.max_pool2d', 'bigger'},
    {'max_pool2d without a kernel', function() torch.max_pool2d(x4) end, 'torch.max_pool2d', 'kernel'},
    {'out-of-range unpool indices', function()
      torch.max_unpool2d(torch.randn(1, 1, 2, 2), torch.LongTensor(1, 1, 2, 2):fill(99), {4, 4}) end,
      'torch.max_unpool2d', 'out of range'},
    {'float pool indices', function() torch.max_pool2d_backward(torch.randn(2, 3, 2, 2), x4, torch.randn(2, 3, 2, 2)) end,
      'torch.max_pool2d_backward', 'int64'},
    {'a nll_loss target out of range', function()
      torch.nll_loss(torch.randn(2, 3), torch.LongTensor({1, 4})) end, 'torch.nll_loss', 'target 4 is out of range'},
    {'a nll_loss target of the wrong shape', function()
      torch.nll_loss(torch.randn(2, 3), torch.LongTensor({1, 2, 3})) end, 'torch.nll_loss', 'target has size'},
    {'a float class target', function() torch.cross_entropy(torch.randn(2, 3), torch.Tensor({1, 2})) end,
      'torch.cross_entropy', 'int64'},
    {'an unknown reduction', function() torch.mse_loss(torch.randn(3), torch.randn(3), 'avg') end,
      'torch.mse_loss', "'mean', 'sum' or 'none'"},
    {'a loss target of another shape', function() torch.mse_loss(torch.randn(3), torch.randn(4)) end,
      'torch.mse_loss', 'target has size'},
    {'a softmax dim out of range', function() torch.softmax(torch.randn(2, 3), 3) end, 'torch.softmax', 'out of range'},
    {'batch_norm in eval mode without running stats', function() torch.batch_norm(x4, nil, nil) end,
      'torch.batch_norm', 'running_mean'},
    {'batch_norm weight of the wrong size', function() torch.batch_norm(x4, nil, nil, torch.ones(4), nil, true) end,
      'torch.batch_norm', 'weight has size'},
    {'batch_norm training on one value per channel', function() torch.batch_norm(torch.randn(1, 3), nil, nil, nil, nil, true) end,
      'torch.batch_norm', 'more than 1 value'},
    {'a layer_norm shape not matching the input', function() torch.layer_norm(x4, {4, 5}) end,
      'torch.layer_norm', 'does not match'},
    {'an lstm_cell weight of the wrong shape', function()
      torch.lstm_cell(torch.randn(2, 3), torch.randn(2, 4), torch.randn(2, 4), torch.randn(15, 3), torch.randn(16, 4)) end,
      'torch.lstm_cell', 'w_ih has size'},
    {'a gru_cell hidden state of the wrong batch', function()
      torch.gru_cell(torch.randn(2, 3), torch.randn(3, 4), torch.randn(12, 3), torch.randn(12, 4)) end,
      'torch.gru_cell', 'hx has size'},
    {'hardtanh with min above max', function() torch.hardtanh(torch.randn(3), 1, -1) end, 'torch.hardtanh', 'greater than max'},
    {'an activation gradient of another shape', function() torch.gelu_backward(torch.randn(3), torch.randn(4)) end,
      'torch.gelu_backward', 'gradOutput has size'},
    {'a transposed conv output padding too large', function()
      torch.conv_transpose2d(x4, torch.randn(3, 2, 3, 3), nil, 2, 0, 2) end, 'torch.conv_transpose2d', 'output padding'},
  })
end)
