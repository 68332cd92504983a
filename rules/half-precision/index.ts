import type { Rule } from '../engine/types';
import { fp16MaskOverflow } from './fp16-mask-overflow';

export const halfPrecisionRules: Rule[] = [fp16MaskOverflow];
