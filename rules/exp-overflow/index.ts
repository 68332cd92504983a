import type { Rule } from '../engine/types';
import { expOfUnbounded } from './exp-of-unbounded';
import { manualLogsumexp } from './manual-logsumexp';
import { manualSigmoid } from './manual-sigmoid';
import { manualSoftplus } from './manual-softplus';
import { manualTanh } from './manual-tanh';
import { naiveSoftmax } from './naive-softmax';

export const expOverflowRules: Rule[] = [
  naiveSoftmax,
  manualLogsumexp,
  manualSigmoid,
  manualTanh,
  manualSoftplus,
  expOfUnbounded,
];
