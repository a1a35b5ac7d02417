-- torch.save / torch.load of nn modules and criteria (classes restored by
-- name, no code run): every class in nn round-trips to the same output,
-- with and without clearState; optimizer state resumes the same trajectory.
local U = require 'testutil'
local H = require 'io_helpers'
require 'nn'
require 'optim'

local r = torch.randn
local function L(...) return torch.LongTensor(...) end

-- class name -> {constructor, input [, target for criteria]}
local modules = {
  Linear = {function() return nn.Linear(4, 3) end, function() return r(2, 4) end},
  Identity = {function() return nn.Identity() end, function() return r(2, 3) end},
  Reshape = {function() return nn.Reshape(3, 2) end, function() return r(2, 6) end},
  View = {function() return nn.View(-1, 2):setNumInputDims(2) end, function() return r(2, 3, 2) end},
  Transpose = {function() return nn.Transpose({1, 2}) end, function() return r(2, 3) end},
  Narrow = {function() return nn.Narrow(2, 2, 2) end, function() return r(2, 4) end},
  Select = {function() return nn.Select(2, 3) end, function() return r(2, 4) end},
  JoinTable = {function() return nn.JoinTable(2) end, function() return {r(2, 3), r(2, 2)} end},
  SplitTable = {function() return nn.SplitTable(2) end, function() return r(2, 3) end},
  CAddTable = {function() return nn.CAddTable() end, function() return {r(2, 3), r(2, 3)} end},
  CMulTable = {function() return nn.CMulTable() end, function() return {r(2, 3), r(2, 3)} end},
  CSubTable = {function() return nn.CSubTable() end, function() return {r(2, 3), r(2, 3)} end},
  CDivTable = {function() return nn.CDivTable() end, function() return {r(2, 3), r(2, 3):abs():add(1)} end},
  SelectTable = {function() return nn.SelectTable(2) end, function() return {r(2), r(3)} end},
  Sum = {function() return nn.Sum(2) end, function() return r(2, 3) end},
  Mean = {function() return nn.Mean(2) end, function() return r(2, 3) end},
  Max = {function() return nn.Max(2) end, function() return r(2, 3) end},
  Min = {function() return nn.Min(2) end, function() return r(2, 3) end},
  MulConstant = {function() return nn.MulConstant(2.5) end, function() return r(2, 3) end},
  AddConstant = {function() return nn.AddConstant(-1) end, function() return r(2, 3) end},
  Mul = {function() return nn.Mul() end, function() return r(2, 3) end},
  Add = {function() return nn.Add(3) end, function() return r(2, 3) end},
  CMul = {function() return nn.CMul(3) end, function() return r(2, 3) end},
  Padding = {function() return nn.Padding(1, 2) end, function() return r(2, 3) end},
  ReLU = {function() return nn.ReLU() end, function() return r(2, 3) end},
  ReLU6 = {function() return nn.ReLU6() end, function() return r(2, 3):mul(5) end},
  LeakyReLU = {function() return nn.LeakyReLU(0.2) end, function() return r(2, 3) end},
  PReLU = {function() return nn.PReLU(3) end, function() return r(2, 3) end},
  ELU = {function() return nn.ELU() end, function() return r(2, 3) end},
  SELU = {function() return nn.SELU() end, function() return r(2, 3) end},
  GELU = {function() return nn.GELU() end, function() return r(2, 3) end},
  SoftPlus = {function() return nn.SoftPlus() end, function() return r(2, 3) end},
  Tanh = {function() return nn.Tanh() end, function() return r(2, 3) end},
  Sigmoid = {function() return nn.Sigmoid() end, function() return r(2, 3) end},
  HardTanh = {function() return nn.HardTanh() end, function() return r(2, 3) end},
  Threshold = {function() return nn.Threshold(0.1, -1) end, function() return r(2, 3) end},
  SoftMax = {function() return nn.SoftMax() end, function() return r(2, 3) end},
  LogSoftMax = {function() return nn.LogSoftMax() end, function() return r(2, 3) end},
  SoftMin = {function() return nn.SoftMin() end, function() return r(2, 3) end},
  Dropout = {function() return nn.Dropout(0.3) end, function() return r(2, 3) end},
  SpatialDropout = {function() return nn.SpatialDropout(0.3) end, function() return r(2, 3, 4, 4) end},
  BatchNormalization = {function() return nn.BatchNormalization(3) end, function() return r(4, 3) end},
  SpatialBatchNormalization = {function() return nn.SpatialBatchNormalization(2) end, function() return r(2, 2, 3, 3) end},
  LayerNorm = {function() return nn.LayerNorm(3) end, function() return r(2, 3) end},
  SpatialConvolution = {function() return nn.SpatialConvolution(2, 3, 3, 3, 1, 1, 1, 1) end, function() return r(1, 2, 5, 5) end},
  SpatialConvolutionMM = {function() return nn.SpatialConvolutionMM(2, 3, 3, 3) end, function() return r(1, 2, 5, 5) end},
  SpatialMaxPooling = {function() return nn.SpatialMaxPooling(2, 2) end, function() return r(1, 2, 4, 4) end},
  SpatialAveragePooling = {function() return nn.SpatialAveragePooling(2, 2, 2, 2) end, function() return r(1, 2, 4, 4) end},
  LookupTable = {function() return nn.LookupTable(5, 3) end, function() return L({1, 4, 2}) end},
  SpatialFullConvolution = {function() return nn.SpatialFullConvolution(2, 3, 3, 3, 2, 2) end, function() return r(1, 2, 3, 3) end},
  SpatialDilatedConvolution = {function() return nn.SpatialDilatedConvolution(2, 3, 3, 3, 1, 1, 2, 2, 2, 2) end,
                               function() return r(1, 2, 5, 5) end},
  VolumetricConvolution = {function() return nn.VolumetricConvolution(2, 3, 2, 2, 2) end, function() return r(1, 2, 3, 3, 3) end},
  TemporalConvolution = {function() return nn.TemporalConvolution(3, 4, 2) end, function() return r(5, 3) end},
  SpatialAdaptiveAveragePooling = {function() return nn.SpatialAdaptiveAveragePooling(2, 2) end, function() return r(1, 2, 5, 5) end},
  SpatialAdaptiveMaxPooling = {function() return nn.SpatialAdaptiveMaxPooling(2, 2) end, function() return r(1, 2, 5, 5) end},
  Bilinear = {function() return nn.Bilinear(2, 3, 4) end, function() return {r(2, 2), r(2, 3)} end},
  Sequential = {function() return nn.Sequential():add(nn.Linear(3, 4)):add(nn.Tanh()) end, function() return r(2, 3) end},
  Concat = {function() return nn.Concat(2):add(nn.Linear(3, 2)):add(nn.Linear(3, 1)) end, function() return r(2, 3) end},
  ConcatTable = {function() return nn.ConcatTable():add(nn.Linear(3, 2)):add(nn.Identity()) end, function() return r(2, 3) end},
  ParallelTable = {function() return nn.ParallelTable():add(nn.Linear(3, 2)):add(nn.ReLU()) end,
                   function() return {r(2, 3), r(2, 2)} end},
  Parallel = {function() return nn.Parallel(2, 1):add(nn.Linear(4, 2)):add(nn.Linear(4, 3)) end, function() return r(4, 2) end},
  MapTable = {function() return nn.MapTable(nn.Linear(3, 2)) end, function() return {r(1, 3), r(1, 3)} end},
  LSTMCell = {function() return nn.LSTMCell(3, 4) end, function() return {r(2, 3), {r(2, 4), r(2, 4)}} end},
  GRUCell = {function() return nn.GRUCell(3, 4) end, function() return {r(2, 3), r(2, 4)} end},
  RNNCell = {function() return nn.RNNCell(3, 4) end, function() return {r(2, 3), r(2, 4)} end},
  LSTM = {function() return nn.LSTM(3, 4, 2) end, function() return r(5, 2, 3) end},
  SeqLSTM = {function() local m = nn.SeqLSTM(3, 4); m.batchfirst = true return m end, function() return r(2, 5, 3) end},
  GRU = {function() return nn.GRU(3, 4, 2) end, function() return r(5, 2, 3) end},
  RNN = {function() return nn.RNN(3, 4) end, function() return r(5, 2, 3) end},
  MultiheadAttention = {function() return nn.MultiheadAttention(4, 2) end, function() return r(3, 2, 4) end},
  TransformerEncoderLayer = {function() return nn.TransformerEncoderLayer(4, 2, 8) end, function() return r(3, 2, 4) end},
  gModule = {function()
    local x = nn.Identity()()
    return nn.gModule({x}, {nn.Tanh()(nn.Linear(3, 2)(x))})
  end, function() return r(2, 3) end},
}
-- the Torch7 audit's modules (t7_nn_api_spec.lua checks their values)
local function pos() return r(2, 3):abs():add(0.5) end
for name, c in pairs({
  Abs = {nn.Abs}, Exp = {nn.Exp}, Log = {nn.Log, pos}, Square = {nn.Square}, Sqrt = {nn.Sqrt, pos},
  Power = {function() return nn.Power(2) end}, SoftSign = {nn.SoftSign}, LogSigmoid = {nn.LogSigmoid},
  HardShrink = {nn.HardShrink}, SoftShrink = {nn.SoftShrink}, Clamp = {function() return nn.Clamp(-0.5, 0.5) end},
  RReLU = {nn.RReLU}, GradientReversal = {nn.GradientReversal}, L1Penalty = {function() return nn.L1Penalty(0.1) end},
  CMaxTable = {nn.CMaxTable, function() return {r(2, 3), r(2, 3)} end},
  CMinTable = {nn.CMinTable, function() return {r(2, 3), r(2, 3)} end},
  NarrowTable = {function() return nn.NarrowTable(2) end, function() return {r(2), r(3)} end},
  FlattenTable = {nn.FlattenTable, function() return {r(2), {r(3)}} end},
  Replicate = {function() return nn.Replicate(2) end}, Squeeze = {nn.Squeeze, function() return r(2, 1, 3) end},
  Unsqueeze = {function() return nn.Unsqueeze(2) end}, Contiguous = {nn.Contiguous},
  Copy = {function() return nn.Copy(nil, 'torch.FloatTensor') end},
  MM = {nn.MM, function() return {r(2, 3), r(3, 2)} end}, MV = {nn.MV, function() return {r(2, 3), r(3)} end},
  DotProduct = {nn.DotProduct, function() return {r(2, 3), r(2, 3)} end},
  CosineDistance = {nn.CosineDistance, function() return {r(2, 3), r(2, 3)} end},
  PairwiseDistance = {function() return nn.PairwiseDistance(2) end, function() return {r(2, 3), r(2, 3)} end},
  Normalize = {function() return nn.Normalize(2) end}, Euclidean = {function() return nn.Euclidean(3, 2) end},
  Cosine = {function() return nn.Cosine(3, 2) end}, CAdd = {function() return nn.CAdd(3) end},
}) do modules[name] = {c[1], c[2] or function() return r(2, 3) end} end
-- padding, upsampling, pooling, table and container modules (t7_nn_more_spec.lua)
local function img() return r(1, 2, 4, 4) end
local function vol() return r(1, 2, 4, 4, 4) end
for name, c in pairs({
  SpatialZeroPadding = {function() return nn.SpatialZeroPadding(1, -1, 2, 0) end, img},
  SpatialReflectionPadding = {function() return nn.SpatialReflectionPadding(1, 2, 1, 0) end, img},
  SpatialReplicationPadding = {function() return nn.SpatialReplicationPadding(1, 2, 1, 0) end, img},
  SpatialUpSamplingNearest = {function() return nn.SpatialUpSamplingNearest(2) end, img},
  SpatialUpSamplingBilinear = {function() return nn.SpatialUpSamplingBilinear({oheight = 5, owidth = 7}) end, img},
  TemporalMaxPooling = {function() return nn.TemporalMaxPooling(2) end, function() return r(5, 3) end},
  VolumetricMaxPooling = {function() return nn.VolumetricMaxPooling(2, 2, 2) end, vol},
  VolumetricAveragePooling = {function() return nn.VolumetricAveragePooling(2, 2, 2, 1, 1, 1) end, vol},
  SpatialLPPooling = {function() return nn.SpatialLPPooling(2, 2, 2, 2) end, img},
  SpatialSoftMax = {nn.SpatialSoftMax, img}, SpatialLogSoftMax = {nn.SpatialLogSoftMax, img},
  CReLU = {function() return nn.CReLU(1) end},
  DepthConcat = {function()
    return nn.DepthConcat(2):add(nn.SpatialConvolution(2, 2, 3, 3)):add(nn.SpatialConvolution(2, 1, 1, 1))
  end, img},
  Bottle = {function() return nn.Bottle(nn.Linear(3, 2)) end, function() return r(2, 4, 3) end},
  ZipTable = {nn.ZipTable, function() return {{r(2), r(3)}, {r(2), r(3)}} end},
  MixtureTable = {nn.MixtureTable, function() return {r(2, 3), {r(2, 4), r(2, 4), r(2, 4)}} end},
  Index = {function() return nn.Index(1) end, function() return {r(3, 2), L({3, 1})} end},
  MaskedSelect = {nn.MaskedSelect, function() return {r(2, 2), torch.ByteTensor({{1, 0}, {1, 1}})} end},
  OneHot = {function() return nn.OneHot(4) end, function() return L({{1, 4}, {2, 2}}) end},
}) do modules[name] = {c[1], c[2] or function() return r(2, 3) end} end

-- resampling, normalization and WeightNorm (t7_nn_more2_spec.lua)
for name, c in pairs({
  SpatialMaxUnpooling = {function()
    local p = nn.SpatialMaxPooling(2, 2)
    p:forward(r(1, 2, 4, 4))
    return nn.SpatialMaxUnpooling(p)
  end, function() return r(1, 2, 2, 2) end},
  PixelShuffle = {function() return nn.PixelShuffle(2) end, function() return r(1, 8, 2, 3) end},
  SpatialCrossMapLRN = {function() return nn.SpatialCrossMapLRN(3) end, img},
  SpatialSubtractiveNormalization = {function() return nn.SpatialSubtractiveNormalization(2, torch.ones(3)) end, img},
  SpatialDivisiveNormalization = {function() return nn.SpatialDivisiveNormalization(2, torch.ones(3, 3)) end, img},
  SpatialContrastiveNormalization = {function() return nn.SpatialContrastiveNormalization(2, torch.ones(3, 3)) end, img},
  TemporalSubSampling = {function() return nn.TemporalSubSampling(3, 2) end, function() return r(5, 3) end},
  SpatialSubSampling = {function() return nn.SpatialSubSampling(2, 2, 2, 2, 2) end, img},
  WeightNorm = {function() return nn.WeightNorm(nn.Linear(3, 2)) end},
  VolumetricReplicationPadding = {function() return nn.VolumetricReplicationPadding(1, 0, 1, 0, 1, 0) end, vol},
}) do modules[name] = {c[1], c[2] or function() return r(2, 3) end} end

local criteria = {
  DistKLDivCriterion = {function() return nn.DistKLDivCriterion() end, function() return r(2, 3), torch.rand(2, 3) end},
  SoftMarginCriterion = {function() return nn.SoftMarginCriterion() end,
                         function() return r(4), torch.Tensor({1, -1, 1, -1}) end},
  MultiLabelSoftMarginCriterion = {function() return nn.MultiLabelSoftMarginCriterion() end,
                                   function() return r(2, 3), torch.Tensor({{1, 0, 1}, {0, 0, 1}}) end},
  MultiLabelMarginCriterion = {function() return nn.MultiLabelMarginCriterion() end,
                               function() return r(2, 3), L({{3, 1, 0}, {2, 0, 0}}) end},
  L1HingeEmbeddingCriterion = {function() return nn.L1HingeEmbeddingCriterion(2) end,
                               function() return {r(3), r(3)}, -1 end},
  WeightedMSECriterion = {function() return nn.WeightedMSECriterion(torch.Tensor({1, 2, 3})) end,
                          function() return r(2, 3), r(2, 3) end},
  L1Cost = {function() return nn.L1Cost() end, function() return r(2, 3) end},
  MSECriterion = {function() return nn.MSECriterion() end, function() return r(2, 3), r(2, 3) end},
  AbsCriterion = {function() return nn.AbsCriterion() end, function() return r(2, 3), r(2, 3) end},
  SmoothL1Criterion = {function() return nn.SmoothL1Criterion() end, function() return r(2, 3), r(2, 3) end},
  ClassNLLCriterion = {function() return nn.ClassNLLCriterion(torch.Tensor({1, 2, 0.5})) end,
                       function() return r(4, 3), L({1, 3, 2, 3}) end},
  CrossEntropyCriterion = {function() return nn.CrossEntropyCriterion() end, function() return r(4, 3), L({1, 3, 2, 3}) end},
  BCECriterion = {function() return nn.BCECriterion() end, function() return torch.rand(2, 3), torch.rand(2, 3):gt(0.5):float() end},
  BCEWithLogitsCriterion = {function() return nn.BCEWithLogitsCriterion() end,
                            function() return r(2, 3), torch.rand(2, 3):gt(0.5):float() end},
  KLDivCriterion = {function() return nn.KLDivCriterion() end, function() return r(2, 3), torch.rand(2, 3) end},
  MarginCriterion = {function() return nn.MarginCriterion() end, function() return r(4), torch.Tensor({1, -1, 1, -1}) end},
  MultiMarginCriterion = {function() return nn.MultiMarginCriterion() end, function() return r(4, 3), L({1, 3, 2, 3}) end},
  HingeEmbeddingCriterion = {function() return nn.HingeEmbeddingCriterion() end,
                             function() return r(4), torch.Tensor({1, -1, 1, -1}) end},
  CosineEmbeddingCriterion = {function() return nn.CosineEmbeddingCriterion() end,
                              function() return {r(2, 3), r(2, 3)}, torch.Tensor({1, -1}) end},
  MarginRankingCriterion = {function() return nn.MarginRankingCriterion(0.5) end,
                            function() return {r(3), r(3)}, torch.Tensor({1, -1, 1}) end},
  ParallelCriterion = {function() return nn.ParallelCriterion():add(nn.MSECriterion(), 0.5):add(nn.AbsCriterion()) end,
                       function() return {r(2), r(2)}, {r(2), r(2)} end},
  MultiCriterion = {function() return nn.MultiCriterion():add(nn.MSECriterion()):add(nn.AbsCriterion(), 2) end,
                    function() return r(2, 3), r(2, 3) end},
}

local function roundtrip(obj, name)
  local path = H.tmp(name .. '.t7')
  torch.save(path, obj)
  return torch.load(path)
end

local function same(a, b)
  if torch.isTensor(a) then return U.near(a, b, 0) end
  if type(a) == 'number' then return assert.are.equal(a, b) end
  assert.are.equal(#a, #b)
  for i = 1, #a do same(a[i], b[i]) end
end

describe('torch.save / torch.load of nn modules', function()
  for _, name in ipairs((function() local k = {} for n in pairs(modules) do k[#k + 1] = n end table.sort(k) return k end)()) do
    local make, input = modules[name][1], modules[name][2]
    it('round-trips nn.' .. name, function()
      torch.manualSeed(1)
      local m, x = make(), input()
      if m.train ~= nil then m:forward(x) end -- training forward (BatchNorm's running stats move)
      m:evaluate()
      local y = m:forward(x)
      local back = roundtrip(m, name)
      assert.are.equal('nn.' .. name, torch.typename(back))
      same(y, back:forward(x))
      -- parameters only: clearState drops outputs and the recorded graph
      m:clearState()
      local bare = roundtrip(m, name .. '_bare')
      same(y, bare:forward(x))
      -- a loaded module trains
      bare:training()
      local out = bare:forward(x)
      if torch.isTensor(out) and out:type() == 'torch.FloatTensor' then
        bare:backward(x, torch.onesLike(out))
      end
    end)
  end

  it('covers every module and criterion class of nn', function()
    local abstract = {Module = true, Container = true, Criterion = true, Node = true, -- Node: gModule's
                      StochasticGradient = true} -- a trainer, not a module
    local missing = {}
    for k, v in pairs(nn) do
      if type(v) == 'table' and tostring(v) == 'nn.' .. k and torch.getmetatable('nn.' .. k) and not abstract[k]
         and not modules[k] and not criteria[k] then
        missing[#missing + 1] = k
      end
    end
    table.sort(missing)
    assert.are.same({}, missing)
  end)

  it('round-trips a gModule of two inputs and two outputs: same outputs and gradients', function()
    torch.manualSeed(3)
    local a, b = nn.Identity()(), nn.Identity()()
    local h = nn.Tanh()(nn.Linear(3, 4)(a))
    local p, q = nn.SplitTable(2)(nn.Linear(2, 2)(b)):split(2)
    local g = nn.gModule({a, b}, {nn.CMulTable()({h, nn.Linear(3, 4)(a)}), nn.CAddTable()({p, q})})
    local x = {r(5, 3), r(5, 2)}
    local dy = {r(5, 4), r(5)}
    local function run(m)
      m:zeroGradParameters()
      local y = m:forward(x)
      local gx = m:backward(x, dy)
      local _, gp = m:parameters()
      return {y[1]:clone(), y[2]:clone(), gx[1]:clone(), gx[2]:clone(), unpack(gp)}
    end
    local want = run(g)
    local back = roundtrip(g, 'gmodule2')
    assert.are.equal('nn.gModule', torch.typename(back))
    assert.are.equal('nn.Node', torch.typename(back.outputNodes[1]))
    local got = run(back)
    assert.are.equal(#want, #got)
    same(want, got)
  end)

  it('keeps parameters shared between clones shared', function()
    local a = nn.Linear(2, 2)
    local b = a:clone('weight', 'bias')
    local back = roundtrip({a = a, b = b}, 'shared')
    torch.no_grad(function() back.a.weight:fill(3) end)
    assert.are.equal(3, back.b.weight[1][1])
  end)
end)

describe('torch.save / torch.load of nn criteria', function()
  for name, c in pairs(criteria) do
    it('round-trips nn.' .. name, function()
      torch.manualSeed(2)
      local crit = c[1]()
      local x, t = c[2]()
      local loss = crit:forward(x, t)
      local back = roundtrip(crit, name)
      assert.are.equal('nn.' .. name, torch.typename(back))
      assert.are.equal(loss, back:forward(x, t))
    end)
  end
end)

-- optimizer state -------------------------------------------------------------------------

local function problem()
  torch.manualSeed(5)
  local m = nn.Sequential():add(nn.Linear(4, 8)):add(nn.Tanh()):add(nn.Linear(8, 2))
  local x, y = torch.randn(16, 4), torch.randn(16, 2)
  return m, x, y, nn.MSECriterion()
end

describe('optimizer state in checkpoints', function()
  for _, o in ipairs({{'SGD', {lr = 0.1, momentum = 0.9}}, {'Adam', {lr = 0.01}}, {'RMSprop', {lr = 0.01}}}) do
    it('resumes optim.' .. o[1] .. ' exactly from a saved model + stateDict', function()
      local function steps(m, opt, x, y, crit, n)
        for _ = 1, n do
          opt:zeroGrad()
          crit(m(x), y):backward()
          opt:step()
        end
      end
      -- uninterrupted: 6 steps
      local m, x, y, crit = problem()
      local opt = optim[o[1]](m:parameters(), o[2])
      steps(m, opt, x, y, crit, 6)
      -- interrupted after 3: save, load into fresh objects, 3 more
      local m2 = problem()
      local opt2 = optim[o[1]](m2:parameters(), o[2])
      steps(m2, opt2, x, y, crit, 3)
      local path = H.tmp('ckpt_' .. o[1] .. '.t7')
      torch.save(path, {model = m2:clearState(), optim = opt2:stateDict(), step = 3})
      local ck = torch.load(path)
      local m3 = ck.model
      local opt3 = optim[o[1]](m3:parameters(), o[2])
      opt3:loadStateDict(ck.optim)
      steps(m3, opt3, x, y, crit, 3)
      for i, p in ipairs(m:parameters()) do U.near(p, m3:parameters()[i], 0) end
    end)
  end

  it('resumes functional optim.sgd with its state table (Torch7 style)', function()
    local function train(m, x, y, crit, state, n)
      local params, grads = m:getParameters()
      for _ = 1, n do
        optim.sgd(function()
          grads:zero()
          local out = m:forward(x)
          local loss = crit:forward(out, y)
          m:backward(x, crit:backward(out, y))
          return loss, grads
        end, params, state)
      end
    end
    local cfg = function() return {learningRate = 0.1, momentum = 0.9, dampening = 0} end
    local m, x, y, crit = problem()
    train(m, x, y, crit, cfg(), 6)
    local m2 = problem()
    local st = cfg()
    train(m2, x, y, crit, st, 3)
    local ck = roundtrip({model = m2, optimState = st}, 'sgd_fn')
    train(ck.model, x, y, crit, ck.optimState, 3)
    for i, p in ipairs(m:parameters()) do U.near(p, ck.model:parameters()[i], 0) end
  end)
end)
