// The default output: one line per finding, as compilers and linters print them, so that editors
// and terminals turn `path:line:col` into a link.

import type { FileResult } from '../results';
import { displayPath, placeLabel } from './paths';

export function formatText(results: FileResult[], cwd: string): string {
  const lines: string[] = [];
  for (const result of results) {
    const shown = displayPath(cwd, result.path);
    for (const finding of result.findings) {
      lines.push(`${placeLabel(shown, finding.place)}: ${finding.code} ${finding.message}`);
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
