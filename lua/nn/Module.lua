-- nn.Module on autograd. A module defines updateOutput(input) with tensor
-- ops; forward records the tape from an alias leaf of the input, and
-- backward is one torch.autograd.grad call for the input and every
-- parameter. A subclass that defines its own updateGradInput (old
-- third-party code) is "manual": it runs as written, without the tape.
local nn = nn
local U = nn.utils
local isTensor = torch.isTensor

-- the input without its history and without requiring grad (tables walked)
local function plain(x)
  if isTensor(x) then return x:detach() end
  if type(x) == 'table' then
    local r = {}
    for i, v in ipairs(x) do r[i] = plain(v) end
    return r
  end
  return x
end

local Module = torch.class('nn.Module')

function Module:__init()
  self.gradInput = torch.Tensor()
  self.output = torch.Tensor()
  self._type = self.output:type()
  self.train = true
end

-- does the class chain below `base` define `name` (an old-style override)?
local function overrides(obj, name, base)
  local mt = getmetatable(obj)
  while mt and mt ~= base do
    if rawget(mt, name) ~= nil then return true end
    local up = getmetatable(mt)
    mt = up and up.__index
  end
  return false
end
nn._overrides = overrides

function Module:_isManual() return overrides(self, 'updateGradInput', Module) end
-- containers answer for their whole tree (Container.lua)
function Module:_hasManual() return self:_isManual() end

-- parameters ----------------------------------------------------------------------

function Module:parameters()
  if self.weight and self.bias then
    return {self.weight, self.bias}, {self.gradWeight, self.gradBias}
  elseif self.weight then
    return {self.weight}, {self.gradWeight}
  elseif self.bias then
    return {self.bias}, {self.gradBias}
  end
end

-- make every parameter a leaf that requires grad and whose .grad is its
-- Torch7 gradient tensor (so loss:backward() accumulates into gradWeight)
local linked = setmetatable({}, {__mode = 'k'}) -- modules linked in this process

function Module:_linkGrads()
  linked[self] = true
  local ps, gs = self:parameters()
  if not ps then return self end
  torch.no_grad(function()
    for i, p in ipairs(ps) do
      local g = gs[i]
      if g then
        if g:nElement() ~= p:nElement() or g:type() ~= p:type() then
          g:resize(p:size())
          g:zero()
          if g:type() ~= p:type() then g = nil end
        end
      end
      p:requiresGrad(true)
      if g then p.grad = g end
    end
  end)
  return self
end

function Module:zeroGradParameters()
  local _, gs = self:parameters()
  if gs then torch.no_grad(function() for _, g in ipairs(gs) do g:zero() end end) end
end

function Module:updateParameters(lr)
  local ps, gs = self:parameters()
  if ps then
    torch.no_grad(function() for i, p in ipairs(ps) do p:add(-lr, gs[i]) end end)
  end
end

-- forward ------------------------------------------------------------------------

function Module:updateOutput(input)
  return self.output
end

-- Torch7's forward: the tape starts at an alias leaf of the input, so this
-- module's backward stays local even when the input has history of its own
-- (an RNN's clones, modules chained by hand). Under torch.no_grad nothing
-- is recorded.
-- a module that came from torch.load (or an old .t7 file) has plain
-- tensors: make its parameters leaves again on first use
local function ensureLinked(self)
  if linked[self] then return end
  self:apply(function(m) if not linked[m] then m:_linkGrads() end end)
end
Module._ensureLinked = ensureLinked

-- A forward releases the graph that the previous one recorded once
-- Module:backward (or updateGradInput / accGradParameters) has answered it:
-- the outputs keep their values and lose their history (the input, given
-- by the caller, is never touched). Releasing it here frees its nodes at
-- once; left to the GC, a graph whose nodes hold Lua contexts
-- (torch.autograd.Function, as nn.F.linear is) through the registry is
-- freed one layer per collection, and W4's Torch7 loop kept many steps of
-- activations alive (423 MiB peak, 190 MiB with this). A graph nobody
-- answered yet (model:forward(x), then loss:backward() by hand) is kept.
local function dropHistory(t, keep)
  if isTensor(t) then
    if not keep[t] and t.requires_grad and not t.is_leaf then
      pcall(t.detach_, t) -- a view cannot be detached in place: it keeps its history
    end
  elseif type(t) == 'table' then
    for _, v in ipairs(t) do dropHistory(v, keep) end
  end
end

function Module:_releaseGraph()
  if not self._answered then return end
  local keep = {}
  for _, x in ipairs(U.flatten(self._input)) do keep[x] = true end
  self:apply(function(m)
    m._answered = nil
    dropHistory(m.output, keep)
  end)
end

function Module:forward(input)
  ensureLinked(self)
  self:_releaseGraph()
  self._pending = nil
  if self:_isManual() then
    self._input = nil
    return torch.no_grad(self.updateOutput, self, input)
  end
  if not torch.is_grad_enabled() then
    self._input = nil
    return self:updateOutput(input)
  end
  -- Torch7's convention: a module whose gradInput is nil (a Sequential:
  -- whose first child's is) computes no gradient for its input, which
  -- spares the first layer's largest product when nobody reads it
  local wantIn = self:_wantsGradInput()
  local x = wantIn and U.alias(input) or plain(input)
  self._input, self._noGradIn, self._ownInput = x, not wantIn or nil, true
  self.output = self:updateOutput(x)
  return self.output
end

function Module:_wantsGradInput() return self.gradInput ~= nil end

-- PyTorch's model(x): the input is used as it is (its history flows on, a
-- plain input gets no gradient), so loss:backward() reaches every module.
-- model(node) builds an nngraph node, model() an input node (gModule.lua).
function Module:__call__(input, ...)
  if select('#', ...) == 0 and input == nil and nn.Node then return nn.Node(self, {}) end
  if nn.isNode and nn.isNode(input) then return nn.Node(self, input, ...) end
  if type(input) == 'table' and not isTensor(input) and #input > 0 and nn.isNode
     and nn.isNode(input[1]) then
    return nn.Node(self, input, ...)
  end
  ensureLinked(self)
  self:_releaseGraph()
  self._pending = nil
  if self:_isManual() then
    self._input = nil
    return torch.no_grad(self.updateOutput, self, input)
  end
  self._input, self._ownInput = input, nil
  self.output = self:updateOutput(input)
  return self.output
end
Module.__call = function(self, ...) return self:__call__(...) end

-- backward -------------------------------------------------------------------------

-- gradients of the last forward's output for (gradOutput): the input's
-- (structured like the input; zeros where unused) and one per parameter
-- the last forward's outputs that carry history, with their gradOutputs
local function recordedOutputs(self, gradOutput)
  local outs, gos = {}, {}
  local flatGo = U.flatten(gradOutput)
  for i, o in ipairs(U.flatten(self.output)) do
    if o.requires_grad then
      outs[#outs + 1] = o
      gos[#gos + 1] = flatGo[i]
    end
  end
  return outs, gos
end

function Module:_grads(gradOutput, wantInput, wantParams, ps)
  local outs, gos = recordedOutputs(self, gradOutput)
  local flatIn = U.flatten(self._input)
  local targets, where = {}, {}
  if wantInput and not self._noGradIn then
    for i, x in ipairs(flatIn) do
      if x.requires_grad then
        targets[#targets + 1] = x
        where[#targets] = {'in', i}
      end
    end
  end
  ps = ps or self:parameters() or {}
  local seen = {}
  if wantParams then
    for i, p in ipairs(ps) do
      if p.requires_grad and not seen[p] then
        seen[p] = true
        targets[#targets + 1] = p
        where[#targets] = {'p', i}
      end
    end
  end
  local res = {}
  if #outs > 0 and #targets > 0 then
    res = {torch.autograd.grad(outs, targets, gos, {retainGraph = true, allowUnused = true})}
  end
  local gin, gpar = {}, {}
  for k, w in ipairs(where) do
    if w[1] == 'in' then gin[w[2]] = res[k] else gpar[w[2]] = res[k] end
  end
  local gradInput
  if wantInput and not self._noGradIn then
    for i, x in ipairs(flatIn) do
      if not gin[i] then gin[i] = U.isFloat(x) and torch.zerosLike(x) or torch.Tensor() end
    end
    gradInput = U.unflatten(self._input, gin)
  end
  return gradInput, gpar
end

function Module:_checkForward(fn)
  if self._input == nil then
    error('nn.' .. fn .. ': ' .. (torch.typename(self) or 'module') .. ' has no recorded forward '
          .. '(call forward with grad mode on before ' .. fn .. ')', 3)
  end
end

local function addGrads(self, gpar, scale)
  local _, gs = self:parameters()
  if not gs then return end
  torch.no_grad(function()
    for i, g in pairs(gpar) do
      if gs[i] then gs[i]:add(scale or 1, g) end
    end
  end)
end

function Module:updateGradInput(input, gradOutput)
  if self._chained then return self:_chain(input, gradOutput, 'updateGradInput') end
  self:_checkForward('updateGradInput')
  local gi, gpar = self:_grads(gradOutput, true, true)
  self._answered = true
  self._pending = {gradOutput = gradOutput, grads = gpar}
  self.gradInput = gi
  return gi
end

function Module:accGradParameters(input, gradOutput, scale)
  if self:_isManual() then return end -- Torch7's default: no parameters
  if self._chained then return self:_chain(input, gradOutput, 'accGradParameters', scale) end
  local p = self._pending
  self._pending = nil
  local gpar
  if p and p.gradOutput == gradOutput then
    gpar = p.grads
  else
    if not (self:parameters()) then return end
    self:_checkForward('accGradParameters')
    local _
    _, gpar = self:_grads(gradOutput, false, true)
    self._answered = true
  end
  addGrads(self, gpar, scale)
end

-- Torch7's accUpdateGradParameters: params -= lr * dLoss/dparams, the
-- gradient tensors left as they were (the Torch7 trick of accumulating
-- into the weights themselves does not suit the tape: the gradient is
-- computed into the zeroed gradient tensors, applied, then they are put back)
function Module:accUpdateGradParameters(input, gradOutput, lr)
  local ps, gs = self:parameters()
  if not ps or #ps == 0 then return end
  local saved, seen = {}, {}
  torch.no_grad(function()
    for i, g in ipairs(gs) do
      if not saved[g] then
        saved[g] = g:clone()
        g:zero()
      end
    end
  end)
  self:accGradParameters(input, gradOutput, 1)
  torch.no_grad(function()
    for i, p in ipairs(ps) do
      local g = gs[i]
      -- a parameter listed twice with the same gradient tensor (shared
      -- weight and gradWeight) is updated once: that gradient holds every use
      local key = tostring(p:storage():data()) .. ':' .. p:storageOffset() .. ':'
                  .. tostring(g:storage():data()) .. ':' .. g:storageOffset()
      if not seen[key] then
        seen[key] = true
        p:add(-lr, g)
      end
    end
    for g, old in pairs(saved) do g:copy(old) end
  end)
end

function Module:backward(input, gradOutput, scale)
  scale = scale or 1
  if self:_isManual() then
    self:updateGradInput(input, gradOutput)
    self:accGradParameters(input, gradOutput, scale)
    return self.gradInput
  end
  if self._chained then return self:_chain(input, gradOutput, 'backward', scale) end
  self:_checkForward('backward')
  self._pending = nil
  self._answered = true
  if scale == 1 then
    local done, gi = self:_backwardInPlace(gradOutput)
    if done then
      self.gradInput = gi
      return gi
    end
  end
  local gi, gpar = self:_grads(gradOutput, true, true)
  self.gradInput = gi
  addGrads(self, gpar, scale)
  return gi
end

-- backward(input, gradOutput) with scale 1 as one pass of the tape into
-- the leaves: the parameters' .grad are their gradWeight & co., so the
-- engine adds into them directly (a Linear's weight gradient is one
-- beta = 1 gemm, with no fresh gradient tensor and no add after it), and
-- the input's gradient is read off the alias leaf that forward made.
-- Returns false when that does not hold (a parameter whose .grad is not
-- its Torch7 gradient tensor, or an input that is the caller's own tensor,
-- whose history or .grad must not be touched): _grads then answers.
function Module:_backwardInPlace(gradOutput)
  if not self._ownInput then return false end
  local ps, gs = self:parameters()
  for i, p in ipairs(ps or {}) do
    if p.requires_grad then
      local g = p.grad
      if not (g and gs[i] and g:isSetTo(gs[i])) then return false end
    end
  end
  local flatIn = U.flatten(self._input)
  local wantIn = not self._noGradIn
  for _, x in ipairs(flatIn) do
    if x.requires_grad and (x.grad_fn or not wantIn) then return false end
  end
  local outs, gos = recordedOutputs(self, gradOutput)
  for _, x in ipairs(flatIn) do
    if x.requires_grad then x.grad = nil end
  end
  if #outs > 0 then torch.autograd.backward(outs, gos, {retainGraph = true}) end
  if not wantIn then return true, nil end
  local gin = {}
  for i, x in ipairs(flatIn) do
    gin[i] = x.requires_grad and x.grad or (U.isFloat(x) and torch.zerosLike(x) or torch.Tensor())
  end
  return true, U.unflatten(self._input, gin)
end

-- modes, conversion, copies ------------------------------------------------------------

function Module:training() self.train = true return self end
function Module:evaluate() self.train = false return self end

-- drop the buffers and the recorded graph (smaller saves)
function Module:clearState()
  self.output = torch.Tensor():type(self._type or 'torch.FloatTensor')
  if self.gradInput ~= nil then -- a nil gradInput stays nil (Torch7)
    self.gradInput = torch.Tensor():type(self._type or 'torch.FloatTensor')
  end
  self._input, self._pending, self._noGradIn, self._answered = nil, nil, nil, nil
  return self
end

-- convert every tensor field (shared ones once), keep the grad links
local function convert(x, t, memo)
  if isTensor(x) then
    if memo[x] then return memo[x] end
    local r = x
    if x:type() ~= t then r = torch.no_grad(function() return x:detach():type(t) end) end
    memo[x] = r
    return r
  elseif type(x) == 'table' and (not getmetatable(x) or torch.isTypeOf(x, 'nn.Module')
         or torch.isTypeOf(x, 'nn.Criterion')) then
    if memo[x] then return x end
    memo[x] = x
    for k, v in pairs(x) do
      if k ~= '_input' and k ~= '_pending' then x[k] = convert(v, t, memo) end
    end
  end
  return x
end

function Module:type(t, memo)
  if not t then return self._type end
  memo = memo or {}
  self._input, self._pending = nil, nil
  convert(self, t, memo)
  self:apply(function(m) m._type = t; m:_linkGrads() end)
  return self
end
function Module:float() return self:type('torch.FloatTensor') end
function Module:double() return self:type('torch.DoubleTensor') end
function Module:cuda() return self:type('torch.CudaTensor') end

function Module:apply(fn)
  fn(self)
  if self.modules then for _, m in ipairs(self.modules) do m:apply(fn) end end
end

function Module:listModules()
  local list = {self}
  if self.modules then
    for _, m in ipairs(self.modules) do
      for _, c in ipairs(m:listModules()) do list[#list + 1] = c end
    end
  end
  return list
end

-- every module of class typename in the tree (depth first) and, beside
-- each, the container holding it (the module itself at the top), as Torch7
function Module:findModules(typename, container)
  container = container or self
  local nodes, containers = {}, {}
  if torch.typename(self) == typename then
    nodes[1], containers[1] = self, container
  end
  if self.modules then
    for _, m in ipairs(self.modules) do
      local n, c = m:findModules(typename, self)
      for i = 1, #n do
        nodes[#nodes + 1] = n[i]
        containers[#containers + 1] = c[i]
      end
    end
  end
  return nodes, containers
end

-- callback(module) returns the module to put in its place; applied to
-- this module first, then (depth first) to every child of it
function Module:replace(callback)
  local out = callback(self)
  if self.modules then
    for i, m in ipairs(self.modules) do self.modules[i] = m:replace(callback) end
  end
  return out
end

-- a deep copy (tensors cloned, shared ones once); with names, the copy
-- shares those fields with the original: clone('weight', 'bias', ...)
local function deepcopy(x, memo)
  if isTensor(x) then
    if memo[x] then return memo[x] end
    local r = torch.no_grad(function() return x:detach():clone() end)
    memo[x] = r
    return r
  elseif type(x) == 'table' then
    if memo[x] then return memo[x] end
    local r = {}
    memo[x] = r
    for k, v in pairs(x) do
      if k ~= '_input' and k ~= '_pending' then r[deepcopy(k, memo)] = deepcopy(v, memo) end
    end
    return setmetatable(r, getmetatable(x))
  end
  return x
end

function Module:clone(...)
  local c = deepcopy(self, {})
  c:apply(function(m) m:_linkGrads() end)
  if select('#', ...) > 0 then c:share(self, ...) end
  return c
end

-- make the fields named (weight, bias, gradWeight, ...) of this module and
-- its children views of mlp's (t:set keeps this tensor object, so its
-- autograd leaf and .grad link stay)
function Module:share(mlp, ...)
  local names = {...}
  torch.no_grad(function()
    for _, name in ipairs(names) do
      if isTensor(self[name]) and isTensor(mlp[name]) then self[name]:set(mlp[name]) end
    end
  end)
  if self.modules and mlp.modules then
    for i, m in ipairs(self.modules) do m:share(mlp.modules[i], ...) end
  end
  self:_linkGrads()
  return self
end

-- getParameters: one flat tensor for every parameter, one for every
-- gradient; each parameter (and gradient) becomes a view of it. Tensors
-- that already share a storage (clones) stay shared.
local function flatten(tensors)
  if #tensors == 0 then return torch.Tensor() end
  local t = tensors[1]:type()
  local storages, order, total = {}, {}, 0
  for _, x in ipairs(tensors) do
    local key = x:storage():data()
    if storages[key] == nil then
      storages[key] = {offset = total, storage = x:storage()}
      order[#order + 1] = key
      total = total + #x:storage()
    end
  end
  local flat = torch.Tensor():type(t)
  flat:resize(total):zero()
  torch.no_grad(function()
    for _, x in ipairs(tensors) do
      local s = storages[x:storage():data()]
      local ctor = torch[t:match('^torch%.(.+)$')]
      local view = ctor(flat:storage(), s.offset + x:storageOffset(), x:size(), x:stride())
      view:copy(x)
      x:set(view)
    end
  end)
  return flat
end

function Module:getParameters()
  local ps, gs = self:parameters()
  ps, gs = ps or {}, gs or {}
  local flatP = flatten(ps)
  local flatG = flatten(gs)
  self:apply(function(m) m:_linkGrads() end)
  return flatP, flatG
end

-- printing ------------------------------------------------------------------------------

function Module:__tostring__()
  return torch.typename(self) or 'nn.Module'
end
Module.__tostring = function(self) return self:__tostring__() end

function Module:reset() return self end

-- Torch7's default initialisation of weight and bias (when there is one):
-- uniform in ±stdv, unrecorded; each module's reset picks its stdv
function Module:_resetUniform(stdv)
  torch.no_grad(function()
    self.weight:uniform(-stdv, stdv)
    if self.bias then self.bias:uniform(-stdv, stdv) end
  end)
  return self
end

-- noBias() of Linear and the 2-D convolutions: drop the bias
function Module:_dropBias()
  self.bias, self.gradBias = nil, nil
  return self
end

return Module
