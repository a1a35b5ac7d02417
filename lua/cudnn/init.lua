-- require 'cudnn': Torch7's cuDNN bindings. Here nn's own modules run their
-- convolutions, pooling, batch norm and softmax through cuDNN or lutorch's
-- kernels once moved with model:cuda(), so cudnn.X is nn.X and the tuning
-- switches are accepted for compatibility (algorithms are chosen per shape
-- and cached either way: docs/cuda/conv.md).
require 'cunn'
require 'nn'

local cudnn = {benchmark = false, fastest = false, verbose = false}

for _, name in ipairs({
  'SpatialConvolution', 'SpatialFullConvolution', 'VolumetricConvolution', 'TemporalConvolution',
  'SpatialMaxPooling', 'SpatialAveragePooling', 'SpatialBatchNormalization', 'BatchNormalization',
  'VolumetricBatchNormalization', 'ReLU', 'Tanh', 'Sigmoid', 'SoftMax', 'LogSoftMax',
  'SpatialSoftMax', 'SpatialLogSoftMax', 'LSTM', 'GRU', 'RNN',
}) do
  cudnn[name] = nn[name]
end

-- cudnn.convert(model, backend[, exclude]): Torch7 swapped nn and cudnn
-- module classes; they are the same classes here, so the model is returned
function cudnn.convert(model, backend)
  if backend ~= nn and backend ~= cudnn then
    error('cudnn.convert: argument 2: expected nn or cudnn', 2)
  end
  return model
end

rawset(_G, 'cudnn', cudnn)
return cudnn
