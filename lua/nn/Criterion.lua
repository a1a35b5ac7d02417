-- nn.Criterion: a loss. Built-in criteria define _loss(input, target),
-- returning a 0-dim tensor with history. Torch7's interface:
-- forward(input, target) returns a Lua number (self.output) and records
-- from an alias leaf of the input; backward(input, target) returns
-- gradInput from that tape. PyTorch's: crit(input, target) returns the
-- 0-dim loss tensor itself, for loss:backward(). A subclass defining its own
-- updateGradInput (old code) runs as written.
local nn = nn
local U = nn.utils
local Criterion = torch.class('nn.Criterion')

function Criterion:__init()
  self.gradInput = torch.Tensor()
  self.output = 0
  self.sizeAverage = true
end

function Criterion:_isManual() return nn._overrides(self, 'updateGradInput', Criterion) end
function Criterion:_reduction() return self.sizeAverage == false and 'sum' or 'mean' end

function Criterion:_loss()
  error(torch.typename(self) .. ': define _loss(input, target) (a tensor expression) or '
        .. 'updateOutput and updateGradInput', 2)
end

-- the loss as a Lua number (a GPU loss is read back: one small copy)
local function number_of(l)
  if l.isCuda and l:isCuda() then l = l:cpu() end
  return l:item()
end

function Criterion:updateOutput(input, target)
  local l = self:_loss(input, target)
  self._lossTensor = l
  self.output = number_of(l)
  return self.output
end

function Criterion:forward(input, target)
  if self:_isManual() then return torch.no_grad(self.updateOutput, self, input, target) end
  local x = torch.is_grad_enabled() and U.alias(input) or input
  self._input, self._src, self._target = x, input, target
  return self:updateOutput(x, target)
end

function Criterion:updateGradInput(input, target)
  if not self._lossTensor or self._src ~= input or self._target ~= target
     or not torch.is_grad_enabled() then
    torch.enable_grad(self.forward, self, input, target)
  end
  local flat, targets, idx = U.flatten(self._input), {}, {}
  for i, x in ipairs(flat) do
    if x.requires_grad then
      targets[#targets + 1] = x
      idx[#targets] = i
    end
  end
  local res = {}
  if #targets > 0 and self._lossTensor.requires_grad then
    res = {torch.autograd.grad({self._lossTensor}, targets, nil,
                               {retainGraph = true, allowUnused = true})}
  end
  local g = {}
  for k, i in pairs(idx) do g[i] = res[k] end
  for i, x in ipairs(flat) do if not g[i] then g[i] = torch.zerosLike(x) end end
  self.gradInput = U.unflatten(self._input, g)
  return self.gradInput
end

function Criterion:backward(input, target) return self:updateGradInput(input, target) end

-- PyTorch style: the loss as a 0-dim tensor with history
Criterion.__call = function(self, input, target)
  if self:_isManual() then return self:forward(input, target) end
  local l = self:_loss(input, target)
  self._lossTensor, self._input, self._src, self._target = l, input, input, target
  -- a GPU loss stays on the GPU: reading it back would make every step
  -- wait for the device (call l:item() when the number is wanted)
  self.output = (l.isCuda and l:isCuda()) and l or number_of(l)
  return l
end

function Criterion:clone()
  local function copy(x, memo)
    if torch.isTensor(x) then return x:clone() end
    if type(x) ~= 'table' then return x end
    if memo[x] then return memo[x] end
    local r = {}
    memo[x] = r
    for k, v in pairs(x) do r[k] = copy(v, memo) end
    return setmetatable(r, getmetatable(x))
  end
  return copy(self, {})
end

function Criterion:type(t)
  for k, v in pairs(self) do
    if torch.isTensor(v) and not k:match('^_') then self[k] = v:type(t) end
  end
  return self
end
function Criterion:float() return self:type('torch.FloatTensor') end
function Criterion:double() return self:type('torch.DoubleTensor') end
function Criterion:cuda() return self:type('torch.CudaTensor') end

Criterion.__tostring = function(self) return torch.typename(self) end

-- The class-target criteria (ClassNLLCriterion, CrossEntropyCriterion):
-- ([weights] [, sizeAverage = true] [, ignoreIndex = -100]), the loss from
-- nn.F[loss] with the weights in the input's type.
function nn._classCriterion(name, loss)
  local C, parent = torch.class(name, 'nn.Criterion')
  function C:__init(weights, sizeAverage, ignoreIndex)
    parent.__init(self)
    if sizeAverage ~= nil then self.sizeAverage = sizeAverage end
    self.weights = weights
    self.ignoreIndex = ignoreIndex or -100
  end
  function C:_loss(input, target)
    local w = self.weights
    if w and w:type() ~= input:type() then w = w:type(input:type()) end
    return nn.F[loss](input, nn._classTarget(target), w, self:_reduction(), self.ignoreIndex)
  end
  return C
end

-- class targets: 1-based LongTensor (Torch7 scripts often pass a DoubleTensor or a number)
function nn._classTarget(target)
  if type(target) == 'number' then return torch.LongTensor({target}):view(torch.LongStorage({})) end
  if torch.typename(target) ~= 'torch.LongTensor' then
    -- a GPU target stays on its GPU (:long() would bring it to the CPU)
    if target.isCuda and target:isCuda() then return target:cudaLong() end
    return target:long()
  end
  return target
end

return Criterion
