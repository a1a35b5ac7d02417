-- nn.ReLU([inplace]): max(0, x). The inplace flag is accepted and ignored
-- (autograd needs the input).
local ReLU = torch.class('nn.ReLU', 'nn.Module')
function ReLU:__init(inplace) nn.Module.__init(self); self.inplace = inplace end
function ReLU:updateOutput(input) self.output = torch.relu(input) return self.output end
return ReLU
