-- nn.F: the differentiable functions the modules call. The C kernels
-- (torch.conv2d, ...; docs/tensor/nn-functions.md) record themselves on the
-- autograd tape, so most entries are those functions; the others (linear,
-- whole-sequence RNN layers) are torch.autograd.Functions, so a module's
-- forward stays one call and its backward one kernel.
local nn = nn
local F = {}
nn.F = F
local Function = torch.autograd.Function

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
  local gW
  if n[2] then
    -- straight into W's gradient when the engine offers its buffer (CPU:
    -- saves zeroing a fresh tensor and the engine's add over it)
    local acc = not W:isCuda() and ctx:gradAccumulator(2)
    if acc then torch.addmm(acc, acc, g:t(), x) else gW = torch.mm(g:t(), x) end
  end
  local gb = ctx.hasBias and n[3] and g:sum(1, false) or nil
  return gx, gW, gb
end
F.linear = torch.amp.lowPrecision(Linear) -- autocast: bf16/f16 inside torch.autocast regions

-- The nn kernels record themselves on the autograd tape (lib/ops/nn_grad_*.c):
-- nn.F uses them as they are, keeping only the first result where the
-- kernel also returns what its backward needs (statistics, log-probs).
local function first(f) return function(...) return (f(...)) end end

-- conv<D>d(x, W, b, stride, padding, dilation, groups)
F.conv1d, F.conv2d, F.conv3d = torch.conv1d, torch.conv2d, torch.conv3d
-- conv_transpose2d(x, W, b, stride, padding, outputPadding, groups, dilation)
F.conv_transpose2d = torch.conv_transpose2d

-- pooling: max_pool2d(x, kernel, stride, padding, dilation, ceilMode) and
-- adaptive_max_pool2d(x, {oH, oW}) -> output, indices;
-- avg_pool2d(x, kernel, stride, padding, ceilMode, countIncludePad, divisor)
F.max_pool2d, F.avg_pool2d = torch.max_pool2d, torch.avg_pool2d
F.adaptive_max_pool2d, F.adaptive_avg_pool2d = torch.adaptive_max_pool2d, torch.adaptive_avg_pool2d

-- batch_norm(x, runningMean, runningVar, weight, bias, training, momentum, eps)
-- (the running statistics are updated in place by the kernel in training,
-- and not differentiated)
F.batch_norm = first(torch.batch_norm)
-- layer_norm(x, normalizedShape, weight, bias, eps)
F.layer_norm = first(torch.layer_norm)

-- softmax / log_softmax along a dim
F.softmax, F.log_softmax = torch.softmax, torch.log_softmax

-- cross_entropy / nll_loss(x, target, weight, reduction, ignoreIndex) -> loss
F.cross_entropy = first(torch.cross_entropy)
F.nll_loss = first(torch.nll_loss)

-- pointwise losses: mse_loss(x, t, reduction), smooth_l1_loss(x, t,
-- reduction, beta) (the target gets a gradient too), bce_loss(x, t, weight,
-- reduction), bce_with_logits(x, t, weight, posWeight, reduction)
F.mse_loss, F.smooth_l1_loss = torch.mse_loss, torch.smooth_l1_loss
F.bce_loss, F.bce_with_logits = torch.bce_loss, torch.bce_with_logits

-- activations f(x, params...)
for _, name in ipairs({'gelu', 'elu', 'selu', 'leaky_relu', 'hardtanh', 'relu6', 'softplus'}) do
  F[name] = torch[name]
end

-- RNN cells: the kernels record themselves (one tape node per step, a
-- fused backward); the gates/workspace they also return carry no gradient.
-- lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh) -> h', c'
local lstm_cell, lstm_pointwise, gru_cell = torch.lstm_cell, torch.lstm_pointwise, torch.gru_cell
function F.lstm_cell(x, h, c, wih, whh, bih, bhh)
  local h2, c2 = lstm_cell(x, h, c, wih, whh, bih, bhh)
  return h2, c2
end
-- lstm_pointwise(pre, c) -> h', c': the gate half of an LSTM step, for
-- callers that do the products themselves
function F.lstm_pointwise(pre, c)
  local h2, c2 = lstm_pointwise(pre, c)
  return h2, c2
end
-- gru_cell(x, h, w_ih, w_hh, b_ih, b_hh) -> h'
function F.gru_cell(x, h, wih, whh, bih, bhh) return (gru_cell(x, h, wih, whh, bih, bhh)) end

-- lstm(x, h0, c0, w_ih, w_hh [, b_ih, b_hh]) -> output, h_T, c_T: one layer
-- over a whole sequence x (T x B x I), output T x B x H, as ONE tape node.
-- Forward: every step's input product in one gemm, then per step one gemm
-- (h·W_hhᵀ, added in place) and the fused pointwise kernel. Backward: the
-- steps in reverse with the fused pointwise backward, one gemm each for
-- the hidden gradient; the weight, bias and input gradients are batched
-- gemms over all steps at the end.
local LSTMSeq = Function('lstm')
function LSTMSeq.forward(ctx, x, h0, c0, wih, whh, bih, bhh)
  local T, B, I, H = x:size(1), x:size(2), x:size(3), whh:size(2)
  x = x:contiguous()
  local x2 = x:view(T * B, I)
  local bias = bih and bhh and torch.add(bih, bhh) or bih or bhh
  local pre = (bias and torch.addmm(bias, x2, wih:t()) or torch.mm(x2, wih:t())):view(T, B, 4 * H)
  local whhT = whh:t()
  local out = torch.empty(T, B, H):typeAs(x)
  local h, c = h0, c0
  local gates, cs = {}, {}
  for t = 1, T do
    local p = pre[t]
    p:addmm(h, whhT)
    h, c, gates[t] = lstm_pointwise(p, c)
    out[t]:copy(h)
    cs[t] = c
  end
  ctx:saveForBackward(x, h0, c0, wih, whh)
  -- outputs are kept as aliases without history (the output itself would
  -- point back at this node)
  ctx.out, ctx.gates, ctx.cs, ctx.hasB = out:detach(), gates, cs, bias ~= nil
  cs[T] = c:detach()
  return out, h, c
end
function LSTMSeq.backward(ctx, gout, ghT, gcT)
  local x, h0, c0, wih, whh = ctx:savedTensors()
  local n, out, gates, cs = ctx.needsInputGrad, ctx.out, ctx.gates, ctx.cs
  local T, B, I, H = x:size(1), x:size(2), x:size(3), whh:size(2)
  local G = torch.empty(T, B, 4 * H):typeAs(x)
  local gh, gc = torch.add(ghT, gout[T]), gcT
  for t = T, 1, -1 do
    local gp
    gp, gc = torch.lstm_pointwise_backward(gh, gc, t > 1 and cs[t - 1] or c0, gates[t], cs[t])
    G[t]:copy(gp)
    if t > 1 then gh = torch.addmm(gout[t - 1], gp, whh)
    elseif n[2] then gh = torch.mm(gp, whh) end
  end
  local G2 = G:view(T * B, 4 * H)
  local gx = n[1] and torch.mm(G2, wih):view(T, B, I) or nil
  local gwih = n[4] and torch.mm(G2:t(), x:view(T * B, I)) or nil
  local gwhh
  if n[5] then
    local hprev = T > 1 and torch.cat({h0:view(1, B, H), out:narrow(1, 1, T - 1)}, 1)
                  or h0:view(1, B, H)
    gwhh = torch.mm(G2:t(), hprev:contiguous():view(T * B, H))
  end
  local gb = ctx.hasB and (n[6] or n[7]) and G2:sum(1, false) or nil
  return gx, n[2] and gh or nil, n[3] and gc or nil, gwih, gwhh, n[6] and gb or nil,
         n[7] and gb or nil
end
F.lstm = LSTMSeq

return F
