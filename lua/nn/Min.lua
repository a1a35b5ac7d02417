-- nn.Min([dim = 1] [, nInputDims]): the minimum over dim, which is removed.
local Min = torch.class('nn.Min', 'nn.Max')
Min._op = 'min'
return Min
