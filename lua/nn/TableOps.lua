-- Torch7's table modules (table.md) that table.lua's classes lacked:
-- elementwise max/min over a table, narrowing and flattening tables.
-- Outputs are recorded tensor ops or the input tensors themselves, so the
-- tape gives gradInput (structured like the input, zeros where unused).
local nn = nn

local function checkTable(name, input)
  if type(input) ~= 'table' or torch.isTensor(input) or #input == 0 then
    error(string.format('nn.%s: expected a non-empty table of tensors as input, got %s', name,
                        torch.isTensor(input) and input:type() or type(input)), 3)
  end
end

-- nn.CMaxTable() / nn.CMinTable(): the elementwise max / min of a table of
-- tensors of one size. On ties the gradient is shared between the inputs
-- (Torch7 gave it all to the first of them).
local function reduceTable(name, op)
  local C = torch.class('nn.' .. name, 'nn.Module')
  function C:updateOutput(input)
    checkTable(name, input)
    local r = input[1]
    for i = 2, #input do
      if not input[i]:isSameSizeAs(r) then
        error(string.format('nn.%s: input %d has a different size than input 1', name, i), 2)
      end
      r = op(r, input[i])
    end
    self.output = r
    return r
  end
  return C
end
reduceTable('CMaxTable', torch.cmax)
reduceTable('CMinTable', torch.cmin)

-- nn.NarrowTable(offset [, length = 1]): {input[offset], ..., input[offset + length - 1]}
local NarrowTable, parent = torch.class('nn.NarrowTable', 'nn.Module')
function NarrowTable:__init(offset, length)
  parent.__init(self)
  if type(offset) ~= 'number' then error('nn.NarrowTable: expected a number offset', 2) end
  self.offset, self.length = offset, length or 1
end
function NarrowTable:updateOutput(input)
  checkTable('NarrowTable', input)
  local last = self.offset + self.length - 1
  if self.offset < 1 or self.length < 1 or last > #input then
    error(string.format('nn.NarrowTable: elements %d to %d are out of range (the table has %d)',
                        self.offset, last, #input), 2)
  end
  local out = {}
  for i = self.offset, last do out[#out + 1] = input[i] end
  self.output = out
  return out
end

-- nn.FlattenTable(): a nested table of tensors as one flat table, depth first
local FlattenTable = torch.class('nn.FlattenTable', 'nn.Module')
function FlattenTable:updateOutput(input)
  if type(input) ~= 'table' or torch.isTensor(input) then
    error('nn.FlattenTable: expected a (nested) table of tensors as input, got '
          .. (torch.isTensor(input) and input:type() or type(input)), 2)
  end
  self.output = nn.utils.flatten(input)
  return self.output
end

return nn
