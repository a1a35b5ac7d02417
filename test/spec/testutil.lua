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

return U
