import type { Rule } from '../engine/types';
import { discardedClamp } from './discarded-clamp';
import { nanComparison } from './nan-comparison';

export const comparisonsRules: Rule[] = [nanComparison, discardedClamp];
