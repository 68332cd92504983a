import type { Rule } from '../engine/types';
import { expm1 } from './expm1';
import { log1p } from './log1p';
import { manualHypot } from './manual-hypot';
import { varianceByMoments } from './variance-by-moments';

export const precisionRules: Rule[] = [log1p, expm1, varianceByMoments, manualHypot];
