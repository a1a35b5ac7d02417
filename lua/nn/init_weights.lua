-- nn.init: weight initializations (PyTorch's formulas), in place, returning
-- the tensor. fan_in / fan_out: a matrix is out x in, a conv weight
-- out x in x k... (fans times the kernel size).
local nn = nn
local init = {}
nn.init = init

local function fans(t)
  if t:dim() < 2 then error('nn.init: fan in and fan out need a tensor of at least 2 dims', 3) end
  local rf = 1
  for d = 3, t:dim() do rf = rf * t:size(d) end
  return t:size(2) * rf, t:size(1) * rf
end

local gains = {linear = 1, sigmoid = 1, tanh = 5 / 3, relu = math.sqrt(2), selu = 3 / 4}
function init.calculateGain(nonlinearity, param)
  if nonlinearity == 'leaky_relu' then
    local a = param or 0.01
    return math.sqrt(2 / (1 + a * a))
  end
  local g = gains[nonlinearity or 'linear']
  if not g then error('nn.init.calculateGain: unknown nonlinearity ' .. tostring(nonlinearity), 2) end
  return g
end

local function fill(t, f) torch.no_grad(f) return t end

function init.uniform(t, a, b) return fill(t, function() t:uniform(a or 0, b or 1) end) end
function init.normal(t, mean, std) return fill(t, function() t:normal(mean or 0, std or 1) end) end
function init.constant(t, v) return fill(t, function() t:fill(v) end) end
function init.zeros(t) return init.constant(t, 0) end
function init.ones(t) return init.constant(t, 1) end

function init.xavierUniform(t, gain)
  local fi, fo = fans(t)
  local a = (gain or 1) * math.sqrt(6 / (fi + fo))
  return init.uniform(t, -a, a)
end

function init.xavierNormal(t, gain)
  local fi, fo = fans(t)
  return init.normal(t, 0, (gain or 1) * math.sqrt(2 / (fi + fo)))
end

-- a: the negative slope of the rectifier after this layer; mode 'fanIn' (default) or 'fanOut'
local function kaimingStd(t, a, mode, nonlinearity)
  local fi, fo = fans(t)
  local fan = (mode == 'fanOut' or mode == 'fan_out') and fo or fi
  return init.calculateGain(nonlinearity or 'leaky_relu', a or 0) / math.sqrt(fan)
end
function init.kaimingUniform(t, a, mode, nonlinearity)
  local b = math.sqrt(3) * kaimingStd(t, a, mode, nonlinearity)
  return init.uniform(t, -b, b)
end
function init.kaimingNormal(t, a, mode, nonlinearity)
  return init.normal(t, 0, kaimingStd(t, a, mode, nonlinearity))
end

-- a (semi-)orthogonal matrix from the QR decomposition of a normal one
function init.orthogonal(t, gain)
  if t:dim() < 2 then error('nn.init.orthogonal: needs a tensor of at least 2 dims', 2) end
  local rows = t:size(1)
  local cols = t:nElement() / rows
  local a = torch.randn(math.max(rows, cols), math.min(rows, cols)):double()
  local q, r = torch.qr(a)
  -- make the decomposition unique: the signs of r's diagonal
  local k = math.min(rows, cols)
  local d = torch.Tensor(1, k):double()
  for i = 1, k do d[1][i] = r[i][i] < 0 and -1 or 1 end
  q = torch.mul(q, d)
  if rows < cols then q = q:t() end
  return fill(t, function() t:copy(q:contiguous():view(t:size()):mul(gain or 1)) end)
end

-- PyTorch-style spellings
init.xavier_uniform_ = init.xavierUniform
init.xavier_normal_ = init.xavierNormal
init.kaiming_uniform_ = init.kaimingUniform
init.kaiming_normal_ = init.kaimingNormal
init.orthogonal_ = init.orthogonal
return init
