-- nn.CrossEntropyCriterion([weights] [, sizeAverage = true] [, ignoreIndex]):
-- LogSoftMax + ClassNLLCriterion in one fused kernel; input is scores
-- (C or N x C), targets 1-based.
return nn._classCriterion('nn.CrossEntropyCriterion', 'cross_entropy')
