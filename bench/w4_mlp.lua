-- W4 (../shared/BENCHMARKS.md): the MLP 784-512-256-10 (ReLU) on Fashion-MNIST,
-- cross-entropy, SGD lr 0.05 momentum 0.9 (no dampening, as PyTorch's), batch
-- 128, reshuffled every epoch by a generator seeded 0 (BENCH_SEED), 5 epochs of 469 steps
-- (the last batch partial): the settings of the peer
-- ../shared/bench/peers/pytorch/w4_mlp.py, no input normalisation (as it).
--   th bench/w4_mlp.lua [api]
-- api 'object' (default): model(x), loss:backward(), optim.SGD:step(), the
-- peer's loop line for line; 'torch7': forward/backward, getParameters and
-- optim.sgd, the classic loop.
-- The pixels stay bytes and each batch is scaled to [0, 1] float32 (x/255,
-- the peer's values): the training set costs 47 MiB instead of 188.
-- Prints s/epoch (median of epochs 2-5, training loop only), test accuracy
-- after 5 epochs and the peak RSS (VmHWM).
package.path = arg[0]:gsub('[^/]*$', '') .. '?.lua;' .. package.path
local B = require 'util'
B.setup()
local W = require 'w4_common'

local api = arg[1] or 'object'
B.check(api == 'object' or api == 'torch7', "api is 'object' or 'torch7'")
local tag = api == 'object' and 'w4' or 'w4_torch7'
local xtrain, ytrain = W.load('train')
local xtest, ytest = W.load('t10k')
local pixels = W.pixels
local model = W.model()
local step = W.stepper(api, model, nn.CrossEntropyCriterion())

local gen = torch.Generator()
gen:manualSeed(B.seed)
local n, batch, times = xtrain:size(1), 128, {}
for epoch = 1, 5 do
  local perm = torch.randperm(gen, n)
  model:training()
  local t0, loss = B.now()
  for i = 1, n, batch do
    local idx = perm:narrow(1, i, math.min(batch, n - i + 1))
    loss = step(pixels(xtrain:index(1, idx)), ytrain:index(1, idx))
  end
  times[epoch] = B.now() - t0
  io.stderr:write(string.format('# epoch %d: %.3f s, last loss %.4f\n', epoch, times[epoch], loss))
end

model:evaluate()
local correct = 0
torch.no_grad(function()
  for i = 1, xtest:size(1), 1000 do
    local m = math.min(1000, xtest:size(1) - i + 1)
    local _, pred = model:forward(pixels(xtest:narrow(1, i, m))):max(2)
    correct = correct + pred:view(-1):eq(ytest:narrow(1, i, m)):sum()
  end
end)
local acc = 100 * correct / xtest:size(1)
B.check(acc > 80, string.format('test accuracy %.2f%% (a trained W4 MLP is above 85%%)', acc))

local hwm
for line in io.lines('/proc/self/status') do
  hwm = hwm or tonumber(line:match('^VmHWM:%s*(%d+)'))
end
-- minor page faults of the whole run (fresh pages touched): field 10 of /proc/self/stat
local stat = io.open('/proc/self/stat'):read('*a')
local minflt = tonumber(stat:match('^%d+ %b() %S+' .. string.rep(' %S+', 6) .. ' (%d+)'))
local epochs = {}
for i, t in ipairs(times) do epochs[i] = string.format('%.3f', t) end
print(string.format('RESULT %s.s_per_epoch=%.3f s/epoch   # epochs: %s, threads %d', tag,
                    B.median({unpack(times, 2)}), table.concat(epochs, ' '), torch.getnumthreads()))
B.result(tag .. '.test_acc', acc, '%')
B.result(tag .. '.peak_rss_mib', hwm / 1024, 'MiB')
B.result(tag .. '.minor_faults', minflt, '', 'whole run')
