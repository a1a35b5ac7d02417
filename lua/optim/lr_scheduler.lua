-- Learning-rate schedulers for the optimizer objects, as PyTorch's
-- torch.optim.lr_scheduler: each sets group.lr of every parameter group.
-- Creating one applies epoch 0 (lr = the group's initial lr); :step()
-- moves to the next epoch (ReduceLROnPlateau: :step(metric)). The
-- closed-form schedules compute lr(epoch) from the initial lr, so a
-- scheduler restored with :loadStateDict continues exactly.
--
--   local sched = optim.lr_scheduler.StepLR(opt, {stepSize = 30, gamma = 0.1})
--   for epoch = 1, 90 do train(); sched:step() end
local optim = optim
local U = optim._util

local S = {}
optim.lr_scheduler = S

local function num(fn, opts, key, default, lo, level)
  return U.num(fn, opts, key, default, lo, nil, level + 1)
end

local function check_opt(fn, opt, opts)
  if type(opt) ~= 'table' or type(opt.paramGroups) ~= 'table' then
    U.fail(4, '%s: argument 1: expected an optimizer object (optim.SGD, ...), got %s', fn, U.kind(opt))
  end
  if opts ~= nil and type(opts) ~= 'table' then
    U.fail(4, '%s: argument 2: expected a table of options, got %s', fn, U.kind(opts))
  end
  return opts or {}
end

local Scheduler = torch.class('optim.lr_scheduler.Scheduler', nil, S)

-- subclasses: _name, _init(opts, level), factor(epoch, base) -> lr
function Scheduler:__init(opt, opts)
  opts = check_opt(self._name, opt, opts)
  self.optimizer = opt
  self.baseLrs = {}
  for i, g in ipairs(opt.paramGroups) do
    if g.initialLr == nil then g.initialLr = g.lr end
    self.baseLrs[i] = g.initialLr
  end
  self:_init(opts, 3)
  self.lastEpoch = 0
  self:_apply()
end

function Scheduler:_apply()
  self.lastLr = {}
  for i, g in ipairs(self.optimizer.paramGroups) do
    g.lr = self:lrAt(self.lastEpoch, self.baseLrs[i])
    self.lastLr[i] = g.lr
  end
end

function Scheduler:step()
  self.lastEpoch = self.lastEpoch + 1
  self:_apply()
end

function Scheduler:getLastLr() return self.lastLr end

-- everything but the optimizer (numbers and tables)
function Scheduler:stateDict()
  local sd = {}
  for k, v in pairs(self) do
    if k ~= 'optimizer' then sd[k] = optim.Optimizer._copy(v) end
  end
  return sd
end

function Scheduler:loadStateDict(sd)
  if type(sd) ~= 'table' or type(sd.lastEpoch) ~= 'number' then
    U.fail(2, '%s:loadStateDict: expected a table from stateDict(), got %s', self._name, U.kind(sd))
  end
  for k, v in pairs(sd) do self[k] = optim.Optimizer._copy(v) end
  for i, g in ipairs(self.optimizer.paramGroups) do
    if self.lastLr and self.lastLr[i] then g.lr = self.lastLr[i] end
  end
end

local function class(name)
  local c = torch.class('optim.lr_scheduler.' .. name, 'optim.lr_scheduler.Scheduler', S)
  c._name = 'optim.lr_scheduler.' .. name
  return c
end

-- StepLR(opt, {stepSize =, gamma = 0.1}): lr = base * gamma^floor(epoch / stepSize)
local StepLR = class('StepLR')
function StepLR:_init(o, level)
  self.stepSize = num(self._name, o, 'stepSize', nil, 1, level + 1)
  if not self.stepSize then U.fail(level + 1, '%s: stepSize is required', self._name) end
  self.gamma = num(self._name, o, 'gamma', 0.1, 0, level + 1)
end
function StepLR:lrAt(e, base) return base * self.gamma ^ math.floor(e / self.stepSize) end

-- MultiStepLR(opt, {milestones = {30, 80}, gamma = 0.1}): times gamma at each milestone passed
local MultiStepLR = class('MultiStepLR')
function MultiStepLR:_init(o, level)
  local ms = o.milestones
  if type(ms) ~= 'table' or #ms == 0 then
    U.fail(level + 1, '%s: milestones must be a list of increasing epochs', self._name)
  end
  for i, m in ipairs(ms) do
    if type(m) ~= 'number' or (i > 1 and m <= ms[i - 1]) then
      U.fail(level + 1, '%s: milestones must be a list of increasing epochs', self._name)
    end
  end
  self.milestones = optim.Optimizer._copy(ms)
  self.gamma = num(self._name, o, 'gamma', 0.1, 0, level + 1)
end
function MultiStepLR:lrAt(e, base)
  local n = 0
  for _, m in ipairs(self.milestones) do
    if e >= m then n = n + 1 end
  end
  return base * self.gamma ^ n
end

-- ExponentialLR(opt, {gamma =}): lr = base * gamma^epoch
local ExponentialLR = class('ExponentialLR')
function ExponentialLR:_init(o, level)
  self.gamma = num(self._name, o, 'gamma', nil, 0, level + 1)
  if not self.gamma then U.fail(level + 1, '%s: gamma is required', self._name) end
end
function ExponentialLR:lrAt(e, base) return base * self.gamma ^ e end

-- CosineAnnealingLR(opt, {TMax =, etaMin = 0}):
-- lr = etaMin + (base - etaMin) * (1 + cos(pi * epoch / TMax)) / 2
-- (past TMax it rises again, as PyTorch's does)
local CosineAnnealingLR = class('CosineAnnealingLR')
function CosineAnnealingLR:_init(o, level)
  self.TMax = num(self._name, o, 'TMax', nil, 1, level + 1)
  if not self.TMax then U.fail(level + 1, '%s: TMax is required', self._name) end
  self.etaMin = num(self._name, o, 'etaMin', 0, 0, level + 1)
end
function CosineAnnealingLR:lrAt(e, base)
  return self.etaMin + (base - self.etaMin) * (1 + math.cos(math.pi * e / self.TMax)) / 2
end

-- LinearWarmup(opt, {warmupSteps = 5, startFactor = 1/3, endFactor = 1}):
-- the factor goes linearly from startFactor to endFactor over warmupSteps
-- epochs, then stays (PyTorch's LinearLR; totalIters is accepted too)
local LinearWarmup = class('LinearWarmup')
function LinearWarmup:_init(o, level)
  self.startFactor = num(self._name, o, 'startFactor', 1 / 3, 0, level + 1)
  self.endFactor = num(self._name, o, 'endFactor', 1, 0, level + 1)
  self.warmupSteps = num(self._name, o, 'warmupSteps', num(self._name, o, 'totalIters', 5, 1, level + 1), 1,
                         level + 1)
  if self.startFactor == 0 and self.endFactor == 0 then
    U.fail(level + 1, '%s: startFactor and endFactor are both 0', self._name)
  end
end
function LinearWarmup:lrAt(e, base)
  local k = math.min(e, self.warmupSteps) / self.warmupSteps
  return base * (self.startFactor + (self.endFactor - self.startFactor) * k)
end
S.LinearLR = S.LinearWarmup

-- ReduceLROnPlateau(opt, {mode = 'min', factor = 0.1, patience = 10,
--   threshold = 1e-4, thresholdMode = 'rel', cooldown = 0, minLr = 0, eps = 1e-8}):
-- :step(metric) multiplies lr by factor when the metric has not improved
-- for more than `patience` epochs
local Plateau = class('ReduceLROnPlateau')
function Plateau:__init(opt, opts)
  local fn = self._name
  local o = check_opt(fn, opt, opts)
  self.optimizer = opt
  self.mode = o.mode or 'min'
  self.thresholdMode = o.thresholdMode or 'rel'
  if self.mode ~= 'min' and self.mode ~= 'max' then
    U.fail(3, "%s: mode must be 'min' or 'max', got %s", fn, tostring(self.mode))
  end
  if self.thresholdMode ~= 'rel' and self.thresholdMode ~= 'abs' then
    U.fail(3, "%s: thresholdMode must be 'rel' or 'abs', got %s", fn, tostring(self.thresholdMode))
  end
  self.factor = U.num(fn, o, 'factor', 0.1, 0, 1, 3, true)
  self.patience = num(fn, o, 'patience', 10, 0, 3)
  self.threshold = num(fn, o, 'threshold', 1e-4, 0, 3)
  self.cooldown = num(fn, o, 'cooldown', 0, 0, 3)
  self.minLr = num(fn, o, 'minLr', 0, 0, 3)
  self.eps = num(fn, o, 'eps', 1e-8, 0, 3)
  self.best = self.mode == 'min' and math.huge or -math.huge
  self.numBadEpochs, self.cooldownCounter, self.lastEpoch = 0, 0, 0
  self.lastLr = {}
  for i, g in ipairs(opt.paramGroups) do self.lastLr[i] = g.lr end
end

function Plateau:_better(a)
  local b, th = self.best, self.threshold
  if self.mode == 'min' then
    return self.thresholdMode == 'rel' and a < b * (1 - th) or (self.thresholdMode == 'abs' and a < b - th)
  end
  return self.thresholdMode == 'rel' and a > b * (1 + th) or (self.thresholdMode == 'abs' and a > b + th)
end

function Plateau:step(metric)
  if torch.isTensor(metric) then metric = metric:item() end
  if type(metric) ~= 'number' then
    U.fail(2, '%s:step: expected the metric (a number), got %s', self._name, U.kind(metric))
  end
  self.lastEpoch = self.lastEpoch + 1
  if self:_better(metric) then
    self.best, self.numBadEpochs = metric, 0
  else
    self.numBadEpochs = self.numBadEpochs + 1
  end
  if self.cooldownCounter > 0 then
    self.cooldownCounter = self.cooldownCounter - 1
    self.numBadEpochs = 0
  end
  if self.numBadEpochs > self.patience then
    for _, g in ipairs(self.optimizer.paramGroups) do
      local new = math.max(g.lr * self.factor, self.minLr)
      if g.lr - new > self.eps then g.lr = new end
    end
    self.cooldownCounter, self.numBadEpochs = self.cooldown, 0
  end
  for i, g in ipairs(self.optimizer.paramGroups) do self.lastLr[i] = g.lr end
end

return S
