-- The Fashion-MNIST MLP of fashion_mnist_mlp.lua, saving a checkpoint after
-- every epoch (model parameters, optimizer state, epoch, RNG state) and
-- able to resume from one exactly: a run stopped after epoch k and resumed
-- prints the same losses as a run that never stopped.
--   th examples/checkpoint_resume.lua [--epochs 2] [--subset 6000] [--checkpoint ckpt.t7]
--                                     [--resume ckpt.t7] [--data dir] [--seed 1]
-- e.g. th examples/checkpoint_resume.lua --epochs 1
--      th examples/checkpoint_resume.lua --epochs 2 --resume ckpt.t7
require 'torch'
require 'nn'
require 'optim'

local opt = {epochs = 2, subset = 6000, checkpoint = 'ckpt.t7', data = '/usr/share/datasets/fashion-mnist', seed = 1}
local i = 1
while arg and arg[i] do
  local key = arg[i]:match('^%-%-(.+)$')
  if not key or opt[key] == nil and key ~= 'resume' or arg[i + 1] == nil then
    error('usage: th examples/checkpoint_resume.lua [--epochs n] [--subset n] [--checkpoint path] '
          .. '[--resume path] [--data dir] [--seed n] (got ' .. tostring(arg[i]) .. ')', 0)
  end
  opt[key] = type(opt[key]) == 'number' and assert(tonumber(arg[i + 1]), '--' .. key .. ' expects a number')
             or arg[i + 1]
  i = i + 2
end

local function load(kind, n)
  local x = torch.readIDX(opt.data .. '/' .. kind .. '-images-idx3-ubyte.gz')
  local y = torch.readIDX(opt.data .. '/' .. kind .. '-labels-idx1-ubyte.gz')
  n = math.min(n, x:size(1))
  -- the first n examples: the subset does not depend on the RNG
  return x:narrow(1, 1, n):float():div(255):view(n, 28 * 28), y:narrow(1, 1, n):long():add(1)
end
local xtrain, ytrain = load('train', opt.subset)
local xtest, ytest = load('t10k', math.max(1000, math.floor(opt.subset / 6)))

local model, config, startEpoch
if opt.resume then
  -- everything that decides what happens next is in the checkpoint
  local ck = torch.load(opt.resume)
  model, config, startEpoch = ck.model, ck.optimState, ck.epoch + 1
  torch.setRNGState(ck.rng)
  print(string.format('resumed from %s after epoch %d', opt.resume, ck.epoch))
else
  torch.manualSeed(opt.seed)
  model = nn.Sequential()
    :add(nn.Linear(784, 512)):add(nn.ReLU())
    :add(nn.Linear(512, 256)):add(nn.ReLU())
    :add(nn.Linear(256, 10))
  -- optim.sgd keeps its state (the momentum buffer) in this table
  config = {learningRate = 0.05, momentum = 0.9, dampening = 0}
  startEpoch = 1
end
local criterion = nn.CrossEntropyCriterion()
-- the flat views are rebuilt in the same order, so the momentum buffer
-- saved in config lines up with the parameters again
local params, gradParams = model:getParameters()

local function accuracy(x, y)
  model:evaluate()
  local correct = 0
  torch.no_grad(function()
    for k = 1, x:size(1), 1000 do
      local n = math.min(1000, x:size(1) - k + 1)
      local _, pred = model:forward(x:narrow(1, k, n)):max(2)
      correct = correct + pred:view(-1):eq(y:narrow(1, k, n)):sum()
    end
  end)
  model:training()
  return correct / x:size(1)
end

local n, batch = xtrain:size(1), 128
for epoch = startEpoch, opt.epochs do
  local perm = torch.randperm(n):long()
  local seen, total = 0, 0
  for k = 1, n, batch do
    local idx = perm:narrow(1, k, math.min(batch, n - k + 1))
    local x, y = xtrain:index(1, idx), ytrain:index(1, idx)
    local _, fs = optim.sgd(function()
      gradParams:zero()
      local out = model:forward(x)
      local loss = criterion:forward(out, y)
      model:backward(x, criterion:backward(out, y))
      return loss, gradParams
    end, params, config)
    seen, total = seen + x:size(1), total + fs[1] * x:size(1)
  end
  print(string.format('epoch %d  loss %.6f  test accuracy %.2f%%  |params| %.6f', epoch, total / seen,
                      100 * accuracy(xtest, ytest), params:norm()))
  -- clearState: parameters (and their flat storage), not the last batch's
  -- activations; the save is atomic, so a crash keeps the previous epoch's file
  model:clearState()
  torch.save(opt.checkpoint, {model = model, optimState = config, epoch = epoch, rng = torch.getRNGState()})
end
