import type { Rule } from '../engine/types';
import { clipAfterStep } from './clip-after-step';
import { missingGradClipping } from './missing-grad-clipping';
import { tfUnclippedGradients } from './tf-unclipped-gradients';

export const trainingLoopRules: Rule[] = [missingGradClipping, clipAfterStep, tfUnclippedGradients];
