-- nn.Container: holds child modules in self.modules. With only autograd
-- children, a container's forward records one tape (children's
-- updateOutput on the container's alias input) and its backward is one
-- pass over it. With a manual child somewhere below, forward calls each
-- child's forward and backward chains the children as Torch7 did
-- (subclasses give _chain).
local nn = nn
local Container, parent = torch.class('nn.Container', 'nn.Module')

function Container:__init(...)
  parent.__init(self, ...)
  self.modules = {}
end

function Container:add(module)
  table.insert(self.modules, module)
  return self
end

function Container:get(index) return self.modules[index] end
function Container:size() return #self.modules end

function Container:_hasManual()
  for _, m in ipairs(self.modules) do
    if m:_hasManual() then return true end
  end
  return false
end

-- run child m on x: inside one tape (m:updateOutput) or, when the tree has
-- a manual module, as a separate forward that m:backward can answer
function Container:_run(m, x)
  if self._chained then return m:forward(x) end
  if m.modules and m:_hasManual() then return m:forward(x) end
  m._input = x
  m._pending = nil
  m.output = m:updateOutput(x)
  return m.output
end

-- set the mode for this forward (called at the start of updateOutput)
function Container:_begin()
  self._chained = (torch.is_grad_enabled() and self:_hasManual()) or nil
end

function Container:parameters()
  local ps, gs = {}, {}
  for _, m in ipairs(self.modules) do
    local p, g = m:parameters()
    if p then
      for i = 1, #p do
        ps[#ps + 1] = p[i]
        gs[#gs + 1] = g[i]
      end
    end
  end
  return ps, gs
end

function Container:zeroGradParameters()
  for _, m in ipairs(self.modules) do m:zeroGradParameters() end
end

function Container:updateParameters(lr)
  for _, m in ipairs(self.modules) do m:updateParameters(lr) end
end

function Container:training()
  self.train = true
  for _, m in ipairs(self.modules) do m:training() end
  return self
end

function Container:evaluate()
  self.train = false
  for _, m in ipairs(self.modules) do m:evaluate() end
  return self
end

function Container:clearState()
  nn.Module.clearState(self)
  for _, m in ipairs(self.modules) do m:clearState() end
  return self
end

function Container:_chain(input, gradOutput, method, scale)
  if not self._chainBackward then
    error(torch.typename(self) .. ': children that define their own updateGradInput are not '
          .. 'supported in this container', 2)
  end
  return self:_chainBackward(input, gradOutput, method, scale)
end

-- call child:method(input, gradOutput, scale); returns the child's gradInput
function Container._call(m, method, input, gradOutput, scale)
  if method == 'accGradParameters' then
    m:accGradParameters(input, gradOutput, scale)
    return m.gradInput
  end
  return m[method](m, input, gradOutput, scale)
end

local function indent(s, pad) return (s:gsub('\n', '\n' .. pad)) end
nn._indent = indent

return Container
