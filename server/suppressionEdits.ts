// The edits behind "Ignore NG101 on this line" and "Ignore NG101 in this file". An existing
// NaN Guard comment is extended rather than a second one added, so that the line stays readable
// and the suppression parser sees one list of codes.

import type { Dialect, TextEdit } from '../rules/engine/types';

const LINE_IGNORE = /nanguard:\s*ignore\[([^\]]*)\]/i;
const NOQA_CODES = /noqa:\s*[A-Z]+[0-9]+(?:[ \t]*,[ \t]*[A-Z]+[0-9]+|[ \t]+[A-Z]+[0-9]+)*/i;
const FILE_NOQA =
  /^(\s*(?:#|\/\/)\s*nanguard:\s*noqa)(?:\[([^\]]*)\]|(:\s*[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?/i;
const ENCODING_LINE = /^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+/;

function commentMarker(dialect: Dialect): string {
  return dialect === 'python' ? '#' : '//';
}

function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/**
 * Adds `code` to the suppression comment of `line`, or appends one. Null when no comment can go
 * at the end of the line: a Python line continued with a backslash would lose its continuation.
 *
 * FIXME: a line that ends inside a multi-line string would get the comment inside the string;
 * telling that apart needs the syntax tree, which the quick-fix budget leaves no time to build.
 */
export function ignoreLineEdit(
  text: string,
  line: number,
  code: string,
  dialect: Dialect,
): TextEdit | null {
  const lineText = splitLines(text)[line];
  if (lineText === undefined) return null;

  const existing = LINE_IGNORE.exec(lineText);
  if (existing) {
    const listEnd = existing.index + existing[0].length - 1;
    const separator = existing[1].trim() === '' ? '' : ', ';
    return insertAt(line, listEnd, `${separator}${code}`);
  }
  const noqa = NOQA_CODES.exec(lineText);
  if (noqa) return insertAt(line, noqa.index + noqa[0].length, `, ${code}`);

  if (dialect === 'python' && lineText.trimEnd().endsWith('\\')) return null;
  return insertAt(line, lineText.length, ` ${commentMarker(dialect)} nanguard: ignore[${code}]`);
}

/**
 * Adds `code` to the file's `nanguard: noqa[...]` comment, or puts a new one at the top of the
 * file: after a shebang and a Python encoding declaration, which must stay on the first lines.
 */
export function ignoreFileEdit(text: string, code: string, dialect: Dialect): TextEdit {
  const lines = splitLines(text);
  for (let line = 0; line < lines.length; line++) {
    const existing = FILE_NOQA.exec(lines[line]);
    if (!existing) continue;
    if (existing[2] !== undefined) {
      const listEnd = existing[1].length + 1 + existing[2].length;
      return insertAt(line, listEnd, `${existing[2].trim() === '' ? '' : ', '}${code}`);
    }
    if (existing[3] !== undefined) {
      return insertAt(line, existing[1].length + existing[3].length, `, ${code}`);
    }
  }

  let line = 0;
  if (lines[0]?.startsWith('#!')) line = 1;
  if (dialect === 'python') {
    // PEP 263: the encoding declaration counts only on the first or second line.
    while (line < 2 && ENCODING_LINE.test(lines[line] ?? '')) line++;
  }
  const newline = /\r\n/.test(text) ? '\r\n' : '\n';
  const comment = `${commentMarker(dialect)} nanguard: noqa[${code}]`;
  if (line >= lines.length) {
    // The file is only a shebang (or encoding line) without a final newline.
    const last = lines.length - 1;
    return insertAt(last, lines[last].length, `${newline}${comment}`);
  }
  return insertAt(line, 0, `${comment}${newline}`);
}

function insertAt(line: number, character: number, newText: string): TextEdit {
  const position = { line, character };
  return { range: { start: position, end: position }, newText };
}
