-- The fast paths of the convolution and pooling kernels (lib/ops/nn_conv.c,
-- nn_im2col.h, nn_pool.c): the padded-image im2col/col2im, the per-thread
-- scratch, the batch split over threads, and the 2x2 max pooling, checked
-- against plain Lua loops written from the definitions (independent of the
-- kernels), in float64 and float32, with ties, NaNs and infinities.
local U = require 'testutil'

local function fill(shape, a, s, phase)
  local n = 1
  for _, d in ipairs(shape) do n = n * d end
  return torch.range(0, n - 1):double():mul(a):add(phase or 0):sin():mul(s)
    :view(torch.LongStorage(shape))
end

-- y[n][o][i][j] = b[o] + sum over (c, a, e) of x[n][g·Cg + c][i·s - p + a·d][j·s - p + e·d]
-- · w[o][c][a][e] (zero outside), and the gradients of sum(y·g)
local function naive_conv(x, w, b, s, p, d, G, g)
  local X, Wt = x:totable(), w:totable()
  local N, C, H, W = x:size(1), x:size(2), x:size(3), x:size(4)
  local O, Cg, KH, KW = w:size(1), w:size(2), w:size(3), w:size(4)
  local OH = math.floor((H + 2 * p[1] - d[1] * (KH - 1) - 1) / s[1]) + 1
  local OW = math.floor((W + 2 * p[2] - d[2] * (KW - 1) - 1) / s[2]) + 1
  local Og = O / G
  local y = torch.DoubleTensor(N, O, OH, OW)
  local gx, gw = torch.zeros(N, C, H, W), torch.zeros(O, Cg, KH, KW)
  local gb = torch.zeros(O):double()
  local GY = g and g:totable()
  local GX, GW = gx:totable(), gw:totable()
  local Y = y:totable()
  for n = 1, N do
    for o = 1, O do
      local grp = math.floor((o - 1) / Og)
      for i = 1, OH do
        for j = 1, OW do
          local acc = b and b[o] or 0
          local gy = GY and GY[n][o][i][j] or 0
          for c = 1, Cg do
            local ci = grp * Cg + c
            for a = 1, KH do
              local h = (i - 1) * s[1] - p[1] + (a - 1) * d[1] + 1
              if h >= 1 and h <= H then
                for e = 1, KW do
                  local v = (j - 1) * s[2] - p[2] + (e - 1) * d[2] + 1
                  if v >= 1 and v <= W then
                    acc = acc + X[n][ci][h][v] * Wt[o][c][a][e]
                    GX[n][ci][h][v] = GX[n][ci][h][v] + gy * Wt[o][c][a][e]
                    GW[o][c][a][e] = GW[o][c][a][e] + gy * X[n][ci][h][v]
                  end
                end
              end
            end
          end
          Y[n][o][i][j] = acc
          gb[o] = gb[o] + gy
        end
      end
    end
  end
  return torch.DoubleTensor(Y), torch.DoubleTensor(GX), torch.DoubleTensor(GW), gb
end

local conv_cases = {
  {'5x5 pad 2 (W5)', {3, 2, 9, 8}, {4, 2, 5, 5}, {1, 1}, {2, 2}, {1, 1}, 1},
  {'3x3 no padding', {2, 3, 6, 7}, {5, 3, 3, 3}, {1, 1}, {0, 0}, {1, 1}, 1},
  {'stride 2, pad 1', {2, 3, 9, 7}, {4, 3, 3, 3}, {2, 2}, {1, 1}, {1, 1}, 1},
  {'stride (2, 3), pad (2, 1), 3x2 kernel', {2, 2, 8, 10}, {3, 2, 3, 2}, {2, 3}, {2, 1}, {1, 1}, 1},
  {'dilation 2, pad 2', {1, 2, 9, 9}, {3, 2, 3, 3}, {1, 1}, {2, 2}, {2, 2}, 1},
  {'groups 2, pad 1', {3, 4, 6, 6}, {6, 2, 3, 3}, {1, 1}, {1, 1}, {1, 1}, 2},
  {'1x1', {2, 3, 4, 5}, {2, 3, 1, 1}, {1, 1}, {0, 0}, {1, 1}, 1},
  {'17 samples (uneven thread split)', {17, 2, 5, 5}, {3, 2, 3, 3}, {1, 1}, {1, 1}, {1, 1}, 1},
}

describe('conv2d paths', function()
  for _, c in ipairs(conv_cases) do
    for _, T in ipairs({'torch.DoubleTensor', 'torch.FloatTensor'}) do
      it(c[1] .. ' (' .. T .. ')', function()
        local name, xs, ws, s, p, d, G = unpack(c)
        local x, w = fill(xs, 0.37, 1), fill(ws, 0.91, 0.4, 0.3)
        local b = fill({ws[1]}, 0.5, 0.2)
        local y0, gx0, gw0, gb0
        local tol = T == 'torch.DoubleTensor' and 1e-10 or 1e-4
        local y = torch.conv2d(x:type(T), w:type(T), b:type(T), s, p, d, G)
        local g = fill({y:size(1), y:size(2), y:size(3), y:size(4)}, 0.29, 1, 1)
        y0, gx0, gw0, gb0 = naive_conv(x, w, b, s, p, d, G, g)
        U.near(y, y0, tol)
        local gx, gw, gb = torch.conv2d_backward(g:type(T), x:type(T), w:type(T), s, p, d, G)
        U.near(gx, gx0, tol)
        U.near(gw, gw0, tol * 10)
        U.near(gb, gb0, tol * 10)
        -- the same again: the per-thread scratch is reused, not stale
        U.near(torch.conv2d(x:type(T), w:type(T), b:type(T), s, p, d, G), y0, tol)
        -- unbatched
        U.near(torch.conv2d(x[1]:type(T), w:type(T), b:type(T), s, p, d, G), y0[1], tol)
      end)
    end
  end

  it('gives the same results with 1 and 2 threads', function()
    local n = torch.getnumthreads()
    local x, w = fill({9, 3, 8, 8}, 0.37, 1):float(), fill({4, 3, 5, 5}, 0.91, 0.4):float()
    local g = fill({9, 4, 8, 8}, 0.29, 1):float()
    torch.setnumthreads(1)
    local y1 = torch.conv2d(x, w, nil, 1, 2)
    local a1, b1, c1 = torch.conv2d_backward(g, x, w, 1, 2)
    torch.setnumthreads(2)
    local y2 = torch.conv2d(x, w, nil, 1, 2)
    local a2, b2, c2 = torch.conv2d_backward(g, x, w, 1, 2)
    torch.setnumthreads(n)
    U.near(y1, y2, 0)
    U.near(a1, a2, 0)
    U.near(b1, b2, 1e-4)
    U.near(c1, c2, 1e-4)
  end)
end)

-- first maximum in row-major order of each kH x kW window, a NaN winning
local function naive_pool(x, k, s)
  local X = x:double():totable()
  local N, C, H, W = x:size(1), x:size(2), x:size(3), x:size(4)
  local OH, OW = math.floor((H - k) / s) + 1, math.floor((W - k) / s) + 1
  local y, idx = torch.DoubleTensor(N, C, OH, OW), torch.LongTensor(N, C, OH, OW)
  for n = 1, N do
    for c = 1, C do
      for i = 1, OH do
        for j = 1, OW do
          local best, bi
          for a = 0, k - 1 do
            for e = 0, k - 1 do
              local h, v = (i - 1) * s + a, (j - 1) * s + e
              local val = X[n][c][h + 1][v + 1]
              if best == nil or (best == best and (val ~= val or val > best)) then
                best, bi = val, h * W + v + 1
              end
            end
          end
          y[n][c][i][j], idx[n][c][i][j] = best, bi
        end
      end
    end
  end
  return y, idx
end

local nan, inf = 0 / 0, math.huge

describe('max_pool2d 2x2 stride 2', function()
  local function check(x, T)
    local y, idx = torch.max_pool2d(x:type(T), 2)
    local y0, idx0 = naive_pool(x:type(T), 2, 2)
    assert.are.same(idx0:totable(), idx:totable())
    -- equal, or both NaN (infinities make a difference NaN: no U.near)
    local yd = y:double()
    local same = yd:eq(y0):long():add(yd:ne(yd):long():cmul(y0:ne(y0):long()))
    assert.are.equal(y0:nElement(), same:sum())
    local g = fill({y:size(1), y:size(2), y:size(3), y:size(4)}, 0.29, 1, 1):type(T)
    local gx = torch.max_pool2d_backward(g, x:type(T), idx)
    local gx0 = torch.zeros(x:size()):double()
    local I, G = idx0:totable(), g:double():totable()
    local GX = gx0:view(x:size(1), x:size(2), -1)
    for n = 1, #I do
      for c = 1, #I[n] do
        for i = 1, #I[n][c] do
          for j = 1, #I[n][c][i] do
            GX[n][c][I[n][c][i][j]] = GX[n][c][I[n][c][i][j]] + G[n][c][i][j]
          end
        end
      end
    end
    U.near(gx, gx0, 0)
  end

  for _, T in ipairs({'torch.FloatTensor', 'torch.DoubleTensor'}) do
    it('matches the window scan on data with ties (' .. T .. ')', function()
      -- values rounded to a few levels: many equal maxima in a window
      check(fill({2, 3, 6, 18}, 0.7, 2):round(), T)
    end)
    it('matches on odd sizes (the last row and column are dropped) (' .. T .. ')', function()
      check(fill({2, 2, 7, 11}, 1.3, 3), T)
    end)
    it('lets the first NaN win and handles infinities (' .. T .. ')', function()
      local x = fill({1, 2, 4, 20}, 0.9, 1)
      local v = x:view(-1)
      v[1], v[2] = -inf, -inf                 -- window of -inf, -inf, ...
      v[21], v[22] = -inf, -inf               -- a whole window at -inf
      v[3], v[24] = nan, nan                  -- NaN at a (top-left) and d (bottom-right)
      v[6], v[25] = 5, nan                    -- a NaN after a larger value
      v[9], v[10], v[29] = inf, nan, -inf     -- inf then NaN: the NaN wins
      v[13], v[14] = inf, -inf                -- inf - inf: a false alarm
      v[41], v[42], v[61], v[62] = 2, 2, 2, 2 -- a four-way tie
      check(x, T)
    end)
  end
end)
