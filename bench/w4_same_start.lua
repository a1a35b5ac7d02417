-- W4 from a shared start, our side (bench/w4_same_start.sh): loads the
-- peer's initial weights and first-epoch order from the folder given,
-- trains one epoch with the api given (object or torch7) and prints the
-- loss at the same steps as the peer.
--   th bench/w4_same_start.lua folder [api]
require 'nn'
require 'optim'
local ffi = require 'ffi'
local dir, api = arg[1], arg[2] or 'object'
torch.setnumthreads(1)

local function fill(t, path) -- raw little-endian values, as numpy's tofile writes them
  local f = assert(io.open(path, 'rb'))
  local bytes = f:read('*a')
  f:close()
  assert(#bytes == t:nElement() * t:elementSize(), path .. ': wrong size')
  ffi.copy(t:data(), bytes, #bytes)
  return t
end

local data = '/usr/share/datasets/fashion-mnist/'
local function load(kind)
  local x = torch.readIDX(data .. kind .. '-images-idx3-ubyte.gz')
  return x:view(x:size(1), 784), torch.readIDX(data .. kind .. '-labels-idx1-ubyte.gz'):long():add(1)
end
local xtrain, ytrain = load('train')
local xtest, ytest = load('t10k')

local model = nn.Sequential()
  :add(nn.Linear(784, 512)):add(nn.ReLU())
  :add(nn.Linear(512, 256)):add(nn.ReLU())
  :add(nn.Linear(256, 10))
torch.no_grad(function()
  for i, k in ipairs({1, 3, 5}) do
    fill(model:get(k).weight, dir .. '/w' .. i .. '.f32')
    fill(model:get(k).bias, dir .. '/b' .. i .. '.f32')
  end
end)
local perm = fill(torch.LongTensor(60000), dir .. '/perm.i64'):add(1)
local criterion = nn.CrossEntropyCriterion()

local step
if api == 'object' then
  local opt = optim.SGD(model:parameters(), {lr = 0.05, momentum = 0.9})
  function step(x, y)
    opt:zeroGrad()
    local loss = criterion(model(x), y)
    loss:backward()
    opt:step()
    return loss:item()
  end
else
  local params, gradParams = model:getParameters()
  local config = {learningRate = 0.05, momentum = 0.9, dampening = 0}
  function step(x, y)
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

local shown = {[0] = true, [1] = true, [10] = true, [50] = true, [100] = true, [200] = true, [468] = true}
local s = 0
for i = 1, 60000, 128 do
  local idx = perm:narrow(1, i, math.min(128, 60000 - i + 1))
  local loss = step(xtrain:index(1, idx):float():div(255), ytrain:index(1, idx))
  if shown[s] then print(string.format('step %d %.6f', s, loss)) end
  s = s + 1
end
model:evaluate()
local _, pred = torch.no_grad(function() return model:forward(xtest:float():div(255)) end):max(2)
print(string.format('acc %.2f', 100 * pred:view(-1):eq(ytest):sum() / ytest:size(1)))
