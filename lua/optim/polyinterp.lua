-- Torch7's optim.polyinterp(points [, xminBound, xmaxBound]): where the
-- polynomial that matches N points' values and slopes is lowest.
-- points: an N x 3 tensor (or a Lua list of {x, f, f'} triplets).
--
-- Two points and no bounds (what the zoom phase of optim.lswolfe asks):
-- the minimiser of the Hermite cubic in closed form (Nocedal & Wright
-- eq. 3.59), clamped to [min x, max x]; the midpoint when that cubic has
-- no real stationary point. Otherwise: the Hermite polynomial of degree
-- 2N-1 is solved for, and the lowest of it over the bounds, the points and
-- its real stationary points inside [xminBound, xmaxBound] (default: the
-- span of the points) is taken; the midpoint of the bounds when none
-- qualifies. Returns the position (and, on the general path, as Torch7,
-- the polynomial's value there).
local optim = optim
local U = optim._util
local fn = 'optim.polyinterp'

local function finite(v) return v == v and v ~= math.huge and v ~= -math.huge end

-- the points as a Lua list of {x, f, g}, checked
local function read_points(points, level)
  local rows = {}
  if torch.isTensor(points) then
    if points:dim() ~= 2 or points:size(2) ~= 3 or points:size(1) < 1 then
      U.fail(level + 1, '%s: points must be an N x 3 tensor of (x, f, f\') rows, got size %s',
             fn, table.concat(points:size():totable(), 'x'))
    end
    rows = points:double():totable()
  elseif type(points) == 'table' and #points >= 1 then
    for i, p in ipairs(points) do
      if type(p) ~= 'table' or #p ~= 3 then
        U.fail(level + 1, '%s: point %d must be a triplet {x, f, f\'}', fn, i)
      end
      rows[i] = {p[1], p[2], p[3]}
    end
  else
    U.fail(level + 1, '%s: points must be an N x 3 tensor of (x, f, f\') rows, got %s', fn, U.kind(points))
  end
  for i, p in ipairs(rows) do
    for j = 1, 3 do
      if type(p[j]) ~= 'number' or p[j] ~= p[j] then
        U.fail(level + 1, '%s: point %d has a non-number or NaN entry', fn, i)
      end
    end
  end
  return rows
end

-- closed-form minimiser of the cubic through two (x, f, g) points
local function cubic2(p, q)
  if q[1] < p[1] then p, q = q, p end -- p: the smaller x
  local d1 = p[3] + q[3] - 3 * (p[2] - q[2]) / (p[1] - q[1])
  local d2 = math.sqrt(d1 * d1 - p[3] * q[3]) -- NaN: no real stationary point
  local t = q[1] - (q[1] - p[1]) * ((q[3] + d2 - d1) / (q[3] - p[3] + 2 * d2))
  if not finite(t) then return (p[1] + q[1]) / 2 end
  return math.min(math.max(t, p[1]), q[1])
end

-- value of the polynomial with coefficients c (c[1] + c[2] x + ...)
local function peval(c, x)
  local v = 0
  for i = #c, 1, -1 do v = v * x + c[i] end
  return v
end

local function deriv(c)
  local r = {}
  for i = 2, #c do r[i - 1] = (i - 1) * c[i] end
  return r
end

-- Solves A c = b (n x n, Gaussian elimination with partial pivoting);
-- nil when A is singular (two points at the same x)
local function solve(A, b)
  local n = #b
  for k = 1, n do
    local piv, best = k, math.abs(A[k][k])
    for i = k + 1, n do
      if math.abs(A[i][k]) > best then piv, best = i, math.abs(A[i][k]) end
    end
    if best == 0 or best ~= best then return nil end
    A[k], A[piv], b[k], b[piv] = A[piv], A[k], b[piv], b[k]
    for i = k + 1, n do
      local m = A[i][k] / A[k][k]
      for j = k, n do A[i][j] = A[i][j] - m * A[k][j] end
      b[i] = b[i] - m * b[k]
    end
  end
  local c = {}
  for i = n, 1, -1 do
    local s = b[i]
    for j = i + 1, n do s = s - A[i][j] * c[j] end
    c[i] = s / A[i][i]
  end
  for i = 1, n do if not finite(c[i]) then return nil end end
  return c
end

-- Real roots of the polynomial c inside [a, b]: between two consecutive
-- roots of its derivative it is monotone, so each such piece holds at most
-- one root, found by bisection. Recursion ends at degree <= 1.
local function real_roots(c, a, b)
  local n, big = #c, 0
  for i = 1, n do big = math.max(big, math.abs(c[i])) end
  -- a leading coefficient that is rounding noise would give spurious roots
  while n > 0 and math.abs(c[n]) <= 1e-14 * big do n = n - 1 end
  if n <= 1 then return {} end -- constant: no isolated root
  if n == 2 then
    local r = -c[1] / c[2]
    if r >= a and r <= b then return {r} end
    return {}
  end
  local cc = {}
  for i = 1, n do cc[i] = c[i] end
  local cuts = {a}
  for _, r in ipairs(real_roots(deriv(cc), a, b)) do cuts[#cuts + 1] = r end
  cuts[#cuts + 1] = b
  local roots = {}
  for i = 1, #cuts - 1 do
    local lo, hi = cuts[i], cuts[i + 1]
    local flo, fhi = peval(cc, lo), peval(cc, hi)
    if flo == 0 then
      roots[#roots + 1] = lo
    elseif flo * fhi < 0 then
      for _ = 1, 200 do
        local mid = (lo + hi) / 2
        if mid <= lo or mid >= hi then break end
        local fm = peval(cc, mid)
        if (fm < 0) == (flo < 0) then lo, flo = mid, fm else hi = mid end
      end
      roots[#roots + 1] = (lo + hi) / 2
    end
  end
  if #cuts > 1 and peval(cc, b) == 0 then roots[#roots + 1] = b end
  return roots
end

local function check_bound(v, what, level)
  if v ~= nil and (type(v) ~= 'number' or v ~= v) then
    U.fail(level + 1, '%s: %s must be a number or nil, got %s', fn, what,
           type(v) == 'number' and 'nan' or U.kind(v))
  end
end

function optim.polyinterp(points, xminBound, xmaxBound)
  local pts = read_points(points, 2)
  check_bound(xminBound, 'xminBound', 2)
  check_bound(xmaxBound, 'xmaxBound', 2)
  if #pts == 2 and xminBound == nil and xmaxBound == nil then
    return cubic2(pts[1], pts[2])
  end
  local xmin, xmax = math.huge, -math.huge
  for _, p in ipairs(pts) do
    xmin, xmax = math.min(xmin, p[1]), math.max(xmax, p[1])
  end
  xminBound = xminBound or xmin
  xmaxBound = xmaxBound or xmax
  if xminBound > xmaxBound then
    U.fail(2, '%s: xminBound (%g) must be <= xmaxBound (%g)', fn, xminBound, xmaxBound)
  end
  -- Hermite conditions: p(x_i) = f_i and p'(x_i) = g_i, coefficients in
  -- increasing powers
  local n = 2 * #pts
  local A, b = {}, {}
  for i, p in ipairs(pts) do
    local rv, rd = {}, {}
    for j = 1, n do
      rv[j] = p[1] ^ (j - 1)
      rd[j] = j == 1 and 0 or (j - 1) * p[1] ^ (j - 2)
    end
    A[i], b[i] = rv, p[2]
    A[#pts + i], b[#pts + i] = rd, p[3]
  end
  local c = solve(A, b)
  local minPos, fmin = (xminBound + xmaxBound) / 2, math.huge
  if not c then return minPos, fmin end
  local cands = {xminBound, xmaxBound}
  for _, p in ipairs(pts) do cands[#cands + 1] = p[1] end
  for _, r in ipairs(real_roots(deriv(c), xminBound, xmaxBound)) do cands[#cands + 1] = r end
  for _, x in ipairs(cands) do
    if x >= xminBound and x <= xmaxBound then
      local v = peval(c, x)
      if v < fmin then minPos, fmin = x, v end
    end
  end
  return minPos, fmin
end
