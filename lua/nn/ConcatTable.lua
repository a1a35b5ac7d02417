-- nn.ConcatTable(): applies each child to the same input; the output is
-- the table of their outputs.
local nn = nn
local ConcatTable, parent = torch.class('nn.ConcatTable', 'nn.Container')

function ConcatTable:updateOutput(input)
  self:_begin()
  local out = {}
  for i, m in ipairs(self.modules) do out[i] = self:_run(m, input) end
  self.output = out
  return out
end

local function addInto(a, b)  -- gradients of a shared input add up (tables too)
  if a == nil then return b end
  if torch.isTensor(a) then return a + b end
  local r = {}
  for i = 1, #a do r[i] = addInto(a[i], b[i]) end
  return r
end
nn._addGrads = addInto

function ConcatTable:_chainBackward(input, gradOutput, method, scale)
  local g
  for i, m in ipairs(self.modules) do
    local gi = nn.Container._call(m, method, input, gradOutput[i], scale)
    if method ~= 'accGradParameters' then g = addInto(g, gi) end
  end
  if method ~= 'accGradParameters' then self.gradInput = g end
  return self.gradInput
end

function ConcatTable:__tostring__()
  local tab, line = '  ', '\n'
  local s = torch.typename(self) .. ' {' .. line .. tab .. 'input'
  for i, m in ipairs(self.modules) do
    local last = i == #self.modules
    s = s .. line .. tab .. (last and '`-> ' or '|`-> ') .. '(' .. i .. '): '
        .. nn._indent(tostring(m), tab .. (last and '     ' or '|    '))
  end
  return s .. line .. tab .. '... -> output' .. line .. '}'
end
return ConcatTable
