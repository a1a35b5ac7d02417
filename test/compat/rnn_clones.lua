-- A vanilla RNN unrolled by hand with clone-shared parameters (the
-- char-rnn pattern): the step module is cloned T times sharing weight,
-- bias, gradWeight and gradBias; forward through time, backward in reverse.
require 'nn'
torch.manualSeed(3)
local T, B, H = 6, 16, 12

-- step: {x_t, h_{t-1}} -> h_t = tanh(Wx x + Wh h)
local step = nn.Sequential()
  :add(nn.ParallelTable():add(nn.Linear(1, H)):add(nn.Linear(H, H)))
  :add(nn.CAddTable())
  :add(nn.Tanh())
local readout = nn.Linear(H, 1)
local clones = {}
for t = 1, T do clones[t] = step:clone('weight', 'bias', 'gradWeight', 'gradBias') end
local params, grads = nn.Sequential():add(step):add(readout):getParameters()
local criterion = nn.MSECriterion()

-- task: the output is the sum of the sequence
local x = torch.randn(T, B, 1):mul(0.5)
local y = x:sum(1):view(B, 1)

local first, last
for iter = 1, 150 do
  grads:zero()
  local h = {[0] = torch.zeros(B, H)}
  for t = 1, T do h[t] = clones[t]:forward({x[t], h[t - 1]}) end
  local out = readout:forward(h[T])
  local loss = criterion:forward(out, y)
  local dh = readout:backward(h[T], criterion:backward(out, y))
  for t = T, 1, -1 do
    local g = clones[t]:backward({x[t], h[t - 1]}, dh)
    dh = g[2]
  end
  params:add(-0.05, grads)
  first = first or loss
  last = loss
end
print(string.format('LOSS %.6f %.6f', first, last))
