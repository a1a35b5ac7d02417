-- nngraph-style functional graphs:
--   local x = nn.Identity()()                 -- an input node
--   local h = nn.Tanh()(nn.Linear(10, 20)(x)) -- module(node) makes a node
--   local a, b = nn.SplitTable(1)(h):split(2) -- one node per output
--   local g = nn.gModule({x}, {h})
-- A gModule is a container: its forward runs the nodes in topological
-- order on one tape, so backward is one pass whatever the wiring.
-- Nodes and gModules are torch.class objects, so torch.save/torch.load keep
-- the graph (nodes are plain fields: module, inputs, select).
local nn = nn
local Node = torch.class('nn.Node')

function nn.isNode(x) return getmetatable(x) == Node end

-- nn.Node(module, input node | {input nodes}) ; module == nil: a selector
function Node:__init(module, inputs)
  if nn.isNode(inputs) then inputs = {inputs} end
  self.module, self.inputs = module, inputs or {}
end

-- n nodes, node i taking output i of this (table-valued) node
function Node:split(n)
  local r = {}
  for i = 1, n do r[i] = setmetatable({inputs = {self}, select = i}, Node) end
  return unpack(r, 1, n)
end

function Node:__tostring() return 'nn.Node(' .. tostring(self.module or 'select') .. ')' end

local gModule, parent = torch.class('nn.gModule', 'nn.Container')

function gModule:__init(inputs, outputs)
  parent.__init(self)
  if nn.isNode(inputs) then inputs = {inputs} end
  if nn.isNode(outputs) then outputs = {outputs} end
  assert(type(inputs) == 'table' and type(outputs) == 'table',
         'nn.gModule: expected a table of input nodes and a table of output nodes')
  self.inputNodes, self.outputNodes = inputs, outputs
  -- depth-first order from the outputs, iterative (deep graphs)
  local order, state = {}, {}
  for _, o in ipairs(outputs) do
    local stack = {{o, 1}}
    while #stack > 0 do
      local top = stack[#stack]
      local n, i = top[1], top[2]
      if state[n] == 'done' then
        stack[#stack] = nil
      elseif n.inputs[i] then
        top[2] = i + 1
        local p = n.inputs[i]
        if state[p] == 'open' then error('nn.gModule: the graph has a cycle', 2) end
        if state[p] ~= 'done' then
          state[p] = 'open'
          stack[#stack + 1] = {p, 1}
        end
      else
        state[n] = 'done'
        order[#order + 1] = n
        stack[#stack] = nil
      end
    end
  end
  self.forwardnodes = order
  local isInput = {}
  for _, n in ipairs(inputs) do isInput[n] = true end
  for _, n in ipairs(order) do
    if #n.inputs == 0 and not isInput[n] then
      error('nn.gModule: a node with no inputs is not among the given inputs', 2)
    end
    if n.module and not isInput[n] then self.modules[#self.modules + 1] = n.module end
  end
end

function gModule:updateOutput(input)
  self:_begin()
  if self._chained then
    error('nn.gModule: modules with their own updateGradInput are not supported in a graph', 2)
  end
  local value = {}
  local ins = #self.inputNodes == 1 and {input} or input
  for i, n in ipairs(self.inputNodes) do
    value[n] = n.module and self:_run(n.module, ins[i]) or ins[i]
  end
  for _, n in ipairs(self.forwardnodes) do
    if value[n] == nil then
      local x
      if #n.inputs == 1 then x = value[n.inputs[1]]
      else
        x = {}
        for i, p in ipairs(n.inputs) do x[i] = value[p] end
      end
      if n.select then value[n] = x[n.select] else value[n] = self:_run(n.module, x) end
    end
  end
  if #self.outputNodes == 1 then
    self.output = value[self.outputNodes[1]]
  else
    self.output = {}
    for i, n in ipairs(self.outputNodes) do self.output[i] = value[n] end
  end
  return self.output
end

function gModule:__tostring__()
  return string.format('nn.gModule (%d inputs, %d outputs, %d modules)', #self.inputNodes,
                       #self.outputNodes, #self.modules)
end

return gModule
