-- require 'paths' (loaded by torch, as in Torch7): file names and
-- directories. POSIX calls through LuaJIT's FFI; names are strings.
--   paths.filep(p) paths.dirp(p) paths.concat(...) paths.cwd() paths.home
--   paths.basename(p [, ext]) paths.dirname(p) paths.extname(p)
--   paths.mkdir(p) paths.rmdir(p) paths.rmall(p, 'yes') paths.tmpname()
--   paths.dir(p) paths.files(p [, include]) paths.iterfiles(p) paths.iterdirs(p)
--   paths.thisfile() paths.dofile(f, ...) paths.findprogram(name) paths.uname()
local ffi = require 'ffi'
local paths = rawget(_G, 'paths') or {}
_G.paths = paths

ffi.cdef [[
typedef struct lt_paths_dir lt_paths_dir;
lt_paths_dir *opendir(const char *name);
int closedir(lt_paths_dir *d);
char *getcwd(char *buf, size_t size);
int mkdir(const char *path, unsigned int mode);
int rmdir(const char *path);
int access(const char *path, int mode);
]]
-- readdir's struct dirent differs by platform; Linux's 64-bit layout:
-- ino (8), off (8), reclen (2), type (1), then the name
ffi.cdef [[
struct lt_paths_dirent { uint64_t ino; int64_t off; unsigned short reclen; unsigned char type; char name[256]; };
struct lt_paths_dirent *readdir(lt_paths_dir *d);
]]
local C = ffi.C

local function check_string(fn, p, i)
  if type(p) ~= 'string' then
    error(string.format('paths.%s: argument %d: expected a path (string), got %s', fn, i or 1, type(p)), 3)
  end
end

function paths.dirp(p)
  check_string('dirp', p)
  local d = C.opendir(p)
  if d == nil then return false end
  C.closedir(d)
  return true
end

-- a regular (openable) file that is not a directory
function paths.filep(p)
  check_string('filep', p)
  local f = io.open(p, 'r')
  if not f then return false end
  f:close()
  return not paths.dirp(p)
end

function paths.cwd()
  local buf = ffi.new('char[?]', 4096)
  if C.getcwd(buf, 4096) == nil then return nil end
  return ffi.string(buf)
end

-- Torch7's concat: each relative part is taken from the one before, the
-- first from the current directory; an absolute part starts again. With
-- no arguments, the current directory.
function paths.concat(...)
  local n = select('#', ...)
  local p = paths.cwd()
  for i = 1, n do
    local part = select(i, ...)
    check_string('concat', part, i)
    if part:sub(1, 1) == '/' then p = part elseif part ~= '' then p = p .. '/' .. part end
  end
  p = p:gsub('/+', '/'):gsub('/%./', '/'):gsub('/%.$', '')
  if #p > 1 then p = p:gsub('/$', '') end
  return p
end

function paths.dirname(p)
  check_string('dirname', p)
  local d = p:gsub('/+$', ''):match('^(.*)/[^/]*$')
  if d == nil then return '.' end
  return d == '' and '/' or d
end

-- the last component, without the extension ext ('lua' or '.lua') if it has it
function paths.basename(p, ext)
  check_string('basename', p)
  local b = p:gsub('/+$', ''):match('[^/]*$')
  if b == '' and p:sub(1, 1) == '/' then return '/' end
  if ext then
    ext = ext:sub(1, 1) == '.' and ext or '.' .. ext
    if #b > #ext and b:sub(-#ext) == ext then b = b:sub(1, -#ext - 1) end
  end
  return b
end

-- the extension without its dot, or nil
function paths.extname(p)
  check_string('extname', p)
  return paths.basename(p):match('.%.([^.]+)$')
end

function paths.mkdir(p)
  check_string('mkdir', p)
  return C.mkdir(p, tonumber('777', 8)) == 0 or paths.dirp(p)
end

function paths.rmdir(p)
  check_string('rmdir', p)
  return C.rmdir(p) == 0
end

-- the entries of directory p (with '.' and '..'), or nil when p is none
function paths.dir(p)
  check_string('dir', p)
  local d = C.opendir(p)
  if d == nil then return nil end
  local names = {}
  while true do
    local e = C.readdir(d)
    if e == nil then break end
    names[#names + 1] = ffi.string(e.name)
  end
  C.closedir(d)
  return names
end

-- an iterator over the entries of p other than '.' and '..'; include, a
-- Lua pattern or a function(name), keeps only those it matches
function paths.files(p, include)
  local names = paths.dir(p) or {}
  local i = 0
  return function()
    while true do
      i = i + 1
      local name = names[i]
      if name == nil then return nil end
      local keep = name ~= '.' and name ~= '..'
      if keep and type(include) == 'string' then keep = name:find(include) ~= nil end
      if keep and type(include) == 'function' then keep = include(name) end
      if keep then return name end
    end
  end
end

local function filtered(p, want)
  local it = paths.files(p)
  return function()
    for name in it do
      if want(p .. '/' .. name) then return name end
    end
  end
end
function paths.iterfiles(p) return filtered(p, paths.filep) end
function paths.iterdirs(p) return filtered(p, paths.dirp) end

local function quote(p) return "'" .. p:gsub("'", "'\\''") .. "'" end

-- removes p and everything below it; the second argument must be 'yes'
function paths.rmall(p, sure)
  check_string('rmall', p)
  if sure ~= 'yes' then error("paths.rmall: pass 'yes' as argument 2 to remove " .. p, 2) end
  local r = os.execute('rm -rf ' .. quote(p))
  return r == 0 or r == true
end

function paths.tmpname() return os.tmpname() end

function paths.findprogram(name)
  check_string('findprogram', name)
  for dir in (os.getenv('PATH') or ''):gmatch('[^:]+') do
    local f = dir .. '/' .. name
    if C.access(f, 1) == 0 and paths.filep(f) then return f end
  end
  return nil
end

function paths.uname() return 'Linux' end
function paths.is_win() return false end
function paths.is_mac() return false end

paths.home = os.getenv('HOME') or '/'

-- the file of the Lua function that called thisfile (arg: a name to
-- resolve next to it)
function paths.thisfile(name, depth)
  local src = debug.getinfo((depth or 1) + 1, 'S').source
  if src:sub(1, 1) ~= '@' then return nil end
  local file = src:sub(2)
  if file:sub(1, 1) ~= '/' then file = paths.concat(file) end
  if name then return paths.concat(paths.dirname(file), name) end
  return file
end

-- dofile(f) with f relative to the calling file's directory
function paths.dofile(f, ...)
  check_string('dofile', f)
  local full = f:sub(1, 1) == '/' and f or (paths.thisfile(f, 2) or f)
  return dofile(full, ...)
end

return paths
