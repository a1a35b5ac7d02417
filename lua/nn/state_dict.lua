-- model:stateDict() / model:loadStateDict(sd [, opts]): a model's
-- parameters and buffers as a flat table name -> tensor, named as PyTorch
-- names them, so weights move between lutorch, torch.save files and
-- PyTorch's safetensors. See docs/files.md ("State dicts").
--
-- Names: a module's own tensors by field (weight, bias, running_mean ...);
-- a child by its index in `modules` (1-based; {indexBase = 0} numbers from
-- 0 as PyTorch's nn.Sequential does) or by the field that holds it
-- (self.features = nn.Sequential() -> 'features.3.bias').
local nn = nn
local isTensor = torch.isTensor
local Module = nn.Module

-- buffers: state that is not a parameter but that forward reads
Module._stateBuffers = {'running_mean', 'running_var'}

-- PyTorch's multi-layer RNNs name layer l's tensors weight_ih_l<l-1>
local function rnnName(self, field)
  local base, l = field:match('^(%a+_[ih][ih])(%d*)$')
  if not base then return field end
  return base .. '_l' .. (l == '' and 0 or tonumber(l) - 1)
end
for _, name in ipairs({'LSTM', 'GRU', 'RNN', 'SeqLSTM'}) do
  if nn[name] then nn[name]._stateName = rnnName end
end

-- shared clones of MapTable hold the same tensors as its first module
if nn.MapTable then
  function nn.MapTable:_stateChildren(base)
    if self.shared and self.modules[1] then return {{tostring(base), self.modules[1]}} end
    return Module._stateChildren(self, base)
  end
end

-- torch.load calls this on every loaded module (innermost first): the
-- parameters become autograd leaves whose .grad is their gradWeight now,
-- not at the first forward, so that opt:zeroGrad() before that forward
-- clears the gradients the file carried
-- (a tree holding an object of an unknown class, loaded as a plain table,
-- is left alone: it cannot run anyway)
local function complete(m)
  if type(m) ~= 'table' or type(m.parameters) ~= 'function' then return false end
  for _, c in ipairs(type(m.modules) == 'table' and m.modules or {}) do
    if not complete(c) then return false end
  end
  return true
end
function Module:__afterLoad()
  if complete(self) then self:_linkGrads() end
end

local function sortedKeys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b) return tostring(a) < tostring(b) end)
  return ks
end

-- {name, module} of the children: modules[i] by index, then module-valued
-- fields (not already listed) by field name
function Module:_stateChildren(base)
  local list, seen = {}, {}
  if type(self.modules) == 'table' then
    for i, m in ipairs(self.modules) do
      list[#list + 1] = {tostring(i + base - 1), m}
      seen[m] = true
    end
  end
  for _, k in ipairs(sortedKeys(self)) do
    local v = rawget(self, k)
    if type(k) == 'string' and k ~= 'modules' and k:sub(1, 1) ~= '_' and not seen[v]
       and type(v) == 'table' and torch.isTypeOf(v, 'nn.Module') then
      list[#list + 1] = {k, v}
      seen[v] = true
    end
  end
  return list
end

-- {name, tensor, owner, field} of this module's own parameters and buffers
function Module:_stateEntries()
  local byTensor = {}
  for k, v in pairs(self) do
    if type(k) == 'string' and isTensor(v) then byTensor[v] = byTensor[v] or k end
  end
  local out, seen = {}, {}
  local function add(field, t)
    if seen[t] then return end
    seen[t] = true
    local name = self._stateName and self:_stateName(field) or field
    out[#out + 1] = {name, t, self, field}
  end
  local ps = self.modules == nil and self:parameters() or {}
  for i, p in ipairs(ps or {}) do
    if byTensor[p] then add(byTensor[p], p) else add('param' .. i, p) end
  end
  for _, b in ipairs(self._stateBuffers or {}) do
    if isTensor(rawget(self, b)) then add(b, self[b]) end
  end
  return out
end

-- every entry of the tree: name -> {tensor, owner module, field}
local function walk(root, base)
  local entries, order, visiting = {}, {}, {}
  local function visit(m, prefix)
    if visiting[m] then return end
    visiting[m] = true
    for _, e in ipairs(m:_stateEntries()) do
      local key = prefix .. e[1]
      if not entries[key] then order[#order + 1] = key end
      entries[key] = {tensor = e[2], owner = e[3], field = e[4]}
    end
    for _, c in ipairs(m:_stateChildren(base)) do visit(c[2], prefix .. c[1] .. '.') end
    visiting[m] = nil
  end
  visit(root, '')
  return entries, order
end

local function checkOpts(opts, fn)
  if opts ~= nil and type(opts) ~= 'table' then
    error(string.format('nn.%s: expected a table of options, got %s', fn, type(opts)), 3)
  end
  opts = opts or {}
  local base = opts.indexBase or 1
  if base ~= 0 and base ~= 1 then error(string.format('nn.%s: indexBase must be 0 or 1, got %s', fn, tostring(base)), 3) end
  return opts, base
end

-- model:stateDict([opts]) -> {name = tensor}. The tensors are detached
-- views of the model's (they share its memory, as in PyTorch);
-- opts.copy = true gives independent copies instead. (One return value,
-- so that torch.save(path, model:stateDict()) reads naturally.)
function Module:stateDict(opts)
  local base
  opts, base = checkOpts(opts, 'stateDict')
  local entries, order = walk(self, base)
  local sd = {}
  torch.no_grad(function()
    for _, k in ipairs(order) do
      local t = entries[k].tensor:detach()
      sd[k] = opts.copy and t:clone() or t
    end
  end)
  return sd
end
Module.state_dict = Module.stateDict

-- model:stateDictKeys([opts]) -> the names of stateDict in tree order
function Module:stateDictKeys(opts)
  local _, base = checkOpts(opts, 'stateDictKeys')
  local _, order = walk(self, base)
  return order
end

local function sizeStr(t)
  local s = t:size():totable()
  return #s == 0 and 'a scalar' or table.concat(s, 'x')
end

local function list(names, max)
  local shown = {}
  for i = 1, math.min(#names, max) do shown[i] = names[i] end
  return table.concat(shown, ', ') .. (#names > max and string.format(', ... (%d more)', #names - max) or '')
end

-- PyTorch's BatchNorm counts its batches; lutorch has no use for the count
local function ignorable(key, entries)
  local prefix = key:match('^(.-)num_batches_tracked$')
  return prefix ~= nil and entries[prefix .. 'running_mean'] ~= nil
end

-- model:loadStateDict(sd [, {strict = true, indexBase = 1}]) copies the
-- tensors of sd into the model's parameters and buffers (in place: the
-- tensor objects, their autograd links and getParameters views stay;
-- dtypes are converted). Shapes must match exactly. strict: a missing or
-- unexpected key is an error that lists them all, and nothing is copied.
-- Returns {missing = {...}, unexpected = {...}} (sorted names).
function Module:loadStateDict(sd, opts)
  local fn = 'loadStateDict'
  local who = (torch.typename(self) or 'nn.Module') .. ':' .. fn
  if type(sd) ~= 'table' or isTensor(sd) then
    error(string.format('%s: expected a table name -> tensor (from stateDict or torch.loadSafetensors), got %s',
                        who, isTensor(sd) and 'a tensor' or type(sd)), 2)
  end
  local base
  opts, base = checkOpts(opts, fn)
  local strict = opts.strict ~= false
  local entries = walk(self, base)
  local missing, unexpected, bad = {}, {}, {}
  for k, e in pairs(entries) do
    local v = sd[k]
    if v == nil then
      missing[#missing + 1] = k
    elseif not isTensor(v) then
      bad[#bad + 1] = string.format('%s is a %s, expected a tensor', k, type(v))
    elseif not v:isSameSizeAs(e.tensor) then
      bad[#bad + 1] = string.format('%s has size %s in the state dict, %s in the model', k, sizeStr(v), sizeStr(e.tensor))
    end
  end
  for k in pairs(sd) do
    if entries[k] == nil and not (type(k) == 'string' and ignorable(k, entries)) then
      unexpected[#unexpected + 1] = tostring(k)
    end
  end
  table.sort(missing)
  table.sort(unexpected)
  table.sort(bad)
  local problems = {}
  if #bad > 0 then problems[#problems + 1] = 'size mismatch: ' .. list(bad, 10) end
  if strict and #missing > 0 then
    problems[#problems + 1] = string.format('%d missing key%s: %s', #missing, #missing > 1 and 's' or '', list(missing, 20))
  end
  if strict and #unexpected > 0 then
    problems[#problems + 1] = string.format('%d unexpected key%s: %s', #unexpected, #unexpected > 1 and 's' or '',
                                            list(unexpected, 20))
  end
  if #problems > 0 then
    error(string.format('%s: %s%s', who, table.concat(problems, '; '),
                        strict and #bad == 0 and ' (pass {strict = false} to load the keys that match)' or ''), 2)
  end
  torch.no_grad(function()
    for k, e in pairs(entries) do
      local v = sd[k]
      if v ~= nil and v ~= e.tensor then e.tensor:copy(v) end
    end
  end)
  return {missing = missing, unexpected = unexpected}
end
Module.load_state_dict = Module.loadStateDict
