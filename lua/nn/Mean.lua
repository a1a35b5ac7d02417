-- nn.Mean([dim = 1] [, nInputDims] [, squeeze = true]): nn.Sum with sizeAverage.
local Mean = torch.class('nn.Mean', 'nn.Sum')
function Mean:__init(dim, nInputDims, squeeze)
  nn.Sum.__init(self, dim, nInputDims, true, squeeze)
end
return Mean
