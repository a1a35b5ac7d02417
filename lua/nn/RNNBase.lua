-- Recurrent layers (PyTorch's layout and formulas, Torch7-style modules):
--   nn.LSTMCell(inputSize, hiddenSize [, bias]): {x, {h, c}} -> {h', c'}
--   nn.GRUCell(inputSize, hiddenSize [, bias]):  {x, h} -> h'
--   nn.RNNCell(inputSize, hiddenSize [, bias [, nonlinearity='tanh']]): {x, h} -> h'
--   nn.LSTM / nn.GRU / nn.RNN(inputSize, hiddenSize [, numLayers = 1] [, bias]):
--     input T x B x I (sequence first) -> output T x B x H (the last
--     layer's h at every step); self.hn (and self.cn) keep the final states,
--     numLayers x B x H. Set self.h0 / self.c0 (numLayers x B x H) to start
--     from a given state; they are zeros otherwise.
-- Weights per layer: weight_ih (G·H x in), weight_hh (G·H x H), bias_ih,
-- bias_hh (G·H), gates i, f, g, o (LSTM) and r, z, n (GRU); all uniform
-- ±1/sqrt(H). Cells are one fused kernel call (one tape node) per step;
-- nn.LSTM runs each layer as nn.F.lstm, one tape node for the whole
-- sequence (input products in one gemm, batched weight gradients).
local nn = nn
local F = nn.F

local function addLayer(self, l, inSize, H, G, bias)
  local s = l == 1 and '' or tostring(l)
  local names = {'weight_ih' .. s, 'weight_hh' .. s}
  self[names[1]] = torch.Tensor(G * H, inSize)
  self[names[2]] = torch.Tensor(G * H, H)
  if bias ~= false then
    names[3], names[4] = 'bias_ih' .. s, 'bias_hh' .. s
    self[names[3]] = torch.Tensor(G * H)
    self[names[4]] = torch.Tensor(G * H)
  end
  for _, n in ipairs(names) do
    local g = 'grad' .. n:sub(1, 1):upper() .. n:sub(2)
    self[g] = torch.zeros(self[n]:size())
  end
  self._names[#self._names + 1] = names
end

local function init(self, inputSize, hiddenSize, numLayers, bias, G)
  nn.Module.__init(self)
  assert(type(inputSize) == 'number' and type(hiddenSize) == 'number',
         torch.typename(self) .. ': expected (inputSize, hiddenSize)')
  self.inputSize, self.hiddenSize, self.numLayers = inputSize, hiddenSize, numLayers or 1
  self._names = {}
  for l = 1, self.numLayers do addLayer(self, l, l == 1 and inputSize or hiddenSize, hiddenSize, G, bias) end
  self:reset()
  self:_linkGrads()
end

local Base = {}
function Base:parameters()
  local ps, gs = {}, {}
  for _, names in ipairs(self._names) do
    for _, n in ipairs(names) do
      ps[#ps + 1] = self[n]
      gs[#gs + 1] = self['grad' .. n:sub(1, 1):upper() .. n:sub(2)]
    end
  end
  return ps, gs
end
function Base:reset(stdv)
  stdv = stdv or 1 / math.sqrt(self.hiddenSize)
  local ps = self:parameters()
  torch.no_grad(function() for _, p in ipairs(ps) do p:uniform(-stdv, stdv) end end)
  return self
end
function Base:_layer(l)
  local n = self._names[l]
  return self[n[1]], self[n[2]], n[3] and self[n[3]], n[4] and self[n[4]]
end
function Base:__tostring__()
  return string.format('%s(%d -> %d%s)', torch.typename(self), self.inputSize, self.hiddenSize,
                       (self.numLayers or 1) > 1 and ', ' .. self.numLayers .. ' layers' or '')
end

local function class(name, G)
  local C = torch.class(name, 'nn.Module')
  for k, v in pairs(Base) do C[k] = v end
  C._G = G
  return C
end

-- cells ---------------------------------------------------------------------------------

local LSTMCell = class('nn.LSTMCell', 4)
function LSTMCell:__init(inputSize, hiddenSize, bias) init(self, inputSize, hiddenSize, 1, bias, 4) end
function LSTMCell:updateOutput(input)
  local x, state = input[1], input[2]
  local wih, whh, bih, bhh = self:_layer(1)
  local h, c = F.lstm_cell(x, state[1], state[2], wih, whh, bih or nil, bhh or nil)
  self.output = {h, c}
  return self.output
end

local GRUCell = class('nn.GRUCell', 3)
function GRUCell:__init(inputSize, hiddenSize, bias) init(self, inputSize, hiddenSize, 1, bias, 3) end
function GRUCell:updateOutput(input)
  local wih, whh, bih, bhh = self:_layer(1)
  self.output = F.gru_cell(input[1], input[2], wih, whh, bih or nil, bhh or nil)
  return self.output
end

local function rnnStep(x, h, wih, whh, bih, bhh, relu)
  local pre = F.linear(x, wih, bih or nil) + F.linear(h, whh, bhh or nil)
  return relu and torch.relu(pre) or torch.tanh(pre)
end

local RNNCell = class('nn.RNNCell', 1)
function RNNCell:__init(inputSize, hiddenSize, bias, nonlinearity)
  init(self, inputSize, hiddenSize, 1, bias, 1)
  self.nonlinearity = nonlinearity or 'tanh'
end
function RNNCell:updateOutput(input)
  local wih, whh, bih, bhh = self:_layer(1)
  self.output = rnnStep(input[1], input[2], wih, whh, bih, bhh, self.nonlinearity == 'relu')
  return self.output
end

-- sequences -----------------------------------------------------------------------------

local function initialState(self, field, l, B, like)
  local s = self[field]
  if s then return s[l] end
  return torch.zeros(B, self.hiddenSize):type(like:type())
end

local function checkSequence(self, input)
  if not torch.isTensor(input) or input:dim() ~= 3 then
    error(string.format('%s: expected a 3D input (seqLen x batch x inputSize), got %s',
                        torch.typename(self), torch.isTensor(input) and input:dim() .. 'D'
                        or type(input)), 4)
  end
  if input:size(3) ~= self.inputSize then
    error(string.format('%s: input size is %d, expected %d (inputSize)', torch.typename(self),
                        input:size(3), self.inputSize), 4)
  end
end

-- Runs the layers in turn: layer(x, h0, c0, wih, whh, bih, bhh) returns the
-- layer's outputs (T x B x H) and its final h (and c: only the LSTM, G = 4,
-- has a cell state). Called in tail position so that checkSequence's error
-- level still points at the user's forward call.
local function runLayers(self, input, layer)
  checkSequence(self, input)
  local B = input:size(2)
  local x, hn, cn = input, {}, {}
  for l = 1, self.numLayers do
    local wih, whh, bih, bhh = self:_layer(l)
    local c0 = self._G == 4 and initialState(self, 'c0', l, B, input) or nil
    x, hn[l], cn[l] = layer(x, initialState(self, 'h0', l, B, input), c0, wih, whh, bih or nil,
                            bhh or nil)
  end
  self.hn = torch.stack(hn, 1)
  if cn[1] then self.cn = torch.stack(cn, 1) end
  self.output = x
  return x
end

-- h_t = step(t, h_{t-1}) for t = 1..T: every h_t stacked (T x B x H), and h_T
local function unroll(T, h, step)
  local hs = {}
  for t = 1, T do
    h = step(t, h)
    hs[t] = h
  end
  return torch.stack(hs, 1), h
end

local LSTM = class('nn.LSTM', 4)
function LSTM:__init(inputSize, hiddenSize, numLayers, bias)
  init(self, inputSize, hiddenSize, numLayers, bias, 4)
end
-- each layer is one call of the fused sequence function F.lstm
function LSTM:updateOutput(input)
  return runLayers(self, input, F.lstm)
end

local GRU = class('nn.GRU', 3)
function GRU:__init(inputSize, hiddenSize, numLayers, bias)
  init(self, inputSize, hiddenSize, numLayers, bias, 3)
end
function GRU:updateOutput(input)
  -- the GRU's n gate needs r·(h·W_hn + b_hn) apart: one cell call per step
  return runLayers(self, input, function(x, h0, _, wih, whh, bih, bhh)
    return unroll(x:size(1), h0, function(t, h) return F.gru_cell(x[t], h, wih, whh, bih, bhh) end)
  end)
end

local RNN = class('nn.RNN', 1)
function RNN:__init(inputSize, hiddenSize, numLayers, bias, nonlinearity)
  init(self, inputSize, hiddenSize, numLayers, bias, 1)
  self.nonlinearity = nonlinearity or 'tanh'
end
function RNN:updateOutput(input)
  local relu = self.nonlinearity == 'relu'
  return runLayers(self, input, function(x, h0, _, wih, whh, bih, bhh)
    -- every step's input product in one gemm
    local T, B = x:size(1), x:size(2)
    local px = F.linear(x:reshape(T * B, x:size(3)), wih, bih):view(T, B, wih:size(1))
    return unroll(T, h0, function(t, h)
      local pre = px[t] + F.linear(h, whh, bhh)
      return relu and torch.relu(pre) or torch.tanh(pre)
    end)
  end)
end

return {LSTMCell = LSTMCell, GRUCell = GRUCell, RNNCell = RNNCell, LSTM = LSTM, GRU = GRU, RNN = RNN}
