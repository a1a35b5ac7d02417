-- require 'cutorch': Torch7's GPU package, here an alias of torch.cuda.
-- Scripts written for cutorch call cutorch.setDevice, cutorch.synchronize,
-- cutorch.getDeviceCount, cutorch.manualSeed, cutorch.getMemoryUsage and use
-- torch.CudaTensor; all of them are torch.cuda's.
require 'torch'
local cuda = require 'torch.cuda'

local cutorch = rawget(_G, 'cutorch') or {}
for k, v in pairs(cuda) do cutorch[k] = v end
_G.cutorch = cutorch
return cutorch
