-- nn.ClassNLLCriterion([weights] [, sizeAverage = true] [, ignoreIndex = -100]):
-- -input[target] for log-probabilities input (C or N x C), 1-based targets;
-- with weights, each term is weighted and the mean divides by the summed
-- weights of the counted targets. Targets equal to ignoreIndex count for nothing.
return nn._classCriterion('nn.ClassNLLCriterion', 'nll_loss')
