-- Torch7's optim.lbfgs: limited-memory BFGS (after minFunc), with fixed
-- steps of config.learningRate or a user line search (config.lineSearch,
-- called as lineSearch(opfunc, x, t, d, f, g, gtd, config.lineSearchOptions)
-- -> f, g, x, t, nEvals, e.g. optim.lswolfe). The direction is the
-- two-loop recursion over the last nCorrection (s, y) pairs with the
-- initial Hessian scale y's/y'y; a pair is kept only when y's > 1e-10.
-- Stopping tests are Torch7's: L1 norms (sum of |g|, sum of |t*d|) against
-- tolFun / tolX, where PyTorch's LBFGS uses max norms.
-- Returns x, {f values: before, then after each step}, evaluations used.
local optim = optim
local U = optim._util

function optim.lbfgs(opfunc, x, config, state)
  local fn = 'optim.lbfgs'
  config, state = U.check_call(fn, opfunc, x, config, state)
  local maxIter = U.num(fn, config, 'maxIter', 20, 1, nil, 2)
  local maxEval = U.num(fn, config, 'maxEval', maxIter * 1.25, 1, nil, 2)
  local tolFun = U.num(fn, config, 'tolFun', 1e-5, 0, nil, 2)
  local tolX = U.num(fn, config, 'tolX', 1e-9, 0, nil, 2)
  local nCorrection = U.num(fn, config, 'nCorrection', 100, 1, nil, 2)
  local lr = U.num(fn, config, 'learningRate', 1, 0, nil, 2)
  local lineSearch = config.lineSearch
  if lineSearch ~= nil and type(lineSearch) ~= 'function' then
    U.fail(2, '%s: config.lineSearch must be a function (e.g. optim.lswolfe), got %s', fn, U.kind(lineSearch))
  end
  if x:dim() ~= 1 then U.fail(2, '%s: x must be a 1-D tensor (use getParameters), got %dD', fn, x:dim()) end
  local xr = U.raw(x)
  state.funcEval = state.funcEval or 0
  state.nIter = state.nIter or 0

  local f, g = U.eval(fn, opfunc, x, 2)
  local hist, nEval = {f}, 1
  state.funcEval = state.funcEval + 1
  if g:norm(1) <= tolFun then return x, hist, nEval end

  local d, t = state.d, state.t
  local dirs, stps = state.old_dirs, state.old_stps -- s's and y's, oldest first
  local Hdiag, g_old, f_old = state.Hdiag, state.g_old, state.f_old
  local nIter = 0
  while nIter < maxIter do
    nIter = nIter + 1
    state.nIter = state.nIter + 1
    if state.nIter == 1 then
      d, dirs, stps, Hdiag = torch.mul(g, -1), {}, {}, 1
    else
      local y = torch.add(g, -1, g_old)
      local s = torch.mul(d, t)
      local ys = y:dot(s)
      if ys > 1e-10 then
        if #dirs == nCorrection then
          table.remove(dirs, 1)
          table.remove(stps, 1)
        end
        dirs[#dirs + 1], stps[#stps + 1] = s, y
        Hdiag = ys / y:dot(y)
      end
      -- two-loop recursion: d = -H g
      local k, ro, al = #dirs, {}, {}
      local q = torch.mul(g, -1)
      for i = k, 1, -1 do
        ro[i] = 1 / stps[i]:dot(dirs[i])
        al[i] = dirs[i]:dot(q) * ro[i]
        q:add(-al[i], stps[i])
      end
      d = q:mul(Hdiag)
      for i = 1, k do
        local be = stps[i]:dot(d) * ro[i]
        d:add(al[i] - be, dirs[i])
      end
    end
    g_old = g:clone()
    f_old = f
    local gtd = g:dot(d)
    if gtd > -tolX then break end -- no descent along d
    if state.nIter == 1 then t = math.min(1, 1 / g:norm(1)) * lr else t = lr end
    local lsEval = 0
    if lineSearch then
      f, g, x, t, lsEval = lineSearch(opfunc, x, t, d, f, g, gtd, config.lineSearchOptions)
      g = U.as_grad(g, x)
      hist[#hist + 1] = f
    else
      xr:add(t, d)
      if nIter ~= maxIter then -- the last step is not evaluated (stochastic use)
        f, g = U.eval(fn, opfunc, x, 2)
        lsEval = 1
        hist[#hist + 1] = f
      end
    end
    nEval = nEval + lsEval
    state.funcEval = state.funcEval + lsEval
    if nIter == maxIter or nEval >= maxEval then break end
    if g:norm(1) <= tolFun then break end
    if math.abs(t) * d:norm(1) <= tolX then break end
    if math.abs(f - f_old) < tolX then break end
  end
  state.old_dirs, state.old_stps, state.Hdiag = dirs, stps, Hdiag
  state.g_old, state.f_old, state.t, state.d = g_old, f_old, t, d
  return x, hist, nEval
end
