-- Autograd behaviour: fields, backward, accumulation, graph freeing, grad
-- mode, detach, hooks, version counters, in-place ops, custom functions,
-- gradients of gradients, dynamic graphs, deep chains and memory.
-- Expected numbers at kinks come from PyTorch 1.13 (checked in as literals).
local U = require 'testutil'
local core = torch.core
local fn = core.fn
local ag = core.autograd

local function T(values) return torch.DoubleTensor(values) end
local function leaf(values) return T(values):requiresGrad() end
local function total(t) return ag.sum_to(t, {}) end -- a recorded sum to a scalar
local function same(a, b, tol)
  if type(b) == 'table' then b = T(b) end
  U.near(a, b, tol or 1e-10)
end

describe('autograd fields', function()
  it('requires_grad, grad, grad_fn and isLeaf', function()
    local x = T({1, 2})
    assert.is_false(x.requires_grad)
    assert.is_nil(x.grad)
    assert.is_nil(x.grad_fn)
    assert.equal(x, x:requiresGrad())
    assert.is_true(x.requires_grad and x:isLeaf())
    local y = fn.exp(x)
    assert.is_true(y.requires_grad)
    assert.is_false(y:isLeaf())
    assert.equal('exp', y.grad_fn.name)
    assert.equal('<exp backward>', tostring(y.grad_fn))
    x.requires_grad = false
    assert.is_false(x.requires_grad)
    assert.is_nil(fn.exp(x).grad_fn)
  end)
  it('grad is settable and clearable', function()
    local x = leaf({1, 2})
    x.grad = T({5, 6})
    same(x.grad, {5, 6})
    fn.mul(x, 3):backward(T({1, 1}))
    same(x.grad, {8, 9})
    x:zeroGrad()
    same(x.grad, {0, 0})
    x.grad = nil
    assert.is_nil(x.grad)
  end)
  U.error_cases({
    {'requiresGrad on an integer tensor', function() torch.LongTensor({1}):requiresGrad() end,
     'requiresGrad', 'floating-point'},
    {'a grad of the wrong size', function() leaf({1, 2}).grad = T({1, 2, 3}) end, 'grad', 'size 3'},
    {'a grad of the wrong type', function() leaf({1}).grad = 3 end, 'grad', 'tensor or nil'},
    {'an unknown field', function() T({1}).foo = 1 end, 'newindex', 'foo'},
    {'turning off requires_grad on a non-leaf',
     function() fn.exp(leaf({1})):requiresGrad(false) end, 'requiresGrad', 'leaf'},
  })
end)

describe('backward', function()
  it('of a scalar defaults to a gradient of one', function()
    local x = leaf({1, 2, 3})
    total(fn.mul(x, x)):backward()
    same(x.grad, {2, 4, 6})
  end)
  it('takes a gradOutput for non-scalars', function()
    local x = leaf({1, 2})
    fn.mul(x, x):backward(T({1, 10}))
    same(x.grad, {2, 40})
  end)
  it('sums broadcast gradients back to the input shape and dtype', function()
    local x = torch.FloatTensor({1, 2, 3}):requiresGrad()
    local y = T({{1, 1, 1}, {2, 2, 2}}):requiresGrad()
    total(fn.mul(x, y)):backward()
    assert.equal('float32', x.grad:dtype())
    same(x.grad, {3, 3, 3}, 1e-6)
    same(y.grad, {{1, 2, 3}, {1, 2, 3}})
  end)
  it('of a leaf puts the gradient into it', function()
    local x = leaf({1, 2})
    x:backward(T({3, 4}))
    same(x.grad, {3, 4})
  end)
  it('accumulates into .grad across calls', function()
    local x = leaf({1, 2})
    total(fn.mul(x, 3)):backward()
    total(fn.mul(x, x)):backward()
    same(x.grad, {5, 7})
  end)
  it('accumulates where a tensor is used twice', function()
    local x = leaf({2})
    local y = fn.mul(x, x)
    total(fn.add(fn.mul(y, x), y)):backward() -- x^3 + x^2
    same(x.grad, {16})
  end)
  it('frees the graph: a second backward is an error', function()
    local x = leaf({1})
    local y = total(fn.exp(x))
    y:backward()
    U.raises(function() y:backward() end, 'backward', 'already freed', 'retainGraph')
  end)
  it('keeps the graph with retainGraph', function()
    local x = leaf({1})
    local y = total(fn.mul(x, 4))
    y:backward({retainGraph = true})
    y:backward()
    same(x.grad, {8})
  end)
  it('runs a data-dependent graph (a while loop)', function()
    local x = leaf({0.3})
    local y, n = x, 0
    while total(fn.mul(y, y)):item() < 100 do
      y = fn.mul(y, 2)
      n = n + 1
    end
    total(y):backward()
    assert.equal(6, n)
    same(x.grad, {2 ^ n})
  end)
  it('backpropagates through a 200 000-op chain without overflowing the stack', function()
    local x = leaf({1})
    local h = x
    for _ = 1, 200000 do h = fn.add(h, 1e-6) end
    total(h):backward()
    same(x.grad, {1})
    h = nil
    collectgarbage()
    collectgarbage()
  end)
  U.error_cases({
    {'a non-scalar without gradOutput', function() fn.exp(leaf({1, 2})):backward() end,
     'backward', 'gradient must be given', 'size 2'},
    {'a gradOutput of the wrong size', function() fn.exp(leaf({1, 2})):backward(T({1, 2, 3})) end,
     'backward', 'size 3'},
    {'an output that does not require grad', function() T({1}):backward() end,
     'backward', 'does not require grad'},
  })
end)

describe('torch.autograd.grad', function()
  it('returns gradients without touching .grad', function()
    local x, w = leaf({1, 2}), leaf({3, 4})
    local gx, gw = torch.autograd.grad(total(fn.mul(x, w)), {x, w})
    same(gx, {3, 4})
    same(gw, {1, 2})
    assert.is_nil(x.grad)
  end)
  it('takes gradOutputs and non-leaf inputs', function()
    local x = leaf({1, 2})
    local y = fn.mul(x, 3)
    local z = fn.mul(y, y)
    same(torch.autograd.grad(z, y, T({1, 1})), {6, 12})
  end)
  it('gives nil for unused inputs with allowUnused', function()
    local x, u = leaf({1}), leaf({1})
    local gx, gu = torch.autograd.grad(total(fn.exp(x)), {x, u}, nil, {allowUnused = true})
    same(gx, {math.exp(1)})
    assert.is_nil(gu)
  end)
  U.error_cases({
    {'an unused input', function() torch.autograd.grad(total(fn.exp(leaf({1}))), leaf({1})) end,
     'autograd.grad', 'not used', 'allowUnused'},
    {'an input that does not require grad',
     function() torch.autograd.grad(total(fn.exp(leaf({1}))), T({1})) end,
     'grad', 'does not require grad'},
  })
end)

describe('gradients of gradients', function()
  it('of elementwise ops', function()
    local x = leaf({1, 2})
    local y = fn.mul(fn.mul(x, x), x) -- x^3
    local g = torch.autograd.grad(total(y), x, nil, {createGraph = true})
    same(g, {3, 12})
    assert.is_true(g.requires_grad)
    local h = torch.autograd.grad(total(g), x)
    same(h, {6, 12})
  end)
  it('of tanh (fused backward kernel) to third order', function()
    local x = leaf({0.5})
    local t = math.tanh(0.5)
    local g1 = torch.autograd.grad(total(fn.tanh(x)), x, nil, {createGraph = true})
    local g2 = torch.autograd.grad(total(g1), x, nil, {createGraph = true})
    local g3 = torch.autograd.grad(total(g2), x)
    same(g1, {1 - t * t})
    same(g2, {-2 * t * (1 - t * t)})
    same(g3, {(1 - t * t) * (6 * t * t - 2)})
  end)
  it('through views', function()
    local x = leaf({{1, 2}, {3, 4}})
    local v = x:t():narrow(1, 2, 1):expand(3, 2) -- 3 copies of column 2 of x
    local g = torch.autograd.grad(total(fn.mul(v, v)), x, nil, {createGraph = true})
    same(g, {{0, 6 * 2}, {0, 6 * 4}})
    total(g):backward()
    same(x.grad, {{0, 6}, {0, 6}})
  end)
  it('through backward with createGraph into .grad', function()
    local x = leaf({3})
    total(fn.mul(fn.mul(x, x), x)):backward({createGraph = true})
    local g = x.grad
    x.grad = nil
    g:backward(T({1}))
    same(x.grad, {18})
  end)
end)

describe('grad mode', function()
  it('no_grad records nothing and restores the mode', function()
    local x = leaf({1})
    local before = ag.live_nodes()
    local y, extra = torch.no_grad(function(a) return fn.exp(a), 'extra' end, x)
    assert.equal('extra', extra)
    assert.is_false(y.requires_grad)
    assert.is_nil(y.grad_fn)
    assert.equal(before, ag.live_nodes())
    assert.is_true(torch.is_grad_enabled())
  end)
  it('restores the mode after an error', function()
    U.raises(function() torch.no_grad(function() error('boom') end) end, 'boom')
    assert.is_true(torch.is_grad_enabled())
  end)
  it('enable_grad inside no_grad, and set_grad_enabled for a block', function()
    local x = leaf({1})
    torch.no_grad(function()
      assert.is_false(torch.is_grad_enabled())
      assert.is_true(torch.enable_grad(function() return fn.exp(x).requires_grad end))
    end)
    local prev = torch.set_grad_enabled(false)
    assert.is_true(prev)
    assert.is_false(fn.exp(x).requires_grad)
    torch.set_grad_enabled(prev)
    assert.is_true(fn.exp(x).requires_grad)
  end)
  it('lets an optimizer update leaves in place', function()
    local w = leaf({1, 2})
    total(fn.mul(w, w)):backward()
    torch.no_grad(function() w:add(-0.5, w.grad) end)
    same(w, {0, 0})
  end)
end)

describe('detach', function()
  it('detach() shares storage and stops gradients', function()
    local x = leaf({1, 2})
    local d = fn.mul(x, 2):detach()
    assert.is_false(d.requires_grad)
    assert.is_true(d:isLeaf())
    total(fn.add(fn.mul(x, d), x)):backward()
    same(x.grad, {3, 5})
  end)
  it('detach_() cuts a tensor off its history in place', function()
    local x = leaf({1})
    local y = fn.mul(x, 2)
    assert.equal(y, y:detach_())
    assert.is_nil(y.grad_fn)
    assert.is_false(y.requires_grad)
  end)
end)

describe('hooks', function()
  it('see the gradient of a leaf, once, on the total', function()
    local x = leaf({1, 2})
    local seen = {}
    x:registerHook(function(g) seen[#seen + 1] = g:clone() end)
    total(fn.add(fn.mul(x, 2), fn.mul(x, 3))):backward()
    assert.equal(1, #seen)
    same(seen[1], {5, 5})
  end)
  it('may replace the gradient, on leaves and non-leaves', function()
    local x = leaf({1, 2})
    local y = fn.mul(x, 3)
    y:registerHook(function(g) return fn.mul(g, 10) end)
    x:registerHook(function(g) return fn.add(g, 1) end)
    total(y):backward()
    same(x.grad, {31, 31})
  end)
  it('can be removed', function()
    local x = leaf({1})
    local h = x:registerHook(function(g) return fn.mul(g, 0) end)
    assert.is_true(h:remove())
    total(fn.mul(x, 2)):backward()
    same(x.grad, {2})
  end)
  U.error_cases({
    {'a hook that fails', function()
      local x = leaf({1})
      x:registerHook(function() error('hook exploded') end)
      total(fn.exp(x)):backward()
    end, 'backward', 'hook failed', 'hook exploded'},
    {'a hook returning a wrong size', function()
      local x = leaf({1, 2})
      x:registerHook(function() return T({1}) end)
      total(fn.exp(x)):backward()
    end, 'backward', 'hook returned a gradient of size 1'},
    {'a hook on a tensor without grad', function() T({1}):registerHook(function() end) end,
     'registerHook', 'does not require grad'},
  })
end)

describe('in-place operations', function()
  it('on a non-leaf are recorded', function()
    local x = leaf({1, 2})
    local y = fn.mul(x, 1)
    y:mul(3)
    y:add(x)
    assert.equal('add', y.grad_fn.name)
    total(y):backward()
    same(x.grad, {4, 4})
  end)
  it('keep what the op needs of the overwritten input', function()
    local x = leaf({1, 2})
    local y = fn.mul(x, 1)
    y:mul(y) -- y = y * y in place
    total(y):backward()
    same(x.grad, {2, 4})
  end)
  it('into a fresh tensor from values that require grad (copy)', function()
    local x = leaf({1, 2})
    local buf = torch.DoubleTensor(2):fill(0)
    buf:copy(fn.mul(x, 2))
    assert.equal('copy', buf.grad_fn.name)
    total(buf):backward()
    same(x.grad, {2, 2})
  end)
  it('are recorded through contiguous() and type conversions', function()
    local x = leaf({{1, 2}, {3, 4}})
    local c = x:t():contiguous()
    local f = c:float()
    total(fn.mul(f, 2)):backward()
    assert.equal('float64', x.grad:dtype())
    same(x.grad, {{2, 2}, {2, 2}})
  end)
  it('lets plain values overwrite a leaf in place, which stays a leaf (Torch7 code)', function()
    local w = leaf({1, 2})
    w:fill(3)
    w:mul(2)
    w:add(1, T({1, 1}))
    w:copy(fn.add(w:detach(), 1))
    same(w:detach(), {8, 8})
    assert.is_true(w.requires_grad)
    assert.is_nil(w.grad_fn)
    total(fn.mul(w, w)):backward()
    same(w.grad, {16, 16})
  end)
  it('lets plain values be written through a view of a leaf (w:narrow(...):zero())', function()
    local w = leaf({{1, 2}, {3, 4}})
    w:narrow(1, 1, 1):fill(0)
    w:select(2, 2):add(1, T({10, 10}))
    w:t()[{{1}, {2}}]:fill(5) -- a view of a view
    same(w:detach(), {{0, 10}, {5, 14}})
    assert.is_true(w.requires_grad)
    assert.is_nil(w.grad_fn)
    local y = fn.mul(w, w)
    w:narrow(1, 2, 1):zero() -- y saved w: its backward notices
    U.raises(function() total(y):backward() end, 'mul', 'modified')
    -- a view of a non-leaf is still refused (its history would be lost)
    U.raises(function() fn.mul(w, 2):narrow(1, 1, 1):fill(0) end, 'fill', 'view')
  end)
  U.error_cases({
    {'adding values that require grad into a leaf in place', function() leaf({1}):add(leaf({2})) end,
     'add', 'leaf tensor that requires grad', 'values that require grad'},
    {'a saved input modified in place', function()
      local x = leaf({1, 2})
      local y = fn.mul(x, 1)
      local z = fn.mul(y, y)
      y:add(1)
      total(z):backward()
    end, 'backward', 'mul saved', 'modified by an in-place operation'},
    {'a saved output modified in place', function()
      local x = leaf({1, 2})
      local t = fn.tanh(x)
      torch.no_grad(function() t:mul(2) end)
      total(t):backward()
    end, 'backward', 'tanh saved', 'in-place'},
    {'an in-place write into a view of a tensor that requires grad', function()
      local y = fn.mul(leaf({1, 2}), 1)
      y:narrow(1, 1, 1):mul(2)
    end, 'mul', 'view'},
    {'writing a result that requires grad into a view of a plain tensor', function()
      local buf = torch.DoubleTensor(2, 2):fill(0)
      buf:select(1, 1):copy(fn.mul(leaf({1, 2}), 1))
    end, 'copy', 'shares its storage'},
  })
end)

describe('conventions at kinks (PyTorch 1.13)', function()
  local cases = {
    {'relu at 0', function(x) return fn.relu(x) end, {0, 4}, {0, 1}},
    {'abs at 0', function(x) return fn.abs(x) end, {0, 4}, {0, 1}},
    {'sign', function(x) return fn.sign(x) end, {0, -1, 1}, {0, 0, 0}},
    {'sqrt at 0', function(x) return fn.sqrt(x) end, {0, 4}, {math.huge, 0.25}},
    {'clamp at the bounds', function(x) return fn.clamp(x, 1, 2) end, {0, 1, 2, 3}, {0, 1, 1, 0}},
    {'cmax ties split', function(x) return fn.cmax(x, T({1, 1, 4})) end, {1, 2, 3}, {0.5, 1, 0}},
    {'cmin ties split', function(x) return fn.cmin(x, T({1, 1, 4})) end, {1, 2, 3}, {0.5, 0, 1}},
    {'pow base at 0', function(x) return fn.pow(x, T({0, 2, -1})) end, {0, 0, 2}, {0, 0, -0.25}},
    {'pow exponent at base 0', function(y) return fn.pow(T({0, 0, 2}), y) end, {0, 2, -1},
     {0, 0, 0.34657359027997264}},
  }
  for _, c in ipairs(cases) do
    it(c[1], function()
      local x = leaf(c[3])
      total(c[2](x)):backward()
      for i, want in ipairs(c[4]) do
        local got = x.grad[i]
        assert(got == want or math.abs(got - want) < 1e-12,
               string.format('element %d: got %g, expected %g', i, got, want))
      end
    end)
  end
end)

describe('custom functions', function()
  local Exp = torch.autograd.Function('Exp')
  function Exp.forward(ctx, x)
    local y = fn.exp(x)
    ctx:saveForBackward(y)
    return y
  end
  function Exp.backward(ctx, g)
    local y = ctx:savedTensors()
    return fn.mul(g, y)
  end

  it('record a node whose backward runs in Lua', function()
    local x = leaf({0, 1})
    local y = Exp(x)
    assert.equal('Exp', y.grad_fn.name)
    total(fn.mul(y, 2)):backward()
    same(x.grad, {2, 2 * math.exp(1)})
    assert.is_true(torch.autograd.gradcheck(function(a) return Exp.apply(a) end, {leaf({0.3, -0.2})}))
  end)
  it('take non-tensor arguments and several outputs', function()
    local Scale = torch.autograd.Function{name = 'Scale'}
    function Scale.forward(ctx, a, k, b)
      ctx.k = k
      assert.same({true, false, false}, ctx.needsInputGrad)
      return fn.mul(a, k), fn.add(a, b)
    end
    function Scale.backward(ctx, g1, g2) return fn.add(fn.mul(g1, ctx.k), g2), nil, g2 end
    local a, b = leaf({1, 2}), T({5, 5})
    local p, q = Scale(a, 3, b)
    total(p):backward()
    same(a.grad, {3, 3}) -- q got no gradient: zeros were passed for it
    assert.is_true(torch.autograd.gradcheck(function(x) return Scale(x, 3, b) end, {leaf({1, 2})}))
  end)
  it('do not record without inputs that require grad', function()
    assert.is_nil(Exp(T({1})).grad_fn)
  end)
  describe('ctx:gradAccumulator', function()
    -- y = 3x, whose backward adds 3g into the offered buffer when there is one
    local offered
    local Triple = torch.autograd.Function('Triple')
    function Triple.forward(ctx, x) return fn.mul(x, 3) end
    function Triple.backward(ctx, g)
      local acc = ctx:gradAccumulator(1)
      offered = acc
      if acc then acc:add(fn.mul(g, 3)) return nil end
      return fn.mul(g, 3)
    end
    it("is the leaf's own .grad when it has one (accumulating)", function()
      local x = leaf({1, 2})
      total(Triple(x)):backward()
      same(x.grad, {3, 3})
      local buf = x.grad
      total(Triple(x)):backward()
      assert.is_true(rawequal(buf, x.grad) or buf:_id() == x.grad:_id())
      same(x.grad, {6, 6})
      assert.are.equal(buf:_id(), offered:_id())
    end)
    it('sums with the other uses of the leaf', function()
      local x = leaf({1, 2})
      x.grad = T({10, 10})
      total(fn.add(Triple(x), fn.mul(x, 5))):backward()
      same(x.grad, {18, 18})
    end)
    it('is a private sum when hooks want the total or autograd.grad asks', function()
      local x = leaf({1, 2})
      x.grad = T({1, 1})
      local seen
      x:registerHook(function(g) seen = g:clone() end)
      total(Triple(x)):backward()
      same(seen, {3, 3})
      same(x.grad, {4, 4})
      local z = leaf({1, 2})
      z.grad = T({7, 7})
      local g = torch.autograd.grad({total(Triple(z))}, {z})
      same(g, {3, 3})
      same(z.grad, {7, 7})
    end)
  end)
  U.error_cases({
    {'a saved tensor modified in place', function()
      local y = Exp(leaf({1}))
      torch.no_grad(function() y:mul(2) end)
      total(y):backward()
    end, 'Exp', 'modified by an in-place operation'},
    {'a backward that fails', function()
      local Bad = torch.autograd.Function('Bad')
      function Bad.forward(ctx, x) return fn.mul(x, 1) end
      function Bad.backward() error('no way') end
      total(Bad(leaf({1}))):backward()
    end, 'backward', 'Bad', 'no way'},
    {'a backward returning a non-tensor', function()
      local Bad = torch.autograd.Function('Bad2')
      function Bad.forward(ctx, x) return fn.mul(x, 1) end
      function Bad.backward() return 'x' end
      total(Bad(leaf({1}))):backward()
    end, 'Bad2', 'expected a tensor or nil'},
  })
end)

describe('memory', function()
  -- The allocator's count of live bytes, not RSS: RSS moves with the GC's
  -- timing and the allocator's caches, the live count only with a leak.
  it('holds the same memory after 10 000 forward/backward iterations', function()
    local w = torch.DoubleTensor(1000):fill(0.01):requiresGrad()
    local b = torch.DoubleTensor(1000):fill(0.1):requiresGrad()
    local x = torch.DoubleTensor(1000):fill(0.5)
    local function step()
      local h = fn.tanh(fn.add(fn.mul(x, w), b))
      total(fn.mul(h, h)):backward()
      torch.no_grad(function()
        w:add(-0.01, w.grad)
        b:add(-0.01, b.grad)
      end)
      w:zeroGrad()
      b:zeroGrad()
    end
    local function settled()
      collectgarbage()
      collectgarbage()
      return ag.live_nodes(), torch.core.memory_stats().allocated
    end
    step()
    local nodes, bytes = settled()
    for _ = 1, 10000 do step() end
    local nodes_after, bytes_after = settled()
    assert.equal(nodes, nodes_after)
    assert.equal(bytes, bytes_after)
  end)
end)
