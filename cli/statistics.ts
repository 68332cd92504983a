// `--statistics`: how many findings each rule produced, most frequent first, with how many of
// them `--fix` can repair.

import type { FileResult } from './results';

interface RuleCount {
  code: string;
  name: string;
  count: number;
  fixable: number;
}

export function countByRule(results: FileResult[]): RuleCount[] {
  const counts = new Map<string, RuleCount>();
  for (const finding of results.flatMap((result) => result.findings)) {
    const entry = counts.get(finding.code) ?? {
      code: finding.code,
      name: finding.name,
      count: 0,
      fixable: 0,
    };
    entry.count++;
    if (finding.fixability === 'safe') entry.fixable++;
    counts.set(finding.code, entry);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

export function formatStatistics(results: FileResult[], asJson: boolean): string {
  const counts = countByRule(results);
  if (asJson) return `${JSON.stringify(counts, null, 2)}\n`;
  const width = String(counts[0]?.count ?? 0).length;
  return counts
    .map(({ code, name, count, fixable }) => {
      const mark = fixable > 0 ? '[*]' : '   ';
      return `${String(count).padStart(width)}  ${code}  ${mark} ${name}\n`;
    })
    .join('');
}
