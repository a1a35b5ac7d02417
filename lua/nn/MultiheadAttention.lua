-- nn.MultiheadAttention(embedDim, numHeads [, dropout = 0] [, bias = true] [, batchFirst = false])
-- or nn.MultiheadAttention(embedDim, numHeads, {dropout=, bias=, batchFirst=}): PyTorch's
-- multi-head attention, built from recorded tensor ops (gemm, bmm, softmax),
-- so its backward comes from the tape.
--   out = softmax(q·kᵀ/√d + masks)·v per head, heads joined, then out_proj
-- Inputs are L x N x E (S x N x E for key/value), or N x L x E with
-- batchFirst; a 2-D (L x E) input is one unbatched sequence.
-- Torch7 interface: forward(x) (self-attention) or forward({query, key, value});
-- masks are fields set before the call (self.keyPaddingMask, self.attnMask);
-- the output is the attention output, the weights are left in self.attnWeights.
-- PyTorch interface: mha(query, key, value [, {keyPaddingMask=, attnMask=,
-- needWeights=true, averageAttnWeights=true}]) -> output, weights.
-- Masks: keyPaddingMask N x S, attnMask L x S or N·numHeads x L x S; a bool
-- (or byte) mask is true where attention is NOT allowed, a float mask is
-- added to the scores. Weights are averaged over heads (N x L x S) unless
-- averageAttnWeights = false (N x numHeads x L x S); like PyTorch 1.13 they
-- are taken after dropout.
local nn = nn
local F = nn.F
local MHA, parent = torch.class('nn.MultiheadAttention', 'nn.Module')

local names = {'in_proj_weight', 'in_proj_bias', 'out_proj_weight', 'out_proj_bias'}
local gradNames = {'gradInProjWeight', 'gradInProjBias', 'gradOutProjWeight', 'gradOutProjBias'}

function MHA:__init(embedDim, numHeads, dropout, bias, batchFirst)
  parent.__init(self)
  if type(embedDim) ~= 'number' or type(numHeads) ~= 'number' or embedDim < 1 or numHeads < 1 then
    error('nn.MultiheadAttention: expected (embedDim, numHeads), two positive numbers', 2)
  end
  if embedDim % numHeads ~= 0 then
    error(string.format('nn.MultiheadAttention: embedDim (%d) must be divisible by numHeads (%d)',
                        embedDim, numHeads), 2)
  end
  local o = type(dropout) == 'table' and dropout or
            {dropout = dropout, bias = bias, batchFirst = batchFirst}
  self.embedDim, self.numHeads, self.headDim = embedDim, numHeads, embedDim / numHeads
  self.dropout = o.dropout or 0
  if self.dropout < 0 or self.dropout >= 1 then
    error('nn.MultiheadAttention: dropout must be in [0, 1), got ' .. self.dropout, 2)
  end
  self.batchFirst = (o.batchFirst or o.batch_first) and true or false
  self.hasBias = o.bias ~= false
  self.in_proj_weight = torch.Tensor(3 * embedDim, embedDim)
  self.out_proj_weight = torch.Tensor(embedDim, embedDim)
  if self.hasBias then
    self.in_proj_bias = torch.Tensor(3 * embedDim)
    self.out_proj_bias = torch.Tensor(embedDim)
  end
  for i, n in ipairs(names) do
    if self[n] then self[gradNames[i]] = torch.zeros(self[n]:size()) end
  end
  self:reset()
  self:_linkGrads()
end

function MHA:parameters()
  local ps, gs = {}, {}
  for i, n in ipairs(names) do
    if self[n] then
      ps[#ps + 1] = self[n]
      gs[#gs + 1] = self[gradNames[i]]
    end
  end
  return ps, gs
end

-- PyTorch's initialisation: xavier-uniform in_proj, out_proj as a Linear
-- (uniform ±1/√E), zero biases
function MHA:reset()
  local E = self.embedDim
  torch.no_grad(function()
    local a = math.sqrt(6 / (E + 3 * E))
    self.in_proj_weight:uniform(-a, a)
    self.out_proj_weight:uniform(-1 / math.sqrt(E), 1 / math.sqrt(E))
    if self.hasBias then
      self.in_proj_bias:zero()
      self.out_proj_bias:zero()
    end
  end)
  return self
end

local function isFloat(t) local d = t:dtype() return d == 'float32' or d == 'float64' end

-- an additive float mask (no history) from a bool/byte or float mask
local function additive(mask, like, what)
  if not torch.isTensor(mask) then
    error('nn.MultiheadAttention: ' .. what .. ' must be a tensor', 4)
  end
  if isFloat(mask) then return mask:type(like:type()) end
  local m = mask:dtype() == 'bool' and mask or mask:ne(0)
  return torch.zeros(m:size()):type(like:type()):maskedFill(m, -math.huge)
end

local function checkSize(t, want, what)
  local got = t:size():totable()
  local ok = #got == #want
  for i = 1, #want do ok = ok and got[i] == want[i] end
  if not ok then
    error(string.format('nn.MultiheadAttention: %s has size %s, expected %s', what,
                        table.concat(got, 'x'), table.concat(want, 'x')), 4)
  end
end

-- q (L x N x E), k and v (S x N x E) -> out (L x N x E), weights (N x H x L x S)
function MHA:_attend(q, k, v, selfAttn, kpm, am)
  local E, H, d = self.embedDim, self.numHeads, self.headDim
  local L, N, S = q:size(1), q:size(2), k:size(1)
  local W, b = self.in_proj_weight, self.in_proj_bias
  local function proj(x, i)   -- rows i·E+1 .. (i+1)·E of the packed projection
    return F.linear(x:reshape(x:size(1) * N, E), W:narrow(1, i * E + 1, E),
                    b and b:narrow(1, i * E + 1, E) or nil)
  end
  local pq, pk, pv
  if selfAttn then   -- one gemm for the three projections
    local p = F.linear(q:reshape(L * N, E), W, b)
    pq, pk, pv = p:narrow(2, 1, E), p:narrow(2, E + 1, E), p:narrow(2, 2 * E + 1, E)
  else
    pq, pk, pv = proj(q, 0), proj(k, 1), proj(v, 2)
  end
  -- (len·N, E) -> (N·H, len, d): head h of batch n is row n·H + h
  local function heads(x, len) return x:reshape(len, N * H, d):transpose(1, 2) end
  pq, pk, pv = heads(pq, L), heads(pk, S), heads(pv, S)
  local scores = torch.bmm(torch.mul(pq, 1 / math.sqrt(d)), pk:transpose(2, 3))
  local mask
  if am then
    if am:dim() == 2 then checkSize(am, {L, S}, 'attnMask')
    else checkSize(am, {N * H, L, S}, 'attnMask') end
    mask = additive(am, scores, 'attnMask')
  end
  if kpm then
    checkSize(kpm, {N, S}, 'keyPaddingMask')
    local k2 = additive(kpm, scores, 'keyPaddingMask'):view(N, 1, 1, S):expand(N, H, 1, S)
                 :reshape(N * H, 1, S)
    mask = mask and torch.add(mask, k2) or k2
  end
  if mask then scores = torch.add(scores, mask) end
  local attn = F.softmax(scores, 3)
  if self.train ~= false and self.dropout > 0 then
    local keep = torch.zerosLike(attn):bernoulli(1 - self.dropout):div(1 - self.dropout)
    attn = torch.mul(attn, keep)
  end
  local out = torch.bmm(attn, pv)                          -- (N·H, L, d)
  out = out:transpose(1, 2):reshape(L * N, E)
  out = F.linear(out, self.out_proj_weight, self.out_proj_bias):view(L, N, E)
  return out, attn:view(N, H, L, S)
end

-- input: a tensor (self-attention) or {query, key, value}
function MHA:updateOutput(input)
  local q, k, v, selfAttn
  if torch.isTensor(input) then q, k, v, selfAttn = input, input, input, true
  elseif type(input) == 'table' and torch.isTensor(input[1]) then
    q, k, v = input[1], input[2] or input[1], input[3] or input[2] or input[1]
    selfAttn = q == k and k == v
  else
    error('nn.MultiheadAttention: expected a tensor or a table {query, key, value}', 3)
  end
  local E = self.embedDim
  local unbatched = q:dim() == 2
  for _, t in ipairs({{q, 'query'}, {k, 'key'}, {v, 'value'}}) do
    local x, what = t[1], t[2]
    if x:dim() ~= (unbatched and 2 or 3) or x:size(x:dim()) ~= E then
      error(string.format('nn.MultiheadAttention: %s must be %s with embedDim %d last, got %s',
                          what, unbatched and '2-D' or '3-D', E,
                          table.concat(x:size():totable(), 'x')), 3)
    end
  end
  if k:size(1) ~= v:size(1) or (not unbatched and k:size(2) ~= v:size(2)) then
    error('nn.MultiheadAttention: key and value sizes differ', 3)
  end
  local kpm, am = self.keyPaddingMask, self.attnMask
  if unbatched then
    q, k, v = q:view(q:size(1), 1, E), k:view(k:size(1), 1, E), v:view(v:size(1), 1, E)
    if kpm then kpm = kpm:view(1, kpm:nElement()) end
  elseif self.batchFirst then
    q, k, v = q:transpose(1, 2), k:transpose(1, 2), v:transpose(1, 2)
  end
  if q:size(2) ~= k:size(2) then error('nn.MultiheadAttention: query and key batch sizes differ', 3) end
  local out, w = self:_attend(q, k, v, selfAttn, kpm, am)
  if unbatched then out = out:view(out:size(1), E)
  elseif self.batchFirst then out = out:transpose(1, 2) end
  if self.needWeights ~= false then
    if self.averageAttnWeights ~= false then w = torch.div(w:sum(2), self.numHeads):select(2, 1) end
    if unbatched then w = w:select(1, 1) end
    self.attnWeights = w
  else
    self.attnWeights = nil
  end
  self.output = out
  return out
end

-- mha(query, key, value [, opts]) -> output, weights (PyTorch's call)
function MHA:__call__(q, k, v, opts)
  if not torch.isTensor(q) then return parent.__call__(self, q, k, v, opts) end
  opts = opts or {}
  local saved = {self.keyPaddingMask, self.attnMask, self.needWeights, self.averageAttnWeights}
  self.keyPaddingMask = opts.keyPaddingMask or opts.key_padding_mask
  self.attnMask = opts.attnMask or opts.attn_mask
  local nw, avg = opts.needWeights, opts.averageAttnWeights
  if nw == nil then nw = opts.need_weights end
  if avg == nil then avg = opts.average_attn_weights end
  self.needWeights, self.averageAttnWeights = nw, avg
  local ok, out = pcall(parent.__call__, self, {q, k or q, v or k or q})
  self.keyPaddingMask, self.attnMask, self.needWeights, self.averageAttnWeights =
    saved[1], saved[2], saved[3], saved[4]
  if not ok then error(out, 0) end
  return out, self.attnWeights
end

-- stateDict names as PyTorch's (out_proj is a Linear there)
local stateNames = {out_proj_weight = 'out_proj.weight', out_proj_bias = 'out_proj.bias'}
function MHA:_stateName(field) return stateNames[field] or field end

function MHA:__tostring__()
  return string.format('nn.MultiheadAttention(%d, %d heads%s%s)', self.embedDim, self.numHeads,
                       self.dropout > 0 and string.format(', dropout %g', self.dropout) or '',
                       self.batchFirst and ', batchFirst' or '')
end

return MHA
