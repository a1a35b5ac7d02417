-- nn.SpatialConvolutionMM: Torch7's im2col convolution; the same module here.
local MM = torch.class('nn.SpatialConvolutionMM', 'nn.SpatialConvolution')
return MM
