-- data.gnuplot(commands): run a gnuplot script (a string) when gnuplot is
-- installed (Debian's gnuplot-nox). Returns true, or nil and a message.
-- Shared by data.Logger and optim.Logger, which draw their logs to PNG.
local data = package.loaded.data

local function sh(s) return "'" .. s:gsub("'", "'\\''") .. "'" end
local function ok(r) return r == 0 or r == true end

function data.haveGnuplot() return ok(os.execute('command -v gnuplot >/dev/null 2>&1')) end

-- a string quoted for gnuplot
function data.gnuplotQuote(s) return "'" .. s:gsub("'", "''") .. "'" end

function data.gnuplot(commands)
  if not data.haveGnuplot() then
    return nil, 'gnuplot is not on PATH (apt-get install gnuplot-nox)'
  end
  local script = os.tmpname()
  local f = assert(io.open(script, 'w'))
  f:write(commands, '\n')
  f:close()
  local log = script .. '.log'
  local r = os.execute(string.format('gnuplot %s >%s 2>&1', sh(script), sh(log)))
  local lf = io.open(log)
  local msg = lf and lf:read('*a') or ''
  if lf then lf:close() end
  os.remove(script)
  os.remove(log)
  if not ok(r) then return nil, 'gnuplot failed: ' .. msg end
  return true
end

return data
