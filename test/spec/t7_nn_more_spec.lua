-- Torch7 modules built from recorded ops: 2-D padding, upsampling, 1-D
-- and 3-D pooling, LP pooling, spatial (log-)softmax, CReLU, Maxout,
-- DepthConcat, Bottle, ZipTable, MixtureTable, Index, MaskedSelect, OneHot.
-- Jacobians through both interfaces; reference values from PyTorch 1.13
-- (F.pad, F.interpolate, max/avg_pool3d, max_pool1d, lp_pool2d on the
-- inputs of seq below) or computed by hand, checked in as literals.
local U = require 'testutil'
require 'nn'

local function D(t) return torch.DoubleTensor(t) end
local function R(...) return torch.randn(...):double() end

local seq = U.seq

-- a module with its own updateGradInput (Torch7 style): containers holding
-- it chain their children's backward instead of recording one tape
local Twice = torch.class('nn.TestTwiceMore', 'nn.Module')
function Twice:updateOutput(x)
  self.output = torch.mul(x, 2)
  return self.output
end
function Twice:updateGradInput(x, go)
  self.gradInput = torch.mul(go, 2)
  return self.gradInput
end

describe('Torch7 nn modules (more): Jacobians', function()
  torch.manualSeed(5)
  U.jacobian_cases({
    {'SpatialZeroPadding', function() return nn.SpatialZeroPadding(1, 2, -1, 1), R(2, 3, 4) end},
    {'SpatialZeroPadding batch', function() return nn.SpatialZeroPadding(1), R(2, 1, 2, 3) end},
    {'SpatialReflectionPadding', function() return nn.SpatialReflectionPadding(2, 1, 1, 2), R(1, 2, 3, 4) end},
    {'SpatialReplicationPadding', function() return nn.SpatialReplicationPadding(2, 1, 0, 3), R(2, 3, 3) end},
    {'SpatialUpSamplingNearest', function() return nn.SpatialUpSamplingNearest(2), R(2, 2, 3) end},
    {'SpatialUpSamplingBilinear', function() return nn.SpatialUpSamplingBilinear(2), R(2, 1, 2, 3) end},
    {'SpatialUpSamplingBilinear size', function()
      return nn.SpatialUpSamplingBilinear({oheight = 4, owidth = 5}), R(1, 3, 2)
    end},
    {'TemporalMaxPooling', function() return nn.TemporalMaxPooling(3, 2), R(7, 3) end},
    {'TemporalMaxPooling batch', function() return nn.TemporalMaxPooling(2), R(2, 5, 3) end},
    {'VolumetricMaxPooling', function() return nn.VolumetricMaxPooling(2, 2, 2), R(2, 4, 4, 4) end},
    {'VolumetricMaxPooling pad ceil', function()
      return nn.VolumetricMaxPooling(3, 3, 3, 2, 2, 2, 1, 1, 1):ceil(), R(1, 1, 4, 5, 4)
    end},
    {'VolumetricAveragePooling', function()
      return nn.VolumetricAveragePooling(2, 2, 3, 1, 1, 2, 1, 0, 1), R(1, 2, 3, 4, 3)
    end},
    {'SpatialLPPooling p = 2', function() return nn.SpatialLPPooling(2, 2, 2, 2), R(2, 4, 4):abs():add(0.2) end},
    {'SpatialLPPooling p = 3', function() return nn.SpatialLPPooling(1, 3, 2, 2, 1, 1), R(1, 1, 3, 3):abs():add(0.2) end},
    {'SpatialSoftMax', function() return nn.SpatialSoftMax(), R(2, 3, 2, 2) end},
    {'SpatialLogSoftMax', function() return nn.SpatialLogSoftMax(), R(3, 2, 2) end},
    {'CReLU batch', function() return nn.CReLU(1), R(3, 4) end},
    {'CReLU', function() return nn.CReLU(3), R(2, 3, 3) end},
    {'Maxout', function() return nn.Maxout(3, 2, 3), R(4, 3) end},
    {'DepthConcat', function()
      return nn.DepthConcat(2):add(nn.SpatialConvolution(1, 2, 3, 3)):add(nn.SpatialConvolution(1, 1, 2, 2)),
             R(2, 1, 4, 4)
    end},
    {'Bottle', function() return nn.Bottle(nn.Linear(3, 2)), R(2, 4, 3) end},
    {'Bottle 3 to 2 dims', function() return nn.Bottle(nn.Sum(2), 2, 1), R(2, 3, 4) end},
    -- (flattened: gradcheck wants a flat table of outputs)
    {'ZipTable', function()
      return nn.Sequential():add(nn.ZipTable()):add(nn.FlattenTable()), {{R(2), R(3)}, {R(4), R(1)}}
    end},
    {'MixtureTable (table of experts)', function()
      return nn.MixtureTable(), {R(2, 3), {R(2, 4), R(2, 4), R(2, 4)}}
    end},
    {'MixtureTable (tensor of experts)', function() return nn.MixtureTable(), {R(2, 3), R(2, 3, 4)} end},
    {'MixtureTable (no batch)', function() return nn.MixtureTable(), {R(3), R(3, 2)} end},
    {'Index', function() return nn.Index(1), {R(4, 3), torch.LongTensor({4, 1, 4})} end},
    {'MaskedSelect', function()
      return nn.MaskedSelect(), {R(3, 2), torch.ByteTensor({{1, 0}, {1, 1}, {0, 1}})}
    end},
  })
end)

describe('Torch7 nn modules (more): values', function()
  it('SpatialZeroPadding (negative pads crop)', function()
    U.near(nn.SpatialZeroPadding(1, -1, 2, -1):double():forward(seq(1, 2, 3, 4)),
           D({{{{0, 0, 0, 0}, {0, 0, 0, 0}, {0, -2.5, 1, -1.25}, {0, 0, -2.25, 1.25}},
               {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, -0.75, 2.75, 0.5}, {0, 1.75, -0.5, 3}}}}))
    -- one pad for all four sides
    assert.are.same({2, 5, 6}, nn.SpatialZeroPadding(1):forward(R(2, 3, 4)):size():totable())
  end)

  it('SpatialReflectionPadding (PyTorch reflect)', function()
    U.near(nn.SpatialReflectionPadding(2, 1, 1, 2):double():forward(seq(1, 2, 3, 4)), D({{
      {{1.25, -2.25, 0, -2.25, 1.25, -1, 1.25}, {-1.25, 1, -2.5, 1, -1.25, 2.25, -1.25},
       {1.25, -2.25, 0, -2.25, 1.25, -1, 1.25}, {-2, 0.25, 2.5, 0.25, -2, 1.5, -2},
       {1.25, -2.25, 0, -2.25, 1.25, -1, 1.25}, {-1.25, 1, -2.5, 1, -1.25, 2.25, -1.25}},
      {{3, -0.5, 1.75, -0.5, 3, 0.75, 3}, {0.5, 2.75, -0.75, 2.75, 0.5, -1.75, 0.5},
       {3, -0.5, 1.75, -0.5, 3, 0.75, 3}, {-0.25, 2, -1.5, 2, -0.25, -2.5, -0.25},
       {3, -0.5, 1.75, -0.5, 3, 0.75, 3}, {0.5, 2.75, -0.75, 2.75, 0.5, -1.75, 0.5}}}}))
  end)

  it('SpatialReplicationPadding (PyTorch replicate), without a batch', function()
    U.near(nn.SpatialReplicationPadding(2, 1, 1, 2):double():forward(seq(2, 3, 4)), D({
      {{-2.5, -2.5, -2.5, 1, -1.25, 2.25, 2.25}, {-2.5, -2.5, -2.5, 1, -1.25, 2.25, 2.25},
       {0, 0, 0, -2.25, 1.25, -1, -1}, {2.5, 2.5, 2.5, 0.25, -2, 1.5, 1.5},
       {2.5, 2.5, 2.5, 0.25, -2, 1.5, 1.5}, {2.5, 2.5, 2.5, 0.25, -2, 1.5, 1.5}},
      {{-0.75, -0.75, -0.75, 2.75, 0.5, -1.75, -1.75}, {-0.75, -0.75, -0.75, 2.75, 0.5, -1.75, -1.75},
       {1.75, 1.75, 1.75, -0.5, 3, 0.75, 0.75}, {-1.5, -1.5, -1.5, 2, -0.25, -2.5, -2.5},
       {-1.5, -1.5, -1.5, 2, -0.25, -2.5, -2.5}, {-1.5, -1.5, -1.5, 2, -0.25, -2.5, -2.5}}}))
  end)

  it('padding backward sums the gradient of every copy', function()
    local m = nn.SpatialReplicationPadding(1, 1, 0, 0):double()
    local x = D({{{1, 2}}})
    m:forward(x)
    U.near(m:backward(x, D({{{1, 2, 3, 4}}})), D({{{3, 7}}}))
    local r = nn.SpatialReflectionPadding(1, 1, 0, 0):double()
    r:forward(x)
    U.near(r:backward(x, D({{{1, 2, 3, 4}}})), D({{{6, 4}}})) -- the output is x2 x1 x2 x1
  end)

  it('SpatialUpSamplingNearest (PyTorch nearest)', function()
    local y = nn.SpatialUpSamplingNearest(2):double():forward(seq(1, 2, 3, 4))
    U.near(y[1][2], D({{-0.75, -0.75, 2.75, 2.75, 0.5, 0.5, -1.75, -1.75},
                       {-0.75, -0.75, 2.75, 2.75, 0.5, 0.5, -1.75, -1.75},
                       {1.75, 1.75, -0.5, -0.5, 3, 3, 0.75, 0.75}, {1.75, 1.75, -0.5, -0.5, 3, 3, 0.75, 0.75},
                       {-1.5, -1.5, 2, 2, -0.25, -0.25, -2.5, -2.5}, {-1.5, -1.5, 2, 2, -0.25, -0.25, -2.5, -2.5}}))
    assert.are.same({2, 9, 12}, nn.SpatialUpSamplingNearest(3):forward(R(2, 3, 4)):size():totable())
  end)

  it('SpatialUpSamplingBilinear (PyTorch bilinear, align_corners = true)', function()
    -- scale 2 on 3 x 4: Torch7's size (3-1)·2+1 x (4-1)·2+1 = 5 x 7
    U.near(nn.SpatialUpSamplingBilinear(2):double():forward(seq(1, 2, 3, 4)), D({{
      {{-2.5, -0.75, 1, -0.125, -1.25, 0.5, 2.25}, {-1.25, -0.9375, -0.625, -0.3125, 0, 0.3125, 0.625},
       {0, -1.125, -2.25, -0.5, 1.25, 0.125, -1}, {1.25, 0.125, -1, -0.6875, -0.375, -0.0625, 0.25},
       {2.5, 1.375, 0.25, -0.875, -2, -0.25, 1.5}},
      {{-0.75, 1, 2.75, 1.625, 0.5, -0.625, -1.75}, {0.5, 0.8125, 1.125, 1.4375, 1.75, 0.625, -0.5},
       {1.75, 0.625, -0.5, 1.25, 3, 1.875, 0.75}, {0.125, 0.4375, 0.75, 1.0625, 1.375, 0.25, -0.875},
       {-1.5, 0.25, 2, 0.875, -0.25, -1.375, -2.5}}}}), 1e-12)
    U.near(nn.SpatialUpSamplingBilinear({oheight = 2, owidth = 6}):double():forward(seq(2, 3, 4)), D({
      {{-2.5, -0.4, 0.55, -0.8, 0.15, 2.25}, {2.5, 1.15, -0.2, -1.55, -0.6, 1.5}},
      {{-0.75, 1.35, 2.3, 0.95, -0.4, -1.75}, {-1.5, 0.6, 1.55, 0.2, -1.15, -2.5}}}), 1e-12)
  end)

  it('TemporalMaxPooling (PyTorch max_pool1d over frames)', function()
    U.near(nn.TemporalMaxPooling(3, 2):double():forward(seq(7, 3)),
           D({{2.25, 1, 2.5}, {1.25, 2.75, 2.5}, {3, 2.75, 0.5}}))
    assert.are.same({2, 2, 4}, nn.TemporalMaxPooling(2):forward(R(2, 5, 4)):size():totable())
  end)

  it('VolumetricMaxPooling (PyTorch max_pool3d)', function()
    local v = seq(1, 2, 5, 4, 4)
    U.near(nn.VolumetricMaxPooling(2, 2, 2):double():forward(v),
           D({{{{{2, 3}, {2.75, 2.5}}, {{2.75, 2.5}, {3, 2.75}}},
               {{{2.5, 3}, {2.75, 3}}, {{3, 2.25}, {2.25, 2.5}}}}}))
    local y = nn.VolumetricMaxPooling(3, 3, 3, 2, 2, 2, 1, 1, 1):ceil():double():forward(v[1])
    U.near(y, D({{{{2, 3, 2.25}, {2.75, 2.75, 2.5}, {2.75, 2.75, 2.5}},
                  {{2.75, 3, 1.75}, {3, 3, 2.75}, {2, 2.5, 2.5}},
                  {{3, 2.5, 2}, {2.5, 2.75, 2.75}, {2.5, 2.5, -0.5}}},
                 {{{2.5, 3, 3}, {2.75, 3, 3}, {1.75, 3, 2.25}},
                  {{3, 3, 1.75}, {3, 3, 2.5}, {2.25, 3, 0.75}},
                  {{3, 3, 2.75}, {3, 3, 2.75}, {3, 2.25, 2}}}}))
  end)

  it('VolumetricAveragePooling (PyTorch avg_pool3d, padding counted)', function()
    -- PyTorch kernel (2, 3, 2), stride (1, 2, 1), padding (1, 1, 0), in Torch7's kT, kW, kH order
    local y = nn.VolumetricAveragePooling(2, 2, 3, 1, 1, 2, 1, 0, 1):double():forward(seq(1, 2, 5, 4, 4))
    assert.are.same({1, 2, 6, 2, 3}, y:size():totable())
    U.near(y[1][1], D({{{-0.3125, -0.1041666667, 0.1041666667}, {0.2083333333, 0.04166666667, -0.125}},
                       {{-0.1666666667, 0.25, 0.1875}, {0.1458333333, 0.2916666667, -0.04166666667}},
                       {{0.2708333333, 0.2083333333, 0.1458333333}, {0.5625, 0.2291666667, -0.1041666667}},
                       {{0.2291666667, 0.1666666667, 0.1041666667}, {0.5, 0.1666666667, 0.3125}},
                       {{0.1875, 0.125, 0.0625}, {-0.04166666667, 0.1041666667, 0.25}},
                       {{0.08333333333, -0.1875, 0.02083333333}, {0.08333333333, -0.08333333333, -0.25}}}), 1e-9)
    U.near(y[1][2][6], D({{-0.02083333333, 0.1875, 0.3958333333}, {0.1666666667, 0, 0.3125}}), 1e-9)
  end)

  it('SpatialLPPooling: (Σ x^p)^(1/p) per window (PyTorch lp_pool2d)', function()
    local p = seq(1, 2, 4, 5):abs():add(0.1)
    U.near(nn.SpatialLPPooling(2, 2, 3, 2, 2, 2):double():forward(p),
           D({{{{4.283398184, 3.930330775}, {3.85972797, 4.460661386}},
               {{3.800986714, 3.930330775}, {4.159026328, 3.781203512}}}}), 1e-8)
    local y = nn.SpatialLPPooling(2, 3, 2, 2, 1, 1):double():forward(p[1])
    U.near(y[2][3], D({3.494419679, 3.447768633, 2.512022095, 2.963264978}), 1e-8)
  end)

  it('SpatialSoftMax / SpatialLogSoftMax: over the planes at every pixel', function()
    local x = D({{{0}}, {{math.log(3)}}}) -- 2 planes of 1 x 1
    U.near(nn.SpatialSoftMax():double():forward(x), D({{{0.25}}, {{0.75}}}), 1e-12)
    U.near(nn.SpatialLogSoftMax():double():forward(x:view(1, 2, 1, 1)),
           D({{{{math.log(0.25)}}, {{math.log(0.75)}}}}), 1e-12)
  end)

  it('CReLU: relu(x) then relu(-x) along the first non-batch dim', function()
    U.near(nn.CReLU(1):double():forward(D({{1, -2}, {-3, 4}})), D({{1, 0, 0, 2}, {0, 4, 3, 0}}))
    assert.are.same({6, 2, 2}, nn.CReLU(3):forward(R(3, 2, 2)):size():totable())
    assert.are.same({2, 6, 2, 2}, nn.CReLU(3):forward(R(2, 3, 2, 2)):size():totable())
  end)

  it('Maxout: the max of maxoutNumber linear pieces', function()
    local m = nn.Maxout(2, 2, 2):double()
    local lin = m:get(1)
    torch.no_grad(function()
      lin.weight:copy(D({{1, 0}, {0, 1}, {-1, 0}, {0, 2}}))
      lin.bias:copy(D({0, 0, 0, -1}))
    end)
    -- pieces (W x + b): {x1, x2} and {-x1, 2 x2 - 1}; outputs their max
    U.near(m:forward(D({{3, 1}, {-2, -1}})), D({{3, 1}, {2, -1}}))
    assert.are.equal('nn.Sequential', torch.typename(m))
  end)

  it('DepthConcat centres smaller outputs in zeros', function()
    local m = nn.DepthConcat(1):add(nn.Identity()):add(nn.SpatialZeroPadding(-1, -1, -1, 0))
    local x = seq(1, 3, 4)
    local y = m:double():forward(x)
    assert.are.same({2, 3, 4}, y:size():totable())
    U.near(y[1], x[1])
    -- the second child's 2 x 2 output sits at rows 1..2 (floor(1/2) + 1), columns 2..3
    U.near(y[2], D({{0, x[1][2][2], x[1][2][3], 0}, {0, x[1][3][2], x[1][3][3], 0}, {0, 0, 0, 0}}))
    local g = m:backward(x, torch.onesLike(y))
    U.near(g, D({{{1, 1, 1, 1}, {1, 2, 2, 1}, {1, 2, 2, 1}}}))
  end)

  it('DepthConcat and Bottle chain a manual child as Torch7 did', function()
    local m = nn.DepthConcat(1):add(nn.TestTwiceMore()):add(nn.SpatialZeroPadding(0, -1, 0, 0))
    local x = D({{{1, 2, 3}}})
    U.near(m:double():forward(x), D({{{2, 4, 6}}, {{1, 2, 0}}}))
    U.near(m:backward(x, D({{{1, 1, 1}}, {{5, 6, 7}}})), D({{{7, 8, 2}}}))
    local b = nn.Bottle(nn.Sequential():add(nn.Linear(2, 1)):add(nn.TestTwiceMore())):double()
    local lin = b:get(1):get(1)
    torch.no_grad(function() lin.weight:copy(D({{1, -1}})) lin.bias:zero() end)
    local xb = D({{{1, 2}, {3, 5}}})
    U.near(b:forward(xb), D({{{-2}, {-4}}}))
    U.near(b:backward(xb, D({{{1}, {2}}})), D({{{2, -2}, {4, -4}}}))
  end)

  it('Bottle folds leading dims into one batch', function()
    local lin = nn.Linear(3, 2):double()
    local m = nn.Bottle(lin):double()
    local x = R(2, 4, 3)
    local y = m:forward(x)
    assert.are.same({2, 4, 2}, y:size():totable())
    U.near(y:view(8, 2), lin:forward(x:view(8, 3)), 1e-12)
    assert.are.same({5, 2}, nn.Bottle(nn.Linear(3, 2)):double():forward(R(5, 3)):size():totable())
    assert.are.same({2, 3}, nn.Bottle(nn.Sum(2), 2, 1):forward(R(2, 3, 4)):size():totable())
  end)

  it('ZipTable', function()
    local a1, a2, b1, b2 = D({1}), D({2}), D({3}), D({4})
    local out = nn.ZipTable():forward({{a1, a2}, {b1, b2}})
    assert.are.equal(2, #out)
    U.near(out[1][2], b1)
    U.near(out[2][1], a2)
    local m = nn.ZipTable()
    m:forward({{a1, a2}, {b1, b2}})
    local g = m:backward({{a1, a2}, {b1, b2}}, {{D({5}), D({6})}, {D({7}), D({8})}})
    U.near(g[1][2], D({7}))
    U.near(g[2][1], D({6}))
  end)

  it('MixtureTable: gate-weighted sum of experts', function()
    local gater = D({{0.25, 0.75}, {1, 0}})
    local e1, e2 = D({{1, 2}, {3, 4}}), D({{5, 6}, {7, 8}})
    U.near(nn.MixtureTable():forward({gater, {e1, e2}}), D({{4, 5}, {3, 4}}))
    -- experts as one tensor, along dim 2
    local E = torch.cat({e1:view(2, 1, 2), e2:view(2, 1, 2)}, 2)
    U.near(nn.MixtureTable():forward({gater, E}), D({{4, 5}, {3, 4}}))
    U.near(nn.MixtureTable():forward({D({0.5, 0.5}), {D({2}), D({4})}}), D({3}))
    local m = nn.MixtureTable():double()
    m:forward({gater, {e1, e2}})
    local g = m:backward({gater, {e1, e2}}, D({{1, 1}, {1, 0}}))
    U.near(g[1], D({{3, 11}, {3, 7}}))
    U.near(g[2][2], D({{0.75, 0.75}, {0, 0}}))
  end)

  it('Index and MaskedSelect (Torch7 examples)', function()
    local t = D({{10, 20}, {30, 40}, {50, 60}})
    local m = nn.Index(1):double()
    U.near(m:forward({t, torch.LongTensor({3, 1, 3})}), D({{50, 60}, {10, 20}, {50, 60}}))
    local g = m:backward({t, torch.LongTensor({3, 1, 3})}, D({{1, 2}, {3, 4}, {5, 6}}))
    U.near(g[1], D({{3, 4}, {0, 0}, {6, 8}}))
    local ms = nn.MaskedSelect():double()
    local input, mask = D({{10, 20}, {30, 40}}), torch.ByteTensor({{1, 0}, {0, 1}})
    U.near(ms:forward({input, mask}), D({10, 40}))
    U.near(ms:backward({input, mask}, D({20, 80}))[1], D({{20, 0}, {0, 80}}))
  end)

  it('OneHot', function()
    local m = nn.OneHot(4)
    local y = m:forward(torch.LongTensor({{1, 4}, {3, 3}}))
    assert.are.equal('torch.FloatTensor', y:type())
    U.near(y, torch.FloatTensor({{{1, 0, 0, 0}, {0, 0, 0, 1}}, {{0, 0, 1, 0}, {0, 0, 1, 0}}}))
    U.near(nn.OneHot(3):double():forward(2), D({0, 1, 0}))
    U.near(nn.OneHot(3):double():forward(D({3, 1})), D({{0, 0, 1}, {1, 0, 0}}))
    -- no gradient: zeros for a floating index tensor
    local d = nn.OneHot(3):double()
    local x = D({3, 1})
    d:forward(x)
    U.near(d:backward(x, D({{1, 1, 1}, {1, 1, 1}})), D({0, 0}))
  end)

  U.error_cases({
    {'SpatialZeroPadding of a 2D input', function() nn.SpatialZeroPadding(1):forward(R(3, 3)) end,
     'nn.SpatialZeroPadding', '3D'},
    {'SpatialZeroPadding cropping everything', function() nn.SpatialZeroPadding(-2, -2):forward(R(1, 3, 3)) end,
     'nn.SpatialZeroPadding', 'output would be'},
    {'SpatialReflectionPadding as wide as the input', function()
      nn.SpatialReflectionPadding(3, 0, 0, 0):forward(R(1, 2, 3))
    end, 'nn.SpatialReflectionPadding', 'smaller than the input size'},
    {'SpatialReplicationPadding with a fractional pad', function() nn.SpatialReplicationPadding(1.5) end,
     'nn.SpatialReplicationPadding', 'integer'},
    {'SpatialUpSamplingNearest with scale 0', function() nn.SpatialUpSamplingNearest(0) end,
     'nn.SpatialUpSamplingNearest', 'positive integer'},
    {'SpatialUpSamplingBilinear without sizes', function() nn.SpatialUpSamplingBilinear({oheight = 2}) end,
     'nn.SpatialUpSamplingBilinear', 'owidth'},
    {'SpatialUpSamplingBilinear of a 5D input', function()
      nn.SpatialUpSamplingBilinear(2):forward(R(1, 1, 1, 2, 2))
    end, 'nn.SpatialUpSamplingBilinear', '4D'},
    {'TemporalMaxPooling on too few frames', function() nn.TemporalMaxPooling(4):forward(R(3, 2)) end,
     'nn.TemporalMaxPooling', 'fewer than kW'},
    {'VolumetricMaxPooling of a 3D input', function() nn.VolumetricMaxPooling(2, 2, 2):forward(R(2, 4, 4)) end,
     'nn.VolumetricMaxPooling', '4D'},
    {'VolumetricMaxPooling with a large pad', function() nn.VolumetricMaxPooling(2, 2, 2, 1, 1, 1, 2, 0, 0) end,
     'nn.VolumetricMaxPooling', 'half the kernel'},
    {'VolumetricAveragePooling larger than the input', function()
      nn.VolumetricAveragePooling(3, 2, 2):forward(R(1, 2, 4, 4))
    end, 'nn.VolumetricAveragePooling', 'smaller than the kernel'},
    {'SpatialLPPooling with p = 0', function() nn.SpatialLPPooling(1, 0, 2, 2) end, 'nn.SpatialLPPooling', 'pnorm'},
    {'CReLU without nInputDims', function() nn.CReLU() end, 'nn.CReLU', 'nInputDims'},
    {'Maxout with no pieces', function() nn.Maxout(3, 2, 0) end, 'nn.Maxout', 'maxoutNumber'},
    {'DepthConcat of different ranks', function()
      nn.DepthConcat(1):add(nn.Identity()):add(nn.View(-1)):forward(R(2, 2))
    end, 'nn.DepthConcat', 'child 2'},
    {'Bottle of a too small input', function() nn.Bottle(nn.Linear(3, 2), 2):forward(R(3)) end,
     'nn.Bottle', 'at least 2'},
    {'Bottle with the wrong output rank', function() nn.Bottle(nn.Sum(2), 2, 2):forward(R(2, 3, 4)) end,
     'nn.Bottle', 'nOutputDim'},
    {'ZipTable of a tensor', function() nn.ZipTable():forward(R(2)) end, 'nn.ZipTable', 'table'},
    {'MixtureTable with too few experts', function()
      nn.MixtureTable():forward({R(2, 3), {R(2, 4)}})
    end, 'nn.MixtureTable', 'expected 3 experts'},
    {'MixtureTable with a 3D gater', function() nn.MixtureTable():forward({R(2, 3, 1), R(2, 3)}) end,
     'nn.MixtureTable', 'gater'},
    {'Index with a dimension out of range', function()
      nn.Index(3):forward({R(2, 2), torch.LongTensor({1})})
    end, 'nn.Index', 'out of range'},
    {'MaskedSelect with a mask of another size', function()
      nn.MaskedSelect():forward({R(2, 2), torch.ByteTensor(3):fill(1)})
    end, 'nn.MaskedSelect', 'mask'},
    {'OneHot with an index too large', function() nn.OneHot(3):forward(torch.LongTensor({4})) end,
     'nn.OneHot', '1..3'},
    {'OneHot of a string', function() nn.OneHot(3):forward('a') end, 'nn.OneHot', 'indices'},
  })
end)
