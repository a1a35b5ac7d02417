-- nn.ReLU6([inplace]): min(max(0, x), 6).
local ReLU6 = torch.class('nn.ReLU6', 'nn.Module')
function ReLU6:__init(inplace) nn.Module.__init(self); self.inplace = inplace end
function ReLU6:updateOutput(input) self.output = nn.F.relu6(input) return self.output end
return ReLU6
