-- W6 (../shared/BENCHMARKS.md): LSTM input 64, hidden 256, seq 50, batch 32,
-- random data, loss = sum of squares of the last hidden state; ms per
-- forward+backward (gradients zeroed each step) for (a) the fused nn.LSTM
-- module and (b) a Lua loop over nn.LSTMCell, autograd recording each step.
-- Medians of 20 steps after 3 warm-up steps, as the PyTorch peer does.
-- Run: th bench/w6_lstm.lua      (BENCH_THREADS, default 2); bench/run_w6.sh
-- runs it beside the PyTorch peer.
package.path = arg[0]:gsub('[^/]*$', '') .. '?.lua;' .. package.path
local B = require 'util'
B.setup()
require 'nn'

local T, Bt, I, H = 50, 32, 64, 256
local x = torch.randn(T, Bt, I)
local lstm = nn.LSTM(I, H)
local cell = nn.LSTMCell(I, H)

local function sq(h) return torch.cmul(h, h):sum() end   -- a 0-dim tensor with history

local function stepFused()
  lstm:zeroGradParameters()
  lstm(x)
  sq(lstm.hn[1]):backward()   -- hn: numLayers x B x H, as the peer's h
end

local function stepCell()
  cell:zeroGradParameters()
  local h, c = torch.zeros(Bt, H), torch.zeros(Bt, H)
  for t = 1, T do
    local s = cell({x[t], {h, c}})
    h, c = s[1], s[2]
  end
  sq(h):backward()
end

local function med(fn, warm, n)
  for _ = 1, warm or 3 do fn() end
  local ts = {}
  for i = 1, n or 20 do
    local t0 = B.now()
    fn()
    ts[i] = B.now() - t0
  end
  local mn = math.min(unpack(ts))
  return B.median(ts), mn
end

-- the two paths compute the same function: same weights, same gradients
do
  local ps, cps = lstm:parameters(), cell:parameters()
  torch.no_grad(function() for k = 1, #ps do cps[k]:copy(ps[k]) end end)
  stepFused()
  stepCell()
  local _, g1 = lstm:parameters()
  local _, g2 = cell:parameters()
  for k = 1, #g1 do
    local d = (g1[k] - g2[k]):abs():max()
    B.check(d <= 1e-3 * (g1[k]:abs():max() + 1e-6), 'w6: fused and cell gradients differ')
  end
end

local m, mn = med(stepFused)
B.result('w6.fused_ms', m * 1e3, 'ms/step', string.format('min %.2f', mn * 1e3))
m, mn = med(stepCell)
B.result('w6.loop_ms', m * 1e3, 'ms/step', string.format('min %.2f', mn * 1e3))
