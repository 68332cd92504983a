import type { Rule } from '../engine/types';

export const trainingHintsRules: Rule[] = [];
