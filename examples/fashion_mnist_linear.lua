-- Softmax regression on Fashion-MNIST with hand-written gradients: the
-- tensor library alone (mm, broadcasting, reductions, indexing), no nn.
--   th examples/fashion_mnist_linear.lua [epochs] [data dir]
require 'torch'

local epochs = tonumber(arg[1]) or 3
local dir = arg[2] or '/usr/share/datasets/fashion-mnist'

local function load(kind)
  local x = torch.readIDX(dir .. '/' .. kind .. '-images-idx3-ubyte.gz')
  local y = torch.readIDX(dir .. '/' .. kind .. '-labels-idx1-ubyte.gz')
  return x:float():div(255):view(x:size(1), 28 * 28), y:long():add(1) -- labels 1..10
end

local xtrain, ytrain = load('train')
local xtest, ytest = load('t10k')
print(string.format('train %d, test %d examples', xtrain:size(1), xtest:size(1)))

torch.manualSeed(1)
local W, b = torch.zeros(784, 10), torch.zeros(1, 10)
local lr, batch = 0.1, 128

-- softmax probabilities and mean cross-entropy of a batch
local function forward(x, y)
  local logits = torch.mm(x, W) + b
  local shifted = logits - logits:max(2)             -- max keeps dim 2 (Torch7)
  local p = torch.exp(shifted)
  p:div(p:sum(2))
  local loss = y and -torch.log(p:gather(2, y:view(-1, 1))):mean()
  return p, loss
end

local function accuracy(x, y)
  local p = forward(x)
  local _, pred = p:max(2)
  return pred:view(-1):eq(y):double():mean()
end

local n = xtrain:size(1)
for epoch = 1, epochs do
  local perm = torch.randperm(n)
  local timer, seen, total = torch.Timer(), 0, 0
  for i = 1, n, batch do
    local idx = perm:narrow(1, i, math.min(batch, n - i + 1))
    local x, y = xtrain:index(1, idx), ytrain:index(1, idx)
    local m = x:size(1)
    local p, loss = forward(x, y)
    -- d loss / d logits = (p - onehot(y)) / m
    local g = p:scatter(2, y:view(-1, 1), p:gather(2, y:view(-1, 1)) - 1):div(m)
    W:add(-lr, torch.mm(x:t(), g))
    b:add(-lr, g:sum(1))
    seen, total = seen + m, total + loss * m
    if (i - 1) / batch % 100 == 0 then
      io.write(string.format('\repoch %d  %5d/%d  loss %.4f  %.0f examples/s', epoch, seen, n,
                             total / seen, seen / timer:time().real))
      io.flush()
    end
  end
  print(string.format('\repoch %d  loss %.4f  test accuracy %.2f%%                 ', epoch,
                      total / seen, 100 * accuracy(xtest, ytest)))
end
