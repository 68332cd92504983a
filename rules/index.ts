// The rule catalogue: every family's rules, in code order. The engine, the server, the CLI and
// the docs all read this one list.

import type { Rule } from './engine/types';
import { expOverflowRules } from './exp-overflow';

export const allRules: readonly Rule[] = [...expOverflowRules].sort((a, b) =>
  a.meta.code.localeCompare(b.meta.code),
);

export function ruleByCode(code: string): Rule | undefined {
  return allRules.find((rule) => rule.meta.code === code);
}
