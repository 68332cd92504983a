// How paths appear in the output: relative to the folder the command ran in, with forward
// slashes on every platform, so that output is the same on a developer's machine and in CI.

import * as path from 'node:path';
import type { Place } from '../results';

export function displayPath(cwd: string, filePath: string): string {
  const relative = path.relative(cwd, filePath) || path.basename(filePath);
  return relative.split(path.sep).join('/');
}

/** `src/a.py:3:5` or, in a notebook, `nb.ipynb:cell 2:3:5`. */
export function placeLabel(shownPath: string, place: Place): string {
  const cell = place.cell === undefined ? '' : `cell ${place.cell}:`;
  return `${shownPath}:${cell}${place.line}:${place.column}`;
}
