import type { Rule } from '../engine/types';
import { nanComparison } from './nan-comparison';

export const comparisonsRules: Rule[] = [nanComparison];
