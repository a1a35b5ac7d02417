-- The plainest Torch7 loop: one example at a time, forward, criterion,
-- zeroGradParameters, backward, updateParameters (from the nn tutorial).
require 'nn'
torch.manualSeed(9)
local mlp = nn.Sequential()
mlp:add(nn.Linear(2, 20))
mlp:add(nn.Tanh())
mlp:add(nn.Linear(20, 1))
local criterion = nn.MSECriterion()

local function sample()
  local input = torch.randn(2)
  local output = torch.Tensor(1)
  output[1] = input[1] * input[2] > 0 and -1 or 1  -- XOR of the signs
  return input, output
end

local function avgLoss(n)
  torch.manualSeed(99)
  local s = 0
  for i = 1, n do
    local input, output = sample()
    s = s + criterion:forward(mlp:forward(input), output)
  end
  return s / n
end

local first = avgLoss(200)
torch.manualSeed(10)
for i = 1, 2500 do
  local input, output = sample()
  criterion:forward(mlp:forward(input), output)
  mlp:zeroGradParameters()
  mlp:backward(input, criterion:backward(mlp.output, output))
  mlp:updateParameters(0.01)
end
print(string.format('LOSS %.6f %.6f', first, avgLoss(200)))
