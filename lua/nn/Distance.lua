-- Torch7's products, norms and distances (simple.md, table.md): MM, MV,
-- DotProduct, CosineDistance, PairwiseDistance, Normalize, and the layers
-- with weights Euclidean, Cosine, CAdd. Forwards are tensor ops; the tape
-- gives every gradient.
local nn = nn

local function checkPair(name, input, what)
  if type(input) ~= 'table' or torch.isTensor(input) or not torch.isTensor(input[1])
     or not torch.isTensor(input[2]) then
    error(string.format('nn.%s: expected a table {%s} of two tensors as input', name, what), 3)
  end
  return input[1], input[2]
end

local function checkSame(name, a, b)
  if not a:isSameSizeAs(b) or a:dim() < 1 or a:dim() > 2 then
    error(string.format('nn.%s: expected two vectors or two N x D matrices of one size', name), 3)
  end
end

-- Σ over the last dim of a vector (size 1) or of each row of a matrix (size N)
local function rowSum(t)
  if t:dim() == 1 then return t:sum(1) end
  return t:sum(2):view(t:size(1))
end

-- nn.MM([transA = false] [, transB = false]): {A, B} -> A·B for matrices,
-- or a batch of them (b x m x n and b x n x p)
local MM, parent = torch.class('nn.MM', 'nn.Module')
function MM:__init(transA, transB)
  parent.__init(self)
  self.transA, self.transB = transA or false, transB or false
end
function MM:updateOutput(input)
  local a, b = checkPair('MM', input, 'A, B')
  if a:dim() ~= b:dim() or (a:dim() ~= 2 and a:dim() ~= 3) then
    error('nn.MM: expected two matrices or two batches of matrices (3D)', 2)
  end
  local d = a:dim()
  if self.transA then a = a:transpose(d - 1, d) end
  if self.transB then b = b:transpose(d - 1, d) end
  if a:size(d) ~= b:size(d - 1) then
    error(string.format('nn.MM: size mismatch, A has %d columns, B has %d rows', a:size(d),
                        b:size(d - 1)), 2)
  end
  self.output = d == 2 and torch.mm(a, b) or torch.bmm(a, b)
  return self.output
end

-- nn.MV([trans = false]): {M, v} -> M·v, or a batch (b x m x n, b x n)
local MV = torch.class('nn.MV', 'nn.Module')
function MV:__init(trans)
  nn.Module.__init(self)
  self.trans = trans or false
end
function MV:updateOutput(input)
  local m, v = checkPair('MV', input, 'M, v')
  if not ((m:dim() == 2 and v:dim() == 1) or (m:dim() == 3 and v:dim() == 2)) then
    error('nn.MV: expected a matrix and a vector, or a batch of each (3D and 2D)', 2)
  end
  local d = m:dim()
  if self.trans then m = m:transpose(d - 1, d) end
  if m:size(d) ~= v:size(v:dim()) then
    error(string.format('nn.MV: size mismatch, M has %d columns, v has %d elements', m:size(d),
                        v:size(v:dim())), 2)
  end
  if d == 2 then
    self.output = torch.mv(m, v)
  else
    self.output = torch.bmm(m, v:unsqueeze(3)):view(m:size(1), m:size(2))
  end
  return self.output
end

-- nn.DotProduct(): {a, b} -> Σ a·b per row (vectors: a 1-element tensor)
local DotProduct = torch.class('nn.DotProduct', 'nn.Module')
function DotProduct:updateOutput(input)
  local a, b = checkPair('DotProduct', input, 'a, b')
  checkSame('DotProduct', a, b)
  self.output = rowSum(torch.cmul(a, b))
  return self.output
end

-- nn.CosineDistance(): {a, b} -> a·b / (|a| |b|) per row; 1e-12 is added
-- to each squared norm (Torch7)
local CosineDistance = torch.class('nn.CosineDistance', 'nn.Module')
function CosineDistance:updateOutput(input)
  local a, b = checkPair('CosineDistance', input, 'a, b')
  checkSame('CosineDistance', a, b)
  local num = rowSum(torch.cmul(a, b))
  local na = rowSum(torch.cmul(a, a)) + 1e-12
  local nb = rowSum(torch.cmul(b, b)) + 1e-12
  self.output = torch.cdiv(num, torch.sqrt(torch.cmul(na, nb)))
  return self.output
end

-- nn.PairwiseDistance(p): {a, b} -> ‖a - b‖_p per row
local PairwiseDistance = torch.class('nn.PairwiseDistance', 'nn.Module')
function PairwiseDistance:__init(p)
  nn.Module.__init(self)
  if type(p) ~= 'number' or p <= 0 then error('nn.PairwiseDistance: expected a norm p > 0', 2) end
  self.norm = p
end
function PairwiseDistance:updateOutput(input)
  local a, b = checkPair('PairwiseDistance', input, 'a, b')
  checkSame('PairwiseDistance', a, b)
  local d = torch.abs(a - b)
  self.output = torch.pow(rowSum(torch.pow(d, self.norm)), 1 / self.norm)
  return self.output
end

-- nn.Normalize(p [, eps = 1e-10]): each vector (row of a matrix) divided by
-- (Σ|x|^p + eps)^(1/p); p = math.huge divides by max|x| + eps
local Normalize = torch.class('nn.Normalize', 'nn.Module')
function Normalize:__init(p, eps)
  nn.Module.__init(self)
  if type(p) ~= 'number' or p <= 0 then error('nn.Normalize: expected a norm p > 0', 2) end
  self.p, self.eps = p, eps or 1e-10
end
function Normalize:updateOutput(input)
  if not torch.isTensor(input) or input:dim() < 1 or input:dim() > 2 then
    error('nn.Normalize: expected a vector or a matrix (N x D) as input', 2)
  end
  local x = input:dim() == 1 and input:view(1, input:size(1)) or input
  local norm
  if self.p == math.huge then
    norm = torch.abs(x):max(2) + self.eps
  else
    norm = torch.pow(torch.pow(torch.abs(x), self.p):sum(2) + self.eps, 1 / self.p)
  end
  local y = torch.cdiv(x, norm:expandAs(x))
  self.output = input:dim() == 1 and y:view(input:size(1)) or y
  return self.output
end
function Normalize:__tostring__() return string.format('nn.Normalize(%g)', self.p) end

-- layers with weights ---------------------------------------------------------------

local function checkInput(name, input, n)
  if not torch.isTensor(input) or input:dim() < 1 or input:dim() > 2 or input:size(input:dim()) ~= n then
    error(string.format('nn.%s: expected a vector of %d or an N x %d matrix as input', name, n, n), 3)
  end
  return input:dim() == 1 and input:view(1, n) or input
end

-- nn.Euclidean(inputSize, outputSize): y_j = ‖x - w_j‖ for the columns w_j
-- of weight (inputSize x outputSize, Torch7's layout)
local Euclidean = torch.class('nn.Euclidean', 'nn.Module')
function Euclidean:__init(inputSize, outputSize)
  nn.Module.__init(self)
  assert(type(inputSize) == 'number' and type(outputSize) == 'number',
         'nn.Euclidean: expected (inputSize, outputSize)')
  self.weight = torch.Tensor(inputSize, outputSize)
  self.gradWeight = torch.Tensor(inputSize, outputSize):zero()
  self:reset()
  self:_linkGrads()
end
function Euclidean:reset(stdv)
  return self:_resetUniform(stdv or 1 / math.sqrt(self.weight:size(1)))
end
function Euclidean:updateOutput(input)
  local W = self.weight
  local n, m = W:size(1), W:size(2)
  local x = checkInput('Euclidean', input, n)
  local diff = x:view(x:size(1), n, 1):expand(x:size(1), n, m) - W:view(1, n, m):expand(x:size(1), n, m)
  local y = torch.sqrt(torch.cmul(diff, diff):sum(2)):view(x:size(1), m)
  self.output = input:dim() == 1 and y:view(m) or y
  return self.output
end

-- nn.Cosine(inputSize, outputSize): y_j = x·w_j / (‖x‖ ‖w_j‖) for the rows
-- w_j of weight (outputSize x inputSize); 1e-12 is added to each norm
local Cosine = torch.class('nn.Cosine', 'nn.Module')
function Cosine:__init(inputSize, outputSize)
  nn.Module.__init(self)
  assert(type(inputSize) == 'number' and type(outputSize) == 'number',
         'nn.Cosine: expected (inputSize, outputSize)')
  self.weight = torch.Tensor(outputSize, inputSize)
  self.gradWeight = torch.Tensor(outputSize, inputSize):zero()
  self:reset()
  self:_linkGrads()
end
function Cosine:reset(stdv)
  return self:_resetUniform(stdv or 1 / math.sqrt(self.weight:size(1)))
end
function Cosine:updateOutput(input)
  local W = self.weight
  local x = checkInput('Cosine', input, W:size(2))
  local wn = torch.sqrt(torch.cmul(W, W):sum(2)) + 1e-12      -- out x 1
  local xn = torch.sqrt(torch.cmul(x, x):sum(2)) + 1e-12      -- N x 1
  local dots = torch.mm(x, W:t())                              -- N x out
  local y = torch.cdiv(torch.cdiv(dots, xn:expandAs(dots)), wn:t():expandAs(dots))
  self.output = input:dim() == 1 and y:view(W:size(1)) or y
  return self.output
end

-- nn.CAdd(size...): y = x + b with a learned bias b of the given size; an
-- input with more elements is a batch along its first dimension
local CAdd = torch.class('nn.CAdd', 'nn.Module')
function CAdd:__init(...)
  nn.Module.__init(self)
  local size = {...}
  if torch.typename(size[1]) == 'torch.LongStorage' then size = size[1]:totable() end
  if #size == 0 then error('nn.CAdd: expected the size of the bias', 2) end
  self.size = size
  self.bias = torch.Tensor(torch.LongStorage(size))
  self.gradBias = torch.Tensor(torch.LongStorage(size)):zero()
  self:reset()
  self:_linkGrads()
end
function CAdd:reset(stdv)
  stdv = stdv or 1 / math.sqrt(self.bias:nElement())
  torch.no_grad(function() self.bias:uniform(-stdv, stdv) end)
  return self
end
function CAdd:updateOutput(input)
  local b = self.bias
  local n = b:nElement()
  if input:nElement() == n then
    self.output = input + b:viewAs(input)
  else
    -- a batch: each sample (the first dimension) has as many elements as b
    local N = input:size(1)
    if input:nElement() ~= N * n then
      error(string.format('nn.CAdd: each sample of the input must have %d elements (the bias '
                          .. 'size), got %d', n, input:nElement() / N), 2)
    end
    local flat = input:reshape(N, n) + b:view(1, n):expand(N, n)
    self.output = flat:view(input:size())
  end
  return self.output
end

return nn
