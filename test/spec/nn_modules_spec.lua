-- nn modules: a Jacobian check of each through both interfaces (the tape,
-- and Torch7's forward/backward against central differences), and values
-- checked against PyTorch 1.13 (literals below, computed with python3-torch).
local U = require 'testutil'

local function D(t) return torch.DoubleTensor(t) end
local function R(...) return torch.randn(...):double() end

describe('nn module Jacobians', function()
  torch.manualSeed(7)
  local cases = {
    {'Linear', function() return nn.Linear(3, 2), R(4, 3) end},
    {'Linear (vector)', function() return nn.Linear(3, 2), R(3) end},
    {'Linear without bias', function() return nn.Linear(3, 2, false), R(4, 3) end},
    {'Identity', function() return nn.Identity(), R(3, 2) end},
    {'Tanh', function() return nn.Tanh(), R(3, 2) end},
    {'Sigmoid', function() return nn.Sigmoid(), R(3, 2) end},
    {'ReLU', function() return nn.ReLU(), R(3, 2) end},
    {'ReLU6', function() return nn.ReLU6(), R(3, 2):mul(4) end},
    {'LeakyReLU', function() return nn.LeakyReLU(0.1), R(3, 2) end},
    {'ELU', function() return nn.ELU(0.7), R(3, 2) end},
    {'SELU', function() return nn.SELU(), R(3, 2) end},
    {'GELU', function() return nn.GELU(), R(3, 2) end},
    {'SoftPlus', function() return nn.SoftPlus(2), R(3, 2) end},
    {'PReLU shared', function() return nn.PReLU(), R(3, 2) end},
    {'PReLU per plane', function() return nn.PReLU(2), R(3, 2) end},
    {'Threshold', function() return nn.Threshold(0.1, 2), R(3, 2) end},
    {'HardTanh', function() return nn.HardTanh(-0.5, 0.5), R(3, 2) end},
    {'SoftMax', function() return nn.SoftMax(), R(3, 4) end},
    {'LogSoftMax', function() return nn.LogSoftMax(), R(3, 4) end},
    {'SoftMin', function() return nn.SoftMin(), R(3, 4) end},
    {'Sum', function() return nn.Sum(2), R(3, 4) end},
    {'Mean', function() return nn.Mean(1), R(3, 4) end},
    {'Max', function() return nn.Max(2), R(3, 4) end},
    {'Min', function() return nn.Min(2), R(3, 4) end},
    {'MulConstant', function() return nn.MulConstant(2.5), R(3, 4) end},
    {'AddConstant', function() return nn.AddConstant(-1), R(3, 4) end},
    {'Mul', function() return nn.Mul(), R(3, 4) end},
    {'Add', function() return nn.Add(4), R(3, 4) end},
    {'CMul', function() return nn.CMul(4), R(3, 4) end},
    {'Padding', function() return nn.Padding(2, 2, nil, 0.5), R(3, 4) end},
    {'Padding before', function() return nn.Padding(2, -1), R(3, 4) end},
    {'Reshape', function() return nn.Reshape(6), R(2, 3, 2) end},
    {'View', function() return nn.View(-1), R(2, 3) end},
    {'Transpose', function() return nn.Transpose({1, 2}), R(2, 4) end},
    {'Narrow', function() return nn.Narrow(2, 2, 2), R(2, 4) end},
    {'Select', function() return nn.Select(2, -1), R(2, 4) end},
    {'JoinTable', function() return nn.JoinTable(2), {R(3, 4), R(3, 2)} end},
    {'SplitTable', function() return nn.SplitTable(2), R(2, 3) end},
    {'CAddTable', function() return nn.CAddTable(), {R(3, 4), R(3, 4)} end},
    {'CMulTable', function() return nn.CMulTable(), {R(3, 4), R(3, 4)} end},
    {'CSubTable', function() return nn.CSubTable(), {R(3, 4), R(3, 4)} end},
    {'SelectTable', function() return nn.SelectTable(2), {R(3, 4), R(3, 4)} end},
    {'Dropout (evaluate)', function() return nn.Dropout(0.3):evaluate(), R(3, 4) end},
    {'BatchNormalization', function() return nn.BatchNormalization(3), R(5, 3) end},
    {'SpatialBatchNormalization', function() return nn.SpatialBatchNormalization(2), R(2, 2, 3, 3) end},
    {'LayerNorm', function() return nn.LayerNorm(4), R(3, 4) end},
    {'SpatialConvolution', function() return nn.SpatialConvolution(2, 3, 3, 3, 1, 1, 1, 1), R(2, 2, 5, 5) end},
    {'SpatialConvolution strided', function() return nn.SpatialConvolution(2, 2, 3, 2, 2, 1), R(1, 2, 5, 6) end},
    {'SpatialFullConvolution', function()
      return nn.SpatialFullConvolution(2, 3, 3, 3, 2, 2, 1, 1, 1, 1), R(1, 2, 3, 3) end},
    {'SpatialDilatedConvolution', function()
      return nn.SpatialDilatedConvolution(2, 2, 3, 3, 1, 1, 2, 2, 2, 2), R(1, 2, 5, 5) end},
    {'VolumetricConvolution', function() return nn.VolumetricConvolution(1, 2, 2, 2, 2), R(1, 1, 3, 3, 3) end},
    {'TemporalConvolution', function() return nn.TemporalConvolution(3, 2, 2), R(5, 3) end},
    {'TemporalConvolution batch', function() return nn.TemporalConvolution(3, 2, 3, 2), R(2, 7, 3) end},
    {'SpatialAdaptiveAveragePooling', function() return nn.SpatialAdaptiveAveragePooling(2, 2), R(1, 2, 5, 5) end},
    {'SpatialAdaptiveMaxPooling', function() return nn.SpatialAdaptiveMaxPooling(2, 2), R(1, 2, 5, 5) end},
    {'Bilinear', function() return nn.Bilinear(3, 2, 4), {R(5, 3), R(5, 2)} end},
    {'SpatialMaxPooling', function() return nn.SpatialMaxPooling(2, 2), R(1, 2, 4, 4) end},
    {'SpatialAveragePooling', function() return nn.SpatialAveragePooling(2, 2, 2, 2), R(1, 2, 4, 4) end},
    {'Sequential', function()
      return nn.Sequential():add(nn.Linear(3, 4)):add(nn.Tanh()):add(nn.Linear(4, 2)), R(2, 3) end},
    {'ConcatTable', function() return nn.ConcatTable():add(nn.Linear(3, 2)):add(nn.Identity()), R(2, 3) end},
    {'Concat', function() return nn.Concat(2):add(nn.Linear(3, 2)):add(nn.Linear(3, 1)), R(2, 3) end},
    {'ParallelTable', function()
      return nn.ParallelTable():add(nn.Linear(3, 2)):add(nn.Tanh()), {R(2, 3), R(2, 2)} end},
    {'Parallel', function() return nn.Parallel(1, 1):add(nn.Linear(3, 2)):add(nn.Linear(3, 2)), R(2, 3) end},
    {'gModule', function()
      local a, b = nn.Identity()(), nn.Identity()()
      local h = nn.Tanh()(nn.Linear(3, 4)(a))
      local s = nn.CAddTable()({h, nn.Linear(2, 4)(b)})
      local p, q = nn.SplitTable(2)(s):split(2)
      return nn.gModule({a, b}, {s, nn.CMulTable()({p, q})}), {R(2, 3), R(2, 2)} end},
    -- clones share storage but are separate leaves: only Torch7's path folds them
    {'MapTable', function() return nn.MapTable(nn.Linear(3, 2)), {R(2, 3), R(2, 3)} end, notape = true},
  }
  U.jacobian_cases(cases)
  it('LookupTable: gradients of the picked rows add up', function()
    local m = nn.LookupTable(5, 3):double()
    local idx = torch.LongTensor({{1, 3}, {3, 5}})
    local out = m:forward(idx)
    assert.are.same({2, 2, 3}, out:size():totable())
    U.near(out[2][1], m.weight[3])
    m:zeroGradParameters()
    m:backward(idx, torch.ones(2, 2, 3):double())
    U.near(m.gradWeight:sum(2):view(5), D({3, 0, 6, 0, 3}))
  end)
end)

describe('nn module values (PyTorch 1.13)', function()
  local x = D({{0.5, -1.0, 2.0}, {1.5, 0.25, -0.75}})
  local cases = {
    {'SoftMax', nn.SoftMax(), {{0.1752903921400367, 0.039112573270687456, 0.7855970345892759},
                               {0.7184403411510649, 0.20583660399765152, 0.07572305485128351}}},
    {'LogSoftMax', nn.LogSoftMax(), {{-1.7413112966571571, -3.241311296657157, -0.24131129665715703},
                                     {-0.3306726094072241, -1.580672609407224, -2.580672609407224}}},
    {'SoftMin', nn.SoftMin(), {{0.1752903921400367, 0.7855970345892759, 0.039112573270687456},
                               {0.07154058971552618, 0.24970119348625383, 0.6787582167982199}}},
    {'ELU', nn.ELU(), {{0.5, -0.6321205588285577, 2.0}, {1.5, 0.25, -0.5276334472589853}}},
    {'SELU', nn.SELU(), {{0.5253504936777402, -1.1113307378125625, 2.101401974710961},
                         {1.5760514810332207, 0.2626752468388701, -0.9276320158350512}}},
    {'GELU', nn.GELU(), {{0.34573123063700656, -0.15865525393145702, 1.9544997361036416},
                         {1.399789198096713, 0.14967658142073093, -0.16997051428265111}}},
    {'SoftPlus', nn.SoftPlus(), {{0.9740769841801067, 0.31326168751822286, 2.1269280110429727},
                                 {1.7014132779827524, 0.8259394198788436, 0.38687100611489994}}},
    {'LeakyReLU', nn.LeakyReLU(0.1), {{0.5, -0.1, 2.0}, {1.5, 0.25, -0.075}}},
    {'HardTanh', nn.HardTanh(), {{0.5, -1.0, 1.0}, {1.0, 0.25, -0.75}}},
    {'Threshold', nn.Threshold(0.3, -2), {{0.5, -2, 2.0}, {1.5, -2, -2}}},
  }
  for _, c in ipairs(cases) do
    it(c[1], function() U.near(c[2]:double():forward(x), D(c[3]), 1e-12) end)
  end
  it('Linear: y = x Wt + b', function()
    local m = nn.Linear(3, 2):double()
    torch.no_grad(function()
      m.weight:copy(D({{0.1, 0.2, 0.3}, {-0.4, 0.5, -0.6}}))
      m.bias:copy(D({0.05, -0.05}))
    end)
    U.near(m:forward(x), D({{0.5, -1.95}, {0.025, -0.075}}), 1e-12)
  end)
  it('Linear: Torch7 default init is uniform within 1/sqrt(fanIn)', function()
    local m = nn.Linear(100, 50)
    local bound = 1 / math.sqrt(100)
    local w, b = torch.abs(m.weight:detach()), torch.abs(m.bias:detach())
    assert.is_true(w:max() <= bound and b:max() <= bound)
    assert.is_true(w:max() > 0.9 * bound)
  end)
  it('Sum/Mean/Max drop the dimension (Torch7)', function()
    assert.are.same({2}, nn.Sum(2):double():forward(x):size():totable())
    U.near(nn.Mean(1):double():forward(x), D({1, -0.375, 0.625}))
    local m = nn.Max(2):double()
    U.near(m:forward(x), D({2, 1.5}))
  end)
  it('Dropout zeroes about p and scales the rest by 1/(1-p) in training', function()
    torch.manualSeed(3)
    local m = nn.Dropout(0.25):double()
    local y = m:forward(torch.ones(100, 100):double()):detach()
    local zeros = y:eq(0):sum() / 10000
    assert.is_true(math.abs(zeros - 0.25) < 0.03)
    U.near(y:max(), 1 / 0.75, 1e-12)
    m:evaluate()
    U.near(m:forward(x), x)
  end)
  it('BatchNormalization: batch statistics in training, running ones in evaluate', function()
    local m = nn.BatchNormalization(3, 1e-5, 0.1):double()
    local y = m:forward(x)
    U.near(y:mean(1), torch.zeros(1, 3):double(), 1e-12)
    -- running_mean = 0.9·0 + 0.1·batch mean, running_var = 0.9·1 + 0.1·unbiased var
    U.near(m.running_mean, D({0.1, -0.0375, 0.0625}), 1e-12)
    U.near(m.running_var, D({0.95, 0.978125, 1.278125}), 1e-12)
    m:evaluate()
    local z = m:forward(x)
    U.near(z[1][1], (0.5 - 0.1) / math.sqrt(0.95 + 1e-5), 1e-12)
  end)
  it('Reshape and View keep a batch dim', function()
    assert.are.same({2, 6}, nn.Reshape(6):forward(torch.randn(2, 3, 2)):size():totable())
    assert.are.same({6}, nn.Reshape(6):forward(torch.randn(3, 2)):size():totable())
    assert.are.same({4, 3}, nn.View(3):forward(torch.randn(4, 3)):size():totable())
    assert.are.same({4, 6}, nn.View(6):setNumInputDims(2):forward(torch.randn(4, 2, 3)):size():totable())
  end)
  it('Padding, Narrow with negative length, JoinTable with nInputDims', function()
    local y = nn.Padding(1, -2, 1, 9):forward(torch.Tensor({1, 2}))
    U.near(y, torch.Tensor({9, 9, 1, 2}))
    U.near(nn.Narrow(1, 2, -1):forward(torch.Tensor({1, 2, 3, 4})), torch.Tensor({2, 3, 4}))
    local j = nn.JoinTable(1, 1):forward({torch.ones(2, 3), torch.zeros(2, 1)})
    assert.are.same({2, 4}, j:size():totable())
  end)
  it('SpatialConvolution: output size and a value by hand', function()
    local m = nn.SpatialConvolution(1, 1, 2, 2):double()
    torch.no_grad(function() m.weight:fill(1); m.bias:fill(0.5) end)
    local y = m:forward(torch.range(1, 9):double():view(1, 1, 3, 3))
    U.near(y:view(4), D({12.5, 16.5, 24.5, 28.5}))
  end)
  it('TemporalConvolution: each output frame is W times the window, frames first (Torch7 layout)', function()
    local m = nn.TemporalConvolution(3, 2, 2):double()
    local x = torch.randn(4, 3):double()
    local y = m:forward(x)
    for t = 1, 3 do
      local window = x:narrow(1, t, 2):reshape(6)
      U.near(y[t], torch.mv(m.weight:detach(), window) + m.bias:detach(), 1e-12)
    end
  end)
  it('Bilinear: y[k] = x1 W[k] x2 + b[k]', function()
    local m = nn.Bilinear(3, 2, 4):double()
    local a, b = torch.randn(2, 3):double(), torch.randn(2, 2):double()
    local y = m:forward({a, b})
    local W = m.weight:detach()
    for n = 1, 2 do
      for k = 1, 4 do
        U.near(y[n][k], torch.dot(torch.mv(W[k]:t(), a[n]), b[n]) + m.bias[k], 1e-12)
      end
    end
  end)
  it('SpatialMaxPooling keeps 1-based indices', function()
    local m = nn.SpatialMaxPooling(2, 2)
    local y = m:forward(torch.Tensor({{{1, 5}, {3, 2}}}))
    U.near(y:view(1), torch.Tensor({5}))
    assert.are.equal(2, m.indices:view(1)[1])
  end)
end)

describe('nn module errors', function()
  U.error_cases({
    {'a 3-D input to Linear', function() nn.Linear(3, 2):forward(torch.randn(2, 2, 3)) end,
     'nn.Linear', 'expected a vector or a matrix'},
    {'a size mismatch in Linear', function() nn.Linear(3, 2):forward(torch.randn(2, 4)) end,
     'nn.Linear', 'size mismatch, input has 4 features, expected 3'},
    {'a 2-D input to SpatialConvolution', function()
       nn.SpatialConvolution(1, 1, 2, 2):forward(torch.randn(3, 3)) end,
     'nn.SpatialConvolution', '3D or 4D'},
    {'Dropout with p = 1', function() nn.Dropout(1) end, 'nn.Dropout', 'p must be in [0, 1)'},
    {'backward before forward', function() nn.Linear(2, 2):backward(torch.randn(2), torch.randn(2)) end,
     'no recorded forward'},
  })
end)
