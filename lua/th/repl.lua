-- The Lua side of th's REPL: how results print and what <TAB> completes.
-- th (C) calls show(...) with a line's results and complete(text) on <TAB>.
local M = {}

local function is_tensor(v)
  local torch = rawget(_G, 'torch')
  return type(v) == 'userdata' and torch and torch.isTensor and torch.isTensor(v)
end

local function has_tostring(v)
  local mt = getmetatable(v)
  return type(mt) == 'table' and rawget(mt, '__tostring') ~= nil
end

-- one-line form of a value inside a table
local function brief(v)
  if type(v) == 'string' then
    if #v > 60 then v = v:sub(1, 57) .. '...' end
    return (string.format('%q', v):gsub('\\\n', '\\n'))
  end
  if is_tensor(v) then
    local s = {}
    for i = 1, v:dim() do s[i] = v:size(i) end
    return string.format('%s - size: %s', v:type(), #s > 0 and table.concat(s, 'x') or '[]')
  end
  local ok, s = pcall(tostring, v)
  s = ok and tostring(s) or type(v)
  return (s:gsub('\n.*', ' ...'))
end

local function key_order(a, b)
  local ta, tb = type(a), type(b)
  if ta == 'number' and tb == 'number' then return a < b end
  if ta == 'number' or tb == 'number' then return ta == 'number' end
  return tostring(a) < tostring(b)
end

M.max_entries = 100

-- a table prints its entries one level deep, keys sorted
function M.table_string(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  if #keys == 0 then return '{}' end
  table.sort(keys, key_order)
  local lines = {'{'}
  for i, k in ipairs(keys) do
    if i > M.max_entries then
      lines[#lines + 1] = string.format('  ... (%d more)', #keys - M.max_entries)
      break
    end
    local ks = type(k) == 'string' and k or '[' .. brief(k) .. ']'
    lines[#lines + 1] = '  ' .. ks .. ' : ' .. brief(t[k])
  end
  lines[#lines + 1] = '}'
  return table.concat(lines, '\n')
end

-- each result on its own line; tensors print through their __tostring
function M.show(...)
  for i = 1, select('#', ...) do
    local v = select(i, ...)
    if type(v) == 'table' and not has_tostring(v) then
      print(M.table_string(v))
    else
      print(v)
    end
  end
end

local keywords = {'and', 'break', 'do', 'else', 'elseif', 'end', 'false', 'for',
  'function', 'if', 'in', 'local', 'nil', 'not', 'or', 'repeat', 'return', 'then',
  'true', 'until', 'while'}

-- string keys reachable from v: its own (a table) and those of its
-- metatables' __index tables; a tensor's methods live in torch.core.methods
local function fields(v, methods_only)
  local out, seen = {}, {}
  local function add(t)
    for k, x in pairs(t) do
      if type(k) == 'string' and not seen[k] and k:match('^[%a_][%w_]*$')
          and (not methods_only or type(x) == 'function') then
        seen[k] = true
        out[#out + 1] = k
      end
    end
  end
  for _ = 1, 10 do -- bounded: __index chains may loop
    if type(v) == 'table' then add(v) end
    if is_tensor(v) then
      add(torch.core.methods)
      break
    end
    local mt = getmetatable(v)
    local idx = type(mt) == 'table' and rawget(mt, '__index')
    if type(idx) ~= 'table' or idx == v then break end
    v = idx
  end
  return out
end

-- completions of text: "pri" -> print, "torch.ze" -> torch.zeros,
-- "x:si" -> x:size ...; a list of full words that start with text
function M.complete(text)
  local head, sep, part = text:match('^(.-)([%.:])([%w_]*)$')
  local names, prefix
  if head then
    if not head:match('^[%a_][%w_]*$') and not head:match('^[%a_][%w_%.]*[%w_]$') then return {} end
    local v = _G
    for name in head:gmatch('[^%.]+') do
      local ok, x = pcall(function() return v[name] end)
      if not ok or x == nil then return {} end
      v = x
    end
    names, prefix = fields(v, sep == ':'), head .. sep
  else
    part, prefix = text, ''
    names = fields(_G)
    for _, k in ipairs(keywords) do names[#names + 1] = k end
  end
  local out = {}
  for _, k in ipairs(names) do
    -- _private names only when asked for
    if k:sub(1, #part) == part and (k:sub(1, 1) ~= '_' or part:sub(1, 1) == '_') then
      out[#out + 1] = prefix .. k
    end
  end
  table.sort(out)
  return out
end

return M
