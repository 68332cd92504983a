import type { Rule } from '../engine/types';

export const halfPrecisionRules: Rule[] = [];
