-- nn.Parallel(inputDim, outputDim): child i gets input:select(inputDim, i);
-- their outputs are concatenated along outputDim.
local nn = nn
local Parallel, parent = torch.class('nn.Parallel', 'nn.Container')
function Parallel:__init(inputDim, outputDim)
  parent.__init(self)
  self.inputDimension, self.outputDimension = inputDim, outputDim
end
function Parallel:updateOutput(input)
  self:_begin()
  local outs = {}
  for i, m in ipairs(self.modules) do
    outs[i] = self:_run(m, input:select(self.inputDimension, i))
  end
  self.output = torch.cat(outs, self.outputDimension)
  return self.output
end
Parallel.__tostring__ = nn.ConcatTable.__tostring__
return Parallel
