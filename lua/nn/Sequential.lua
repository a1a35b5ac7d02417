-- nn.Sequential: children applied one after the other.
local nn = nn
local Sequential, parent = torch.class('nn.Sequential', 'nn.Container')

function Sequential:insert(module, index)
  index = index or (#self.modules + 1)
  table.insert(self.modules, index, module)
  return self
end

function Sequential:remove(index)
  index = index or #self.modules
  return table.remove(self.modules, index)
end

-- Torch7: the first child's gradInput = nil means no gradient for the input
function Sequential:_wantsGradInput()
  local first = self.modules[1]
  return first == nil or first.gradInput ~= nil
end

function Sequential:updateOutput(input)
  self:_begin()
  local x = input
  for _, m in ipairs(self.modules) do x = self:_run(m, x) end
  self.output = x
  return x
end

-- Torch7's chaining, children in reverse (used with manual children)
function Sequential:_chainBackward(input, gradOutput, method, scale)
  local g = gradOutput
  for i = #self.modules, 1, -1 do
    local m = self.modules[i]
    local x = i > 1 and self.modules[i - 1].output or input
    g = nn.Container._call(m, method, x, g, scale)
  end
  if method ~= 'accGradParameters' then self.gradInput = g end
  return self.gradInput
end

function Sequential:__tostring__()
  local tab, line, next = '  ', '\n', ' -> '
  local s = 'nn.Sequential {' .. line .. tab .. '[input'
  for i = 1, #self.modules do s = s .. next .. '(' .. i .. ')' end
  s = s .. next .. 'output]'
  for i, m in ipairs(self.modules) do
    s = s .. line .. tab .. '(' .. i .. '): ' .. nn._indent(tostring(m), tab)
  end
  return s .. line .. '}'
end

return Sequential
