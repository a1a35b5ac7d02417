-- Shared helpers for the specs.
assert(jit ~= nil, 'specs must run under LuaJIT (busted --lua=luajit)')
require 'torch'

local U = {}

-- max |a - b| over all elements (tensors or numbers)
-- (computed without autograd: a whole-tensor max of a tensor that requires
-- grad is a 0-dim tensor, not a number)
function U.maxdiff(a, b)
  if type(a) == 'number' then return math.abs(a - b) end
  return torch.no_grad(function() return torch.abs(a:double() - b:double()):max() end)
end

function U.near(a, b, tol)
  local d = U.maxdiff(a, b)
  assert(d <= (tol or 1e-6), string.format('values differ by %g (tolerance %g)', d, tol or 1e-6))
end

-- fn must raise an error whose message contains every plain string given
function U.raises(fn, ...)
  local ok, err = pcall(fn)
  assert(not ok, 'expected an error, got none')
  err = tostring(err)
  for _, s in ipairs({...}) do
    assert(err:find(s, 1, true), string.format('error %q does not mention %q', err, s))
  end
  return err
end

-- each case: {name, fn, 'expected text', ...}; walked by one helper
function U.error_cases(cases)
  local it = getfenv(2).it -- busted's it lives in the spec's environment
  for _, c in ipairs(cases) do
    it('rejects ' .. c[1], function()
      U.raises(c[2], unpack(c, 3))
    end)
  end
end

-- each case: {name, make} where make() returns a module and its input; two
-- its per case check the module's Jacobians through both of its interfaces
-- (Torch7's backward and the tape, nn_check.lua)
function U.jacobian_cases(cases)
  local env = getfenv(2) -- busted's it and assert, as in error_cases
  local it, assert = env.it, env.assert
  local C = require 'nn_check'
  for _, c in ipairs(cases) do
    it(c[1] .. ': Torch7 backward matches finite differences', function()
      local m, x = c[2]()
      assert.is_true(C.torch7(m, x))
    end)
    if not c.notape then -- (notape = true: only Torch7's path applies)
      it(c[1] .. ': the tape passes gradcheck', function()
        local m, x = c[2]()
        assert.is_true(C.tape(m, x))
      end)
    end
  end
end

-- A deterministic source of test values, independent of torch's generator
-- (a linear congruential one): the function returned gives a table of n
-- values in [lo, hi), the sequence going on from call to call.
function U.lcg_values(seed)
  return function(n, lo, hi)
    local v = {}
    for i = 1, n do
      seed = (seed * 1103515245 + 12345) % 2147483648
      v[i] = lo + (hi - lo) * seed / 2147483648
    end
    return v
  end
end

-- a float64 tensor of the given sizes with deterministic, irregular values:
-- element i (0-based, row-major) = ((37 i) mod 23)/4 - 2.5
function U.seq(...)
  local t = torch.DoubleTensor(...)
  local flat = t:view(t:nElement())
  for i = 0, t:nElement() - 1 do flat[i + 1] = ((i * 37) % 23) / 4 - 2.5 end
  return t
end

return U
