import type { Rule } from '../engine/types';
import { unguardedDivision } from './unguarded-division';

export const divisionRootsRules: Rule[] = [unguardedDivision];
