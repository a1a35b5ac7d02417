-- optim.polyinterp and optim.lswolfe (Torch7's Wolfe line search), alone
-- and as optim.lbfgs's config.lineSearch. Expected values are hand-computed
-- (see the comment on each case); every accepted step is checked against
-- the strong Wolfe conditions from the returned values.
local U = require 'testutil'
require 'optim'

local function near(a, b, tol, what)
  assert(math.abs(a - b) <= tol * math.max(1, math.abs(b)),
         string.format('%s: got %.17g, expected %.17g', what or 'value', a, b))
end

describe('optim.polyinterp', function()
  -- {name, points, xminBound, xmaxBound, expected position [, expected value]}
  local cases = {
    -- p = x^2 - x: p(0) = 0, p'(0) = -1, p(1) = 0, p'(1) = 1; min at 1/2
    {'a quadratic', {{0, 0, -1}, {1, 0, 1}}, nil, nil, 0.5},
    {'the same points in the other order', {{1, 0, 1}, {0, 0, -1}}, nil, nil, 0.5},
    -- p = x^3 - 3x: p' = 3x^2 - 3, local min at x = 1
    {'a cubic', {{0, 0, -3}, {2, 2, 9}}, nil, nil, 1},
    -- p = x^3 - 6x^2 + 9x + 1: p' = 3(x - 1)(x - 3), local min at 3
    {'a shifted cubic', {{2, 3, -3}, {5, 21, 24}}, nil, nil, 3},
    -- p = (x - 5)^2 on [0, 1]: the minimiser 5 is clamped to 1
    {'a minimiser past the points', {{0, 25, -10}, {1, 16, -8}}, nil, nil, 1},
    -- p = x^3 + x: p' = 3x^2 + 1 > 0, no stationary point: the midpoint
    {'a cubic without a minimum', {{0, 0, 1}, {1, 2, 4}}, nil, nil, 0.5},
    -- bounded (the general path): x^3 - 3x on [0.5, 5] is lowest at 1 (-2)
    {'bounds around the minimum', {{0, 0, -3}, {0.5, -1.375, -2.25}}, 0.5, 5, 1, -2},
    -- x^3 - 3x on [0, 0.8]: decreasing there, lowest at 0.8 (-1.888)
    {'a minimum at the upper bound', {{0, 0, -3}, {0.5, -1.375, -2.25}}, 0, 0.8, 0.8, -1.888},
    -- three points: p = x^4 - 2x^2 (degree <= 5, so reproduced exactly);
    -- over the span [0, 2] its lowest point is x = 1, p = -1
    {'three points (a quintic fit)', {{0, 0, 0}, {0.5, -0.4375, -1.5}, {2, 8, 24}}, nil, nil, 1, -1},
  }
  for _, c in ipairs(cases) do
    it(c[1], function()
      local pos, val = optim.polyinterp(torch.DoubleTensor(c[2]), c[3], c[4])
      near(pos, c[5], 1e-9, 'position')
      if c[6] then near(val, c[6], 1e-9, 'value') end
      -- a Lua list of triplets gives the same
      near(optim.polyinterp(c[2], c[3], c[4]), c[5], 1e-9, 'position from a table')
    end)
  end
end)

-- f(x) = (x - 3)^2 along d = 1 from x = 0: f = 9, g = -6, gtd = -6
local function parabola(x)
  local g = torch.DoubleTensor(1)
  g[1] = 2 * (x[1] - 3)
  return (x[1] - 3) ^ 2, g
end

describe('optim.lswolfe', function()
  local function search(t, opts)
    local x = torch.DoubleTensor({0})
    local f, g, xn, tn, n = optim.lswolfe(parabola, x, t, torch.DoubleTensor({1}), 9,
                                          torch.DoubleTensor({-6}), -6, opts)
    assert.are.equal(x, xn) -- moved in place
    return f, g[1], xn[1], tn, n
  end

  it('accepts a first step that meets both conditions', function()
    -- t = 1: f = 4 <= 9 - 6e-4, |g| = 4 <= 0.9 * 6
    assert.are.same({4, -4, 1, 1, 1}, {search(1)})
  end)

  it('extrapolates when the slope is still steep', function()
    -- c2 = 0.1: |-4| > 0.6, so the cubic through (0, 9, -6), (1, 4, -4)
    -- (the parabola itself) is minimised in [1.01, 10]: t = 3, f = 0
    local f, g, x, t, n = search(1, {c2 = 0.1})
    near(t, 3, 1e-12, 't'); near(x, 3, 1e-12, 'x'); near(f, 0, 1e-12, 'f'); near(g, 0, 1e-12, 'g')
    assert.are.equal(2, n)
  end)

  it('zooms when the first step overshoots', function()
    -- t = 10: f = 49 > 9, bracket [0, 10], cubic minimiser 3
    local f, g, x, t, n = search(10)
    near(t, 3, 1e-12, 't'); near(x, 3, 1e-12, 'x'); near(f, 0, 1e-12, 'f'); near(g, 0, 1e-12, 'g')
    assert.are.equal(2, n)
  end)

  it('counts its evaluations and leaves x at x + t d (float32 too)', function()
    local calls = 0
    local function rosen(x)
      calls = calls + 1
      local a, b = x[1], x[2]
      return 100 * (b - a * a) ^ 2 + (1 - a) ^ 2,
             torch.FloatTensor({-400 * a * (b - a * a) - 2 * (1 - a), 200 * (b - a * a)})
    end
    local x0 = torch.FloatTensor({-1.2, 1})
    local f0, g0 = rosen(x0)
    calls = 0
    local d = torch.mul(g0, -1)
    local x = x0:clone()
    local f, g, _, t, n = optim.lswolfe(rosen, x, 1, d, f0, g0, g0:dot(d))
    assert.are.equal(calls, n)
    assert.is_true(t > 0)
    local want = torch.add(x0, t, d)
    assert.is_true((x - want):abs():max() <= 1e-6)
    assert.is_true(f <= f0 + 1e-4 * t * g0:dot(d))
    assert.is_true(math.abs(g:dot(d)) <= 0.9 * math.abs(g0:dot(d)))
  end)
end)

-- test problems: f and a fresh gradient
local A = torch.DoubleTensor({{4, 1, 0, 0}, {1, 3, 1, 0}, {0, 1, 2, 0.5}, {0, 0, 0.5, 1}}) -- SPD
local xstar = torch.DoubleTensor({1, -2, 3, 0.5})
local function quadratic(x) -- 0.5 (x - x*)' A (x - x*), minimum 0 at x*
  local r = x - xstar
  local Ar = torch.mv(A, r)
  return 0.5 * r:dot(Ar), Ar
end
local function rosenbrock(x)
  local n = x:nElement()
  local g = torch.DoubleTensor(n):zero()
  local f = 0
  for i = 1, n - 1 do
    local a, b = x[i], x[i + 1]
    f = f + 100 * (b - a * a) ^ 2 + (1 - a) ^ 2
    g[i] = g[i] - 400 * a * (b - a * a) - 2 * (1 - a)
    g[i + 1] = g[i + 1] + 200 * (b - a * a)
  end
  return f, g
end

describe('optim.lbfgs with lineSearch = optim.lswolfe', function()
  -- {name, feval, x0, c2, max iterations, f tolerance, x*}
  local cases = {
    {'a convex quadratic', quadratic, {0, 0, 0, 0}, nil, 20, 1e-12, xstar:totable()},
    {'a convex quadratic, c2 = 0.1', quadratic, {0, 0, 0, 0}, 0.1, 20, 1e-12, xstar:totable()},
    {'Rosenbrock', rosenbrock, {-1.2, 1}, nil, 60, 1e-10, {1, 1}},
    {'Rosenbrock, c2 = 0.1', rosenbrock, {-1.2, 1}, 0.1, 60, 1e-10, {1, 1}},
    {'Rosenbrock in 4-D', rosenbrock, {-1.2, 1, -1.2, 1}, nil, 80, 1e-10, {1, 1, 1, 1}},
  }
  for _, c in ipairs(cases) do
    it(c[1] .. ' converges, each step meeting the strong Wolfe conditions', function()
      local c1, c2 = 1e-4, c[4] or 0.9
      local steps = 0
      local function ls(opfunc, x, t, d, f, g, gtd, opts)
        local fn, gn, xn, tn, n = optim.lswolfe(opfunc, x, t, d, f, g, gtd, opts)
        steps = steps + 1
        assert(fn <= f + c1 * tn * gtd,
               string.format('step %d: no sufficient decrease (f %g -> %g, t %g)', steps, f, fn, tn))
        assert(math.abs(gn:dot(d)) <= c2 * math.abs(gtd),
               string.format('step %d: curvature condition fails (%g vs %g)', steps, gn:dot(d), gtd))
        return fn, gn, xn, tn, n
      end
      local cfg = {maxIter = c[5], tolFun = 1e-10, tolX = 1e-14, lineSearch = ls,
                   lineSearchOptions = c[4] and {c2 = c[4]} or nil}
      local x, fh, nEval = optim.lbfgs(c[2], torch.DoubleTensor(c[3]), cfg)
      assert.is_true(fh[#fh] < c[6], string.format('f = %g after %d steps', fh[#fh], #fh - 1))
      assert.is_true(#fh - 1 < c[5], string.format('%d steps', #fh - 1))
      assert.are.equal(#fh - 1, steps)
      assert.are.equal(cfg.funcEval, nEval)
      for i = 1, #c[7] do near(x[i], c[7][i], 1e-4, 'x[' .. i .. ']') end
      for i = 2, #fh do assert.is_true(fh[i] <= fh[i - 1]) end
    end)
  end
end)

describe('optim.lswolfe / optim.polyinterp bad input', function()
  local x, d, g = torch.DoubleTensor({0}), torch.DoubleTensor({1}), torch.DoubleTensor({-6})
  local function ls(...) return optim.lswolfe(parabola, ...) end
  U.error_cases({
    {'a missing opfunc', function() optim.lswolfe(nil, x, 1, d, 9, g, -6) end,
     'optim.lswolfe', 'expected a function'},
    {'a non-positive step', function() ls(x, 0, d, 9, g, -6) end, 'optim.lswolfe', 'initial step must be > 0'},
    {'a direction of the wrong size', function() ls(x, 1, torch.DoubleTensor(2), 9, g, -6) end,
     'optim.lswolfe', 'argument 4 (d) has 2 elements, x has 1'},
    {'a missing f', function() ls(x, 1, d, nil, g, -6) end, 'optim.lswolfe', 'argument 5 (f)'},
    {'a gradient that is not a tensor', function() ls(x, 1, d, 9, {-6}, -6) end,
     'optim.lswolfe', 'argument 6 (g): expected a tensor'},
    {'an ascent direction', function() ls(x, 1, d, 9, g, 6) end, 'optim.lswolfe', 'descent direction'},
    {'options that are not a table', function() ls(x, 1, d, 9, g, -6, 'fast') end,
     'optim.lswolfe', 'argument 8'},
    {'c1 >= c2', function() ls(x, 1, d, 9, g, -6, {c1 = 0.5, c2 = 0.4}) end,
     'optim.lswolfe', 'need 0 <= c1 < c2 < 1'},
    {'c2 = 1', function() ls(x, 1, d, 9, g, -6, {c2 = 1}) end, 'optim.lswolfe', 'c2 must be < 1'},
    {'maxIter = 0', function() ls(x, 1, d, 9, g, -6, {maxIter = 0}) end, 'optim.lswolfe', 'maxIter must be >= 1'},
    {'an opfunc without a gradient', function() optim.lswolfe(function() return 1 end, x, 1, d, 9, g, -6) end,
     'optim.lswolfe', 'feval must return'},
    {'points that are not N x 3', function() optim.polyinterp(torch.DoubleTensor(2, 2)) end,
     'optim.polyinterp', 'N x 3'},
    {'points that are not a tensor', function() optim.polyinterp('points') end,
     'optim.polyinterp', 'got string'},
    {'a bad triplet', function() optim.polyinterp({{0, 1, 2}, {1, 2}}) end,
     'optim.polyinterp', 'point 2 must be a triplet'},
    {'a NaN point', function() optim.polyinterp({{0, 0 / 0, 2}, {1, 2, 3}}) end,
     'optim.polyinterp', 'NaN'},
    {'a string bound', function() optim.polyinterp({{0, 0, -1}, {1, 0, 1}}, 'lo') end,
     'optim.polyinterp', 'xminBound must be a number'},
    {'crossed bounds', function() optim.polyinterp({{0, 0, -1}, {1, 0, 1}}, 2, 1) end,
     'optim.polyinterp', 'xminBound (2) must be <= xmaxBound (1)'},
  })
end)
