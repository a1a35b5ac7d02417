-- optim.checkgrad(feval, x [, eps = 1e-7]): compares feval's df/dx with
-- central differences (f(x + eps·e_i) - f(x - eps·e_i)) / 2eps. Returns
-- diff = ‖dfdx - dC‖ / ‖dfdx + dC‖, dfdx and dC (as Torch7). x is
-- restored. Run it in double precision: float32 differences are coarse.
local optim = optim
local U = optim._util

function optim.checkgrad(opfunc, x, eps)
  local fn = 'optim.checkgrad'
  U.check_call(fn, opfunc, x, nil, nil)
  eps = eps or 1e-7
  local _, dfdx = opfunc(x)
  if not torch.isTensor(dfdx) or dfdx:nElement() ~= x:nElement() then
    error(fn .. ': feval must return f(x) and df/dx with as many elements as x', 2)
  end
  dfdx = dfdx:clone()
  local xr = U.raw(x)
  local flat = xr:contiguous():view(xr:nElement())
  local dC = torch.zerosLike(dfdx):view(dfdx:nElement())
  local function num(v) return torch.isTensor(v) and v:item() or v end
  for i = 1, flat:nElement() do
    local v = flat[i]
    flat[i] = v + eps
    if not xr:isContiguous() then xr:copy(flat:viewAs(xr)) end
    local f1 = num((opfunc(x)))
    flat[i] = v - eps
    if not xr:isContiguous() then xr:copy(flat:viewAs(xr)) end
    local f2 = num((opfunc(x)))
    flat[i] = v
    if not xr:isContiguous() then xr:copy(flat:viewAs(xr)) end
    dC[i] = (f1 - f2) / (2 * eps)
  end
  dC = dC:viewAs(dfdx)
  local diff = torch.norm(dfdx - dC) / torch.norm(dfdx + dC)
  return diff, dfdx, dC
end
