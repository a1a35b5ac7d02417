-- Helpers for the nn specs: Jacobian checks of a module through both of its
-- interfaces (the tape with torch.autograd.gradcheck, and Torch7's
-- forward/backward against central differences).
require 'nn'
local C = {}

local function randomLike(t, seed)
  local g = torch.Generator and nil
  return torch.randn(t:size()):double()
end

-- <forward(x), go> summed, as a Lua number
local function dot(out, go)
  if torch.isTensor(out) then return torch.mul(out:double(), go:double()):sum() end
  local s = 0
  for i = 1, #out do s = s + dot(out[i], go[i]) end
  return s
end

local function randomGrad(out)
  if torch.isTensor(out) then return torch.randn(out:size()):double() end
  local r = {}
  for i = 1, #out do r[i] = randomGrad(out[i]) end
  return r
end

local function tensors(x, list)
  list = list or {}
  if torch.isTensor(x) then
    if x:dtype() == 'float64' then list[#list + 1] = x end
  elseif type(x) == 'table' then
    for _, v in ipairs(x) do tensors(v, list) end
  end
  return list
end

-- Torch7 path: m:backward's gradInput and gradParameters against central
-- differences of <m:forward(x), go>, element by element
function C.torch7(m, input, tol)
  tol = tol or 1e-6
  m:double()
  local out = m:forward(input)
  local go = randomGrad(out)
  m:zeroGradParameters()
  local gi = m:backward(input, go)
  local ps, gs = m:parameters()
  local gix = tensors(gi)
  local checks = {}
  for i, x in ipairs(tensors(input)) do checks[#checks + 1] = {x, gix[i]} end
  for i, p in ipairs(ps or {}) do checks[#checks + 1] = {p, gs[i]} end
  local eps = 1e-6
  for _, c in ipairs(checks) do
    local x, g = c[1], c[2]
    local flat = x:view(x:nElement())
    local gflat = g:contiguous():view(g:nElement())
    for i = 1, x:nElement() do
      local v = flat[i]
      torch.no_grad(function() flat[i] = v + eps end)
      local fp = torch.no_grad(function() return dot(m:forward(input), go) end)
      torch.no_grad(function() flat[i] = v - eps end)
      local fm = torch.no_grad(function() return dot(m:forward(input), go) end)
      torch.no_grad(function() flat[i] = v end)
      local num = (fp - fm) / (2 * eps)
      local ana = gflat[i]
      if math.abs(num - ana) > tol + 1e-4 * math.abs(num) then
        error(string.format('%s: d/d(element %d) numerical %.8g, backward %.8g',
                            torch.typename(m), i, num, ana), 2)
      end
    end
  end
  return true
end

-- the tape: gradcheck on the input and every parameter
function C.tape(m, input)
  m:double()
  local ps = m:parameters() or {}
  local ins = tensors(input)
  local args = {}
  for i, x in ipairs(ins) do args[#args + 1] = x:requiresGrad(true) end
  for _, p in ipairs(ps) do args[#args + 1] = p end
  local ok = torch.autograd.gradcheck(function() return m(input) end, args)
  for _, x in ipairs(ins) do x:requiresGrad(false) end
  return ok
end

return C
