-- Torch7 criteria (criterion.md) beyond the common ones: each _loss is a
-- tensor expression and the tape gives gradInput. Losses are averaged over
-- all elements with sizeAverage (true by default) unless noted.
local nn = nn
local U = nn.utils

local function sameType(t, input)
  if type(t) == 'number' then return torch.zerosLike(input):fill(t) end
  if t:type() ~= input:type() then return t:type(input:type()) end
  return t
end

local function checkSize(name, input, target)
  if not torch.isTensor(input) or not torch.isTensor(target) or input:nElement() ~= target:nElement() then
    error(string.format('nn.%s: expected input and target tensors with as many elements', name), 4)
  end
end

local function criterion(name, parentName)
  local C, parent = torch.class('nn.' .. name, parentName or 'nn.Criterion')
  return C, parent
end

-- nn.DistKLDivCriterion([sizeAverage = true]): Torch7's name of
-- nn.KLDivCriterion (log-probabilities input, probabilities target)
criterion('DistKLDivCriterion', 'nn.KLDivCriterion')

-- nn.SoftMarginCriterion([sizeAverage = true]): log(1 + exp(-y·x)) for y = ±1
local SoftMargin, parent = criterion('SoftMarginCriterion')
function SoftMargin:__init(sizeAverage)
  parent.__init(self)
  if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
end
function SoftMargin:_loss(input, target)
  checkSize('SoftMarginCriterion', input, target)
  local z = torch.cmul(sameType(target, input):viewAs(input), input)
  return U.reduce(nn.F.softplus(torch.neg(z), 1, 20), self.sizeAverage)
end

-- nn.MultiLabelSoftMarginCriterion([weights] [, sizeAverage = true]):
-- -(y·log σ(x) + (1-y)·log(1 - σ(x))) for 0/1 targets (weights: one per
-- class, applied to each sample), computed from log-sigmoids (stable)
local MLSM = criterion('MultiLabelSoftMarginCriterion')
function MLSM:__init(weights, sizeAverage)
  nn.Criterion.__init(self)
  if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
  self.weights = weights
end
local function logsig(x) return torch.neg(nn.F.softplus(torch.neg(x), 1, 20)) end
function MLSM:_loss(input, target)
  checkSize('MultiLabelSoftMarginCriterion', input, target)
  local t = sameType(target, input):viewAs(input)
  local l = torch.neg(torch.cmul(t, logsig(input)) + torch.cmul(torch.neg(t) + 1, logsig(torch.neg(input))))
  local w = nn._expandWeights(self.weights, input)
  if w then l = torch.cmul(l, w) end
  return U.reduce(l, self.sizeAverage)
end

-- nn.MultiLabelMarginCriterion([sizeAverage = true]): for each sample,
-- Σ_j Σ_{i not a target} max(0, 1 - (x[y_j] - x[i])) / C, where the target
-- row holds 1-based class indices y_j ended by the first 0 (or the row's
-- end). sizeAverage divides by the number of samples.
local MLM = criterion('MultiLabelMarginCriterion')
function MLM:__init(sizeAverage)
  nn.Criterion.__init(self)
  if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
end
function MLM:_loss(input, target)
  local fn = 'nn.MultiLabelMarginCriterion'
  if not torch.isTensor(input) or input:dim() < 1 or input:dim() > 2 then
    error(fn .. ': expected a vector or an N x C matrix as input', 3)
  end
  if not torch.isTensor(target) or not target:isSameSizeAs(input) then
    error(fn .. ': expected a target of the input\'s size (class indices ended by 0)', 3)
  end
  local x = input:dim() == 1 and input:view(1, input:size(1)) or input
  local N, C = x:size(1), x:size(2)
  local rows = target:double():view(N, C):totable()
  local idx, valid, isT = torch.LongTensor(N, C):fill(1), torch.zeros(N, C), torch.zeros(N, C)
  for n = 1, N do
    for j = 1, C do
      local y = rows[n][j]
      if y == 0 then break end
      if y < 1 or y > C or y ~= math.floor(y) then
        error(string.format('%s: target %g is not a class index in [1, %d] (or 0 to end the list)',
                            fn, y, C), 3)
      end
      idx[n][j], valid[n][j], isT[n][y] = y, 1, 1
    end
  end
  valid, isT = valid:type(x:type()), isT:type(x:type())
  local xt = x:gather(2, idx)                                     -- x[y_j], N x C
  local m = torch.relu(x:view(N, 1, C):expand(N, C, C) - xt:view(N, C, 1):expand(N, C, C) + 1)
  local mask = torch.cmul(valid:view(N, C, 1):expand(N, C, C), (torch.neg(isT) + 1):view(N, 1, C):expand(N, C, C))
  local l = U.sumAll(torch.cmul(m, mask)) / C
  if self.sizeAverage ~= false then l = l / N end
  return l
end

-- nn.L1HingeEmbeddingCriterion([margin = 1]): {x1, x2} and y = ±1:
-- d = ‖x1 - x2‖₁; the loss is d for y = 1, max(0, margin - d) for y = -1
local L1Hinge = criterion('L1HingeEmbeddingCriterion')
function L1Hinge:__init(margin)
  nn.Criterion.__init(self)
  self.margin = margin or 1
end
function L1Hinge:_loss(input, y)
  local fn = 'nn.L1HingeEmbeddingCriterion'
  if type(input) ~= 'table' or not torch.isTensor(input[1]) or not torch.isTensor(input[2]) then
    error(fn .. ': expected a table {x1, x2} of two tensors as input', 3)
  end
  if torch.isTensor(y) then y = y:double():view(-1)[1] end
  if y ~= 1 and y ~= -1 then error(fn .. ': expected a target of 1 or -1, got ' .. tostring(y), 3) end
  local d = U.sumAll(torch.abs(input[1] - input[2]))
  if y == 1 then return d end
  return torch.relu(torch.neg(d) + self.margin)
end

-- nn.WeightedMSECriterion(w): (x - w·t)² averaged (or summed); w has the
-- size of a sample and applies to each sample of a batch
local WMSE = criterion('WeightedMSECriterion')
function WMSE:__init(w)
  nn.Criterion.__init(self)
  if not torch.isTensor(w) then error('nn.WeightedMSECriterion: expected a weight tensor', 2) end
  self.weight = w:clone()
end
function WMSE:_loss(input, target)
  checkSize('WeightedMSECriterion', input, target)
  local t = sameType(target, input):viewAs(input)
  local w = nn._expandWeights(self.weight, input):viewAs(input)
  local d = input - torch.cmul(t, w)
  return U.reduce(torch.cmul(d, d), self.sizeAverage)
end

-- nn.L1Cost(): Σ|x| (no target, never averaged)
local L1Cost = criterion('L1Cost')
function L1Cost:_loss(input)
  if not torch.isTensor(input) then error('nn.L1Cost: expected a tensor as input', 3) end
  return U.sumAll(torch.abs(input))
end

return nn
