-- nn.Concat(dim): applies each child to the same input and concatenates
-- their outputs along dim.
local nn = nn
local Concat, parent = torch.class('nn.Concat', 'nn.Container')
function Concat:__init(dim)
  parent.__init(self)
  self.dimension = dim
end
function Concat:updateOutput(input)
  self:_begin()
  local outs = {}
  for i, m in ipairs(self.modules) do outs[i] = self:_run(m, input) end
  self.output = torch.cat(outs, self.dimension)
  return self.output
end
function Concat:_chainBackward(input, gradOutput, method, scale)
  local g, offset = nil, 1
  for _, m in ipairs(self.modules) do
    local n = m.output:size(self.dimension)
    local gi = nn.Container._call(m, method, input, gradOutput:narrow(self.dimension, offset, n), scale)
    if method ~= 'accGradParameters' then g = nn._addGrads(g, gi) end
    offset = offset + n
  end
  if method ~= 'accGradParameters' then self.gradInput = g end
  return self.gradInput
end
Concat.__tostring__ = nn.ConcatTable.__tostring__
return Concat
