-- optim.Logger([filename] [, timestamp]): Torch7's training log. Rows of
-- numbers (or strings) are written to filename (stdout without one), one
-- tab-separated line per add, numbers as %11.4e, under a header line of
-- the names; every value is also kept in logger.symbols[name].
--   logger:setNames{'train error', 'test error'}; logger:add{0.5, 0.7}
--   logger:add{['train error'] = 0.5, ['test error'] = 0.7}  -- names from the first add (sorted)
-- plot() draws the file's columns into <filename>.png with gnuplot when it
-- is installed (Debian's gnuplot-nox), in each column's style ('-' lines,
-- '+' points, '.' dots, '|' impulses, '~' smoothed); without gnuplot, or
-- logging to stdout, it warns once (as Torch7 did without gnuplot).
local optim = optim
local Logger = torch.class('optim.Logger', nil, optim)

local function fail(fmt, ...) error(string.format('optim.Logger: ' .. fmt, ...), 3) end

function Logger:__init(filename, timestamp)
  if filename ~= nil and type(filename) ~= 'string' then fail('expected a file name (string), got %s', type(filename)) end
  if filename then
    self.name = filename
    if timestamp then filename = filename .. '-' .. os.date('%Y_%m_%d_%X') end
    local f, err = io.open(filename, 'w')
    if not f then
      -- Torch7 created the file's folder first
      local dir = filename:match('^(.*)/[^/]*$')
      if dir then os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "'") end
      f, err = io.open(filename, 'w')
    end
    if not f then fail('cannot open %s for writing: %s', filename, tostring(err)) end
    self.file, self.path = f, filename
    self.epsfile = self.name .. '.eps'
  else
    self.file = io.stdout
    self.name = 'stdout'
    print('<Logger> warning: no path provided, logging to std out')
  end
  self.empty = true
  self.symbols = {}
  self.styles = {}
  self.names = {}
  self.idx = {}
  self.logscale = false
  self.showPlot = true
  self.plotRawCmd = nil
  self.defaultStyle = '+'
end

local function writeHeader(self)
  local parts = {}
  for i, n in ipairs(self.names) do parts[i] = n end
  self.file:write(table.concat(parts, '\t') .. '\n')
  self.file:flush()
  self.empty = false
end

-- setNames{name1, name2, ...}: the columns of the positional add
function Logger:setNames(names)
  if type(names) ~= 'table' or #names == 0 then fail('setNames expects a list of names') end
  self.names, self.idx = {}, {}
  for i, n in ipairs(names) do
    self.names[i], self.idx[n] = tostring(n), i
    self.symbols[i] = self.symbols[i] or {}
    self.styles[i] = self.styles[i] or {self.defaultStyle}
  end
  self.byPosition = true
  writeHeader(self)
  return self
end

local function fmt(v)
  if type(v) == 'number' then return string.format('%11.4e', v) end
  if type(v) == 'string' then return v end
  fail('can only log numbers and strings, got %s', torch.isTensor(v) and v:type() or type(v))
end

function Logger:add(symbols)
  if type(symbols) ~= 'table' then fail('add expects a table of values') end
  if self.byPosition then
    if #symbols ~= #self.names then
      fail('add got %d values for %d names (setNames)', #symbols, #self.names)
    end
    local row = {}
    for i = 1, #symbols do row[i] = fmt(symbols[i]) end
    self.file:write(table.concat(row, '\t') .. '\n')
    for i = 1, #symbols do table.insert(self.symbols[i], symbols[i]) end
  else
    if self.empty then
      local names = {}
      for k in pairs(symbols) do names[#names + 1] = tostring(k) end
      table.sort(names)
      self.names = names
      for _, n in ipairs(names) do
        self.symbols[n] = {}
        self.styles[n] = self.styles[n] or {self.defaultStyle}
      end
      writeHeader(self)
    end
    local row = {}
    for i, n in ipairs(self.names) do
      if symbols[n] == nil then fail('add is missing the value of %q', n) end
      row[i] = fmt(symbols[n])
    end
    self.file:write(table.concat(row, '\t') .. '\n')
    for _, n in ipairs(self.names) do table.insert(self.symbols[n], symbols[n]) end
  end
  self.file:flush()
  return self
end

-- style{name = '-', ...} or style{'-', '+'} (positional, after setNames)
function Logger:style(symbols)
  for k, s in pairs(symbols) do
    if type(s) == 'string' then s = {s}
    elseif type(s) ~= 'table' then fail('style should be a string or a table of strings') end
    self.styles[k] = s
  end
  return self
end

function Logger:setlogscale(v) self.logscale = v ~= false return self end
function Logger:display(v) self.showPlot = v ~= false return self end

local plot_styles = {['-'] = 'lines', ['+'] = 'points', ['.'] = 'dots', ['|'] = 'impulses',
                     ['~'] = 'lines smooth csplines'}

local function warn_once(self, why)
  if not self.warned then
    print('<Logger> warning: cannot plot (' .. why .. '); the values are in ' .. self.name
          .. ' and logger.symbols')
    self.warned = true
  end
end

-- plot(): <filename>.png; returns its path, or nil and why not
function Logger:plot()
  if not self.path then warn_once(self, 'logging to stdout') return nil, 'logging to stdout' end
  if #self.names == 0 then return nil, 'nothing logged yet' end
  local data = require 'data'
  local q, png = data.gnuplotQuote, self.name .. '.png'
  local parts = {}
  for i, n in ipairs(self.names) do
    local style = (self.styles[self.byPosition and i or n] or {})[1] or self.defaultStyle
    parts[i] = string.format('%s using 0:%d with %s', i == 1 and q(self.path) or "''", i,
                             plot_styles[style] or 'lines')
  end
  local ok, msg = data.gnuplot(table.concat({
    'set terminal png size 800,500', 'set output ' .. q(png), 'set datafile separator tab',
    'set key autotitle columnhead', self.logscale and 'set logscale y' or '',
    'plot ' .. table.concat(parts, ', ')}, '\n'))
  if not ok then warn_once(self, msg) return nil, msg end
  return png
end

return Logger
