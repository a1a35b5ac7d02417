-- Torch7's documented nn API that lutorch added in the Torch7 audit:
-- elementwise, table, shape and distance modules, more criteria,
-- StochasticGradient and Module methods (findModules, replace,
-- accUpdateGradParameters, nn.utils.recursive*). Jacobians through both
-- interfaces; values are hand-computed or from PyTorch 1.13 (literals).
local U = require 'testutil'

local function D(t) return torch.DoubleTensor(t) end
local function R(...) return torch.randn(...):double() end

describe('Torch7 nn modules: Jacobians', function()
  torch.manualSeed(11)
  U.jacobian_cases({
    {'Abs', function() return nn.Abs(), R(3, 4) end},
    {'Exp', function() return nn.Exp(), R(3, 4) end},
    {'Log', function() return nn.Log(), R(3, 4):abs():add(0.5) end},
    {'Square', function() return nn.Square(), R(3, 4) end},
    {'Sqrt', function() return nn.Sqrt(), R(3, 4):abs():add(0.5) end},
    {'Power', function() return nn.Power(2.5), R(3, 4):abs():add(0.5) end},
    {'SoftSign', function() return nn.SoftSign(), R(3, 4) end},
    {'LogSigmoid', function() return nn.LogSigmoid(), R(3, 4) end},
    {'HardShrink', function() return nn.HardShrink(0.3), R(3, 4) end},
    {'SoftShrink', function() return nn.SoftShrink(0.3), R(3, 4) end},
    {'Clamp', function() return nn.Clamp(-0.5, 0.7), R(3, 4) end},
    {'RReLU (evaluate)', function() return nn.RReLU():evaluate(), R(3, 4) end},
    {'CMaxTable', function() return nn.CMaxTable(), {R(3, 4), R(3, 4), R(3, 4)} end},
    {'CMinTable', function() return nn.CMinTable(), {R(3, 4), R(3, 4)} end},
    {'NarrowTable', function() return nn.NarrowTable(2, 2), {R(3), R(2), R(4)} end},
    {'FlattenTable', function() return nn.FlattenTable(), {R(3), {R(2), {R(4)}}} end},
    {'Replicate', function() return nn.Replicate(3, 2), R(2, 4) end},
    {'Replicate batch', function() return nn.Replicate(3, 1, 1), R(2, 4) end},
    {'Squeeze', function() return nn.Squeeze(), R(2, 1, 4) end},
    {'Unsqueeze', function() return nn.Unsqueeze(2), R(2, 4) end},
    {'Contiguous', function() return nn.Contiguous(), R(2, 4) end},
    {'MM', function() return nn.MM(), {R(2, 3), R(3, 4)} end},
    {'MM batch transposed', function() return nn.MM(true, true), {R(2, 3, 2), R(2, 4, 3)} end},
    {'MV', function() return nn.MV(), {R(2, 3), R(3)} end},
    {'MV batch transposed', function() return nn.MV(true), {R(2, 3, 4), R(2, 3)} end},
    {'DotProduct', function() return nn.DotProduct(), {R(3, 4), R(3, 4)} end},
    {'CosineDistance', function() return nn.CosineDistance(), {R(3, 4), R(3, 4)} end},
    {'PairwiseDistance', function() return nn.PairwiseDistance(2), {R(3, 4), R(3, 4)} end},
    {'PairwiseDistance L1 vectors', function() return nn.PairwiseDistance(1), {R(4), R(4)} end},
    {'Normalize', function() return nn.Normalize(2), R(3, 4) end},
    {'Normalize inf', function() return nn.Normalize(math.huge), R(3, 4) end},
    {'Normalize p = 3 vector', function() return nn.Normalize(3), R(4) end},
    {'Euclidean', function() return nn.Euclidean(4, 3), R(2, 4) end},
    {'Cosine', function() return nn.Cosine(4, 3), R(2, 4) end},
    {'CAdd batch', function() return nn.CAdd(4), R(3, 4) end},
    {'CAdd', function() return nn.CAdd(3, 4), R(3, 4) end},
  })
end)

describe('Torch7 nn modules: values', function()
  local v = D({-2, -0.4, 0, 0.3, 1.5})
  local cases = {
    {'Abs', nn.Abs(), {2, 0.4, 0, 0.3, 1.5}},
    {'Square', nn.Square(), {4, 0.16, 0, 0.09, 2.25}},
    {'SoftSign', nn.SoftSign(), {-0.66666667, -0.28571429, 0, 0.23076923, 0.6}},
    {'LogSigmoid', nn.LogSigmoid(), {-2.12692801, -0.91301525, -0.69314718, -0.55435524, -0.20141328}},
    {'HardShrink', nn.HardShrink(), {-2, 0, 0, 0, 1.5}},
    {'SoftShrink', nn.SoftShrink(), {-1.5, 0, 0, 0, 1}},
    {'Clamp', nn.Clamp(-0.1, 0.5), {-0.1, -0.1, 0, 0.3, 0.5}},
    {'RReLU (evaluate: slope (1/8 + 1/3)/2)', nn.RReLU():evaluate(),
     {-2 * 11 / 48, -0.4 * 11 / 48, 0, 0.3, 1.5}},
  }
  for _, c in ipairs(cases) do
    it(c[1], function() U.near(c[2]:double():forward(v), D(c[3]), 1e-7) end)
  end

  it('Exp, Log, Sqrt, Power', function()
    local x = D({1, 4, 9})
    U.near(nn.Exp():double():forward(x), D({math.exp(1), math.exp(4), math.exp(9)}), 1e-9)
    U.near(nn.Log():double():forward(x), D({0, math.log(4), math.log(9)}), 1e-12)
    U.near(nn.Sqrt():double():forward(x), D({1, 2, 3}), 1e-12)
    U.near(nn.Power(1.5):double():forward(x), D({1, 8, 27}), 1e-12)
  end)

  it('RReLU in training draws slopes in [l, u] for negatives only', function()
    local m = nn.RReLU(0.1, 0.2):double()
    local x = D({-1, -1, -1, 2})
    local y = m:forward(x)
    for i = 1, 3 do assert.is_true(-y[i] >= 0.1 - 1e-12 and -y[i] <= 0.2 + 1e-12) end
    assert.are.equal(2, y[4])
  end)

  it('CMaxTable / CMinTable', function()
    local a, b = D({1, 5, -2}), D({3, 0, -1})
    U.near(nn.CMaxTable():forward({a, b}), D({3, 5, -1}))
    U.near(nn.CMinTable():forward({a, b}), D({1, 0, -2}))
    local gi = nn.CMaxTable():double()
    gi:forward({a, b})
    local g = gi:backward({a, b}, D({1, 2, 3}))
    U.near(g[1], D({0, 2, 0}))
    U.near(g[2], D({1, 0, 3}))
  end)

  it('NarrowTable and FlattenTable return the input tensors', function()
    local a, b, c = D({1}), D({2}), D({3})
    local out = nn.NarrowTable(2, 2):forward({a, b, c})
    assert.are.equal(2, #out)
    U.near(out[1], b)
    U.near(out[2], c)
    local f = nn.FlattenTable():forward({a, {b, {c}}})
    assert.are.equal(3, #f)
    U.near(f[3], c)
    local m = nn.FlattenTable()
    m:forward({a, {b, {c}}})
    local gi = m:backward({a, {b, {c}}}, {D({4}), D({5}), D({6})})
    U.near(gi[2][2][1], D({6}))
  end)

  it('Replicate, Squeeze, Unsqueeze sizes', function()
    local x = R(2, 3)
    assert.are.same({4, 2, 3}, nn.Replicate(4):forward(x):size():totable())
    assert.are.same({2, 4, 3}, nn.Replicate(4, 1, 1):forward(x):size():totable())
    local r = nn.Replicate(2, 2):forward(D({1, 2}))
    U.near(r, D({{1, 1}, {2, 2}}))
    assert.are.same({2, 3}, nn.Squeeze():forward(R(1, 2, 1, 3)):size():totable())
    assert.are.same({1, 2, 3}, nn.Squeeze(nil, 2):forward(R(1, 2, 1, 3)):size():totable())
    assert.are.same({2, 1, 3}, nn.Squeeze(1):forward(R(1, 2, 1, 3)):size():totable())
    assert.are.same({2, 1, 3}, nn.Unsqueeze(2):forward(x):size():totable())
    assert.are.same({2, 3, 1}, nn.Unsqueeze(2, 1):forward(x):size():totable())
  end)

  it('Contiguous and Copy', function()
    local x = R(3, 2):t()
    assert.is_true(nn.Contiguous():forward(x):isContiguous())
    local y = nn.Copy('torch.DoubleTensor', 'torch.FloatTensor'):forward(D({1, 2}))
    assert.are.equal('torch.FloatTensor', y:type())
    local m = nn.Copy(nil, 'torch.FloatTensor', false, true):double()
    assert.are.equal('torch.FloatTensor', m:forward(D({1})):type())
  end)

  it('DotProduct, CosineDistance, PairwiseDistance', function()
    local a, b = D({{1, 2, 2}, {3, 0, 4}}), D({{0, 1, 1}, {1, 1, 1}})
    U.near(nn.DotProduct():forward({a, b}), D({4, 7}))
    U.near(nn.CosineDistance():forward({a, b}), D({0.94280904, 0.80829038}), 1e-8)
    U.near(nn.PairwiseDistance(2):forward({a, b}), D({1.73205081, 3.74165739}), 1e-8)
    U.near(nn.PairwiseDistance(1):forward({a, b}), D({3, 6}))
    U.near(nn.DotProduct():forward({D({1, 2}), D({3, 4})}), D({11}))
  end)

  it('Normalize', function()
    local a = D({{1, 2, 2}, {3, 0, 4}})
    U.near(nn.Normalize(2):forward(a), D({{1 / 3, 2 / 3, 2 / 3}, {0.6, 0, 0.8}}), 1e-9)
    U.near(nn.Normalize(math.huge):forward(a), D({{0.5, 1, 1}, {0.75, 0, 1}}), 1e-9)
    U.near(nn.Normalize(1):forward(D({1, -3})), D({0.25, -0.75}), 1e-9)
  end)

  it('MM and MV', function()
    local A, B = D({{1, 2}, {3, 4}}), D({{5, 6}, {7, 8}})
    U.near(nn.MM():forward({A, B}), D({{19, 22}, {43, 50}}))
    U.near(nn.MM(true):forward({A, B}), D({{26, 30}, {38, 44}}))
    U.near(nn.MV():forward({A, D({1, 1})}), D({3, 7}))
    U.near(nn.MV(true):forward({A, D({1, 1})}), D({4, 6}))
  end)

  it('Euclidean, Cosine, CAdd with set weights', function()
    local e = nn.Euclidean(3, 2):double()
    torch.no_grad(function() e.weight:copy(D({{1, 0}, {0, 1}, {1, 1}})) end)
    U.near(e:forward(D({{1, 2, 3}})), D({{2.82842712, 2.44948974}}), 1e-8)
    local c = nn.Cosine(3, 2):double()
    torch.no_grad(function() c.weight:copy(D({{1, 0, 0}, {1, 1, 1}})) end)
    U.near(c:forward(D({1, 2, 3})), D({0.26726124, 0.92582010}), 1e-8)
    local ca = nn.CAdd(2):double()
    torch.no_grad(function() ca.bias:copy(D({1, -1})) end)
    U.near(ca:forward(D({{1, 2}, {3, 4}})), D({{2, 1}, {4, 3}}))
  end)

  it('GradientReversal: identity forward, -lambda * gradOutput backward', function()
    local m = nn.GradientReversal(0.5):double()
    local x = D({1, -2})
    U.near(m:forward(x), x)
    U.near(m:backward(x, D({2, 4})), D({-1, -2}))
    m:setLambda(2)
    m:forward(x)
    U.near(m:backward(x, D({2, 4})), D({-4, -8}))
  end)

  it('L1Penalty: loss and the sign gradient added to gradOutput', function()
    local m = nn.L1Penalty(0.1):double()
    local x = D({1, -2, 3})
    U.near(m:forward(x), x)
    U.near(m.loss, 0.6, 1e-12)
    U.near(m:backward(x, D({1, 1, 1})), D({1.1, 0.9, 1.1}), 1e-12)
    local avg = nn.L1Penalty(0.3, true, false):double()
    avg:forward(x)
    U.near(avg.loss, 0.6, 1e-12)
    U.near(avg:backward(x, D({5, 5, 5})), D({0.1, -0.1, 0.1}), 1e-12)
  end)

  U.error_cases({
    {'Power without an exponent', function() nn.Power() end, 'nn.Power', 'exponent'},
    {'Clamp with max < min', function() nn.Clamp(1, 0) end, 'nn.Clamp', 'below'},
    {'HardShrink with a negative lambda', function() nn.HardShrink(-1) end, 'nn.HardShrink', 'lambda'},
    {'RReLU with l > u', function() nn.RReLU(0.5, 0.1) end, 'nn.RReLU', 'l <= u'},
    {'Abs of a table', function() nn.Abs():forward({}) end, 'nn.Abs', 'tensor'},
    {'CMaxTable of a tensor', function() nn.CMaxTable():forward(R(2)) end, 'nn.CMaxTable', 'table'},
    {'CMaxTable of different sizes', function() nn.CMaxTable():forward({R(2), R(3)}) end,
     'nn.CMaxTable', 'different size'},
    {'NarrowTable out of range', function() nn.NarrowTable(2, 3):forward({R(1), R(1)}) end,
     'nn.NarrowTable', 'out of range'},
    {'FlattenTable of a tensor', function() nn.FlattenTable():forward(R(2)) end, 'nn.FlattenTable', 'table'},
    {'Replicate along a missing dim', function() nn.Replicate(2, 4):forward(R(2)) end,
     'nn.Replicate', 'dimension 4'},
    {'Squeeze out of range', function() nn.Squeeze(3):forward(R(2)) end, 'nn.Squeeze', 'out of range'},
    {'MM with mismatched sizes', function() nn.MM():forward({R(2, 3), R(2, 3)}) end, 'nn.MM', 'size mismatch'},
    {'MV of one tensor', function() nn.MV():forward(R(2, 2)) end, 'nn.MV', 'table'},
    {'DotProduct of different sizes', function() nn.DotProduct():forward({R(2), R(3)}) end,
     'nn.DotProduct', 'one size'},
    {'Normalize with p = 0', function() nn.Normalize(0) end, 'nn.Normalize', 'p > 0'},
    {'Normalize of a 3D input', function() nn.Normalize(2):forward(R(2, 2, 2)) end,
     'nn.Normalize', 'vector or a matrix'},
    {'Euclidean with a wrong input size', function() nn.Euclidean(3, 2):forward(R(2, 4)) end,
     'nn.Euclidean', 'vector of 3'},
    {'CAdd with a wrong sample size', function() nn.CAdd(3):forward(R(2, 4)) end, 'nn.CAdd', '3 elements'},
  })
end)

-- gradInput of a criterion against central differences of its forward
local function critGrad(c, x, t)
  c:forward(x, t)
  local g = c:backward(x, t)
  local flat, gflat = x:view(x:nElement()), g:contiguous():view(g:nElement())
  for i = 1, x:nElement() do
    local v = flat[i]
    flat[i] = v + 1e-6
    local fp = c:forward(x, t)
    flat[i] = v - 1e-6
    local fm = c:forward(x, t)
    flat[i] = v
    local num = (fp - fm) / 2e-6
    assert(math.abs(num - gflat[i]) < 1e-6, string.format('element %d: numerical %g, backward %g',
                                                           i, num, gflat[i]))
  end
  return true
end

describe('Torch7 criteria', function()
  local x = D({{0.5, -1, 2}, {-0.3, 0.8, -2.5}})
  local y = D({{1, -1, 1}, {-1, -1, 1}})
  local t01 = D({{1, 0, 1}, {0, 0, 1}})

  it('SoftMarginCriterion (PyTorch values)', function()
    U.near(nn.SoftMarginCriterion():forward(x, y), 0.8697687212416927, 1e-12)
    local c = nn.SoftMarginCriterion()
    c.sizeAverage = false
    U.near(c:forward(x, y), 5.218612327450156, 1e-12)
    assert.is_true(critGrad(nn.SoftMarginCriterion(), x:clone(), y))
  end)

  it('MultiLabelSoftMarginCriterion (PyTorch values)', function()
    U.near(nn.MultiLabelSoftMarginCriterion():forward(x, t01), 0.8697687212416928, 1e-12)
    local w = nn.MultiLabelSoftMarginCriterion(D({1, 2, 0.5}))
    U.near(w:forward(x, t01), 0.8916776347080662, 1e-12)
    assert.is_true(critGrad(nn.MultiLabelSoftMarginCriterion(D({1, 2, 0.5})), x:clone(), t01))
  end)

  it('MultiLabelMarginCriterion (0-terminated 1-based targets; PyTorch values)', function()
    local xm = D({{0.1, 0.2, 0.4, 0.8}, {0.3, -0.2, 0.5, 0.1}})
    local tm = torch.LongTensor({{4, 1, 0, 2}, {2, 3, 0, 1}})
    U.near(nn.MultiLabelMarginCriterion():forward(xm, tm), 0.95, 1e-12)
    U.near(nn.MultiLabelMarginCriterion(false):forward(xm, tm), 1.9, 1e-12)
    U.near(nn.MultiLabelMarginCriterion():forward(xm[1], tm[1]), 0.85, 1e-12)
    assert.is_true(critGrad(nn.MultiLabelMarginCriterion(), xm:clone(), tm))
  end)

  it('L1HingeEmbeddingCriterion', function()
    local a, b = D({1, 2, 3}), D({0.5, 2.5, 1})
    U.near(nn.L1HingeEmbeddingCriterion():forward({a, b}, 1), 3, 1e-12)
    U.near(nn.L1HingeEmbeddingCriterion(4):forward({a, b}, -1), 1, 1e-12)
    local c = nn.L1HingeEmbeddingCriterion(4)
    c:forward({a, b}, -1)
    local g = c:backward({a, b}, -1)
    U.near(g[1], D({-1, 1, -1}))
    U.near(g[2], D({1, -1, 1}))
  end)

  it('WeightedMSECriterion: (x - w*t)^2 (PyTorch values)', function()
    local w = D({1, 2, 0.5})
    local t = D({{1, 2, 3}, {0, 1, -1}})
    U.near(nn.WeightedMSECriterion(w):forward(x, t), 5.171666666666666, 1e-12)
    assert.is_true(critGrad(nn.WeightedMSECriterion(w), x:clone(), t))
  end)

  it('L1Cost and DistKLDivCriterion', function()
    U.near(nn.L1Cost():forward(x), 7.1, 1e-12)
    U.near(nn.L1Cost():backward(x), torch.sign(x))
    local p, q = D({0.25, 0.75}), D({0.5, 0.5})
    local kl = nn.DistKLDivCriterion():forward(torch.log(p), q)
    U.near(kl, (0.5 * (math.log(0.5) - math.log(0.25)) + 0.5 * (math.log(0.5) - math.log(0.75))) / 2, 1e-12)
    assert.is_true(torch.isTypeOf(nn.DistKLDivCriterion(), 'nn.KLDivCriterion'))
  end)

  U.error_cases({
    {'SoftMarginCriterion with sizes that differ', function() nn.SoftMarginCriterion():forward(R(3), R(2)) end,
     'nn.SoftMarginCriterion', 'as many elements'},
    {'MultiLabelMarginCriterion with a bad class', function()
      nn.MultiLabelMarginCriterion():forward(R(3), torch.LongTensor({5, 0, 0})) end,
     'nn.MultiLabelMarginCriterion', 'not a class index'},
    {'L1HingeEmbeddingCriterion with target 0', function()
      nn.L1HingeEmbeddingCriterion():forward({R(2), R(2)}, 0) end,
     'nn.L1HingeEmbeddingCriterion', '1 or -1'},
    {'WeightedMSECriterion without weights', function() nn.WeightedMSECriterion() end,
     'nn.WeightedMSECriterion', 'weight'},
  })
end)

describe('Torch7 Module methods', function()
  it('findModules returns the nodes and their containers', function()
    local inner = nn.Sequential():add(nn.Linear(2, 2)):add(nn.Tanh())
    local m = nn.Sequential():add(inner):add(nn.Linear(2, 1))
    local nodes, containers = m:findModules('nn.Linear')
    assert.are.equal(2, #nodes)
    assert.are.equal(inner.modules[1], nodes[1])
    assert.are.equal(inner, containers[1])
    assert.are.equal(m, containers[2])
    local top, tc = m:findModules('nn.Sequential')
    assert.are.equal(m, top[1])
    assert.are.equal(m, tc[1])
  end)

  it('replace swaps modules in the tree', function()
    local m = nn.Sequential():add(nn.Linear(2, 2)):add(nn.Sequential():add(nn.Tanh()))
    m = m:replace(function(x)
      if torch.typename(x) == 'nn.Tanh' then return nn.ReLU() end
      return x
    end)
    assert.are.equal('nn.ReLU', torch.typename(m.modules[2].modules[1]))
    local y = m:double():forward(R(3, 2))
    assert.is_true(y:detach():min() >= 0)
  end)

  it('accUpdateGradParameters: weight -= lr * grad, gradWeight unchanged', function()
    local l = nn.Linear(2, 1):double()
    torch.no_grad(function()
      l.weight:copy(D({{1, 2}}))
      l.bias:fill(0.5)
      l.gradWeight:fill(7)
    end)
    local x = D({3, 4})
    l:forward(x)
    l:updateGradInput(x, D({2}))
    l:accUpdateGradParameters(x, D({2}), 0.1)
    -- dW = go * x = {6, 8}, db = 2
    U.near(l.weight, D({{1 - 0.6, 2 - 0.8}}), 1e-12)
    U.near(l.bias, D({0.5 - 0.2}), 1e-12)
    U.near(l.gradWeight, D({{7, 7}}))
  end)

  it('nn.utils recursive helpers', function()
    local a = {D({1, 2}), {D({3})}}
    local b = nn.utils.recursiveCopy(nil, a)
    U.near(b[2][1], D({3}))
    nn.utils.recursiveAdd(b, 2, a)
    U.near(b[1], D({3, 6}))
    nn.utils.recursiveFill(b, 0)
    U.near(b[2][1], D({0}))
    local f = nn.utils.recursiveType({D({1})}, 'torch.FloatTensor')
    assert.are.equal('torch.FloatTensor', f[1]:type())
    local r = nn.utils.recursiveResizeAs(nil, {R(2, 3)})
    assert.are.same({2, 3}, r[1]:size():totable())
    assert.are.same({1, 2}, nn.utils.addSingletonDimension(D({1, 2})):size():totable())
    assert.are.equal(3, nn.utils.tableSize({1, 2, x = 3}))
  end)
end)

describe('nn.StochasticGradient', function()
  local function dataset()
    torch.manualSeed(5)
    local ds = {}
    function ds:size() return 8 end
    for i = 1, 8 do
      local x = torch.randn(2)
      ds[i] = {x, torch.Tensor({2 * x[1] - x[2] + 0.5})}
    end
    return ds
  end

  it('fits a linear model and calls its hooks', function()
    local m = nn.Linear(2, 1)
    local sg = nn.StochasticGradient(m, nn.MSECriterion())
    sg.learningRate, sg.maxIteration, sg.verbose = 0.1, 60, false
    local iters, examples, last = 0, 0, nil
    sg.hookIteration = function(_, it, err) iters, last = it, err end
    sg.hookExample = function() examples = examples + 1 end
    sg:train(dataset())
    assert.are.equal(60, iters)
    assert.are.equal(480, examples)
    assert.is_true(last < 1e-6)
    U.near(m.weight, torch.Tensor({{2, -1}}), 1e-3)
    U.near(m.bias, torch.Tensor({0.5}), 1e-3)
  end)

  it('one pass without shuffling is Torch7 SGD, example by example', function()
    local m = nn.Linear(1, 1):double()
    torch.no_grad(function()
      m.weight:fill(0)
      m.bias:fill(0)
    end)
    local ds = {{D({1}), D({1})}, {D({2}), D({0})}}
    function ds:size() return 2 end
    local sg = nn.StochasticGradient(m, nn.MSECriterion():double())
    sg.learningRate, sg.maxIteration, sg.verbose, sg.shuffleIndices = 0.5, 1, false, false
    sg:train(ds)
    -- step 1: y = 0, dL/dy = 2(0 - 1) = -2: w = 0 + 0.5*2*1 = 1, b = 1
    -- step 2: y = 1*2 + 1 = 3, dL/dy = 6: w = 1 - 0.5*6*2 = -5, b = 1 - 3 = -2
    U.near(m.weight, D({{-5}}), 1e-12)
    U.near(m.bias, D({-2}), 1e-12)
  end)

  U.error_cases({
    {'a trainer without a criterion', function() nn.StochasticGradient(nn.Linear(1, 1)) end,
     'nn.StochasticGradient', 'criterion'},
    {'a dataset without size()', function()
      nn.StochasticGradient(nn.Linear(1, 1), nn.MSECriterion()):train({}) end,
     'nn.StochasticGradient.train', 'size()'},
    {'a dataset whose examples are not pairs', function()
      local ds = {torch.randn(1)}
      function ds:size() return 1 end
      local sg = nn.StochasticGradient(nn.Linear(1, 1), nn.MSECriterion())
      sg.verbose = false
      sg:train(ds)
    end, 'nn.StochasticGradient.train', '{input, target}'},
  })
end)
