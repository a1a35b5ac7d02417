-- More Torch7 modules built from recorded ops: SpatialMaxUnpooling,
-- PixelShuffle, SpatialCrossMapLRN, the Spatial{Subtractive,Divisive,
-- Contrastive}Normalization, Temporal/SpatialSubSampling, WeightNorm,
-- VolumetricReplicationPadding. Jacobians through both interfaces;
-- reference values from PyTorch 1.13 (F.pixel_shuffle,
-- F.local_response_norm, F.max_unpool2d, F.pad replicate,
-- nn.utils.weight_norm), from a numpy transcription of Torch7's
-- normalization modules, or by hand; checked in as literals.
local U = require 'testutil'
require 'nn'

local function D(t) return torch.DoubleTensor(t) end
local function R(...) return torch.randn(...):double() end

local seq = U.seq

-- an unpooling module whose pooling has seen an input of the given size
local function unpool(...)
  local p = nn.SpatialMaxPooling(2, 2):double()
  p:forward(R(...))
  return nn.SpatialMaxUnpooling(p), p
end

describe('Torch7 nn modules (more, 2): Jacobians', function()
  torch.manualSeed(7)
  U.jacobian_cases({
    {'SpatialMaxUnpooling', function() local m = unpool(2, 4, 4) return m, R(2, 2, 2) end},
    {'SpatialMaxUnpooling batch, odd size', function() local m = unpool(2, 3, 5, 4) return m, R(2, 3, 2, 2) end},
    {'PixelShuffle', function() return nn.PixelShuffle(2), R(8, 2, 3) end},
    {'PixelShuffle batch', function() return nn.PixelShuffle(3), R(2, 9, 2, 1) end},
    {'SpatialCrossMapLRN', function() return nn.SpatialCrossMapLRN(3, 0.5, 0.75, 2), R(2, 4, 2, 3) end},
    {'SpatialCrossMapLRN even size', function() return nn.SpatialCrossMapLRN(4, 0.5, 0.6, 1.5), R(5, 2, 2) end},
    {'SpatialCrossMapLRN size > planes', function() return nn.SpatialCrossMapLRN(5, 1, 0.75), R(2, 2, 2) end},
    {'SpatialSubtractiveNormalization (1D kernel)', function()
      return nn.SpatialSubtractiveNormalization(2, torch.Tensor({1, 2, 1})), R(2, 4, 5)
    end},
    {'SpatialSubtractiveNormalization batch', function()
      return nn.SpatialSubtractiveNormalization(3, torch.ones(3, 5)), R(2, 3, 4, 5)
    end},
    {'SpatialDivisiveNormalization', function()
      return nn.SpatialDivisiveNormalization(2, torch.Tensor({{1, 2, 1}, {1, 1, 1}, {0, 1, 2}})), R(2, 2, 4, 5)
    end},
    {'SpatialDivisiveNormalization (1D kernel)', function()
      return nn.SpatialDivisiveNormalization(1, torch.Tensor({1, 3, 1})), R(1, 4, 4)
    end},
    {'SpatialContrastiveNormalization', function()
      return nn.SpatialContrastiveNormalization(2, torch.ones(3, 3)), R(2, 4, 5)
    end},
    {'TemporalSubSampling', function() return nn.TemporalSubSampling(3, 2, 2), R(7, 3) end},
    {'TemporalSubSampling batch', function() return nn.TemporalSubSampling(2, 3), R(2, 5, 2) end},
    {'SpatialSubSampling', function() return nn.SpatialSubSampling(2, 2, 3, 2, 1), R(2, 5, 5) end},
    {'SpatialSubSampling batch', function() return nn.SpatialSubSampling(3, 2, 2), R(2, 3, 3, 4) end},
    {'WeightNorm(Linear)', function() return nn.WeightNorm(nn.Linear(3, 4)), R(2, 3) end},
    {'WeightNorm(Linear, 2)', function() return nn.WeightNorm(nn.Linear(3, 2), 2), R(3) end},
    {'WeightNorm(SpatialConvolution, 2)', function()
      return nn.WeightNorm(nn.SpatialConvolution(2, 3, 2, 2), 2), R(1, 2, 3, 3)
    end},
    {'WeightNorm(SpatialConvolution, 4) no bias', function()
      return nn.WeightNorm(nn.SpatialConvolution(2, 2, 3, 2):noBias(), 4), R(2, 3, 4)
    end},
    {'VolumetricReplicationPadding', function()
      return nn.VolumetricReplicationPadding(1, 2, 0, 1, 2, 1), R(2, 2, 3, 2)
    end},
    {'VolumetricReplicationPadding batch, one pad', function()
      return nn.VolumetricReplicationPadding(1), R(2, 1, 2, 2, 3)
    end},
  })
end)

describe('Torch7 nn modules (more, 2): values', function()
  it('SpatialMaxUnpooling (PyTorch max_unpool2d; the pooling input size, 5x4)', function()
    local p = nn.SpatialMaxPooling(2, 2):double()
    local y = p:forward(seq(1, 1, 5, 4))
    U.near(y, D({{{{1, 2.25}, {2.75, 1.5}}}}))
    local m = nn.SpatialMaxUnpooling(p)
    U.near(m:forward(D({{{{1, 2}, {3, 4}}}})),
           D({{{{0, 1, 0, 2}, {0, 0, 0, 0}, {0, 0, 0, 4}, {0, 3, 0, 0}, {0, 0, 0, 0}}}}))
    -- backward gathers the gradient at the indices
    local go = seq(1, 1, 5, 4)
    U.near(m:backward(D({{{{1, 2}, {3, 4}}}}), go), y)
    -- the pooling run without history (torch.no_grad) still gives its indices
    local q = nn.SpatialMaxPooling(2, 2):double()
    torch.no_grad(function() q:forward(seq(2, 4, 4)) end)
    local u = nn.SpatialMaxUnpooling(q)
    assert.are.same({2, 4, 4}, u:forward(R(2, 2, 2)):size():totable())
    assert.is_truthy(tostring(u):find('associated to', 1, true))
    -- a pooling that lost its input (clearState) still knows the odd size
    local r = nn.SpatialMaxPooling(2, 2):double()
    r:forward(seq(1, 5, 5))
    r._input = nil
    assert.are.same({5, 5}, {r.iheight, r.iwidth})
    assert.are.same({1, 5, 5}, nn.SpatialMaxUnpooling(r):forward(R(1, 2, 2)):size():totable())
  end)

  it('PixelShuffle (PyTorch pixel_shuffle)', function()
    local want = D({{{{-2.5, 0, 1, -2.25}, {2.5, -0.75, 0.25, 2.75}, {-1.25, 1.25, 2.25, -1}, {-2, 0.5, 1.5, -1.75}},
                     {{1.75, -1.5, -0.5, 2}, {1, -2.25, -1.25, 1.25}, {3, -0.25, 0.75, -2.5}, {2.25, -1, 0, 2.5}}}})
    U.near(nn.PixelShuffle(2):forward(seq(1, 8, 2, 2)), want)
    U.near(nn.PixelShuffle(2):forward(seq(8, 2, 2)), want[1])
  end)

  it('SpatialCrossMapLRN: an odd window is PyTorch local_response_norm', function()
    U.near(nn.SpatialCrossMapLRN(3, 0.5, 0.75, 2):forward(seq(1, 4, 2, 2)), D({{
      {{-1.08544118, 0.43755237}, {-0.62481567, 0.98449284}}, {{0, -0.98194564}, {0.52398924, -0.40067376}},
      {{1.06100776, 0.08653576}, {-0.88430031, 0.64959694}}, {{-0.31830233, 1.13067785}, {0.23683366, -0.79046318}}}}),
      1e-7)
  end)

  it('SpatialCrossMapLRN: an even window reaches forward (Torch7), not back (PyTorch)', function()
    -- plane c sums planes c .. c+1 for size 2
    local y = nn.SpatialCrossMapLRN(2, 0.5, 0.75, 2):forward(seq(4, 1, 2))
    U.near(y, D({{{-0.89173251, 0.3894916}}, {{-0.65016924, 0.72446765}}, {{0, -0.87635609}},
                 {{0.65016924, -0.54433105}}}), 1e-7)
    -- (PyTorch's local_response_norm gives -0.96410393 for the first value)
    local m = nn.SpatialCrossMapLRN(5)
    assert.are.same({5, 1e-4, 0.75, 1}, {m.size, m.alpha, m.beta, m.k})
  end)

  it('SpatialSubtractiveNormalization (1D kernel, Torch7 transcribed in numpy)', function()
    local k = torch.Tensor({1, 2, 1})
    local m = nn.SpatialSubtractiveNormalization(2, k)
    U.near(m:double():forward(seq(2, 4, 5)), D({
      {{-1.75, 0.85416667, -1.30208333, 2.29166667, -0.375}, {-1.66666667, 0.9375, -1.21875, 2.375, -0.29166667},
       {-1.66666667, 0.9375, -1.21875, 2.375, -0.29166667}, {-1.58333333, 1.02083333, -1.13541667, 2.45833333, -0.20833333}},
      {{-0.75, 1.85416667, -0.30208333, -2.45833333, 0.625}, {-0.66666667, 1.9375, -0.21875, -2.375, 0.70833333},
       {-0.66666667, 1.9375, -0.21875, -2.375, 0.70833333}, {-0.58333333, 2.02083333, -0.13541667, -2.29166667, 0.79166667}}}),
      1e-7)
    assert.are.same({1, 2, 1}, k:totable()) -- the caller's kernel is left alone
    -- a batch is normalized sample by sample
    local x = seq(3, 2, 4, 5)
    U.near(m:forward(x)[2], m:forward(x[2]))
    -- defaults: one plane, a 9x9 box
    local d = nn.SpatialSubtractiveNormalization()
    assert.are.same({1, 9, 9}, {d.nInputPlane, d.kernel:size(1), d.kernel:size(2)})
  end)

  it('SpatialDivisiveNormalization (2D and 1D kernels, thresholds; numpy transcription)', function()
    local k2 = torch.Tensor({{1, 2, 1}, {1, 1, 1}, {0, 1, 2}})
    local x = seq(2, 3, 4)
    U.near(nn.SpatialDivisiveNormalization(2, k2):double():forward(x), D({
      {{-1.03695169, 0.40625482, -0.59119757, 0.89016364}, {0, -1.33424877, 0.72893733, -0.43140077},
       {1.14108866, 0.12241205, -0.9372467, 0.65465367}},
      {{-0.31108551, 1.11720076, 0.23647903, -0.6923495}, {0.91144307, -0.29649973, 1.74944959, 0.32355058},
       {-0.6846532, 0.97929638, -0.11715584, -1.09108945}}}), 1e-7)
    -- stds at or below the threshold are replaced by thresval
    U.near(nn.SpatialDivisiveNormalization(2, k2, 1.9, 0.5):double():forward(x), D({
      {{-1.03695169, 0.40625482, -0.59119757, 0.89016364}, {0, -4.5, 2.5, -0.43140077},
       {1.14108866, 0.12241205, -0.9372467, 0.65465367}},
      {{-0.31108551, 1.11720076, 0.23647903, -0.6923495}, {0.91144307, -1, 6, 0.32355058},
       {-0.6846532, 0.97929638, -0.11715584, -1.09108945}}}), 1e-7)
    -- a 1D kernel: the separable pair, each normalized by sum·sqrt(nInputPlane)
    U.near(nn.SpatialDivisiveNormalization(2, torch.Tensor({1, 2, 1})):double():forward(x), D({
      {{-1.06480918, 0.48746668, -0.6401844, 1.01440379}, {0, -1.30628702, 0.71795816, -0.52026598},
       {1.08694384, 0.13093073, -1.01874326, 0.63888551}},
      {{-0.31944275, 1.34053337, 0.25607376, -0.78898073}, {0.91304348, -0.290286, 1.72309958, 0.39019949},
       {-0.6521663, 1.04744587, -0.12734291, -1.06480918}}}), 1e-7)
  end)

  it('SpatialContrastiveNormalization = subtractive then divisive (numpy transcription)', function()
    U.near(nn.SpatialContrastiveNormalization(2, torch.ones(3, 3)):double():forward(seq(2, 4, 5)), D({
      {{-0.83270485, 0.62556093, -0.68658194, 1.18087455, -0.12063525},
       {-0.96605865, 0.84231386, -0.77333511, 1.53028176, -0.08859044},
       {-0.96420885, 0.84893949, -0.76761031, 1.54180807, -0.08820668},
       {-0.74291433, 0.7554561, -0.57177053, 1.32691901, -0.02397058}},
      {{-0.48209228, 1.10986617, -0.25295124, -1.31208283, 0.26539755},
       {-0.53669925, 1.43688835, -0.24304818, -1.53028176, 0.38389193},
       {-0.53567158, 1.44819089, -0.24124895, -1.54180807, 0.38222897},
       {-0.39330759, 1.24548167, -0.14294263, -1.19422711, 0.35955873}}}), 1e-7)
  end)

  it('TemporalSubSampling and SpatialSubSampling (by hand)', function()
    local t = nn.TemporalSubSampling(2, 3, 2):double()
    torch.no_grad(function() t.weight:copy(D({1, 0.5})); t.bias:copy(D({0, -1})) end)
    -- frames 1-3 and 3-5 summed: (6, 60) and (12, 120)
    U.near(t:forward(D({{1, 10}, {2, 20}, {3, 30}, {4, 40}, {5, 50}})), D({{6, 29}, {12, 59}}))
    local s = nn.SpatialSubSampling(1, 2, 2, 2, 2):double()
    torch.no_grad(function() s.weight:fill(2); s.bias:fill(1) end)
    local x = torch.range(1, 16):double():view(1, 4, 4)
    U.near(s:forward(x), D({{{29, 45}, {93, 109}}}))
    -- defaults dW = dH = 1; Torch7's reset bound 1/sqrt(kW·kH)
    local d = nn.SpatialSubSampling(3, 2, 4)
    assert.are.same({1, 1}, {d.dW, d.dH})
    assert.are.same({3}, d.weight:size():totable())
    local bound = torch.no_grad(function() return math.max(d.weight:abs():max(), d.bias:abs():max()) end)
    assert.is_true(bound <= 1 / math.sqrt(8))
    assert.are.equal(1, nn.TemporalSubSampling(4, 2).dW)
  end)

  it('WeightNorm (PyTorch weight_norm, dim 0 and 1; ‖v‖ has 1e-4 added inside the root)', function()
    local x = seq(2, 3)
    local m = nn.WeightNorm(nn.Linear(3, 2)):double()
    torch.no_grad(function()
      m.v:copy(D({{3, -4, 12}, {6, 8, 0.5}}))
      m.g:copy(D({2, 0.5}))
      m.bias:copy(D({0.5, -1}))
    end)
    U.near(m:forward(x), D({{-3.57692308, -1.38077433}, {-2.61538462, -0.38202199}}), 1e-5)
    U.near(m:forward(x), D({{-3.57692187, -1.38077414}, {-2.61538369, -0.3820223}}), 1e-7) -- with the 1e-4
    -- the wrapped module's weight follows
    U.near(m.modules[1].weight, D({{0.46153846, -0.61538462, 1.84615385}, {0.2996257, 0.39950094, 0.02496881}}), 1e-5)
    local m2 = nn.WeightNorm(nn.Linear(3, 2), 2):double()
    assert.are.same({3, 2}, m2.v:size():totable()) -- outputDim first
    torch.no_grad(function()
      m2.v:copy(D({{3, 6}, {-4, 8}, {12, 0.5}}))
      m2.g:copy(D({2, 0.5, 1.5}))
      m2.bias:copy(D({0.5, -1}))
    end)
    U.near(m2:forward(x), D({{-3.83304929, -5.10297963}, {-0.85961294, 2.88441927}}), 1e-5)
    U.near(m2.weight, D({{0.89442719, -0.2236068, 1.49869961}, {1.78885438, 0.4472136, 0.06244582}}), 1e-5)
  end)

  it('WeightNorm: Torch7 init, parameters and training', function()
    torch.manualSeed(3)
    local lin = nn.Linear(4, 3)
    local m = nn.WeightNorm(lin)
    local ps, gs = m:parameters()
    assert.are.equal(3, #ps)
    assert.are.equal(m.v, ps[1]); assert.are.equal(m.g, ps[2]); assert.are.equal(lin.bias, ps[3])
    assert.are.equal(m.gradV, gs[1]); assert.are.equal(m.gradG, gs[2])
    U.near(m.g, torch.norm(m.v, 2, 2):view(3), 1e-6)   -- g starts at ‖v‖
    U.near(lin.bias, torch.zeros(3), 0)                 -- the bias at zero
    assert.are.equal(1, m.outputDim)
    -- one SGD step moves v and g, lowers the loss
    local x, t = torch.randn(8, 4), torch.randn(8, 3)
    local crit = nn.MSECriterion()
    local before = crit:forward(m:forward(x), t)
    m:zeroGradParameters()
    m:backward(x, crit:backward(m.output, t))
    assert.is_true(U.maxdiff(m.gradG, torch.zeros(3)) > 0)
    m:updateParameters(0.1)
    assert.is_true(crit:forward(m:forward(x), t) < before)
    assert.is_truthy(tostring(m):find('nn.WeightNorm [', 1, true))
  end)

  it('VolumetricReplicationPadding (PyTorch pad replicate)', function()
    U.near(nn.VolumetricReplicationPadding(1, 0, 0, 1, 2, 1):double():forward(seq(1, 2, 2, 3)), D({{
      {{-2.5, -2.5, 1, -1.25}, {2.25, 2.25, 0, -2.25}, {2.25, 2.25, 0, -2.25}},
      {{-2.5, -2.5, 1, -1.25}, {2.25, 2.25, 0, -2.25}, {2.25, 2.25, 0, -2.25}},
      {{-2.5, -2.5, 1, -1.25}, {2.25, 2.25, 0, -2.25}, {2.25, 2.25, 0, -2.25}},
      {{1.25, 1.25, -1, 2.5}, {0.25, 0.25, -2, 1.5}, {0.25, 0.25, -2, 1.5}},
      {{1.25, 1.25, -1, 2.5}, {0.25, 0.25, -2, 1.5}, {0.25, 0.25, -2, 1.5}}}}))
    local m = nn.VolumetricReplicationPadding(2)
    assert.are.same({2, 2, 2, 2, 2, 2}, {m.pleft, m.pright, m.ptop, m.pbottom, m.pfront, m.pback})
    assert.are.same({1, 2, 5, 6, 7}, m:forward(R(1, 2, 1, 2, 3)):size():totable())
  end)
end)

describe('Torch7 nn modules (more, 2): bad input', function()
  U.error_cases({
    {'SpatialMaxUnpooling of a non-pooling module', function() nn.SpatialMaxUnpooling(nn.Linear(2, 2)) end,
     'nn.SpatialMaxUnpooling', 'nn.SpatialMaxPooling'},
    {'SpatialMaxUnpooling with overlapping windows', function() nn.SpatialMaxUnpooling(nn.SpatialMaxPooling(3, 3, 2, 2)) end,
     'nn.SpatialMaxUnpooling', 'must equal its stride'},
    {'SpatialMaxUnpooling before the pooling ran', function()
      nn.SpatialMaxUnpooling(nn.SpatialMaxPooling(2, 2)):forward(R(1, 2, 2))
    end, 'nn.SpatialMaxUnpooling', 'no indices'},
    {'SpatialMaxUnpooling of a wrongly sized input', function()
      local m = unpool(1, 4, 4)
      m:forward(R(1, 3, 2))
    end, 'nn.SpatialMaxUnpooling', "size of the pooling module's output"},
    {'PixelShuffle with planes not divisible by r²', function() nn.PixelShuffle(2):forward(R(6, 2, 2)) end,
     'nn.PixelShuffle', 'divisible'},
    {'PixelShuffle of a 2D input', function() nn.PixelShuffle(2):forward(R(4, 4)) end, 'nn.PixelShuffle', '3D'},
    {'PixelShuffle(0)', function() nn.PixelShuffle(0) end, 'nn.PixelShuffle', 'positive integer'},
    {'SpatialCrossMapLRN of a 2D input', function() nn.SpatialCrossMapLRN(3):forward(R(3, 3)) end,
     'nn.SpatialCrossMapLRN', '3D'},
    {'SpatialCrossMapLRN without a size', function() nn.SpatialCrossMapLRN() end, 'nn.SpatialCrossMapLRN', 'size'},
    {'SpatialSubtractiveNormalization with an even kernel', function()
      nn.SpatialSubtractiveNormalization(1, torch.ones(4))
    end, 'nn.SpatialSubtractiveNormalization', 'odd'},
    {'SpatialDivisiveNormalization with a 3D kernel', function()
      nn.SpatialDivisiveNormalization(1, torch.ones(3, 3, 3))
    end, 'nn.SpatialDivisiveNormalization', '1D or 2D'},
    {'SpatialDivisiveNormalization with the wrong plane count', function()
      nn.SpatialDivisiveNormalization(2, torch.ones(3, 3)):forward(R(3, 4, 4))
    end, 'nn.SpatialDivisiveNormalization', 'expected 2'},
    {'SpatialContrastiveNormalization of a 5D input', function()
      nn.SpatialContrastiveNormalization(1, torch.ones(3, 3)):forward(R(1, 1, 1, 3, 3))
    end, 'nn.SpatialContrastiveNormalization', '3D'},
    {'TemporalSubSampling with the wrong frame size', function() nn.TemporalSubSampling(3, 2):forward(R(5, 4)) end,
     'nn.TemporalSubSampling', 'expected 3'},
    {'TemporalSubSampling of too few frames', function() nn.TemporalSubSampling(3, 4):forward(R(3, 3)) end,
     'nn.TemporalSubSampling', 'fewer than kW'},
    {'SpatialSubSampling with a missing kernel size', function() nn.SpatialSubSampling(2, 2) end,
     'nn.SpatialSubSampling', 'positive integers'},
    {'SpatialSubSampling with the wrong plane count', function() nn.SpatialSubSampling(2, 2, 2):forward(R(3, 4, 4)) end,
     'nn.SpatialSubSampling', 'expected 2'},
    {'SpatialSubSampling of an image smaller than the kernel', function()
      nn.SpatialSubSampling(1, 3, 3):forward(R(1, 2, 4))
    end, 'nn.SpatialSubSampling', 'smaller than the kernel'},
    {'WeightNorm of a module without weight', function() nn.WeightNorm(nn.ReLU()) end,
     'nn.WeightNorm', 'weight'},
    {'WeightNorm with outputDim beyond the weight', function() nn.WeightNorm(nn.Linear(2, 2), 3) end,
     'nn.WeightNorm', 'outputDim'},
    {'VolumetricReplicationPadding of a 3D input', function() nn.VolumetricReplicationPadding(1):forward(R(2, 2, 2)) end,
     'nn.VolumetricReplicationPadding', '4D'},
    {'VolumetricReplicationPadding with a fractional pad', function() nn.VolumetricReplicationPadding(0.5) end,
     'nn.VolumetricReplicationPadding', 'integer'},
  })
end)
