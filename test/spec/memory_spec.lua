-- The Lua GC is told about tensor memory: loops that drop tensors keep a
-- flat RSS without the user calling collectgarbage().
require 'testutil'

local function rss_mib()
  local f = assert(io.open('/proc/self/statm'))
  local _, resident = f:read('*n', '*n')
  f:close()
  return resident * 4096 / 2 ^ 20
end

-- AddressSanitizer keeps freed memory in quarantine: RSS says nothing there.
local sanitized = os.getenv('LUTORCH_SANITIZE')

describe('tensor memory', function()
  it('stays flat when large tensors are dropped in a loop', function()
    if sanitized then return pending('RSS is not meaningful under AddressSanitizer') end
    collectgarbage()
    for _ = 1, 20 do local _ = torch.Tensor(1000000):fill(1) end -- warm up
    local before = rss_mib()
    for _ = 1, 500 do local _ = torch.Tensor(1000000):fill(1) end -- 2 GB in total
    local growth = rss_mib() - before
    assert.is_true(growth < 300, string.format('RSS grew by %.0f MiB', growth))
  end)

  it('stays flat when many small tensors are dropped in a loop', function()
    if sanitized then return pending('RSS is not meaningful under AddressSanitizer') end
    collectgarbage()
    for _ = 1, 10000 do local _ = torch.Tensor(4):fill(1) + 1 end
    local before = rss_mib()
    for _ = 1, 300000 do local _ = torch.Tensor(4):fill(1) + 1 end
    local growth = rss_mib() - before
    assert.is_true(growth < 100, string.format('RSS grew by %.0f MiB', growth))
  end)

  it('reports allocator statistics', function()
    local keep = torch.Tensor(1000)
    local s = torch.core.memory_stats()
    assert.is_true(s.allocated >= 4000)
    assert.is_true(s.allocated >= 0 and s.peak >= s.allocated and s.allocations > 0)
  end)
end)
