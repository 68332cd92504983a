import type { Rule } from '../engine/types';
import { integerProductOverflow } from './integer-product-overflow';
import { productOfProbabilities } from './product-of-probabilities';

export const underflowRules: Rule[] = [productOfProbabilities, integerProductOverflow];
