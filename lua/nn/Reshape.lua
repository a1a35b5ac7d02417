-- nn.Reshape(d1, d2, ... [, batchMode]): the input with size d1 x d2 ...;
-- when it has more elements the first dim is kept as a batch (Torch7).
-- batchMode = true / false forces / forbids that.
local Reshape, parent = torch.class('nn.Reshape', 'nn.Module')
function Reshape:__init(...)
  parent.__init(self)
  local args = {...}
  if type(args[#args]) == 'boolean' then self.batchMode = table.remove(args) end
  if torch.typename(args[1]) == 'torch.LongStorage' then args = args[1]:totable() end
  self.size = torch.LongStorage(args)
  self.nelement = 1
  for _, s in ipairs(args) do self.nelement = self.nelement * s end
end
function Reshape:updateOutput(input)
  local sizes = self.size:totable()
  if self.batchMode == true or (self.batchMode == nil and input:nElement() ~= self.nelement
                                and input:dim() > 0) then
    table.insert(sizes, 1, input:size(1))
  end
  self.output = input:reshape(torch.LongStorage(sizes))
  return self.output
end
function Reshape:__tostring__()
  return 'nn.Reshape(' .. table.concat(self.size:totable(), 'x') .. ')'
end
return Reshape
