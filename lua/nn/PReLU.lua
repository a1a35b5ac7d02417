-- nn.PReLU([nOutputPlane = 0]): x for x > 0, a·x else, with a learned:
-- one a shared by all (nOutputPlane = 0) or one per plane (dim 2 of a
-- batch, dim 1 of a single sample). Initialized to 0.25 (Torch7).
local PReLU, parent = torch.class('nn.PReLU', 'nn.Module')
function PReLU:__init(nOutputPlane)
  parent.__init(self)
  self.nOutputPlane = nOutputPlane or 0
  local n = math.max(self.nOutputPlane, 1)
  self.weight = torch.Tensor(n):fill(0.25)
  self.gradWeight = torch.Tensor(n):zero()
  self:_linkGrads()
end
function PReLU:updateOutput(input)
  local a = self.weight
  if self.nOutputPlane > 0 then
    local shape = {}
    for d = 1, input:dim() do shape[d] = 1 end
    shape[input:dim() == 1 and 1 or 2] = self.nOutputPlane
    a = a:view(torch.LongStorage(shape))
  end
  self.output = torch.relu(input) - torch.mul(torch.relu(-input), a)
  return self.output
end
return PReLU
