-- W1 gemm: C = A·B, float32, n = 256, 1024, 2048; GFLOP/s = 2n³/t, median.
-- Result-first torch.mm(C, A, B) keeps allocation out of the timing.
package.path = arg[0]:gsub('[^/]*$', '') .. '?.lua;' .. package.path
local B = require 'util'
B.setup()

for _, n in ipairs({256, 1024, 2048}) do
  local a, b, c = torch.randn(n, n), torch.randn(n, n), torch.zeros(n, n)
  local t = B.time(function() torch.mm(c, a, b) end)
  -- one element against a dot product in double precision
  local i, j, s, mag = 7, n - 3, 0, 0
  for k = 1, n do
    local p = a[i][k] * b[k][j]
    s, mag = s + p, mag + math.abs(p)
  end
  B.check(math.abs(c[i][j] - s) <= 1e-5 * mag, string.format('w1: c[%d][%d]=%g, dot=%g', i, j, c[i][j], s))
  B.result('w1_gemm_n' .. n, 2 * n ^ 3 / t / 1e9, 'GFLOP/s', string.format('median %.3f ms/matmul', t * 1e3))
end
