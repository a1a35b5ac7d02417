-- The W4 pieces shared by bench/w4_mlp.lua and bench/w4_same_start.lua:
-- the data, the model (784-512-256-10, ReLU), and one training step in
-- either of our two APIs, with the peer's settings (SGD lr 0.05, momentum
-- 0.9, no dampening, cross-entropy).
require 'nn'
require 'optim'
local W = {}

local dir = '/usr/share/datasets/fashion-mnist/'
-- images as an N x 784 ByteTensor, labels 1..10
function W.load(kind)
  local x = torch.readIDX(dir .. kind .. '-images-idx3-ubyte.gz')
  return x:view(x:size(1), 784), torch.readIDX(dir .. kind .. '-labels-idx1-ubyte.gz'):long():add(1)
end
-- a batch of bytes as the peer's pixels: x/255 in float32
function W.pixels(x) return x:float():div(255) end

function W.model()
  return nn.Sequential()
    :add(nn.Linear(784, 512)):add(nn.ReLU())
    :add(nn.Linear(512, 256)):add(nn.ReLU())
    :add(nn.Linear(256, 10))
end

-- step(x, y) -> the batch's loss (a number). api 'object': model(x),
-- loss:backward(), optim.SGD:step(), the peer's loop line for line;
-- 'torch7': forward/backward, getParameters and optim.sgd.
function W.stepper(api, model, criterion)
  if api == 'object' then
    local opt = optim.SGD(model:parameters(), {lr = 0.05, momentum = 0.9})
    return function(x, y)
      opt:zeroGrad()
      local loss = criterion(model(x), y)
      loss:backward()
      opt:step()
      return loss:item()
    end
  end
  model:get(1).gradInput = nil -- Torch7's idiom: no gradient for the data
  local params, gradParams = model:getParameters()
  local config = {learningRate = 0.05, momentum = 0.9, dampening = 0}
  return function(x, y)
    local _, fs = optim.sgd(function()
      gradParams:zero()
      local out = model:forward(x)
      local loss = criterion:forward(out, y)
      model:backward(x, criterion:backward(out, y))
      return loss, gradParams
    end, params, config)
    return fs[1]
  end
end

return W
