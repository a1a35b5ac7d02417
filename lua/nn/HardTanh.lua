-- nn.HardTanh([min = -1, max = 1] [, inplace]): clamp to [min, max]; the
-- gradient passes strictly inside.
local HardTanh = torch.class('nn.HardTanh', 'nn.Module')
function HardTanh:__init(min, max, inplace)
  nn.Module.__init(self)
  self.min_val = min or -1
  self.max_val = max or 1
  assert(self.max_val > self.min_val, 'nn.HardTanh: max must be larger than min')
  self.inplace = inplace
end
function HardTanh:updateOutput(input)
  self.output = nn.F.hardtanh(input, self.min_val, self.max_val)
  return self.output
end
return HardTanh
