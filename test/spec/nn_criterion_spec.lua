-- nn criteria: values against PyTorch 1.13 (literals computed with
-- python3-torch), gradients against finite differences, both interfaces.
local U = require 'testutil'
require 'nn'

local function D(t) return torch.DoubleTensor(t) end
local x = D({{0.5, -1.0, 2.0}, {1.5, 0.25, -0.75}})
local t = D({{0.0, 1.0, 0.5}, {-1.0, 0.5, 0.0}})
local y = torch.LongTensor({3, 1})
local ym = D({{1, -1, 1}, {-1, 1, 1}})
local function sig(a) return torch.sigmoid(a) end

local cases = {
  {'MSECriterion', function() return nn.MSECriterion() end, x, t, 2.2291666666666665},
  {'MSECriterion sum', function() return nn.MSECriterion(false) end, x, t, 13.375},
  {'AbsCriterion', function() return nn.AbsCriterion() end, x, t, 1.25},
  {'SmoothL1Criterion', function() return nn.SmoothL1Criterion() end, x, t, 0.8229166666666666},
  {'CrossEntropyCriterion', function() return nn.CrossEntropyCriterion() end, x, y, 0.28599195303219055},
  {'CrossEntropyCriterion weights', function() return nn.CrossEntropyCriterion(D({1, 2, 0.5})) end,
   x, y, 0.30088550515720175},
  {'ClassNLLCriterion', function() return nn.ClassNLLCriterion() end,
   nn.LogSoftMax():double():forward(x):detach(), y, 0.28599195303219055},
  {'ClassNLLCriterion ignoreIndex', function() return nn.ClassNLLCriterion(nil, true, -100) end,
   nn.LogSoftMax():double():forward(x):detach(), torch.LongTensor({3, -100}), 0.24131129665715703},
  {'BCECriterion', function() return nn.BCECriterion() end, sig(x), D({{0, 1, 1}, {1, 0, 0}}), 0.638081731119633},
  {'BCEWithLogitsCriterion', function() return nn.BCEWithLogitsCriterion() end, x,
   D({{0, 1, 1}, {1, 0, 0}}), 0.638081731119633},
  {'KLDivCriterion', function() return nn.KLDivCriterion() end,
   nn.LogSoftMax():double():forward(x):detach(), nn.SoftMax():double():forward(t):detach(), 0.3044951930611411},
  {'MarginCriterion', function() return nn.MarginCriterion() end, x + 0.1, ym, 0.9},
  {'HingeEmbeddingCriterion', function() return nn.HingeEmbeddingCriterion() end, x, ym, 0.6666666666666666},
  {'MultiMarginCriterion', function() return nn.MultiMarginCriterion() end, x * 0.3, y, 0.2666666666666667},
  {'MultiMarginCriterion p=2', function() return nn.MultiMarginCriterion(2) end, x * 0.3, y, 0.1347916666666667},
  {'MultiMarginCriterion weights', function() return nn.MultiMarginCriterion(1, D({1, 2, 0.5})) end,
   x * 0.3, y, 0.21250000000000002},
  {'CosineEmbeddingCriterion', function() return nn.CosineEmbeddingCriterion(0.1) end,
   {x, t + 0.3}, D({1, -1}), 0.4368759022882542},
  {'MarginRankingCriterion', function() return nn.MarginRankingCriterion(0.2) end,
   {x[1], x[2]}, D({1, -1, 1}), 0.39999999999999997},
}

local function copy(v)
  if torch.isTensor(v) then return v:clone() end
  local r = {}
  for i, e in ipairs(v) do r[i] = copy(e) end
  return r
end

-- Σ over elements of gradInput vs central differences of forward
local function checkGrad(c, input, target)
  local g = copy(c:backward(input, target))
  local flatIn, flatG = nn.utils.flatten(input), nn.utils.flatten(g)
  for k, xin in ipairs(flatIn) do
    local v = xin:view(xin:nElement())
    local gv = flatG[k]:contiguous():view(xin:nElement())
    for i = 1, v:nElement() do
      local old = v[i]
      v[i] = old + 1e-6
      local fp = torch.no_grad(function() return c:forward(input, target) end)
      v[i] = old - 1e-6
      local fm = torch.no_grad(function() return c:forward(input, target) end)
      v[i] = old
      local num = (fp - fm) / 2e-6
      assert(math.abs(num - gv[i]) < 1e-5, string.format('element %d: numerical %g, backward %g',
                                                          i, num, gv[i]))
    end
  end
end

describe('nn criteria', function()
  for _, k in ipairs(cases) do
    it(k[1] .. ': forward returns the loss as a number', function()
      local c = k[2]()
      local v = c:forward(copy(k[3]), k[4])
      assert.are.equal('number', type(v))
      U.near(v, k[5], 1e-12)
      assert.are.equal(v, c.output)
    end)
    it(k[1] .. ': backward matches finite differences', function()
      checkGrad(k[2](), copy(k[3]), k[4])
    end)
    it(k[1] .. ': crit(input, target) is a 0-dim loss with history', function()
      local input = copy(k[3])
      for _, e in ipairs(nn.utils.flatten(input)) do e:requiresGrad(true) end
      local l = k[2]()(input, k[4])
      assert.are.equal(0, l:dim())
      U.near(l:item(), k[5], 1e-12)
      l:backward()
      local c = k[2]()
      local g = nn.utils.flatten(c:backward(copy(k[3]), k[4]))
      for i, e in ipairs(nn.utils.flatten(input)) do U.near(e.grad, g[i], 1e-12) end
    end)
  end

  it('ParallelCriterion and MultiCriterion weight their parts', function()
    local p = nn.ParallelCriterion():add(nn.MSECriterion(), 0.5):add(nn.AbsCriterion())
    U.near(p:forward({x, x}, {t, t}), 0.5 * 2.2291666666666665 + 1.25, 1e-12)
    local g = p:backward({x, x}, {t, t})
    U.near(g[1], (x - t) * (1 / 6), 1e-12)
    local m = nn.MultiCriterion():add(nn.MSECriterion()):add(nn.AbsCriterion(), 2)
    U.near(m:forward(x, t), 2.2291666666666665 + 2.5, 1e-12)
    local rp = nn.ParallelCriterion(true):add(nn.MSECriterion()):add(nn.MSECriterion())
    U.near(rp:forward({x, x}, t), 2 * 2.2291666666666665, 1e-12)
  end)

  it('class targets may be a DoubleTensor or a number (Torch7)', function()
    local c = nn.ClassNLLCriterion()
    local lp = nn.LogSoftMax():double():forward(x[1]):detach()
    U.near(c:forward(lp, 3), 0.24131129665715703, 1e-12)
    U.near(c:forward(nn.LogSoftMax():double():forward(x):detach(), D({3, 1})), 0.28599195303219055, 1e-12)
  end)

  it('an old criterion with its own updateGradInput runs as written', function()
    local C = torch.class('nn.TestSumCriterion', 'nn.Criterion')
    function C:updateOutput(input) self.output = input:sum() return self.output end
    function C:updateGradInput(input) self.gradInput = torch.onesLike(input) return self.gradInput end
    local c = nn.TestSumCriterion()
    U.near(c:forward(x, nil), 2.5, 1e-12)
    U.near(c:backward(x, nil), torch.onesLike(x))
  end)

  U.error_cases({
    {'a class target out of range', function() nn.CrossEntropyCriterion():forward(x, torch.LongTensor({4, 1})) end,
     'cross_entropy'},
    {'MSE of different sizes', function() nn.MSECriterion():forward(x, torch.zeros(3):double()) end,
     'mse_loss'},
  })
end)
