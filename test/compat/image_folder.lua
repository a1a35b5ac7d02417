-- Classic Torch7: a folder of images read with paths and image, scaled,
-- batched into a tensor, and a small convnet trained with optim.sgd while
-- xlua.progress draws the bar. (The folder is made first: two classes of
-- 12x12 PNGs, a bright square top-left or bottom-right.)
require 'nn'
require 'image'
require 'xlua'
local ok = pcall(require, 'optim')
if not ok then print('PENDING optim is not available') return end

torch.manualSeed(4)
local dir = paths.tmpname()
os.remove(dir)
paths.mkdir(dir)
for i = 1, 40 do
  local img = torch.rand(3, 12, 12):mul(0.2)
  local c = i % 2 + 1
  if c == 1 then img[{{}, {1, 6}, {1, 6}}]:add(0.7) else img[{{}, {7, 12}, {7, 12}}]:add(0.7) end
  image.save(paths.concat(dir, string.format('class%d_%02d.png', c, i)), img)
end

-- the classic loading loop
local files = {}
for f in paths.files(dir, '%.png$') do files[#files + 1] = f end
table.sort(files)
local inputs, targets = torch.Tensor(#files, 3, 8, 8), torch.LongTensor(#files)
for i, f in ipairs(files) do
  local img = image.load(paths.concat(dir, f), 3, 'float')
  inputs[i] = image.scale(img, 8, 8)
  targets[i] = tonumber(f:match('^class(%d)'))
  xlua.progress(i, #files)
end
paths.rmall(dir, 'yes')

local model = nn.Sequential()
model:add(nn.SpatialConvolution(3, 4, 3, 3, 1, 1, 1, 1))
model:add(nn.ReLU())
model:add(nn.SpatialMaxPooling(2, 2, 2, 2))
model:add(nn.View(4 * 4 * 4))
model:add(nn.Linear(64, 2))
model:add(nn.LogSoftMax())
local criterion = nn.ClassNLLCriterion()
local params, gradParams = model:getParameters()
local config = {learningRate = 0.1, momentum = 0.9}

local first, last
for epoch = 1, 15 do
  local _, fs = optim.sgd(function()
    gradParams:zero()
    local out = model:forward(inputs)
    local f = criterion:forward(out, targets)
    model:backward(inputs, criterion:backward(out, targets))
    return f, gradParams
  end, params, config)
  first = first or fs[1]
  last = fs[1]
end
print(string.format('LOSS %.6f %.6f', first, last))
