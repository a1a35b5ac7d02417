-- W2 elementwise on 2^24 float32. GB/s counts 3 arrays (z = a + b) resp. 4
-- (z = a*b + c) x 4 bytes. Allocating forms first (a fresh z each call),
-- then into a preallocated z (result-first forms).
package.path = arg[0]:gsub('[^/]*$', '') .. '?.lua;' .. package.path
local B = require 'util'
B.setup()

local N = 2 ^ 24
local a, b, c, z = torch.rand(N), torch.rand(N), torch.rand(N), torch.zeros(N)
local function report(name, narr, fn, check)
  local t = B.time(fn, 15)
  local k = 12345 -- one element, recomputed in double
  local zk = fn()[k]
  B.check(math.abs(zk - check(a[k], b[k], c[k])) <= 1e-6, name .. ': wrong value')
  B.result(name, narr * 4 * N / t / 1e9, 'GB/s', string.format('median %.3f ms', t * 1e3))
end
local function add(x, y) return x + y end
local function fma(x, y, w) return x * y + w end

-- Torch7: a * b of two tensors is a matrix product, cmul is elementwise
report('w2_add', 3, function() return a + b end, add)
report('w2_mul_add', 4, function() return torch.cmul(a, b) + c end, fma)
report('w2_add_out', 3, function() return torch.add(z, a, b) end, add)
report('w2_addcmul_out_fused', 4, function() return torch.addcmul(z, c, a, b) end, fma)
