import type { Rule } from '../engine/types';

export const underflowRules: Rule[] = [];
