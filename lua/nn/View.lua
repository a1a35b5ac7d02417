-- nn.View(sizes...): a view of the input (one size may be -1). With
-- setNumInputDims(n), extra leading dims of the input are kept as a batch;
-- without it, an input with more elements than the sizes gives a batch dim.
local View, parent = torch.class('nn.View', 'nn.Module')
function View:__init(...)
  parent.__init(self)
  local args = {...}
  if torch.typename(args[1]) == 'torch.LongStorage' then args = args[1]:totable() end
  self.size = args
  self.numElements = 1
  for _, s in ipairs(args) do if s > 0 then self.numElements = self.numElements * s end end
end
function View:setNumInputDims(n) self.numInputDims = n return self end
function View:updateOutput(input)
  local sizes = {unpack(self.size)}
  local batch
  if self.numInputDims and input:dim() > self.numInputDims then
    batch = {}
    for d = 1, input:dim() - self.numInputDims do batch[d] = input:size(d) end
  else
    local hasNeg = false
    for _, s in ipairs(sizes) do if s < 0 then hasNeg = true end end
    if not hasNeg and input:nElement() ~= self.numElements and input:dim() > 0
       and input:nElement() % self.numElements == 0 then
      batch = {input:nElement() / self.numElements}
    end
  end
  if batch then for i = #batch, 1, -1 do table.insert(sizes, 1, batch[i]) end end
  local x = input:isContiguous() and input or input:contiguous()
  self.output = x:view(torch.LongStorage(sizes))
  return self.output
end
function View:__tostring__() return 'nn.View(' .. table.concat(self.size, ', ') .. ')' end
return View
