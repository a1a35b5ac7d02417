-- nn.SoftPlus([beta = 1] [, threshold = 20]): log(1 + exp(beta·x))/beta,
-- linear where beta·x > threshold.
local SoftPlus = torch.class('nn.SoftPlus', 'nn.Module')
function SoftPlus:__init(beta, threshold)
  nn.Module.__init(self)
  self.beta = beta or 1
  self.threshold = threshold or 20
end
function SoftPlus:updateOutput(input)
  self.output = nn.F.softplus(input, self.beta, self.threshold)
  return self.output
end
return SoftPlus
