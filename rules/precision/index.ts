import type { Rule } from '../engine/types';

export const precisionRules: Rule[] = [];
