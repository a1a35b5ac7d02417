-- model:stateDict() / model:loadStateDict(): names, views, strict and
-- non-strict loading, and weights written by PyTorch (test/gen_safetensors.py:
-- the reference outputs were computed by PyTorch and saved with the weights).
local U = require 'testutil'
local H = require 'io_helpers'
require 'nn'

local DATA = (os.getenv('LUTORCH_SOURCE') or '.') .. '/test/data/'

local function keys(t)
  local r = {}
  for k in pairs(t) do r[#r + 1] = k end
  table.sort(r)
  return r
end

local function mlp()
  return nn.Sequential():add(nn.Linear(4, 6)):add(nn.BatchNormalization(6)):add(nn.ReLU()):add(nn.Linear(6, 3))
end

describe('nn.Module:stateDict', function()
  it('names parameters and buffers by index and field, in tree order', function()
    local m = mlp()
    local sd, order = m:stateDict(), m:stateDictKeys()
    assert.are.same({'1.weight', '1.bias', '2.weight', '2.bias', '2.running_mean', '2.running_var',
                     '4.weight', '4.bias'}, order)
    assert.are.same(keys(sd), (function() local o = {unpack(order)} table.sort(o) return o end)())
    local sd0 = mlp():stateDict({indexBase = 0})
    assert.are.same({'0.bias', '0.weight', '1.bias', '1.running_mean', '1.running_var', '1.weight',
                     '3.bias', '3.weight'}, keys(sd0))
  end)

  it('names nested containers and module-valued fields', function()
    local Net, parent = torch.class('sdtest.Net', 'nn.Container')
    local ctor = sdtest.Net
    function Net:__init()
      parent.__init(self)
      self.features = nn.Sequential():add(nn.SpatialConvolution(1, 2, 3, 3)):add(nn.ReLU())
      self.head = nn.Linear(2, 2)
    end
    local order = ctor():stateDictKeys()
    assert.are.same({'features.1.weight', 'features.1.bias', 'head.weight', 'head.bias'}, order)
    local o2 = nn.Sequential():add(nn.Sequential():add(nn.Identity()):add(nn.Linear(2, 2))):stateDictKeys()
    assert.are.same({'1.2.weight', '1.2.bias'}, o2)
  end)

  it('names multi-layer RNN tensors as PyTorch (weight_ih_l0 ...), cells by field', function()
    assert.are.same({'bias_hh_l0', 'bias_hh_l1', 'bias_ih_l0', 'bias_ih_l1', 'weight_hh_l0', 'weight_hh_l1',
                     'weight_ih_l0', 'weight_ih_l1'}, keys(nn.LSTM(3, 4, 2):stateDict()))
    assert.are.same({'bias_hh', 'bias_ih', 'weight_hh', 'weight_ih'}, keys(nn.GRUCell(3, 4):stateDict()))
  end)

  it('gives detached views of the model (copy = true gives copies)', function()
    local m = nn.Linear(3, 2)
    local sd = m:stateDict()
    assert.is_false(sd.weight.requires_grad)
    sd.weight:fill(7)
    assert.are.equal(7, m.weight[1][1])
    local c = m:stateDict({copy = true})
    c.bias:fill(-1)
    assert.are_not.equal(-1, m.bias[1])
  end)

  it('lists a MapTable\'s shared clones once', function()
    local mt = nn.MapTable(nn.Linear(2, 2))
    mt:forward({torch.randn(1, 2), torch.randn(1, 2), torch.randn(1, 2)})
    assert.are.same({'1.bias', '1.weight'}, keys(mt:stateDict()))
  end)
end)

describe('nn.Module:loadStateDict', function()
  it('copies into the same tensor objects (autograd links and getParameters views stay)', function()
    local a, b = mlp(), mlp()
    local flat = b:getParameters()
    local w = b.modules[1].weight
    local res = b:loadStateDict(a:stateDict())
    assert.are.same({missing = {}, unexpected = {}}, res)
    assert.are.equal(w, b.modules[1].weight)
    assert.is_true(w.requires_grad)
    U.near(a.modules[1].weight, b.modules[1].weight, 0)
    U.near(a.modules[2].running_var, b.modules[2].running_var, 0)
    U.near(flat:narrow(1, 1, 24), a.modules[1].weight:view(24), 0)
    local x = torch.randn(5, 4)
    a:evaluate(); b:evaluate()
    U.near(a:forward(x), b:forward(x), 0)
  end)

  it('round-trips through torch.save and converts dtypes', function()
    local a = mlp()
    local path = H.tmp('sd.t7')
    torch.save(path, a:stateDict())
    local b = mlp():double()
    b:loadStateDict(torch.load(path))
    U.near(a.modules[4].weight, b.modules[4].weight, 1e-7)
    assert.are.equal('torch.DoubleTensor', b.modules[4].weight:type())
  end)

  it('strict mode lists missing and unexpected keys and copies nothing', function()
    local m = mlp()
    local sd = mlp():stateDict({copy = true})
    sd['1.bias'], sd['4.weight'] = nil, nil
    sd['5.weight'] = torch.zeros(2)
    local before = m.modules[1].weight:clone()
    local err = U.raises(function() m:loadStateDict(sd) end, 'nn.Sequential:loadStateDict',
                         '2 missing keys: 1.bias, 4.weight', '1 unexpected key: 5.weight', 'strict = false')
    assert.is_nil(err:find('size mismatch'))
    U.near(before, m.modules[1].weight, 0)
  end)

  it('non-strict mode loads what matches and returns the rest', function()
    local m, src = mlp(), mlp()
    local sd = src:stateDict()
    sd['1.bias'] = nil
    sd.extra = torch.zeros(1)
    local res = m:loadStateDict(sd, {strict = false})
    assert.are.same({missing = {'1.bias'}, unexpected = {'extra'}}, res)
    U.near(src.modules[1].weight, m.modules[1].weight, 0)
  end)

  it('size mismatches are errors in both modes', function()
    local sd = nn.Linear(3, 2):stateDict()
    for _, strict in ipairs({true, false}) do
      U.raises(function() nn.Linear(4, 2):loadStateDict(sd, {strict = strict}) end,
               'nn.Linear:loadStateDict', 'size mismatch', 'weight has size 2x3 in the state dict, 2x4 in the model')
    end
  end)

  U.error_cases({
    {'a state dict that is not a table', function() nn.Linear(2, 2):loadStateDict(3) end,
     'nn.Linear:loadStateDict', 'expected a table name -> tensor'},
    {'a value that is not a tensor', function() nn.Linear(2, 2):loadStateDict({weight = 1, bias = torch.zeros(2)}) end,
     'weight is a number, expected a tensor'},
    {'a bad indexBase', function() nn.Linear(2, 2):stateDict({indexBase = 2}) end, 'indexBase must be 0 or 1'},
  })
end)

describe('nn.Module:loadStateDict with PyTorch weights (safetensors)', function()
  it('loads nn.Linear(4, 3) from linear.safetensors', function()
    local m = nn.Linear(4, 3)
    m:loadStateDict(torch.loadSafetensors(DATA .. 'linear.safetensors'))
    local x = torch.range(0, 7):float():div(8):view(2, 4)
    -- printed by test/gen_safetensors.py (PyTorch's lin(x))
    U.near(m:forward(x), torch.Tensor({{-0.6850157380104065, -0.1681910902261734, -0.2642059028148651},
                                       {-0.9425225853919983, -0.004171252250671387, -0.3449333906173706}}), 1e-6)
  end)

  it('loads a PyTorch Sequential with BatchNorm1d (0-based keys, num_batches_tracked)', function()
    local m = mlp()
    local sd = torch.loadSafetensors(DATA .. 'mlp.safetensors')
    assert.is_not_nil(sd['1.num_batches_tracked'])
    U.raises(function() m:loadStateDict(sd) end, 'missing keys', '4.weight')
    assert.are.same({missing = {}, unexpected = {}}, m:loadStateDict(sd, {indexBase = 0}))
    local io_ = torch.loadSafetensors(DATA .. 'mlp_io.safetensors')
    m:evaluate()
    U.near(m:forward(io_.input), io_.output, 1e-5)
  end)

  it('loads a 2-layer PyTorch LSTM', function()
    local m = nn.LSTM(3, 4, 2)
    m:loadStateDict(torch.loadSafetensors(DATA .. 'lstm.safetensors'))
    local io_ = torch.loadSafetensors(DATA .. 'lstm_io.safetensors')
    U.near(m:forward(io_.input), io_.output, 1e-5)
  end)

  it('saves a state dict PyTorch can read back (torch.saveSafetensors)', function()
    local m = mlp()
    local path = H.tmp('m.safetensors')
    torch.saveSafetensors(path, m:stateDict({indexBase = 0}), {format = 'pt'})
    local back = mlp()
    back:loadStateDict(torch.loadSafetensors(path), {indexBase = 0})
    U.near(m.modules[2].running_mean, back.modules[2].running_mean, 0)
    U.near(m.modules[4].bias, back.modules[4].bias, 0)
  end)
end)
