-- W5: a small convnet on Fashion-MNIST with nn and optim, the classic
-- Torch7 way (getParameters + optim.sgd with momentum):
--   conv(1->32, 5x5, pad 2)-ReLU-maxpool2 -> conv(32->64, 5x5, pad 2)-ReLU-maxpool2
--   -> linear 3136->128-ReLU -> linear 10, batch 64, SGD lr 0.05 momentum 0.9.
-- Pixels are scaled to [0, 1], as in the PyTorch peer of
-- ../shared/BENCHMARKS.md. With exactly W5's settings (--decay=1) the test
-- accuracy after 2 epochs is about 87-89 %, PyTorch's too; so by default
-- the second epoch runs at a tenth of the learning rate, which gives about
-- 90 % (docs/nn.md, "W5", has the figures).
--   th examples/fashion_mnist_cnn.lua [epochs = 2] [data dir] [seed = 1]
--        [--decay=F] (learning rate times F at each epoch after the first; 0.1)
--        [--normalize] (inputs to mean 0, std 1 over the training set)
--        [--cuda] (train on the GPU: model:cuda(), batches moved per step)
require 'torch'
require 'nn'
local haveOptim = pcall(require, 'optim')

local pos, opt = {}, {}
for _, a in ipairs(arg or {}) do
  local k, v = a:match('^%-%-(%w+)=?(.*)$')
  if k then opt[k] = v ~= '' and v or true else pos[#pos + 1] = a end
end
local epochs = tonumber(pos[1]) or 2
local dir = pos[2] or '/usr/share/datasets/fashion-mnist'
local decay = tonumber(opt.decay) or 0.1

local function load(kind)
  local x = torch.readIDX(dir .. '/' .. kind .. '-images-idx3-ubyte.gz')
  local y = torch.readIDX(dir .. '/' .. kind .. '-labels-idx1-ubyte.gz')
  return x:float():div(255):view(x:size(1), 1, 28, 28), y:long():add(1) -- labels 1..10
end

local xtrain, ytrain = load('train')
local xtest, ytest = load('t10k')
if opt.normalize then
  local mean, std = xtrain:mean(), xtrain:std()
  xtrain:add(-mean):div(std)
  xtest:add(-mean):div(std)
  print(string.format('inputs normalised: mean %.4f, std %.4f', mean, std))
end
print(string.format('train %d, test %d examples, %d threads', xtrain:size(1), xtest:size(1),
                    torch.getnumthreads()))

torch.manualSeed(tonumber(pos[3]) or 1)
local model = nn.Sequential()
  :add(nn.SpatialConvolution(1, 32, 5, 5, 1, 1, 2, 2)):add(nn.ReLU())   -- 32 x 28 x 28
  :add(nn.SpatialMaxPooling(2, 2))                                      -- 32 x 14 x 14
  :add(nn.SpatialConvolution(32, 64, 5, 5, 1, 1, 2, 2)):add(nn.ReLU())  -- 64 x 14 x 14
  :add(nn.SpatialMaxPooling(2, 2))                                      -- 64 x 7 x 7
  :add(nn.View(64 * 7 * 7):setNumInputDims(3))
  :add(nn.Linear(64 * 7 * 7, 128)):add(nn.ReLU())
  :add(nn.Linear(128, 10))
local criterion = nn.CrossEntropyCriterion()
if opt.cuda then -- Torch7's way: move the model and the criterion, then each batch
  require 'cunn'
  model:cuda()
  criterion:cuda()
end
local function device(x, y)
  if opt.cuda then return x:cuda(), y:cudaLong() end
  return x, y
end
print(model)

local params, gradParams = model:getParameters()
-- PyTorch's SGD (the W5 peer): momentum without dampening (Torch7's default dampening = momentum)
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
      local _, pred = model:forward((device(x:narrow(1, i, n), y))):max(2)
      -- :long() brings GPU indices back (a CPU LongTensor stays itself)
      correct = correct + pred:long():view(-1):eq(y:narrow(1, i, n)):sum()
    end
  end)
  model:training()
  return correct / x:size(1)
end

local n, batch = xtrain:size(1), 64
for epoch = 1, epochs do
  if epoch > 1 then config.learningRate = config.learningRate * decay end
  local perm = torch.randperm(n):long()
  local timer, seen, total, steps = torch.Timer(), 0, 0, 0
  for i = 1, n, batch do
    local idx = perm:narrow(1, i, math.min(batch, n - i + 1))
    local x, y = device(xtrain:index(1, idx), ytrain:index(1, idx))
    local function feval()
      gradParams:zero()
      local out = model:forward(x)
      local loss = criterion:forward(out, y)
      model:backward(x, criterion:backward(out, y))
      return loss, gradParams
    end
    local _, fs = step(feval)
    seen, total, steps = seen + x:size(1), total + fs[1] * x:size(1), steps + 1
    if steps % 50 == 0 then
      io.write(string.format('\repoch %d  %5d/%d  loss %.4f  %.1f ms/step', epoch, seen, n,
                             total / seen, 1e3 * timer:time().real / steps))
      io.flush()
    end
  end
  local t = timer:time().real
  print(string.format('\repoch %d  lr %g  loss %.4f  time %.1fs  %.1f ms/step  test accuracy %.2f%%   ',
                      epoch, config.learningRate, total / seen, t, 1e3 * t / steps,
                      100 * accuracy(xtest, ytest)))
end
