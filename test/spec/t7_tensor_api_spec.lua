-- The Torch7 tensor/storage/utility API as Torch7's docs describe it: one
-- case per function, checked on small examples. Expected values are
-- computed by hand or taken from the examples in Torch7's doc/maths.md.
local U = require 'testutil'

local T, D, L = torch.Tensor, torch.DoubleTensor, torch.LongTensor

local function M() return D{{1, 2, 3}, {4, 5, 6}, {7, 8, 9}} end

-- each case: {name, fn returning a value, expected (a table compares with
-- totable(), a number or boolean directly), tolerance}
local function check(cases)
  for _, c in ipairs(cases) do
    it(c[1], function()
      local got = c[2]()
      if torch.isTensor(got) then got = got:totable() end
      if torch.isStorage(got) then got = got:totable() end
      if c[4] then
        U.near(D(got), D(c[3]), c[4])
      else
        assert.same(c[3], got)
      end
    end)
  end
end

describe('Torch7 geometry and views', function()
  check({
    {'dim / nDimension', function() return {M():dim(), M():nDimension()} end, {2, 2}},
    {'size / stride / storageOffset', function()
      local x = M()[2]
      return {x:size(1), x:stride(1), x:storageOffset()}
    end, {3, 1, 4}},
    {'nElement / numel', function() return {M():nElement(), torch.numel(M())} end, {9, 9}},
    {'isContiguous of a transpose', function() return M():t():isContiguous() end, false},
    {'isSize / isSameSizeAs', function()
      return {M():isSize(torch.LongStorage{3, 3}), M():isSameSizeAs(D(3, 2))}
    end, {true, false}},
    {'torch.Tensor(storage, offset, sizes, strides)', function()
      return T(torch.Storage{1, 2, 3, 4, 5, 6}, 2, torch.LongStorage{2, 2}, torch.LongStorage{1, 2})
    end, {{2, 4}, {3, 5}}},
    {'torch.Tensor(storage, offset, size1, stride1, size2, stride2)', function()
      return T(torch.Storage{1, 2, 3, 4, 5, 6}, 1, 2, 3, 3, 1)
    end, {{1, 2, 3}, {4, 5, 6}}},
    {'torch.Tensor(storage, offset, size1) (stride left out)', function()
      return T(torch.Storage{1, 2, 3, 4, 5, 6}, 3, 2)
    end, {3, 4}},
    {'set(storage, offset, sizes)', function()
      local y = T()
      y:set(torch.Storage{1, 2, 3, 4, 5, 6}, 2, torch.LongStorage{2, 2})
      return y
    end, {{2, 3}, {4, 5}}},
    {'set(tensor) / isSetTo', function()
      local x, y = M(), D()
      y:set(x)
      return {y:isSetTo(x), D(3, 3):isSetTo(x)}
    end, {true, false}},
    {'sub(d1s, d1e, d2s, d2e) is a view', function()
      local x = M()
      local v = x:sub(2, 3, -2, -1)
      v:fill(0)
      return x
    end, {{1, 2, 3}, {4, 0, 0}, {7, 0, 0}}},
    {'sub(d1s, d1e) narrows dimension 1 only', function() return M():sub(1, 1) end, {{1, 2, 3}}},
    {'sub(tensor) still subtracts in place', function() return D{5, 6}:sub(D{1, 2}) end, {4, 4}},
    {'sub(v, tensor) still subtracts v * tensor', function() return D{5, 6}:sub(2, D{1, 2}) end, {3, 2}},
    {'narrow / select', function() return {M():narrow(2, 2, 2)[1][1], M():select(2, 3)[2]} end, {2, 6}},
    {'index operator forms', function()
      local x = M()
      return {x[{2, {2, 3}}][2], x[{{}, -1}][1], x[3][1]}
    end, {6, 3, 7}},
    {'unfold', function() return D{1, 2, 3, 4, 5}:unfold(1, 2, 2) end, {{1, 2}, {3, 4}}},
    {'view / viewAs', function() return {M():view(9)[5], torch.viewAs(M(), D(9))[9]} end, {5, 9}},
    {'expand / expandAs', function()
      return torch.expandAs(D{{1}, {2}}, D(2, 3))
    end, {{1, 1, 1}, {2, 2, 2}}},
    {'repeatTensor', function() return D{1, 2}:repeatTensor(2, 2) end, {{1, 2, 1, 2}, {1, 2, 1, 2}}},
    {'squeeze / transpose / t / permute', function()
      return {D(1, 3, 1):squeeze():dim(), M():transpose(1, 2)[1][3], M():t()[3][1],
              D(2, 3, 4):permute(3, 1, 2):size(1)}
    end, {1, 7, 3, 4}},
    {'split / chunk', function()
      local p, q = D{1, 2, 3, 4, 5}:split(2), D{1, 2, 3, 4, 5}:chunk(2)
      return {#p, p[3][1], #q, q[2]:size(1)}
    end, {3, 5, 2, 2}},
    {'apply / map / map2', function()
      local a = D{1, 2}
      a:apply(function(v) return v * 10 end)
      a:map(D{1, 1}, function(v, w) return v + w end)
      a:map2(D{1, 1}, D{2, 2}, function(v, w, z) return v * z - w end)
      return a
    end, {21, 41}},
    {'copy / fill / zero / resize / resizeAs', function()
      local a = torch.IntTensor(2):copy(D{1.5, 2})
      return {a[1], D(2):fill(3)[2], D{1}:zero()[1], D():resize(2, 3):dim(), D():resizeAs(M()):size(1)}
    end, {1, 3, 0, 2, 3}},
  })
end)

describe('Torch7 constructors and extractors', function()
  check({
    {'zeros(res, sizes) fills res', function()
      local r = D(5)
      local out = torch.zeros(r, 2, 2)
      return {out == r, r:size(1), r:sum()}
    end, {true, 2, 0}},
    {'ones(res, sizes) fills res', function() return torch.ones(D(), 2) end, {1, 1}},
    {'x:zeros(sizes) resizes x', function() return D(7):zeros(2) end, {0, 0}},
    {'eye(n, m)', function() return torch.eye(2, 3) end, {{1, 0, 0}, {0, 1, 0}}},
    {'range(2, 5, 1.2) (Torch7 doc)', function() return torch.range(2, 5, 1.2) end, {2, 3.2, 4.4}, 1e-6},
    {'linspace', function() return torch.linspace(0, 1, 5) end, {0, 0.25, 0.5, 0.75, 1}, 1e-7},
    {'logspace', function() return torch.logspace(0, 2, 3) end, {1, 10, 100}, 1e-4},
    {'reshape copies', function() return torch.reshape(D{1, 2, 3, 4, 5, 6}, 3, 2) end,
     {{1, 2}, {3, 4}, {5, 6}}},
    {'cat: last dimension by default (Torch7 doc)', function()
      return torch.cat(torch.ones(2, 2), torch.zeros(2, 2)):size(2)
    end, 4},
    {'cat of a table along 1', function() return torch.cat({D{1}, D{2, 3}}, 1) end, {1, 2, 3}},
    {'diag of a vector', function() return torch.diag(D{1, 2}) end, {{1, 0}, {0, 2}}},
    {'diag of a vector, k = 1', function() return torch.diag(D{1, 2}, 1) end,
     {{0, 1, 0}, {0, 0, 2}, {0, 0, 0}}},
    {'diag of a vector, k = -1', function() return torch.diag(D{5}, -1) end, {{0, 0}, {5, 0}}},
    {'diag of a matrix', function() return torch.diag(M()) end, {1, 5, 9}},
    {'diag of a matrix, k = 1 / -2', function()
      return {torch.diag(M(), 1):totable(), torch.diag(M(), -2):totable()}
    end, {{2, 6}, {7}}},
    {'diag of a transposed (strided) matrix', function() return torch.diag(M():t(), 1) end, {4, 8}},
    {'diag of a 2x3 matrix', function() return D{{1, 2, 3}, {4, 5, 6}}:diag() end, {1, 5}},
    {'diag(res, x)', function() local r = D(); torch.diag(r, M()); return r end, {1, 5, 9}},
    {'tril', function() return torch.tril(M()) end, {{1, 0, 0}, {4, 5, 0}, {7, 8, 9}}},
    {'tril, k = -1', function() return torch.tril(M(), -1) end, {{0, 0, 0}, {4, 0, 0}, {7, 8, 0}}},
    {'triu', function() return torch.triu(M()) end, {{1, 2, 3}, {0, 5, 6}, {0, 0, 9}}},
    {'triu, k = 1, as a method', function() return M():triu(1) end, {{0, 2, 3}, {0, 0, 6}, {0, 0, 0}}},
    {'triu of a 2x3 matrix', function() return torch.triu(D{{1, 2, 3}, {4, 5, 6}}) end,
     {{1, 2, 3}, {0, 5, 6}}},
    {'histc with a range', function() return torch.histc(D{1, 2, 1}, 2, 0, 3) end, {2, 1}},
    {'histc over the data range (max in the last bin)', function()
      return torch.histc(D{1, 2, 2, 3}, 2)
    end, {1, 3}},
    {'histc ignores values outside', function() return torch.histc(D{-1, 0.5, 9}, 2, 0, 1) end, {0, 1}},
    {'histc of equal values widens the range by 1', function() return torch.histc(D{2, 2}, 4) end,
     {0, 0, 2, 0}},
    {'histc keeps the type', function() return torch.histc(torch.FloatTensor{1}, 1):type() end,
     'torch.FloatTensor'},
  })
end)

describe('Torch7 math', function()
  check({
    {'whole-tensor sum / max / min / mean are numbers', function()
      return {type(M():sum()), M():max(), M():min(), M():mean()}
    end, {'number', 9, 1, 5}},
    {'max along a dim: values and 1-based LongTensor indices', function()
      local v, i = torch.max(D{{1, 5}, {7, 2}}, 2)
      return {v:totable(), i:totable(), i:type()}
    end, {{{5}, {7}}, {{2}, {1}}, 'torch.LongTensor'}},
    {'max(resval, resind, x, dim)', function()
      local v, i = D(), L()
      torch.max(v, i, D{{1, 5}, {7, 2}}, 1)
      return {v:totable(), i:totable()}
    end, {{{7, 5}}, {{2, 1}}}},
    {'sum(res, x, dim)', function() local r = D(); torch.sum(r, M(), 2); return r end, {{6}, {15}, {24}}},
    {'prod along dims (Torch7 doc)', function()
      return torch.prod(D{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}, 1)
    end, {{{5, 12}, {21, 32}}}},
    {'cumsum: dimension 1 by default', function() return torch.cumsum(D{{1, 2}, {3, 4}}) end,
     {{1, 2}, {4, 6}}},
    {'cumprod along 2 (Torch7 doc)', function()
      return torch.cumprod(L{{1, 4, 7}, {2, 5, 8}, {3, 6, 9}}, 2)
    end, {{1, 4, 28}, {2, 10, 80}, {3, 18, 162}}},
    {'std / var (n - 1) and the n flag', function()
      return {D{1, 2, 3, 4}:var(), D{{1, 3}}:std(2, true)[1][1]}
    end, {5 / 3, 1}, 1e-12},
    {'sort ascending / descending', function()
      local _, i = torch.sort(D{3, 1, 2})
      local v = torch.sort(D{3, 1, 2}, 1, true)
      return {i:totable(), v:totable()}
    end, {{2, 3, 1}, {3, 2, 1}}},
    {'topk smallest by default, largest with the flag', function()
      local a = torch.topk(D{3, 1, 2, 5}, 2)
      local b, i = torch.topk(D{3, 1, 2, 5}, 2, 1, true)
      return {a:totable(), b:totable(), i:totable()}
    end, {{1, 2}, {5, 3}, {4, 1}}},
    {'kthvalue keeps the dimension', function()
      local v, i = torch.kthvalue(D{3, 1, 2, 5}, 2)
      return {v:totable(), i:totable()}
    end, {{2}, {3}}},
    {'median along 2: the lower one', function()
      local v, i = torch.median(D{{4, 1, 3, 2}}, 2)
      return {v:totable(), i:totable()}
    end, {{{2}}, {{4}}}},
    {'mode along the last dimension', function()
      local v, i = torch.mode(D{{1, 2, 2, 3}, {5, 5, 4, 4}})
      return {v:totable(), i:totable()}
    end, {{{2}, {4}}, {{3}, {4}}}},
    {'mode along 1', function()
      local v, i = torch.mode(D{{7, 1}, {7, 2}, {3, 2}}, 1)
      return {v:totable(), i:totable()}
    end, {{{7, 2}}, {{2, 3}}}},
    {'mode(rv, ri, x) and x:mode()', function()
      local v, i = D(), L()
      torch.mode(v, i, D{9, 8, 9})
      local w = D{1, 1, 2}:mode()
      return {v:totable(), i:totable(), w:totable()}
    end, {{9}, {3}, {1}}},
    {'norm / norm(p) / norm(p, dim)', function()
      return {D{3, 4}:norm(), D{3, -4}:norm(1), D{{3, 4}}:norm(2, 2)[1][1]}
    end, {5, 7, 5}},
    {'dist (2-norm and p)', function()
      return {torch.dist(D{1, 1}, D{4, 5}), D{1, 1}:dist(D{4, 5}, 1)}
    end, {5, 7}},
    {'trace', function() return {torch.trace(M()), D{{1, 2, 3}, {4, 5, 6}}:trace()} end, {15, 6}},
    {'renorm: rows over maxnorm scaled down', function()
      return torch.renorm(D{{3, 4}, {0.3, 0.4}}, 2, 1, 1)
    end, {{0.6, 0.8}, {0.3, 0.4}}, 1e-6},
    {'renorm along 2, in place as a method', function()
      local x = D{{3, 0}, {4, 1}}
      x:renorm(1, 2, 2)
      return x
    end, {{6 / 7, 0}, {8 / 7, 1}}, 1e-6},
    {'cross: first dimension of size 3', function() return torch.cross(D{1, 0, 0}, D{0, 1, 0}) end,
     {0, 0, 1}},
    {'cross along 2 of 2x3 matrices', function()
      return torch.cross(D{{1, 2, 3}, {0, 0, 1}}, D{{4, 5, 6}, {1, 0, 0}}, 2)
    end, {{-3, 6, -3}, {0, 1, 0}}},
    {'cross(res, a, b)', function()
      local r = D()
      torch.cross(r, D{0, 1, 0}, D{0, 0, 1})
      return r
    end, {1, 0, 0}},
    {'cinv / frac', function()
      return {torch.cinv(D{2, 4}):totable(), torch.frac(D{1.5, -2.25}):totable()}
    end, {{0.5, 0.25}, {0.5, -0.25}}},
    {'x:cinv() / x:frac() in place', function()
      local a, b = D{4}, D{3.75}
      a:cinv()
      b:frac()
      return {a[1], b[1]}
    end, {0.25, 0.75}},
    {'csub', function() return {D{5}:csub(1)[1], torch.csub(D{5}, 2, D{1})[1]} end, {4, 3}},
    {'pow(n, x) and pow(x, n)', function() return {torch.pow(2, D{3})[1], torch.pow(D{3}, 2)[1]} end, {8, 9}},
    {'sign / clamp', function() return {torch.sign(D{-2, 0, 3}):totable(), D{1, 5}:clamp(2, 4):totable()} end,
     {{-1, 0, 1}, {2, 4}}},
    {'cmax / cmin with a number (Torch7 doc)', function()
      return {torch.cmax(D{1, 2, 3}, 2):totable(), torch.cmin(D{1, 2, 3}, 2):totable()}
    end, {{2, 2, 3}, {1, 2, 2}}},
    {'comparisons count with sum', function() return {M():gt(4):sum(), torch.le(M(), 2):sum()} end, {5, 2}},
    {'ne(res, x, v)', function() local r = torch.ByteTensor(); torch.ne(r, M(), 5); return r:sum() end, 8},
    {'equal', function()
      return {torch.equal(M(), M()), M():equal(M():t()), torch.equal(D{1}, D{1, 1})}
    end, {true, false, false}},
    {'dot / mv / addmm', function()
      return {D{1, 2}:dot(D{3, 4}), torch.mv(D{{1, 2}, {3, 4}}, D{1, 1})[2],
              torch.addmm(1, D(2, 2):zero(), 2, D{{1, 0}, {0, 1}}, D{{1, 2}, {3, 4}})[2][1]}
    end, {11, 7, 6}},
  })
end)

describe('Torch7 linear algebra and convolutions', function()
  -- doc/maths.md's trtrs and gels examples (results printed to 4 decimals)
  local ta = D{{6.80, -2.11, 5.66, 5.97, 8.23}, {0, -3.30, 5.36, -4.44, 1.08},
               {0, 0, -2.70, 0.27, 9.04}, {0, 0, 0, -7.17, 2.14}, {0, 0, 0, 0, -6.87}}
  local tb = D{{4.02, 6.19, -8.22, -7.57, -3.03}, {-1.56, 4.00, -8.67, 1.75, 2.86},
               {9.81, -4.09, -4.57, -8.61, 8.99}}:t()
  local tx = {{-3.5416, -0.2514, 3.0847}, {4.2072, 2.0391, -4.5146}, {4.6399, 1.7804, -2.6077},
              {1.1874, -0.3683, 0.8103}, {0.4410, -0.4163, -1.3086}}
  local ga = D{{1.44, -9.96, -7.55, 8.34, 7.08, -5.45}, {-7.84, -0.28, 3.24, 8.09, 2.52, -5.70},
               {-4.39, -3.24, 6.27, 5.28, 0.74, -1.19}, {4.53, 3.83, -6.64, 2.06, -2.47, 4.70}}:t()
  local gb = D{{8.58, 8.26, 8.48, -5.28, 5.72, 8.93}, {9.35, -4.43, -0.70, -0.26, -7.36, -2.52}}:t()
  check({
    {'trtrs (Torch7 doc)', function() return torch.trtrs(tb, ta) end, tx, 1e-4},
    {'trtrs lower / transposed give the same system', function()
      return torch.trtrs(tb, ta:t(), 'L', 'T')
    end, tx, 1e-4},
    {'trtrs with a unit diagonal ignores the diagonal', function()
      return torch.trtrs(D{{3}, {1}}, D{{5, 2}, {0, 7}}, 'U', 'N', 'U')
    end, {{1}, {1}}, 1e-12},
    {'gels least squares: the solution rows (Torch7 doc)', function()
      return torch.gels(gb, ga):narrow(1, 1, 4)
    end, {{-0.4506, 0.2497}, {-0.8492, -0.9020}, {0.7066, 0.6323}, {0.1289, 0.1351}}, 1e-4},
    {'gels: rows below hold the residual (Torch7 doc: 17.3902)', function()
      local x = torch.gels(gb, ga)
      return {x:size(1), math.sqrt(x:narrow(1, 5, 2):clone():pow(2):sum())}
    end, {6, 17.3902}, 1e-4},
    {'gels least norm (m < n)', function() return torch.gels(D{{2}}, D{{1, 1}}) end, {{1}, {1}}, 1e-12},
    {'conv2 flips the kernel', function()
      return torch.conv2(M(), D{{1, 0}, {0, 2}})
    end, {{7, 10}, {16, 19}}},
    {'xcorr2 does not', function() return torch.xcorr2(M(), D{{1, 0}, {0, 2}}) end, {{11, 14}, {20, 23}}},
    {"conv2 'F' (full)", function() return torch.conv2(D{{1, 2}, {3, 4}}, D{{1, 1}, {1, 1}}, 'F') end,
     {{1, 3, 2}, {4, 10, 6}, {3, 7, 4}}},
    {'conv2 sizes (Torch7 doc: 91 valid, 109 full)', function()
      local x, k = D(100, 100):zero(), D(10, 10):zero()
      return {torch.conv2(x, k):size(1), torch.conv2(x, k, 'F'):size(2)}
    end, {91, 109}},
    {'conv2 plane by plane (3-D x, 3-D k)', function()
      return torch.xcorr2(D{{{1, 2}}, {{3, 4}}}, D{{{1}}, {{10}}})
    end, {{{1, 2}}, {{30, 40}}}},
    {'conv2 summed over planes (3-D x, 4-D k)', function()
      return torch.conv2(D{{{1, 2}}, {{3, 4}}}, D{{{{1}}, {{10}}}, {{{0}}, {{1}}}})
    end, {{{31, 42}}, {{3, 4}}}},
    {'conv3 / xcorr3', function()
      return {torch.conv3(D(3, 3, 3):fill(1), D(2, 2, 2):fill(1)):sum(),
              torch.xcorr3(D(2, 2, 2):fill(1), D(1, 1, 2):fill(2), 'F'):size(3)}
    end, {64, 3}},
    {'conv2(res, x, k)', function()
      local r = D()
      torch.conv2(r, D{{1, 2}}, D{{1}})
      return r
    end, {{1, 2}}},
  })
end)

describe('Torch7 storages and utility', function()
  check({
    {'storage size / # / fill / copy / resize / totable', function()
      local s = torch.DoubleStorage(3):fill(2)
      local c = torch.FloatStorage(2):copy(torch.DoubleStorage{1, 2})
      return {#s, s:size(), s[3], c[2], s:resize(5):size(), torch.LongStorage{4, 5}:totable()}
    end, {3, 3, 2, 2, 5, {4, 5}}},
    {'ByteStorage:string both ways', function()
      local s = torch.ByteStorage():string('hi!')
      return {#s, s[1], s:string()}
    end, {3, 104, 'hi!'}},
    {'CharStorage:string with bytes over 127', function()
      return torch.CharStorage():string('\200'):string()
    end, '\200'},
    {'typename / type', function()
      return {torch.typename(M()), torch.type(torch.LongStorage()), torch.type(3)}
    end, {'torch.DoubleTensor', 'torch.LongStorage', 'number'}},
    {'isTensor / isStorage', function()
      return {torch.isTensor(M()), torch.isTensor({}), torch.isStorage(torch.ByteStorage())}
    end, {true, false, true}},
    {'isTypeOf with a name, a pattern and a class', function()
      return {torch.isTypeOf(M(), 'torch.DoubleTensor'), torch.isTypeOf(M(), 'torch.*Tensor'),
              torch.isTypeOf(M(), torch.DoubleTensor), torch.isTypeOf(M(), 'torch.FloatTensor')}
    end, {true, true, true, false}},
    {'getmetatable of a tensor type takes new methods', function()
      local mt = torch.getmetatable('torch.DoubleTensor')
      mt.t7apiSpecTwice = function(self) return self * 2 end
      local r = D{3}:t7apiSpecTwice()[1]
      mt.t7apiSpecTwice = nil
      return r
    end, 6},
    {'getmetatable of a torch.class', function()
      if not torch.getmetatable('t7apispec.Foo') then torch.class('t7apispec.Foo') end
      return torch.getmetatable('t7apispec.Foo').__typename
    end, 't7apispec.Foo'},
    {'pointer: the same object, the same number', function()
      local x, t = M(), {}
      return {torch.pointer(x) == torch.pointer(x), torch.pointer(t) == torch.pointer(t),
              torch.pointer(t) ~= torch.pointer({}), type(torch.pointer(x)), torch.pointer(3)}
    end, {true, true, true, 'number', nil}},
    {'default tensor type', function()
      local before = torch.getdefaulttensortype()
      torch.setdefaulttensortype('torch.DoubleTensor')
      local t = torch.Tensor(1):type()
      torch.setdefaulttensortype(before)
      return t
    end, 'torch.DoubleTensor'},
    {'setnumthreads / getnumthreads', function()
      local n = torch.getnumthreads()
      torch.setnumthreads(1)
      local one = torch.getnumthreads()
      torch.setnumthreads(n)
      return one
    end, 1},
    {'serialize / deserialize', function()
      return torch.deserialize(torch.serialize({a = M()})).a[3][2]
    end, 8},
    {'manualSeed / initialSeed / RNG state', function()
      torch.manualSeed(11)
      local a = torch.uniform()
      local s = torch.getRNGState()
      local b = torch.normal(0, 1)
      torch.setRNGState(s)
      return {torch.initialSeed(), a >= 0 and a < 1, b == torch.normal(0, 1)}
    end, {11, true, true}},
    {'random(a, b) / uniform(a, b)', function()
      local u = torch.uniform(2, 3)
      return {torch.random(4, 4), u >= 2 and u < 3}
    end, {4, true}},
    {'Timer', function()
      local t = torch.Timer()
      t:stop()
      local a = t:time().real
      t:resume()
      t:reset()
      return {type(a), type(t:time().user)}
    end, {'number', 'number'}},
  })
end)

-- the compositions that take part in autograd: recorded when an input
-- requires grad (gradcheck in float64), or never differentiated (histc)
describe('Torch7 API under autograd', function()
  local gradcheck = torch.autograd.gradcheck
  local function leaf(t) return t:double():requiresGrad() end
  local cases = {
    {'diag of a matrix', function(a) return torch.diag(a, 1) end, {leaf(torch.rand(3, 4))}},
    {'diag below the main one', function(a) return torch.diag(a, -1) end, {leaf(torch.rand(4, 3))}},
    {'diag of a vector', function(a) return torch.diag(a, -1) end, {leaf(torch.rand(3))}},
    {'trace', function(a) return torch.trace(a) end, {leaf(torch.rand(3, 4))}},
    {'tril and triu', function(a) return torch.tril(a, 1) + torch.triu(a, -1) end, {leaf(torch.rand(3, 3))}},
    {'cross', function(a, b) return torch.cross(a, b) end, {leaf(torch.rand(3, 2)), leaf(torch.rand(3, 2))}},
    {'dist', function(a, b) return torch.dist(a, b, 3) end, {leaf(torch.rand(4)), leaf(torch.rand(4))}},
  }
  for _, c in ipairs(cases) do
    it(c[1] .. ' passes gradcheck', function() assert.is_true(gradcheck(c[2], c[3])) end)
  end

  it('mode sends the gradient to the element it picked', function()
    -- ties make finite differences meaningless here: the gradient by hand
    local x = leaf(D{{1, 2, 2, 3}, {4, 4, 5, 5}})
    local v = torch.mode(x, 2)
    v:sum():backward()
    assert.same({{0, 0, 1, 0}, {0, 1, 0, 0}}, x.grad:totable())
  end)

  it('histc counts a tensor that requires grad', function()
    assert.same({2, 0, 1}, torch.histc(leaf(D{1, 1.2, 3}), 3):totable())
  end)
end)

describe('Torch7 API bad input', function()
  U.error_cases({
    {'diag of a 3-D tensor', function() torch.diag(D(2, 2, 2)) end, 'torch.diag', '1-D or 2-D'},
    {'diag beyond the matrix', function() torch.diag(M(), 3) end, 'torch.diag', 'outside a 3x3'},
    {'diag of a number', function() torch.diag(3) end, 'torch.diag', 'expected a tensor'},
    {'tril of a vector', function() torch.tril(D{1, 2}) end, 'torch.tril', '2-D'},
    {'triu with a bad k', function() torch.triu(M(), 'x') end, 'torch.triu', 'k must be a number'},
    {'trace of a vector', function() torch.trace(D{1}) end, 'torch.trace', '2-D'},
    {'cross of different sizes', function() torch.cross(D{1, 2, 3}, D{1, 2}) end, 'torch.cross', 'same size'},
    {'cross without a size-3 dimension', function() torch.cross(D{1, 2}, D{1, 2}) end,
     'torch.cross', 'no dimension of size 3'},
    {'cross along a dimension of size 2', function() torch.cross(D(3, 2), D(3, 2), 2) end,
     'torch.cross', 'has size 2, expected 3'},
    {'dist of a number', function() torch.dist(D{1}, 1) end, 'torch.dist', 'argument 2'},
    {'renorm with a bad dim', function() torch.renorm(M(), 2, 3, 1) end, 'torch.renorm', 'out of range'},
    {'renorm with p = 0', function() torch.renorm(M(), 0, 1, 1) end, 'torch.renorm', 'positive'},
    {'histc with 0 bins', function() torch.histc(D{1}, 0) end, 'torch.histc', 'nbins'},
    {'histc with min > max', function() torch.histc(D{1}, 2, 3, 1) end, 'torch.histc', 'larger than max'},
    {'mode with a bad dim', function() torch.mode(D{1}, 2) end, 'torch.mode', 'out of range'},
    {'mode of an empty dimension', function() torch.mode(D(0)) end, 'torch.mode', 'empty'},
    {'cinv of a number', function() torch.cinv(2) end, 'torch.cinv', 'expected a tensor'},
    {'equal with a table', function() torch.equal(M(), {}) end, 'torch.equal', 'argument 2'},
    {'trtrs with a bad uplo', function() torch.trtrs(D{{1}}, D{{1}}, 'X') end, 'torch.trtrs', 'uplo'},
    {'trtrs with a non-square A', function() torch.trtrs(D{{1}}, D(1, 2)) end, 'torch.trtrs', 'square'},
    {'gels with mismatched rows', function() torch.gels(D(3, 1), D(2, 2)) end, 'torch.gels', 'rows'},
    {'conv2 with a bad mode', function() torch.conv2(M(), M(), 'X') end, 'torch.conv2', "'V' or 'F'"},
    {'conv2 with a kernel larger than x', function() torch.conv2(D(2, 2), D(3, 3)) end,
     'torch.conv2', 'larger than the input'},
    {'conv2 with mismatched planes', function() torch.xcorr2(D(2, 3, 3), D(3, 2, 2)) end,
     'torch.xcorr2', 'x has 2 planes, k has 3'},
    {'conv3 of 2-D tensors', function() torch.conv3(D(3, 3), D(2, 2)) end, 'torch.conv3', 'dimensions'},
    {'sub with an odd count of bounds', function() M():sub(1, 2, 3) end, 'torch.sub', 'pairs'},
    {'sub out of range', function() M():sub(2, 4) end, 'torch.sub', 'out of bounds for dimension 1'},
    {'set with sizes as a number', function() D():set(torch.DoubleStorage(4), 1, 4) end,
     'torch.set', 'LongStorage or a table'},
    {'string of a FloatStorage', function() torch.FloatStorage(1):string() end, 'torch.string', 'ByteStorage'},
    {'isTypeOf with a number', function() torch.isTypeOf(M(), 3) end, 'torch.isTypeOf', 'argument 2'},
  })
end)
