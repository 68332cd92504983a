import type { Rule } from '../engine/types';

export const comparisonsRules: Rule[] = [];
