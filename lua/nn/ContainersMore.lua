-- More of Torch7's containers (containers.md): DepthConcat and Bottle.
-- With autograd children their forward records one tape; with a manual
-- child below, Torch7's chaining (_chainBackward) is used instead.
local nn = nn

-- nn.DepthConcat(dim): nn.Concat whose children's outputs may differ in
-- their other dimensions: the output takes the largest size of each, and a
-- smaller output sits centred in zeros (start floor((max - size)/2) + 1)
local DepthConcat = torch.class('nn.DepthConcat', 'nn.Concat')

-- the window of the output (or gradOutput) t that child output o fills
function DepthConcat:_window(t, o, offset)
  local w = t:narrow(self.dimension, offset, o:size(self.dimension))
  for d = 1, o:dim() do
    if d ~= self.dimension and t:size(d) ~= o:size(d) then
      w = w:narrow(d, math.floor((t:size(d) - o:size(d)) / 2) + 1, o:size(d))
    end
  end
  return w
end

function DepthConcat:updateOutput(input)
  self:_begin()
  local outs, size = {}, nil
  for i, m in ipairs(self.modules) do
    local o = self:_run(m, input)
    outs[i] = o
    if not size then
      size = o:size():totable()
    else
      if o:dim() ~= #size then
        error(string.format('nn.DepthConcat: child %d gives a %dD output, child 1 a %dD one', i,
                            o:dim(), #size), 2)
      end
      for d = 1, #size do
        if d == self.dimension then size[d] = size[d] + o:size(d)
        else size[d] = math.max(size[d], o:size(d)) end
      end
    end
  end
  if not size then error('nn.DepthConcat: no children to concatenate', 2) end
  -- zero slabs before and after each smaller output (recorded cats)
  for i, o in ipairs(outs) do
    for d = 1, #size do
      local n = o:size(d)
      if d ~= self.dimension and n ~= size[d] then
        local before = math.floor((size[d] - n) / 2)
        local parts = {}
        local function zeros(k)
          local s = o:size():totable()
          s[d] = k
          return torch.zeros(torch.LongStorage(s)):type(o:type())
        end
        if before > 0 then parts[#parts + 1] = zeros(before) end
        parts[#parts + 1] = o
        if size[d] - n - before > 0 then parts[#parts + 1] = zeros(size[d] - n - before) end
        o = torch.cat(parts, d)
      end
    end
    outs[i] = o
  end
  self.output = torch.cat(outs, self.dimension)
  return self.output
end

function DepthConcat:_chainBackward(input, gradOutput, method, scale)
  local g, offset = nil, 1
  for _, m in ipairs(self.modules) do
    local go = self:_window(gradOutput, m.output, offset)
    local gi = nn.Container._call(m, method, input, go, scale)
    if method ~= 'accGradParameters' then g = nn._addGrads(g, gi) end
    offset = offset + m.output:size(self.dimension)
  end
  if method ~= 'accGradParameters' then self.gradInput = g end
  return self.gradInput
end

-- nn.Bottle(module [, nInputDim = 2] [, nOutputDim = nInputDim]): applies
-- module to an input with more than nInputDim dims by folding its leading
-- dims into the first one (module sees nInputDim dims, must give
-- nOutputDim), then unfolding the output's first dim again
local Bottle, parent = torch.class('nn.Bottle', 'nn.Container')
function Bottle:__init(module, nInputDim, nOutputDim)
  parent.__init(self)
  if not (type(module) == 'table' and torch.isTypeOf(module, 'nn.Module')) then
    error('nn.Bottle: expected a module to wrap', 2)
  end
  self.nInputDim = nInputDim or 2
  self.nOutputDim = nOutputDim or self.nInputDim
  self.modules[1] = module
end

-- the sizes of the folded input, or nil when no folding is needed
local function folded(self, input)
  local n = input:dim() - self.nInputDim + 1 -- leading dims folded into one
  if n <= 1 then return nil end
  local lead, s = {}, {1}
  for i = 1, input:dim() do
    if i <= n then
      lead[i] = input:size(i)
      s[1] = s[1] * input:size(i)
    else
      s[#s + 1] = input:size(i)
    end
  end
  return s, lead
end

function Bottle:updateOutput(input)
  if not torch.isTensor(input) or input:dim() < self.nInputDim then
    error(string.format('nn.Bottle: expected a tensor of at least %d dimensions as input', self.nInputDim), 2)
  end
  self:_begin()
  local m = self.modules[1]
  local s, lead = folded(self, input)
  if not s then
    self.output = self:_run(m, input)
    return self.output
  end
  local out = self:_run(m, input:reshape(torch.LongStorage(s)))
  if out:dim() ~= self.nOutputDim then
    error(string.format('nn.Bottle: the module gave a %dD output, expected %dD (nOutputDim)', out:dim(),
                        self.nOutputDim), 2)
  end
  for i = 2, out:dim() do lead[#lead + 1] = out:size(i) end
  self.output = out:reshape(torch.LongStorage(lead))
  return self.output
end

function Bottle:_chainBackward(input, gradOutput, method, scale)
  local m = self.modules[1]
  local s = folded(self, input)
  local x, go = input, gradOutput
  if s then
    x = input:reshape(torch.LongStorage(s))
    go = gradOutput:reshape(m.output:size())
  end
  local gi = nn.Container._call(m, method, x, go, scale)
  if method ~= 'accGradParameters' then
    self.gradInput = (s and gi) and gi:reshape(input:size()) or gi
  end
  return self.gradInput
end

function Bottle:__tostring__()
  return 'nn.Bottle(' .. nn._indent(tostring(self.modules[1]), '  ') .. ')'
end

return nn
