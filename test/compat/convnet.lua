-- Classic Torch7 convnet: SpatialConvolution, ReLU, SpatialMaxPooling, View, Linear;
-- the bright square is in the left or the right half of the image.
require 'nn'
torch.manualSeed(2)
local n = 64
local images, labels = torch.rand(n, 1, 12, 12):mul(0.2), torch.LongTensor(n)
for i = 1, n do
  local right = i % 2 == 0
  local c = right and 8 or 2
  local r = math.random(2, 8)
  images[i][1]:narrow(1, r, 3):narrow(2, c, 3):fill(1)
  labels[i] = right and 2 or 1
end

local net = nn.Sequential()
net:add(nn.SpatialConvolution(1, 4, 3, 3, 1, 1, 1, 1))
net:add(nn.ReLU())
net:add(nn.SpatialMaxPooling(2, 2, 2, 2))
net:add(nn.SpatialConvolution(4, 8, 3, 3))
net:add(nn.ReLU())
net:add(nn.View(8 * 4 * 4))
net:add(nn.Linear(8 * 4 * 4, 2))
local criterion = nn.CrossEntropyCriterion()

local first, last
for iter = 1, 40 do
  local out = net:forward(images)
  local loss = criterion:forward(out, labels)
  net:zeroGradParameters()
  net:backward(images, criterion:backward(out, labels))
  net:updateParameters(0.1)
  first = first or loss
  last = loss
end
print(string.format('LOSS %.6f %.6f', first, last))
