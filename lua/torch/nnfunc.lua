-- nn functions: the C kernels (lua/binding/nn.c) are torch.conv2d,
-- torch.conv2d_backward, torch.max_pool2d, ... (see docs/tensor/nn-functions.md).
-- The forward ones record themselves on the autograd tape (lib/ops/nn_grad_*.c;
-- docs/autograd.md, "Backward of nn ops"); the *_backward ones are the raw
-- fused kernels and never record. Here are the names that are only aliases
-- or small compositions of them.
local torch = torch
local fn = torch.core.fn

-- PyTorch's longer names
torch.binary_cross_entropy = fn.bce_loss
torch.binary_cross_entropy_backward = fn.bce_loss_backward
torch.binary_cross_entropy_with_logits = fn.bce_with_logits
torch.binary_cross_entropy_with_logits_backward = fn.bce_with_logits_backward

-- dropout(input, p, training) -> output, mask: keeps each value with
-- probability 1-p and scales kept values by 1/(1-p) (inverted dropout, as
-- PyTorch and Torch7's default v2); backward is gradOutput * mask.
function torch.dropout(input, p, training)
  p = p or 0.5
  if type(p) ~= 'number' or p < 0 or p >= 1 then
    error(string.format('torch.dropout: p must be in [0, 1), got %s', tostring(p)), 2)
  end
  if training == false or p == 0 then return input, nil end
  local mask = torch.zeros(input:size()):type(input:type()):bernoulli(1 - p):div(1 - p)
  return torch.cmul(input, mask), mask
end

return torch
