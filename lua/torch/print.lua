-- Printing tensors the way Torch7 did: values in a column format with a
-- shared scale, then "[torch.FloatTensor of size 2x3]".
local torch = torch

local function sizestr(t)
  if t:dim() == 0 then return '[]' end
  local s = {}
  for i = 1, t:dim() do s[i] = tostring(t:size(i)) end
  return table.concat(s, 'x')
end

-- Choose one format for all values: returns fmt, scale (divide by), header
local function choose_format(flat, dtype)
  if dtype == 'bool' then return nil, 1, nil end
  local maxabs, minabs, allint = 0, math.huge, true
  for _, v in ipairs(flat) do
    local a = math.abs(v)
    if a ~= a or a == math.huge then -- nan/inf: do not affect the scale
    else
      if a > maxabs then maxabs = a end
      if a ~= 0 and a < minabs then minabs = a end
      if v ~= math.floor(v) then allint = false end
    end
  end
  if allint then
    local width = #string.format('%d', maxabs) + 1
    return '%' .. width .. '.0f', 1, nil
  end
  local emax = math.floor(math.log10(maxabs) + 1e-6)
  local emin = minabs < math.huge and math.floor(math.log10(minabs) + 1e-6) or emax
  if emax - emin > 4 then return '%11.4e', 1, nil end
  if emax > 4 or emax < -2 then
    local scale = 10 ^ emax
    return '%7.4f', scale, string.format('%s *\n', string.format('%.0e', scale))
  end
  local width = math.max(emax, 0) + 7
  return '%' .. width .. '.4f', 1, nil
end

local function fmtval(fmt, scale, v)
  if fmt == nil then return v and ' true' or 'false' end
  if v ~= v then return string.format('%' .. #string.format(fmt, 0) .. 's', 'nan') end
  if v == math.huge or v == -math.huge then
    return string.format('%' .. #string.format(fmt, 0) .. 's', v > 0 and 'inf' or '-inf')
  end
  return string.format(fmt, v / scale)
end

local function matrix_lines(out, m, fmt, scale)
  for i = 1, m:size(1) do
    local row = {}
    for j = 1, m:size(2) do row[j] = fmtval(fmt, scale, m[i][j]) end
    out[#out + 1] = table.concat(row, ' ')
  end
end

function torch.format(t)
  local typename = t:type()
  if t:nElement() == 0 then
    return string.format('[%s with no dimension]', typename)
  end
  local c = t:dim() > 0 and t:contiguous() or t
  local flat = c:_flat()
  local fmt, scale, header = choose_format(flat, t:dtype())
  local out = {}
  if header then out[1] = header:sub(1, -2) end
  if t:dim() == 0 then
    out[#out + 1] = fmtval(fmt, scale, flat[1])
  elseif t:dim() == 1 then
    for i = 1, #flat do out[#out + 1] = fmtval(fmt, scale, flat[i]) end
  elseif t:dim() == 2 then
    matrix_lines(out, c, fmt, scale)
  else
    -- iterate over all leading indices, printing 2-D slices
    local lead = t:dim() - 2
    local idx = {}
    for i = 1, lead do idx[i] = 1 end
    while true do
      local m = c
      for i = 1, lead do m = m:select(1, idx[i]) end
      out[#out + 1] = '(' .. table.concat(idx, ',') .. ',.,.) = '
      matrix_lines(out, m, fmt, scale)
      out[#out + 1] = ''
      local d = lead
      while d >= 1 do
        idx[d] = idx[d] + 1
        if idx[d] <= t:size(d) then break end
        idx[d] = 1
        d = d - 1
      end
      if d < 1 then break end
    end
  end
  out[#out + 1] = string.format('[%s of size %s]', typename, sizestr(t))
  return table.concat(out, '\n')
end
