// The rule catalogue: every family's rules, in code order. The engine, the server, the CLI and
// the docs all read this one list.

import { comparisonsRules } from './comparisons';
import { divisionRootsRules } from './division-roots';
import type { Rule } from './engine/types';
import { expOverflowRules } from './exp-overflow';
import { halfPrecisionRules } from './half-precision';
import { logDomainRules } from './log-domain';
import { precisionRules } from './precision';
import { trainingHintsRules } from './training-hints';
import { trainingLoopRules } from './training-loop';
import { underflowRules } from './underflow';

export const allRules: readonly Rule[] = [
  ...expOverflowRules,
  ...logDomainRules,
  ...precisionRules,
  ...underflowRules,
  ...divisionRootsRules,
  ...halfPrecisionRules,
  ...comparisonsRules,
  ...trainingLoopRules,
  ...trainingHintsRules,
].sort((a, b) => a.meta.code.localeCompare(b.meta.code));

export function ruleByCode(code: string): Rule | undefined {
  return allRules.find((rule) => rule.meta.code === code);
}

/** True when `code` names a rule or prefixes at least one (`NG101`, `NG1`, `NG`). */
export function matchesSomeRule(code: string): boolean {
  return allRules.some((rule) => rule.meta.code.startsWith(code));
}
