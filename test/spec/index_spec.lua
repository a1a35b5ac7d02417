-- Index ops: index/indexSelect, indexCopy, indexAdd, indexFill, gather,
-- scatter, scatterAdd, nonzero, maskedFill, maskedSelect, maskedCopy, and
-- the t[mask] / t[idx] forms of lua/torch/indexing.lua.
local U = require 'testutil'

local layouts = require 'layouts'
local types, value, make, flat, check =
  layouts.types, layouts.value, layouts.make, layouts.flat, layouts.check

local L = torch.LongTensor
local B = torch.BoolTensor

-- how each case row runs: x is the input, a the row's arguments
local run = {
  index = function(x, a) return x:index(a[1], L(a[2])) end,
  gather = function(x, a) return x:gather(a[1], L(a[2])) end,
  indexCopy = function(x, a, dt) return x:indexCopy(a[1], L(a[2]), make(a[3], a[4], dt, 100)) end,
  indexAdd = function(x, a, dt) return x:indexAdd(a[1], L(a[2]), make(a[3], a[4], dt, 100)) end,
  indexFill = function(x, a) return x:indexFill(a[1], L(a[2]), a[3]) end,
  scatter = function(x, a, dt) return x:scatter(a[1], L(a[2]), make(a[3], a[4], dt, 100)) end,
  scatterAdd = function(x, a, dt) return x:scatterAdd(a[1], L(a[2]), make(a[3], a[4], dt, 100)) end,
  scatterValue = function(x, a) return x:scatter(a[1], L(a[2]), a[3]) end,
  maskedSelect = function(x, a) return x:maskedSelect(B(a[1])) end,
  maskedFill = function(x, a) return x:maskedFill(B(a[1]), a[2]) end,
  maskedCopy = function(x, a, dt) return x:maskedCopy(B(a[1]), make({a[2]}, 'C', dt, 100)) end,
}
local in_place = {indexCopy = true, indexAdd = true, indexFill = true, scatter = true,
                  scatterAdd = true, scatterValue = true, maskedFill = true, maskedCopy = true}
-- bool has no addition: the add ops run on the numeric classes only
local adds = {indexAdd = true, scatterAdd = true}

-- {name, op, sizes, layout, args, {expected sizes, expected values}}
-- generated with PyTorch 1.13 (index_select, gather, index_copy_, index_add_,
-- index_fill_, scatter_ (last write along dim wins), scatter_add_,
-- masked_select, masked_fill_, masked_scatter_), indices shown 1-based
local cases = {
  {'index 1D C dim 1', 'index', {5}, 'C', {1, {5, 1, 1, 3}}, {{4}, {5, 1, 1, 3}}},
  {'index 1D N dim -1', 'index', {5}, 'N', {-1, {2}}, {{1}, {3}}},
  {'index 2D T dim 2', 'index', {3, 4}, 'T', {2, {4, 1}}, {{3, 2}, {10, 1, 11, 2, 12, 3}}},
  {'index 2D C dim -2', 'index', {3, 4}, 'C', {-2, {3, 3}}, {{2, 4}, {9, 10, 11, 12, 9, 10, 11, 12}}},
  {'index 2D N dim 1', 'index', {3, 4}, 'N', {1, {1, 2, 3}}, {{3, 4}, {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}}},
  {'index 2D C dim 2', 'index', {3, 4}, 'C', {2, {}}, {{3, 0}, {}}},
  {'index 3D N dim 3', 'index', {2, 3, 4}, 'N', {3, {2}}, {{2, 3, 1}, {14, 18, 22, 26, 30, 34}}},
  {'index 3D T dim 2', 'index', {2, 3, 4}, 'T', {2, {3, 1}}, {{2, 2, 4}, {3, 6, 9, 12, 1, 4, 7, 10, 15, 18, 21, 24, 13, 16, 19, 22}}},
  {'index 3D C dim 1', 'index', {2, 3, 4}, 'C', {1, {2, 2, 1}}, {{3, 3, 4}, {13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}},
  {'index 4D T dim 1', 'index', {2, 2, 3, 2}, 'T', {1, {2, 1, 2}}, {{3, 2, 3, 2}, {13, 16, 14, 17, 15, 18, 19, 22, 20, 23, 21, 24, 1, 4, 2, 5, 3, 6, 7, 10, 8, 11, 9, 12, 13, 16, 14, 17, 15, 18, 19, 22, 20, 23, 21, 24}}},
  {'index 4D N dim -1', 'index', {2, 2, 3, 2}, 'N', {-1, {2, 2}}, {{2, 2, 3, 2}, {14, 14, 16, 16, 18, 18, 20, 20, 22, 22, 24, 24, 26, 26, 28, 28, 30, 30, 32, 32, 34, 34, 36, 36}}},
  {'index 4D C dim 3', 'index', {2, 2, 3, 2}, 'C', {3, {3, 1}}, {{2, 2, 2, 2}, {5, 6, 1, 2, 11, 12, 7, 8, 17, 18, 13, 14, 23, 24, 19, 20}}},
  {'gather 1D C dim 1', 'gather', {5}, 'C', {1, {5, 1, 1}}, {{3}, {5, 1, 1}}},
  {'gather 1D N dim -1', 'gather', {5}, 'N', {-1, {3, 3, 3, 3, 3, 3}}, {{6}, {4, 4, 4, 4, 4, 4}}},
  {'gather 2D T dim 2', 'gather', {3, 4}, 'T', {2, {{1, 4}, {2, 2}, {4, 3}}}, {{3, 2}, {1, 10, 5, 5, 12, 9}}},
  {'gather 2D C dim 1', 'gather', {3, 4}, 'C', {1, {{3, 1, 2, 1}}}, {{1, 4}, {9, 2, 7, 4}}},
  {'gather 2D N dim -2', 'gather', {3, 4}, 'N', {-2, {{3, 3}, {1, 2}, {2, 1}, {1, 1}}}, {{4, 2}, {13, 14, 5, 10, 9, 6, 5, 6}}},
  {'gather 3D N dim -1', 'gather', {2, 3, 4}, 'N', {-1, {{{1, 4}, {2, 2}, {3, 3}}, {{4, 1}, {1, 1}, {2, 4}}}}, {{2, 3, 2}, {13, 16, 18, 18, 23, 23, 28, 25, 29, 29, 34, 36}}},
  {'gather 3D T dim 2', 'gather', {2, 3, 4}, 'T', {2, {{{3, 2, 1, 1}, {1, 1, 1, 1}}, {{2, 2, 3, 3}, {3, 1, 2, 1}}}}, {{2, 2, 4}, {3, 5, 7, 10, 1, 4, 7, 10, 14, 17, 21, 24, 15, 16, 20, 22}}},
  {'gather 4D C dim 3', 'gather', {2, 2, 3, 2}, 'C', {3, {{{{3, 1}}, {{2, 2}}}, {{{1, 3}}, {{3, 3}}}}}, {{2, 2, 1, 2}, {5, 2, 9, 10, 13, 18, 23, 24}}},
  {'gather 4D T dim 1', 'gather', {2, 2, 3, 2}, 'T', {1, {{{{2, 1}, {1, 2}, {2, 2}}}}}, {{1, 1, 3, 2}, {13, 4, 2, 17, 15, 18}}},
  {'indexCopy 1D C dim 1', 'indexCopy', {5}, 'C', {1, {5, 2}, {2}, 'C'}, {{5}, {1, 102, 3, 4, 101}}},
  {'indexCopy 2D T dim 2', 'indexCopy', {3, 4}, 'T', {2, {4, 1}, {3, 2}, 'C'}, {{3, 4}, {102, 4, 7, 101, 104, 5, 8, 103, 106, 6, 9, 105}}},
  {'indexCopy 2D C dim -2', 'indexCopy', {3, 4}, 'C', {-2, {3, 1}, {2, 4}, 'T'}, {{3, 4}, {102, 104, 106, 108, 5, 6, 7, 8, 101, 103, 105, 107}}},
  {'indexCopy 3D N dim 3', 'indexCopy', {2, 3, 4}, 'N', {3, {2, 4, 1}, {2, 3, 3}, 'C'}, {{2, 3, 4}, {103, 101, 15, 102, 106, 104, 19, 105, 109, 107, 23, 108, 112, 110, 27, 111, 115, 113, 31, 114, 118, 116, 35, 117}}},
  {'indexCopy 3D C dim 2', 'indexCopy', {2, 3, 4}, 'C', {2, {3}, {2, 1, 4}, 'N'}, {{2, 3, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 105, 106, 107, 108, 13, 14, 15, 16, 17, 18, 19, 20, 109, 110, 111, 112}}},
  {'indexCopy 4D T dim 1', 'indexCopy', {2, 2, 3, 2}, 'T', {1, {2}, {1, 2, 3, 2}, 'C'}, {{2, 2, 3, 2}, {1, 4, 2, 5, 3, 6, 7, 10, 8, 11, 9, 12, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112}}},
  {'indexCopy 4D N dim -1', 'indexCopy', {2, 2, 3, 2}, 'N', {-1, {2, 1}, {2, 2, 3, 2}, 'T'}, {{2, 2, 3, 2}, {104, 101, 105, 102, 106, 103, 110, 107, 111, 108, 112, 109, 116, 113, 117, 114, 118, 115, 122, 119, 123, 120, 124, 121}}},
  {'indexAdd 1D C dim 1', 'indexAdd', {5}, 'C', {1, {5, 2}, {2}, 'C'}, {{5}, {1, 104, 3, 4, 106}}},
  {'indexAdd 2D T dim 2', 'indexAdd', {3, 4}, 'T', {2, {4, 1}, {3, 2}, 'C'}, {{3, 4}, {103, 4, 7, 111, 106, 5, 8, 114, 109, 6, 9, 117}}},
  {'indexAdd 2D C dim -2', 'indexAdd', {3, 4}, 'C', {-2, {3, 1}, {2, 4}, 'T'}, {{3, 4}, {103, 106, 109, 112, 5, 6, 7, 8, 110, 113, 116, 119}}},
  {'indexAdd 3D N dim 3', 'indexAdd', {2, 3, 4}, 'N', {3, {2, 4, 1}, {2, 3, 3}, 'C'}, {{2, 3, 4}, {116, 115, 15, 118, 123, 122, 19, 125, 130, 129, 23, 132, 137, 136, 27, 139, 144, 143, 31, 146, 151, 150, 35, 153}}},
  {'indexAdd 3D C dim 2', 'indexAdd', {2, 3, 4}, 'C', {2, {3}, {2, 1, 4}, 'N'}, {{2, 3, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 114, 116, 118, 120, 13, 14, 15, 16, 17, 18, 19, 20, 130, 132, 134, 136}}},
  {'indexAdd 4D T dim 1', 'indexAdd', {2, 2, 3, 2}, 'T', {1, {2}, {1, 2, 3, 2}, 'C'}, {{2, 2, 3, 2}, {1, 4, 2, 5, 3, 6, 7, 10, 8, 11, 9, 12, 114, 118, 117, 121, 120, 124, 126, 130, 129, 133, 132, 136}}},
  {'indexAdd 4D N dim -1', 'indexAdd', {2, 2, 3, 2}, 'N', {-1, {2, 1}, {2, 2, 3, 2}, 'T'}, {{2, 2, 3, 2}, {117, 115, 120, 118, 123, 121, 129, 127, 132, 130, 135, 133, 141, 139, 144, 142, 147, 145, 153, 151, 156, 154, 159, 157}}},
  {'indexFill 1D C dim 1', 'indexFill', {5}, 'C', {1, {5, 2}, 9}, {{5}, {1, 9, 3, 4, 9}}},
  {'indexFill 2D T dim 2', 'indexFill', {3, 4}, 'T', {2, {4, 1}, 9}, {{3, 4}, {9, 4, 7, 9, 9, 5, 8, 9, 9, 6, 9, 9}}},
  {'indexFill 2D C dim -2', 'indexFill', {3, 4}, 'C', {-2, {3, 1}, 9}, {{3, 4}, {9, 9, 9, 9, 5, 6, 7, 8, 9, 9, 9, 9}}},
  {'indexFill 3D N dim 3', 'indexFill', {2, 3, 4}, 'N', {3, {2, 4, 1}, 9}, {{2, 3, 4}, {9, 9, 15, 9, 9, 9, 19, 9, 9, 9, 23, 9, 9, 9, 27, 9, 9, 9, 31, 9, 9, 9, 35, 9}}},
  {'indexFill 3D C dim 2', 'indexFill', {2, 3, 4}, 'C', {2, {3}, 9}, {{2, 3, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 13, 14, 15, 16, 17, 18, 19, 20, 9, 9, 9, 9}}},
  {'indexFill 4D T dim 1', 'indexFill', {2, 2, 3, 2}, 'T', {1, {2}, 9}, {{2, 2, 3, 2}, {1, 4, 2, 5, 3, 6, 7, 10, 8, 11, 9, 12, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}}},
  {'indexFill 4D N dim -1', 'indexFill', {2, 2, 3, 2}, 'N', {-1, {2, 1}, 9}, {{2, 2, 3, 2}, {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9}}},
  {'scatter 1D C dim 1', 'scatter', {5}, 'C', {1, {5, 1, 3}, {3}, 'C'}, {{5}, {102, 2, 103, 4, 101}}},
  {'scatter 2D T dim 2', 'scatter', {3, 4}, 'T', {2, {{1, 4}, {2, 2}, {4, 3}}, {3, 2}, 'C'}, {{3, 4}, {101, 4, 7, 102, 2, 104, 8, 11, 3, 6, 106, 105}}},
  {'scatter 2D N dim 1', 'scatter', {3, 4}, 'N', {1, {{3, 1, 2, 1}, {2, 2, 1, 3}}, {2, 4}, 'T'}, {{3, 4}, {5, 103, 106, 107, 102, 104, 105, 12, 101, 14, 15, 108}}},
  {'scatter 2D C dim -1', 'scatter', {3, 4}, 'C', {-1, {{2, 1, 4, 3}, {1, 1, 1, 1}, {4, 4, 4, 4}}, {3, 5}, 'C'}, {{3, 4}, {102, 101, 104, 103, 109, 6, 7, 8, 9, 10, 11, 114}}},
  {'scatter 3D N dim -1', 'scatter', {2, 3, 4}, 'N', {-1, {{{1, 4}, {2, 2}, {3, 3}}, {{4, 1}, {1, 1}, {2, 4}}}, {2, 3, 2}, 'C'}, {{2, 3, 4}, {101, 14, 15, 102, 17, 104, 19, 20, 21, 22, 106, 24, 108, 26, 27, 107, 110, 30, 31, 32, 33, 111, 35, 112}}},
  {'scatter 3D C dim 2', 'scatter', {2, 3, 4}, 'C', {2, {{{3, 2, 1, 1}}, {{1, 3, 2, 3}}}, {2, 2, 4}, 'N'}, {{2, 3, 4}, {1, 2, 111, 112, 5, 110, 7, 8, 109, 10, 11, 12, 117, 14, 15, 16, 17, 18, 119, 20, 21, 118, 23, 120}}},
  {'scatter 4D T dim 3', 'scatter', {2, 2, 3, 2}, 'T', {3, {{{{3, 1}}, {{2, 2}}}, {{{1, 3}}, {{3, 3}}}}, {2, 2, 1, 2}, 'C'}, {{2, 2, 3, 2}, {1, 102, 2, 5, 101, 6, 7, 10, 103, 104, 9, 12, 105, 16, 14, 17, 15, 106, 19, 22, 20, 23, 107, 108}}},
  {'scatterAdd 1D C dim 1', 'scatterAdd', {5}, 'C', {1, {5, 1, 3}, {3}, 'C'}, {{5}, {103, 2, 106, 4, 106}}},
  {'scatterAdd 2D T dim 2', 'scatterAdd', {3, 4}, 'T', {2, {{1, 4}, {2, 2}, {4, 3}}, {3, 2}, 'C'}, {{3, 4}, {102, 4, 7, 112, 2, 212, 8, 11, 3, 6, 115, 117}}},
  {'scatterAdd 2D N dim 1', 'scatterAdd', {3, 4}, 'N', {1, {{3, 1, 2, 1}, {2, 2, 1, 3}}, {2, 4}, 'T'}, {{3, 4}, {5, 109, 113, 115, 111, 114, 116, 12, 114, 14, 15, 124}}},
  {'scatterAdd 2D C dim -1', 'scatterAdd', {3, 4}, 'C', {-1, {{2, 1, 4, 3}, {1, 1, 1, 1}, {4, 4, 4, 4}}, {3, 5}, 'C'}, {{3, 4}, {103, 103, 107, 107, 435, 6, 7, 8, 9, 10, 11, 462}}},
  {'scatterAdd 3D N dim -1', 'scatterAdd', {2, 3, 4}, 'N', {-1, {{{1, 4}, {2, 2}, {3, 3}}, {{4, 1}, {1, 1}, {2, 4}}}, {2, 3, 2}, 'C'}, {{2, 3, 4}, {114, 14, 15, 118, 17, 225, 19, 20, 21, 22, 234, 24, 133, 26, 27, 135, 248, 30, 31, 32, 33, 145, 35, 148}}},
  {'scatterAdd 3D C dim 2', 'scatterAdd', {2, 3, 4}, 'C', {2, {{{3, 2, 1, 1}}, {{1, 3, 2, 3}}}, {2, 2, 4}, 'N'}, {{2, 3, 4}, {1, 2, 114, 116, 5, 116, 7, 8, 118, 10, 11, 12, 130, 14, 15, 16, 17, 18, 138, 20, 21, 140, 23, 144}}},
  {'scatterAdd 4D T dim 3', 'scatterAdd', {2, 2, 3, 2}, 'T', {3, {{{{3, 1}}, {{2, 2}}}, {{{1, 3}}, {{3, 3}}}}, {2, 2, 1, 2}, 'C'}, {{2, 2, 3, 2}, {1, 106, 2, 5, 104, 6, 7, 10, 111, 115, 9, 12, 118, 16, 14, 17, 15, 124, 19, 22, 20, 23, 128, 132}}},
  {'scatterValue 1D C dim 1', 'scatterValue', {5}, 'C', {1, {5, 1, 3}, 9}, {{5}, {9, 2, 9, 4, 9}}},
  {'scatterValue 2D T dim 2', 'scatterValue', {3, 4}, 'T', {2, {{1, 4}, {2, 2}, {4, 3}}, 9}, {{3, 4}, {9, 4, 7, 9, 2, 9, 8, 11, 3, 6, 9, 9}}},
  {'scatterValue 2D N dim 1', 'scatterValue', {3, 4}, 'N', {1, {{3, 1, 2, 1}, {2, 2, 1, 3}}, 9}, {{3, 4}, {5, 9, 9, 9, 9, 9, 9, 12, 9, 14, 15, 9}}},
  {'scatterValue 2D C dim -1', 'scatterValue', {3, 4}, 'C', {-1, {{2, 1, 4, 3}, {1, 1, 1, 1}, {4, 4, 4, 4}}, 9}, {{3, 4}, {9, 9, 9, 9, 9, 6, 7, 8, 9, 10, 11, 9}}},
  {'scatterValue 3D N dim -1', 'scatterValue', {2, 3, 4}, 'N', {-1, {{{1, 4}, {2, 2}, {3, 3}}, {{4, 1}, {1, 1}, {2, 4}}}, 9}, {{2, 3, 4}, {9, 14, 15, 9, 17, 9, 19, 20, 21, 22, 9, 24, 9, 26, 27, 9, 9, 30, 31, 32, 33, 9, 35, 9}}},
  {'scatterValue 3D C dim 2', 'scatterValue', {2, 3, 4}, 'C', {2, {{{3, 2, 1, 1}}, {{1, 3, 2, 3}}}, 9}, {{2, 3, 4}, {1, 2, 9, 9, 5, 9, 7, 8, 9, 10, 11, 12, 9, 14, 15, 16, 17, 18, 9, 20, 21, 9, 23, 9}}},
  {'scatterValue 4D T dim 3', 'scatterValue', {2, 2, 3, 2}, 'T', {3, {{{{3, 1}}, {{2, 2}}}, {{{1, 3}}, {{3, 3}}}}, 9}, {{2, 2, 3, 2}, {1, 9, 2, 5, 9, 6, 7, 10, 9, 9, 9, 12, 9, 16, 14, 17, 15, 9, 19, 22, 20, 23, 9, 9}}},
  {'maskedSelect 1D C', 'maskedSelect', {5}, 'C', {{1, 0, 0, 1, 1}}, {{3}, {1, 4, 5}}},
  {'maskedFill 1D C', 'maskedFill', {5}, 'C', {{1, 0, 0, 1, 1}, 9}, {{5}, {9, 2, 3, 9, 9}}},
  {'maskedCopy 1D C', 'maskedCopy', {5}, 'C', {{1, 0, 0, 1, 1}, 5}, {{5}, {101, 2, 3, 102, 103}}},
  {'maskedSelect 2D T', 'maskedSelect', {3, 4}, 'T', {{{1, 0, 0, 1}, {0, 0, 0, 0}, {1, 1, 1, 1}}}, {{6}, {1, 10, 3, 6, 9, 12}}},
  {'maskedFill 2D T', 'maskedFill', {3, 4}, 'T', {{{1, 0, 0, 1}, {0, 0, 0, 0}, {1, 1, 1, 1}}, 9}, {{3, 4}, {9, 4, 7, 9, 2, 5, 8, 11, 9, 9, 9, 9}}},
  {'maskedCopy 2D T', 'maskedCopy', {3, 4}, 'T', {{{1, 0, 0, 1}, {0, 0, 0, 0}, {1, 1, 1, 1}}, 8}, {{3, 4}, {101, 4, 7, 102, 2, 5, 8, 11, 103, 104, 105, 106}}},
  {'maskedSelect 2D N', 'maskedSelect', {3, 4}, 'N', {{0, 1, 1, 0}}, {{6}, {6, 7, 10, 11, 14, 15}}},
  {'maskedFill 2D N', 'maskedFill', {3, 4}, 'N', {{0, 1, 1, 0}, 9}, {{3, 4}, {5, 9, 9, 8, 9, 9, 9, 12, 13, 9, 9, 16}}},
  {'maskedCopy 2D N', 'maskedCopy', {3, 4}, 'N', {{0, 1, 1, 0}, 8}, {{3, 4}, {5, 101, 102, 8, 9, 103, 104, 12, 13, 105, 106, 16}}},
  {'maskedSelect 2D C', 'maskedSelect', {3, 4}, 'C', {{{1}, {0}, {1}}}, {{8}, {1, 2, 3, 4, 9, 10, 11, 12}}},
  {'maskedFill 2D C', 'maskedFill', {3, 4}, 'C', {{{1}, {0}, {1}}, 9}, {{3, 4}, {9, 9, 9, 9, 5, 6, 7, 8, 9, 9, 9, 9}}},
  {'maskedCopy 2D C', 'maskedCopy', {3, 4}, 'C', {{{1}, {0}, {1}}, 10}, {{3, 4}, {101, 102, 103, 104, 5, 6, 7, 8, 105, 106, 107, 108}}},
  {'maskedSelect 3D T', 'maskedSelect', {2, 3, 4}, 'T', {{{{1, 0, 1, 0}, {0, 0, 0, 0}, {1, 1, 0, 0}}, {{0, 0, 0, 1}, {1, 1, 1, 1}, {0, 1, 0, 1}}}}, {{11}, {1, 7, 3, 6, 22, 14, 17, 20, 23, 18, 24}}},
  {'maskedFill 3D T', 'maskedFill', {2, 3, 4}, 'T', {{{{1, 0, 1, 0}, {0, 0, 0, 0}, {1, 1, 0, 0}}, {{0, 0, 0, 1}, {1, 1, 1, 1}, {0, 1, 0, 1}}}, 9}, {{2, 3, 4}, {9, 4, 9, 10, 2, 5, 8, 11, 9, 9, 9, 12, 13, 16, 19, 9, 9, 9, 9, 9, 15, 9, 21, 9}}},
  {'maskedCopy 3D T', 'maskedCopy', {2, 3, 4}, 'T', {{{{1, 0, 1, 0}, {0, 0, 0, 0}, {1, 1, 0, 0}}, {{0, 0, 0, 1}, {1, 1, 1, 1}, {0, 1, 0, 1}}}, 13}, {{2, 3, 4}, {101, 4, 102, 10, 2, 5, 8, 11, 103, 104, 9, 12, 13, 16, 19, 105, 106, 107, 108, 109, 15, 110, 21, 111}}},
  {'maskedSelect 4D N', 'maskedSelect', {2, 2, 3, 2}, 'N', {{{1, 0}, {0, 1}, {1, 1}}}, {{16}, {13, 16, 17, 18, 19, 22, 23, 24, 25, 28, 29, 30, 31, 34, 35, 36}}},
  {'maskedFill 4D N', 'maskedFill', {2, 2, 3, 2}, 'N', {{{1, 0}, {0, 1}, {1, 1}}, 9}, {{2, 2, 3, 2}, {9, 14, 15, 9, 9, 9, 9, 20, 21, 9, 9, 9, 9, 26, 27, 9, 9, 9, 9, 32, 33, 9, 9, 9}}},
  {'maskedCopy 4D N', 'maskedCopy', {2, 2, 3, 2}, 'N', {{{1, 0}, {0, 1}, {1, 1}}, 18}, {{2, 2, 3, 2}, {101, 14, 15, 102, 103, 104, 105, 20, 21, 106, 107, 108, 109, 26, 27, 110, 111, 112, 113, 32, 33, 114, 115, 116}}},
}

describe('index ops on every layout and dtype class', function()
  for _, c in ipairs(cases) do
    for _, dt in ipairs({'float', 'long', 'byte', 'bool'}) do
      if not (dt == 'bool' and adds[c[2]]) then
        it(c[1] .. ' (' .. dt .. ')', function()
          local x = make(c[3], c[4], dt)
          local r = run[c[2]](x, c[5], dt)
          if in_place[c[2]] then assert.are.equal(x, r) end
          check(r, c[6], dt)
        end)
      end
    end
  end
end)

describe('index forms', function()
  it('indexSelect is index, and both take a result first', function()
    local x = torch.range(1, 6):view(2, 3)
    assert.are.same({{3, 1}, {6, 4}}, x:indexSelect(2, L{3, 1}):totable())
    local res = torch.Tensor(7)
    local r = torch.index(res, x, 1, L{2})
    assert.are.equal(res, r)
    assert.are.same({{4, 5, 6}}, res:totable())
    res:index(x, 2, L{2, 2})
    assert.are.same({{2, 2}, {5, 5}}, res:totable())
    assert.are.same({{3}, {6}}, torch.indexSelect(x, -1, L{3}):totable())
  end)

  it('accepts a 0-dim index and int32 indices', function()
    local x = torch.range(1, 6):view(2, 3)
    assert.are.same({{4, 5, 6}}, x:index(1, torch.LongTensor({2}):view()):totable())
    assert.are.same({{2}, {5}}, x:index(2, torch.IntTensor{2}):totable())
  end)

  it('gathers into a result tensor, converting to its type', function()
    local x = torch.range(1, 6):view(2, 3)
    local res = torch.LongTensor()
    torch.gather(res, x, 2, L{{3, 1}, {2, 2}})
    assert.are.same({{3, 1}, {5, 5}}, res:totable())
    assert.are.equal('torch.LongTensor', res:type())
  end)

  it('has copying function forms of the in-place methods', function()
    local x = torch.zeros(2, 3)
    local y = torch.indexFill(x, 2, L{1, 3}, 5)
    assert.are.same({{5, 0, 5}, {5, 0, 5}}, y:totable())
    assert.are.equal(0, x:sum())
    y = torch.indexCopy(x, 1, L{2}, torch.ones(1, 3))
    assert.are.same({{0, 0, 0}, {1, 1, 1}}, y:totable())
    y = torch.indexAdd(x, 1, L{2, 2}, torch.ones(2, 3))
    assert.are.same({{0, 0, 0}, {2, 2, 2}}, y:totable())
    y = torch.scatter(x, 1, L{{2, 1, 2}}, 7)
    assert.are.same({{0, 7, 0}, {7, 0, 7}}, y:totable())
    y = torch.scatterAdd(x, 2, L{{1, 1}}, torch.ones(1, 2))
    assert.are.same({{2, 0, 0}, {0, 0, 0}}, y:totable())
    y = torch.maskedFill(x, B{{1, 0, 0}, {0, 0, 1}}, 4)
    assert.are.same({{4, 0, 0}, {0, 0, 4}}, y:totable())
    y = torch.maskedCopy(x, B{true, false, true}, torch.Tensor{1, 2, 3, 4})
    assert.are.same({{1, 0, 2}, {3, 0, 4}}, y:totable())
    assert.are.equal(0, x:sum())
  end)

  it('converts a source of another type, and reads an overlapping source first', function()
    local x = torch.zeros(2, 2)
    x:indexCopy(1, L{2}, torch.LongTensor{{7, 8}})
    assert.are.same({{0, 0}, {7, 8}}, x:totable())
    local y = torch.range(1, 4)
    y:indexCopy(1, L{2, 3, 4}, y:narrow(1, 1, 3))
    assert.are.same({1, 1, 2, 3}, y:totable())
    local z = torch.range(1, 4)
    z:maskedCopy(B{false, true, true, true}, z)
    assert.are.same({1, 1, 2, 3}, z:totable())
  end)

  it('keeps the last write of a repeated index along the dimension', function()
    local x = torch.zeros(5)
    x:indexCopy(1, L{2, 4, 2}, torch.Tensor{1, 2, 3})
    assert.are.same({0, 3, 0, 2, 0}, x:totable())
    x = torch.zeros(2, 3):scatter(2, L{{1, 1, 1}, {3, 2, 3}}, torch.Tensor{{1, 2, 3}, {4, 5, 6}})
    assert.are.same({{3, 0, 0}, {0, 5, 6}}, x:totable())
  end)

  it('handles empty tensors and empty indices', function()
    assert.are.same({0, 2}, torch.zeros(0, 3):index(2, L{1, 1}):size():totable())
    assert.are.same({2, 0}, torch.zeros(2, 3):gather(2, L(2, 0)):size():totable())
    local x = torch.ones(2, 2)
    x:indexFill(1, L(0), 5)
    x:scatterAdd(1, L(0, 2), torch.ones(0, 2))
    assert.are.same({{1, 1}, {1, 1}}, x:totable())
    assert.are.equal(0, torch.zeros(3):maskedSelect(B(3):fill(false)):nElement())
  end)

  it('takes byte masks and masks that broadcast', function()
    local x = torch.range(1, 6):view(2, 3)
    assert.are.same({1, 3, 4, 6}, x:maskedSelect(torch.ByteTensor{1, 0, 1}):totable())
    assert.are.same({4, 5, 6}, torch.maskedSelect(x, B{{false}, {true}}):totable())
    -- maskedSelect broadcasts the tensor too (PyTorch): a 1x3 tensor, a 2x1 mask
    assert.are.same({1, 2, 3}, torch.maskedSelect(torch.Tensor{{1, 2, 3}}, B{{false}, {true}}):totable())
    local res = torch.Tensor()
    torch.maskedSelect(res, x, x:gt(4))
    assert.are.same({5, 6}, res:totable())
  end)

  it('fills with a boolean or a one-element tensor', function()
    local b = torch.BoolTensor{false, false, true}
    b:maskedFill(B{true, false, false}, true)
    assert.are.same({true, false, true}, b:totable())
    local x = torch.zeros(3):indexFill(1, L{2}, torch.Tensor{6})
    assert.are.same({0, 6, 0}, x:totable())
  end)

  it('adds into bool (logical or) and half tensors', function()
    local b = torch.BoolTensor{false, false, true}
    b:indexAdd(1, L{1, 3}, B{true, false})
    assert.are.same({true, false, true}, b:totable())
    local h = torch.zeros(3):half()
    h:scatterAdd(1, L{2, 2, 3}, torch.Tensor{1.5, 2, 0.25}:half())
    assert.are.same({0, 3.5, 0.25}, h:float():totable())
    h = torch.Tensor{1, 2, 3}:half():index(1, L{3, 1})
    assert.are.same({3, 1}, h:float():totable())
  end)
end)

describe('nonzero', function()
  -- expected from torch.nonzero (PyTorch 1.13) + 1
  local cases = {
    {'1-D', torch.Tensor{0, 3, 0, -5}, {{2}, {4}}},
    {'2-D bool', B{{true, false}, {false, true}, {true, true}}, {{1, 1}, {2, 2}, {3, 1}, {3, 2}}},
    {'2-D transposed long', torch.LongTensor{{0, 1, 2}, {3, 0, 0}}:t(), {{1, 2}, {2, 1}, {3, 1}}},
    {'3-D byte', torch.ByteTensor{{{0, 1}}, {{2, 0}}}, {{1, 1, 2}, {2, 1, 1}}},
    {'4-D narrowed', torch.Tensor{{{{0, 0}}}, {{{0, 9}}}, {{{4, 0}}}}:narrow(1, 2, 2), {{1, 1, 1, 2}, {2, 1, 1, 1}}},
  }
  for _, c in ipairs(cases) do
    it('gives 1-based coordinates for ' .. c[1], function()
      local r = c[2]:nonzero()
      assert.are.equal('torch.LongTensor', r:type())
      assert.are.same(c[3], r:totable())
    end)
  end

  it('is N x ndim, N possibly 0, and takes a result', function()
    assert.are.same({0, 2}, torch.zeros(2, 3):nonzero():size():totable())
    local res = torch.LongTensor()
    torch.nonzero(res, torch.Tensor{0, 1, 1})
    assert.are.same({{2}, {3}}, res:totable())
  end)
end)

describe('slicing with masks and index tensors', function()
  it('reads t[mask] and t[idx]', function()
    local t = torch.range(1, 6):view(2, 3)
    assert.are.same({4, 5, 6}, t[t:gt(3)]:totable())
    assert.are.same({1, 3}, t[torch.ByteTensor{{1, 0, 1}, {0, 0, 0}}]:totable())
    assert.are.same({{4, 5, 6}, {1, 2, 3}}, t[L{2, 1}]:totable())
  end)

  it('writes t[mask] = v and t[idx] = v', function()
    local t = torch.range(1, 6):view(2, 3)
    t[t:gt(4)] = 0
    assert.are.same({{1, 2, 3}, {4, 0, 0}}, t:totable())
    t[t:eq(0)] = torch.Tensor{8, 9}
    assert.are.same({{1, 2, 3}, {4, 8, 9}}, t:totable())
    t[L{1}] = -1
    assert.are.same({{-1, -1, -1}, {4, 8, 9}}, t:totable())
    t[L{2}] = torch.Tensor{{7, 7, 7}}
    assert.are.same({{-1, -1, -1}, {7, 7, 7}}, t:totable())
  end)
end)

describe('large tensors (parallel paths)', function()
  local N, M = 300, 1000
  local x = torch.range(1, N * M):double():view(N, M)

  it('index and gather', function()
    local idx = L{300, 1, 150, 150}
    local y = x:index(1, idx)
    for i = 1, 4 do U.near(y[i], x[idx[i]], 0) end
    local cols = x:index(2, L{1000, 1})
    U.near(cols:select(2, 1), x:select(2, 1000), 0)
    local g = x:gather(2, L(N, M):fill(3))
    U.near(g, x:select(2, 3):contiguous():view(N, 1):expand(N, M), 0)
  end)

  it('scatterAdd and indexAdd count every write', function()
    local counts = torch.zeros(N, 5):scatterAdd(2, L(N, M):fill(2), torch.ones(N, M))
    assert.are.equal(N * M, counts:sum())
    assert.are.equal(M, counts[N][2])
    local acc = torch.DoubleTensor(2, M):zero():indexAdd(1, L(N):fill(2), x)
    U.near(acc[2], torch.range(1, M):double():mul(N):add((N - 1) * N / 2 * M), 0)
  end)

  it('maskedSelect, maskedCopy and nonzero keep row-major order', function()
    local flat = torch.range(1, N * M)
    local mask = torch.fmod(flat, 3):eq(0)
    U.near(flat:maskedSelect(mask), torch.range(3, N * M, 3), 0)
    local y = torch.zeros(N * M):maskedCopy(mask, torch.range(1, N * M))
    U.near(y:maskedSelect(mask), torch.range(1, N * M / 3), 0)
    local nz = mask:nonzero()
    U.near(nz:select(2, 1):double(), torch.range(3, N * M, 3):double(), 0)
  end)
end)

describe('bad input', function()
  local x = torch.range(1, 12):view(3, 4)
  U.error_cases({
    {'index 0', function() x:index(1, L{1, 0}) end, 'torch.index', 'index 0 out of range', '1..3'},
    {'index n+1', function() x:index(2, L{5}) end, 'torch.index', 'index 5 out of range', '1..4',
     'dimension 2'},
    {'a negative index', function() x:index(1, L{-1}) end, 'torch.index', 'index -1 out of range'},
    {'a float index tensor', function() x:index(1, torch.Tensor{1}) end, 'torch.index', 'LongTensor',
     'float32'},
    {'a byte index tensor', function() x:index(1, torch.ByteTensor{1}) end, 'torch.index', 'mask'},
    {'a 2-D index for index', function() x:index(1, L{{1}}) end, 'torch.index', '1-D'},
    {'a dimension out of range', function() x:index(3, L{1}) end, 'torch.index', 'dimension 3'},
    {'a number as index tensor', function() x:index(1, 2) end, 'torch.index', 'argument 3'},
    {'indexing a 0-dim tensor', function() torch.Tensor(1):view():index(1, L{1}) end, '0-dimensional'},
    {'gather with fewer index dims', function() x:gather(1, L{1}) end, 'torch.gather', 'dimension(s)'},
    {'gather with an index larger outside dim', function() x:gather(1, L(1, 5):fill(1)) end,
     'torch.gather', 'larger than', 'dimension 2'},
    {'gather index n+1', function() x:gather(2, L{{1, 5}}) end, 'torch.gather', 'index 5 out of range'},
    {'a float index for scatterAdd', function() x:clone():scatterAdd(1, torch.Tensor{{1}}, x) end,
     'torch.scatterAdd', 'LongTensor'},
    {'a scatter source smaller than the index', function() x:clone():scatter(1, L{{1, 2}}, torch.ones(1, 1)) end,
     'torch.scatter', 'source'},
    {'an indexCopy source of the wrong size', function() x:clone():indexCopy(1, L{1}, torch.ones(1, 3)) end,
     'torch.indexCopy', 'source has size 1x3', 'expected 1x4'},
    {'a string fill value', function() x:clone():indexFill(1, L{1}, 'a') end, 'torch.indexFill', 'argument 4'},
    {'a float mask', function() x:clone():maskedFill(torch.Tensor(3, 4), 1) end, 'torch.maskedFill',
     'BoolTensor or ByteTensor'},
    {'a mask size mismatch', function() x:clone():maskedFill(B(3, 3), 1) end, 'torch.maskedFill',
     'mask of size 3x3', '3x4'},
    {'a larger mask', function() torch.zeros(4):maskedFill(B(2, 4), 1) end, 'torch.maskedFill', 'broadcast'},
    {'a maskedSelect size mismatch', function() x:maskedSelect(B(2)) end, 'torch.maskedSelect', 'broadcast'},
    {'a short maskedCopy source', function() torch.zeros(3):maskedCopy(B{true, true, true}, torch.ones(2)) end,
     'torch.maskedCopy', 'selects 3 elements', 'only 2'},
    {'a missing mask', function() x:maskedSelect() end, 'torch.maskedSelect', 'argument 2'},
  })

  it('writes nothing when any index is bad', function()
    local y = torch.zeros(3, 4)
    assert.has_error(function() y:scatter(1, L{{1, 2, 3, 4}}, torch.ones(1, 4)) end)
    assert.has_error(function() y:indexCopy(1, L{1, 2, 9}, torch.ones(3, 4)) end)
    assert.has_error(function() y:indexFill(2, L{1, 0}, 5) end)
    assert.has_error(function() y:scatterAdd(2, L{{1}, {2}, {5}}, torch.ones(3, 1)) end)
    assert.are.equal(0, y:abs():sum())
  end)
end)
