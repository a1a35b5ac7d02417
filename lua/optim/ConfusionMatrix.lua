-- optim.ConfusionMatrix(nclasses | {classnames} [, classnames]): Torch7's
-- confusion matrix. mat[target][prediction] counts the pairs seen;
-- updateValids() fills valids (per-class recall), unionvalids (per-class
-- intersection over union), totalValid (global accuracy), averageValid and
-- averageUnionValid (means over the classes that had samples).
local optim = optim
local CM = torch.class('optim.ConfusionMatrix', nil, optim)

function CM:__init(nclasses, classes)
  if type(nclasses) == 'table' then
    classes = nclasses
    nclasses = #classes
  end
  if type(nclasses) ~= 'number' or nclasses < 1 then
    error('optim.ConfusionMatrix: expected a number of classes or a table of class names', 2)
  end
  self.nclasses = nclasses
  self.classes = classes or {}
  self.mat = torch.LongTensor(nclasses, nclasses):zero()
  self.valids = torch.FloatTensor(nclasses):zero()
  self.unionvalids = torch.FloatTensor(nclasses):zero()
  self.totalValid = 0
  self.averageValid = 0
  self.averageUnionValid = 0
end

-- a class index from a number, or from a vector of scores (its argmax)
local function classOf(self, v, what)
  if torch.isTensor(v) then
    if v:nElement() == 0 then error('optim.ConfusionMatrix: ' .. what .. ' is empty', 3) end
    local flat = v:double():view(v:nElement())
    if v:nElement() == 1 then return flat[1] end
    local _, i = flat:max(1)
    return i[1]
  end
  if type(v) ~= 'number' then
    error(string.format('optim.ConfusionMatrix: %s must be a class index or a tensor of scores, got %s',
                        what, type(v)), 3)
  end
  return v
end

-- count one (prediction, target) pair; a target <= 0 is missing: ignored
function CM:_add(p, t)
  if t <= 0 then return end
  if p < 1 or p > self.nclasses or t > self.nclasses or p % 1 ~= 0 or t % 1 ~= 0 then
    error(string.format('optim.ConfusionMatrix: class index out of range (prediction %g, target %g, '
                        .. '%d classes)', p, t, self.nclasses), 3)
  end
  self.mat[t][p] = self.mat[t][p] + 1
end

-- add(prediction, target): each a class index or a vector of scores / a one-hot vector
function CM:add(prediction, target)
  local p = classOf(self, prediction, 'prediction')
  local t = classOf(self, target, 'target')
  self:_add(p, t)
end

-- a vector of class indices, or the argmax of each row of a matrix
local function classesOf(v, what)
  if not torch.isTensor(v) then
    error('optim.ConfusionMatrix.batchAdd: ' .. what .. ' must be a tensor', 3)
  end
  v = v:double()
  if v:dim() == 1 then return v:totable() end
  if v:dim() == 2 then
    if v:size(2) == 1 then return v:select(2, 1):totable() end
    local _, i = v:max(2)
    return i:select(2, 1):totable()
  end
  error('optim.ConfusionMatrix.batchAdd: ' .. what .. ' has an invalid number of dimensions ('
        .. v:dim() .. '), expected 1 or 2', 3)
end

function CM:batchAdd(predictions, targets)
  local ps, ts = classesOf(predictions, 'predictions'), classesOf(targets, 'targets')
  if #ps ~= #ts then
    error(string.format('optim.ConfusionMatrix.batchAdd: %d predictions for %d targets', #ps, #ts), 2)
  end
  for i = 1, #ps do self:_add(ps[i], ts[i]) end
end

function CM:zero()
  self.mat:zero()
  self.valids:zero()
  self.unionvalids:zero()
  self.totalValid = 0
  self.averageValid = 0
  self.averageUnionValid = 0
end

function CM:updateValids()
  local m = self.mat:double()
  local rows, cols = m:sum(2):view(self.nclasses), m:sum(1):view(self.nclasses)
  local total, diag = 0, 0
  local sumV, nV, sumU, nU = 0, 0, 0, 0
  for t = 1, self.nclasses do
    local d = m[t][t]
    local v = d / rows[t]                        -- nan for a class without samples
    local u = d / (rows[t] + cols[t] - d)
    self.valids[t], self.unionvalids[t] = v, u
    diag = diag + d
    total = total + rows[t]
    if v == v then sumV, nV = sumV + v, nV + 1 end
    if v == v and u == u then sumU, nU = sumU + u, nU + 1 end
  end
  self.totalValid = diag / total
  self.averageValid = sumV / nV
  self.averageUnionValid = sumU / nU
end

function CM:__tostring__()
  self:updateValids()
  local s = {'ConfusionMatrix:\n['}
  local n = self.nclasses
  for t = 1, n do
    s[#s + 1] = t == 1 and '[' or ' ['
    for p = 1, n do s[#s + 1] = string.format('%8d', self.mat[t][p]) end
    s[#s + 1] = (t == n and ']]  ' or ']   ') .. string.format('%2.3f', self.valids[t] * 100) .. '% '
    if self.classes[1] then s[#s + 1] = '\t[class: ' .. (self.classes[t] or '') .. ']' end
    s[#s + 1] = '\n'
  end
  s[#s + 1] = ' + average row correct: ' .. (self.averageValid * 100) .. '% \n'
  s[#s + 1] = ' + average rowUcol correct (VOC measure): ' .. (self.averageUnionValid * 100) .. '% \n'
  s[#s + 1] = ' + global correct: ' .. (self.totalValid * 100) .. '%'
  return table.concat(s)
end
CM.__tostring = CM.__tostring__

return CM
