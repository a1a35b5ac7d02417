-- A custom module written the Torch7 way with only updateOutput (its
-- backward comes from autograd), inside a Sequential.
require 'nn'
local Square, parent = torch.class('nn.CompatSquare', 'nn.Module')
function Square:__init(scale)
  parent.__init(self)
  self.scale = scale or 1
end
function Square:updateOutput(input)
  self.output = torch.cmul(input, input):mul(self.scale)
  return self.output
end

torch.manualSeed(7)
local model = nn.Sequential():add(nn.Linear(3, 6)):add(nn.CompatSquare(0.5)):add(nn.Linear(6, 1))
local criterion = nn.MSECriterion()
local x = torch.randn(80, 3)
local y = torch.cmul(x:select(2, 1), x:select(2, 1)):view(80, 1) - x:select(2, 2):view(80, 1)

local first, last
for iter = 1, 200 do
  model:zeroGradParameters()
  local loss = criterion:forward(model:forward(x), y)
  model:backward(x, criterion:backward(model.output, y))
  model:updateParameters(0.02)
  first = first or loss
  last = loss
end
print(string.format('LOSS %.6f %.6f', first, last))
