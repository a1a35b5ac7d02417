-- More of Torch7's transfer modules (transfer.md, simple.md):
-- SpatialSoftMax, SpatialLogSoftMax, CReLU and Maxout. Compositions of
-- recorded ops and existing modules; backward from the tape.
local nn = nn

-- nn.SpatialSoftMax() / nn.SpatialLogSoftMax(): (log-)softmax over the
-- feature planes at every pixel: dim 1 of a C x H x W input, dim 2 of
-- N x C x H x W (Torch7 ran them through SoftMax's kernel, so 1-D and 2-D
-- inputs behave as nn.SoftMax too)
torch.class('nn.SpatialSoftMax', 'nn.SoftMax')
torch.class('nn.SpatialLogSoftMax', 'nn.LogSoftMax')

-- nn.CReLU(nInputDims [, inplace]): concat(max(0, x), max(0, -x)) along the
-- first non-batch dimension (inputs with more than nInputDims dims are
-- batches), so the feature count doubles. inplace is ignored.
local CReLU, parent = torch.class('nn.CReLU', 'nn.Module')
function CReLU:__init(nInputDims, inplace)
  parent.__init(self)
  if type(nInputDims) ~= 'number' or nInputDims < 1 then
    error('nn.CReLU: expected nInputDims, the number of non-batch dimensions (>= 1)', 2)
  end
  self.nInputDims, self.inplace = nInputDims, inplace
end
function CReLU:updateOutput(input)
  if not torch.isTensor(input) or input:dim() < self.nInputDims then
    error(string.format('nn.CReLU: expected a tensor of at least %d dimensions as input, got %s',
                        self.nInputDims, torch.isTensor(input) and (input:dim() .. 'D') or type(input)), 2)
  end
  local d = input:dim() - self.nInputDims + 1
  self.output = torch.cat({torch.relu(input), torch.relu(torch.neg(input))}, d)
  return self.output
end
function CReLU:__tostring__() return string.format('nn.CReLU(%d)', self.nInputDims) end

-- nn.Maxout(inputSize, outputSize, maxoutNumber [, preprocess]): as in
-- Torch7 a function returning a Sequential: Linear(inputSize,
-- outputSize·maxoutNumber), View(maxoutNumber, outputSize) (batch aware),
-- the optional preprocess module, then the max over the maxoutNumber
-- pieces: y_j = max_k (W x + b)[(k-1)·outputSize + j]
function nn.Maxout(inputSize, outputSize, maxoutNumber, preprocess)
  for _, v in ipairs({inputSize, outputSize, maxoutNumber}) do
    if type(v) ~= 'number' or v < 1 then
      error('nn.Maxout: expected positive (inputSize, outputSize, maxoutNumber)', 2)
    end
  end
  local m = nn.Sequential()
  m:add(nn.Linear(inputSize, outputSize * maxoutNumber))
  m:add(nn.View(maxoutNumber, outputSize):setNumInputDims(1))
  if preprocess then m:add(preprocess) end
  m:add(nn.Max(1, 2))
  return m
end

return nn
