import type { Rule } from '../engine/types';
import { adamLargeLr } from './adam-large-lr';
import { deepSaturatingStack } from './deep-saturating-stack';
import { largeInitStd } from './large-init-std';

export const trainingHintsRules: Rule[] = [adamLargeLr, deepSaturatingStack, largeInitStd];
