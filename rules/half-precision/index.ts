import type { Rule } from '../engine/types';
import { epsilonBelowResolution } from './epsilon-below-resolution';
import { fp16MaskOverflow } from './fp16-mask-overflow';
import { fp16WithoutGradScaler } from './fp16-without-grad-scaler';
import { infMaskSoftmax } from './inf-mask-softmax';

export const halfPrecisionRules: Rule[] = [
  fp16MaskOverflow,
  infMaskSoftmax,
  epsilonBelowResolution,
  fp16WithoutGradScaler,
];
