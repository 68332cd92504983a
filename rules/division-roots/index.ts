import type { Rule } from '../engine/types';
import { epsilonOutsideSqrt } from './epsilon-outside-sqrt';
import { sqrtAtZero } from './sqrt-at-zero';
import { unguardedDivision } from './unguarded-division';

export const divisionRootsRules: Rule[] = [unguardedDivision, sqrtAtZero, epsilonOutsideSqrt];
