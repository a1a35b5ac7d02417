-- Torch7's optim.lswolfe(opfunc, x, t, d, f, g, gtd [, options]): a line
-- search along the descent direction d from x for a step t meeting the
-- strong Wolfe conditions
--   f(x + t d) <= f + c1 t gtd            (sufficient decrease)
--   |g(x + t d) . d| <= c2 |gtd|          (curvature)
-- (after minFunc's WolfeLineSearch). Phase 1 grows the step, each new trial
-- the minimiser of the cubic through the last two trials searched in
-- [t + 0.01 (t - t_prev), 10 t], until a trial meets both conditions or an
-- interval must contain such a step (the decrease failed, f rose, or the
-- slope turned non-negative). Phase 2 (zoom) shrinks that interval with
-- the cubic through its two ends, moving the trial 10% inside the interval
-- when it keeps landing next to an end. Both phases share maxIter trials
-- after the first; the zoom also stops when |interval width * slope| <
-- tolX. The result is the lowest point of the final interval.
-- options: c1 1e-4, c2 0.9, tolX 1e-9, maxIter 20, verbose false.
-- x is moved in place to x + t d and returned with f, g there (g a new
-- tensor), the step t and the number of evaluations.
local optim = optim
local U = optim._util
local fn = 'optim.lswolfe'

local function number_arg(v, i, what, level)
  if type(v) ~= 'number' or v ~= v then
    U.fail(level + 1, '%s: argument %d (%s): expected a number, got %s', fn, i, what,
           type(v) == 'number' and 'nan' or U.kind(v))
  end
end

local function vector_arg(v, x, i, what, level)
  if not torch.isTensor(v) then
    U.fail(level + 1, '%s: argument %d (%s): expected a tensor, got %s', fn, i, what, U.kind(v))
  end
  if v:nElement() ~= x:nElement() then
    U.fail(level + 1, '%s: argument %d (%s) has %d elements, x has %d', fn, i, what,
           v:nElement(), x:nElement())
  end
  return U.as_grad(v, x)
end

function optim.lswolfe(opfunc, x, t, d, f, g, gtd, options)
  U.check_call(fn, opfunc, x, nil, nil)
  number_arg(t, 3, 't', 2)
  if t <= 0 then U.fail(2, '%s: argument 3 (t): the initial step must be > 0, got %g', fn, t) end
  d = vector_arg(d, x, 4, 'd', 2)
  number_arg(f, 5, 'f', 2)
  g = vector_arg(g, x, 6, 'g', 2)
  number_arg(gtd, 7, 'gtd', 2)
  if gtd >= 0 then
    U.fail(2, '%s: argument 7 (gtd): d must be a descent direction (gtd < 0), got gtd = %g', fn, gtd)
  end
  if options ~= nil and type(options) ~= 'table' then
    U.fail(2, '%s: argument 8: expected an options table or nil, got %s', fn, U.kind(options))
  end
  options = options or {}
  local c1 = U.num(fn, options, 'c1', 1e-4, 0, 1, 2, true)
  local c2 = U.num(fn, options, 'c2', 0.9, 0, 1, 2, true)
  if c1 >= c2 then U.fail(2, '%s: need 0 <= c1 < c2 < 1, got c1 = %g, c2 = %g', fn, c1, c2) end
  local tolX = U.num(fn, options, 'tolX', 1e-9, 0, nil, 2)
  local maxIter = U.num(fn, options, 'maxIter', 20, 1, nil, 2)
  local verbose = U.bool(fn, options, 'verbose', false, 2)

  local xr = U.raw(x)
  local x0 = xr:clone()
  local nEval = 0
  -- a trial: the step, f, g (own copy: feval may reuse its buffer), g . d
  local function try(step)
    xr:copy(x0):add(step, d)
    local fv, gv = U.eval(fn, opfunc, x, 3)
    if torch.isTensor(fv) and fv:nElement() == 1 then fv = fv:sum() end
    if type(fv) ~= 'number' then
      U.fail(3, '%s: feval must return a number f(x), got %s', fn, U.kind(fv))
    end
    nEval = nEval + 1
    return {t = step, f = fv, g = gv:clone(), gtd = gv:dot(d)}
  end
  local function cubic(a, b, lo, hi)
    return optim.polyinterp({{a.t, a.f, a.gtd}, {b.t, b.f, b.gtd}}, lo, hi)
  end
  local decreases = function(p) return p.f <= f + c1 * p.t * gtd end
  local flat = function(p) return math.abs(p.gtd) <= -c2 * gtd end

  local start = {t = 0, f = f, g = g:clone(), gtd = gtd}
  local prev, cur = start, try(t)
  local iter, done, bracket = 0, false, nil
  -- phase 1: bracketing
  while iter < maxIter do
    if not decreases(cur) or (iter > 1 and cur.f >= prev.f) then
      bracket = {prev, cur}
      break
    elseif flat(cur) then
      bracket, done = {cur}, true
      break
    elseif cur.gtd >= 0 then
      bracket = {prev, cur}
      break
    end
    local tn = cubic(prev, cur, cur.t + 0.01 * (cur.t - prev.t), 10 * cur.t)
    prev, cur = cur, try(tn)
    iter = iter + 1
  end
  if iter == maxIter then bracket = {start, cur} end -- no interval found

  -- phase 2: zoom
  local insufficient = false
  while not done and iter < maxIter do
    local lo = bracket[2].f < bracket[1].f and 2 or 1
    local hi = 3 - lo
    local LO, HI = bracket[lo], bracket[hi]
    local a = math.min(LO.t, HI.t)
    local b = math.max(LO.t, HI.t)
    local tn = cubic(bracket[1], bracket[2])
    -- a trial within 10% of an end twice in a row (or on it) is pushed
    -- 10% inside, so the interval keeps shrinking
    if math.min(b - tn, tn - a) / (b - a) < 0.1 then
      if insufficient or tn >= b or tn <= a then
        if math.abs(tn - b) < math.abs(tn - a) then tn = b - 0.1 * (b - a) else tn = a + 0.1 * (b - a) end
        insufficient = false
      else
        insufficient = true
      end
    else
      insufficient = false
    end
    cur = try(tn)
    iter = iter + 1
    if not decreases(cur) or cur.f >= LO.f then
      bracket[hi] = cur
    else
      if flat(cur) then
        done = true
      elseif cur.gtd * (HI.t - LO.t) >= 0 then
        bracket[hi] = LO -- the slope points back at LO: keep [LO, cur]
      end
      bracket[lo] = cur
    end
    if not done and math.abs((bracket[1].t - bracket[2].t) * cur.gtd) < tolX then break end
  end
  if verbose and iter == maxIter then print('<optim.lswolfe> reached max number of iterations') end

  local best = bracket[1]
  if bracket[2] and bracket[2].f < best.f then best = bracket[2] end
  xr:copy(x0):add(best.t, d)
  return best.f, best.g, x, best.t, nEval
end
