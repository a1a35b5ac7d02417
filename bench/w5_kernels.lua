-- W5 kernels: forward + backward of the W5 CNN's convolution stages at
-- batch 64 -- conv(1->32, 5x5, pad 2)-ReLU-maxpool2 -> conv(32->64, 5x5,
-- pad 2)-ReLU-maxpool2 -- through the raw nn kernels (torch.conv2d,
-- torch.conv2d_backward, torch.max_pool2d ...), no autograd. The first
-- conv's input gradient is not computed (the images need none), as in
-- PyTorch. Peer: bench/peers_w5_kernels.py (same computation).
package.path = arg[0]:gsub('[^/]*$', '') .. '?.lua;' .. package.path
local B = require 'util'
B.setup()

local N = 64
-- deterministic inputs (the same formulas as the peer script)
local function fill(t, a, s)
  local n = t:nElement()
  return t:copy(torch.range(0, n - 1):double():mul(a):sin():mul(s):view(t:size()))
end
local x = fill(torch.FloatTensor(N, 1, 28, 28), 0.37, 1)
local w1, b1 = fill(torch.FloatTensor(32, 1, 5, 5), 0.91, 0.2), fill(torch.FloatTensor(32), 0.5, 0.1)
local w2, b2 = fill(torch.FloatTensor(64, 32, 5, 5), 0.73, 0.035), fill(torch.FloatTensor(64), 0.3, 0.1)
local gout = fill(torch.FloatTensor(N, 64, 7, 7), 0.13, 1)

local out
local function step()
  local c1 = torch.conv2d(x, w1, b1, 1, 2)
  local r1 = torch.relu(c1)
  local p1, i1 = torch.max_pool2d(r1, 2)
  local c2 = torch.conv2d(p1, w2, b2, 1, 2)
  local r2 = torch.relu(c2)
  local p2, i2 = torch.max_pool2d(r2, 2)
  out = p2
  local g = torch.max_pool2d_backward(gout, r2, i2)
  g = torch.leaky_relu_backward(g, c2, 0) -- = relu_backward, one pass
  local gp1, gw2, gb2 = torch.conv2d_backward(g, p1, w2, 1, 2, 1, 1)
  g = torch.max_pool2d_backward(gp1, r1, i1)
  g = torch.leaky_relu_backward(g, c1, 0)
  local _, gw1, gb1 = torch.conv2d_backward(g, x, w1, 1, 2, 1, 1, {false, true, true})
  return gw1, gb1, gw2, gb2
end

local gw1, gb1, gw2, gb2 = step()
-- a checksum the peer prints too: a wrong fast answer is not a result
B.check(out:size(4) == 7 and gw1:size(1) == 32, 'w5k: shapes')
local t = B.time(step, 15, 0.5)
B.result('w5_kernels_fwd_bwd', t * 1e3, 'ms',
  string.format('median; checksums out %.4f gw1 %.4f gw2 %.4f gb2 %.4f', out:sum(), gw1:sum(),
    gw2:sum(), gb2:sum()))

-- the parts, to see where time goes
local c1 = torch.conv2d(x, w1, b1, 1, 2)
local p1 = torch.max_pool2d(torch.relu(c1), 2)
local c2 = torch.conv2d(p1, w2, b2, 1, 2)
local g2 = fill(c2:clone(), 0.21, 1)
local g1 = fill(c1:clone(), 0.17, 1)
B.result('w5_kernels_conv1_fwd', B.time(function() torch.conv2d(x, w1, b1, 1, 2) end) * 1e3, 'ms')
B.result('w5_kernels_conv2_fwd', B.time(function() torch.conv2d(p1, w2, b2, 1, 2) end) * 1e3, 'ms')
B.result('w5_kernels_conv1_bwd', B.time(function()
  torch.conv2d_backward(g1, x, w1, 1, 2, 1, 1, {false, true, true}) end) * 1e3, 'ms')
B.result('w5_kernels_conv2_bwd', B.time(function() torch.conv2d_backward(g2, p1, w2, 1, 2) end) * 1e3, 'ms')
B.result('w5_kernels_pool1_fwd', B.time(function() torch.max_pool2d(c1, 2) end) * 1e3, 'ms')
