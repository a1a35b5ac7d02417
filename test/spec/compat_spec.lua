-- Classic Torch7-style scripts (test/compat/*.lua) run unchanged under th
-- and learn: each prints "LOSS <first> <last>"; the last loss must be at
-- most the stated fraction of the first. A script prints "PENDING <why>"
-- when a package it needs is missing.
local th = os.getenv('LUTORCH_TH') or 'th'
local src = os.getenv('LUTORCH_SOURCE') or '.'

local scripts = {
  {'mlp_optim_sgd', 0.2},     -- MLP, getParameters, optim.sgd
  {'convnet', 0.2},           -- conv / pool / view / linear
  {'rnn_clones', 0.6},        -- clone-shared RNN unrolled by hand
  {'residual', 0.2},          -- ConcatTable + CAddTable blocks
  {'nngraph_gmodule', 0.3},   -- nn.gModule with two inputs
  {'dropout_batchnorm', 0.3}, -- training()/evaluate(), Dropout, BatchNormalization
  {'custom_module', 0.2},     -- a Module with only updateOutput
  {'manual_module', 0.2},     -- a Module with its own updateGradInput/accGradParameters
  {'criterion_loop', 0.6},    -- per-example loop with updateParameters
  {'init_and_trainer', 0.2},  -- init loop (torch.type, w:normal, b:zero), StochasticGradient,
                              -- ConfusionMatrix, Logger
  {'image_folder', 0.2},      -- paths.files, image.load/scale, xlua.progress, a convnet
}

describe('Torch7 compat scripts', function()
  for _, s in ipairs(scripts) do
    it(s[1] .. ' learns (last loss <= ' .. s[2] .. ' x first)', function()
      local p = io.popen(string.format('%s %s/test/compat/%s.lua 2>&1', th, src, s[1]))
      local out = p:read('*a')
      p:close()
      local why = out:match('PENDING ([^\n]*)')
      if why then
        pending(why)
        return
      end
      local first, last = out:match('LOSS ([%d%.e%-]+) ([%d%.e%-]+)')
      assert(first, 'the script did not finish:\n' .. out)
      first, last = tonumber(first), tonumber(last)
      assert(last <= s[2] * first, string.format('loss %g -> %g, expected at most %g', first, last,
                                                 s[2] * first))
    end)
  end
end)
