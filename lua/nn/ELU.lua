-- nn.ELU([alpha = 1] [, inplace]): x for x > 0, alpha·(exp(x) - 1) else.
local ELU = torch.class('nn.ELU', 'nn.Module')
function ELU:__init(alpha, inplace)
  nn.Module.__init(self)
  self.alpha = alpha or 1
  self.inplace = inplace
end
function ELU:updateOutput(input)
  self.output = nn.F.elu(input, self.alpha, 1, 1)
  return self.output
end
function ELU:__tostring__() return 'nn.ELU(alpha:' .. self.alpha .. ')' end
return ELU
