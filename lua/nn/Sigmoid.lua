-- nn.Sigmoid(): 1 / (1 + exp(-x))
local Sigmoid = torch.class('nn.Sigmoid', 'nn.Module')
function Sigmoid:updateOutput(input) self.output = torch.sigmoid(input) return self.output end
return Sigmoid
