-- torch linalg functions: the C module registers the products and LAPACK
-- routines (lua/binding/linalg.c); here are the names that are only
-- aliases or small compositions of them.
local torch = torch
local core = torch.core
local methods = core.methods

-- PyTorch's name for Torch7's ger
torch.outer = core.fn.ger
methods.outer = methods.ger

-- log of the determinant: NaN for a negative determinant (as PyTorch)
function torch.logdet(a)
  local sign, logabs = core.fn.slogdet(a)
  if sign < 0 then return 0 / 0 end
  return logabs
end
methods.logdet = torch.logdet
