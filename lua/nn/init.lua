-- require 'nn': Torch7's neural-network package on lutorch's autograd.
-- Modules define their forward with tensor ops (and the C kernels of
-- nn.F); backward comes from the tape. See docs/nn.md.
require 'torch'

local nn = rawget(_G, 'nn') or {}
_G.nn = nn -- Torch7 scripts use the global

require 'nn.utils'
require 'nn.functional'
require 'nn.Module'
require 'nn.Container'
require 'nn.Sequential'
require 'nn.ConcatTable'
require 'nn.Concat'
require 'nn.ParallelTable'
require 'nn.Parallel'
require 'nn.MapTable'

for _, name in ipairs({
  'Linear', 'Identity', 'Reshape', 'View', 'Transpose', 'Narrow', 'Select', 'JoinTable',
  'SplitTable', 'CAddTable', 'CMulTable', 'CSubTable', 'CDivTable', 'SelectTable', 'Sum', 'Mean',
  'Max', 'Min', 'MulConstant', 'AddConstant', 'Mul', 'Add', 'CMul', 'Padding',
  'ReLU', 'ReLU6', 'LeakyReLU', 'PReLU', 'ELU', 'SELU', 'GELU', 'SoftPlus', 'Tanh', 'Sigmoid',
  'HardTanh', 'Threshold', 'SoftMax', 'LogSoftMax', 'SoftMin',
  'Dropout', 'SpatialDropout', 'BatchNormalization', 'SpatialBatchNormalization', 'LayerNorm',
  'SpatialConvolution', 'SpatialConvolutionMM', 'SpatialMaxPooling', 'SpatialAveragePooling',
  'LookupTable', 'SpatialFullConvolution', 'SpatialDilatedConvolution', 'VolumetricConvolution',
  'TemporalConvolution', 'SpatialAdaptiveAveragePooling', 'SpatialAdaptiveMaxPooling', 'Bilinear',
}) do require('nn.' .. name) end

require 'nn.Criterion'
for _, name in ipairs({
  'MSECriterion', 'AbsCriterion', 'SmoothL1Criterion', 'ClassNLLCriterion',
  'CrossEntropyCriterion', 'BCECriterion', 'BCEWithLogitsCriterion', 'KLDivCriterion',
  'MarginCriterion', 'MultiMarginCriterion', 'HingeEmbeddingCriterion',
  'CosineEmbeddingCriterion', 'MarginRankingCriterion', 'ParallelCriterion', 'MultiCriterion',
}) do require('nn.' .. name) end

-- more of Torch7's modules and criteria, a few per file (grouped by idea)
for _, name in ipairs({'Pointwise', 'TableOps', 'Shape', 'Distance', 'MoreCriteria',
                       'StochasticGradient', 'Padding2d', 'UpSampling', 'PoolingMore',
                       'TransferMore', 'TableMore', 'ContainersMore', 'SamplingMore',
                       'NormalizationMore', 'WeightNorm'}) do
  require('nn.' .. name)
end

require 'nn.RNNBase'
require 'nn.MultiheadAttention'
require 'nn.TransformerEncoderLayer'
require 'nn.init_weights'
require 'nn.gModule'
require 'nn.t7compat'
require 'nn.state_dict'

-- PyTorch names
nn.Embedding = nn.LookupTable
nn.Softmax = nn.SoftMax
nn.LogSoftmax = nn.LogSoftMax
nn.Softplus = nn.SoftPlus
nn.Hardtanh = nn.HardTanh
nn.Conv2d = nn.SpatialConvolution
nn.ConvTranspose2d = nn.SpatialFullConvolution
nn.Conv3d = nn.VolumetricConvolution
nn.AdaptiveAvgPool2d = nn.SpatialAdaptiveAveragePooling
nn.AdaptiveMaxPool2d = nn.SpatialAdaptiveMaxPooling
nn.MaxPool2d = nn.SpatialMaxPooling
nn.AvgPool2d = nn.SpatialAveragePooling
nn.BatchNorm1d = nn.BatchNormalization
nn.BatchNorm2d = nn.SpatialBatchNormalization
nn.MSELoss = nn.MSECriterion
nn.L1Loss = nn.AbsCriterion
nn.SmoothL1Loss = nn.SmoothL1Criterion
nn.NLLLoss = nn.ClassNLLCriterion
nn.CrossEntropyLoss = nn.CrossEntropyCriterion
nn.BCELoss = nn.BCECriterion
nn.BCEWithLogitsLoss = nn.BCEWithLogitsCriterion
nn.KLDivLoss = nn.KLDivCriterion

return nn
