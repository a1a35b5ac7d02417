-- W4: a 784-512-256-10 ReLU MLP on Fashion-MNIST, the classic Torch7 way:
-- nn modules, getParameters, forward/backward, SGD with momentum 0.9.
--   th examples/fashion_mnist_mlp.lua [epochs = 5] [data dir] [seed = 1]
-- Two standard additions to the W4 benchmark loop (bench/w4_mlp.lua): the
-- inputs are standardised with the training set's mean and std, and the
-- learning rate (0.05) anneals to 0 along a cosine over the whole run. They
-- take the test accuracy after 5 epochs from about 87% to about 89% (here as
-- in PyTorch with the same settings; docs/nn.md).
require 'torch'
require 'nn'
require 'optim'
local data = require 'data'

local epochs = tonumber(arg[1]) or 5
local seed = tonumber(arg[3]) or 1
local train, test = data.fashionMNIST(arg[2], {flat = true}) -- pixels in [0, 1], labels 1..10
print(string.format('train %d, test %d examples', train:size(), test:size()))

-- standardise both sets with the training set's statistics
local xtrain, xtest = train.tensors[1], test.tensors[1]
local mean, std = xtrain:mean(), xtrain:std()
xtrain:add(-mean):div(std)
xtest:add(-mean):div(std)

torch.manualSeed(seed) -- Torch7's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
local model = nn.Sequential()
  :add(nn.Linear(784, 512)):add(nn.ReLU())
  :add(nn.Linear(512, 256)):add(nn.ReLU())
  :add(nn.Linear(256, 10))
local criterion = nn.CrossEntropyCriterion()
print(model)

local loader = data.DataLoader(train, {batchSize = 128, shuffle = true, seed = seed})
local params, gradParams = model:getParameters()
local sgd = optim.SGD({{params, gradParams}}, {lr = 0.05, momentum = 0.9})
local schedule = optim.lr_scheduler.CosineAnnealingLR(sgd, {TMax = epochs * loader:size()})

local function accuracy(x, y)
  model:evaluate()
  local correct = 0
  torch.no_grad(function()
    for i = 1, x:size(1), 1000 do
      local n = math.min(1000, x:size(1) - i + 1)
      local _, pred = model:forward(x:narrow(1, i, n)):max(2)
      correct = correct + pred:view(-1):eq(y:narrow(1, i, n)):sum()
    end
  end)
  model:training()
  return correct / x:size(1)
end

for epoch = 1, epochs do
  local timer, step, total, seen = torch.Timer(), 0, 0, 0
  for x, y in loader:iter() do
    gradParams:zero()
    local out = model:forward(x)
    local loss = criterion:forward(out, y)
    model:backward(x, criterion:backward(out, y))
    sgd:step()
    schedule:step()
    step, total, seen = step + 1, total + loss * x:size(1), seen + x:size(1)
    data.progress(step, loader:size(), {epoch = epoch, loss = string.format('%.4f', total / seen)})
  end
  local t = timer:time().real
  print(string.format('epoch %d  loss %.4f  time %.2fs  test accuracy %.2f%%', epoch,
                      total / seen, t, 100 * accuracy(xtest, test.tensors[2])))
end
