-- nn.GELU(): x·Φ(x) (the exact erf form).
local GELU = torch.class('nn.GELU', 'nn.Module')
function GELU:updateOutput(input) self.output = nn.F.gelu(input) return self.output end
return GELU
