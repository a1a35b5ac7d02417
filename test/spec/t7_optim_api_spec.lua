-- Torch7's documented optim API that lutorch added in the Torch7 audit:
-- optim.asgd, optim.rprop, optim.checkgrad, optim.ConfusionMatrix and
-- optim.Logger. Values are hand-computed or from an independent numpy
-- transcription of the documented update rules (literals below).
local U = require 'testutil'
require 'optim'

local function D(t) return torch.DoubleTensor(t) end

-- f(x) = ½ xᵀAx - bᵀx, minimum at x = (0.2, 0.4)
local A, b = D({{3, 1}, {1, 2}}), D({1, 1})
local function quad(x) return 0.5 * x:dot(torch.mv(A, x)) - b:dot(x), torch.mv(A, x) - b end

describe('optim.rprop', function()
  it('adapts each step size from the gradient signs (numpy values)', function()
    local x, st = D({1, -1}), {}
    local want = {{0.9, -0.9, 0.1}, {0.78, -0.78, 0.12}, {0.636, -0.636, 0.144}}
    for k = 1, 3 do
      local _, fs = optim.rprop(quad, x, {}, st)
      assert.are.equal(1, #fs)
      U.near(x, D({want[k][1], want[k][2]}), 1e-12)
      U.near(st.stepsize, D({want[k][3], want[k][3]}), 1e-12)
    end
  end)
  it('converges on a quadratic; niter evaluations per call', function()
    local x, cfg = D({1, -1}), {niter = 4}
    local _, fs = optim.rprop(quad, x, cfg)
    assert.are.equal(4, #fs)
    for _ = 1, 100 do optim.rprop(quad, x, cfg) end
    U.near(x, D({0.2, 0.4}), 1e-4)
  end)
end)

describe('optim.asgd', function()
  it('follows the decayed step and averages after t0 (numpy values)', function()
    local x, cfg = D({1, -1}), {eta0 = 0.1, lambda = 0.01, alpha = 0.75, t0 = 0}
    local want = {
      {{0.899, -0.799}, {0.899, -0.799}},
      {{0.80836896, -0.62842891}, {0.80836896, -0.62842891}},
      {{0.7280133, -0.48316943}, {0.76819113, -0.55579917}},
    }
    for k = 1, 3 do
      local _, fs, ax = optim.asgd(quad, x, cfg)
      assert.are.equal('number', type(fs[1]))
      U.near(x, D(want[k][1]), 1e-8)
      U.near(ax, D(want[k][2]), 1e-8)
    end
    U.near(cfg.eta_t, 0.0997755890053364, 1e-14)
  end)
end)

describe('optim.checkgrad', function()
  it('is ~0 for a right gradient and large for a wrong one', function()
    local diff, dfdx, dC = optim.checkgrad(quad, D({0.3, -0.7}))
    assert.is_true(diff < 1e-6)
    U.near(dfdx, dC, 1e-6)
    local bad = optim.checkgrad(function(x) local f, g = quad(x) return f, g * 2 end, D({0.3, -0.7}))
    assert.is_true(bad > 0.3)
  end)
end)

describe('optim.ConfusionMatrix', function()
  local function filled()
    local c = optim.ConfusionMatrix({'a', 'b', 'c'})
    c:add(1, 1)
    c:add(D({0.1, 0.7, 0.2}), 1)        -- scores: argmax 2
    c:add(3, D({0, 0, 1}))              -- one-hot target 3
    c:batchAdd(D({{0.9, 0.05, 0.05}, {0.2, 0.3, 0.5}}), D({1, 2}))
    return c
  end

  it('counts mat[target][prediction]', function()
    local c = filled()
    assert.are.same({{2, 1, 0}, {0, 0, 1}, {0, 0, 1}}, c.mat:totable())
  end)

  it('updateValids: per-class recall, IoU, global and average', function()
    local c = filled()
    c:updateValids()
    U.near(c.totalValid, 3 / 5, 1e-12)
    U.near(c.valids, D({2 / 3, 0, 1}), 1e-6)
    U.near(c.averageValid, (2 / 3 + 0 + 1) / 3, 1e-6)
    -- IoU: a 2/(3+2-2), b 0/(1+1-0), c 1/(1+2-1)
    U.near(c.unionvalids, D({2 / 3, 0, 0.5}), 1e-6)
    U.near(c.averageUnionValid, (2 / 3 + 0.5) / 3, 1e-6)
  end)

  it('classes without samples are left out of the average; zero resets', function()
    local c = optim.ConfusionMatrix(3)
    c:batchAdd(torch.LongTensor({1, 2, 2}), torch.LongTensor({1, 2, 1}))
    c:add(2, 0)                          -- a target <= 0 is ignored (Torch7)
    c:updateValids()
    U.near(c.averageValid, (0.5 + 1) / 2, 1e-6)
    c:zero()
    assert.are.equal(0, c.mat:sum())
    assert.are.equal(0, c.totalValid)
  end)

  it('prints as Torch7 did', function()
    local s = tostring(filled())
    assert.is_truthy(s:find('ConfusionMatrix:\n[[       2       1       0]   66.667% \t[class: a]', 1, true))
    assert.is_truthy(s:find(' + global correct: 60%', 1, true))
    assert.is_truthy(s:find('average row correct', 1, true))
  end)

  U.error_cases({
    {'no class count', function() optim.ConfusionMatrix() end, 'optim.ConfusionMatrix', 'number of classes'},
    {'a class out of range', function() optim.ConfusionMatrix(2):add(3, 1) end,
     'optim.ConfusionMatrix', 'out of range'},
    {'a 3D batch', function() optim.ConfusionMatrix(2):batchAdd(torch.zeros(1, 1, 2), D({1})) end,
     'optim.ConfusionMatrix.batchAdd', 'dimensions'},
    {'batches of different lengths', function()
      optim.ConfusionMatrix(2):batchAdd(D({1, 2}), D({1})) end,
     'optim.ConfusionMatrix.batchAdd', '2 predictions for 1 targets'},
  })
end)

describe('optim.Logger', function()
  local path = os.tmpname()
  after_each(function() os.remove(path) end)

  local function read(p)
    local f = assert(io.open(p))
    local s = f:read('*a')
    f:close()
    return s
  end

  it('writes a header and one tab-separated row per add (setNames)', function()
    local l = optim.Logger(path)
    l:setNames({'train', 'test'})
    l:add({0.5, 0.25})
    l:add({1, 'x'})
    assert.are.equal('train\ttest\n 5.0000e-01\t 2.5000e-01\n 1.0000e+00\tx\n', read(path))
    assert.are.same({0.5, 1}, l.symbols[1])
  end)

  it('takes named values (columns sorted by name) and keeps them', function()
    local l = optim.Logger(path)
    l:add({['b err'] = 2, ['a err'] = 1})
    l:add({['b err'] = 4, ['a err'] = 3})
    assert.are.equal('a err\tb err\n 1.0000e+00\t 2.0000e+00\n 3.0000e+00\t 4.0000e+00\n', read(path))
    assert.are.same({2, 4}, l.symbols['b err'])
    l:style({['a err'] = '-'})
    assert.are.same({'-'}, l.styles['a err'])
    local png, why = l:plot()
    if require('data').haveGnuplot() then -- drawn from the log file
      assert.are.equal(path .. '.png', png, why)
      assert.are.same({3}, {torch.loadImage(png, {channels = 3}):size(1)})
      os.remove(png)
    else -- a warning, no error
      assert.is_nil(png)
      assert.is_truthy(why:find('gnuplot', 1, true))
    end
  end)

  U.error_cases({
    {'a row of the wrong length', function()
      local l = optim.Logger(os.tmpname())
      l:setNames({'a', 'b'})
      l:add({1})
    end, 'optim.Logger', '1 values for 2 names'},
    {'a tensor value', function()
      local l = optim.Logger(os.tmpname())
      l:add({a = torch.zeros(1)})
    end, 'optim.Logger', 'numbers and strings'},
    {'a path in a file', function() optim.Logger('/dev/null/x/log') end, 'optim.Logger', 'cannot open'},
  })
end)

describe('optim argument checks', function()
  U.error_cases({
    {'rprop without feval', function() optim.rprop(nil, D({1})) end, 'optim.rprop', 'argument 1'},
    {'rprop with etaminus > 1', function() optim.rprop(quad, D({1, 1}), {etaminus = 2}) end,
     'optim.rprop', 'etaminus'},
    {'asgd with a negative eta0', function() optim.asgd(quad, D({1, 1}), {eta0 = -1}) end,
     'optim.asgd', 'eta0'},
    {'checkgrad on a LongTensor', function() optim.checkgrad(quad, torch.LongTensor({1})) end,
     'optim.checkgrad', 'float or double'},
  })
end)
