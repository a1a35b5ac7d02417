-- W5: the CNN of ../shared/BENCHMARKS.md on Fashion-MNIST --
-- conv(1->32,5x5,pad 2)-ReLU-maxpool2 -> conv(32->64,5x5,pad 2)-ReLU-maxpool2
-- -> linear 3136->128-ReLU -> linear 10, cross-entropy, SGD lr 0.05 momentum 0.9
-- (no dampening, as the PyTorch peer), batch 64, shuffled with a fixed seed.
-- ms/step = median of steps 21..220 of the first epoch (20 warm-up steps), as
-- the peer ../shared/bench/peers/pytorch/w5_cnn.py measures it.
--   th bench/w5_cnn.lua [steps]    steps = 220 (timing only) or 'epoch' (one
--   full epoch, then the test accuracy); W5_EPOCH=1 does the same.
--   W5_GC=1: a collectgarbage() at the end of each step (timed), to check
--   that the step no longer depends on one (docs/nn.md, W5).
-- A step is what the peer times: index the batch, zero the gradients,
-- forward, loss, backward, the optimizer's update.
package.path = arg[0]:gsub('[^/]*$', '') .. '?.lua;' .. package.path
local B = require 'util'
B.setup()
require 'nn'
require 'optim'

-- minor page faults of this process (fresh pages touched), for the
-- faults-per-step figure
local ffi = require 'ffi'
ffi.cdef [[
typedef struct { long tv[4]; long maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock,
                 oublock, msgsnd, msgrcv, nsignals, nvcsw, nivcsw; } w5_rusage;
int getrusage(int who, w5_rusage *usage);
]]
local rusage = ffi.new('w5_rusage')
local function minflt()
  ffi.C.getrusage(0, rusage)
  return tonumber(rusage.minflt), tonumber(rusage.maxrss) / 1024
end

local full = arg[1] == 'epoch' or os.getenv('W5_EPOCH') == '1'
local dir = '/usr/share/datasets/fashion-mnist'
local function load(kind)
  local x = torch.readIDX(dir .. '/' .. kind .. '-images-idx3-ubyte.gz')
  local y = torch.readIDX(dir .. '/' .. kind .. '-labels-idx1-ubyte.gz')
  return x:float():div(255):view(x:size(1), 1, 28, 28), y:long():add(1)
end
local xtr, ytr = load('train')
local xte, yte = load('t10k')

local model = nn.Sequential()
  :add(nn.SpatialConvolution(1, 32, 5, 5, 1, 1, 2, 2)):add(nn.ReLU())
  :add(nn.SpatialMaxPooling(2, 2))
  :add(nn.SpatialConvolution(32, 64, 5, 5, 1, 1, 2, 2)):add(nn.ReLU())
  :add(nn.SpatialMaxPooling(2, 2))
  :add(nn.View(-1):setNumInputDims(3))
  :add(nn.Linear(3136, 128)):add(nn.ReLU())
  :add(nn.Linear(128, 10))
local criterion = nn.CrossEntropyCriterion()
local params, gradParams = model:getParameters()
local config = {learningRate = 0.05, momentum = 0.9, dampening = 0}

local N, batch = xtr:size(1), 64
local steps = full and math.ceil(N / batch) or (tonumber(arg[1]) or 220)
local perm = torch.randperm(N):long()
local ts, loss, flt = {}, 0, {}
local t_start = B.now()
for s = 1, steps do
  if s == 21 or s == 221 then flt[s] = minflt() end
  local t0 = B.now()
  local i = (s - 1) * batch + 1
  local idx = perm:narrow(1, i, math.min(batch, N - i + 1))
  local x, y = xtr:index(1, idx), ytr:index(1, idx)
  local _, fs = optim.sgd(function()
    gradParams:zero()
    local out = model:forward(x)
    local l = criterion:forward(out, y)
    model:backward(x, criterion:backward(out, y))
    return l, gradParams
  end, params, config)
  if os.getenv("W5_GC") == "1" then collectgarbage() end -- see docs/nn.md, W5
  ts[s] = B.now() - t0
  loss = fs[1]
  if s % 100 == 0 then
    io.stderr:write(string.format('# step %d: loss %.4f, elapsed %.1f s\n', s, loss, B.now() - t_start))
  end
end
B.check(loss == loss and loss < 2.3, 'w5: the loss did not fall')
local timed = {}
for s = 21, math.min(220, steps) do timed[#timed + 1] = ts[s] end
local mn = math.huge
for _, t in ipairs(timed) do mn = math.min(mn, t) end
B.result('w5.ms_per_step', B.median(timed) * 1e3, 'ms',
  string.format('median of steps 21..%d; min %.2f; threads %d; last loss %.4f',
    math.min(220, steps), mn * 1e3, torch.getnumthreads(), loss))
local faults = flt[221] or minflt()
B.result('w5.minor_faults_per_step', (faults - (flt[21] or faults)) / math.max(1, #timed), '',
  string.format('steps 21..%d: fresh pages touched', math.min(220, steps)))

if full then
  model:evaluate()
  local correct = 0
  torch.no_grad(function()
    for i = 1, xte:size(1), 1000 do
      local n = math.min(1000, xte:size(1) - i + 1)
      local _, pred = model:forward(xte:narrow(1, i, n)):max(2)
      correct = correct + pred:view(-1):eq(yte:narrow(1, i, n)):sum()
    end
  end)
  B.result('w5.test_acc_1epoch', 100 * correct / xte:size(1), '%',
    string.format('after %d steps, train time %.1f s', steps, B.now() - t_start))
end
B.result('w5.peak_rss_mib', select(2, minflt()), 'MiB')
