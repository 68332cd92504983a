import type { Rule } from '../engine/types';

export const trainingLoopRules: Rule[] = [];
