import type { Rule } from '../engine/types';

export const divisionRootsRules: Rule[] = [];
