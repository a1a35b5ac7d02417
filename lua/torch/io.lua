-- torch.save / torch.load / torch.serialize / torch.deserialize, Torch7 .t7
-- files and safetensors (docs/files.md, docs/file-format.md).
-- lib/io parses and validates every file; this file walks Lua values to
-- save them and restores class objects by name through torch.class's
-- registry: nothing in a file is ever run.
local torch = torch
local core = torch.core

torch.io = torch.io or {}
local io_ = torch.io

-- Torch7 class name -> lutorch class name, for classes renamed in lutorch
-- (nn fills this in). After a Torch7 load, each class object whose class
-- defines obj:__fromTorch7() is given the chance to adapt its fields
-- (innermost objects first). After any load, obj:__afterLoad() is called
-- the same way (class code, never the file's).
io_.t7ClassMap = io_.t7ClassMap or {}
io_.crc32 = core.io_crc32

local function argcheck(cond, fn, n, expected, got)
  if not cond then
    error(string.format('torch.%s: argument %d: expected %s, got %s', fn, n, expected, type(got)), 3)
  end
end

-- the class name of a torch.class object, or nil for a plain table
local function classname(v, fn)
  local mt = getmetatable(v)
  local name = type(mt) == 'table' and rawget(mt, '__typename')
  if not name then return nil end
  if torch.getmetatable(name) ~= mt then
    error(string.format('torch.%s: class %s is not registered with torch.class', fn, tostring(name)), 0)
  end
  return name
end

local function where(key)
  if key == nil then return '' end
  return string.format(' (at key %s)', type(key) == 'string' and string.format('%q', key) or tostring(key))
end

local function unsaveable(fn, v, key)
  local t = type(v)
  local why = t == 'function' and ': functions are code, and files never hold code' or ''
  error(string.format('torch.%s: cannot save a %s%s%s', fn, t, where(key), why), 0)
end

-- Native format: containers are discovered breadth-first (no recursion, so
-- any depth saves); each gets a record, then its entries.
local function save_native(w, obj, fn)
  local ids, queue, n = {}, {}, 0
  local function ref(v, key)
    local t = type(v)
    if t == 'table' then
      local id = ids[v]
      if id then return id end
      local cname = classname(v, fn)
      id = cname and w:object(cname) or w:table()
      ids[v] = id
      n = n + 1
      queue[n] = v
      return id
    elseif t == 'userdata' then
      local id = ids[v]
      if id then return id end
      if torch.isTensor(v) then id = w:tensor(v)
      elseif torch.isStorage(v) then id = w:storage(v)
      else unsaveable(fn, v, key) end
      ids[v] = id
      return id
    elseif t ~= 'nil' and t ~= 'boolean' and t ~= 'number' and t ~= 'string' then
      unsaveable(fn, v, key)
    end
    return nil
  end
  local root = ref(obj)
  local i = 1
  while i <= n do
    local t = queue[i]
    i = i + 1
    w:begin(ids[t])
    for k, v in next, t do
      w:pair(k, ref(k, k), v, ref(v, k))
    end
    w:finish_entries()
  end
  w:finish(obj, root)
end

-- Torch7's format (binary or ascii: the writer knows which): depth-first,
-- reference indices shared by tables, class objects, tensors and storages
-- (storages found by their C identity).
local T7 = {NIL = 0, NUMBER = 1, STRING = 2, TABLE = 3, TORCH = 4, BOOLEAN = 5}

local function save_t7(w, obj, fn)
  local index, count = {}, 0
  local function seen(key)
    if index[key] then
      w:int(index[key])
      return true
    end
    count = count + 1
    index[key] = count
    w:int(count)
    return false
  end
  local write
  local function write_storage(x)
    local _, sclass = core.io_t7_class(x:dtype())
    w:int(T7.TORCH)
    if seen(core.io_storage_id(x)) then return end
    w:string('V 1')
    w:string(sclass)
    w:storage(x)
  end
  function write(v, key)
    local t = type(v)
    if t == 'nil' then w:int(T7.NIL)
    elseif t == 'number' then w:int(T7.NUMBER); w:double(v)
    elseif t == 'string' then w:int(T7.STRING); w:string(v)
    elseif t == 'boolean' then w:int(T7.BOOLEAN); w:int(v and 1 or 0)
    elseif t == 'table' then
      local cname = classname(v, fn)
      w:int(cname and T7.TORCH or T7.TABLE)
      if seen(v) then return end
      if cname then -- Torch7 writes a class object as its name + a table of fields
        w:string('V 1')
        w:string(cname)
        local fields = {}
        for k, x in next, v do fields[k] = x end
        write(fields)
        return
      end
      local n = 0
      for _ in next, v do n = n + 1 end
      w:int(n)
      for k, x in next, v do
        write(k, k)
        write(x, k)
      end
    elseif torch.isTensor(v) then
      local tclass = core.io_t7_class(v:dtype())
      w:int(T7.TORCH)
      if seen(v) then return end
      w:string('V 1')
      w:string(tclass)
      w:tensor(v)
      -- an empty tensor on an empty storage: no storage, as Torch7 writes
      -- torch.Tensor() (and reads it back, as we do, as an empty tensor)
      if v:nElement() == 0 and v:storage():size() == 0 then w:int(T7.NIL)
      else write_storage(v) end
    elseif torch.isStorage(v) then
      write_storage(v)
    else
      unsaveable(fn, v, key)
    end
  end
  write(obj)
end

local save_formats = {native = 'native', binary = 'native', torch7 = 'torch7', ascii = 'ascii'}

local function save_to(path, obj, format, fn)
  format = format or 'native'
  local kind = save_formats[format]
  if not kind then
    error(string.format("torch.%s: unknown format '%s' (expected 'native', 'torch7' or 'ascii')", fn,
                        tostring(format)), 3)
  end
  local w = core.io_writer(kind, path, fn .. (path and ': ' .. path or ''))
  local ok, err = pcall(kind == 'native' and save_native or save_t7, w, obj, fn)
  if not ok then
    w:abort() -- removes the temporary file now, not at the next collection
    error(err, 0)
  end
  return w:commit()
end

-- torch.save(path, obj [, format]): format 'native' (default; 'binary' is
-- an alias), 'torch7' (a binary file Torch7 can read) or 'ascii' (Torch7's
-- ascii format, read by Torch7's torch.load(path, 'ascii')). Atomic: the file is
-- written under a temporary name, fsynced, then renamed over path.
function torch.save(path, obj, format)
  argcheck(type(path) == 'string', 'save', 1, 'a file name (string)', path)
  save_to(path, obj, format, 'save')
end

-- torch.serialize(obj [, format]) -> string
function torch.serialize(obj, format)
  return save_to(nil, obj, format, 'serialize')
end

local load_modes = {auto = true, native = true, torch7 = true, binary = true, ascii = true}

-- class objects: by name through the registry; an unknown class is an error
-- in native files (and with strict), a table tagged __typename otherwise
local function resolver(fn, strict)
  return function(name, obj, native)
    local mapped = not native and io_.t7ClassMap[name] or name
    local mt = torch.getmetatable(mapped)
    if mt then
      setmetatable(obj, mt)
    elseif native or strict then
      error(string.format('torch.%s: unknown class %s (define it with torch.class, e.g. require its package, before loading)',
                          fn, name), 0)
    else
      rawset(obj, '__typename', name)
    end
  end
end

local function load_from(src, is_path, mode, opts, fn)
  if type(mode) == 'table' then mode, opts = mode.format, mode end
  opts = opts or {}
  mode = mode or 'auto'
  if not load_modes[mode] then
    error(string.format("torch.%s: unknown mode '%s' (expected 'auto', 'native', 'torch7', 'binary' or 'ascii')",
                        fn, tostring(mode)), 3)
  end
  local what = is_path and (fn .. ': ' .. src) or fn
  local root, objects, native = core.io_load(src, is_path, mode, what,
                                             resolver(what, opts.strict), opts.checksum == false)
  if not native then
    for i = #objects, 1, -1 do
      local o = objects[i]
      if type(o.__fromTorch7) == 'function' then o:__fromTorch7() end
    end
  end
  -- then, from any file, obj:__afterLoad() (nn makes parameters autograd
  -- leaves again here, so an optimizer's zeroGrad reaches their gradients)
  for i = #objects, 1, -1 do
    local o = objects[i]
    if type(o.__afterLoad) == 'function' then o:__afterLoad() end
  end
  return root
end

-- torch.load(path [, mode] [, opts]): reads native files and Torch7 files
-- (binary or ascii; told apart from their first bytes, or by mode).
-- opts.strict: unknown Torch7 classes are an error; opts.checksum = false
-- skips the checksum (to inspect a damaged file).
function torch.load(path, mode, opts)
  argcheck(type(path) == 'string', 'load', 1, 'a file name (string)', path)
  return load_from(path, true, mode, opts, 'load')
end

function torch.deserialize(str, mode, opts)
  argcheck(type(str) == 'string', 'deserialize', 1, 'a string', str)
  return load_from(str, false, mode, opts, 'deserialize')
end

-- safetensors ----------------------------------------------------------------

-- torch.loadSafetensors(path) -> {name = tensor}, {metadata key = value}
function torch.loadSafetensors(path)
  argcheck(type(path) == 'string', 'loadSafetensors', 1, 'a file name (string)', path)
  return core.io_load_safetensors(path, 'loadSafetensors: ' .. path)
end

-- torch.saveSafetensors(path, {name = tensor} [, {key = 'value'}])
function torch.saveSafetensors(path, tensors, metadata)
  local fn = 'saveSafetensors'
  argcheck(type(path) == 'string', fn, 1, 'a file name (string)', path)
  argcheck(type(tensors) == 'table', fn, 2, 'a table of named tensors', tensors)
  argcheck(metadata == nil or type(metadata) == 'table', fn, 3, 'a table of strings', metadata)
  local names, list = {}, {}
  for k, v in pairs(tensors) do
    if type(k) ~= 'string' then error('torch.saveSafetensors: tensor names must be strings, got a ' .. type(k), 2) end
    if not torch.isTensor(v) then error(string.format('torch.saveSafetensors: %q is a %s, expected a tensor', k, type(v)), 2) end
    names[#names + 1] = k
  end
  table.sort(names)
  for i, k in ipairs(names) do list[i] = tensors[k] end
  local mk, mv = {}, {}
  for k, v in pairs(metadata or {}) do
    if type(k) ~= 'string' or type(v) ~= 'string' then
      error('torch.saveSafetensors: metadata keys and values must be strings', 2)
    end
    mk[#mk + 1] = k
  end
  table.sort(mk)
  for i, k in ipairs(mk) do mv[i] = metadata[k] end
  core.io_save_safetensors(path, names, list, mk, mv, fn .. ': ' .. path)
end
