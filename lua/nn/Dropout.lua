-- nn.Dropout([p = 0.5] [, v1] [, inplace]): in training, zero each element
-- with probability p and scale the others by 1/(1-p) (Torch7's default;
-- v1 = true scales at evaluation instead); identity in evaluate().
local Dropout = torch.class('nn.Dropout', 'nn.Module')
function Dropout:__init(p, v1, inplace)
  nn.Module.__init(self)
  self.p = p or 0.5
  if self.p >= 1 or self.p < 0 then error('nn.Dropout: p must be in [0, 1), got ' .. self.p, 2) end
  self.v2 = not v1
  self.inplace = inplace
end
function Dropout:updateOutput(input)
  if self.train and self.p > 0 then
    self.noise = torch.zerosLike(input):bernoulli(1 - self.p)
    if self.v2 then self.noise:div(1 - self.p) end
    self.output = torch.mul(input, self.noise)
  elseif not self.train and not self.v2 then
    self.output = torch.mul(input, 1 - self.p)
  else
    self.output = input
  end
  return self.output
end
function Dropout:setp(p) self.p = p end
function Dropout:__tostring__() return string.format('nn.Dropout(%g)', self.p) end
return Dropout
