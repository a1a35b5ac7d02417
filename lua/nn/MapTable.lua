-- nn.MapTable(module [, shared = true]): applies clones of module (sharing
-- its parameters) to each element of the input table.
local nn = nn
local MapTable, parent = torch.class('nn.MapTable', 'nn.Container')
function MapTable:__init(module, shared)
  parent.__init(self)
  self.shared = shared == nil and true or shared
  self.module = module
  if module then self.modules[1] = module end
end
function MapTable:_extend(n)
  local names = {'weight', 'bias', 'gradWeight', 'gradBias', 'running_mean', 'running_var'}
  for i = #self.modules + 1, n do
    self.modules[i] = self.shared and self.module:clone(unpack(names)) or self.module:clone()
  end
end
-- the parameters are the first clone's (the others share them)
function MapTable:parameters()
  if self.shared then return self.module:parameters() end
  return parent.parameters(self)
end
function MapTable:updateOutput(input)
  self:_begin()
  self:_extend(#input)
  local out = {}
  for i = 1, #input do out[i] = self:_run(self.modules[i], input[i]) end
  self.output = out
  return out
end
-- shared clones are separate leaves over one storage: take the gradient
-- of every clone's parameters and fold them onto the first clone's
function MapTable:_grads(gradOutput, wantInput, wantParams)
  if not self.shared then return nn.Module._grads(self, gradOutput, wantInput, wantParams) end
  local all = nn.Container.parameters(self)
  local gi, g = nn.Module._grads(self, gradOutput, wantInput, wantParams, all)
  local k = #(self.module:parameters() or {})
  local total = {}
  for i, v in pairs(g) do
    local j = (i - 1) % k + 1
    total[j] = total[j] and total[j] + v or v
  end
  return gi, total
end
function MapTable:_chainBackward(input, gradOutput, method, scale)
  local g = {}
  for i = 1, #input do
    g[i] = nn.Container._call(self.modules[i], method, input[i], gradOutput[i], scale)
  end
  if method ~= 'accGradParameters' then self.gradInput = g end
  return self.gradInput
end
function MapTable:__tostring__() return 'nn.MapTable(' .. tostring(self.module) .. ')' end
return MapTable
