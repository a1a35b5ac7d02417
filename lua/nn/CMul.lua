-- nn.CMul(size...): x times a learned tensor of that size, broadcast over a
-- batch; uniform ±1/sqrt(#weight).
local CMul, parent = torch.class('nn.CMul', 'nn.Module')
function CMul:__init(...)
  parent.__init(self)
  local args = {...}
  local size = torch.typename(args[1]) == 'torch.LongStorage' and args[1] or torch.LongStorage(args)
  self.size = size
  self.weight = torch.Tensor(size)
  self.gradWeight = torch.zeros(size)
  self:reset()
  self:_linkGrads()
end
function CMul:reset(stdv)
  stdv = stdv or 1 / math.sqrt(self.weight:nElement())
  torch.no_grad(function() self.weight:uniform(-stdv, stdv) end)
  return self
end
function CMul:updateOutput(input)
  local w = self.weight
  if input:nElement() == w:nElement() then
    w = w:view(input:size())
  elseif input:dim() == w:dim() + 1 then
    w = w:view(1, unpack(w:size():totable()))
  end
  self.output = torch.mul(input, w)
  return self.output
end
return CMul
