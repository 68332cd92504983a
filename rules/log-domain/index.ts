import type { Rule } from '../engine/types';

export const logDomainRules: Rule[] = [];
