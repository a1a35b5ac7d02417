-- Reductions, scans and sorts (lib/ops/reduce*.c, sort.c). Reference values
-- below were computed with /usr/bin/python3 + torch 1.13 (float64) and are
-- checked in as literals; indices are 1-based.
local U = require 'testutil'

local A_flat = {-5.0, 2.0, -2.0, 5.0, 1.0, -3.0, 4.0, 0.0, -4.0, 3.0, -1.0, -5.0, 2.0, -2.0, 5.0, 1.0, -3.0, 4.0, 0.0, -4.0, 3.0, -1.0, -5.0, 2.0}
local V_vals = {3.0, -1.0, 4.0, 1.0, -5.0, 9.0, 2.0, 6.0}
local dim_cases = {
  {'sum dim 1 keep=True', function(A) return A:sum(1) end, {1, 3, 4}, {{{-3.0, 0.0, 3.0, 6.0}, {-2.0, 1.0, 4.0, -4.0}, {-1.0, 2.0, -6.0, -3.0}}}},
  {'prod dim 1 keep=True', function(A) return A:prod(1) end, {1, 3, 4}, {{{-10.0, -4.0, -10.0, 5.0}, {-3.0, -12.0, 0.0, -0.0}, {-12.0, -3.0, 5.0, -10.0}}}},
  {'mean dim 1 keep=True', function(A) return A:mean(1) end, {1, 3, 4}, {{{-1.5, 0.0, 1.5, 3.0}, {-1.0, 0.5, 2.0, -2.0}, {-0.5, 1.0, -3.0, -1.5}}}},
  {'logsumexp dim 1 keep=True', function(A) return A:logsumexp(1) end, {1, 3, 4}, {{{2.000911466454, 2.018149927918, 5.000911466454, 5.018149927918}, {1.018149927918, 4.000911466454, 4.018149927918, 0.018149927918}, {3.000911466454, 3.018149927918, -0.981850072082, 2.000911466454}}}},
  {'max dim 1 keep=True', function(A) return A:max(1) end, {1, 3, 4}, {{{2.0, 2.0, 5.0, 5.0}, {1.0, 4.0, 4.0, 0.0}, {3.0, 3.0, -1.0, 2.0}}}, {{{2, 1, 2, 1}, {1, 2, 1, 1}, {2, 1, 1, 2}}}},
  {'min dim 1 keep=True', function(A) return A:min(1) end, {1, 3, 4}, {{{-5.0, -2.0, -2.0, 1.0}, {-3.0, -3.0, 0.0, -4.0}, {-4.0, -1.0, -5.0, -5.0}}}, {{{1, 2, 1, 2}, {2, 1, 2, 2}, {1, 2, 2, 1}}}},
  {'argmax dim 1 keep=True', function(A) return A:argmax(1) end, {1, 3, 4}, {{{2, 1, 2, 1}, {1, 2, 1, 1}, {2, 1, 1, 2}}}},
  {'argmin dim 1 keep=True', function(A) return A:argmin(1) end, {1, 3, 4}, {{{1, 2, 1, 2}, {2, 1, 2, 2}, {1, 2, 2, 1}}}},
  {'all dim 1 keep=True', function(A) return A:all(1) end, {1, 3, 4}, {{{true, true, true, true}, {true, true, false, false}, {true, true, true, true}}}},
  {'any dim 1 keep=True', function(A) return A:any(1) end, {1, 3, 4}, {{{true, true, true, true}, {true, true, true, true}, {true, true, true, true}}}},
  {'sum dim 1 keep=False', function(A) return A:sum(1, false) end, {3, 4}, {{-3.0, 0.0, 3.0, 6.0}, {-2.0, 1.0, 4.0, -4.0}, {-1.0, 2.0, -6.0, -3.0}}},
  {'prod dim 1 keep=False', function(A) return A:prod(1, false) end, {3, 4}, {{-10.0, -4.0, -10.0, 5.0}, {-3.0, -12.0, 0.0, -0.0}, {-12.0, -3.0, 5.0, -10.0}}},
  {'mean dim 1 keep=False', function(A) return A:mean(1, false) end, {3, 4}, {{-1.5, 0.0, 1.5, 3.0}, {-1.0, 0.5, 2.0, -2.0}, {-0.5, 1.0, -3.0, -1.5}}},
  {'logsumexp dim 1 keep=False', function(A) return A:logsumexp(1, false) end, {3, 4}, {{2.000911466454, 2.018149927918, 5.000911466454, 5.018149927918}, {1.018149927918, 4.000911466454, 4.018149927918, 0.018149927918}, {3.000911466454, 3.018149927918, -0.981850072082, 2.000911466454}}},
  {'max dim 1 keep=False', function(A) return A:max(1, false) end, {3, 4}, {{2.0, 2.0, 5.0, 5.0}, {1.0, 4.0, 4.0, 0.0}, {3.0, 3.0, -1.0, 2.0}}, {{2, 1, 2, 1}, {1, 2, 1, 1}, {2, 1, 1, 2}}},
  {'min dim 1 keep=False', function(A) return A:min(1, false) end, {3, 4}, {{-5.0, -2.0, -2.0, 1.0}, {-3.0, -3.0, 0.0, -4.0}, {-4.0, -1.0, -5.0, -5.0}}, {{1, 2, 1, 2}, {2, 1, 2, 2}, {1, 2, 2, 1}}},
  {'argmax dim 1 keep=False', function(A) return A:argmax(1, false) end, {3, 4}, {{2, 1, 2, 1}, {1, 2, 1, 1}, {2, 1, 1, 2}}},
  {'argmin dim 1 keep=False', function(A) return A:argmin(1, false) end, {3, 4}, {{1, 2, 1, 2}, {2, 1, 2, 2}, {1, 2, 2, 1}}},
  {'all dim 1 keep=False', function(A) return A:all(1, false) end, {3, 4}, {{true, true, true, true}, {true, true, false, false}, {true, true, true, true}}},
  {'any dim 1 keep=False', function(A) return A:any(1, false) end, {3, 4}, {{true, true, true, true}, {true, true, true, true}, {true, true, true, true}}},
  {'std dim 1', function(A) return A:std(1) end, {1, 3, 4}, {{{4.949747468306, 2.828427124746, 4.949747468306, 2.828427124746}, {2.828427124746, 4.949747468306, 2.828427124746, 2.828427124746}, {4.949747468306, 2.828427124746, 2.828427124746, 4.949747468306}}}},
  {'std biased dim 1', function(A) return A:std(1, true) end, {1, 3, 4}, {{{3.5, 2.0, 3.5, 2.0}, {2.0, 3.5, 2.0, 2.0}, {3.5, 2.0, 2.0, 3.5}}}},
  {'var dim 1', function(A) return A:var(1) end, {1, 3, 4}, {{{24.5, 8.0, 24.5, 8.0}, {8.0, 24.5, 8.0, 8.0}, {24.5, 8.0, 8.0, 24.5}}}},
  {'var biased dim 1 keep=false', function(A) return A:var(1, true, false) end, {3, 4}, {{12.25, 4.0, 12.25, 4.0}, {4.0, 12.25, 4.0, 4.0}, {12.25, 4.0, 4.0, 12.25}}},
  {'norm p=0 dim 1', function(A) return A:norm(0, 1) end, {1, 3, 4}, {{{2.0, 2.0, 2.0, 2.0}, {2.0, 2.0, 1.0, 1.0}, {2.0, 2.0, 2.0, 2.0}}}},
  {'norm p=1 dim 1', function(A) return A:norm(1, 1) end, {1, 3, 4}, {{{7.0, 4.0, 7.0, 6.0}, {4.0, 7.0, 4.0, 4.0}, {7.0, 4.0, 6.0, 7.0}}}},
  {'norm p=2 dim 1', function(A) return A:norm(2, 1) end, {1, 3, 4}, {{{5.385164807135, 2.828427124746, 5.385164807135, 5.099019513593}, {3.162277660168, 5.0, 4.0, 4.0}, {5.0, 3.162277660168, 5.099019513593, 5.385164807135}}}},
  {'norm p=3 dim 1', function(A) return A:norm(3, 1) end, {1, 3, 4}, {{{5.104468722001, 2.51984209979, 5.104468722001, 5.013297934965}, {3.036588971876, 4.497941445275, 4.0, 4.0}, {4.497941445275, 3.036588971876, 5.013297934965, 5.104468722001}}}},
  {'norm p=0.5 dim 1', function(A) return A:norm(0.5, 1) end, {1, 3, 4}, {{{13.324555320337, 8.0, 13.324555320337, 10.472135955}, {7.464101615138, 13.928203230276, 4.0, 4.0}, {13.928203230276, 7.464101615138, 10.472135955, 13.324555320337}}}},
  {'norm p=inf dim 1', function(A) return A:norm(math.huge, 1) end, {1, 3, 4}, {{{5.0, 2.0, 5.0, 5.0}, {3.0, 4.0, 4.0, 4.0}, {4.0, 3.0, 5.0, 5.0}}}},
  {'norm p=-inf dim 1', function(A) return A:norm(-math.huge, 1) end, {1, 3, 4}, {{{2.0, 2.0, 2.0, 1.0}, {1.0, 3.0, 0.0, 0.0}, {3.0, 1.0, 1.0, 2.0}}}},
  {'cumsum dim 1', function(A) return A:cumsum(1) end, {2, 3, 4}, {{{-5.0, 2.0, -2.0, 5.0}, {1.0, -3.0, 4.0, 0.0}, {-4.0, 3.0, -1.0, -5.0}}, {{-3.0, 0.0, 3.0, 6.0}, {-2.0, 1.0, 4.0, -4.0}, {-1.0, 2.0, -6.0, -3.0}}}},
  {'cumprod dim 1', function(A) return A:cumprod(1) end, {2, 3, 4}, {{{-5.0, 2.0, -2.0, 5.0}, {1.0, -3.0, 4.0, 0.0}, {-4.0, 3.0, -1.0, -5.0}}, {{-10.0, -4.0, -10.0, 5.0}, {-3.0, -12.0, 0.0, -0.0}, {-12.0, -3.0, 5.0, -10.0}}}},
  {'sort dim 1', function(A) return A:sort(1) end, {2, 3, 4}, {{{-5.0, -2.0, -2.0, 1.0}, {-3.0, -3.0, 0.0, -4.0}, {-4.0, -1.0, -5.0, -5.0}}, {{2.0, 2.0, 5.0, 5.0}, {1.0, 4.0, 4.0, 0.0}, {3.0, 3.0, -1.0, 2.0}}}, {{{1, 2, 1, 2}, {2, 1, 2, 2}, {1, 2, 2, 1}}, {{2, 1, 2, 1}, {1, 2, 1, 1}, {2, 1, 1, 2}}}},
  {'sort desc dim 1', function(A) return A:sort(1, true) end, {2, 3, 4}, {{{2.0, 2.0, 5.0, 5.0}, {1.0, 4.0, 4.0, 0.0}, {3.0, 3.0, -1.0, 2.0}}, {{-5.0, -2.0, -2.0, 1.0}, {-3.0, -3.0, 0.0, -4.0}, {-4.0, -1.0, -5.0, -5.0}}}, {{{2, 1, 2, 1}, {1, 2, 1, 1}, {2, 1, 1, 2}}, {{1, 2, 1, 2}, {2, 1, 2, 2}, {1, 2, 2, 1}}}},
  {'topk smallest dim 1', function(A) return A:topk(2, 1) end, {2, 3, 4}, {{{-5.0, -2.0, -2.0, 1.0}, {-3.0, -3.0, 0.0, -4.0}, {-4.0, -1.0, -5.0, -5.0}}, {{2.0, 2.0, 5.0, 5.0}, {1.0, 4.0, 4.0, 0.0}, {3.0, 3.0, -1.0, 2.0}}}, {{{1, 2, 1, 2}, {2, 1, 2, 2}, {1, 2, 2, 1}}, {{2, 1, 2, 1}, {1, 2, 1, 1}, {2, 1, 1, 2}}}},
  {'topk largest dim 1', function(A) return A:topk(2, 1, true) end, {2, 3, 4}, {{{2.0, 2.0, 5.0, 5.0}, {1.0, 4.0, 4.0, 0.0}, {3.0, 3.0, -1.0, 2.0}}, {{-5.0, -2.0, -2.0, 1.0}, {-3.0, -3.0, 0.0, -4.0}, {-4.0, -1.0, -5.0, -5.0}}}, {{{2, 1, 2, 1}, {1, 2, 1, 1}, {2, 1, 1, 2}}, {{1, 2, 1, 2}, {2, 1, 2, 2}, {1, 2, 2, 1}}}},
  {'kthvalue 2 dim 1', function(A) return A:kthvalue(2, 1) end, {1, 3, 4}, {{{2.0, 2.0, 5.0, 5.0}, {1.0, 4.0, 4.0, 0.0}, {3.0, 3.0, -1.0, 2.0}}}},
  {'median dim 1', function(A) return A:median(1) end, {1, 3, 4}, {{{-5.0, -2.0, -2.0, 1.0}, {-3.0, -3.0, 0.0, -4.0}, {-4.0, -1.0, -5.0, -5.0}}}},
  {'sum dim 2 keep=True', function(A) return A:sum(2) end, {2, 1, 4}, {{{-8.0, 2.0, 1.0, 0.0}}, {{2.0, 1.0, 0.0, -1.0}}}},
  {'prod dim 2 keep=True', function(A) return A:prod(2) end, {2, 1, 4}, {{{20.0, -18.0, 8.0, -0.0}}, {{-18.0, 8.0, -0.0, -8.0}}}},
  {'mean dim 2 keep=True', function(A) return A:mean(2) end, {2, 1, 4}, {{{-2.666666666667, 0.666666666667, 0.333333333333, 0.0}}, {{0.666666666667, 0.333333333333, 0.0, -0.333333333333}}}},
  {'logsumexp dim 2 keep=True', function(A) return A:logsumexp(2) end, {2, 1, 4}, {{{1.009174484592, 3.315072160665, 4.009174484592, 5.006760443547}}, {{3.315072160665, 4.009174484592, 5.006760443547, 2.315072160665}}}},
  {'max dim 2 keep=True', function(A) return A:max(2) end, {2, 1, 4}, {{{1.0, 3.0, 4.0, 5.0}}, {{3.0, 4.0, 5.0, 2.0}}}, {{{2, 3, 2, 1}}, {{3, 2, 1, 3}}}},
  {'min dim 2 keep=True', function(A) return A:min(2) end, {2, 1, 4}, {{{-5.0, -3.0, -2.0, -5.0}}, {{-3.0, -2.0, -5.0, -4.0}}}, {{{1, 2, 1, 3}}, {{2, 1, 3, 2}}}},
  {'argmax dim 2 keep=True', function(A) return A:argmax(2) end, {2, 1, 4}, {{{2, 3, 2, 1}}, {{3, 2, 1, 3}}}},
  {'argmin dim 2 keep=True', function(A) return A:argmin(2) end, {2, 1, 4}, {{{1, 2, 1, 3}}, {{2, 1, 3, 2}}}},
  {'all dim 2 keep=True', function(A) return A:all(2) end, {2, 1, 4}, {{{true, true, true, false}}, {{true, true, false, true}}}},
  {'any dim 2 keep=True', function(A) return A:any(2) end, {2, 1, 4}, {{{true, true, true, true}}, {{true, true, true, true}}}},
  {'sum dim 2 keep=False', function(A) return A:sum(2, false) end, {2, 4}, {{-8.0, 2.0, 1.0, 0.0}, {2.0, 1.0, 0.0, -1.0}}},
  {'prod dim 2 keep=False', function(A) return A:prod(2, false) end, {2, 4}, {{20.0, -18.0, 8.0, -0.0}, {-18.0, 8.0, -0.0, -8.0}}},
  {'mean dim 2 keep=False', function(A) return A:mean(2, false) end, {2, 4}, {{-2.666666666667, 0.666666666667, 0.333333333333, 0.0}, {0.666666666667, 0.333333333333, 0.0, -0.333333333333}}},
  {'logsumexp dim 2 keep=False', function(A) return A:logsumexp(2, false) end, {2, 4}, {{1.009174484592, 3.315072160665, 4.009174484592, 5.006760443547}, {3.315072160665, 4.009174484592, 5.006760443547, 2.315072160665}}},
  {'max dim 2 keep=False', function(A) return A:max(2, false) end, {2, 4}, {{1.0, 3.0, 4.0, 5.0}, {3.0, 4.0, 5.0, 2.0}}, {{2, 3, 2, 1}, {3, 2, 1, 3}}},
  {'min dim 2 keep=False', function(A) return A:min(2, false) end, {2, 4}, {{-5.0, -3.0, -2.0, -5.0}, {-3.0, -2.0, -5.0, -4.0}}, {{1, 2, 1, 3}, {2, 1, 3, 2}}},
  {'argmax dim 2 keep=False', function(A) return A:argmax(2, false) end, {2, 4}, {{2, 3, 2, 1}, {3, 2, 1, 3}}},
  {'argmin dim 2 keep=False', function(A) return A:argmin(2, false) end, {2, 4}, {{1, 2, 1, 3}, {2, 1, 3, 2}}},
  {'all dim 2 keep=False', function(A) return A:all(2, false) end, {2, 4}, {{true, true, true, false}, {true, true, false, true}}},
  {'any dim 2 keep=False', function(A) return A:any(2, false) end, {2, 4}, {{true, true, true, true}, {true, true, true, true}}},
  {'std dim 2', function(A) return A:std(2) end, {2, 1, 4}, {{{3.214550253664, 3.214550253664, 3.214550253664, 5.0}}, {{3.214550253664, 3.214550253664, 5.0, 3.214550253664}}}},
  {'std biased dim 2', function(A) return A:std(2, true) end, {2, 1, 4}, {{{2.624669291337, 2.624669291337, 2.624669291337, 4.082482904639}}, {{2.624669291337, 2.624669291337, 4.082482904639, 2.624669291337}}}},
  {'var dim 2', function(A) return A:var(2) end, {2, 1, 4}, {{{10.333333333333, 10.333333333333, 10.333333333333, 25.0}}, {{10.333333333333, 10.333333333333, 25.0, 10.333333333333}}}},
  {'var biased dim 2 keep=false', function(A) return A:var(2, true, false) end, {2, 4}, {{6.888888888889, 6.888888888889, 6.888888888889, 16.666666666667}, {6.888888888889, 6.888888888889, 16.666666666667, 6.888888888889}}},
  {'norm p=0 dim 2', function(A) return A:norm(0, 2) end, {2, 1, 4}, {{{3.0, 3.0, 3.0, 2.0}}, {{3.0, 3.0, 2.0, 3.0}}}},
  {'norm p=1 dim 2', function(A) return A:norm(1, 2) end, {2, 1, 4}, {{{10.0, 8.0, 7.0, 10.0}}, {{8.0, 7.0, 10.0, 7.0}}}},
  {'norm p=2 dim 2', function(A) return A:norm(2, 2) end, {2, 1, 4}, {{{6.480740698408, 4.690415759823, 4.582575694956, 7.071067811865}}, {{4.690415759823, 4.582575694956, 7.071067811865, 4.582575694956}}}},
  {'norm p=3 dim 2', function(A) return A:norm(3, 2) end, {2, 1, 4}, {{{5.748897078945, 3.95789160968, 4.179339196381, 6.299605249474}}, {{3.95789160968, 4.179339196381, 6.299605249474, 4.179339196381}}}},
  {'norm p=0.5 dim 2', function(A) return A:norm(0.5, 2) end, {2, 1, 4}, {{{27.416407864999, 23.797958971133, 19.485281374239, 20.0}}, {{23.797958971133, 19.485281374239, 20.0, 19.485281374239}}}},
  {'norm p=inf dim 2', function(A) return A:norm(math.huge, 2) end, {2, 1, 4}, {{{5.0, 3.0, 4.0, 5.0}}, {{3.0, 4.0, 5.0, 4.0}}}},
  {'norm p=-inf dim 2', function(A) return A:norm(-math.huge, 2) end, {2, 1, 4}, {{{1.0, 2.0, 1.0, 0.0}}, {{2.0, 1.0, 0.0, 1.0}}}},
  {'cumsum dim 2', function(A) return A:cumsum(2) end, {2, 3, 4}, {{{-5.0, 2.0, -2.0, 5.0}, {-4.0, -1.0, 2.0, 5.0}, {-8.0, 2.0, 1.0, 0.0}}, {{2.0, -2.0, 5.0, 1.0}, {-1.0, 2.0, 5.0, -3.0}, {2.0, 1.0, 0.0, -1.0}}}},
  {'cumprod dim 2', function(A) return A:cumprod(2) end, {2, 3, 4}, {{{-5.0, 2.0, -2.0, 5.0}, {-5.0, -6.0, -8.0, 0.0}, {20.0, -18.0, 8.0, -0.0}}, {{2.0, -2.0, 5.0, 1.0}, {-6.0, -8.0, 0.0, -4.0}, {-18.0, 8.0, -0.0, -8.0}}}},
  {'sort dim 2', function(A) return A:sort(2) end, {2, 3, 4}, {{{-5.0, -3.0, -2.0, -5.0}, {-4.0, 2.0, -1.0, 0.0}, {1.0, 3.0, 4.0, 5.0}}, {{-3.0, -2.0, -5.0, -4.0}, {2.0, -1.0, 0.0, 1.0}, {3.0, 4.0, 5.0, 2.0}}}, {{{1, 2, 1, 3}, {3, 1, 3, 2}, {2, 3, 2, 1}}, {{2, 1, 3, 2}, {1, 3, 2, 1}, {3, 2, 1, 3}}}},
  {'sort desc dim 2', function(A) return A:sort(2, true) end, {2, 3, 4}, {{{1.0, 3.0, 4.0, 5.0}, {-4.0, 2.0, -1.0, 0.0}, {-5.0, -3.0, -2.0, -5.0}}, {{3.0, 4.0, 5.0, 2.0}, {2.0, -1.0, 0.0, 1.0}, {-3.0, -2.0, -5.0, -4.0}}}, {{{2, 3, 2, 1}, {3, 1, 3, 2}, {1, 2, 1, 3}}, {{3, 2, 1, 3}, {1, 3, 2, 1}, {2, 1, 3, 2}}}},
  {'topk smallest dim 2', function(A) return A:topk(2, 2) end, {2, 2, 4}, {{{-5.0, -3.0, -2.0, -5.0}, {-4.0, 2.0, -1.0, 0.0}}, {{-3.0, -2.0, -5.0, -4.0}, {2.0, -1.0, 0.0, 1.0}}}, {{{1, 2, 1, 3}, {3, 1, 3, 2}}, {{2, 1, 3, 2}, {1, 3, 2, 1}}}},
  {'topk largest dim 2', function(A) return A:topk(2, 2, true) end, {2, 2, 4}, {{{1.0, 3.0, 4.0, 5.0}, {-4.0, 2.0, -1.0, 0.0}}, {{3.0, 4.0, 5.0, 2.0}, {2.0, -1.0, 0.0, 1.0}}}, {{{2, 3, 2, 1}, {3, 1, 3, 2}}, {{3, 2, 1, 3}, {1, 3, 2, 1}}}},
  {'kthvalue 2 dim 2', function(A) return A:kthvalue(2, 2) end, {2, 1, 4}, {{{-4.0, 2.0, -1.0, 0.0}}, {{2.0, -1.0, 0.0, 1.0}}}},
  {'median dim 2', function(A) return A:median(2) end, {2, 1, 4}, {{{-4.0, 2.0, -1.0, 0.0}}, {{2.0, -1.0, 0.0, 1.0}}}},
  {'sum dim 3 keep=True', function(A) return A:sum(3) end, {2, 3, 1}, {{{0.0}, {2.0}, {-7.0}}, {{6.0}, {-3.0}, {-1.0}}}},
  {'prod dim 3 keep=True', function(A) return A:prod(3) end, {2, 3, 1}, {{{100.0}, {-0.0}, {-60.0}}, {{-20.0}, {0.0}, {30.0}}}},
  {'mean dim 3 keep=True', function(A) return A:mean(3) end, {2, 3, 1}, {{{0.0}, {0.5}, {-1.75}}, {{1.5}, {-0.75}, {-0.25}}}},
  {'logsumexp dim 3 keep=True', function(A) return A:logsumexp(3) end, {2, 3, 1}, {{{5.049498818028}, {4.066737279492}, {3.01937408792}}, {{5.066737279492}, {4.01937408792}, {3.326804614456}}}},
  {'max dim 3 keep=True', function(A) return A:max(3) end, {2, 3, 1}, {{{5.0}, {4.0}, {3.0}}, {{5.0}, {4.0}, {3.0}}}, {{{4}, {3}, {2}}, {{3}, {2}, {1}}}},
  {'min dim 3 keep=True', function(A) return A:min(3) end, {2, 3, 1}, {{{-5.0}, {-3.0}, {-5.0}}, {{-2.0}, {-4.0}, {-5.0}}}, {{{1}, {2}, {4}}, {{2}, {4}, {3}}}},
  {'argmax dim 3 keep=True', function(A) return A:argmax(3) end, {2, 3, 1}, {{{4}, {3}, {2}}, {{3}, {2}, {1}}}},
  {'argmin dim 3 keep=True', function(A) return A:argmin(3) end, {2, 3, 1}, {{{1}, {2}, {4}}, {{2}, {4}, {3}}}},
  {'all dim 3 keep=True', function(A) return A:all(3) end, {2, 3, 1}, {{{true}, {false}, {true}}, {{true}, {false}, {true}}}},
  {'any dim 3 keep=True', function(A) return A:any(3) end, {2, 3, 1}, {{{true}, {true}, {true}}, {{true}, {true}, {true}}}},
  {'sum dim 3 keep=False', function(A) return A:sum(3, false) end, {2, 3}, {{0.0, 2.0, -7.0}, {6.0, -3.0, -1.0}}},
  {'prod dim 3 keep=False', function(A) return A:prod(3, false) end, {2, 3}, {{100.0, -0.0, -60.0}, {-20.0, 0.0, 30.0}}},
  {'mean dim 3 keep=False', function(A) return A:mean(3, false) end, {2, 3}, {{0.0, 0.5, -1.75}, {1.5, -0.75, -0.25}}},
  {'logsumexp dim 3 keep=False', function(A) return A:logsumexp(3, false) end, {2, 3}, {{5.049498818028, 4.066737279492, 3.01937408792}, {5.066737279492, 4.01937408792, 3.326804614456}}},
  {'max dim 3 keep=False', function(A) return A:max(3, false) end, {2, 3}, {{5.0, 4.0, 3.0}, {5.0, 4.0, 3.0}}, {{4, 3, 2}, {3, 2, 1}}},
  {'min dim 3 keep=False', function(A) return A:min(3, false) end, {2, 3}, {{-5.0, -3.0, -5.0}, {-2.0, -4.0, -5.0}}, {{1, 2, 4}, {2, 4, 3}}},
  {'argmax dim 3 keep=False', function(A) return A:argmax(3, false) end, {2, 3}, {{4, 3, 2}, {3, 2, 1}}},
  {'argmin dim 3 keep=False', function(A) return A:argmin(3, false) end, {2, 3}, {{1, 2, 4}, {2, 4, 3}}},
  {'all dim 3 keep=False', function(A) return A:all(3, false) end, {2, 3}, {{true, false, true}, {true, false, true}}},
  {'any dim 3 keep=False', function(A) return A:any(3, false) end, {2, 3}, {{true, true, true}, {true, true, true}}},
  {'std dim 3', function(A) return A:std(3) end, {2, 3, 1}, {{{4.396968652758}, {2.886751345948}, {3.593976442141}}, {{2.886751345948}, {3.593976442141}, {3.593976442141}}}},
  {'std biased dim 3', function(A) return A:std(3, true) end, {2, 3, 1}, {{{3.807886552932}, {2.5}, {3.112474899497}}, {{2.5}, {3.112474899497}, {3.112474899497}}}},
  {'var dim 3', function(A) return A:var(3) end, {2, 3, 1}, {{{19.333333333333}, {8.333333333333}, {12.916666666667}}, {{8.333333333333}, {12.916666666667}, {12.916666666667}}}},
  {'var biased dim 3 keep=false', function(A) return A:var(3, true, false) end, {2, 3}, {{14.5, 6.25, 9.6875}, {6.25, 9.6875, 9.6875}}},
  {'norm p=0 dim 3', function(A) return A:norm(0, 3) end, {2, 3, 1}, {{{4.0}, {3.0}, {4.0}}, {{4.0}, {3.0}, {4.0}}}},
  {'norm p=1 dim 3', function(A) return A:norm(1, 3) end, {2, 3, 1}, {{{14.0}, {8.0}, {13.0}}, {{10.0}, {11.0}, {11.0}}}},
  {'norm p=2 dim 3', function(A) return A:norm(2, 3) end, {2, 3, 1}, {{{7.615773105864}, {5.099019513593}, {7.141428428543}}, {{5.830951894845}, {6.403124237433}, {6.244997998398}}}},
  {'norm p=3 dim 3', function(A) return A:norm(3, 3) end, {2, 3, 1}, {{{6.43122759138}, {4.514357435474}, {6.009245006917}}, {{5.217103446276}, {5.371685354945}, {5.440121825415}}}},
  {'norm p=0.5 dim 3', function(A) return A:norm(0.5, 3) end, {2, 3, 1}, {{{53.298221281347}, {22.392304845413}, {48.554679402827}}, {{36.778100845165}, {32.856406460551}, {40.734166193201}}}},
  {'norm p=inf dim 3', function(A) return A:norm(math.huge, 3) end, {2, 3, 1}, {{{5.0}, {4.0}, {5.0}}, {{5.0}, {4.0}, {5.0}}}},
  {'norm p=-inf dim 3', function(A) return A:norm(-math.huge, 3) end, {2, 3, 1}, {{{2.0}, {0.0}, {1.0}}, {{1.0}, {0.0}, {1.0}}}},
  {'cumsum dim 3', function(A) return A:cumsum(3) end, {2, 3, 4}, {{{-5.0, -3.0, -5.0, 0.0}, {1.0, -2.0, 2.0, 2.0}, {-4.0, -1.0, -2.0, -7.0}}, {{2.0, 0.0, 5.0, 6.0}, {-3.0, 1.0, 1.0, -3.0}, {3.0, 2.0, -3.0, -1.0}}}},
  {'cumprod dim 3', function(A) return A:cumprod(3) end, {2, 3, 4}, {{{-5.0, -10.0, 20.0, 100.0}, {1.0, -3.0, -12.0, -0.0}, {-4.0, -12.0, 12.0, -60.0}}, {{2.0, -4.0, -20.0, -20.0}, {-3.0, -12.0, -0.0, 0.0}, {3.0, -3.0, 15.0, 30.0}}}},
  {'sort dim 3', function(A) return A:sort(3) end, {2, 3, 4}, {{{-5.0, -2.0, 2.0, 5.0}, {-3.0, 0.0, 1.0, 4.0}, {-5.0, -4.0, -1.0, 3.0}}, {{-2.0, 1.0, 2.0, 5.0}, {-4.0, -3.0, 0.0, 4.0}, {-5.0, -1.0, 2.0, 3.0}}}, {{{1, 3, 2, 4}, {2, 4, 1, 3}, {4, 1, 3, 2}}, {{2, 4, 1, 3}, {4, 1, 3, 2}, {3, 2, 4, 1}}}},
  {'sort desc dim 3', function(A) return A:sort(3, true) end, {2, 3, 4}, {{{5.0, 2.0, -2.0, -5.0}, {4.0, 1.0, 0.0, -3.0}, {3.0, -1.0, -4.0, -5.0}}, {{5.0, 2.0, 1.0, -2.0}, {4.0, 0.0, -3.0, -4.0}, {3.0, 2.0, -1.0, -5.0}}}, {{{4, 2, 3, 1}, {3, 1, 4, 2}, {2, 3, 1, 4}}, {{3, 1, 4, 2}, {2, 3, 1, 4}, {1, 4, 2, 3}}}},
  {'topk smallest dim 3', function(A) return A:topk(2, 3) end, {2, 3, 2}, {{{-5.0, -2.0}, {-3.0, 0.0}, {-5.0, -4.0}}, {{-2.0, 1.0}, {-4.0, -3.0}, {-5.0, -1.0}}}, {{{1, 3}, {2, 4}, {4, 1}}, {{2, 4}, {4, 1}, {3, 2}}}},
  {'topk largest dim 3', function(A) return A:topk(2, 3, true) end, {2, 3, 2}, {{{5.0, 2.0}, {4.0, 1.0}, {3.0, -1.0}}, {{5.0, 2.0}, {4.0, 0.0}, {3.0, 2.0}}}, {{{4, 2}, {3, 1}, {2, 3}}, {{3, 1}, {2, 3}, {1, 4}}}},
  {'kthvalue 2 dim 3', function(A) return A:kthvalue(2, 3) end, {2, 3, 1}, {{{-2.0}, {0.0}, {-4.0}}, {{1.0}, {-3.0}, {-1.0}}}},
  {'median dim 3', function(A) return A:median(3) end, {2, 3, 1}, {{{-2.0}, {0.0}, {-4.0}}, {{1.0}, {-3.0}, {-1.0}}}},
  {'sum dim -1 keep=True', function(A) return A:sum(-1) end, {2, 3, 1}, {{{0.0}, {2.0}, {-7.0}}, {{6.0}, {-3.0}, {-1.0}}}},
  {'prod dim -1 keep=True', function(A) return A:prod(-1) end, {2, 3, 1}, {{{100.0}, {-0.0}, {-60.0}}, {{-20.0}, {0.0}, {30.0}}}},
  {'mean dim -1 keep=True', function(A) return A:mean(-1) end, {2, 3, 1}, {{{0.0}, {0.5}, {-1.75}}, {{1.5}, {-0.75}, {-0.25}}}},
  {'logsumexp dim -1 keep=True', function(A) return A:logsumexp(-1) end, {2, 3, 1}, {{{5.049498818028}, {4.066737279492}, {3.01937408792}}, {{5.066737279492}, {4.01937408792}, {3.326804614456}}}},
  {'max dim -1 keep=True', function(A) return A:max(-1) end, {2, 3, 1}, {{{5.0}, {4.0}, {3.0}}, {{5.0}, {4.0}, {3.0}}}, {{{4}, {3}, {2}}, {{3}, {2}, {1}}}},
  {'min dim -1 keep=True', function(A) return A:min(-1) end, {2, 3, 1}, {{{-5.0}, {-3.0}, {-5.0}}, {{-2.0}, {-4.0}, {-5.0}}}, {{{1}, {2}, {4}}, {{2}, {4}, {3}}}},
  {'argmax dim -1 keep=True', function(A) return A:argmax(-1) end, {2, 3, 1}, {{{4}, {3}, {2}}, {{3}, {2}, {1}}}},
  {'argmin dim -1 keep=True', function(A) return A:argmin(-1) end, {2, 3, 1}, {{{1}, {2}, {4}}, {{2}, {4}, {3}}}},
  {'all dim -1 keep=True', function(A) return A:all(-1) end, {2, 3, 1}, {{{true}, {false}, {true}}, {{true}, {false}, {true}}}},
  {'any dim -1 keep=True', function(A) return A:any(-1) end, {2, 3, 1}, {{{true}, {true}, {true}}, {{true}, {true}, {true}}}},
  {'sum dim -1 keep=False', function(A) return A:sum(-1, false) end, {2, 3}, {{0.0, 2.0, -7.0}, {6.0, -3.0, -1.0}}},
  {'prod dim -1 keep=False', function(A) return A:prod(-1, false) end, {2, 3}, {{100.0, -0.0, -60.0}, {-20.0, 0.0, 30.0}}},
  {'mean dim -1 keep=False', function(A) return A:mean(-1, false) end, {2, 3}, {{0.0, 0.5, -1.75}, {1.5, -0.75, -0.25}}},
  {'logsumexp dim -1 keep=False', function(A) return A:logsumexp(-1, false) end, {2, 3}, {{5.049498818028, 4.066737279492, 3.01937408792}, {5.066737279492, 4.01937408792, 3.326804614456}}},
  {'max dim -1 keep=False', function(A) return A:max(-1, false) end, {2, 3}, {{5.0, 4.0, 3.0}, {5.0, 4.0, 3.0}}, {{4, 3, 2}, {3, 2, 1}}},
  {'min dim -1 keep=False', function(A) return A:min(-1, false) end, {2, 3}, {{-5.0, -3.0, -5.0}, {-2.0, -4.0, -5.0}}, {{1, 2, 4}, {2, 4, 3}}},
  {'argmax dim -1 keep=False', function(A) return A:argmax(-1, false) end, {2, 3}, {{4, 3, 2}, {3, 2, 1}}},
  {'argmin dim -1 keep=False', function(A) return A:argmin(-1, false) end, {2, 3}, {{1, 2, 4}, {2, 4, 3}}},
  {'all dim -1 keep=False', function(A) return A:all(-1, false) end, {2, 3}, {{true, false, true}, {true, false, true}}},
  {'any dim -1 keep=False', function(A) return A:any(-1, false) end, {2, 3}, {{true, true, true}, {true, true, true}}},
  {'std dim -1', function(A) return A:std(-1) end, {2, 3, 1}, {{{4.396968652758}, {2.886751345948}, {3.593976442141}}, {{2.886751345948}, {3.593976442141}, {3.593976442141}}}},
  {'std biased dim -1', function(A) return A:std(-1, true) end, {2, 3, 1}, {{{3.807886552932}, {2.5}, {3.112474899497}}, {{2.5}, {3.112474899497}, {3.112474899497}}}},
  {'var dim -1', function(A) return A:var(-1) end, {2, 3, 1}, {{{19.333333333333}, {8.333333333333}, {12.916666666667}}, {{8.333333333333}, {12.916666666667}, {12.916666666667}}}},
  {'var biased dim -1 keep=false', function(A) return A:var(-1, true, false) end, {2, 3}, {{14.5, 6.25, 9.6875}, {6.25, 9.6875, 9.6875}}},
  {'norm p=0 dim -1', function(A) return A:norm(0, -1) end, {2, 3, 1}, {{{4.0}, {3.0}, {4.0}}, {{4.0}, {3.0}, {4.0}}}},
  {'norm p=1 dim -1', function(A) return A:norm(1, -1) end, {2, 3, 1}, {{{14.0}, {8.0}, {13.0}}, {{10.0}, {11.0}, {11.0}}}},
  {'norm p=2 dim -1', function(A) return A:norm(2, -1) end, {2, 3, 1}, {{{7.615773105864}, {5.099019513593}, {7.141428428543}}, {{5.830951894845}, {6.403124237433}, {6.244997998398}}}},
  {'norm p=3 dim -1', function(A) return A:norm(3, -1) end, {2, 3, 1}, {{{6.43122759138}, {4.514357435474}, {6.009245006917}}, {{5.217103446276}, {5.371685354945}, {5.440121825415}}}},
  {'norm p=0.5 dim -1', function(A) return A:norm(0.5, -1) end, {2, 3, 1}, {{{53.298221281347}, {22.392304845413}, {48.554679402827}}, {{36.778100845165}, {32.856406460551}, {40.734166193201}}}},
  {'norm p=inf dim -1', function(A) return A:norm(math.huge, -1) end, {2, 3, 1}, {{{5.0}, {4.0}, {5.0}}, {{5.0}, {4.0}, {5.0}}}},
  {'norm p=-inf dim -1', function(A) return A:norm(-math.huge, -1) end, {2, 3, 1}, {{{2.0}, {0.0}, {1.0}}, {{1.0}, {0.0}, {1.0}}}},
  {'cumsum dim -1', function(A) return A:cumsum(-1) end, {2, 3, 4}, {{{-5.0, -3.0, -5.0, 0.0}, {1.0, -2.0, 2.0, 2.0}, {-4.0, -1.0, -2.0, -7.0}}, {{2.0, 0.0, 5.0, 6.0}, {-3.0, 1.0, 1.0, -3.0}, {3.0, 2.0, -3.0, -1.0}}}},
  {'cumprod dim -1', function(A) return A:cumprod(-1) end, {2, 3, 4}, {{{-5.0, -10.0, 20.0, 100.0}, {1.0, -3.0, -12.0, -0.0}, {-4.0, -12.0, 12.0, -60.0}}, {{2.0, -4.0, -20.0, -20.0}, {-3.0, -12.0, -0.0, 0.0}, {3.0, -3.0, 15.0, 30.0}}}},
  {'sort dim -1', function(A) return A:sort(-1) end, {2, 3, 4}, {{{-5.0, -2.0, 2.0, 5.0}, {-3.0, 0.0, 1.0, 4.0}, {-5.0, -4.0, -1.0, 3.0}}, {{-2.0, 1.0, 2.0, 5.0}, {-4.0, -3.0, 0.0, 4.0}, {-5.0, -1.0, 2.0, 3.0}}}, {{{1, 3, 2, 4}, {2, 4, 1, 3}, {4, 1, 3, 2}}, {{2, 4, 1, 3}, {4, 1, 3, 2}, {3, 2, 4, 1}}}},
  {'sort desc dim -1', function(A) return A:sort(-1, true) end, {2, 3, 4}, {{{5.0, 2.0, -2.0, -5.0}, {4.0, 1.0, 0.0, -3.0}, {3.0, -1.0, -4.0, -5.0}}, {{5.0, 2.0, 1.0, -2.0}, {4.0, 0.0, -3.0, -4.0}, {3.0, 2.0, -1.0, -5.0}}}, {{{4, 2, 3, 1}, {3, 1, 4, 2}, {2, 3, 1, 4}}, {{3, 1, 4, 2}, {2, 3, 1, 4}, {1, 4, 2, 3}}}},
  {'topk smallest dim -1', function(A) return A:topk(2, -1) end, {2, 3, 2}, {{{-5.0, -2.0}, {-3.0, 0.0}, {-5.0, -4.0}}, {{-2.0, 1.0}, {-4.0, -3.0}, {-5.0, -1.0}}}, {{{1, 3}, {2, 4}, {4, 1}}, {{2, 4}, {4, 1}, {3, 2}}}},
  {'topk largest dim -1', function(A) return A:topk(2, -1, true) end, {2, 3, 2}, {{{5.0, 2.0}, {4.0, 1.0}, {3.0, -1.0}}, {{5.0, 2.0}, {4.0, 0.0}, {3.0, 2.0}}}, {{{4, 2}, {3, 1}, {2, 3}}, {{3, 1}, {2, 3}, {1, 4}}}},
  {'kthvalue 2 dim -1', function(A) return A:kthvalue(2, -1) end, {2, 3, 1}, {{{-2.0}, {0.0}, {-4.0}}, {{1.0}, {-3.0}, {-1.0}}}},
  {'median dim -1', function(A) return A:median(-1) end, {2, 3, 1}, {{{-2.0}, {0.0}, {-4.0}}, {{1.0}, {-3.0}, {-1.0}}}},
  {'sum transposed dim 1', function(A) return A:transpose(1, 3):sum(1) end, {1, 3, 2}, {{{0.0, 6.0}, {2.0, -3.0}, {-7.0, -1.0}}}},
  {'max transposed dim 1', function(A) return A:transpose(1, 3):max(1) end, {1, 3, 2}, {{{5.0, 5.0}, {4.0, 4.0}, {3.0, 3.0}}}, {{{4, 3}, {3, 2}, {2, 1}}}},
  {'std transposed dim 1', function(A) return A:transpose(1, 3):std(1) end, {1, 3, 2}, {{{4.396968652758, 2.886751345948}, {2.886751345948, 3.593976442141}, {3.593976442141, 3.593976442141}}}},
  {'cumsum transposed dim 1', function(A) return A:transpose(1, 3):cumsum(1) end, {4, 3, 2}, {{{-5.0, 2.0}, {1.0, -3.0}, {-4.0, 3.0}}, {{-3.0, 0.0}, {-2.0, 1.0}, {-1.0, 2.0}}, {{-5.0, 5.0}, {2.0, 1.0}, {-2.0, -3.0}}, {{0.0, 6.0}, {2.0, -3.0}, {-7.0, -1.0}}}},
  {'sort transposed dim 1', function(A) return A:transpose(1, 3):sort(1) end, {4, 3, 2}, {{{-5.0, -2.0}, {-3.0, -4.0}, {-5.0, -5.0}}, {{-2.0, 1.0}, {0.0, -3.0}, {-4.0, -1.0}}, {{2.0, 2.0}, {1.0, 0.0}, {-1.0, 2.0}}, {{5.0, 5.0}, {4.0, 4.0}, {3.0, 3.0}}}, {{{1, 2}, {2, 4}, {4, 3}}, {{3, 4}, {4, 1}, {1, 2}}, {{2, 1}, {1, 3}, {3, 4}}, {{4, 3}, {3, 2}, {2, 1}}}},
  {'sum transposed dim 2', function(A) return A:transpose(1, 3):sum(2) end, {4, 1, 2}, {{{-8.0, 2.0}}, {{2.0, 1.0}}, {{1.0, 0.0}}, {{0.0, -1.0}}}},
  {'max transposed dim 2', function(A) return A:transpose(1, 3):max(2) end, {4, 1, 2}, {{{1.0, 3.0}}, {{3.0, 4.0}}, {{4.0, 5.0}}, {{5.0, 2.0}}}, {{{2, 3}}, {{3, 2}}, {{2, 1}}, {{1, 3}}}},
  {'std transposed dim 2', function(A) return A:transpose(1, 3):std(2) end, {4, 1, 2}, {{{3.214550253664, 3.214550253664}}, {{3.214550253664, 3.214550253664}}, {{3.214550253664, 5.0}}, {{5.0, 3.214550253664}}}},
  {'cumsum transposed dim 2', function(A) return A:transpose(1, 3):cumsum(2) end, {4, 3, 2}, {{{-5.0, 2.0}, {-4.0, -1.0}, {-8.0, 2.0}}, {{2.0, -2.0}, {-1.0, 2.0}, {2.0, 1.0}}, {{-2.0, 5.0}, {2.0, 5.0}, {1.0, 0.0}}, {{5.0, 1.0}, {5.0, -3.0}, {0.0, -1.0}}}},
  {'sort transposed dim 2', function(A) return A:transpose(1, 3):sort(2) end, {4, 3, 2}, {{{-5.0, -3.0}, {-4.0, 2.0}, {1.0, 3.0}}, {{-3.0, -2.0}, {2.0, -1.0}, {3.0, 4.0}}, {{-2.0, -5.0}, {-1.0, 0.0}, {4.0, 5.0}}, {{-5.0, -4.0}, {0.0, 1.0}, {5.0, 2.0}}}, {{{1, 2}, {3, 1}, {2, 3}}, {{2, 1}, {1, 3}, {3, 2}}, {{1, 3}, {3, 2}, {2, 1}}, {{3, 2}, {2, 1}, {1, 3}}}},
  {'sum transposed dim 3', function(A) return A:transpose(1, 3):sum(3) end, {4, 3, 1}, {{{-3.0}, {-2.0}, {-1.0}}, {{0.0}, {1.0}, {2.0}}, {{3.0}, {4.0}, {-6.0}}, {{6.0}, {-4.0}, {-3.0}}}},
  {'max transposed dim 3', function(A) return A:transpose(1, 3):max(3) end, {4, 3, 1}, {{{2.0}, {1.0}, {3.0}}, {{2.0}, {4.0}, {3.0}}, {{5.0}, {4.0}, {-1.0}}, {{5.0}, {0.0}, {2.0}}}, {{{2}, {1}, {2}}, {{1}, {2}, {1}}, {{2}, {1}, {1}}, {{1}, {1}, {2}}}},
  {'std transposed dim 3', function(A) return A:transpose(1, 3):std(3) end, {4, 3, 1}, {{{4.949747468306}, {2.828427124746}, {4.949747468306}}, {{2.828427124746}, {4.949747468306}, {2.828427124746}}, {{4.949747468306}, {2.828427124746}, {2.828427124746}}, {{2.828427124746}, {2.828427124746}, {4.949747468306}}}},
  {'cumsum transposed dim 3', function(A) return A:transpose(1, 3):cumsum(3) end, {4, 3, 2}, {{{-5.0, -3.0}, {1.0, -2.0}, {-4.0, -1.0}}, {{2.0, 0.0}, {-3.0, 1.0}, {3.0, 2.0}}, {{-2.0, 3.0}, {4.0, 4.0}, {-1.0, -6.0}}, {{5.0, 6.0}, {0.0, -4.0}, {-5.0, -3.0}}}},
  {'sort transposed dim 3', function(A) return A:transpose(1, 3):sort(3) end, {4, 3, 2}, {{{-5.0, 2.0}, {-3.0, 1.0}, {-4.0, 3.0}}, {{-2.0, 2.0}, {-3.0, 4.0}, {-1.0, 3.0}}, {{-2.0, 5.0}, {0.0, 4.0}, {-5.0, -1.0}}, {{1.0, 5.0}, {-4.0, 0.0}, {-5.0, 2.0}}}, {{{1, 2}, {2, 1}, {1, 2}}, {{2, 1}, {1, 2}, {2, 1}}, {{1, 2}, {2, 1}, {2, 1}}, {{2, 1}, {2, 1}, {1, 2}}}},
}
local all_cases = {
  {'sum()', function(V) return V:sum() end, 19.0},
  {'prod()', function(V) return V:prod() end, 6480.0},
  {'mean()', function(V) return V:mean() end, 2.375},
  {'std()', function(V) return V:std() end, 4.274091382137},
  {'var()', function(V) return V:var() end, 18.267857142857},
  {'std(true)', function(V) return V:std(true) end, 3.99804639793},
  {'var(true)', function(V) return V:var(true) end, 15.984375},
  {'norm()', function(V) return V:norm() end, 13.152946437966},
  {'norm(1)', function(V) return V:norm(1) end, 31.0},
  {'norm(3)', function(V) return V:norm(3) end, 10.540283650177},
  {'norm(0)', function(V) return V:norm(0) end, 8.0},
  {'norm(math.huge)', function(V) return V:norm(math.huge) end, 9.0},
  {'logsumexp()', function(V) return V:logsumexp() end, 9.058549381614},
  {'max()', function(V) return V:max() end, 9.0},
  {'min()', function(V) return V:min() end, -5.0},
  {'argmax()', function(V) return V:argmax() end, 6},
  {'argmin()', function(V) return V:argmin() end, 5},
  {'median()', function(V) return V:median() end, 2.0},
}

local nan = 0 / 0

-- max |got - want| / (1 + |want|), NaN matching NaN
local function close(got, want, tol)
  local g, w = got:double():contiguous():view(-1), torch.DoubleTensor(want):contiguous():view(-1)
  assert.are.equal(w:nElement(), g:nElement())
  for k = 1, w:nElement() do
    local a, b = g[k], w[k]
    if b ~= b then
      assert(a ~= a, string.format('element %d: got %g, expected nan', k, a))
    else
      local e = math.abs(a - b) / (1 + math.abs(b))
      assert(e <= tol, string.format('element %d: got %.10g, expected %.10g', k, a, b))
    end
  end
end

local function sizes(t) return t:dim() == 0 and {} or t:size():totable() end

describe('reductions along a dimension match torch 1.13', function()
  for _, ty in ipairs({{'torch.DoubleTensor', 1e-12}, {'torch.FloatTensor', 1e-5}}) do
    local A = torch.DoubleTensor(A_flat):view(2, 3, 4):type(ty[1])
    for _, c in ipairs(dim_cases) do
      it(c[1] .. ' (' .. ty[1] .. ')', function()
        local v, i = c[2](A)
        assert.are.same(c[3], sizes(v))
        close(v, c[4], ty[2])
        if c[5] then
          assert.are.equal('torch.LongTensor', i:type())
          assert.are.same(c[5], i:totable())
        end
      end)
    end
  end

  it('integer inputs: sums and scans are LongTensors, mean is a FloatTensor', function()
    local L = torch.DoubleTensor(A_flat):view(2, 3, 4):long()
    for _, c in ipairs(dim_cases) do
      local op = c[1]:match('^(%a+)')
      if op == 'sum' or op == 'prod' or op == 'cumsum' or op == 'cumprod' or op == 'max'
         or op == 'min' or op == 'sort' or op == 'topk' then
        local v, i = c[2](L)
        assert.are.equal('torch.LongTensor', v:type(), c[1])
        close(v, c[4], 0)
        if c[5] then assert.are.same(c[5], i:totable()) end
      end
    end
    assert.are.equal('torch.FloatTensor', L:mean(1):type())
    assert.are.equal('torch.FloatTensor', L:std(2):type())
    assert.are.equal('torch.FloatTensor', L:norm(2, 3):type())
    close(L:mean(3), {{{0}, {0.5}, {-1.75}}, {{1.5}, {-0.75}, {-0.25}}}, 1e-7)
  end)

  it('byte inputs accumulate in int64 and keep their type for max/min', function()
    local b = torch.ByteTensor({{200, 100}, {255, 1}})
    assert.are.equal(556, b:sum())
    assert.are.equal('torch.LongTensor', b:sum(1):type())
    assert.are.same({{455, 101}}, b:sum(1):totable())
    assert.are.same({{20000}, {255}}, b:prod(2):totable())
    local v, i = b:max(2)
    assert.are.equal('torch.ByteTensor', v:type())
    assert.are.same({{200}, {255}}, v:totable())
    assert.are.same({{1}, {1}}, i:totable())
    assert.are.same({{200, 300}, {255, 256}}, b:cumsum(2):totable())
    assert.are.equal(255, b:max())
    assert.are.equal(1, b:min())
  end)
end)

describe('whole-tensor reductions return Lua numbers', function()
  local V = torch.DoubleTensor(V_vals)
  for _, ty in ipairs({{'torch.DoubleTensor', 1e-12}, {'torch.FloatTensor', 1e-6}}) do
    for _, c in ipairs(all_cases) do
      it(c[1] .. ' (' .. ty[1] .. ')', function()
        local got = c[2](V:type(ty[1]))
        assert.are.equal('number', type(got))
        assert(math.abs(got - c[3]) / (1 + math.abs(c[3])) <= ty[2], string.format('%s: got %.12g, expected %.12g', c[1], got, c[3]))
      end)
    end
  end

  it('all / any give booleans', function()
    assert.is_true(torch.Tensor({1, 2}):all())
    assert.is_false(torch.Tensor({1, 0}):all())
    assert.is_true(torch.Tensor({0, 3}):any())
    assert.is_false(torch.zeros(4):any())
    assert.is_true(torch.Tensor(0):all())
    assert.is_false(torch.Tensor(0):any())
  end)

  it('a float32 sum accumulates in double', function()
    local x = torch.FloatTensor(10000000):fill(0.1)
    -- float32(0.1) = 0.100000001490116...; a float accumulator is off by ~1e4
    assert(math.abs(x:sum() - 1000000.0149) < 0.01, tostring(x:sum()))
    assert(math.abs(x:mean() - 0.100000001490116) < 1e-9)
  end)

  it('works with the spec helpers of the tensor core', function()
    local t = torch.Tensor({{1, 2}, {3, -4}})
    assert.are.equal(2, t:sum())
    assert.are.equal(4, torch.abs(t):max())
    assert.are.equal(0, t[2]:sum() + 1)
  end)
end)

describe('shapes and layouts', function()
  local A = torch.DoubleTensor(A_flat):view(2, 3, 4)

  it('keeps the reduced dimension by default, drops it with keepdim = false', function()
    assert.are.same({2, 1, 4}, A:sum(2):size():totable())
    assert.are.same({2, 4}, A:sum(2, false):size():totable())
    assert.are.same({2, 3}, A:sum(-1, false):size():totable())
    local v, i = A:max(1, false)
    assert.are.same({3, 4}, v:size():totable())
    assert.are.same({3, 4}, i:size():totable())
    assert.are.same({2, 3}, A:median(3, false):size():totable())
    assert.are.same({2, 3}, A:kthvalue(1, 3, false):size():totable())
  end)

  it('size-1 dimensions reduce to themselves', function()
    local x = torch.Tensor({{{1, 2}}, {{3, 4}}, {{5, 6}}})
    assert.are.same(x:totable(), x:sum(2):totable())
    assert.are.same(x:totable(), x:cumprod(2):totable())
    local v, i = x:max(2)
    assert.are.same(x:totable(), v:totable())
    assert.are.same({{{1, 1}}, {{1, 1}}, {{1, 1}}}, i:totable())
    assert.are.same({{{21}}}, x:sum(1):sum(3):totable())
  end)

  it('reduces a narrowed, strided view', function()
    local x = torch.DoubleTensor(A_flat):view(4, 6):narrow(2, 2, 3)
    -- rows of the 4x6 view, columns 2..4: {2,-2,5} {0,-4,3} {-2,5,1} {-4,3,-1}
    assert.are.same({{5}, {-1}, {4}, {-2}}, x:sum(2):totable())
    assert.are.equal(6, x:sum())
  end)

  it('cumsum / cumprod default to dimension 1 (Torch7)', function()
    local x = torch.LongTensor({{1, 4, 7}, {2, 5, 8}, {3, 6, 9}})
    assert.are.same({{1, 4, 7}, {2, 20, 56}, {6, 120, 504}}, x:cumprod():totable())
    assert.are.same({{1, 4, 7}, {3, 9, 15}, {6, 15, 24}}, torch.cumsum(x):totable())
    assert.are.same({{1, 4, 28}, {2, 10, 80}, {3, 18, 162}}, torch.cumprod(x, 2):totable())
  end)

  it('large inputs take the parallel and split paths with the same answers', function()
    assert.are.equal(1000003, torch.ones(1000003):sum())
    local x = torch.zeros(3, 200001)
    x[2][150000] = 5
    x[3][200001] = -1
    local v, i = x:max(2)
    assert.are.same({{0}, {5}, {0}}, v:totable())
    assert.are.same({{1}, {150000}, {1}}, i:totable())
    v, i = x:min(2)
    assert.are.same({{0}, {0}, {-1}}, v:totable())
    assert.are.same({{1}, {1}, {200001}}, i:totable())
    assert.are.equal(200001 + 150000, x:argmax())
    assert.are.equal(5, x:max())
    local c = torch.ones(5000, 300):sum(1)
    assert.are.equal(300, c:eq(5000):sum())
    local s = x:t():sum(1)
    assert.are.same({{0, 5, -1}}, s:totable())
    assert.are.equal(200001, x:cumsum(2)[1]:nElement())
    assert.are.equal(5, x:cumsum(2)[2][200001])
  end)
end)

describe('ties and NaN', function()
  local t = torch.Tensor({2, 7, 7, 1, 7, 1})

  it('max/min/argmax/argmin take the first position on ties', function()
    local v, i = t:max(1)
    assert.are.same({{7}, {2}}, {v:totable(), i:totable()})
    v, i = t:min(1)
    assert.are.same({{1}, {4}}, {v:totable(), i:totable()})
    assert.are.equal(2, t:argmax())
    assert.are.equal(4, t:argmin())
  end)

  it('sort is stable both ways; topk orders ties by position', function()
    local v, i = t:sort()
    assert.are.same({1, 1, 2, 7, 7, 7}, v:totable())
    assert.are.same({4, 6, 1, 2, 3, 5}, i:totable())
    v, i = t:sort(1, true)
    assert.are.same({7, 7, 7, 2, 1, 1}, v:totable())
    assert.are.same({2, 3, 5, 1, 4, 6}, i:totable())
    v, i = torch.sort(t, true)
    assert.are.same({2, 3, 5, 1, 4, 6}, i:totable())
    v, i = t:topk(2, 1, true)
    assert.are.same({{7, 7}, {2, 3}}, {v:totable(), i:totable()})
    v, i = t:topk(2)
    assert.are.same({{1, 1}, {4, 6}}, {v:totable(), i:totable()})
  end)

  it('NaN propagates through max/min/median/sum and sorts last', function()
    local x = torch.Tensor({1, nan, 3, nan})
    assert(x:max() ~= x:max())
    assert(x:min() ~= x:min())
    assert(x:sum() ~= x:sum())
    assert(x:median() ~= x:median())
    local v, i = x:max(1)
    assert(v[1] ~= v[1])
    assert.are.same({2}, i:totable())
    v, i = x:min(1)
    assert.are.same({2}, i:totable())
    assert.are.equal(2, x:argmax())
    v, i = x:sort()
    assert.are.same({1, 3}, {v[1], v[2]})
    assert.are.same({1, 3, 2, 4}, i:totable())
    v, i = x:sort(1, true)
    assert.are.same({2, 4, 3, 1}, i:totable())
    assert.is_true(x:logsumexp() ~= x:logsumexp())
  end)

  it('logsumexp is stable for large and infinite inputs', function()
    local x = torch.DoubleTensor({1000, 1000})
    assert(math.abs(x:logsumexp() - (1000 + math.log(2))) < 1e-9)
    assert.are.equal(-math.huge, torch.DoubleTensor({-math.huge, -math.huge}):logsumexp())
    assert.are.equal(math.huge, torch.DoubleTensor({1, math.huge}):logsumexp())
    assert.are.equal(-math.huge, torch.DoubleTensor(0):logsumexp())
  end)
end)

describe('sorting selections', function()
  local V = torch.DoubleTensor(V_vals)

  it('topk smallest by default (Torch7), largest with dir = true', function()
    local v, i = V:topk(3)
    assert.are.same({{-5, -1, 1}, {5, 2, 4}}, {v:totable(), i:totable()})
    v, i = torch.topk(V, 3, 1, true)
    assert.are.same({{9, 6, 4}, {6, 8, 3}}, {v:totable(), i:totable()})
    v, i = V:topk(0)
    assert.are.equal(0, v:nElement())
  end)

  it('kthvalue and the lower median', function()
    local v, i = V:kthvalue(3)
    assert.are.same({{1}, {4}}, {v:totable(), i:totable()})
    v, i = torch.median(torch.Tensor({4, 1, 3, 2}), 1)
    assert.are.same({{2}, {4}}, {v:totable(), i:totable()})
    assert.are.equal(2, torch.Tensor({4, 1, 3, 2}):median())
  end)
end)

describe('result-first and elementwise forms', function()
  local A = torch.DoubleTensor(A_flat):view(2, 3, 4)

  it('fills given result tensors', function()
    local res = torch.DoubleTensor()
    local r = torch.sum(res, A, 2)
    assert.are.equal(res, r)
    assert.are.same(A:sum(2):totable(), res:totable())
    local rv, ri = torch.DoubleTensor(), torch.LongTensor()
    local v, i = torch.max(rv, ri, A, 3)
    assert.are.equal(rv, v)
    assert.are.equal(ri, i)
    local ev, ei = A:max(3)
    assert.are.same(ev:totable(), rv:totable())
    assert.are.same(ei:totable(), ri:totable())
    res:sum(A, 1) -- Torch7: res:sum(x, d) writes into res
    assert.are.same(A:sum(1):totable(), res:totable())
    torch.sort(rv, ri, A, 2, true)
    assert.are.same(({A:sort(2, true)})[2]:totable(), ri:totable())
    torch.cumsum(res, A, 3)
    assert.are.same(A:cumsum(3):totable(), res:totable())
    torch.std(res, A, 1, true)
    assert.are.same(A:std(1, true):totable(), res:totable())
  end)

  it('max/min of two tensors are elementwise', function()
    local a, b = torch.Tensor({1, 5, 3}), torch.Tensor({4, 2, 6})
    assert.are.same({4, 5, 6}, torch.max(a, b):totable())
    assert.are.same({1, 2, 3}, torch.min(a, b):totable())
    assert.are.same({4, 5, 6}, a:max(b):totable())
    assert.are.same({1, 5, 3}, a:totable()) -- not in place
  end)

  it('empty tensors: sum 0, prod 1, empty reductions stay empty', function()
    assert.are.equal(0, torch.Tensor(0):sum())
    assert.are.equal(1, torch.Tensor(0):prod())
    assert.are.equal(0, torch.Tensor(0):norm())
    assert.are.same({{0, 0, 0}}, torch.zeros(0, 3):sum(1):totable())
    assert.are.same({0, 1}, torch.zeros(0, 3):sum(2):size():totable())
    assert.are.same({0, 1}, ({torch.zeros(0, 3):max(2)})[1]:size():totable())
    assert.are.equal(0, torch.Tensor(0):sort():nElement())
  end)
end)

describe('bad input', function()
  local A = torch.DoubleTensor(A_flat):view(2, 3, 4)
  local V = torch.DoubleTensor(V_vals)
  U.error_cases({
    {'a dimension past the end', function() A:sum(4) end, 'torch.sum', 'dimension 4 out of range'},
    {'a negative dimension past the start', function() A:mean(-4) end, 'torch.mean', 'out of range'},
    {'dimension 0', function() A:cumsum(0) end, 'torch.cumsum', 'out of range'},
    {'max of an empty tensor', function() torch.Tensor(0):max() end, 'torch.max', 'empty'},
    {'min over an empty dimension', function() torch.zeros(2, 0):min(2) end, 'torch.min', 'empty dimension'},
    {'argmax of an empty tensor', function() torch.Tensor(0):argmax() end, 'torch.argmax', 'empty'},
    {'median of an empty tensor', function() torch.Tensor(0):median() end, 'torch.median', 'empty'},
    {'a non-tensor input', function() torch.sum('x') end, 'torch.sum', 'argument 1: expected a tensor'},
    {'no input', function() torch.median() end, 'torch.median', 'expected a tensor'},
    {'a string dimension', function() A:sum('a') end, 'torch.sum', 'expected a dimension'},
    {'a non-boolean keepdim', function() A:sum(1, 5) end, 'torch.sum', 'expected a boolean'},
    {'a non-boolean std flag', function() A:std(1, 'x') end, 'torch.std', 'expected a boolean'},
    {'extra arguments', function() A:sum(1, true, 3) end, 'torch.sum', 'unexpected argument'},
    {'a non-number norm p', function() A:norm('fro') end, 'torch.norm', 'expected a number p'},
    {'topk with k > size', function() V:topk(9) end, 'torch.topk', 'k = 9 out of range'},
    {'topk with k < 0', function() V:topk(-1) end, 'torch.topk', 'out of range'},
    {'topk without k', function() V:topk() end, 'torch.topk', 'expected an integer k'},
    {'kthvalue with k = 0', function() V:kthvalue(0) end, 'torch.kthvalue', '1 <= k <= 8'},
    {'kthvalue with a fractional k', function() V:kthvalue(1.5) end, 'torch.kthvalue', 'integer'},
    {'sort along a missing dimension', function() V:sort(2) end, 'torch.sort', 'out of range'},
    {'an indices result that is not a LongTensor', function()
      torch.max(torch.DoubleTensor(), torch.DoubleTensor(), A, 1) end, 'torch.max', 'result tensor 2 is float64, expected int64'},
    {'a result of the wrong type', function() torch.sum(torch.LongTensor(), A, 1) end,
      'torch.sum', 'result tensor 1 is int64, expected float64'},
    {'a result tensor without a dimension', function() torch.sum(torch.DoubleTensor(), A) end,
      'torch.sum', 'needs a dimension'},
    {'one result tensor where two are needed', function() torch.sort(torch.DoubleTensor(), A) end,
      'torch.sort', 'result tensors (values, indices)'},
    {'two tensors and a dimension to max', function() torch.max(A, A, 1) end, 'torch.max', 'elementwise'},
  })
end)
