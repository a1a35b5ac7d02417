-- data.fashionMNIST([dir] [, {flat = false}]) -> train, test TensorDatasets
-- of Fashion-MNIST (Debian's dataset-fashion-mnist by default): images as
-- float32 in [0, 1], N x 1 x 28 x 28 (N x 784 with flat = true), labels
-- 1..10 (LongTensor; the file's 0..9 plus 1, Torch7 style).
local data = package.loaded.data

local DEFAULT = '/usr/share/datasets/fashion-mnist'

local function load(dir, prefix, flat)
  local x = torch.readIDX(dir .. '/' .. prefix .. '-images-idx3-ubyte.gz')
  local y = torch.readIDX(dir .. '/' .. prefix .. '-labels-idx1-ubyte.gz')
  if x:dim() ~= 3 or y:dim() ~= 1 or x:size(1) ~= y:size(1) then
    error(string.format("data.fashionMNIST: '%s': unexpected %s images / %s labels", dir,
                        table.concat(x:size():totable(), 'x'), table.concat(y:size():totable(), 'x')), 3)
  end
  local n = x:size(1)
  x = x:float():div(255)
  x = flat and x:view(n, x:size(2) * x:size(3)) or x:view(n, 1, x:size(2), x:size(3))
  return data.TensorDataset(x, y:long():add(1))
end

function data.fashionMNIST(dir, opts)
  if type(dir) == 'table' then dir, opts = nil, dir end
  dir = dir or DEFAULT
  opts = opts or {}
  local f = io.open(dir .. '/train-images-idx3-ubyte.gz')
  if not f then
    error(string.format("data.fashionMNIST: no Fashion-MNIST in '%s' (apt-get install dataset-fashion-mnist)",
                        dir), 2)
  end
  f:close()
  return load(dir, 'train', opts.flat), load(dir, 't10k', opts.flat)
end
