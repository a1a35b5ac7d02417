-- nngraph: a two-input graph built from module calls on nodes.
require 'nn'
if not nn.gModule then print('PENDING nn.gModule is not available') return end
torch.manualSeed(5)
local a = nn.Identity()()
local b = nn.Identity()()
local ha = nn.Tanh()(nn.Linear(3, 8)(a))
local hb = nn.Tanh()(nn.Linear(2, 8)(b))
local joined = nn.JoinTable(2)({ha, hb})
local out = nn.Linear(8, 1)(nn.CMulTable()({nn.Linear(16, 8)(joined), nn.Linear(16, 8)(joined)}))
local g = nn.gModule({a, b}, {out})

local xa, xb = torch.randn(50, 3), torch.randn(50, 2)
local y = (xa:select(2, 1) - torch.cmul(xb:select(2, 1), xb:select(2, 2))):view(50, 1)
local criterion = nn.MSECriterion()

local first, last
for iter = 1, 200 do
  g:zeroGradParameters()
  local o = g:forward({xa, xb})
  local loss = criterion:forward(o, y)
  g:backward({xa, xb}, criterion:backward(o, y))
  g:updateParameters(0.05)
  first = first or loss
  last = loss
end
print(string.format('LOSS %.6f %.6f', first, last))
