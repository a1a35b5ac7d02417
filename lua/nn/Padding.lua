-- nn.Padding(dim, pad [, nInputDim] [, value = 0] [, index = 1]): adds |pad|
-- entries of value along dim, after (pad > 0) or before (pad < 0); index
-- puts them at that position instead.
local Padding, parent = torch.class('nn.Padding', 'nn.Module')
function Padding:__init(dim, pad, nInputDim, value, index)
  parent.__init(self)
  self.dim, self.pad, self.nInputDim = dim, pad, nInputDim
  self.value, self.index = value or 0, index or 1
end
function Padding:updateOutput(input)
  local d = self.dim
  if self.nInputDim and input:dim() ~= self.nInputDim then d = d + 1 end
  local size = input:size():totable()
  size[d] = math.abs(self.pad)
  local pad = torch.zeros(torch.LongStorage(size)):type(input:type()):fill(self.value)
  local out
  if self.pad < 0 then
    out = torch.cat({pad, input}, d)
  elseif self.index == 1 then
    out = torch.cat({input, pad}, d)
  else
    local n = input:size(d)
    local k = self.index - 1
    out = torch.cat({input:narrow(d, 1, n - k), pad, input:narrow(d, n - k + 1, k)}, d)
  end
  self.output = out
  return out
end
return Padding
