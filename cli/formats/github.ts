// `--format github`: GitHub Actions workflow commands, which the runner turns into annotations
// on the pull request's diff.

import type { Severity } from '../../rules/engine/types';
import type { FileResult } from '../results';
import { displayPath } from './paths';

const COMMANDS: Record<Severity, string> = {
  error: 'error',
  warning: 'warning',
  information: 'notice',
  hint: 'notice',
};

/** The escaping the runner expects in a command's message. */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Property values also escape the separators of the property list. */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function formatGithub(results: FileResult[], cwd: string): string {
  const lines: string[] = [];
  for (const result of results) {
    const file = escapeProperty(displayPath(cwd, result.path));
    for (const finding of result.findings) {
      const { place } = finding;
      // A notebook's annotation goes on the lines of the .ipynb that hold the code (no columns:
      // inside a JSON string they would not match), and its message says where in which cell.
      const where =
        place.cell === undefined
          ? [
              `line=${place.line}`,
              `col=${place.column}`,
              `endLine=${place.endLine}`,
              `endColumn=${place.endColumn}`,
            ]
          : place.fileLine === undefined
            ? []
            : [`line=${place.fileLine}`, `endLine=${place.fileEndLine ?? place.fileLine}`];
      const properties = [
        `file=${file}`,
        ...where,
        `title=${escapeProperty(`${finding.code} ${finding.name}`)}`,
      ].join(',');
      const cell =
        place.cell === undefined ? '' : `cell ${place.cell}:${place.line}:${place.column}: `;
      const message = escapeData(`${cell}${finding.message}`);
      lines.push(`::${COMMANDS[finding.severity]} ${properties}::${message}`);
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
