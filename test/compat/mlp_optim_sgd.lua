-- Classic Torch7: an MLP, getParameters, optim.sgd with a feval closure.
require 'nn'
local ok = pcall(require, 'optim')
if not ok then print('PENDING optim is not available') return end

torch.manualSeed(1)
-- two Gaussian blobs per class, 4 classes, 2-D
local n = 400
local inputs, targets = torch.Tensor(n, 2), torch.LongTensor(n)
for i = 1, n do
  local c = (i - 1) % 4 + 1
  local cx, cy = (c == 1 or c == 2) and 1 or -1, (c == 1 or c == 3) and 1 or -1
  inputs[i][1] = cx + torch.normal(0, 0.3)
  inputs[i][2] = cy + torch.normal(0, 0.3)
  targets[i] = c
end

local mlp = nn.Sequential()
mlp:add(nn.Linear(2, 16))
mlp:add(nn.Tanh())
mlp:add(nn.Linear(16, 4))
mlp:add(nn.LogSoftMax())
local criterion = nn.ClassNLLCriterion()
local x, dl_dx = mlp:getParameters()
local sgd_params = {learningRate = 0.5, learningRateDecay = 1e-4, weightDecay = 0, momentum = 0.5}

local first, last
for epoch = 1, 30 do
  local feval = function(x_new)
    if x ~= x_new then x:copy(x_new) end
    dl_dx:zero()
    local loss = criterion:forward(mlp:forward(inputs), targets)
    mlp:backward(inputs, criterion:backward(mlp.output, targets))
    return loss, dl_dx
  end
  local _, fs = optim.sgd(feval, x, sgd_params)
  first = first or fs[1]
  last = fs[1]
end
print(string.format('LOSS %.6f %.6f', first, last))
