-- nn.StochasticGradient(module, criterion): Torch7's plain SGD trainer
-- (training.md). train(dataset) makes maxIteration passes over a dataset
-- with dataset:size() and dataset[i] = {input, target}, one example at a
-- time, updating the weights with accUpdateGradParameters at
-- learningRate / (1 + epoch·learningRateDecay), epochs counted from 1
-- after the first pass. The hooks hookExample(self, example) and
-- hookIteration(self, iteration, currentError) run as in Torch7.
local nn = nn
local SG = torch.class('nn.StochasticGradient')

function SG:__init(module, criterion)
  if not (torch.isTypeOf(module, 'nn.Module') and torch.isTypeOf(criterion, 'nn.Criterion')) then
    error('nn.StochasticGradient: expected (module, criterion)', 2)
  end
  self.learningRate = 0.01
  self.learningRateDecay = 0
  self.maxIteration = 25
  self.shuffleIndices = true
  self.verbose = true
  self.module = module
  self.criterion = criterion
end

function SG:train(dataset)
  local fn = 'nn.StochasticGradient.train'
  if type(dataset) ~= 'table' and type(dataset) ~= 'userdata' then
    error(fn .. ': expected a dataset with dataset:size() and dataset[i] = {input, target}', 2)
  end
  local ok, n = pcall(function() return dataset:size() end)
  if not ok or type(n) ~= 'number' then
    error(fn .. ': the dataset has no size() method returning a number', 2)
  end
  local module, criterion = self.module, self.criterion
  local iteration, lr = 1, self.learningRate
  local order = self.shuffleIndices and torch.randperm(n):long() or nil
  if self.verbose then print('# StochasticGradient: training') end
  while true do
    local err = 0
    for t = 1, n do
      local i = order and order[t] or t
      local example = dataset[i]
      if type(example) ~= 'table' or example[1] == nil or example[2] == nil then
        error(string.format('%s: dataset[%d] is not a table {input, target}', fn, i), 2)
      end
      local input, target = example[1], example[2]
      err = err + criterion:forward(module:forward(input), target)
      module:updateGradInput(input, criterion:updateGradInput(module.output, target))
      module:accUpdateGradParameters(input, criterion.gradInput, lr)
      if self.hookExample then self.hookExample(self, example) end
    end
    err = err / n
    if self.hookIteration then self.hookIteration(self, iteration, err) end
    if self.verbose then print('# current error = ' .. err) end
    iteration = iteration + 1
    lr = self.learningRate / (1 + iteration * self.learningRateDecay)
    if self.maxIteration > 0 and iteration > self.maxIteration then
      if self.verbose then
        print('# StochasticGradient: you have reached the maximum number of iterations')
        print('# training error = ' .. err)
      end
      return err
    end
  end
end

return SG
