-- nn.SpatialBatchNormalization(nFeature [, eps] [, momentum] [, affine]):
-- batch normalization of N x C x H x W (or C x H x W) per channel.
local SBN = torch.class('nn.SpatialBatchNormalization', 'nn.BatchNormalization')
SBN.nDim = 4
return SBN
