import type { Rule } from '../engine/types';
import { logOfSoftmax } from './log-of-softmax';

export const logDomainRules: Rule[] = [logOfSoftmax];
