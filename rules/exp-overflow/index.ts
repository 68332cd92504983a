import type { Rule } from '../engine/types';
import { naiveSoftmax } from './naive-softmax';

export const expOverflowRules: Rule[] = [naiveSoftmax];
