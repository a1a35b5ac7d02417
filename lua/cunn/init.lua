-- require 'cunn': Torch7's GPU nn package. Modules move to the GPU with
-- model:cuda() in nn itself, so this only loads cutorch and nn.
require 'cutorch'
local ok, nn = pcall(require, 'nn')
if not ok then
  -- nn missing is fine (this package has nothing of its own); any other
  -- error inside nn is a real one
  if not tostring(nn):find("module 'nn' not found", 1, true) then error(nn, 0) end
  return {}
end
return nn
