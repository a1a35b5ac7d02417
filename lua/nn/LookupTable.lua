-- nn.LookupTable(nIndex, nOutput): rows of weight (nIndex x nOutput) picked
-- by 1-based indices (a LongTensor of any shape; output adds a last dim of
-- nOutput). weight starts as N(0, 1) (Torch7). paddingValue rows get no gradient.
local LT, parent = torch.class('nn.LookupTable', 'nn.Module')
function LT:__init(nIndex, nOutput, paddingValue)
  parent.__init(self)
  self.weight = torch.Tensor(nIndex, nOutput)
  self.gradWeight = torch.zeros(nIndex, nOutput)
  self.paddingValue = paddingValue or 0
  self:reset()
  self:_linkGrads()
end
function LT:reset(stdv)
  stdv = stdv or 1
  torch.no_grad(function() self.weight:normal(0, stdv) end)
  return self
end
function LT:updateOutput(input)
  local idx = input
  if torch.typename(idx) ~= 'torch.LongTensor' then idx = idx:long() end
  local flat = idx:reshape(idx:nElement())
  local rows = self.weight:index(1, flat)
  if self.paddingValue > 0 then
    local keep = flat:ne(self.paddingValue):view(flat:nElement(), 1):type(rows:type())
    rows = torch.mul(rows, keep)
  end
  local size = idx:size():totable()
  size[#size + 1] = self.weight:size(2)
  self.output = rows:view(torch.LongStorage(size))
  return self.output
end
function LT:__tostring__()
  return string.format('nn.LookupTable(%d -> %d)', self.weight:size(1), self.weight:size(2))
end
return LT
