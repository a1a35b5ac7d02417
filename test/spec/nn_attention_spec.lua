-- nn.MultiheadAttention and nn.TransformerEncoderLayer: Jacobians (gradcheck
-- in float64, both interfaces) and outputs against PyTorch 1.13 with the same
-- deterministic inputs and weights (test/data/attention_reference.lua, made
-- by test/gen_attention_reference.py; the formulas are repeated here).
local U = require 'testutil'
require 'nn'
local REF = dofile((os.getenv('LUTORCH_SOURCE') or '.') .. '/test/data/attention_reference.lua')

local function wave(size, a, f, p)
  local t = torch.DoubleTensor(torch.LongStorage(size))
  local flat = t:view(t:nElement())
  for i = 1, t:nElement() do flat[i] = a * math.sin(f * (i - 1) + p) end
  return t
end

local function setWeights(m)
  torch.no_grad(function()
    for k, p in ipairs(m:parameters()) do
      local flat = p:view(p:nElement())
      for i = 1, p:nElement() do flat[i] = 0.4 * math.sin(1.3 * k + 0.37 * (i - 1) + 0.1) end
    end
  end)
  return m
end

local function causal(n)
  local m = torch.BoolTensor(n, n):fill(false)
  for i = 1, n do for j = i + 1, n do m[i][j] = true end end
  return m
end

local function bools(rows)
  local t = torch.BoolTensor(#rows, #rows[1])
  for i, r in ipairs(rows) do for j, v in ipairs(r) do t[i][j] = v end end
  return t
end

local function same(got, ref, refSize, tol)
  assert.are.same(refSize, got:size():totable())
  U.near(got:contiguous():view(got:nElement()), torch.DoubleTensor(ref), tol or 1e-12)
end

describe('nn.MultiheadAttention', function()
  it('matches PyTorch: self-attention, averaged weights', function()
    local m = setWeights(nn.MultiheadAttention(8, 2):double())
    local x = wave({4, 3, 8}, 0.5, 0.7, 0.3)
    local o, w = m(x, x, x)
    same(o, REF.mha_self.out, REF.mha_self.size)
    same(w, REF.mha_self.weights, REF.mha_self.wsize)
  end)

  it('matches PyTorch: batch first, key padding and float attention masks, per-head weights', function()
    local m = setWeights(nn.MultiheadAttention(8, 4, {batchFirst = true}):double())
    local q, k, v = wave({2, 3, 8}, 0.5, 0.7, 0.3), wave({2, 5, 8}, 0.6, 0.45, 1.1),
                    wave({2, 5, 8}, 0.7, 0.29, -0.4)
    local kpm = bools({{false, false, false, false, true}, {false, false, true, false, true}})
    local o, w = m(q, k, v, {keyPaddingMask = kpm, attnMask = wave({3, 5}, 0.8, 1.7, 0.2),
                             averageAttnWeights = false})
    same(o, REF.mha_cross.out, REF.mha_cross.size)
    same(w, REF.mha_cross.weights, REF.mha_cross.wsize)
  end)

  it('matches PyTorch: no bias, causal bool mask (Torch7 forward with mask fields)', function()
    local m = setWeights(nn.MultiheadAttention(6, 3, 0, false):double())
    assert.are.equal(2, #m:parameters())
    m.attnMask = causal(4)
    local o = m:forward(wave({4, 2, 6}, 0.9, 0.53, 0.0))
    same(o, REF.mha_causal.out, REF.mha_causal.size)
    same(m.attnWeights, REF.mha_causal.weights, REF.mha_causal.wsize)
  end)

  it('returns no weights with needWeights = false, and takes unbatched input', function()
    local m = nn.MultiheadAttention(4, 2):double()
    local x = torch.randn(3, 4):double()
    local o, w = m(x, x, x, {needWeights = false})
    assert.is_nil(w)
    assert.are.same({3, 4}, o:size():totable())
    local o2, w2 = m(x, x, x)
    assert.are.same({3, 3}, w2:size():totable())
    U.near(o, o2, 1e-12)
  end)

  it('dropout zeroes weights in training only', function()
    torch.manualSeed(3)
    local m = nn.MultiheadAttention(4, 2, 0.5)
    local x = torch.randn(6, 2, 4)
    local _, w = m(x, x, x, {averageAttnWeights = false})
    assert.is_true(w:eq(0):sum() > 0)
    m:evaluate()
    _, w = m(x, x, x, {averageAttnWeights = false})
    assert.are.equal(0, w:eq(0):sum())
  end)

  torch.manualSeed(5)
  local R = function(...) return torch.randn(...):double() end
  local jac = {
    {'self-attention', function() return nn.MultiheadAttention(4, 2), R(3, 2, 4) end},
    {'cross-attention, batch first', function()
       return nn.MultiheadAttention(4, 2, {batchFirst = true}), {R(2, 3, 4), R(2, 2, 4), R(2, 2, 4)}
     end},
    {'masks, no bias', function()
       local m = nn.MultiheadAttention(4, 1, 0, false)
       m.attnMask = causal(3)
       m.keyPaddingMask = bools({{false, false, true}, {false, false, false}})
       return m, R(3, 2, 4)
     end},
  }
  U.jacobian_cases(jac)

  U.error_cases({
    {'embedDim not divisible by numHeads', function() nn.MultiheadAttention(6, 4) end,
     'nn.MultiheadAttention', 'divisible'},
    {'a wrong embedding size', function() nn.MultiheadAttention(4, 2):forward(torch.randn(3, 2, 5)) end,
     'nn.MultiheadAttention', 'embedDim 4'},
    {'a key padding mask of the wrong size', function()
       local m = nn.MultiheadAttention(4, 2)
       local x = torch.randn(3, 2, 4)
       m(x, x, x, {keyPaddingMask = torch.BoolTensor(2, 4):fill(false)})
     end, 'nn.MultiheadAttention', 'keyPaddingMask has size 2x4, expected 2x3'},
    {'an attention mask of the wrong size', function()
       local m = nn.MultiheadAttention(4, 2)
       local x = torch.randn(3, 2, 4)
       m(x, x, x, {attnMask = torch.zeros(3, 4)})
     end, 'nn.MultiheadAttention', 'attnMask'},
  })
end)

describe('nn.TransformerEncoderLayer', function()
  it('matches PyTorch: post-norm, ReLU, batch first, key padding mask', function()
    local t = setWeights(nn.TransformerEncoderLayer(8, 2, {dimFeedforward = 16, dropout = 0,
                                                           batchFirst = true}):double())
    local o = t(wave({2, 4, 8}, 0.8, 0.61, 0.5), nil,
                bools({{false, false, false, true}, {false, false, false, false}}))
    same(o, REF.tel_post_relu.out, REF.tel_post_relu.size)
  end)

  it('matches PyTorch: pre-norm, GELU, causal mask (Torch7 forward)', function()
    local t = setWeights(nn.TransformerEncoderLayer(8, 2, 16, 0, 'gelu', nil, false, true):double())
    t.srcMask = causal(4)
    local o = t:forward(wave({4, 2, 8}, 0.8, 0.61, 0.5))
    same(o, REF.tel_pre_gelu.out, REF.tel_pre_gelu.size)
  end)

  it('lists its parameters in PyTorch order', function()
    local t = nn.TransformerEncoderLayer(8, 2, 16)
    local sizes = {}
    for _, p in ipairs(t:parameters()) do sizes[#sizes + 1] = table.concat(p:size():totable(), 'x') end
    assert.are.same({'24x8', '24', '8x8', '8', '16x8', '16', '8x16', '8', '8', '8', '8', '8'}, sizes)
  end)

  it('names its stateDict entries as PyTorch', function()
    assert.are.same({'self_attn.in_proj_weight', 'self_attn.in_proj_bias', 'self_attn.out_proj.weight',
                     'self_attn.out_proj.bias', 'linear1.weight', 'linear1.bias', 'linear2.weight',
                     'linear2.bias', 'norm1.weight', 'norm1.bias', 'norm2.weight', 'norm2.bias'},
                    nn.TransformerEncoderLayer(8, 2, 16):stateDictKeys())
  end)

  torch.manualSeed(6)
  for _, normFirst in ipairs({false, true}) do
    local name = normFirst and 'pre-norm GELU' or 'post-norm ReLU'
    local function make()
      return nn.TransformerEncoderLayer(4, 2, 6, 0, normFirst and 'gelu' or 'relu', nil, false,
                                        normFirst), torch.randn(3, 2, 4):double()
    end
    U.jacobian_cases({{name, make}})
  end

  U.error_cases({
    {'an unknown activation', function() nn.TransformerEncoderLayer(4, 2, 8, 0, 'swish') end,
     'nn.TransformerEncoderLayer', 'activation'},
  })
end)
