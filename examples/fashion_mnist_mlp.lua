-- W4: a 784-512-256-10 ReLU MLP on Fashion-MNIST with nn and optim, the
-- classic Torch7 way (getParameters + optim.sgd with momentum).
--   th examples/fashion_mnist_mlp.lua [epochs] [data dir] [seed]
require 'torch'
require 'nn'
local haveOptim = pcall(require, 'optim')

local epochs = tonumber(arg and arg[1]) or 5
local dir = (arg and arg[2]) or '/usr/share/datasets/fashion-mnist'

local function load(kind)
  local x = torch.readIDX(dir .. '/' .. kind .. '-images-idx3-ubyte.gz')
  local y = torch.readIDX(dir .. '/' .. kind .. '-labels-idx1-ubyte.gz')
  return x:float():div(255):view(x:size(1), 28 * 28), y:long():add(1) -- labels 1..10
end

local xtrain, ytrain = load('train')
local xtest, ytest = load('t10k')
print(string.format('train %d, test %d examples', xtrain:size(1), xtest:size(1)))

torch.manualSeed(tonumber(arg and arg[3]) or 1)
local model = nn.Sequential()
  :add(nn.Linear(784, 512)):add(nn.ReLU())
  :add(nn.Linear(512, 256)):add(nn.ReLU())
  :add(nn.Linear(256, 10))
local criterion = nn.CrossEntropyCriterion()
print(model)

local params, gradParams = model:getParameters()
-- PyTorch's SGD (the W4 peer): momentum without dampening (Torch7's default dampening = momentum)
local config = {learningRate = 0.05, momentum = 0.9, dampening = 0}
local velocity -- the hand-written update when optim is missing

local function step(feval)
  if haveOptim then return optim.sgd(feval, params, config) end
  local loss, g = feval(params)
  velocity = velocity or g:clone():zero()
  velocity:mul(config.momentum):add(g)
  params:add(-config.learningRate, velocity)
  return params, {loss}
end

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

local n, batch = xtrain:size(1), 128
for epoch = 1, epochs do
  local perm = torch.randperm(n):long()
  local timer, seen, total = torch.Timer(), 0, 0
  for i = 1, n, batch do
    local idx = perm:narrow(1, i, math.min(batch, n - i + 1))
    local x, y = xtrain:index(1, idx), ytrain:index(1, idx)
    local function feval()
      gradParams:zero()
      local out = model:forward(x)
      local loss = criterion:forward(out, y)
      model:backward(x, criterion:backward(out, y))
      return loss, gradParams
    end
    local _, fs = step(feval)
    seen, total = seen + x:size(1), total + fs[1] * x:size(1)
    if (i - 1) / batch % 100 == 0 then
      io.write(string.format('\repoch %d  %5d/%d  loss %.4f  %.0f examples/s', epoch, seen, n,
                             total / seen, seen / timer:time().real))
      io.flush()
    end
  end
  local t = timer:time().real
  print(string.format('\repoch %d  loss %.4f  time %.2fs  test accuracy %.2f%%              ',
                      epoch, total / seen, t, 100 * accuracy(xtest, ytest)))
end
