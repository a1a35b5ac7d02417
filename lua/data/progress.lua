-- data.progress(i, n [, fields]): an xlua.progress-style bar on one line,
--   [=========>.........] 120/469 | 85.3 it/s | ETA 0:04 | loss 0.4312
-- redrawn with \r (at most every 0.1 s, and at i == n), a newline at the
-- end. Calling with i = 1 (or an i lower than the last) starts a new bar.
-- fields: a table of name -> number (or string) shown after the ETA, in
-- name order. Returns nothing; output goes to io.stdout (data.progressOut
-- may replace it, e.g. with io.stderr).
local data = package.loaded.data

local WIDTH = 30
local bar = {timer = torch.Timer(), last = math.huge, start = 0, drawn = -1}
data.progressOut = io.stdout

local function clock(t) return t.timer:time().real end

local function hms(s)
  s = math.floor(s + 0.5)
  if s >= 3600 then return string.format('%d:%02d:%02d', s / 3600, s / 60 % 60, s % 60) end
  return string.format('%d:%02d', s / 60, s % 60)
end

function data.progress(i, n, fields)
  if type(i) ~= 'number' or type(n) ~= 'number' or n < 1 or i < 0 then
    error(string.format('data.progress: expected progress(i, n [, fields]) with 0 <= i <= n, n >= 1, got %s, %s',
                        tostring(i), tostring(n)), 2)
  end
  if fields ~= nil and type(fields) ~= 'table' then
    error('data.progress: argument 3: expected a table of fields, got ' .. type(fields), 2)
  end
  i = math.min(i, n)
  local now = clock(bar)
  if i <= 1 or i < bar.last then bar.start, bar.drawn = now, -1 end
  bar.last = i
  if i < n and now - bar.drawn < 0.1 then return end
  bar.drawn = now
  local elapsed = now - bar.start
  local rate = elapsed > 0 and i / elapsed or 0
  local done = math.floor(WIDTH * i / n)
  local line = {string.format('[%s%s%s] %d/%d', string.rep('=', done), i < n and '>' or '',
                              string.rep('.', WIDTH - done - (i < n and 1 or 0)), i, n)}
  line[#line + 1] = string.format('%.1f it/s', rate)
  if i < n then
    line[#line + 1] = 'ETA ' .. (rate > 0 and hms((n - i) / rate) or '?')
  else
    line[#line + 1] = 'took ' .. hms(elapsed)
  end
  if fields then
    local keys = {}
    for k in pairs(fields) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    for _, k in ipairs(keys) do
      local v = fields[k]
      line[#line + 1] = k .. ' ' .. (type(v) == 'number' and string.format('%.4g', v) or tostring(v))
    end
  end
  local out = data.progressOut
  out:write('\r', table.concat(line, ' | '), '  ')
  if i == n then
    out:write('\n')
    bar.last = math.huge
  end
  out:flush()
end
