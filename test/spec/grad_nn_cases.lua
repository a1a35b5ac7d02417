-- Gradient-check cases for the nn ops (lib/ops/nn_grad_*.c): op name -> list
-- of {fn, inputs, name = ...}. grad_nn_spec.lua runs gradcheck on each (and
-- gradgradcheck on the ops whose backward is composed: `double` below);
-- gradcheck_spec.lua's other_cases takes them as they are.
--
-- Inputs are float64 leaves that require grad; several shapes per op,
-- unbatched forms, non-contiguous inputs (T: the last two dims transposed in
-- memory, N: narrowed along the last dim). Each function returns only the
-- differentiable outputs (no indices, statistics or workspaces). Values keep
-- away from kinks (activations, smooth L1) and ties (max pooling): random
-- values in [-1, 1) differ by far more than gradcheck's eps.
require 'torch'
local U = require 'testutil'
local L = torch.LongTensor

local vals = U.lcg_values(11)

-- a float64 leaf of `shape`, values in [lo, hi) (default [-1, 1)); layout
-- 'T' or 'N' makes it non-contiguous
local function X(shape, layout, lo, hi)
  local s, n = {}, 1
  for i, v in ipairs(shape) do s[i] = v; n = n * v end
  local nd = #s
  if layout == 'T' then s[nd], s[nd - 1] = s[nd - 1], s[nd] end
  if layout == 'N' then n = n / s[nd] * (s[nd] + 1); s[nd] = s[nd] + 1 end
  local t = torch.core.fromtable('float64', vals(n, lo or -1, hi or 1), s)
  if layout == 'T' then t = t:transpose(nd - 1, nd) end
  if layout == 'N' then t = t:narrow(nd, 2, shape[nd]) end
  if layout then assert(not t:isContiguous()) end
  return t:requiresGrad(true)
end
-- the same without requiring grad (targets, weights that are data)
local function D(shape, lo, hi) return X(shape, nil, lo, hi):detach() end

local C = {}

-- constants (data without gradient) are made once: gradcheck calls each
-- function many times
local K1 = D({2}, -0.5, 0.5)
local K2 = D({2}, 0.5, 2)
local K3 = D({3, 2}, 0.7, 0.9)
local K4 = D({3, 2}, 0, 1)
local K5 = D({2, 3}, 0, 1)
local K6 = D({2, 3}, 0.5, 2)
local K7 = D({4}, 0, 1)
local K8 = D({3, 2}, 0, 1)
local K9 = D({2, 3}, 0, 1)
local K10 = D({2, 3}, 0.5, 2)
local K11 = D({3}, 0.5, 3)
local K12 = D({4}, 0, 1)
local K13 = D({2, 3})

-- ---- convolutions ----
C.conv1d = {
  {function(x, w, b) return torch.conv1d(x, w, b, 2, 1) end, {X{2, 3, 7}, X{4, 3, 3}, X{4}},
   name = 'stride 2, padding 1'},
  {function(x, w) return torch.conv1d(x, w, nil, 1, 0, 2, 2) end, {X({1, 4, 6}, 'T'), X{2, 2, 2}},
   name = 'groups 2, dilation 2, no bias, non-contiguous input'},
  {function(x, w, b) return torch.conv1d(x, w, b) end, {X{3, 5}, X{2, 3, 2}, X{2}}, name = 'unbatched'},
}
C.conv2d = {
  {function(x, w, b) return torch.conv2d(x, w, b, 1, 1) end, {X{2, 2, 4, 4}, X{3, 2, 3, 3}, X{3}},
   name = 'padding 1'},
  {function(x, w, b) return torch.conv2d(x, w, b, {2, 1}, {1, 0}, {1, 2}) end,
   {X({1, 2, 5, 5}, 'T'), X({2, 2, 2, 2}, 'N'), X{2}},
   name = 'stride {2,1}, padding {1,0}, dilation {1,2}, non-contiguous'},
  {function(x, w) return torch.conv2d(x, w, nil, 1, 0, 1, 2) end, {X{2, 4, 3, 3}, X{2, 2, 2, 2}},
   name = 'groups 2, no bias'},
  {function(x, w, b) return torch.conv2d(x, w, b) end, {X{1, 3, 3}, X{2, 1, 2, 2}, X{2}}, name = 'unbatched'},
}
C.conv3d = {
  {function(x, w, b) return torch.conv3d(x, w, b, 1, 1) end, {X{1, 2, 3, 3, 3}, X{2, 2, 2, 2, 2}, X{2}},
   name = 'padding 1'},
  {function(x, w) return torch.conv3d(x, w, nil, {1, 2, 1}) end, {X({2, 1, 3, 4, 3}, 'T'), X{2, 1, 2, 2, 2}},
   name = 'stride {1,2,1}, no bias, non-contiguous'},
}
C.conv_transpose2d = {
  {function(x, w, b) return torch.conv_transpose2d(x, w, b, 2, 1, 1) end,
   {X{1, 3, 3, 3}, X{3, 2, 3, 3}, X{2}}, name = 'stride 2, padding 1, output padding 1'},
  {function(x, w) return torch.conv_transpose2d(x, w, nil, 1, 0, 0, 2) end,
   {X({2, 4, 3, 2}, 'T'), X{4, 1, 2, 2}}, name = 'groups 2, no bias, non-contiguous'},
  {function(x, w, b) return torch.conv_transpose2d(x, w, b, 1, 0, 0, 1, 2) end,
   {X{2, 3, 3}, X{2, 2, 2, 2}, X{2}}, name = 'dilation 2, unbatched'},
}

-- ---- pooling (first output only: indices have no gradient) ----
local function first(f) return function(...) return (f(...)) end end
C.max_pool2d = {
  {first(function(x) return torch.max_pool2d(x, 2) end), {X{2, 2, 4, 4}}, name = '2x2'},
  {first(function(x) return torch.max_pool2d(x, 3, 2, 1) end), {X({1, 2, 5, 6}, 'T')},
   name = 'overlapping 3x3 stride 2 padding 1, non-contiguous'},
  {first(function(x) return torch.max_pool2d(x, {2, 3}, {2, 2}, 0, 1, true) end), {X{2, 5, 6}},
   name = 'ceil mode, unbatched'},
  {first(function(x) return torch.max_pool2d(x, 2, 1, 0, 2) end), {X{1, 1, 5, 5}}, name = 'dilation 2'},
}
C.avg_pool2d = {
  {function(x) return torch.avg_pool2d(x, 2) end, {X{2, 2, 4, 4}}, name = '2x2'},
  {function(x) return torch.avg_pool2d(x, 3, 2, 1, false, false) end, {X({1, 2, 5, 6}, 'T')},
   name = 'padding not counted, non-contiguous'},
  {function(x) return torch.avg_pool2d(x, {2, 3}, {2, 2}, 1, true, true, 5) end, {X{2, 5, 5}},
   name = 'ceil mode, divisor 5, unbatched'},
}
C.adaptive_avg_pool2d = {
  {function(x) return torch.adaptive_avg_pool2d(x, {2, 3}) end, {X{2, 2, 5, 7}}, name = '5x7 -> 2x3'},
  {function(x) return torch.adaptive_avg_pool2d(x, 2) end, {X({3, 3, 4}, 'T')},
   name = 'unbatched, non-contiguous'},
}
C.adaptive_max_pool2d = {
  {first(function(x) return torch.adaptive_max_pool2d(x, {2, 3}) end), {X{2, 2, 5, 7}}, name = '5x7 -> 2x3'},
  {first(function(x) return torch.adaptive_max_pool2d(x, 3) end), {X({3, 4, 5}, 'N')},
   name = 'unbatched, non-contiguous'},
}
-- indices of a 2x2 max pooling of a 4x4 plane (1-based flat positions)
local idx = L{{{{1, 4}, {10, 15}}, {{6, 3}, {13, 12}}}}
C.max_unpool2d = {
  {function(x) return torch.max_unpool2d(x, idx, {4, 4}) end, {X{1, 2, 2, 2}}, name = '2x2 -> 4x4'},
  {function(x) return torch.max_unpool2d(x, idx[1], {4, 4}) end, {X({2, 2, 2}, 'T')},
   name = 'unbatched, non-contiguous'},
}

-- ---- normalization ----
C.batch_norm = {
  {function(x, w, b) return (torch.batch_norm(x, torch.zeros(3):double(), torch.ones(3):double(), w, b, true)) end,
   {X{4, 3}, X{3}, X{3}}, name = 'training, (N, C)'},
  {function(x, w, b) return (torch.batch_norm(x, nil, nil, w, b, true, 0.1, 1e-3)) end,
   {X({2, 2, 3, 3}, 'T'), X{2}, X{2}}, name = 'training, (N, C, H, W), non-contiguous'},
  {function(x) return (torch.batch_norm(x, nil, nil, nil, nil, true)) end, {X{3, 2, 4}},
   name = 'training, no weight or bias'},
  {function(x, w, b) return (torch.batch_norm(x, K1, K2, w, b, false)) end,
   {X{3, 2, 2, 2}, X{2}, X{2}}, name = 'evaluation: running statistics'},
}
C.layer_norm = {
  {function(x, w, b) return (torch.layer_norm(x, 4, w, b)) end, {X{3, 4}, X{4}, X{4}}, name = 'last dim'},
  {function(x, w, b) return (torch.layer_norm(x, {3, 4}, w, b, 1e-3)) end,
   {X({2, 3, 4}, 'T'), X({3, 4}, 'N'), X{3, 4}}, name = 'last two dims, non-contiguous'},
  {function(x) return (torch.layer_norm(x, 5)) end, {X{5}}, name = '1-D, no weight or bias'},
}

-- ---- softmax ----
C.softmax = {
  {function(x) return torch.softmax(x, 2) end, {X{3, 4}}, name = 'dim 2'},
  {function(x) return torch.softmax(x, 1) end, {X({3, 4}, 'T')}, name = 'dim 1, non-contiguous'},
  {function(x) return torch.softmax(x, 2) end, {X{2, 3, 2}}, name = '3-D middle dim'},
  {function(x) return torch.softmax(x) end, {X{5}}, name = '1-D'},
}
C.log_softmax = {
  {function(x) return torch.log_softmax(x, 2) end, {X{3, 4}}, name = 'dim 2'},
  {function(x) return torch.log_softmax(x, 1) end, {X({3, 4}, 'T')}, name = 'dim 1, non-contiguous'},
  {function(x) return torch.log_softmax(x, 3) end, {X{2, 2, 3}}, name = '3-D last dim'},
  {function(x) return torch.log_softmax(x) end, {X{4}}, name = '1-D'},
}

-- ---- classification losses (targets are 1-based classes) ----
local t4 = L{1, 3, 2, 3}
local cw = torch.DoubleTensor{0.5, 1, 2}
C.nll_loss = {
  {function(x) return (torch.nll_loss(x, t4)) end, {X{4, 3}}, name = 'mean'},
  {function(x) return (torch.nll_loss(x, t4, cw, 'sum')) end, {X({4, 3}, 'T')},
   name = 'class weights, sum, non-contiguous'},
  {function(x) return (torch.nll_loss(x, t4, cw, 'mean', 2)) end, {X{4, 3}},
   name = 'weighted mean, ignore_index 2'},
  {function(x) return (torch.nll_loss(x, L{{1, 2}, {3, 3}}, nil, 'none')) end, {X{2, 3, 2}},
   name = '(N, C, d), none'},
  {function(x) return (torch.nll_loss(x, torch.core.fromtable('int64', {2}, {}))) end, {X{3}},
   name = 'unbatched'},
}
-- cross_entropy returns the loss and the log-probabilities: both have gradients
C.cross_entropy = {
  {function(x) return (torch.cross_entropy(x, t4)) end, {X{4, 3}}, name = 'mean'},
  {function(x) return (torch.cross_entropy(x, t4, cw, 'sum')) end, {X({4, 3}, 'T')},
   name = 'class weights, sum, non-contiguous'},
  {function(x) return (torch.cross_entropy(x, t4, nil, 'mean', 3)) end, {X{4, 3}}, name = 'ignore_index 3'},
  {function(x) return (torch.cross_entropy(x, L{{1, 2}, {3, 1}}, nil, 'none')) end, {X{2, 3, 2}},
   name = '(N, C, d), none'},
  {function(x)
     local l, lp = torch.cross_entropy(x, t4, cw)
     return l, lp
   end, {X{4, 3}}, name = 'loss and log-probabilities'},
}

-- ---- pointwise losses ----
C.mse_loss = {
  {function(x, t) return torch.mse_loss(x, t) end, {X{3, 4}, X{3, 4}}, name = 'mean, target too'},
  {function(x, t) return torch.mse_loss(x, t, 'sum') end, {X({3, 4}, 'T'), X{3, 4}},
   name = 'sum, non-contiguous'},
  {function(x) return torch.mse_loss(x, K13, 'none') end, {X{2, 3}}, name = 'none, constant target'},
}
-- |x - t| away from beta (1 or 0.5)
C.smooth_l1_loss = {
  {function(x, t) return torch.smooth_l1_loss(x, t) end, {X({2, 3}, nil, -1, -0.6), X({2, 3}, nil, 0.6, 1)},
   name = 'linear part, mean, target too'},
  {function(x, t) return torch.smooth_l1_loss(x, t, 'sum') end, {X({3, 2}, nil, -0.3, 0), X({3, 2}, nil, 0, 0.3)},
   name = 'quadratic part, sum'},
  {function(x) return torch.smooth_l1_loss(x, K3, 'none', 0.5) end, {X({3, 2}, 'T', 0, 0.1)},
   name = 'beta 0.5, none, non-contiguous'},
}
C.bce_loss = {
  {function(x) return torch.bce_loss(x, K4) end, {X({3, 2}, nil, 0.1, 0.9)}, name = 'mean'},
  {function(x) return torch.bce_loss(x, K5, K6, 'sum') end,
   {X({2, 3}, 'T', 0.1, 0.9)}, name = 'weights, sum, non-contiguous'},
  {function(x) return torch.bce_loss(x, K7, nil, 'none') end, {X({4}, nil, 0.1, 0.9)},
   name = 'none'},
}
C.bce_with_logits = {
  {function(x) return torch.bce_with_logits(x, K8) end, {X{3, 2}}, name = 'mean'},
  {function(x) return torch.bce_with_logits(x, K9, K10, K11, 'sum') end,
   {X({2, 3}, 'T')}, name = 'weight and pos_weight, sum, non-contiguous'},
  {function(x) return torch.bce_with_logits(x, K12, nil, nil, 'none') end, {X{4}}, name = 'none'},
}

-- ---- activations (values away from the kinks) ----
C.gelu = {
  {torch.gelu, {X{3, 4}}, name = '2-D'},
  {torch.gelu, {X({3, 4}, 'T', -3, 3)}, name = 'non-contiguous, wide range'},
}
C.elu = {
  {function(x) return torch.elu(x) end, {X{3, 4}}, name = 'defaults'},
  {function(x) return torch.elu(x, 0.5, 1.2, 1.5) end, {X({2, 3}, 'T')}, name = 'alpha, scale, input scale'},
}
C.selu = {
  {torch.selu, {X{3, 4}}, name = '2-D'},
  {torch.selu, {X({2, 3, 2}, 'N')}, name = '3-D non-contiguous'},
}
-- |x| >= 0.1: a random value within eps of a kink would spoil the check
local function off_kinks(x, k)
  x = x:detach()
  for _, kink in ipairs(k) do x:add(torch.lt(torch.abs(torch.add(x, -kink)), 0.1):double():mul(0.25)) end
  return x:requiresGrad(true)
end
C.leaky_relu = {
  {function(x) return torch.leaky_relu(x) end, {off_kinks(X{3, 4}, {0})}, name = 'default slope'},
  {function(x) return torch.leaky_relu(x, 0.2) end, {off_kinks(X({2, 3}, 'T'), {0})}, name = 'slope 0.2, non-contiguous'},
}
C.hardtanh = {
  {function(x) return torch.hardtanh(x) end, {off_kinks(X({3, 4}, nil, -2, 2), {-1, 1})}, name = 'defaults'},
  {function(x) return torch.hardtanh(x, -0.5, 0.5) end, {off_kinks(X({2, 3}, 'T'), {-0.5, 0.5})},
   name = '[-0.5, 0.5], non-contiguous'},
}
C.relu6 = {
  {torch.relu6, {off_kinks(X({3, 4}, nil, -2, 8), {0, 6})}, name = 'both kinks'},
}
C.softplus = {
  {function(x) return torch.softplus(x) end, {X{3, 4}}, name = 'defaults'},
  {function(x) return torch.softplus(x, 2, 1) end, {off_kinks(X({2, 3}, 'T'), {0.5})},
   name = 'beta 2, threshold 1 (linear part), non-contiguous'},
}

-- ---- recurrent cells: h' and c' (gates and workspaces have no gradient) ----
local function two(f) return function(...) local a, b = f(...) return a, b end end
C.lstm_cell = {
  {two(torch.lstm_cell), {X{2, 3}, X{2, 4}, X{2, 4}, X{16, 3}, X{16, 4}, X{16}, X{16}}, name = 'with biases'},
  {two(function(x, h, c, wi, wh) return torch.lstm_cell(x, h, c, wi, wh) end),
   {X({2, 3}, 'T'), X{2, 2}, X({2, 2}, 'N'), X{8, 3}, X({8, 2}, 'T')}, name = 'no biases, non-contiguous'},
}
C.lstm_pointwise = {
  {two(torch.lstm_pointwise), {X{2, 16}, X{2, 4}}, name = '(2, 16)'},
  {two(torch.lstm_pointwise), {X({3, 8}, 'N'), X({3, 2}, 'T')}, name = 'non-contiguous'},
}
C.gru_cell = {
  {first(torch.gru_cell), {X{2, 3}, X{2, 4}, X{12, 3}, X{12, 4}, X{12}, X{12}}, name = 'with biases'},
  {first(function(x, h, wi, wh) return torch.gru_cell(x, h, wi, wh) end),
   {X({2, 3}, 'T'), X{2, 2}, X{6, 3}, X({6, 2}, 'T')}, name = 'no biases, non-contiguous'},
}

return C
