-- Torch7's helper packages that classic scripts require: paths (loaded by
-- torch), sys and xlua.
local U = require 'testutil'
require 'sys'
require 'xlua'

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(paths.mkdir(d))
  return d
end

describe('paths', function()
  it('is there after require torch, as in Torch7', function()
    assert.equal('table', type(rawget(_G, 'paths')))
  end)

  it('takes file names apart', function()
    assert.equal('c.lua', paths.basename('/a/b/c.lua'))
    assert.equal('c', paths.basename('/a/b/c.lua', 'lua'))
    assert.equal('c', paths.basename('a/b/c.lua', '.lua'))
    assert.equal('b', paths.basename('a/b/'))
    assert.equal('/a/b', paths.dirname('/a/b/c.lua'))
    assert.equal('.', paths.dirname('c.lua'))
    assert.equal('/', paths.dirname('/c.lua'))
    assert.equal('t7', paths.extname('x/model.t7'))
    assert.is_nil(paths.extname('x/Makefile'))
  end)

  it('joins names from the current directory, an absolute part starting again', function()
    local cwd = paths.cwd()
    assert.equal(cwd, paths.concat())
    assert.equal(cwd .. '/a/b', paths.concat('a', 'b'))
    assert.equal('/z/w', paths.concat('/x', 'y', '/z', 'w'))
    assert.equal('/x/y', paths.concat('/x/', './y/'))
  end)

  it('tells files from directories, makes, lists and removes them', function()
    local d = tmpdir()
    assert.is_true(paths.dirp(d))
    assert.is_false(paths.filep(d))
    local f = assert(io.open(d .. '/one.txt', 'w'))
    f:write('x')
    f:close()
    assert.is_true(paths.mkdir(d .. '/sub'))
    assert.is_true(paths.filep(d .. '/one.txt'))
    assert.is_false(paths.dirp(d .. '/one.txt'))
    assert.is_false(paths.filep(d .. '/missing'))
    local all = {}
    for name in paths.files(d) do all[#all + 1] = name end
    table.sort(all)
    assert.same({'one.txt', 'sub'}, all)
    local files, dirs = {}, {}
    for name in paths.iterfiles(d) do files[#files + 1] = name end
    for name in paths.iterdirs(d) do dirs[#dirs + 1] = name end
    assert.same({'one.txt'}, files)
    assert.same({'sub'}, dirs)
    local txt = {}
    for name in paths.files(d, '%.txt$') do txt[#txt + 1] = name end
    assert.same({'one.txt'}, txt)
    assert.is_true(paths.rmdir(d .. '/sub'))
    assert.is_false(paths.dirp(d .. '/sub'))
    assert.is_true(paths.rmall(d, 'yes'))
    assert.is_false(paths.dirp(d))
    assert.is_nil(paths.dir(d))
  end)

  it('finds programs and the calling file; dofile next to it', function()
    assert.equal('/', paths.findprogram('sh'):sub(1, 1))
    assert.is_nil(paths.findprogram('no-such-program-here'))
    assert.is_truthy(paths.thisfile():find('t7_packages_spec.lua', 1, true))
    local d = tmpdir()
    local f = assert(io.open(d .. '/helper.lua', 'w'))
    f:write('return 40 + 2')
    f:close()
    local g = assert(io.open(d .. '/main.lua', 'w'))
    g:write("local v = paths.dofile('helper.lua')\nreturn v") -- (a tail call would hide main.lua)
    g:close()
    assert.equal(42, dofile(d .. '/main.lua'))
    paths.rmall(d, 'yes')
  end)

  U.error_cases({
    {'filep of a number', function() paths.filep(3) end, 'paths.filep', 'expected a path'},
    {'concat of a table', function() paths.concat('a', {}) end, 'paths.concat', 'argument 2'},
    {'rmall without yes', function() paths.rmall('/tmp/nothing-here') end, 'paths.rmall', "'yes'"},
  })
end)

describe('sys', function()
  it('times, sleeps and runs commands', function()
    local t0 = sys.clock()
    sys.tic()
    sys.sleep(0.02)
    local dt = sys.toc()
    assert.is_true(dt >= 0.019 and dt < 5, tostring(dt))
    assert.is_true(sys.clock() - t0 >= dt)
    assert.equal('hello', sys.execute('echo hello'))
    assert.equal('linux', sys.uname())
    assert.equal('\27[0;31m', sys.COLORS.red)
    assert.equal(paths.dirp, sys.dirp)
  end)

  U.error_cases({
    {'sleep for a negative time', function() sys.sleep(-1) end, 'sys.sleep', '>= 0'},
    {'execute a number', function() sys.execute(1) end, 'sys.execute', 'expected a command'},
  })
end)

describe('xlua', function()
  it('requires with a fallback and prints tables', function()
    assert.equal(paths, xlua.require('paths'))
    assert.is_nil(xlua.require('no_such_package_here'))
    assert.is_function(xlua.progress)
    assert.is_function(xlua.print)
  end)

  U.error_cases({
    {'progress without n', function() xlua.progress(1) end, 'xlua.progress', 'progress(i, n)'},
  })
end)
