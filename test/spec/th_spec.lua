-- The th launcher, driven through io.popen: script arguments, -e, -l, and
-- the REPL fed through a pipe (no terminal: plain line reading, no prompts).
assert(jit ~= nil, 'specs must run under LuaJIT (busted --lua=luajit)')
local TH = os.getenv('LUTORCH_TH')

local function tmpfile(text)
  local name = os.tmpname()
  local f = assert(io.open(name, 'w'))
  f:write(text)
  f:close()
  return name
end

-- runs a shell command line, returns its output (stdout and stderr) and exit code
local function run(cmdline)
  local p = assert(io.popen(cmdline .. ' 2>&1; echo "<rc=$?>"'))
  local out = p:read('*a')
  p:close()
  local body, rc = out:match('^(.*)<rc=(%d+)>%s*$')
  return body, tonumber(rc)
end

local function th(args, stdin)
  local input = stdin and tmpfile(stdin)
  local out, rc = run(string.format("'%s' %s%s", TH, args, input and (' < ' .. input) or ''))
  if input then os.remove(input) end
  return out, rc
end

describe('th', function()
  if not TH then
    pending('LUTORCH_TH is not set (ctest sets it to the built th)')
    return
  end

  it('passes script arguments in arg, as LuaJIT does', function()
    local script = tmpfile('print(..., arg[1], arg[2], #arg, select("#", ...))\n'
      .. 'print(arg[-1], arg[-2], arg[-3] ~= nil, arg[-4])\n')
    local out, rc = th(string.format("-e 'x = 1' %s a b", script))
    os.remove(script)
    assert.are.equal(0, rc)
    assert.are.equal('a\ta\tb\t2\t2\nx = 1\t-e\ttrue\tnil\n', out)
  end)

  it('sees the script name as arg[0]', function()
    local script = tmpfile('print(arg[0])')
    local out = th(script)
    os.remove(script)
    assert.are.equal(script .. '\n', out)
  end)

  it('runs -e code with torch loaded', function()
    local out, rc = th([[-e "print(torch.zeros(2):nElement(), 1 + 1)"]])
    assert.are.equal(0, rc)
    assert.are.equal('2\t2\n', out)
  end)

  it('runs -e options in order and -l loads a module as a global', function()
    local out, rc = th([[-e "x = 2" -l string -e "print(x * 3, type(string))"]])
    assert.are.equal(0, rc)
    assert.are.equal('6\ttable\n', out)
  end)

  it('prints the help with -h', function()
    local out, rc = th('-h')
    assert.are.equal(0, rc)
    assert.truthy(out:find('usage:', 1, true))
  end)

  it('exits non-zero with a traceback when a script fails', function()
    local script = tmpfile('local function f() error("boom") end\nf()\n')
    local out, rc = th(script)
    os.remove(script)
    assert.are.equal(1, rc)
    assert.truthy(out:find(':1: boom', 1, true))
    assert.truthy(out:find('stack traceback', 1, true))
  end)

  it('exits non-zero on -e errors, syntax errors and bad options', function()
    for _, args in ipairs({[[-e "error('x')"]], [[-e "x ="]], '-l no_such_module_xyz', '-Q', '-e'}) do
      local _, rc = th(args)
      assert.are.equal(1, rc, args)
    end
  end)

  it('REPL: prints expression values and tensors, runs statements', function()
    local out, rc = th('', 'x = 40\nx + 2\n"a", 3\ntorch.ones(2)\nlocal y = 1\n')
    assert.are.equal(0, rc)
    assert.are.equal('42\na\n3\n 1\n 1\n[torch.FloatTensor of size 2]\n', out)
  end)

  it('REPL: prints tables one level deep with sorted keys', function()
    local out = th('', '{10, "s", b = true, t = torch.zeros(2, 3)}\n{}\n')
    assert.are.equal('{\n  [1] : 10\n  [2] : "s"\n  b : true\n'
      .. '  t : torch.FloatTensor - size: 2x3\n}\n{}\n', out)
  end)

  it('REPL: reads multi-line chunks until they are complete', function()
    local out = th('', 'function f(a)\n  local b = a * 2\n  return b\nend\nf(21)\n'
      .. 'for i = 1, 2 do\nprint(i)\nend\n{1,\n2}\n')
    assert.are.equal('42\n1\n2\n{\n  [1] : 1\n  [2] : 2\n}\n', out)
  end)

  it('REPL: reports an error with a traceback and goes on', function()
    local out, rc = th('', 'error("oops")\n1 + \n2\nx = = 1\n"after"\n')
    assert.are.equal(0, rc)
    assert.truthy(out:find('stdin:1: oops\nstack traceback:', 1, true))
    assert.truthy(out:find('\n3\n', 1, true))
    assert.truthy(out:find("unexpected symbol near '='", 1, true))
    assert.truthy(out:find('after\n$'))
  end)

  it('runs a script then the REPL with -i', function()
    local script = tmpfile('z = 7\n')
    local out = th('-i ' .. script, 'z * 6\n')
    os.remove(script)
    assert.are.equal('42\n', out)
  end)

  it('completes globals, fields and tensor methods', function()
    local out = th([[-e "x = torch.ones(2); local c = require('th.repl').complete;]]
      .. [[ for _, t in ipairs({'torch.ze', 'x:siz', 'pri', 'string.up', 'nope.x'}) do]]
      .. [[ print(table.concat(c(t), ' ')) end"]])
    assert.are.equal('torch.zeros torch.zerosLike\nx:size\nprint\nstring.upper\n\n', out)
  end)
end)
