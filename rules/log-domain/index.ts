import type { Rule } from '../engine/types';
import { logOfSigmoid } from './log-of-sigmoid';
import { logOfSoftmax } from './log-of-softmax';
import { manualCrossEntropy } from './manual-cross-entropy';
import { unguardedLogProbability } from './unguarded-log-probability';

export const logDomainRules: Rule[] = [
  logOfSoftmax,
  logOfSigmoid,
  unguardedLogProbability,
  manualCrossEntropy,
];
