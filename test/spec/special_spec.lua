-- Special functions (erf, erfc, erfinv, lgamma, digamma, polygamma) and the
-- bitwise ops on integer tensors. Expected values: mpmath 1.2.1 at 40
-- digits on the exact float64 inputs (checked in as literals); bitwise ones
-- by hand.
local U = require 'testutil'

local D, F, L, I, B = torch.DoubleTensor, torch.FloatTensor, torch.LongTensor, torch.IntTensor,
                      torch.ByteTensor
local inf, nan = math.huge, 0 / 0

-- {x, f(x)} pairs per function
local values = {
  erf = {{-3.0, -0.9999779095030014}, {-0.5, -0.5204998778130465}, {1e-10, 1.1283791670955126e-10}, {0.5, 0.5204998778130465}, {1.0, 0.8427007929497149}, {2.5, 0.999593047982555}, {6.0, 1.0}},
  erfc = {{-1.0, 1.8427007929497148}, {0.5, 0.4795001221869535}, {3.0, 2.209049699858544e-05}, {10.0, 2.088487583762545e-45}, {26.0, 5.663192408856143e-296}},
  erfinv = {{-0.999, -2.3267537655135246}, {-0.5, -0.4769362762044699}, {1e-12, 8.86226925452758e-13}, {0.1, 0.08885599049425769}, {0.5, 0.4769362762044699}, {0.9, 1.1630871536766743}, {0.999999, 3.458910737275499}, {0.9999999999990905, 5.05125408524939}},
  lgamma = {{0.001, 6.907178885383853}, {0.5, 0.5723649429247001}, {1.0, 0.0}, {2.0, 0.0}, {3.5, 1.2009736023470743}, {100.0, 359.1342053695754}, {-0.5, 1.2655121234846454}, {-2.5, -0.056243716497674054}},
  digamma = {{0.001, -1000.5755719318103}, {0.5, -1.9635100260214235}, {1.0, -0.5772156649015329}, {1.4616321449683622, -9.241265521729427e-17}, {1.5, 0.03648997397857652}, {2.0, 0.42278433509846713}, {10.5, 2.3030010342976865}, {100.0, 4.600161852738087}, {10000000000.0, 23.025850929890456}, {-0.5, 0.03648997397857652}, {-2.5, 1.103156640645243}, {-7.3, 4.33730730551005}},
}
-- polygamma(n, x): {n, {x, value} ...}
local poly = {
  {1, {{0.5, 4.934802200544679}, {1.0, 1.6449340668482264}, {3.3, 0.3535015418410618}, {20.0, 0.05127082293520312}, {-0.5, 8.934802200544679}, {-1.7, 14.632201633884014}}},
  {2, {{1.0, -2.4041138063191885}, {2.5, -0.2362040516417274}, {-1.5, -0.2362040516417274}}},
  {3, {{0.25, 1538.7821440091884}, {5.0, 0.021427828192755075}, {-3.2, 3768.5777610937344}}},
  {6, {{1.5, -43.457923803023284}, {-0.7, -3283555.4200202716}}},
}

local function split(pairs_)
  local xs, ys = {}, {}
  for i, p in ipairs(pairs_) do xs[i], ys[i] = p[1], p[2] end
  return xs, ys
end

-- every element within rtol relative (an exact 0 expected: within 1e-300)
local function check_rel(got, want, rtol, what)
  local g = got:double():totable()
  for i, w in ipairs(want) do
    local err = w == 0 and math.abs(g[i]) or math.abs(g[i] - w) / math.abs(w)
    assert(err <= rtol, string.format('%s element %d: got %.17g, want %.17g (rel %g)', what, i, g[i], w, err))
  end
end

local function same_specials(got, want, what)
  for i, w in ipairs(want) do
    local g = got[i]
    assert((g ~= g and w ~= w) or g == w, string.format('%s element %d: got %s, want %s', what, i, g, w))
  end
end

describe('special functions against mpmath', function()
  for _, name in ipairs({'erf', 'erfc', 'erfinv', 'lgamma', 'digamma'}) do
    local xs, ys = split(values[name])
    it(name .. ' in float64 (1e-13 relative)', function()
      check_rel(torch[name](D(xs)), ys, 1e-13, name)
    end)
    it(name .. ' in float32', function()
      -- float32 inputs are rounded: compare with the float64 function on them
      local xf = F(xs)
      local want = torch[name](xf:double()):totable()
      local got = torch[name](xf)
      assert.equal('torch.FloatTensor', got:type())
      for i, w in ipairs(want) do
        local g = got[i]
        assert(math.abs(g - w) <= 1e-6 * math.abs(w) + 1e-30 or (math.abs(w) > 3.4e38 and g == w) or
               (w < 1e-37 and math.abs(g) < 1e-37),
               string.format('%s float32 element %d: %.9g vs %.9g', name, i, g, w))
      end
    end)
  end
  for _, c in ipairs(poly) do
    local xs, ys = split(c[2])
    it('polygamma ' .. c[1] .. ' (1e-13 relative)', function()
      check_rel(torch.polygamma(c[1], D(xs)), ys, 1e-13, 'polygamma ' .. c[1])
    end)
  end
  it('polygamma 0 is digamma', function()
    local x = D({0.5, 3, -2.5})
    assert.same(torch.digamma(x):totable(), torch.polygamma(0, x):totable())
  end)
  it('integer tensors give float32, as exp does', function()
    local r = torch.erf(L({0, 1}))
    assert.equal('torch.FloatTensor', r:type())
    U.near(r, F({0, 0.8427007929497149}), 1e-7)
  end)
end)

describe('special functions at their edges', function()
  local cases = { -- {name, f, inputs, expected}
    {'erf at ±inf', torch.erf, {inf, -inf, nan}, {1, -1, nan}},
    {'erfc at ±inf', torch.erfc, {inf, -inf}, {0, 2}},
    {'erfinv at ±1 and outside', torch.erfinv, {1, -1, 1.5, -2, 0, nan}, {inf, -inf, nan, nan, 0, nan}},
    {'lgamma at the poles', torch.lgamma, {0, -1, -2, inf}, {inf, inf, inf, inf}},
    {'digamma at 0, the negative integers, ±inf', torch.digamma, {0, -1, -3, inf, -inf, nan},
     {-inf, nan, nan, inf, nan, nan}},
    {'trigamma at the poles: +inf', function(x) return torch.polygamma(1, x) end, {0, -2, inf},
     {inf, inf, 0}},
    {'polygamma 2 at the poles: NaN (the sides disagree)', function(x) return torch.polygamma(2, x) end,
     {0, -1}, {nan, nan}},
  }
  for _, c in ipairs(cases) do
    it(c[1], function() same_specials(c[2](D(c[3])):totable(), c[4], c[1]) end)
  end
  it('erfinv keeps the sign of zero, and inverts erf', function()
    assert.equal(-inf, 1 / torch.erfinv(D({-0.0}))[1])
    local x = D({-2.5, -0.3, 0.01, 0.7, 3})
    check_rel(torch.erfinv(torch.erf(x)), x:totable(), 1e-12, 'erfinv(erf(x))')
  end)
end)

describe('special functions: Torch7 forms', function()
  it('x:erf() is in place, torch.erf(res, x) fills res', function()
    local x = D({0.5, 1})
    local r = x:erf()
    assert.equal(x, r)
    check_rel(x, {0.5204998778130465, 0.8427007929497149}, 1e-15, 'in place')
    local res, src = D(), D({0.5})
    assert.equal(res, torch.lgamma(res, src))
    check_rel(res, {0.5723649429247001}, 1e-15, 'result-first')
  end)
  it('polygamma takes n first (PyTorch) or last; x:polygamma(n) is in place', function()
    local want = {4.934802200544679, 1.6449340668482264}
    check_rel(torch.polygamma(1, D({0.5, 1})), want, 1e-14, 'n first')
    check_rel(torch.polygamma(D({0.5, 1}), 1), want, 1e-14, 'n last')
    local x = D({0.5, 1})
    x:polygamma(1)
    check_rel(x, want, 1e-14, 'method')
    local res = D()
    torch.polygamma(res, 1, D({0.5, 1}))
    check_rel(res, want, 1e-14, 'result-first')
    local y = D(2)
    y:polygamma(1, D({0.5, 1}))
    check_rel(y, want, 1e-14, 'method with a source')
  end)
end)

describe('bitwise ops', function()
  local cases = { -- {name, f, args, expected type, expected values}
    {'bitand with a number', torch.bitand, {L({12, -5, 7}), 6}, 'torch.LongTensor', {4, 2, 6}},
    {'bitor with a number', torch.bitor, {I({12, -5, 0}), 3}, 'torch.IntTensor', {15, -5, 3}},
    {'bitxor with a number', torch.bitxor, {B({255, 15, 0}), 15}, 'torch.ByteTensor', {240, 0, 15}},
    {'cbitand broadcasting', torch.cbitand, {L({{12}, {-1}}), L({10, 3})}, 'torch.LongTensor',
     {{8, 0}, {10, 3}}},
    {'cbitor', torch.cbitor, {L({1, 2}), L({4, 2})}, 'torch.LongTensor', {5, 2}},
    {'cbitxor', torch.cbitxor, {L({5, -1}), L({3, 1})}, 'torch.LongTensor', {6, -2}},
    {'lshift', torch.lshift, {L({1, -3, 5}), 4}, 'torch.LongTensor', {16, -48, 80}},
    {'rshift keeps the sign', torch.rshift, {L({16, -48, 7}), 3}, 'torch.LongTensor', {2, -6, 0}},
    {'clshift by a tensor of counts', torch.clshift, {I({1, 1, 1}), I({0, 31, 40})}, 'torch.IntTensor',
     {1, -2147483648, 0}},
    {'crshift beyond the width', torch.crshift, {I({-9, 9, -9}), I({1, 32, 99})}, 'torch.IntTensor',
     {-5, 0, -1}},
    {'uint8 lshift wraps', torch.lshift, {B({129, 3}), 1}, 'torch.ByteTensor', {2, 6}},
    {'mixed integer dtypes promote', torch.cbitor, {I({1}), L({2})}, 'torch.LongTensor', {3}},
    {'bitwise_and (PyTorch name)', torch.bitwise_and, {L({6}), L({3})}, 'torch.LongTensor', {2}},
    {'bitwise_or', torch.bitwise_or, {L({6}), 1}, 'torch.LongTensor', {7}},
    {'bitwise_xor', torch.bitwise_xor, {L({6}), L({3})}, 'torch.LongTensor', {5}},
    {'bitwise_left_shift', torch.bitwise_left_shift, {L({3}), 2}, 'torch.LongTensor', {12}},
    {'bitwise_right_shift', torch.bitwise_right_shift, {L({-12}), 2}, 'torch.LongTensor', {-3}},
    {'and/or/xor on bools', function(a, b)
      return torch.cat({torch.cbitand(a, b), torch.cbitor(a, b), torch.cbitxor(a, b)})
    end, {torch.gt(L({1, 1, 0, 0}), 0), torch.gt(L({1, 0, 1, 0}), 0)}, 'torch.BoolTensor',
     {true, false, false, false, true, true, true, false, false, true, true, false}},
  }
  for _, c in ipairs(cases) do
    it(c[1], function()
      local r = c[2](unpack(c[3]))
      assert.equal(c[4], r:type())
      assert.same(c[5], r:totable())
    end)
  end
  it('methods are in place (Torch7): x:bitand(3), x:clshift(y)', function()
    local x = L({7, 12})
    assert.equal(x, x:bitand(5))
    assert.same({5, 4}, x:totable())
    x:clshift(L({1, 2}))
    assert.same({10, 16}, x:totable())
    local res = L()
    torch.cbitxor(res, L({1, 2}), L({3, 3}))
    assert.same({2, 1}, res:totable())
  end)
  it('are not recorded by autograd', function()
    assert.is_true(torch.core.ops.cbitand.nondiff)
    assert.is_true(torch.core.ops.lshift.nondiff)
  end)
end)

describe('bad input', function()
  U.error_cases({
    {'a float tensor to bitand', function() torch.bitand(D({1}), 1) end, 'torch.bitand', 'float64'},
    {'float tensors to cbitor', function() torch.cbitor(F({1}), F({1})) end, 'torch.cbitor', 'float32'},
    {'an int and a float tensor to cbitxor', function() torch.cbitxor(L({1}), D({1})) end,
     'torch.cbitxor', 'float64'},
    {'a float tensor to lshift', function() torch.lshift(F({1}), 2) end, 'torch.lshift', 'float32'},
    {'bools to rshift', function() torch.rshift(torch.gt(L({1}), 0), 1) end, 'torch.rshift', 'bool'},
    {'a float tensor to bitwise_and', function() torch.bitwise_and(D({1}), 1) end, 'torch.bitwise_and',
     'float64'},
    {'a float in place in x:bitand', function() D({1}):bitand(1) end, 'bitand', 'float64'},
    {'polygamma without n', function() torch.polygamma(D({1})) end, 'torch.polygamma', 'order n'},
    {'polygamma with a negative n', function() torch.polygamma(-1, D({1})) end, 'torch.polygamma',
     'whole number >= 0', '-1'},
    {'polygamma with a fractional n', function() torch.polygamma(0.5, D({1})) end, 'torch.polygamma',
     'whole number'},
    {'x:polygamma() without n', function() D({1}):polygamma() end, 'torch.polygamma', 'order n'},
    {'erf in place on an integer tensor', function() L({1}):erf() end, 'torch.erf', 'int64', 'float32'},
  })
end)
