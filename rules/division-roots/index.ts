import type { Rule } from '../engine/types';
import { acosDomain } from './acos-domain';
import { epsilonOutsideSqrt } from './epsilon-outside-sqrt';
import { fractionalPow } from './fractional-pow';
import { sqrtAtZero } from './sqrt-at-zero';
import { unguardedDivision } from './unguarded-division';

export const divisionRootsRules: Rule[] = [
  unguardedDivision,
  sqrtAtZero,
  epsilonOutsideSqrt,
  acosDomain,
  fractionalPow,
];
