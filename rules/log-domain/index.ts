import type { Rule } from '../engine/types';
import { bceOnSigmoid } from './bce-on-sigmoid';
import { doubleSoftmax } from './double-softmax';
import { kerasFromLogits } from './keras-from-logits';
import { logOfSigmoid } from './log-of-sigmoid';
import { logOfSoftmax } from './log-of-softmax';
import { manualCrossEntropy } from './manual-cross-entropy';
import { nllOnSoftmax } from './nll-on-softmax';
import { unguardedLogProbability } from './unguarded-log-probability';

export const logDomainRules: Rule[] = [
  logOfSoftmax,
  logOfSigmoid,
  unguardedLogProbability,
  manualCrossEntropy,
  bceOnSigmoid,
  nllOnSoftmax,
  doubleSoftmax,
  kerasFromLogits,
];
