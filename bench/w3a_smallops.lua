-- W3a small-op overhead: x, y 1-element float32 tensors; 200k iterations of
-- x = x*y + y (2 allocating ops each); ns per op, median of 5 runs.
package.path = arg[0]:gsub('[^/]*$', '') .. '?.lua;' .. package.path
local B = require 'util'
B.setup()

local function run(iters)
  local x, y = torch.Tensor({0.3}), torch.Tensor({0.5})
  local t0 = B.now()
  for _ = 1, iters do
    x = torch.cmul(x, y) + y -- Torch7's x * y would be a dot product
  end
  return (B.now() - t0) / (2 * iters), x[1]
end

run(20000) -- warm-up (and JIT)
local ts = {}
for r = 1, 5 do
  local t, x = run(200000)
  B.check(math.abs(x - 1) < 1e-6, 'w3a: x converges to 1, got ' .. x) -- fixed point of x/2 + 1/2
  ts[r] = t
end
B.result('w3a_smallop_nograd', B.median(ts) * 1e9, 'ns/op', 'median of 5 x 400k ops')
