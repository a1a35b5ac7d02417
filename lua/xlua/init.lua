-- require 'xlua': what Torch7 scripts use of xlua — the progress bar
-- (data.progress), a guarded require, and a table printer.
require 'torch'
local data = require 'data'
local xlua = rawget(_G, 'xlua') or {}
_G.xlua = xlua

-- xlua.progress(i, n): a one-line bar with the count, rate and ETA
function xlua.progress(i, n)
  if type(i) ~= 'number' or type(n) ~= 'number' then
    error(string.format('xlua.progress: expected progress(i, n) with numbers, got %s, %s', type(i),
                        type(n)), 2)
  end
  data.progress(i, n)
end

-- the package, or nil (and a message when verbose) when it cannot be loaded
function xlua.require(name, verbose)
  local ok, pkg = pcall(require, name)
  if ok then return pkg end
  if verbose then print('xlua.require: could not load package ' .. tostring(name)) end
  return nil
end

local function show(x, indent, seen)
  if type(x) ~= 'table' or torch.isTensor(x) then return tostring(x) end
  if seen[x] then return '<cycle>' end
  seen[x] = true
  local keys = {}
  for k in pairs(x) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local lines = {'{'}
  for _, k in ipairs(keys) do
    local v = show(x[k], indent .. '  ', seen)
    lines[#lines + 1] = string.format('%s  %s : %s', indent, tostring(k), v)
  end
  lines[#lines + 1] = indent .. '}'
  seen[x] = nil
  return table.concat(lines, '\n')
end

-- prints tables key by key (nested ones indented), anything else as print
function xlua.print(...)
  local parts = {}
  for i = 1, select('#', ...) do parts[i] = show((select(i, ...)), '', {}) end
  print(table.concat(parts, '\t'))
end

return xlua
