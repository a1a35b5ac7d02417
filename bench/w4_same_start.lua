-- W4 from a shared start, our side (bench/w4_same_start.sh): loads the
-- peer's initial weights and first-epoch order from the folder given,
-- trains one epoch with the api given (object or torch7) and prints the
-- loss at the same steps as the peer.
--   th bench/w4_same_start.lua folder [api]
package.path = arg[0]:gsub('[^/]*$', '') .. '?.lua;' .. package.path
local W = require 'w4_common'
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

local xtrain, ytrain = W.load('train')
local xtest, ytest = W.load('t10k')
local model = W.model()
for i, k in ipairs({1, 3, 5}) do -- plain values into the weights: they stay leaves
  fill(model:get(k).weight, dir .. '/w' .. i .. '.f32')
  fill(model:get(k).bias, dir .. '/b' .. i .. '.f32')
end
local perm = fill(torch.LongTensor(60000), dir .. '/perm.i64'):add(1)
local step = W.stepper(api, model, nn.CrossEntropyCriterion())

local shown = {[0] = true, [1] = true, [10] = true, [50] = true, [100] = true, [200] = true, [468] = true}
local s = 0
for i = 1, 60000, 128 do
  local idx = perm:narrow(1, i, math.min(128, 60000 - i + 1))
  local loss = step(W.pixels(xtrain:index(1, idx)), ytrain:index(1, idx))
  if shown[s] then print(string.format('step %d %.6f', s, loss)) end
  s = s + 1
end
model:evaluate()
local _, pred = torch.no_grad(function() return model:forward(W.pixels(xtest)) end):max(2)
print(string.format('acc %.2f', 100 * pred:view(-1):eq(ytest):sum() / ytest:size(1)))
