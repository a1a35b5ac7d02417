-- Gradient clipping, as PyTorch's torch.nn.utils.clip_grad_norm_ /
-- clip_grad_value_. `ts` is a tensor, a list of tensors or an optimizer
-- object. A tensor that requires grad is a parameter: its .grad is clipped
-- (none: skipped); any other tensor is itself a gradient (Torch7's
-- gradParams, getParameters' flat gradient).
local optim = optim
local U = optim._util
local isTensor = torch.isTensor

local function grads_of(fn, ts)
  local list = {}
  local function add(t, i)
    if not isTensor(t) then
      U.fail(4, '%s: argument 1: entry %d: expected a tensor, got %s', fn, i, U.kind(t))
    end
    local g = t
    if t.requires_grad then g = t.grad end
    if g ~= nil then
      U.check_float(fn, g, 'gradient ' .. i, 4)
      list[#list + 1] = g
    end
  end
  if isTensor(ts) then
    add(ts, 1)
  elseif type(ts) == 'table' and ts._recs then -- an optimizer
    for i, rec in ipairs(ts._recs) do
      local g = rec.grad
      if g == nil then g = rec.param.grad end
      if g ~= nil then list[#list + 1] = g end
    end
  elseif type(ts) == 'table' then
    for i, t in ipairs(ts) do add(t, i) end
  else
    U.fail(3, '%s: argument 1: expected a tensor, a list of tensors or an optimizer, got %s', fn, U.kind(ts))
  end
  return list
end

-- clipGradNorm(ts, maxNorm [, normType = 2]) -> total norm (before clipping)
-- The norm is taken over all gradients together (normType may be math.huge);
-- when it exceeds maxNorm every gradient is scaled by maxNorm / (norm + 1e-6).
function optim.clipGradNorm(ts, maxNorm, normType)
  local fn = 'optim.clipGradNorm'
  local grads = grads_of(fn, ts)
  if type(maxNorm) ~= 'number' or maxNorm < 0 then
    U.fail(2, '%s: argument 2: expected maxNorm >= 0, got %s', fn, tostring(maxNorm))
  end
  normType = normType or 2
  if type(normType) ~= 'number' or not (normType > 0) then
    U.fail(2, '%s: argument 3: expected normType > 0 (or math.huge), got %s', fn, tostring(normType))
  end
  local total = 0
  if normType == math.huge then
    for _, g in ipairs(grads) do
      if g:nElement() > 0 then total = math.max(total, g:norm(math.huge)) end
    end
  else
    for _, g in ipairs(grads) do total = total + g:norm(normType) ^ normType end
    total = total ^ (1 / normType)
  end
  local coef = maxNorm / (total + 1e-6)
  if coef < 1 then
    for _, g in ipairs(grads) do U.raw(g):mul(coef) end
  end
  return total
end
optim.clip_grad_norm = optim.clipGradNorm

-- clipGradValue(ts, clipValue): clamp every gradient element to [-v, v]
function optim.clipGradValue(ts, clipValue)
  local fn = 'optim.clipGradValue'
  local grads = grads_of(fn, ts)
  if type(clipValue) ~= 'number' or clipValue < 0 then
    U.fail(2, '%s: argument 2: expected clipValue >= 0, got %s', fn, tostring(clipValue))
  end
  for _, g in ipairs(grads) do U.raw(g):clamp(-clipValue, clipValue) end
end
optim.clip_grad_value = optim.clipGradValue
