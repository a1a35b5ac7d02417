-- nn.Tanh()
local Tanh = torch.class('nn.Tanh', 'nn.Module')
function Tanh:updateOutput(input) self.output = torch.tanh(input) return self.output end
return Tanh
