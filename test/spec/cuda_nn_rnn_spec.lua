-- The recurrent cells on GPU tensors, each compared with the CPU kernels
-- (which nn_rnn_spec checks against PyTorch): lstm_cell, lstm_pointwise and
-- gru_cell, forward and backward, float32 and float64, odd sizes, missing
-- biases and gradients, non-contiguous inputs; then the nn modules (the
-- fused whole-sequence LSTM among them) trained on the GPU against the CPU,
-- and the device-mixing error. Pending without a GPU; LUTORCH_CUDA_SPEC_ON_CPU=1
-- runs the cases on the CPU to check them.
require 'torch'
require 'torch.cuda'
require 'nn'
local C = require 'cuda_util'
local rand, run_cases, gpu_it = C.rand, C.run_cases, C.gpu_it

-- cuBLAS and OpenBLAS sum the products in other orders and the CPU's
-- float32 gates use a polynomial exp: a few ulps
local f32, f32a = 1e-4, 2e-5

-- arguments of one LSTM (G = 4) or GRU (G = 3) step: x (B, I), h, c (B, H),
-- weights and biases at the scale nn.LSTM gives them
local function cell_args(G, B, I, H, dtype, seed)
  local s = 1 / math.sqrt(H)
  local o = {dtype = dtype}
  local function r(size, k, lo, hi)
    o.seed, o.lo, o.hi = seed + k, lo or -1, hi or 1
    return rand(size, o)
  end
  return {x = r({B, I}, 1), h = r({B, H}, 2), c = r({B, H}, 3), wih = r({G * H, I}, 4, -s, s),
          whh = r({G * H, H}, 5, -s, s), bih = r({G * H}, 6, -s, s), bhh = r({G * H}, 7, -s, s),
          gh = r({B, H}, 8), gc = r({B, H}, 9)}
end

local function lstm_case(name, B, I, H, dtype, opts)
  opts = opts or {}
  local a = cell_args(4, B, I, H, dtype, opts.seed or 10)
  local rt, at = dtype == 'float32' and f32 or nil, dtype == 'float32' and f32a or nil
  return {name, function(D)
    local x = D(a.x)
    if opts.strided then x = D(a.x:t():contiguous()):t() end -- a transposed view of (B, I)
    local wih = opts.strided and D(a.wih:t():contiguous()):t() or D(a.wih)
    local bih, bhh = opts.nobias and nil or D(a.bih), opts.nobias and nil or D(a.bhh)
    local h, c, gates = torch.lstm_cell(x, D(a.h), D(a.c), wih, D(a.whh), bih, bhh)
    local r = {h, c, gates}
    local gh, gc = not opts.nogh and D(a.gh) or nil, not opts.nogc and D(a.gc) or nil
    local grads = {torch.lstm_cell_backward(gh, gc, x, D(a.h), D(a.c), wih, D(a.whh), gates, c,
                                            opts.need)}
    for k = 1, 6 do r[#r + 1] = grads[k] or 0 end -- an unwanted gradient: nil on both devices
    return r
  end, rt, at}
end

local function gru_case(name, B, I, H, dtype, opts)
  opts = opts or {}
  local a = cell_args(3, B, I, H, dtype, opts.seed or 30)
  local rt, at = dtype == 'float32' and f32 or nil, dtype == 'float32' and f32a or nil
  return {name, function(D)
    local h0 = D(a.h)
    if opts.strided then h0 = D(a.h:t():contiguous()):t() end
    local bih, bhh = opts.nobias and nil or D(a.bih), opts.nobias and nil or D(a.bhh)
    local h, ws = torch.gru_cell(D(a.x), h0, D(a.wih), D(a.whh), bih, bhh)
    local r = {h, ws}
    local grads = {torch.gru_cell_backward(D(a.gh), D(a.x), h0, D(a.wih), D(a.whh), ws, opts.need)}
    for k = 1, 6 do r[#r + 1] = grads[k] or 0 end
    return r
  end, rt, at}
end

local function pointwise_case(name, B, H, dtype, opts)
  opts = opts or {}
  local o = {dtype = dtype, seed = 50}
  local pre, c = rand({B, 4 * H}, o), rand({B, H}, {dtype = dtype, seed = 51})
  local gh, gc = rand({B, H}, {dtype = dtype, seed = 52}), rand({B, H}, {dtype = dtype, seed = 53})
  return {name, function(D)
    local p = D(pre)
    if opts.strided then p = D(pre:t():contiguous()):t() end
    local h, c2, gates = torch.lstm_pointwise(p, D(c))
    local gp, gcp = torch.lstm_pointwise_backward(not opts.nogh and D(gh) or nil,
                                                  not opts.nogc and D(gc) or nil, D(c), gates, c2)
    return h, c2, gates, gp, gcp
  end, dtype == 'float32' and 1e-5 or nil, dtype == 'float32' and 1e-6 or nil}
end

describe('GPU LSTM cell', function()
  run_cases({
    lstm_case('float32, odd sizes', 5, 7, 13, 'float32'),
    lstm_case('float64, odd sizes', 5, 7, 13, 'float64'),
    lstm_case('float32, one row, wide hidden', 1, 3, 67, 'float32'),
    lstm_case('float64 without biases', 3, 4, 9, 'float64', {nobias = true}),
    lstm_case('float32 strided input and weight', 6, 5, 11, 'float32', {strided = true}),
    lstm_case('float64 without gradC', 4, 6, 7, 'float64', {nogc = true}),
    lstm_case('float64 without gradH', 4, 6, 7, 'float64', {nogh = true}),
    lstm_case('float32, some gradients only', 4, 6, 7, 'float32',
              {need = {false, true, false, true, false, true}}),
    lstm_case('float32, a batch of 70', 70, 33, 40, 'float32', {seed = 60}),
  })
end)

describe('GPU LSTM pointwise half', function()
  run_cases({
    pointwise_case('float32', 6, 17, 'float32'),
    pointwise_case('float64', 6, 17, 'float64'),
    pointwise_case('float32 strided pre-activations', 5, 9, 'float32', {strided = true}),
    pointwise_case('float64 without gradH', 3, 5, 'float64', {nogh = true}),
    pointwise_case('float32 without gradC', 3, 5, 'float32', {nogc = true}),
  })
end)

describe('GPU GRU cell', function()
  run_cases({
    gru_case('float32, odd sizes', 5, 7, 13, 'float32'),
    gru_case('float64, odd sizes', 5, 7, 13, 'float64'),
    gru_case('float64 without biases', 2, 3, 19, 'float64', {nobias = true}),
    gru_case('float32 strided hidden state', 6, 4, 6, 'float32', {strided = true}),
    gru_case('float64, some gradients only', 3, 5, 8, 'float64',
             {need = {true, false, true, false, false, true}}),
    gru_case('float32, one row', 1, 9, 31, 'float32'),
  })
end)

-- a module and its input on device D (typename: the module's type there),
-- one forward and backward; returns the output, gradInput and the
-- parameters' gradients
local function module_grads(make, input, gradOut, D, typename)
  torch.manualSeed(5)
  local m = make():double()
  if typename then m:type(typename) end
  local x = D(input)
  local out = m:forward(x)
  local gi = m:backward(x, D(gradOut))
  local _, gs = m:parameters()
  local r = {out}
  if torch.isTensor(gi) then r[#r + 1] = gi else for _, g in ipairs(gi) do r[#r + 1] = g end end
  for _, g in ipairs(gs) do r[#r + 1] = g end
  if m.hn then r[#r + 1] = m.hn end
  if m.cn then r[#r + 1] = m.cn end
  return r
end

local function gpu_type(dtype)
  if C.on_cpu then return dtype == 'float32' and 'torch.FloatTensor' or 'torch.DoubleTensor' end
  return torch.cuda.tensorTypeOf[dtype]
end

describe('nn recurrent modules on the GPU (autograd)', function()
  local seq64 = rand({6, 3, 5}, {dtype = 'float64', seed = 70})
  local gseq = rand({6, 3, 7}, {dtype = 'float64', seed = 71})
  for _, c in ipairs({
    {'nn.LSTM (the fused sequence), float64', function() return nn.LSTM(5, 7) end, 'float64'},
    {'nn.LSTM 2 layers, float32', function() return nn.LSTM(5, 7, 2) end, 'float32'},
    {'nn.GRU, float64', function() return nn.GRU(5, 7) end, 'float64'},
  }) do
    gpu_it(c[1] .. ': forward and backward as on the CPU', function()
      local dt = c[3]
      local x, g = seq64:type(torch.tensorTypeOf[dt]), gseq:type(torch.tensorTypeOf[dt])
      local cpu = module_grads(c[2], x, g, function(t) return t end, torch.tensorTypeOf[dt])
      local gpu = module_grads(c[2], x, g, C.to_gpu, gpu_type(dt))
      local rt, at = dt == 'float32' and f32 or nil, dt == 'float32' and f32a or nil
      C.compare(gpu, cpu, c[1], rt, at)
    end)
  end

  gpu_it('nn.LSTMCell and nn.GRUCell: forward and backward as on the CPU', function()
    local a = cell_args(4, 4, 5, 6, 'float64', 80)
    -- the table input {x, {h, c}} of LSTMCell: build it per device
    local function lstm_cell_grads(D, typename)
      torch.manualSeed(5)
      local m = nn.LSTMCell(5, 6):double()
      if typename then m:type(typename) end
      local x = {D(a.x), {D(a.h), D(a.c)}}
      local out = m:forward(x)
      local gi = m:backward(x, {D(a.gh), D(a.gc)})
      local _, gs = m:parameters()
      local r = {out[1], out[2], gi[1], gi[2][1], gi[2][2]}
      for _, g in ipairs(gs) do r[#r + 1] = g end
      return r
    end
    C.compare(lstm_cell_grads(C.to_gpu, gpu_type('float64')),
              lstm_cell_grads(function(t) return t end, nil), 'LSTMCell')
    local function gru_cell_grads(D, typename)
      torch.manualSeed(5)
      local m = nn.GRUCell(5, 6):double()
      if typename then m:type(typename) end
      local x = {D(a.x), D(a.h)}
      local out = m:forward(x)
      local gi = m:backward(x, D(a.gh))
      local _, gs = m:parameters()
      local r = {out, gi[1], gi[2]}
      for _, g in ipairs(gs) do r[#r + 1] = g end
      return r
    end
    C.compare(gru_cell_grads(C.to_gpu, gpu_type('float64')),
              gru_cell_grads(function(t) return t end, nil), 'GRUCell')
  end)

  gpu_it('x:cuda():requiresGrad() through lstm_cell gets the CPU gradient', function()
    local a = cell_args(4, 3, 4, 5, 'float64', 90)
    local function grads(D)
      local x, h, c = D(a.x):requiresGrad(), D(a.h):requiresGrad(), D(a.c):requiresGrad()
      local h2, c2 = nn.F.lstm_cell(x, h, c, D(a.wih), D(a.whh), D(a.bih), D(a.bhh))
      local loss = torch.add(torch.sum(torch.mul(h2, h2)), torch.sum(c2))
      loss:backward()
      return {x.grad, h.grad, c.grad}
    end
    C.compare(grads(C.to_gpu), grads(function(t) return t end), 'lstm_cell gradients')
  end)
end)

describe('GPU recurrent cells: device mixing', function()
  if C.has_gpu and not C.on_cpu then
    it('rejects a CPU weight with a GPU input, naming both devices', function()
      local a = cell_args(4, 2, 3, 4, 'float32', 100)
      local ok, err = pcall(torch.lstm_cell, a.x:cuda(), a.h:cuda(), a.c:cuda(), a.wih, a.whh:cuda())
      assert.is_false(ok)
      err = tostring(err)
      assert.is_truthy(err:find('lstm_cell', 1, true), err)
      assert.is_truthy(err:find('w_ih is on cpu but input is on GPU 1', 1, true), err)
      local b = cell_args(3, 2, 3, 4, 'float32', 100)
      ok, err = pcall(torch.gru_cell, b.x:cuda(), b.h, b.wih:cuda(), b.whh:cuda())
      assert.is_false(ok)
      assert.is_truthy(tostring(err):find('hx is on cpu but input is on GPU 1', 1, true), err)
      ok, err = pcall(torch.lstm_pointwise, torch.CudaTensor(2, 8):fill(0), torch.zeros(2, 2))
      assert.is_false(ok)
      assert.is_truthy(tostring(err):find('c is on cpu but input is on GPU 1', 1, true), err)
    end)
  else
    it('rejects a CPU weight with a GPU input', function() pending('no CUDA device') end)
  end
end)
