-- Loading nn models written by the original Torch7 (and its cunn/cudnn/rnn
-- packages). torch.load restores each Torch7 object with the lutorch class
-- of the same name (or the one torch.io.t7ClassMap names), then calls its
-- __fromTorch7 hook, innermost object first: the hooks here turn Torch7's
-- field names and layouts into lutorch's. They are code of the classes,
-- never of the file. See docs/files.md ("Torch7 models").
local nn = nn
local map = torch.io.t7ClassMap

-- cudnn's and cunn's modules hold the same parameters as nn's
for _, name in ipairs({
  'SpatialConvolution', 'SpatialFullConvolution', 'VolumetricConvolution', 'SpatialMaxPooling',
  'SpatialAveragePooling', 'SpatialBatchNormalization', 'BatchNormalization', 'ReLU', 'Tanh',
  'Sigmoid', 'SoftMax', 'LogSoftMax',
}) do map['cudnn.' .. name] = 'nn.' .. name end
map['nn.SpatialConvolutionMM_cuda'] = 'nn.SpatialConvolutionMM'

local function fail(self, fmt, ...)
  error(string.format('torch.load: %s from a Torch7 file: ' .. fmt, torch.typename(self), ...), 0)
end

local function isCuda(t) return type(t) == 'string' and t:find('Cuda') ~= nil end

-- every module: Torch7 left `train` unset until training()/evaluate() was
-- called; CUDA modules load on the CPU as float32. Work buffers of
-- Torch7's kernels (finput, addBuffer, save_mean ...) are dropped: lutorch
-- never reads them and they would only make saves bigger.
local dropped = {'finput', 'fgradInput', 'addBuffer', '_ones', 'save_mean', 'save_std',
                 '_gradOutput', 'iwidth', 'iheight', '_input'}
function nn.Module:__fromTorch7()
  if self.train == nil then self.train = true end
  if self._type == nil or isCuda(self._type) then self._type = 'torch.FloatTensor' end
  for _, k in ipairs(dropped) do rawset(self, k, nil) end
  -- Torch7's output/gradInput may be stale CUDA buffers or tables: they are
  -- rewritten by the next forward anyway
  if not torch.isTensor(self.output) then self.output = torch.Tensor() end
  if not torch.isTensor(self.gradInput) then self.gradInput = torch.Tensor() end
end

function nn.Container:__fromTorch7()
  nn.Module.__fromTorch7(self)
  self.modules = self.modules or {}
end

local function storageToTable(s)
  if torch.isStorage(s) then return s:totable() end
  if torch.isTensor(s) then return s:totable() end
  return s
end

-- SpatialConvolution(MM): MM's weight is nOut x (nIn·kH·kW) (a 4-D view is
-- the same memory); old files say padding or pad_w/pad_h instead of padW/padH
function nn.SpatialConvolution:__fromTorch7()
  nn.Module.__fromTorch7(self)
  self.dW, self.dH = self.dW or 1, self.dH or 1
  if self.padW == nil then
    self.padW = self.pad_w or self.padding or 0
    self.padH = self.pad_h or self.padding or 0
  end
  self.padding, self.pad_w, self.pad_h = nil, nil, nil
  if (self.groups or 1) ~= 1 then fail(self, 'grouped convolutions (groups = %d) are not supported', self.groups) end
  local shape = {self.nOutputPlane, self.nInputPlane, self.kH, self.kW}
  local n = self.nOutputPlane * self.nInputPlane * self.kH * self.kW
  for _, k in ipairs({'weight', 'gradWeight'}) do
    local w = self[k]
    if torch.isTensor(w) and w:dim() ~= 4 then
      if w:nElement() ~= n then
        if k == 'weight' then fail(self, 'weight has %d elements, expected %d (%dx%dx%dx%d)', w:nElement(), n, unpack(shape)) end
        w = torch.zeros(unpack(shape)):type(w:type())
      end
      self[k] = w:contiguous():view(unpack(shape))
    end
  end
end

-- BatchNormalization: files from before 2016 keep running_std = 1/sqrt(var + eps)
function nn.BatchNormalization:__fromTorch7()
  nn.Module.__fromTorch7(self)
  self.eps = self.eps or 1e-5
  self.momentum = self.momentum or 0.1
  if self.affine == nil then self.affine = self.weight ~= nil end
  if self.running_var == nil and torch.isTensor(self.running_std) then
    self.running_var = torch.pow(self.running_std, -2):add(-self.eps)
  end
  self.running_std = nil
  if not torch.isTensor(self.running_mean) or not torch.isTensor(self.running_var) then
    fail(self, 'running_mean / running_var are missing')
  end
end

-- View: Torch7 keeps its sizes in a LongStorage, lutorch in a Lua list
function nn.View:__fromTorch7()
  nn.Module.__fromTorch7(self)
  self.size = storageToTable(self.size)
  if self.numElements == nil then
    self.numElements = 1
    for _, s in ipairs(self.size) do if s > 0 then self.numElements = self.numElements * s end end
  end
end

function nn.Reshape:__fromTorch7()
  nn.Module.__fromTorch7(self)
  if not torch.isStorage(self.size) then self.size = torch.LongStorage(storageToTable(self.size)) end
  self.batchsize = nil
  self.nelement = self.nelement or 1
end

local function poolDefaults(self)
  nn.Module.__fromTorch7(self)
  self.dW, self.dH = self.dW or self.kW, self.dH or self.kH
  self.padW, self.padH = self.padW or 0, self.padH or 0
  self.ceil_mode = self.ceil_mode or false
end
function nn.SpatialMaxPooling:__fromTorch7()
  poolDefaults(self)
  self.indices = nil -- Torch7's are 0- or 1-based depending on the version: recomputed
end
function nn.SpatialAveragePooling:__fromTorch7()
  poolDefaults(self)
  if self.count_include_pad == nil then self.count_include_pad = true end
  if self.divide == false then fail(self, 'divide = false (sum pooling) is not supported') end
  self.divide = nil
end

function nn.Dropout:__fromTorch7()
  nn.Module.__fromTorch7(self)
  self.p = self.p or 0.5
  self.noise = nil
  -- files from before v2 scaled at evaluation (v1): lutorch reads v2 == nil as v1 too
end


-- LSTMs ---------------------------------------------------------------------------------
-- Element-Research's rnn package (and jcjohnson's torch-rnn) load as
-- lutorch's nn.LSTM, a sequence module (T x B x in -> T x B x hidden, zero
-- initial state): weights are regrouped into weight_ih / weight_hh / bias_ih
-- (gates in PyTorch's order i, f, g, o) and bias_hh = 0.
--   nn.SeqLSTM:  weight (in+hidden) x 4·hidden, bias 4·hidden, gates i, f, o, g
--                (batchfirst kept: the input is then B x T x in)
--   nn.FastLSTM: i2g = Linear(in, 4·hidden), o2g = LinearNoBias, gates i, g, f, o
--   nn.LSTM:     one Linear + LinearNoBias per gate (inputGate, forgetGate,
--                hiddenLayer, outputGate); only without peepholes (cell2gate = false)
-- The step-by-step interface of rnn (one call per time step, remembered
-- state, nn.Sequencer) is not kept: feed the whole sequence at once.
local SeqLSTM, LSTMparent = torch.class('nn.SeqLSTM', 'nn.LSTM')
function SeqLSTM:__init(inputSize, hiddenSize)
  LSTMparent.__init(self, inputSize, hiddenSize)
  self.batchfirst = false
end
function SeqLSTM:updateOutput(input)
  if not self.batchfirst then return LSTMparent.updateOutput(self, input) end
  local y = LSTMparent.updateOutput(self, input:transpose(1, 2))
  self.output = y:transpose(1, 2)
  return self.output
end
map['nn.FastLSTM'] = 'nn.LSTM'

local PYTORCH = {'i', 'f', 'g', 'o'}
-- rows of w (4H x n) grouped by gate in `order` -> PyTorch's order, contiguous
local function regroup(w, order, H)
  local at = {}
  for k, g in ipairs(order) do at[g] = k end
  local parts = {}
  for k, g in ipairs(PYTORCH) do parts[k] = w:narrow(1, (at[g] - 1) * H + 1, H) end
  return torch.cat(parts, 1):contiguous()
end

-- replace every Torch7 field by lutorch's one-layer LSTM fields
local function becomeLSTM(self, D, H, wih, whh, bih)
  local keep = {train = self.train, batchfirst = self.batchfirst or nil}
  for k in pairs(self) do self[k] = nil end
  for k, v in pairs(keep) do self[k] = v end
  nn.Module.__fromTorch7(self)
  self.inputSize, self.hiddenSize, self.numLayers = D, H, 1
  self._names = {{'weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'}}
  self.weight_ih, self.weight_hh = wih, whh
  self.bias_ih, self.bias_hh = bih, torch.zeros(4 * H):type(bih:type())
  for _, n in ipairs(self._names[1]) do
    self['grad' .. n:sub(1, 1):upper() .. n:sub(2)] = torch.zerosLike(self[n])
  end
end

function SeqLSTM:__fromTorch7()
  if self._names then return nn.Module.__fromTorch7(self) end -- written by lutorch
  local D, H = self.inputsize, self.hiddensize or self.outputsize
  if (self.outputsize or H) ~= H then fail(self, 'projections (SeqLSTMP, outputsize %d ~= hiddensize %d) are not supported', self.outputsize, H) end
  if self.maskzero then fail(self, 'maskzero is not supported') end
  local W, b = self.weight, self.bias
  if not (torch.isTensor(W) and W:dim() == 2 and W:size(1) == D + H and W:size(2) == 4 * H) then
    fail(self, 'expected weight of size %dx%d', D + H, 4 * H)
  end
  local order = {'i', 'f', 'o', 'g'}
  becomeLSTM(self, D, H, regroup(W:narrow(1, 1, D):t(), order, H), regroup(W:narrow(1, D + 1, H):t(), order, H),
             regroup(b, order, H))
end

-- the {Linear, LinearNoBias} pair of one rnn gate (a Sequential holding a ParallelTable)
local function gatePair(self, gate, name)
  for _, m in ipairs(type(gate) == 'table' and gate.modules or {}) do
    local ms = type(m) == 'table' and m.modules
    if ms and ms[1] and torch.isTensor(ms[1].weight) and ms[2] and torch.isTensor(ms[2].weight) then
      if ms[3] then fail(self, 'peephole connections (cell2gate = true) are not supported') end
      return ms[1], ms[2]
    end
  end
  fail(self, 'cannot find the Linear layers of its %s', name)
end

function nn.LSTM:__fromTorch7()
  if self._names then return nn.Module.__fromTorch7(self) end -- written by lutorch
  local D, H = self.inputSize, self.outputSize
  if type(D) ~= 'number' or type(H) ~= 'number' then fail(self, 'expected inputSize and outputSize fields') end
  if self.i2g then -- FastLSTM
    local i2g, o2g = self.i2g, self.o2g
    if self.bn then fail(self, 'batch-normalized FastLSTM is not supported') end
    local order = {'i', 'g', 'f', 'o'}
    return becomeLSTM(self, D, H, regroup(i2g.weight, order, H), regroup(o2g.weight, order, H),
                      regroup(i2g.bias, order, H))
  end
  if self.cell2gate then fail(self, 'peephole connections (cell2gate = true) are not supported') end
  local wih, whh, bih = {}, {}, {}
  for k, name in ipairs({'inputGate', 'forgetGate', 'hiddenLayer', 'outputGate'}) do
    local x2g, h2g = gatePair(self, self[name], name)
    wih[k], whh[k], bih[k] = x2g.weight, h2g.weight, x2g.bias
  end
  becomeLSTM(self, D, H, torch.cat(wih, 1), torch.cat(whh, 1), torch.cat(bih, 1))
end
