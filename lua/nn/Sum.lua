-- nn.Sum([dim = 1] [, nInputDims] [, sizeAverage = false] [, squeeze = true]):
-- the sum (mean with sizeAverage) over dim, which is removed unless squeeze
-- is false. With nInputDims, inputs with one more dim are batches.
local Sum, parent = torch.class('nn.Sum', 'nn.Module')
function Sum:__init(dim, nInputDims, sizeAverage, squeeze)
  parent.__init(self)
  self.dimension = dim or 1
  self.nInputDims = nInputDims
  self.sizeAverage = sizeAverage or false
  self.squeeze = squeeze == nil and true or squeeze
end
function Sum:_dim(input)
  local d = self.dimension
  if d < 0 then d = input:dim() + d + 1 end
  if self.nInputDims and input:dim() == self.nInputDims + 1 then d = d + 1 end
  return d
end
function Sum:updateOutput(input)
  local d = self:_dim(input)
  local keep = not self.squeeze or input:dim() == 1
  local y = self.sizeAverage and input:mean(d, keep) or input:sum(d, keep)
  self.output = y
  return y
end
return Sum
