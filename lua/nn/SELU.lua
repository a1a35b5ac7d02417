-- nn.SELU(): scale·(x > 0 ? x : alpha·(exp(x) - 1)), alpha ≈ 1.6733, scale ≈ 1.0507.
local SELU = torch.class('nn.SELU', 'nn.Module')
function SELU:updateOutput(input) self.output = nn.F.selu(input) return self.output end
return SELU
