import type { Rule } from '../engine/types';
import { productOfProbabilities } from './product-of-probabilities';

export const underflowRules: Rule[] = [productOfProbabilities];
