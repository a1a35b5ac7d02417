-- require 'data': datasets, a batching DataLoader with background
-- prefetch, the Fashion-MNIST helper, a progress bar and a CSV logger.
-- The readers themselves are torch functions: torch.readIDX, torch.readCSV,
-- torch.loadImage, torch.saveImage. See docs/data.md.
require 'torch'

local data = rawget(_G, 'data') or {}
package.loaded.data = data

require 'data.dataset'
require 'data.loader'
require 'data.mnist'
require 'data.progress'
require 'data.gnuplot'
require 'data.logger'

return data
