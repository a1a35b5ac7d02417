-- training() / evaluate() with Dropout and BatchNormalization: train in
-- training mode, measure the loss in evaluate mode (running statistics).
require 'nn'
torch.manualSeed(6)
local model = nn.Sequential()
  :add(nn.Linear(5, 32)):add(nn.BatchNormalization(32)):add(nn.ReLU()):add(nn.Dropout(0.2))
  :add(nn.Linear(32, 3))
local criterion = nn.CrossEntropyCriterion()
local x = torch.randn(120, 5)
local _, y = torch.mm(x, torch.randn(5, 3)):max(2)
y = y:view(120)

local function evalLoss()
  model:evaluate()
  local l = criterion:forward(model:forward(x), y)
  model:training()
  return l
end

local first = evalLoss()
for iter = 1, 150 do
  local idx = torch.randperm(120):narrow(1, 1, 40):long()
  local xb, yb = x:index(1, idx), y:index(1, idx)
  model:zeroGradParameters()
  local out = model:forward(xb)
  criterion:forward(out, yb)
  model:backward(xb, criterion:backward(out, yb))
  model:updateParameters(0.1)
end
local last = evalLoss()
print(string.format('LOSS %.6f %.6f', first, last))
