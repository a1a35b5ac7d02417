-- nn.ParallelTable(): child i is applied to input[i]; the output is the
-- table of their outputs.
local nn = nn
local ParallelTable = torch.class('nn.ParallelTable', 'nn.Container')
function ParallelTable:updateOutput(input)
  self:_begin()
  local out = {}
  for i, m in ipairs(self.modules) do out[i] = self:_run(m, input[i]) end
  self.output = out
  return out
end
function ParallelTable:_chainBackward(input, gradOutput, method, scale)
  local g = {}
  for i, m in ipairs(self.modules) do
    g[i] = nn.Container._call(m, method, input[i], gradOutput[i], scale)
  end
  if method ~= 'accGradParameters' then self.gradInput = g end
  return self.gradInput
end
ParallelTable.__tostring__ = nn.ConcatTable.__tostring__
return ParallelTable
