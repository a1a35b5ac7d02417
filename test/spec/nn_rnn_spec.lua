-- Recurrent modules: Jacobians through both interfaces, and outputs against
-- PyTorch 1.13 with the same deterministic weights (literals from python3-torch).
local U = require 'testutil'
require 'nn'

local function R(...) return torch.randn(...):double() end

describe('nn recurrent modules', function()
  torch.manualSeed(11)
  local cases = {
    {'LSTMCell', function() return nn.LSTMCell(3, 4), {R(2, 3), {R(2, 4), R(2, 4)}} end},
    {'GRUCell', function() return nn.GRUCell(3, 4), {R(2, 3), R(2, 4)} end},
    {'RNNCell', function() return nn.RNNCell(3, 4), {R(2, 3), R(2, 4)} end},
    {'LSTM 2 layers', function() return nn.LSTM(3, 4, 2), R(3, 2, 3) end},
    {'GRU 2 layers', function() return nn.GRU(3, 4, 2), R(3, 2, 3) end},
    {'RNN', function() return nn.RNN(3, 4), R(3, 2, 3) end},
  }
  U.jacobian_cases(cases)

  -- weights: 0.3·sin(k·1.7 + i·0.37) over the flat elements of parameter k
  -- (weight_ih, weight_hh, bias_ih, bias_hh); input 0.5·cos(0.9 i + j)
  local expected = {
    LSTM = {0.094967628553, 0.050178060409, -0.055874155978, -0.140120244287, 0.076039639724,
            0.035594980693, -0.033299939608, -0.095795706981},
    GRU = {0.258050454504, 0.165625978664, -0.010332730771, -0.119355828445, 0.202732740827,
           0.140167230005, 0.028938615783, -0.043430670412},
    RNN = {-0.404699085788, -0.081964479861, 0.358912304881, 0.388050905836, -0.194568759948,
           -0.027340275999, 0.163801327628, 0.16311096395},
  }
  for name, want in pairs(expected) do
    it(name .. ' matches PyTorch', function()
      local m = nn[name](3, 4):double()
      local ps = m:parameters()
      torch.no_grad(function()
        for k, p in ipairs(ps) do
          local flat = p:view(p:nElement())
          for i = 1, p:nElement() do flat[i] = 0.3 * math.sin(k * 1.7 + (i - 1) * 0.37) end
        end
      end)
      local x = torch.DoubleTensor(3, 2, 3)
      for i = 0, 5 do
        for j = 0, 2 do x[math.floor(i / 2) + 1][i % 2 + 1][j + 1] = 0.5 * math.cos(i * 0.9 + j) end
      end
      local out = m:forward(x)
      U.near(out[3]:reshape(8), torch.DoubleTensor(want), 1e-10)
      assert.are.same({1, 2, 4}, m.hn:size():totable())
    end)
  end

  -- nn.F.lstm: a whole layer as one tape node
  it('F.lstm passes gradcheck in every input (x, h0, c0, weights, biases)', function()
    local args = {R(4, 2, 3), R(2, 5), R(2, 5), R(20, 3), R(20, 5), R(20), R(20)}
    for _, a in ipairs(args) do a:requiresGrad() end
    assert.is_true(torch.autograd.gradcheck(nn.F.lstm, args))
  end)

  it('F.lstm equals a loop over F.lstm_cell, values and gradients', function()
    local function args()
      torch.manualSeed(4)
      local a = {R(5, 3, 4), R(3, 6), R(3, 6), R(24, 4), R(24, 6), R(24), R(24)}
      for _, t in ipairs(a) do t:requiresGrad() end
      return a
    end
    local a, b = args(), args()
    local out, hT, cT = nn.F.lstm(unpack(a))
    local h, c, hs = b[2], b[3], {}
    for t = 1, 5 do
      h, c = nn.F.lstm_cell(b[1][t], h, c, b[4], b[5], b[6], b[7])
      hs[t] = h
    end
    U.near(out, torch.stack(hs, 1), 1e-12)
    U.near(hT, h, 1e-12)
    U.near(cT, c, 1e-12)
    local w = R(5, 3, 6)
    local l1 = torch.add(torch.cmul(out, w):sum(), torch.cmul(cT, cT):sum())
    local l2 = torch.add(torch.cmul(torch.stack(hs, 1), w):sum(), torch.cmul(c, c):sum())
    l1:backward()
    l2:backward()
    for i = 1, 7 do U.near(a[i].grad, b[i].grad, 1e-11) end
  end)

  -- hidden 72 (blocks of 16 units, the last one partial) and enough work
  -- per step that two threads split the cell's step by units
  it('cells split over two threads equal F.lstm, values and gradients (float64, float32)', function()
    local n0 = torch.getnumthreads()
    torch.setnumthreads(2)
    for _, dt in ipairs({'double', 'float'}) do
      local function args()
        torch.manualSeed(5)
        local a = {R(3, 32, 30), R(32, 72), R(32, 72), R(288, 30), R(288, 72), R(288), R(288)}
        for k, t in ipairs(a) do a[k] = t[dt](t):mul(0.5):requiresGrad() end
        return a
      end
      local tol = dt == 'double' and 1e-11 or 2e-4
      local a, b = args(), args()
      local out, _, cT = nn.F.lstm(unpack(a))
      local h, c, hs = b[2], b[3], {}
      for t = 1, 3 do
        h, c = nn.F.lstm_cell(b[1][t], h, c, b[4], b[5], b[6], b[7])
        hs[t] = h
      end
      U.near(out:double(), torch.stack(hs, 1):double(), tol)
      U.near(cT:double(), c:double(), tol)
      local w = R(3, 32, 72)[dt](R(3, 32, 72))
      torch.add(torch.cmul(out, w):sum(), torch.cmul(cT, cT):sum()):backward()
      torch.add(torch.cmul(torch.stack(hs, 1), w):sum(), torch.cmul(c, c):sum()):backward()
      for i = 1, 7 do U.near(a[i].grad:double(), b[i].grad:double(), tol) end
    end
    torch.setnumthreads(n0)
  end)

  -- the cells add their weight gradients into the engine's running sums
  it('weight gradients of cells add up with other uses of the weights', function()
    local x, h, c = R(2, 3), R(2, 4), R(2, 4)
    local function f(wih, whh, b)
      local h1, c1 = nn.F.lstm_cell(x, h, c, wih, whh, b, nil)
      local h2 = nn.F.lstm_cell(x, h1, c1, wih, whh, b, b)
      return torch.add(torch.cmul(h2, h2):sum(), torch.cmul(wih, wih):sum())
    end
    local args = {R(16, 3):requiresGrad(), R(16, 4):requiresGrad(), R(16):requiresGrad()}
    assert.is_true(torch.autograd.gradcheck(f, args))
    local seen
    args[1]:registerHook(function(g) seen = g:clone() end)
    f(unpack(args)):backward()
    local g1 = args[1].grad:clone()
    U.near(seen, g1, 0)
    f(unpack(args)):backward()
    U.near(args[1].grad, g1 * 2, 1e-12)
  end)

  it('float32 cells agree with float64 (the fast exp of the float kernels)', function()
    local x, h, c = R(4, 3):mul(3), R(4, 5):mul(3), R(4, 5):mul(3)
    local wih, whh, b = R(20, 3), R(20, 5), R(20)
    local h64, c64 = nn.F.lstm_cell(x, h, c, wih, whh, b, b)
    local h32, c32 = nn.F.lstm_cell(x:float(), h:float(), c:float(), wih:float(), whh:float(),
                                    b:float(), b:float())
    U.near(h32:double(), h64, 1e-5)
    U.near(c32:double(), c64, 1e-5)
    local g64 = nn.F.gru_cell(x, h, wih:narrow(1, 1, 15), whh:narrow(1, 1, 15), b:narrow(1, 1, 15), nil)
    local g32 = nn.F.gru_cell(x:float(), h:float(), wih:narrow(1, 1, 15):float(),
                              whh:narrow(1, 1, 15):float(), b:narrow(1, 1, 15):float(), nil)
    U.near(g32:double(), g64, 1e-5)
  end)

  it('nn.LSTM starts from h0/c0 and passes gradients to them', function()
    local m = nn.LSTM(3, 4, 2):double()
    m.h0, m.c0 = R(2, 2, 4):requiresGrad(), R(2, 2, 4):requiresGrad()
    local out = m(R(3, 2, 3))
    torch.add(out:sum(), m.cn:sum()):backward()
    assert.are.same({2, 2, 4}, m.h0.grad:size():totable())
    assert.is_true(m.h0.grad:abs():sum() > 0 and m.c0.grad:abs():sum() > 0)
  end)

  U.error_cases({
    {'a 2-D sequence', function() nn.LSTM(3, 4):forward(torch.randn(2, 3)) end, 'nn.LSTM', '3D input'},
    {'a wrong input size', function() nn.LSTM(3, 4):forward(torch.randn(2, 2, 5)) end,
     'nn.LSTM', 'input size is 5, expected 3'},
    {'a GRU sequence of the wrong size', function() nn.GRU(3, 4):forward(torch.randn(2, 2, 5)) end,
     'nn.GRU', 'input size is 5'},
    {'a cell state of the wrong size', function()
       nn.LSTMCell(3, 4):forward({torch.randn(2, 3), {torch.randn(2, 4), torch.randn(2, 5)}})
     end, 'lstm_cell', 'cx'},
  })
end)
