-- Recurrent modules: Jacobians through both interfaces, and outputs against
-- PyTorch 1.13 with the same deterministic weights (literals from python3-torch).
local U = require 'testutil'
local C = require 'nn_check'

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
  for _, c in ipairs(cases) do
    it(c[1] .. ': Torch7 backward matches finite differences', function()
      local m, x = c[2]()
      assert.is_true(C.torch7(m, x))
    end)
    it(c[1] .. ': the tape passes gradcheck', function()
      local m, x = c[2]()
      assert.is_true(C.tape(m, x))
    end)
  end

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

  it('rejects a 2-D sequence', function()
    U.raises(function() nn.LSTM(3, 4):forward(torch.randn(2, 3)) end, 'nn.LSTM', '3D input')
  end)
end)
