-- torch.class: Torch7's minimal class system, kept for nn and user code.
--   local Foo, parent = torch.class('nn.Foo', 'nn.Module')
-- Classes are registered by name so files can restore them without code.
local torch = torch

local classes = {}   -- name -> metatable
local parents = {}   -- name -> parent name

local function find_in(t, path)
  for part in path:gmatch('[^%.]+') do
    t = t and rawget(t, part)
  end
  return t
end

function torch.class(name, parentName, package)
  assert(type(name) == 'string', 'torch.class: argument 1: expected a class name (string)')
  if classes[name] then error('torch.class: class ' .. name .. ' already exists', 2) end
  local mt = {__typename = name}
  mt.__index = mt
  local parent
  if parentName then
    parent = classes[parentName]
    if not parent then error('torch.class: unknown parent class ' .. parentName, 2) end
    setmetatable(mt, {__index = parent})
    parents[name] = parentName
    for k, v in pairs(parent) do   -- metamethods are not inherited through __index
      if type(k) == 'string' and k:sub(1, 2) == '__' and k ~= '__index' and k ~= '__typename'
         and rawget(mt, k) == nil then
        mt[k] = v
      end
    end
  end
  classes[name] = mt
  -- callable constructor: Foo(...) -> obj:__init(...)
  local ctor = setmetatable({}, {
    __index = mt,
    __newindex = mt,
    __call = function(_, ...)
      local obj = setmetatable({}, mt)
      if obj.__init then obj:__init(...) end
      return obj
    end,
    __tostring = function() return name end,
  })
  -- install as package.Class (e.g. nn.Linear)
  local pkgname, cls = name:match('^(.*)%.([^%.]+)$')
  local pkg = package or (pkgname and (find_in(_G, pkgname)))
  if pkg == nil and pkgname then
    pkg = {}
    rawset(_G, pkgname, pkg)
  end
  if pkg then rawset(pkg, cls or name, ctor) else rawset(_G, name, ctor) end
  return mt, parent
end

-- torch.getmetatable('nn.Linear') -> the class's metatable; for tensor and
-- storage type names, the table that takes new methods (all tensor types
-- share one method table)
function torch.getmetatable(name)
  if classes[name] then return classes[name] end
  local short = type(name) == 'string' and name:match('^torch%.(%w+)$')
  local cls = short and (short:match('Tensor$') or short:match('Storage$')) and rawget(torch, short)
  if type(cls) == 'table' then
    if short:match('Storage$') then return torch.core.storage_mt.methods end
    return cls
  end
  return nil
end

function torch.typename(obj)
  if torch.isTensor(obj) then return obj:type() end
  if torch.isStorage(obj) then return obj:type() end
  local mt = getmetatable(obj)
  return type(mt) == 'table' and rawget(mt, '__typename') or nil
end

-- torch.type(obj): the Torch class name of a tensor, storage or class
-- instance ('torch.FloatTensor', 'nn.Linear'), else Lua's type(obj)
function torch.type(obj) return torch.typename(obj) or type(obj) end

-- torch.isTypeOf(obj, spec): spec is a class name, a Lua pattern
-- ('torch.*Tensor') or a class; true if obj's class or a parent matches
function torch.isTypeOf(obj, spec)
  if type(spec) == 'table' then spec = tostring(spec) end
  if type(spec) ~= 'string' then
    error('torch.isTypeOf: argument 2: expected a class name, pattern or class, got ' .. type(spec), 2)
  end
  local tn = torch.typename(obj)
  while tn do
    if tn == spec then return true end
    local ok, m = pcall(string.match, tn, spec)
    if ok and m then return true end
    tn = parents[tn]
  end
  return false
end

function torch.factory(name)
  local mt = classes[name]
  if not mt then return nil end
  return function() return setmetatable({}, mt) end
end
