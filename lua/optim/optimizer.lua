-- optim.Optimizer: the base of the PyTorch-style optimizer objects.
--
--   local opt = optim.SGD(params, {lr = 0.1, momentum = 0.9})
--   opt:zeroGrad(); loss:backward(); opt:step()
--
-- params is one of
--   * a list of tensors: the gradient of each is read from its .grad field
--     at every step (parameters without one are skipped, as in PyTorch);
--   * a list of {param, grad} pairs (or {param = p, grad = g}), e.g. the
--     flat pair of Torch7's getParameters: {{x, dx}};
--   * two parallel lists, as Torch7's model:parameters() returns them:
--     optim.SGD(params, gradParams, opts);
--   * a list of parameter groups {params = <one of the above>, lr = ...,
--     ...}: options given in a group override those of opts.
-- Subclasses (sgd.lua, adam.lua, ...) give _name, _defaults, _check(group)
-- and _update(group, param, grad, state).
local optim = optim
local U = optim._util
local isTensor = torch.isTensor

local Optimizer = torch.class('optim.Optimizer', nil, optim)

-- PyTorch's snake_case and Torch7's names, accepted in options
local aliases = {
  weight_decay = 'weightDecay', lr_decay = 'lrDecay', learningRateDecay = 'lrDecay',
  learningRate = 'lr', initial_accumulator_value = 'initialAccumulatorValue',
  epsilon = 'eps', setToNone = 'setToNone',
}

local function copy_value(v)
  if isTensor(v) then return v:clone() end
  if type(v) == 'table' then
    local r = {}
    for k, e in pairs(v) do r[k] = copy_value(e) end
    return r
  end
  return v
end
Optimizer._copy = copy_value

-- options with their canonical names; unknown names are errors (typos)
function Optimizer:_options(opts, level, where)
  local fn = self._name
  if type(opts) ~= 'table' or isTensor(opts) then
    U.fail(level + 1, '%s: %s: expected a table of options, got %s', fn, where, U.kind(opts))
  end
  local r = {}
  for k, v in pairs(opts) do
    if k ~= 'params' then
      local name = aliases[k] or k
      if name == 'beta1' or name == 'beta2' then
        r.betas = r.betas or {}
        r.betas[name == 'beta1' and 1 or 2] = v
      elseif self._defaults[name] == nil and name ~= 'lr' then
        U.fail(level + 1, "%s: unknown option '%s'", fn, tostring(k))
      else
        r[name] = v
      end
    end
  end
  return r
end

function Optimizer:__init(params, a, b)
  local fn = self._name
  local grads, opts
  if b ~= nil then
    grads, opts = a, b
  elseif type(a) == 'table' and isTensor(a[1]) then
    grads, opts = a, {}
  else
    opts = a or {}
  end
  self.defaults = self:_options(opts, 3, 'options')
  for k, v in pairs(self._defaults) do
    if self.defaults[k] == nil then self.defaults[k] = copy_value(v) end
  end
  if isTensor(params) then params = {params} end
  if type(params) ~= 'table' then
    U.fail(3, '%s: argument 1: expected a list of parameters, got %s', fn, U.kind(params))
  end
  if #params == 0 then U.fail(3, '%s: argument 1: the list of parameters is empty', fn) end
  if grads ~= nil and (type(grads) ~= 'table' or #grads ~= #params) then
    U.fail(3, '%s: argument 2: expected a list of %d gradients (one per parameter), got %s', fn,
           #params, type(grads) == 'table' and tostring(#grads) .. ' entries' or U.kind(grads))
  end
  self.paramGroups, self.state, self._recs, self._seen = {}, {}, {}, {}
  local grouped = type(params[1]) == 'table' and not isTensor(params[1]) and params[1].params ~= nil
  if grouped then
    if grads then U.fail(3, '%s: parallel gradient lists cannot be used with parameter groups', fn) end
    for _, g in ipairs(params) do self:_addParamGroup(g, nil, 4) end
  else
    self:_addParamGroup({params = params}, grads, 4)
  end
end

function Optimizer:addParamGroup(group) self:_addParamGroup(group, nil, 3) end

function Optimizer:_addParamGroup(group, grads, level)
  local fn = self._name
  if type(group) ~= 'table' or group.params == nil then
    U.fail(level + 1, '%s: a parameter group must be a table with a params field', fn)
  end
  local g = self:_options(group, level + 1, 'parameter group')
  for k, v in pairs(self.defaults) do
    if g[k] == nil then g[k] = copy_value(v) end
  end
  if g.lr == nil then U.fail(level + 1, '%s: lr is required (in the options or in every group)', fn) end
  self:_check(g, level + 1)
  local list = isTensor(group.params) and {group.params} or group.params
  if type(list) ~= 'table' then
    U.fail(level + 1, '%s: params: expected a list of tensors, got %s', fn, U.kind(list))
  end
  g.params, g._recs = {}, {}
  for i, e in ipairs(list) do
    local p, grad
    if isTensor(e) then
      p, grad = e, grads and grads[i]
    elseif type(e) == 'table' then
      p, grad = e.param or e[1], e.grad or e[2]
    end
    local what = string.format('parameter %d', #self._recs + 1)
    if not isTensor(p) then
      U.fail(level + 1, '%s: %s: expected a tensor or a {param, grad} pair, got %s', fn, what, U.kind(e))
    end
    U.check_float(fn, p, what, level + 1)
    if grad ~= nil then
      U.check_float(fn, grad, what .. "'s gradient", level + 1)
      if grad:nElement() ~= p:nElement() then
        U.fail(level + 1, "%s: %s has %d elements, its gradient %d", fn, what, p:nElement(), grad:nElement())
      end
    end
    if self._seen[p] then U.fail(level + 1, '%s: %s appears twice', fn, what) end
    self._seen[p] = true
    local rec = {param = p, grad = grad, index = #self._recs + 1}
    self._recs[rec.index] = rec
    g.params[i], g._recs[i] = p, rec
  end
  self.paramGroups[#self.paramGroups + 1] = g
end

-- the gradient of a record now: the pair's tensor, else param.grad
local function grad_of(rec)
  local g = rec.grad
  if g == nil then g = rec.param.grad end
  return g
end

function Optimizer:step(closure)
  local loss
  if closure ~= nil then
    if type(closure) ~= 'function' then
      U.fail(2, '%s:step: argument 1: expected a closure returning the loss, got %s', self._name, U.kind(closure))
    end
    loss = closure()
  end
  for _, g in ipairs(self.paramGroups) do
    for _, rec in ipairs(g._recs) do
      local grad = grad_of(rec)
      if grad ~= nil then
        local p = rec.param
        if grad:nElement() ~= p:nElement() then
          U.fail(2, '%s:step: parameter %d has %d elements, its gradient %d', self._name, rec.index,
                 p:nElement(), grad:nElement())
        end
        local st = self.state[rec.index]
        if st == nil then
          st = {}
          self.state[rec.index] = st
        end
        self:_update(g, p, U.as_grad(grad, p), st)
      end
    end
  end
  return loss
end

-- zeroGrad([setToNone]): zero every gradient in place, or (setToNone, for
-- .grad parameters) drop it, as PyTorch's zero_grad(set_to_none=True)
function Optimizer:zeroGrad(setToNone)
  for _, rec in ipairs(self._recs) do
    if rec.grad ~= nil then
      rec.grad:zero()
    elseif rec.param.grad ~= nil then
      if setToNone then rec.param.grad = nil else rec.param.grad:zero() end
    end
  end
end
Optimizer.zero_grad = Optimizer.zeroGrad

-- {state = {[param index] = {...}}, paramGroups = {{lr = ..., params = {indices}}}}:
-- plain tables, numbers and cloned tensors (torch.save-able)
function Optimizer:stateDict()
  local groups = {}
  for gi, g in ipairs(self.paramGroups) do
    local e = {}
    for k, v in pairs(g) do
      if k ~= 'params' and k ~= '_recs' then e[k] = copy_value(v) end
    end
    e.params = {}
    for i, rec in ipairs(g._recs) do e.params[i] = rec.index end
    groups[gi] = e
  end
  return {state = copy_value(self.state), paramGroups = groups}
end
Optimizer.state_dict = Optimizer.stateDict

function Optimizer:loadStateDict(sd)
  local fn = self._name .. ':loadStateDict'
  if type(sd) ~= 'table' or type(sd.paramGroups) ~= 'table' or type(sd.state) ~= 'table' then
    U.fail(2, '%s: expected a table from stateDict(), got %s', fn, U.kind(sd))
  end
  if #sd.paramGroups ~= #self.paramGroups then
    U.fail(2, '%s: %d parameter groups saved, the optimizer has %d', fn, #sd.paramGroups, #self.paramGroups)
  end
  for gi, e in ipairs(sd.paramGroups) do
    local g = self.paramGroups[gi]
    if type(e.params) ~= 'table' or #e.params ~= #g._recs then
      U.fail(2, '%s: group %d has %d parameters saved, the optimizer has %d', fn, gi,
             type(e.params) == 'table' and #e.params or 0, #g._recs)
    end
  end
  local state = {}
  for idx, st in pairs(sd.state) do
    local rec = self._recs[idx]
    if rec == nil or type(st) ~= 'table' then U.fail(2, '%s: state for an unknown parameter %s', fn, tostring(idx)) end
    local s = {}
    for k, v in pairs(st) do
      if isTensor(v) then
        if v:nElement() ~= rec.param:nElement() then
          U.fail(2, '%s: state %s of parameter %d has %d elements, the parameter %d', fn, k, idx,
                 v:nElement(), rec.param:nElement())
        end
        -- on the parameter's device and dtype (a CPU checkpoint resumes on the GPU)
        v = U.like(v, rec.param):clone():contiguous()
      else
        v = copy_value(v)
      end
      s[k] = v
    end
    state[idx] = s
  end
  for gi, e in ipairs(sd.paramGroups) do
    local g = self.paramGroups[gi]
    for k, v in pairs(e) do
      if k ~= 'params' then g[k] = copy_value(v) end
    end
  end
  self.state = state
end
Optimizer.load_state_dict = Optimizer.loadStateDict

function Optimizer:__tostring()
  local lines = {self._name .. ' ('}
  for gi, g in ipairs(self.paramGroups) do
    local keys = {}
    for k in pairs(g) do
      if k ~= 'params' and k ~= '_recs' then keys[#keys + 1] = k end
    end
    table.sort(keys)
    lines[#lines + 1] = string.format('  group %d: %d parameters', gi, #g.params)
    for _, k in ipairs(keys) do
      local v = g[k]
      if type(v) == 'table' then v = '{' .. table.concat(v, ', ') .. '}' end
      lines[#lines + 1] = string.format('    %s: %s', k, tostring(v))
    end
  end
  lines[#lines + 1] = ')'
  return table.concat(lines, '\n')
end

-- checks shared by the subclasses' _check
function Optimizer:_betas(g, level)
  local b = g.betas
  if type(b) ~= 'table' or type(b[1]) ~= 'number' or type(b[2]) ~= 'number' then
    U.fail(level + 1, '%s: betas must be a pair of numbers {beta1, beta2}', self._name)
  end
  for i = 1, 2 do
    if not (b[i] >= 0 and b[i] < 1) then
      U.fail(level + 1, '%s: beta%d must be in [0, 1), got %g', self._name, i, b[i])
    end
  end
end

function Optimizer:_nonneg(g, level, ...)
  for _, k in ipairs({...}) do U.num(self._name, g, k, nil, 0, nil, level + 1) end
end

return Optimizer
