-- Backward of the reductions, scans, sorts, products and LAPACK ops:
-- gradcheck (and gradgradcheck where marked) on every case of
-- grad_reduce_linalg_cases.lua, the tie/zero conventions checked against
-- hand-computed gradients, the number-or-tensor rule of whole-tensor
-- reductions, and the cases that are refused.
local U = require 'testutil'
local cases = require 'grad_reduce_linalg_cases'
local core = torch.core
local fn = core.fn
local gradcheck, gradgradcheck = torch.autograd.gradcheck, torch.autograd.gradgradcheck

local function leaf(vals, shape)
  return core.fromtable('float64', vals, shape or {#vals}):requiresGrad(true)
end
local function grad_of(f, x)
  local y = f(x)
  return (torch.autograd.grad(y, x, core.empty('float64', y:size()):fill(1)))
end
local function same(t, vals)
  local flat = t:contiguous():_flat()
  assert.are.equal(#vals, #flat)
  for i, v in ipairs(vals) do
    assert(math.abs(flat[i] - v) < 1e-12, string.format('element %d: %g, expected %g', i, flat[i], v))
  end
end

local names = {}
for name in pairs(cases) do names[#names + 1] = name end
table.sort(names)

describe('gradcheck of reductions and linear algebra', function()
  for _, name in ipairs(names) do
    describe(name, function()
      it('has a backward in the op table', function()
        local info = core.ops[name]
        assert(info, name .. ' is not in the op table')
        assert.is_true(info.differentiable)
      end)
      for k, c in ipairs(cases[name]) do
        it('gradcheck ' .. (c.name or tostring(k)), function()
          assert.is_true(gradcheck(c[1], c[2]))
          if c.gg then assert.is_true(gradgradcheck(c[1], c[2])) end
        end)
      end
    end)
  end
  it('leaves none of these families pending', function()
    local families = {sum = 1, prod = 1, mean = 1, max = 1, min = 1, std = 1, var = 1, norm = 1,
      cumsum = 1, cumprod = 1, logsumexp = 1, sort = 1, topk = 1, kthvalue = 1, median = 1,
      mm = 1, mv = 1, bmm = 1, addmm = 1, addmv = 1, addr = 1, baddbmm = 1, addbmm = 1, dot = 1,
      ger = 1, matmul = 1, gesv = 1, inverse = 1, potrf = 1, potrs = 1, potri = 1, symeig = 1,
      eig = 1, svd = 1, qr = 1, det = 1, slogdet = 1, logdet = 1}
    for name in pairs(families) do
      local info = core.ops[name]
      assert(info, name)
      assert(info.differentiable or info.nondiff, name .. ' is pending')
    end
  end)
end)

-- conventions, with gradients computed by hand
describe('conventions', function()
  local conv = {
    {'max along a dim: the returned index gets it (first of ties)',
     function(x) return (fn.max(x, 1)) end, {1, 3, 3, 2}, {0, 1, 0, 0}},
    {'max of all elements: shared among ties', function(x) return fn.max(x) end, {1, 3, 3, 2}, {0, 0.5, 0.5, 0}},
    {'min of all elements: shared among ties', function(x) return fn.min(x) end, {1, -2, 4, -2}, {0, 0.5, 0, 0.5}},
    {'norm inf: shared among ties, with signs', function(x) return fn.norm(x, math.huge) end, {1, -3, 3, 2}, {0, -0.5, 0.5, 0}},
    {'norm at 0: subgradient 0', function(x) return fn.norm(x) end, {0, 0, 0}, {0, 0, 0}},
    {'norm 1 at 0: sign(0) = 0', function(x) return fn.norm(x, 1) end, {0, 2, -1}, {0, 1, -1}},
    {'prod with one zero: only the zero gets the product of the rest',
     function(x) return fn.prod(x) end, {2, 0, 3}, {0, 6, 0}},
    {'prod with two zeros: no gradient', function(x) return fn.prod(x) end, {2, 0, 0}, {0, 0, 0}},
    {'std of equal elements: 0 (not NaN)', function(x) return fn.std(x) end, {1, 1, 1}, {0, 0, 0}},
    {'biased std of one element: 0', function(x) return fn.std(x, true) end, {5}, {0}},
    {'cumprod through a zero', function(x) return fn.cumprod(x, 1) end, {2, 0, 3}, {1, 2 + 6, 0}},
    {'median of all: the lower median', function(x) return fn.median(x) end, {4, 1, 3, 2}, {0, 0, 0, 1}},
    {'sort: the gradient follows the permutation',
     function(x) return fn.mul((fn.sort(x, 1)), leaf({1, 2, 3}):detach()) end, {3, 1, 2}, {3, 1, 2}},
  }
  for _, c in ipairs(conv) do
    it(c[1], function() same(grad_of(c[2], leaf(c[3])), c[4]) end)
  end
  it('unbiased var/std of one element: NaN value and gradient', function()
    local x = leaf({5})
    local g = grad_of(function(a) return fn.var(a, 1) end, x)
    assert.is_true(g[1] ~= g[1])
  end)
end)

describe('whole-tensor reductions under autograd', function()
  local forms = {
    {'sum', function(x) return x:sum() end, 6},
    {'mean', function(x) return x:mean() end, 2},
    {'prod', function(x) return x:prod() end, 6},
    {'max', function(x) return x:max() end, 3},
    {'min', function(x) return x:min() end, 1},
    {'median', function(x) return x:median() end, 2},
    {'var', function(x) return x:var() end, 1},
    {'norm', function(x) return x:norm(1) end, 6},
    {'logsumexp', function(x) return x:logsumexp() end, math.log(math.exp(1) + math.exp(2) + math.exp(3))},
    {'dot', function(x) return torch.dot(x, x) end, 14},
  }
  for _, c in ipairs(forms) do
    it(c[1] .. ' is a 0-dim tensor when the input requires grad, else a number', function()
      local x = leaf({1, 2, 3})
      local r = c[2](x)
      assert.is_true(torch.isTensor(r))
      assert.are.equal(0, r:dim())
      assert.is_true(math.abs(r:item() - c[3]) < 1e-12)
      assert.is_true(r.requires_grad)
      assert.are.equal('number', type(c[2](x:detach())))
      assert.are.equal('number', type(torch.no_grad(c[2], x)))
    end)
  end
  it('det, slogdet, logdet too', function()
    local a = core.fromtable('float64', {2, 1, 1, 3}, {2, 2}):requiresGrad(true)
    local d = torch.det(a)
    assert.is_true(torch.isTensor(d))
    d:backward()
    same(a.grad, {3, -1, -1, 2}) -- det * A^-T = adj(A)^T
    local s, l = torch.slogdet(a)
    assert.are.equal(1, s:item())
    assert.is_true(math.abs(l:item() - math.log(5)) < 1e-12)
    assert.is_true(math.abs(torch.logdet(a):item() - math.log(5)) < 1e-12)
    assert.are.equal('number', type(torch.det(a:detach())))
  end)
  it('x:sum() builds a graph whose backward reaches x', function()
    local x = leaf({1, 2, 3})
    local y = fn.mul(x, x):sum()
    y:backward()
    same(x.grad, {2, 4, 6})
  end)
end)

describe('result tensors (Torch7 result-first forms)', function()
  it('a LAPACK result tensor takes the graph', function()
    local a = core.fromtable('float64', {2, 1, 1, 3}, {2, 2}):requiresGrad(true)
    local r = torch.DoubleTensor()
    torch.inverse(r, a)
    r:sum():backward()
    same(a.grad, {-0.16, -0.08, -0.08, -0.04}) -- -(A^-T 1)(1^T A^-T)
  end)
  it('a product or reduction result tensor records too', function()
    local a = core.fromtable('float64', {1, 2, 3, 4}, {2, 2}):requiresGrad(true)
    local r, s = torch.DoubleTensor(), torch.DoubleTensor()
    torch.mm(r, a, a)
    torch.sum(s, a, 1)
    fn.add(r:sum(), s:sum()):backward()
    same(a.grad, {1 + 2 + 1 + 3 + 1, 3 + 4 + 1 + 3 + 1, 1 + 2 + 2 + 4 + 1, 3 + 4 + 2 + 4 + 1})
  end)
end)

describe('gradients of gradients', function()
  it('sum, mean, mm, matmul compose (createGraph)', function()
    local x = leaf({0.5, -1, 2, 0.3, 0.7, -0.2}, {2, 3})
    local w = leaf({0.1, 0.2, -0.3, 0.4, 0.5, -0.6}, {3, 2})
    local function loss(a, b) return fn.mean(fn.mul(fn.matmul(a, b), fn.mm(a, b))) end
    assert.is_true(gradgradcheck(loss, {x, w}))
    assert.is_true(gradgradcheck(function(a) return fn.mul(a:sum(), a:sum()) end, {x}))
  end)
end)

describe('refused', function()
  U.error_cases({
    {'backward through max indices', function()
      local x = leaf({1, 3, 2})
      local _, i = fn.max(x, 1)
      i:backward()
    end, 'backward', 'does not require grad'},
    {'autograd.grad of sort indices', function()
      local x = leaf({1, 3, 2})
      local _, i = fn.sort(x, 1)
      torch.autograd.grad(i, x)
    end, 'grad', 'does not require grad'},
    {'cumprod through zeros with createGraph', function()
      local x = leaf({2, 0, 3})
      local y = fn.cumprod(x, 1)
      torch.autograd.grad(y, x, leaf({1, 1, 1}):detach(), {createGraph = true})
    end, 'cumprod', 'zeros'},
    {'U of a full SVD of a non-square matrix', function()
      local x = leaf({1, 2, 3, 4, 5, 7}, {2, 3})
      local u = fn.svd(x, 'A')
      u:sum():backward()
    end, 'svd', "reduced SVD ('S')"},
    {'det of a singular matrix', function()
      local x = leaf({1, 2, 2, 4}, {2, 2})
      torch.det(x):backward()
    end, 'det', 'singular'},
    {'eig of a tensor that requires grad', function()
      fn.eig(leaf({1, 0, 0, 2}, {2, 2}))
    end, 'eig', 'not differentiable'},
    {'qr of a tensor that requires grad', function()
      fn.qr(leaf({1, 0, 0, 2}, {2, 2}))
    end, 'qr', 'not differentiable'},
    {'symeig eigenvalues only, with createGraph', function()
      local x = leaf({2, 1, 1, 3}, {2, 2})
      local e = fn.symeig(x)
      torch.autograd.grad(e, x, leaf({1, 1}):detach(), {createGraph = true})
    end, 'symeig', "symeig(A, 'V')"},
    {'in-place addmm on a leaf that requires grad', function()
      local m = leaf({1, 2, 3, 4}, {2, 2})
      m:addmm(leaf({1, 0, 0, 1}, {2, 2}), leaf({1, 0, 0, 1}, {2, 2}))
    end, 'addmm', 'leaf'},
  })
end)
