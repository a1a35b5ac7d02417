-- AdamW: Adam with weight decay decoupled from the gradient (Loshchilov &
-- Hutter): x *= 1 - lr*weightDecay before the Adam step. Torch7 had no
-- AdamW; both forms here follow PyTorch's torch.optim.AdamW (epsilon added
-- after the bias correction, weightDecay 1e-2 by default).
local optim = optim
local U = optim._util

optim.adamw = U.adam_functional('optim.adamw', 1e-2, true)

-- optim.AdamW(params, {lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weightDecay = 1e-2, amsgrad = false})
local AdamW = torch.class('optim.AdamW', 'optim.Adam', optim)
AdamW._name = 'optim.AdamW'
AdamW._defaults = {lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weightDecay = 1e-2, amsgrad = false}
AdamW._decoupled = true
