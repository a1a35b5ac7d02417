-- require 'optim': Torch7's optimizers (optim.sgd(feval, x, config, state)
-- and friends), PyTorch-style optimizer objects (optim.SGD(params, opts)),
-- learning-rate schedulers and gradient clipping. The element loops are the
-- fused kernels of lib/ops/optim.c; this package computes the per-step
-- scalars, keeps the state and checks arguments. See docs/optim.md.
require 'torch'

local optim = rawget(_G, 'optim') or {}
_G.optim = optim -- Torch7 scripts use the global

require 'optim.util'
-- Torch7's functional API, one file per algorithm; the same files define
-- the object form (optim.SGD, optim.Adam, ...) on optim.Optimizer
require 'optim.optimizer'
require 'optim.sgd'
require 'optim.adam'
require 'optim.adamw'
require 'optim.rmsprop'
require 'optim.adagrad'
require 'optim.adadelta'
require 'optim.adamax'
require 'optim.nag'
require 'optim.lbfgs'
require 'optim.polyinterp'
require 'optim.lswolfe'
require 'optim.cg'
require 'optim.lr_scheduler'
require 'optim.clip'
-- Torch7's other algorithms and tools
require 'optim.asgd'
require 'optim.rprop'
require 'optim.checkgrad'
require 'optim.ConfusionMatrix'
require 'optim.Logger'

return optim
