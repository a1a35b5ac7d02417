-- Classic Torch7: a hand-written weight init over the modules (torch.type,
-- w:normal, b:zero), the tutorial's nn.StochasticGradient on a dataset
-- table, optim.ConfusionMatrix for accuracy and optim.Logger for the log.
require 'nn'
local ok = pcall(require, 'optim')
if not ok then print('PENDING optim is not available') return end

torch.manualSeed(3)
-- dataset[i] = {input, target}, dataset:size(): what StochasticGradient reads
local dataset = {}
function dataset:size() return 200 end
for i = 1, dataset:size() do
  local c = (i - 1) % 3 + 1
  local x = torch.randn(4) * 0.3
  x[c] = x[c] + 1.5
  dataset[i] = {x, c}
end

local model = nn.Sequential()
model:add(nn.Linear(4, 12))
model:add(nn.ReLU())
model:add(nn.Linear(12, 3))
model:add(nn.LogSoftMax())

-- the usual init loop: Gaussian weights, zero biases
for _, m in ipairs(model:listModules()) do
  if torch.type(m) == 'nn.Linear' then
    m.weight:normal(0, math.sqrt(2 / m.weight:size(2)))
    m.bias:zero()
  end
end
assert(#model:findModules('nn.Linear') == 2)

local criterion = nn.ClassNLLCriterion()
local function mean_loss()
  local total = 0
  for i = 1, dataset:size() do
    total = total + criterion:forward(model:forward(dataset[i][1]), dataset[i][2])
  end
  return total / dataset:size()
end

local first = mean_loss()
local trainer = nn.StochasticGradient(model, criterion)
trainer.learningRate = 0.02
trainer.maxIteration = 5
trainer.verbose = false
trainer:train(dataset)
local last = mean_loss()

local classes = {'a', 'b', 'c'}
local confusion = optim.ConfusionMatrix(classes)
for i = 1, dataset:size() do confusion:add(model:forward(dataset[i][1]), dataset[i][2]) end
confusion:updateValids()
local log = optim.Logger(os.tmpname())
log:setNames({'mean loss', 'accuracy'})
log:add({last, confusion.totalValid})
assert(confusion.totalValid > 0.8, 'accuracy ' .. confusion.totalValid)
print(string.format('LOSS %.6f %.6f', first, last))
