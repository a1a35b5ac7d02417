-- nn.TransformerEncoderLayer(dModel, nhead [, dimFeedforward = 2048] [, dropout = 0.1]
--   [, activation = 'relu'] [, layerNormEps = 1e-5] [, batchFirst = false] [, normFirst = false])
-- or nn.TransformerEncoderLayer(dModel, nhead, {dimFeedforward=, dropout=, activation=,
--   layerNormEps=, batchFirst=, normFirst=}): PyTorch's encoder layer,
--   post-norm: x = norm1(x + sa(x));  x = norm2(x + ff(x))
--   pre-norm (normFirst): x = x + sa(norm1(x));  x = x + ff(norm2(x))
-- with sa(x) = dropout1(selfAttention(x)), ff(x) = dropout2(linear2(dropout(act(linear1(x))))),
-- activation 'relu' or 'gelu' (or a module). A container of its parts
-- (self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2),
-- so parameters() lists them in PyTorch's order.
-- Torch7: forward(src), masks as fields set before (self.srcMask L x L or
-- N·nhead x L x L, self.srcKeyPaddingMask N x L; as nn.MultiheadAttention's);
-- PyTorch: layer(src [, srcMask] [, srcKeyPaddingMask]).
local nn = nn
local TEL, parent = torch.class('nn.TransformerEncoderLayer', 'nn.Container')

function TEL:__init(dModel, nhead, dimFeedforward, dropout, activation, eps, batchFirst, normFirst)
  parent.__init(self)
  if type(dModel) ~= 'number' or type(nhead) ~= 'number' then
    error('nn.TransformerEncoderLayer: expected (dModel, nhead), two numbers', 2)
  end
  local o = type(dimFeedforward) == 'table' and dimFeedforward or
            {dimFeedforward = dimFeedforward, dropout = dropout, activation = activation,
             layerNormEps = eps, batchFirst = batchFirst, normFirst = normFirst}
  local dff = o.dimFeedforward or o.dim_feedforward or 2048
  local p = o.dropout or 0.1
  eps = o.layerNormEps or o.layer_norm_eps or 1e-5
  self.batchFirst = (o.batchFirst or o.batch_first) and true or false
  self.normFirst = (o.normFirst or o.norm_first) and true or false
  local act = o.activation or 'relu'
  if act == 'relu' then act = nn.ReLU()
  elseif act == 'gelu' then act = nn.GELU()
  elseif type(act) ~= 'table' or not act.updateOutput then
    error("nn.TransformerEncoderLayer: activation must be 'relu', 'gelu' or a module", 2)
  end
  self.self_attn = nn.MultiheadAttention(dModel, nhead, {dropout = p, batchFirst = self.batchFirst})
  self.linear1 = nn.Linear(dModel, dff)
  self.dropout = nn.Dropout(p)
  self.linear2 = nn.Linear(dff, dModel)
  self.norm1 = nn.LayerNorm(dModel, eps)
  self.norm2 = nn.LayerNorm(dModel, eps)
  self.dropout1 = nn.Dropout(p)
  self.dropout2 = nn.Dropout(p)
  self.activation = act
  for _, m in ipairs({self.self_attn, self.linear1, self.dropout, self.linear2, self.norm1,
                      self.norm2, self.dropout1, self.dropout2, act}) do
    self:add(m)
  end
end

function TEL:updateOutput(input)
  self:_begin()
  local src, srcMask, kpm = input, self.srcMask, self.srcKeyPaddingMask
  if not torch.isTensor(src) then
    error('nn.TransformerEncoderLayer: expected a tensor (set srcMask / srcKeyPaddingMask '
          .. 'as fields, or call layer(src, srcMask, srcKeyPaddingMask))', 3)
  end
  local run = function(m, x) return self:_run(m, x) end
  local sa = self.self_attn
  local function selfAttention(x)
    sa.attnMask, sa.keyPaddingMask, sa.needWeights = srcMask, kpm, false
    local y = run(sa, x)
    sa.attnMask, sa.keyPaddingMask, sa.needWeights = nil, nil, nil
    return run(self.dropout1, y)
  end
  local function feedForward(x)
    local h = run(self.dropout, run(self.activation, run(self.linear1, x)))
    return run(self.dropout2, run(self.linear2, h))
  end
  -- the Linears see 2-D rows: fold every leading dim
  local function rows(f, x)
    local size = x:size():totable()
    local y = f(x:reshape(x:nElement() / size[#size], size[#size]))
    return y:view(torch.LongStorage(size))
  end
  local x = src
  if self.normFirst then
    x = torch.add(x, selfAttention(run(self.norm1, x)))
    x = torch.add(x, rows(feedForward, run(self.norm2, x)))
  else
    x = run(self.norm1, torch.add(x, selfAttention(x)))
    x = run(self.norm2, torch.add(x, rows(feedForward, x)))
  end
  self.output = x
  return x
end

-- layer(src [, srcMask] [, srcKeyPaddingMask]) as PyTorch
function TEL:__call__(src, srcMask, kpm)
  if not torch.isTensor(src) then return parent.__call__(self, src, srcMask, kpm) end
  local saved = {self.srcMask, self.srcKeyPaddingMask}
  self.srcMask, self.srcKeyPaddingMask = srcMask, kpm
  local ok, out = pcall(parent.__call__, self, src)
  self.srcMask, self.srcKeyPaddingMask = saved[1], saved[2]
  if not ok then error(out, 0) end
  return out
end

-- stateDict names as PyTorch's: the parts by field name
function TEL:_stateChildren()
  local list = {}
  for _, k in ipairs({'self_attn', 'linear1', 'linear2', 'norm1', 'norm2'}) do
    list[#list + 1] = {k, self[k]}
  end
  return list
end

function TEL:__tostring__()
  return string.format('nn.TransformerEncoderLayer(%d, %d heads, feedforward %d%s)',
                       self.self_attn.embedDim, self.self_attn.numHeads,
                       self.linear1.weight:size(1), self.normFirst and ', normFirst' or '')
end

return TEL
