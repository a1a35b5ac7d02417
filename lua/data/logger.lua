-- data.Logger(path [, names]): appends rows of named numbers to a CSV file
--   local log = data.Logger('train.csv')
--   log:add{loss = 0.31, acc = 0.89}
--   log:plot()            -- train.png through gnuplot, when installed
-- The columns are `names`, or the first row's keys in name order; a later
-- row may leave a column out (empty cell) but not add one.
local data = package.loaded.data

local Logger = torch.class('data.Logger', nil, data)

function Logger:__init(path, names)
  if type(path) ~= 'string' then error('data.Logger: argument 1: expected a file path, got ' .. type(path), 3) end
  if names ~= nil and type(names) ~= 'table' then
    error('data.Logger: argument 2: expected a list of column names, got ' .. type(names), 3)
  end
  self.path, self.names, self.rows = path, names, 0
  local f, err = io.open(path, 'w')
  if not f then error('data.Logger: cannot write ' .. tostring(err), 3) end
  f:close()
end

local function csv_name(s)
  s = tostring(s)
  if s:find('[,"\n]') then return '"' .. s:gsub('"', '""') .. '"' end
  return s
end

function Logger:add(row)
  if type(row) ~= 'table' then error('data.Logger:add: expected a table of name = number, got ' .. type(row), 2) end
  local f = assert(io.open(self.path, 'a'))
  if not self.names then
    self.names = {}
    for k in pairs(row) do self.names[#self.names + 1] = tostring(k) end
    table.sort(self.names)
  end
  if self.rows == 0 then
    local h = {}
    for i, k in ipairs(self.names) do h[i] = csv_name(k) end
    f:write(table.concat(h, ','), '\n')
    self.index = {}
    for i, k in ipairs(self.names) do self.index[k] = i end
  end
  local cells = {}
  for i = 1, #self.names do cells[i] = '' end
  for k, v in pairs(row) do
    local i = self.index[tostring(k)]
    if not i then
      f:close()
      error(string.format("data.Logger:add: unknown column '%s' (columns: %s)", tostring(k),
                          table.concat(self.names, ', ')), 2)
    end
    if type(v) ~= 'number' then
      f:close()
      error(string.format("data.Logger:add: %s must be a number, got %s", tostring(k), type(v)), 2)
    end
    cells[i] = string.format('%.10g', v)
  end
  f:write(table.concat(cells, ','), '\n')
  f:close()
  self.rows = self.rows + 1
end

-- plot([output]): one line per column against the row number, into a PNG
-- (default: the CSV's path with .png). Returns the PNG's path, or nil and
-- a message when gnuplot is missing or fails.
function Logger:plot(output)
  output = output or (self.path:gsub('%.csv$', '') .. '.png')
  if self.rows == 0 then return nil, 'data.Logger:plot: nothing logged yet' end
  local q = data.gnuplotQuote
  local parts = {}
  for i = 1, #self.names do
    parts[i] = string.format('%s using 0:%d with lines', i == 1 and q(self.path) or "''", i)
  end
  local ok, msg = data.gnuplot(table.concat({
    'set terminal png size 800,500', 'set output ' .. q(output), "set datafile separator ','",
    'set key autotitle columnhead', "set xlabel 'step'", 'plot ' .. table.concat(parts, ', ')}, '\n'))
  if not ok then return nil, 'data.Logger:plot: ' .. msg .. '; the data is in ' .. self.path end
  return output
end
