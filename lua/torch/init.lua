-- require 'torch': the tensor library. The C module torch.core does the
-- work; this file assembles the Torch7-style API on top of it.
local core = require 'torch.core'

local torch = rawget(_G, 'torch') or {}
_G.torch = torch
torch.core = core
torch.Tensor = {}         -- filled in by torch.Tensor module below
torch._methods = core.methods

require 'paths' -- Torch7's torch loaded paths: scripts use it without a require
require 'torch.class'
require 'torch.types'
require 'torch.tensor'
require 'torch.indexing'
require 'torch.print'
require 'torch.math'
require 'torch.reduce'
require 'torch.linalg'
require 'torch.index'
require 'torch.random'
require 'torch.autograd'
require 'torch.io'
require 'torch.cuda'
require 'torch.nnfunc'
require 'torch.t7api'

-- every C function registered in core.fn is torch.<name> unless Lua defined one
for name, f in pairs(core.fn) do
  if torch[name] == nil then torch[name] = f end
end
-- after the loop: autocast wraps the final torch.mm, torch.softmax, ...
require 'torch.amp'

return torch
