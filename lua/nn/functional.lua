-- nn.F: differentiable wrappers of the C kernels (torch.conv2d and
-- torch.conv2d_backward, ...; docs/tensor/nn-functions.md). Each is a
-- torch.autograd.Function whose backward calls the kernel's own backward,
-- so a module's forward stays one call and its backward one kernel.
local nn = nn
local F = {}
nn.F = F
local Function = torch.autograd.Function

local function need(ctx, n)
  local r = {}
  for i = 1, n do r[i] = ctx.needsInputGrad[i] and true or false end
  return r
end

-- linear(x, W [, b]) = x·Wᵀ + b for x of N x in (addmm: one BLAS call)
local Linear = Function('linear')
function Linear.forward(ctx, x, W, b)
  ctx:saveForBackward(x, W)
  ctx.hasBias = b ~= nil
  if b then return torch.addmm(b, x, W:t()) end
  return torch.mm(x, W:t())
end
function Linear.backward(ctx, g)
  local x, W = ctx:savedTensors()
  local n = ctx.needsInputGrad
  local gx = n[1] and torch.mm(g, W) or nil
  local gW = n[2] and torch.mm(g:t(), x) or nil
  local gb = ctx.hasBias and n[3] and g:sum(1, false) or nil
  return gx, gW, gb
end
F.linear = Linear

-- conv2d(x, W, b, stride, padding, dilation, groups)
local Conv2d = Function('conv2d')
function Conv2d.forward(ctx, x, W, b, stride, padding, dilation, groups)
  ctx:saveForBackward(x, W)
  ctx.args = {stride, padding, dilation, groups}
  ctx.hasBias = b ~= nil
  return torch.conv2d(x, W, b, stride, padding, dilation, groups)
end
function Conv2d.backward(ctx, g)
  local x, W = ctx:savedTensors()
  local a = ctx.args
  local gx, gW, gb = torch.conv2d_backward(g, x, W, a[1], a[2], a[3], a[4], need(ctx, 3))
  return gx, gW, ctx.hasBias and gb or nil
end
F.conv2d = Conv2d

-- conv1d / conv3d: as conv2d
for _, name in ipairs({'conv1d', 'conv3d'}) do
  local f, fb = torch[name], torch[name .. '_backward']
  local Cv = Function(name)
  function Cv.forward(ctx, x, W, b, stride, padding, dilation, groups)
    ctx:saveForBackward(x, W)
    ctx.args = {stride, padding, dilation, groups}
    ctx.hasBias = b ~= nil
    return f(x, W, b, stride, padding, dilation, groups)
  end
  function Cv.backward(ctx, g)
    local x, W = ctx:savedTensors()
    local a = ctx.args
    local gx, gW, gb = fb(g, x, W, a[1], a[2], a[3], a[4], need(ctx, 3))
    return gx, gW, ctx.hasBias and gb or nil
  end
  F[name] = Cv
end

-- conv_transpose2d(x, W, b, stride, padding, outputPadding, groups, dilation)
local ConvT = Function('conv_transpose2d')
function ConvT.forward(ctx, x, W, b, stride, padding, opad, groups, dilation)
  ctx:saveForBackward(x, W)
  ctx.args = {stride, padding, opad, groups, dilation}
  ctx.hasBias = b ~= nil
  return torch.conv_transpose2d(x, W, b, stride, padding, opad, groups, dilation)
end
function ConvT.backward(ctx, g)
  local x, W = ctx:savedTensors()
  local a = ctx.args
  local gx, gW, gb = torch.conv_transpose2d_backward(g, x, W, a[1], a[2], a[3], a[4], a[5],
                                                     need(ctx, 3))
  return gx, gW, ctx.hasBias and gb or nil
end
F.conv_transpose2d = ConvT

-- adaptive pooling to an output size {oH, oW}
local AAP = Function('adaptive_avg_pool2d')
function AAP.forward(ctx, x, size)
  ctx:saveForBackward(x)
  return torch.adaptive_avg_pool2d(x, size)
end
function AAP.backward(ctx, g)
  return torch.adaptive_avg_pool2d_backward(g, ctx:savedTensors())
end
F.adaptive_avg_pool2d = AAP

local AMP = Function('adaptive_max_pool2d')
function AMP.forward(ctx, x, size)
  local y, idx = torch.adaptive_max_pool2d(x, size)
  ctx:saveForBackward(x, idx)
  return y, idx
end
function AMP.backward(ctx, g)
  local x, idx = ctx:savedTensors()
  return torch.adaptive_max_pool2d_backward(g, x, idx)
end
F.adaptive_max_pool2d = AMP

-- max_pool2d(x, kernel, stride, padding, dilation, ceilMode) -> output, indices
local MaxPool = Function('max_pool2d')
function MaxPool.forward(ctx, x, k, s, p, d, ceil)
  local y, idx = torch.max_pool2d(x, k, s, p, d, ceil)
  ctx:saveForBackward(x, idx)
  return y, idx
end
function MaxPool.backward(ctx, g)
  local x, idx = ctx:savedTensors()
  return torch.max_pool2d_backward(g, x, idx)
end
F.max_pool2d = MaxPool

local AvgPool = Function('avg_pool2d')
function AvgPool.forward(ctx, x, k, s, p, ceil, cip, div)
  ctx:saveForBackward(x)
  ctx.args = {k, s, p, ceil, cip, div}
  return torch.avg_pool2d(x, k, s, p, ceil, cip, div)
end
function AvgPool.backward(ctx, g)
  local x = ctx:savedTensors()
  return torch.avg_pool2d_backward(g, x, unpack(ctx.args, 1, 6))
end
F.avg_pool2d = AvgPool

-- batch_norm(x, runningMean, runningVar, weight, bias, training, momentum, eps)
-- (the running statistics are updated in place by the kernel in training)
local BatchNorm = Function('batch_norm')
function BatchNorm.forward(ctx, x, rm, rv, w, b, training, momentum, eps)
  local y, mean, invstd = torch.batch_norm(x, rm, rv, w, b, training, momentum, eps)
  ctx:saveForBackward(x, w, mean, invstd)
  ctx.training, ctx.hasW, ctx.hasB = training, w ~= nil, b ~= nil
  return y
end
function BatchNorm.backward(ctx, g)
  local x, w, mean, invstd = ctx:savedTensors()
  local n = ctx.needsInputGrad
  local gx, gw, gb = torch.batch_norm_backward(g, x, w, mean, invstd, ctx.training,
                                               {n[1], ctx.hasW and n[4], ctx.hasB and n[5]})
  return gx, nil, nil, ctx.hasW and gw or nil, ctx.hasB and gb or nil
end
F.batch_norm = BatchNorm

local LayerNorm = Function('layer_norm')
function LayerNorm.forward(ctx, x, shape, w, b, eps)
  local y, mean, rstd = torch.layer_norm(x, shape, w, b, eps)
  ctx:saveForBackward(x, w, mean, rstd)
  ctx.shape, ctx.hasW, ctx.hasB = shape, w ~= nil, b ~= nil
  return y
end
function LayerNorm.backward(ctx, g)
  local x, w, mean, rstd = ctx:savedTensors()
  local n = ctx.needsInputGrad
  local gx, gw, gb = torch.layer_norm_backward(g, x, ctx.shape, w, mean, rstd,
                                               {n[1], ctx.hasW and n[3], ctx.hasB and n[4]})
  return gx, nil, ctx.hasW and gw or nil, ctx.hasB and gb or nil
end
F.layer_norm = LayerNorm

-- softmax / log_softmax along a dim: backward from the output
for _, name in ipairs({'softmax', 'log_softmax'}) do
  local f, fb = torch[name], torch[name .. '_backward']
  local S = Function(name)
  function S.forward(ctx, x, dim)
    local y = f(x, dim)
    ctx:saveForBackward(y)
    ctx.dim = dim
    return y
  end
  function S.backward(ctx, g)
    local y = ctx:savedTensors()
    return fb(g, y, ctx.dim)
  end
  F[name] = S
end

-- cross_entropy(x, target, weight, reduction, ignoreIndex): fused log-softmax + nll
local CE = Function('cross_entropy')
function CE.forward(ctx, x, t, w, red, ignore)
  local l, lp, tw = torch.cross_entropy(x, t, w, red, ignore)
  ctx:saveForBackward(lp, t, w, tw)
  ctx.red, ctx.ignore = red, ignore
  return l
end
function CE.backward(ctx, g)
  local lp, t, w, tw = ctx:savedTensors()
  return torch.cross_entropy_backward(g, lp, t, w, ctx.red, ctx.ignore, tw)
end
F.cross_entropy = CE

local NLL = Function('nll_loss')
function NLL.forward(ctx, x, t, w, red, ignore)
  local l, tw = torch.nll_loss(x, t, w, red, ignore)
  ctx:saveForBackward(x, t, w, tw)
  ctx.red, ctx.ignore = red, ignore
  return l
end
function NLL.backward(ctx, g)
  local x, t, w, tw = ctx:savedTensors()
  return torch.nll_loss_backward(g, x, t, w, ctx.red, ctx.ignore, tw)
end
F.nll_loss = NLL

-- pointwise losses (input, target, reduction [, extra]): gradient of input,
-- and of the target as its negative where that is the formula (mse, smooth l1)
local function pointwise_loss(name, targetGrad)
  local f, fb = torch[name], torch[name .. '_backward']
  local L = Function(name)
  function L.forward(ctx, x, t, red, extra)
    ctx:saveForBackward(x, t)
    ctx.red, ctx.extra = red, extra
    return f(x, t, red, extra)
  end
  function L.backward(ctx, g)
    local x, t = ctx:savedTensors()
    local gx = fb(g, x, t, ctx.red, ctx.extra)
    return gx, targetGrad and ctx.needsInputGrad[2] and torch.neg(gx) or nil
  end
  F[name] = L
end
pointwise_loss('mse_loss', true)
pointwise_loss('smooth_l1_loss', true)

local BCE = Function('bce_loss')
function BCE.forward(ctx, x, t, w, red)
  ctx:saveForBackward(x, t, w)
  ctx.red = red
  return torch.bce_loss(x, t, w, red)
end
function BCE.backward(ctx, g)
  local x, t, w = ctx:savedTensors()
  return torch.bce_loss_backward(g, x, t, w, ctx.red)
end
F.bce_loss = BCE

local BCEL = Function('bce_with_logits')
function BCEL.forward(ctx, x, t, w, pw, red)
  ctx:saveForBackward(x, t, w, pw)
  ctx.red = red
  return torch.bce_with_logits(x, t, w, pw, red)
end
function BCEL.backward(ctx, g)
  local x, t, w, pw = ctx:savedTensors()
  return torch.bce_with_logits_backward(g, x, t, w, pw, ctx.red)
end
F.bce_with_logits = BCEL

-- activations f(x, params...) with f_backward(g, x, params...)
for _, name in ipairs({'gelu', 'elu', 'selu', 'leaky_relu', 'hardtanh', 'relu6', 'softplus'}) do
  local f, fb = torch[name], torch[name .. '_backward']
  local A = Function(name)
  function A.forward(ctx, x, a, b, c)
    ctx:saveForBackward(x)
    ctx.a, ctx.b, ctx.c = a, b, c
    return f(x, a, b, c)
  end
  function A.backward(ctx, g)
    local x = ctx:savedTensors()
    return fb(g, x, ctx.a, ctx.b, ctx.c)
  end
  F[name] = A
end

-- lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh) -> h', c'
local LSTM = Function('lstm_cell')
function LSTM.forward(ctx, x, h, c, wih, whh, bih, bhh)
  local h2, c2, gates = torch.lstm_cell(x, h, c, wih, whh, bih, bhh)
  ctx:saveForBackward(x, h, c, wih, whh, gates)
  ctx.c2 = c2:clone()     -- an output saved for backward would lose its node
  ctx.hasB = bih ~= nil
  return h2, c2
end
function LSTM.backward(ctx, gh, gc)
  local x, h, c, wih, whh, gates = ctx:savedTensors()
  local n = ctx.needsInputGrad
  local gx, gh0, gc0, gwih, gwhh, gb = torch.lstm_cell_backward(gh, gc, x, h, c, wih, whh, gates,
    ctx.c2, {n[1], n[2], n[3], n[4], n[5], ctx.hasB and (n[6] or n[7])})
  return gx, gh0, gc0, gwih, gwhh, n[6] and gb or nil, n[7] and gb or nil
end
F.lstm_cell = LSTM

-- lstm_pointwise(pre, c) -> h', c': the gate half of an LSTM step, for
-- callers that do the products themselves (a whole sequence's x·W_ihᵀ at once)
local LSTMP = Function('lstm_pointwise')
function LSTMP.forward(ctx, pre, c)
  local h2, c2, gates = torch.lstm_pointwise(pre, c)
  ctx:saveForBackward(c, gates)
  ctx.c2 = c2:clone()
  return h2, c2
end
function LSTMP.backward(ctx, gh, gc)
  local c, gates = ctx:savedTensors()
  return torch.lstm_pointwise_backward(gh, gc, c, gates, ctx.c2)
end
F.lstm_pointwise = LSTMP

-- gru_cell(x, h, w_ih, w_hh, b_ih, b_hh) -> h'
local GRU = Function('gru_cell')
function GRU.forward(ctx, x, h, wih, whh, bih, bhh)
  local h2, ws = torch.gru_cell(x, h, wih, whh, bih, bhh)
  ctx:saveForBackward(x, h, wih, whh, ws)
  ctx.hasB = bih ~= nil
  return h2
end
function GRU.backward(ctx, gh)
  local x, h, wih, whh, ws = ctx:savedTensors()
  local n = ctx.needsInputGrad
  local gx, gh0, gwih, gwhh, gbih, gbhh = torch.gru_cell_backward(gh, x, h, wih, whh, ws,
    {n[1], n[2], n[3], n[4], ctx.hasB and n[5], ctx.hasB and n[6]})
  return gx, gh0, gwih, gwhh, gbih, gbhh
end
F.gru_cell = GRU

return F
