-- A residual block: ConcatTable{branch, Identity} -> CAddTable.
require 'nn'
torch.manualSeed(4)
local function block(n)
  local branch = nn.Sequential():add(nn.Linear(n, n)):add(nn.ReLU()):add(nn.Linear(n, n))
  return nn.Sequential():add(nn.ConcatTable():add(branch):add(nn.Identity())):add(nn.CAddTable())
end
local model = nn.Sequential():add(nn.Linear(4, 8)):add(block(8)):add(block(8)):add(nn.Linear(8, 1))
local criterion = nn.MSECriterion()
local x = torch.randn(64, 4)
local y = torch.cmul(x:select(2, 1), x:select(2, 2)):view(64, 1) + x:select(2, 3):view(64, 1)

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
