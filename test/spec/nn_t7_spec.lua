-- Torch7 nn models through lutorch's own modules: the files in
-- test/data/t7 (written by the original Torch7) run nn's forward and give
-- the outputs Torch7 saved; Torch7 layouts the files do not cover (old
-- SpatialConvolutionMM, BatchNormalization's running_std, rnn's LSTMs) are
-- crafted byte-compatibly and checked against plain-Lua references.
local U = require 'testutil'
local H = require 'io_helpers'
require 'nn'

local DIR = (os.getenv('LUTORCH_SOURCE') or '.') .. '/test/data/t7/'
local function load(name, ...) return torch.load(DIR .. name, ...) end
local function vals(t) return t:double():totable() end

local function classes(m)
  local r = {}
  for i, c in ipairs(m.modules) do r[i] = torch.typename(c) end
  return r
end

describe('nn from Torch7 files: real files', function()
  it('mlp.t7 runs forward to Torch7\'s output', function()
    local m, io_ = load('mlp.t7'), load('mlp_io.t7')
    assert.is_true(torch.isTypeOf(m, 'nn.Sequential'))
    assert.are.same({'nn.Linear', 'nn.ReLU', 'nn.Linear', 'nn.LogSoftMax'}, classes(m))
    U.near(m:forward(io_.input), io_.output, 1e-5)
  end)

  it('mlp.ascii.t7 gives the same output', function()
    local m, io_ = load('mlp.ascii.t7', 'ascii'), load('mlp_io.t7')
    U.near(m:forward(io_.input), io_.output, 1e-5)
    U.near(load('mlp.ascii.t7'):forward(io_.input), io_.output, 1e-5)
  end)

  it('cnn.t7 (conv, batch norm, pooling, view) runs forward in evaluate mode', function()
    local m, io_ = load('cnn.t7'), load('cnn_io.t7')
    assert.are.same({'nn.SpatialConvolution', 'nn.SpatialBatchNormalization', 'nn.ReLU',
                     'nn.SpatialMaxPooling', 'nn.View', 'nn.Linear', 'nn.SoftMax'}, classes(m))
    assert.is_false(m.train)
    assert.is_false(m.modules[2].train)
    assert.are.same({96}, m.modules[5].size)
    assert.is_nil(m.modules[1].finput)
    U.near(m:forward(io_.input), io_.output, 1e-5)
    assert.is_truthy(tostring(m):find('nn.View(96)', 1, true))
  end)

  it('double_model.t7 keeps float64 and computes tanh(Wx + b)', function()
    local m = load('double_model.t7')
    local lin = m.modules[1]
    assert.are.equal('torch.DoubleTensor', lin.weight:type())
    local x = torch.DoubleTensor({{0.5, -1.25}, {2, 0.75}, {-3, 1}})
    local y = m:forward(x)
    assert.are.equal('torch.DoubleTensor', y:type())
    local W, b, X, Y = vals(lin.weight), vals(lin.bias), vals(x), vals(y)
    for n = 1, 3 do
      for o = 1, 2 do
        local s = b[o] + W[o][1] * X[n][1] + W[o][2] * X[n][2]
        assert(math.abs(math.tanh(s) - Y[n][o]) < 1e-5)
      end
    end
  end)

  it('a loaded model trains: parameters become leaves with their gradWeight as grad', function()
    local m = load('cnn.t7'):training()
    local x, y = load('cnn_io.t7').input, torch.LongTensor({3, 7})
    local crit = nn.ClassNLLCriterion()
    local conv = m.modules[1]
    m:zeroGradParameters()
    local out = m:forward(x)
    local before = torch.no_grad(function() return conv.weight:clone() end)
    local logp = torch.log(out)
    local loss = crit(logp, y)
    loss:backward()
    assert.is_true(conv.weight.requires_grad)
    assert.are.equal(conv.gradWeight:storage():data(), conv.weight.grad:storage():data())
    assert(conv.gradWeight:norm() > 0, 'no gradient reached the loaded convolution')
    m:updateParameters(0.1)
    assert(U.maxdiff(before, conv.weight) > 0)
    -- the Torch7 interface too
    local p, g = m:getParameters()
    g:zero()
    out = m:forward(x)
    m:backward(x, torch.onesLike(out))
    assert(g:norm() > 0)
    assert.are.equal(p:nElement(), g:nElement())
  end)

  it('round-trips through Torch7\'s format written by lutorch', function()
    local m, io_ = load('cnn.t7'), load('cnn_io.t7')
    local path = H.tmp('cnn_again.t7')
    torch.save(path, m, 'torch7')
    U.near(torch.load(path):forward(io_.input), io_.output, 1e-5)
    local lstm = nn.LSTM(3, 4, 2)
    torch.save(path, lstm, 'torch7')
    local x = torch.randn(5, 2, 3)
    U.near(torch.load(path):forward(x), lstm:forward(x), 1e-6)
  end)
end)

-- crafting Torch7 objects: a registered class whose name has the length
-- of the Torch7 name is written by torch.serialize(.., 'torch7'), then its
-- name string is replaced by the Torch7 one in the bytes
local renames = {}
local function t7obj(name, fields)
  local fake = 'z' .. name:sub(2)
  if not torch.getmetatable(fake) then torch.class(fake) end
  renames[fake] = name
  return setmetatable(fields, torch.getmetatable(fake))
end
local function t7load(o)
  local s = torch.serialize(o, 'torch7')
  for fake, name in pairs(renames) do
    local a, b = H.i32(#fake) .. fake, H.i32(#name) .. name
    local at = s:find(a, 1, true)
    while at do
      s = s:sub(1, at - 1) .. b .. s:sub(at + #a)
      at = s:find(a, at + #b, true)
    end
  end
  return torch.deserialize(s)
end
local function seq(n, scale, shift) -- deterministic values
  local r = {}
  for k = 1, n do r[k] = math.sin(k * 1.7 + (shift or 0)) * (scale or 1) end
  return r
end
local function T(sizes, scale, shift)
  local n = 1
  for _, s in ipairs(sizes) do n = n * s end
  return torch.Tensor(seq(n, scale, shift)):view(unpack(sizes)):contiguous()
end

describe('nn from Torch7 files: crafted layouts', function()
  it('SpatialConvolutionMM with a 2-D weight and the old padding field', function()
    local nIn, nOut, kH, kW = 2, 3, 2, 3
    local w = T({nOut, nIn * kH * kW}, 0.5)
    local m = t7load(t7obj('nn.SpatialConvolutionMM', {
      nInputPlane = nIn, nOutputPlane = nOut, kW = kW, kH = kH, dW = 1, dH = 1, padding = 1,
      weight = w, bias = T({nOut}, 1, 2), gradWeight = torch.zeros(nOut, nIn * kH * kW),
      gradBias = torch.zeros(nOut), finput = torch.Tensor(), fgradInput = torch.Tensor(),
      output = torch.Tensor(), gradInput = torch.Tensor(), _type = 'torch.FloatTensor'}))
    assert.are.equal('nn.SpatialConvolutionMM', torch.typename(m))
    assert.are.same({nOut, nIn, kH, kW}, m.weight:size():totable())
    assert.are.same({1, 1}, {m.padW, m.padH})
    local x = T({1, nIn, 4, 5}, 1, 3)
    local y = m:forward(x)
    assert.are.same({1, nOut, 5, 5}, y:size():totable())
    -- plain-Lua reference on the 2-D layout (column = (c·kH + i)·kW + j)
    local X, W, B, Y = vals(x)[1], vals(w), vals(m.bias), vals(y)[1]
    for o = 1, nOut do for r = 1, 5 do for c = 1, 5 do
      local s = B[o]
      for ch = 1, nIn do for i = 1, kH do for j = 1, kW do
        local yy, xx = r + i - 2, c + j - 2
        if yy >= 1 and yy <= 4 and xx >= 1 and xx <= 5 then
          s = s + W[o][((ch - 1) * kH + (i - 1)) * kW + j] * X[ch][yy][xx]
        end
      end end end
      assert(math.abs(s - Y[o][r][c]) < 1e-5, string.format('%d,%d,%d: %g vs %g', o, r, c, s, Y[o][r][c]))
    end end end
  end)

  it('BatchNormalization from before running_var (running_std = 1/sqrt(var + eps))', function()
    local m = t7load(t7obj('nn.BatchNormalization', {
      running_mean = torch.Tensor({0.5, -1, 2}), running_std = torch.Tensor({2, 0.5, 1}),
      weight = torch.Tensor({1, 2, -1}), bias = torch.Tensor({0, 0.5, 1}), eps = 1e-5,
      momentum = 0.1, affine = true, train = false, output = torch.Tensor(), gradInput = torch.Tensor()}))
    assert.is_nil(m.running_std)
    local x = torch.Tensor({{1, 2, 3}, {-1, 0, 1}})
    local y = vals(m:forward(x))
    local X = vals(x)
    local mean, istd, g, b = {0.5, -1, 2}, {2, 0.5, 1}, {1, 2, -1}, {0, 0.5, 1}
    for n = 1, 2 do for c = 1, 3 do
      assert(math.abs((X[n][c] - mean[c]) * istd[c] * g[c] + b[c] - y[n][c]) < 1e-4)
    end end
  end)

  it('cudnn modules load as nn ones; train defaults to true', function()
    local m = t7load(t7obj('cudnn.ReLU', {inplace = true, output = torch.Tensor(), _type = 'torch.CudaTensor'}))
    assert.are.equal('nn.ReLU', torch.typename(m))
    assert.is_true(m.train)
    assert.are.equal('torch.FloatTensor', m._type)
  end)

  it('keeps a clear error for what it cannot map', function()
    U.raises(function()
      t7load(t7obj('nn.SpatialAveragePooling', {kW = 2, kH = 2, dW = 2, dH = 2, divide = false}))
    end, 'nn.SpatialAveragePooling', 'sum pooling')
  end)
end)

-- rnn's LSTMs ------------------------------------------------------------------------
local D, Hd, Tn, B = 3, 2, 4, 2
local function sigmoid(v) return 1 / (1 + math.exp(-v)) end

-- plain-Lua LSTM over x (T x B x D): pre(t, b, gate, k, h) gives the
-- pre-activation of unit k of gate ('i','f','g','o') from x_t and h_{t-1}
local function refLSTM(X, pre)
  local out, h, c = {}, {}, {}
  for b = 1, B do h[b], c[b] = {0, 0}, {0, 0} end
  for t = 1, Tn do
    out[t] = {}
    for b = 1, B do
      local nh, nc = {}, {}
      for k = 1, Hd do
        local i = sigmoid(pre(X[t][b], h[b], 'i', k))
        local f = sigmoid(pre(X[t][b], h[b], 'f', k))
        local g = math.tanh(pre(X[t][b], h[b], 'g', k))
        local o = sigmoid(pre(X[t][b], h[b], 'o', k))
        nc[k] = f * c[b][k] + i * g
        nh[k] = o * math.tanh(nc[k])
      end
      h[b], c[b] = nh, nc
      out[t][b] = nh
    end
  end
  return out
end

local function dot(row, v)
  local s = 0
  for k = 1, #v do s = s + row[k] * v[k] end
  return s
end

describe('nn from Torch7 files: rnn LSTMs', function()
  local x = T({Tn, B, D}, 1, 0.3)
  local X = vals(x)

  it('nn.SeqLSTM (weight (D+H) x 4H, gates i, f, o, g)', function()
    local W, b = T({D + Hd, 4 * Hd}, 0.6), T({4 * Hd}, 0.4, 1)
    local m = t7load(t7obj('nn.SeqLSTM', {inputsize = D, outputsize = Hd, hiddensize = Hd, weight = W, bias = b,
      gradWeight = torch.zeros(D + Hd, 4 * Hd), gradBias = torch.zeros(4 * Hd), cell = torch.Tensor(),
      h0 = torch.Tensor(), c0 = torch.Tensor(), _remember = 'neither', batchfirst = false, maskzero = false}))
    assert.are.equal('nn.SeqLSTM', torch.typename(m))
    assert.is_true(torch.isTypeOf(m, 'nn.LSTM'))
    local Wv, bv = vals(W), vals(b)
    local col = {i = 0, f = Hd, o = 2 * Hd, g = 3 * Hd}
    local ref = refLSTM(X, function(xt, ht, gate, k)
      local j = col[gate] + k
      local s = bv[j]
      for d = 1, D do s = s + xt[d] * Wv[d][j] end
      for e = 1, Hd do s = s + ht[e] * Wv[D + e][j] end
      return s
    end)
    U.near(m:forward(x), torch.Tensor(ref), 1e-5)
    -- batchfirst: B x T x D in and out
    m.batchfirst = true
    U.near(m:forward(x:transpose(1, 2):contiguous()), torch.Tensor(ref):transpose(1, 2), 1e-5)
  end)

  it('nn.FastLSTM (i2g, o2g; gates i, g, f, o)', function()
    local i2g = nn.Linear(D, 4 * Hd)
    torch.no_grad(function() i2g.weight:copy(T({4 * Hd, D}, 0.5)); i2g.bias:copy(T({4 * Hd}, 0.3, 2)) end)
    local o2g = t7obj('nn.LinearNoBias', {weight = T({4 * Hd, Hd}, 0.7, 5), gradWeight = torch.zeros(4 * Hd, Hd)})
    local m = t7load(t7obj('nn.FastLSTM', {inputSize = D, outputSize = Hd, rho = 9999, i2g = i2g, o2g = o2g,
                                           cells = {}, gradCells = {}, zeroTensor = torch.Tensor()}))
    assert.are.equal('nn.LSTM', torch.typename(m))
    local Wx, bx, Wh = vals(i2g.weight), vals(i2g.bias), vals(o2g.weight)
    local row = {i = 0, g = Hd, f = 2 * Hd, o = 3 * Hd}
    local ref = refLSTM(X, function(xt, ht, gate, k)
      local j = row[gate] + k
      return bx[j] + dot(Wx[j], xt) + dot(Wh[j], ht)
    end)
    U.near(m:forward(x), torch.Tensor(ref), 1e-5)
  end)

  local function gate(shift, activation)
    local lin = nn.Linear(D, Hd)
    torch.no_grad(function() lin.weight:copy(T({Hd, D}, 0.5, shift)); lin.bias:copy(T({Hd}, 0.5, shift + 1)) end)
    local nob = t7obj('nn.LinearNoBias', {weight = T({Hd, Hd}, 0.5, shift + 2)})
    local narrow = t7obj('nn.NarrowTable', {offset = 1, length = 2})
    return nn.Sequential():add(narrow):add(nn.ParallelTable():add(lin):add(nob)):add(nn.CAddTable())
      :add(activation), lin, nob
  end

  it('rnn\'s nn.LSTM without peepholes (one Linear pair per gate)', function()
    local fields = {inputSize = D, outputSize = Hd, rho = 9999, cell2gate = false}
    local lins = {}
    for k, name in ipairs({'inputGate', 'forgetGate', 'hiddenLayer', 'outputGate'}) do
      local g, lin, nob = gate(k * 3, name == 'hiddenLayer' and nn.Tanh() or nn.Sigmoid())
      fields[name] = g
      lins[({'i', 'f', 'g', 'o'})[k]] = {vals(lin.weight), vals(lin.bias), vals(nob.weight)}
    end
    local m = t7load(t7obj('nn.LSTM', fields))
    assert.are.equal('nn.LSTM', torch.typename(m))
    assert.is_nil(m.inputGate)
    local ref = refLSTM(X, function(xt, ht, g, k)
      local L = lins[g]
      return L[2][k] + dot(L[1][k], xt) + dot(L[3][k], ht)
    end)
    U.near(m:forward(x), torch.Tensor(ref), 1e-5)
  end)

  it('refuses rnn\'s peephole LSTM with a clear error', function()
    local g = gate(1, nn.Sigmoid())
    U.raises(function()
      t7load(t7obj('nn.LSTM', {inputSize = D, outputSize = Hd, cell2gate = true, inputGate = g}))
    end, 'torch.load', 'nn.LSTM', 'peephole')
  end)
end)
