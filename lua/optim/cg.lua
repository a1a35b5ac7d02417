-- Torch7's optim.cg: nonlinear conjugate gradients (Polak-Ribiere
-- directions) with Rasmussen's minimize.m line search (cubic/quadratic
-- inter- and extrapolation under the Wolfe-Powell conditions rho, sig).
-- config: maxEval (function evaluations, default maxIter*1.25), maxIter
-- (evaluations per line search, 20), rho 0.01, sig 0.5, int 0.1, ext 3.0,
-- ratio 100. Returns x, {f after each successful line search, the first
-- at x0}, evaluations used. As in minimize.m, a failed line search is
-- retried once along -g; Torch7's Lua ended at the first failure (its
-- failure flag was a number, and 0 is true in Lua).
local optim = optim
local U = optim._util

local function bad(z) return z ~= z or z == math.huge or z == -math.huge end

function optim.cg(opfunc, x, config, state)
  local fn = 'optim.cg'
  config, state = U.check_call(fn, opfunc, x, config, state)
  local rho = U.num(fn, config, 'rho', 0.01, 0, nil, 2)
  local sig = U.num(fn, config, 'sig', 0.5, 0, nil, 2)
  local int = U.num(fn, config, 'int', 0.1, 0, nil, 2)
  local ext = U.num(fn, config, 'ext', 3.0, 0, nil, 2)
  local maxIter = U.num(fn, config, 'maxIter', 20, 1, nil, 2)
  local ratio = U.num(fn, config, 'ratio', 100, 0, nil, 2)
  local maxEval = U.num(fn, config, 'maxEval', maxIter * 1.25, 1, nil, 2)
  if x:dim() ~= 1 then U.fail(2, '%s: x must be a 1-D tensor (use getParameters), got %dD', fn, x:dim()) end
  local xr = U.raw(x)
  local i, failed, fx = 0, false, {}
  local function eval()
    local f, g = U.eval(fn, opfunc, x, 3)
    i = i + 1
    return f, g:clone()
  end

  local f1, df1 = eval()
  fx[1] = f1
  local s = torch.mul(df1, -1)
  local d1 = -s:dot(s)
  local z1 = 1 / (1 - d1)
  while i < math.abs(maxEval) do
    local x0, f0, df0 = x:clone(), f1, df1:clone()
    xr:add(z1, s)
    local f2, df2 = eval()
    local d2 = df2:dot(s)
    local f3, d3, z3 = f1, d1, -z1
    local m = math.min(maxIter, maxEval - i)
    local success, limit = false, -1
    while true do
      -- shrink while the Wolfe-Powell conditions fail
      while (f2 > f1 + z1 * rho * d1 or d2 > -sig * d1) and m > 0 do
        limit = z1
        local z2
        if f2 > f1 then
          z2 = z3 - (0.5 * d3 * z3 * z3) / (d3 * z3 + f2 - f3)
        else
          local A = 6 * (f2 - f3) / z3 + 3 * (d2 + d3)
          local B = 3 * (f3 - f2) - z3 * (d3 + 2 * d2)
          z2 = (math.sqrt(B * B - A * d2 * z3 * z3) - B) / A
        end
        if bad(z2) then z2 = z3 / 2 end
        z2 = math.max(math.min(z2, int * z3), (1 - int) * z3)
        z1 = z1 + z2
        xr:add(z2, s)
        f2, df2 = eval()
        m = m - 1
        d2 = df2:dot(s)
        z3 = z3 - z2
      end
      if f2 > f1 + z1 * rho * d1 or d2 > -sig * d1 then break end
      if d2 > sig * d1 then
        success = true
        break
      end
      if m == 0 then break end
      -- extrapolate (cubic), within limits
      local A = 6 * (f2 - f3) / z3 + 3 * (d2 + d3)
      local B = 3 * (f3 - f2) - z3 * (d3 + 2 * d2)
      local z2 = -d2 * z3 * z3 / (B + math.sqrt(B * B - A * d2 * z3 * z3))
      if bad(z2) or z2 < 0 then
        if limit < -0.5 then z2 = z1 * (ext - 1) else z2 = (limit - z1) / 2 end
      elseif limit > -0.5 and z2 + z1 > limit then
        z2 = (limit - z1) / 2
      elseif limit < -0.5 and z2 + z1 > z1 * ext then
        z2 = z1 * (ext - 1)
      elseif z2 < -z3 * int then
        z2 = -z3 * int
      elseif limit > -0.5 and z2 < (limit - z1) * (1 - int) then
        z2 = (limit - z1) * (1 - int)
      end
      f3, d3, z3 = f2, d2, -z2
      z1 = z1 + z2
      xr:add(z2, s)
      f2, df2 = eval()
      m = m - 1
      d2 = df2:dot(s)
    end
    if success then
      f1 = f2
      fx[#fx + 1] = f1
      local ss = (df2:dot(df2) - df2:dot(df1)) / df1:dot(df1) -- Polak-Ribiere
      s:mul(ss):add(-1, df2)
      df1, df2 = df2, df1
      d2 = df1:dot(s)
      if d2 > 0 then -- not a descent direction: restart along -g
        s = torch.mul(df1, -1)
        d2 = -s:dot(s)
      end
      z1 = z1 * math.min(ratio, d1 / (d2 - 1e-320))
      d1 = d2
      failed = false
    else
      xr:copy(x0)
      f1, df1 = f0, df0
      if failed or i > maxEval then break end
      df1, df2 = df2, df1
      s = torch.mul(df1, -1)
      d1 = -s:dot(s)
      z1 = 1 / (1 - d1)
      failed = true
    end
  end
  return x, fx, i
end
