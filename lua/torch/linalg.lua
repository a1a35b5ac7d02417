-- torch linalg functions: the C module registers the products and LAPACK
-- routines (lua/binding/linalg.c); here are the names that are only
-- aliases or small compositions of them.
local torch = torch
local core = torch.core
local methods = core.methods

-- PyTorch's name for Torch7's ger
torch.outer = core.fn.ger
methods.outer = methods.ger

-- torch.logdet is C (lua/binding/linalg.c): NaN for a negative determinant
