// Checks that rule triggers never hide a finding: the same text analysed with the real triggers
// and with triggers that match everything must give the same findings.

import * as assert from 'node:assert/strict';
import { allRules } from '../../rules';
import { analyzeText } from '../../rules/engine/engine';
import type { Finding, LanguageId, Rule } from '../../rules/engine/types';

/** The same rules with triggers that match every text. */
const untriggeredRules: Rule[] = allRules.map((rule) => ({
  ...rule,
  meta: { ...rule.meta, triggers: /(?:)/ },
}));

function summary(findings: Finding[]): string[] {
  return findings.map(
    ({ code, range }) =>
      `${code} ${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}`,
  );
}

export function assertTriggersHideNothing(text: string, language: LanguageId): void {
  const triggered = analyzeText(text, language, { rules: allRules, withFixes: false });
  const every = analyzeText(text, language, { rules: untriggeredRules, withFixes: false });
  assert.deepEqual(summary(triggered.findings), summary(every.findings), JSON.stringify(text));
}
