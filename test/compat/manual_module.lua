-- An old third-party module with hand-written updateGradInput and
-- accGradParameters (a learned per-feature scale), used as written inside
-- a Sequential (Torch7 chaining).
require 'nn'
local Scale, parent = torch.class('nn.CompatScale', 'nn.Module')
function Scale:__init(n)
  parent.__init(self)
  self.weight = torch.ones(n)
  self.gradWeight = torch.zeros(n)
end
function Scale:updateOutput(input)
  self.output = torch.cmul(input, self.weight:view(1, -1):expandAs(input))
  return self.output
end
function Scale:updateGradInput(input, gradOutput)
  self.gradInput = torch.cmul(gradOutput, self.weight:view(1, -1):expandAs(gradOutput))
  return self.gradInput
end
function Scale:accGradParameters(input, gradOutput, scale)
  self.gradWeight:add(scale or 1, torch.cmul(input, gradOutput):sum(1):view(-1))
end

torch.manualSeed(8)
local model = nn.Sequential():add(nn.Linear(4, 6)):add(nn.Tanh()):add(nn.CompatScale(6))
  :add(nn.Linear(6, 2))
local criterion = nn.MSECriterion()
local x = torch.randn(60, 4)
local y = torch.mm(torch.tanh(torch.mm(x, torch.randn(4, 3))), torch.randn(3, 2))

local first, last
for iter = 1, 200 do
  model:zeroGradParameters()
  local loss = criterion:forward(model:forward(x), y)
  model:backward(x, criterion:backward(model.output, y))
  model:updateParameters(0.05)
  first = first or loss
  last = loss
end
print(string.format('LOSS %.6f %.6f', first, last))
