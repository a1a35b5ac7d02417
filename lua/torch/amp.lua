-- Mixed precision: autocast regions and a loss scaler (PyTorch's torch.amp).
--
-- torch.autocast(opts, fn, ...) runs fn(...) with autocast on: inside it,
-- the matrix products (torch.mm, addmm, bmm, baddbmm, addbmm, matmul, mv,
-- addmv and nn's linear layers) and the convolutions (torch.conv1d, conv2d,
-- conv3d, conv_transpose2d and the nn modules built on them) take float32
-- inputs of the autocast device in the low precision (bfloat16 by default,
-- or float16) and return results in it, while softmax, the losses, the
-- normalisations, pooling and the parametrised activations take
-- low-precision inputs back to float32. The casts are ordinary recorded
-- conversions, so gradients flow back to float32 master weights in float32.
--
-- opts: 'cuda' | 'cpu' | {device = 'cuda', dtype = 'bfloat16' | 'float16',
-- enabled = true}. Regions nest; the previous state comes back when fn
-- returns or raises.
local torch = torch

local amp = {}
torch.amp = amp

local state = {enabled = false, device = 'cuda', dtype = 'bfloat16'}
local low_dtypes = {bfloat16 = true, float16 = true}

local function device_matches(t)
  if state.device == 'cuda' then return t:isCuda() end
  return not t:isCuda()
end

-- one argument under a policy: float32 tensors of the autocast device go
-- to `to` when `from` matches their dtype
local function cast(v, from, to)
  if torch.isTensor(v) and from[v:dtype()] and device_matches(v) then return v:_todtype(to) end
  return v
end

local function cast_all(from, to, ...)
  local n = select('#', ...)
  local args = {...}
  for i = 1, n do args[i] = cast(args[i], from, to) end
  return unpack(args, 1, n)
end

local float32 = {float32 = true}

-- f, run in the low precision inside autocast regions
function amp.lowPrecision(f)
  return function(...)
    if not state.enabled then return f(...) end
    return f(cast_all(float32, state.dtype, ...))
  end
end

-- f, run in float32 inside autocast regions (its low-precision inputs cast up)
function amp.fullPrecision(f)
  return function(...)
    if not state.enabled then return f(...) end
    return f(cast_all(low_dtypes, 'float32', ...))
  end
end

local function parse(opts)
  if type(opts) == 'string' then opts = {device = opts} end
  if type(opts) ~= 'table' then
    error(string.format("torch.autocast: argument 1: expected 'cuda', 'cpu' or a table of options, got %s",
                        type(opts)), 3)
  end
  local device = opts.device or opts.device_type or 'cuda'
  if device ~= 'cuda' and device ~= 'cpu' then
    error(string.format("torch.autocast: device must be 'cuda' or 'cpu', got %s", tostring(device)), 3)
  end
  local dtype = opts.dtype or 'bfloat16'
  if dtype == 'torch.BFloat16Tensor' or dtype == 'torch.CudaBFloat16Tensor' then dtype = 'bfloat16' end
  if dtype == 'torch.HalfTensor' or dtype == 'torch.CudaHalfTensor' or dtype == 'half' then dtype = 'float16' end
  if not low_dtypes[dtype] then
    error(string.format("torch.autocast: dtype must be 'bfloat16' or 'float16', got %s", tostring(dtype)), 3)
  end
  local enabled = opts.enabled
  if enabled == nil then enabled = true end
  return {enabled = enabled and true or false, device = device, dtype = dtype}
end

local function restore(prev, ok, ...)
  state.enabled, state.device, state.dtype = prev.enabled, prev.device, prev.dtype
  if not ok then error((...), 0) end
  return ...
end

function torch.autocast(opts, fn, ...)
  local new = parse(opts)
  if type(fn) ~= 'function' then
    error(string.format('torch.autocast: argument 2: expected a function, got %s', type(fn)), 2)
  end
  local prev = {enabled = state.enabled, device = state.device, dtype = state.dtype}
  state.enabled, state.device, state.dtype = new.enabled, new.device, new.dtype
  return restore(prev, pcall(fn, ...))
end
amp.autocast = torch.autocast

-- torch.cuda.amp.autocast([opts,] fn, ...): the same, device 'cuda'
local function cuda_autocast(opts, fn, ...)
  if type(opts) == 'function' then return torch.autocast('cuda', opts, fn, ...) end
  local o = {device = 'cuda'}
  for k, v in pairs(opts or {}) do o[k] = v end
  return torch.autocast(o, fn, ...)
end

-- isAutocastEnabled() -> enabled, device, dtype
function torch.isAutocastEnabled() return state.enabled, state.device, state.dtype end

-- (nn.F takes torch.conv* when nn loads, after this file: the modules get
-- the wrapped functions)
for _, name in ipairs({'mm', 'addmm', 'bmm', 'baddbmm', 'addbmm', 'matmul', 'mv', 'addmv',
                       'conv1d', 'conv2d', 'conv3d', 'conv_transpose2d'}) do
  if torch[name] then torch[name] = amp.lowPrecision(torch[name]) end
end
-- float32: numerically touchy ops, and the nn kernels that take float32 and
-- float64 only (pooling, the activations with parameters), so that a
-- convnet's pooling between two low-precision convolutions works
for _, name in ipairs({'softmax', 'log_softmax', 'cross_entropy', 'nll_loss', 'mse_loss',
                       'smooth_l1_loss', 'bce_loss', 'bce_with_logits', 'batch_norm', 'layer_norm',
                       'binary_cross_entropy', 'binary_cross_entropy_with_logits',
                       'max_pool2d', 'avg_pool2d', 'adaptive_max_pool2d', 'adaptive_avg_pool2d',
                       'max_unpool2d', 'gelu', 'elu', 'selu', 'leaky_relu', 'hardtanh', 'relu6',
                       'softplus'}) do
  if torch[name] then torch[name] = amp.fullPrecision(torch[name]) end
end

-- ---------------------------------------------------------------------------
-- GradScaler: multiplies the loss by a scale so that small float16
-- gradients do not flush to zero, divides the gradients back before the
-- optimizer step, skips steps whose gradients hold an inf or a NaN and
-- adapts the scale (halved after such a step, doubled after
-- growthInterval good ones).
--
--   local scaler = torch.amp.GradScaler()
--   scaler:scale(loss):backward()
--   scaler:step(optimizer)       -- optimizer: an optim.SGD/Adam/... object
--   scaler:update()
local GradScaler = {}
GradScaler.__index = GradScaler

local defaults = {initScale = 2 ^ 16, growthFactor = 2, backoffFactor = 0.5, growthInterval = 2000}

function amp.GradScaler(opts)
  opts = opts or {}
  if type(opts) ~= 'table' then
    error(string.format('torch.amp.GradScaler: expected a table of options, got %s', type(opts)), 2)
  end
  local self = setmetatable({}, GradScaler)
  for k, v in pairs(defaults) do
    local x = opts[k]
    if x == nil then x = v end
    if type(x) ~= 'number' or x <= 0 then
      error(string.format('torch.amp.GradScaler: %s must be a positive number, got %s', k, tostring(x)), 2)
    end
    self[k] = x
  end
  if self.growthFactor <= 1 or self.backoffFactor >= 1 then
    error('torch.amp.GradScaler: growthFactor must be > 1 and backoffFactor < 1', 2)
  end
  self.enabled = opts.enabled ~= false
  self._scale, self._growth, self._unscaled, self._foundInf = self.initScale, 0, false, false
  return self
end

function GradScaler:getScale() return self.enabled and self._scale or 1 end
function GradScaler:isEnabled() return self.enabled end

-- scale(loss) -> loss * scale (a table of tensors: each scaled)
function GradScaler:scale(t)
  if not self.enabled then return t end
  if torch.isTensor(t) then return torch.mul(t, self._scale) end
  if type(t) == 'table' then
    local r = {}
    for i, v in ipairs(t) do r[i] = self:scale(v) end
    return r
  end
  error(string.format('GradScaler:scale: expected a tensor or a table of tensors, got %s', type(t)), 2)
end

-- the gradient tensors of an optimizer object, a tensor or a list of tensors
local function gradients(x)
  if torch.isTensor(x) then return {x} end
  if type(x) ~= 'table' then return nil end
  if x._recs then
    local gs = {}
    for _, rec in ipairs(x._recs) do
      local g = rec.grad
      if g == nil then g = rec.param.grad end
      if g ~= nil then gs[#gs + 1] = g end
    end
    return gs
  end
  for _, v in ipairs(x) do if not torch.isTensor(v) then return nil end end
  return x
end

-- unscale(x): divides the gradients (of an optimizer, or the tensors given,
-- e.g. getParameters()' flat gradient) by the scale, in place, once per
-- step; returns true when they are all finite
function GradScaler:unscale(x)
  if not self.enabled then return true end
  if self._unscaled then return not self._foundInf end
  local gs = gradients(x)
  if not gs then
    error(string.format('GradScaler:unscale: expected an optimizer, a tensor or a list of tensors, got %s',
                        type(x)), 2)
  end
  local inv, bad = 1 / self._scale, false
  for _, g in ipairs(gs) do
    g:mul(inv)
    if g:nElement() > 0 then
      local m = g:abs():max()
      if type(m) ~= 'number' then m = m:item() end
      if m ~= m or m == math.huge then bad = true end
    end
  end
  self._unscaled, self._foundInf = true, bad
  return not bad
end

-- step(optimizer, ...): unscales (unless done already) and steps unless a
-- gradient is not finite; returns the optimizer's result, or nil if skipped
function GradScaler:step(opt, ...)
  if type(opt) ~= 'table' or type(opt.step) ~= 'function' then
    error(string.format('GradScaler:step: expected an optimizer object, got %s', type(opt)), 2)
  end
  if not self.enabled then return opt:step(...) end
  if not self:unscale(opt) then return nil end
  return opt:step(...)
end

-- update([newScale]): adapts the scale after a step (or sets it)
function GradScaler:update(newScale)
  if not self.enabled then return end
  if newScale ~= nil then
    if type(newScale) ~= 'number' or newScale <= 0 then
      error(string.format('GradScaler:update: newScale must be a positive number, got %s', tostring(newScale)), 2)
    end
    self._scale, self._growth = newScale, 0
  elseif self._foundInf then
    self._scale, self._growth = self._scale * self.backoffFactor, 0
  elseif self._unscaled then
    self._growth = self._growth + 1
    if self._growth >= self.growthInterval then
      self._scale, self._growth = self._scale * self.growthFactor, 0
    end
  end
  self._unscaled, self._foundInf = false, false
end

function GradScaler:stateDict()
  return {scale = self._scale, growthTracker = self._growth, growthFactor = self.growthFactor,
          backoffFactor = self.backoffFactor, growthInterval = self.growthInterval}
end

function GradScaler:loadStateDict(sd)
  if type(sd) ~= 'table' or type(sd.scale) ~= 'number' then
    error('GradScaler:loadStateDict: expected a table from stateDict()', 2)
  end
  self._scale, self._growth = sd.scale, sd.growthTracker or 0
  self.growthFactor = sd.growthFactor or self.growthFactor
  self.backoffFactor = sd.backoffFactor or self.backoffFactor
  self.growthInterval = sd.growthInterval or self.growthInterval
end

-- PyTorch's spellings
GradScaler.unscale_ = GradScaler.unscale
GradScaler.get_scale = GradScaler.getScale
GradScaler.state_dict, GradScaler.load_state_dict = GradScaler.stateDict, GradScaler.loadStateDict

torch.cuda.amp = {autocast = cuda_autocast, GradScaler = amp.GradScaler}

return amp
