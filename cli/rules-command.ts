// `nanguard rules`: the catalogue, one rule a line, in the chosen language.

import { allRules } from '../rules';
import { t } from '../rules/engine/l10n';
import type { FixSafety } from '../rules/engine/types';

function fixSafetyLabel(safety: FixSafety): string {
  if (safety === 'safe') return t('safe fix');
  if (safety === 'unsafe') return t('unsafe fix');
  return t('no fix');
}

export function printRules(format: 'text' | 'json'): string {
  const rows = allRules.map(({ meta }) => ({
    code: meta.code,
    name: meta.name,
    family: meta.family,
    fix: meta.fixSafety,
    severity: meta.severity,
    summary: t(meta.summary),
  }));
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;

  const nameWidth = Math.max(...rows.map((row) => row.name.length), 0);
  const familyWidth = Math.max(...rows.map((row) => row.family.length), 0);
  const fixWidth = Math.max(...rows.map((row) => fixSafetyLabel(row.fix).length), 0);
  return rows
    .map((row) =>
      [
        row.code,
        row.name.padEnd(nameWidth),
        row.family.padEnd(familyWidth),
        fixSafetyLabel(row.fix).padEnd(fixWidth),
        row.summary,
      ].join('  '),
    )
    .map((line) => `${line}\n`)
    .join('');
}
