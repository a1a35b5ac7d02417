-- A character-level LSTM language model (char-rnn): nn.LookupTable ->
-- nn.LSTM -> nn.Linear, CrossEntropy over the next character, optim.adam,
-- truncated backpropagation through time (the hidden state is carried
-- from one chunk to the next, detached). Prints the loss as it falls, then
-- samples text from the model with a temperature.
--   th examples/char_lstm.lua [text file] [--iters N] [--long] [--temp T] [--seed S]
-- Default text: Debian's /usr/share/common-licenses/GPL-3 (else the
-- project's README.md). The default run (800 iterations, hidden 128) takes
-- under a minute on 2 idle cores (loss ≈ 1.15 on GPL-3); --long trains a
-- larger model (hidden 256, 3000 iterations) for longer.
require 'torch'
require 'nn'
require 'optim'
io.stdout:setvbuf('line')   -- progress lines appear as they come, even in a pipe

local opt = {iters = 800, hidden = 128, embed = 32, seq = 32, batch = 32, lr = 3e-3,
             temp = 0.7, seed = 1, sample = 400}
local file
local i = 1
while arg and arg[i] do
  local a = arg[i]
  if a == '--long' then opt.iters, opt.hidden, opt.seq, opt.batch = 3000, 256, 64, 64
  elseif a == '--iters' then i = i + 1; opt.iters = assert(tonumber(arg[i]), '--iters N')
  elseif a == '--temp' then i = i + 1; opt.temp = assert(tonumber(arg[i]), '--temp T')
  elseif a == '--seed' then i = i + 1; opt.seed = assert(tonumber(arg[i]), '--seed S')
  elseif a:sub(1, 2) == '--' then error('char_lstm: unknown option ' .. a)
  else file = a end
  i = i + 1
end
local here = (arg and arg[0] or ''):gsub('[^/]*$', '')
local candidates = file and {file} or {'/usr/share/common-licenses/GPL-3', here .. '../README.md'}
local text
for _, f in ipairs(candidates) do
  local h = io.open(f, 'rb')
  if h then text = h:read('*a'); h:close(); file = f; break end
end
assert(text and #text > opt.seq * opt.batch + 1, 'char_lstm: no usable text file (give one as argument)')
torch.manualSeed(opt.seed)

-- vocabulary: every byte that occurs, in order of first use
local toIdx, toChar = {}, {}
local data = torch.LongTensor(#text)
for k = 1, #text do
  local ch = text:sub(k, k)
  if not toIdx[ch] then toChar[#toChar + 1] = ch; toIdx[ch] = #toChar end
  data[k] = toIdx[ch]
end
local V = #toChar
print(string.format('%s: %d characters, vocabulary %d', file, #text, V))

-- the text as `batch` parallel streams: stream b reads its own contiguous stretch
local streamLen = math.floor((#text - 1) / opt.batch)
local inputs = data:narrow(1, 1, streamLen * opt.batch):view(opt.batch, streamLen):t():contiguous()
local targets = data:narrow(1, 2, streamLen * opt.batch):view(opt.batch, streamLen):t():contiguous()

local embed = nn.LookupTable(V, opt.embed)
local lstm = nn.LSTM(opt.embed, opt.hidden)
local decoder = nn.Linear(opt.hidden, V)
local model = nn.Sequential():add(embed):add(lstm):add(decoder) -- a container for getParameters
local criterion = nn.CrossEntropyCriterion()
local params, grads = model:getParameters()
print(string.format('LSTM %d -> %d, %d parameters', opt.embed, opt.hidden, params:nElement()))

-- logits (T·B x V) of a T x B chunk of indices, from state (h0, c0)
local function logits(x)
  local T, B = x:size(1), x:size(2)
  local h = lstm(embed(x))
  return decoder(h:view(T * B, opt.hidden))
end

local pos, config, smooth = 1, {learningRate = opt.lr}, nil
local timer = torch.Timer()
for it = 1, opt.iters do
  if pos + opt.seq > streamLen then pos, lstm.h0, lstm.c0 = 1, nil, nil end
  local x = inputs:narrow(1, pos, opt.seq)
  local y = targets:narrow(1, pos, opt.seq):reshape(opt.seq * opt.batch)
  pos = pos + opt.seq
  local function feval()
    grads:zero()
    local loss = criterion(logits(x), y)
    loss:backward()
    optim.clipGradNorm(grads, 5)
    return loss:item(), grads
  end
  local _, fx = optim.adam(feval, params, config)
  -- truncated BPTT: the next chunk starts from this one's final state
  lstm.h0, lstm.c0 = lstm.hn:detach(), lstm.cn:detach()
  smooth = smooth and 0.95 * smooth + 0.05 * fx[1] or fx[1]
  if it == 1 or it % 25 == 0 or it == opt.iters then
    print(string.format('iter %4d  loss %.3f  (smoothed %.3f, %.1f s)', it, fx[1], smooth,
                        timer:time().real))
  end
end

-- sampling: one character at a time, the state carried along
local function sample(n, temp, prime)
  local out = {prime}
  lstm.h0, lstm.c0 = nil, nil
  torch.no_grad(function()
    local idx = torch.LongTensor(1, 1)
    local probs
    for k = 1, #prime do   -- warm the state up on the prime text
      idx[1][1] = toIdx[prime:sub(k, k)] or 1
      probs = torch.softmax(logits(idx):div(temp), 2)
      lstm.h0, lstm.c0 = lstm.hn, lstm.cn
    end
    for _ = 1, n do
      local c = torch.multinomial(probs:view(V):double(), 1)[1]
      out[#out + 1] = toChar[c]
      idx[1][1] = c
      probs = torch.softmax(logits(idx):div(temp), 2)
      lstm.h0, lstm.c0 = lstm.hn, lstm.cn
    end
  end)
  return table.concat(out)
end

local prime = 'The '
print(string.format('\n--- sample (temperature %.2f) ---', opt.temp))
print(sample(opt.sample, opt.temp, prime))
