// Suppression comments. On a line: `# nanguard: ignore[NG101]`, `# nanguard: ignore` (every code),
// `# noqa: NG101` and a bare `# noqa`. For a file: `nanguard: noqa`, optionally with codes,
// `nanguard: noqa[NG1]`. TypeScript and JavaScript use `//` or block comments the same way.
// A code may be a prefix: `NG1` covers the whole exp-overflow family.

import type { Node } from 'web-tree-sitter';

export interface Suppressions {
  /** Zero-based line → codes suppressed on it; an empty list means every code. */
  lines: Map<number, string[]>;
  /** Codes suppressed in the whole file; an empty list means every code. Null when none. */
  file: string[] | null;
}

const LINE_PATTERN =
  /(?:nanguard:\s*ignore|noqa)(?!\s*\w)(?:\s*(?:\[([^\]]*)\]|:\s*([A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)))?/i;
const FILE_PATTERN =
  /nanguard:\s*noqa(?:\s*\[([^\]]*)\]|:\s*([A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?/i;

/** False when no comment of the text can suppress anything: both forms name `nanguard` or `noqa`. */
export function mayHoldSuppressions(text: string): boolean {
  return /nanguard|noqa/i.test(text);
}

function parseCodes(list: string | undefined): string[] {
  if (!list) return [];
  return list
    .split(/[\s,]+/)
    .map((code) => code.trim().toUpperCase())
    .filter((code) => code.length > 0);
}

export function collectSuppressions(comments: Node[]): Suppressions {
  const result: Suppressions = { lines: new Map(), file: null };
  for (const comment of comments) {
    const text = comment.text;
    const fileMatch = FILE_PATTERN.exec(text);
    if (fileMatch) {
      const codes = parseCodes(fileMatch[1] ?? fileMatch[2]);
      result.file = result.file === null ? codes : mergeCodes(result.file, codes);
      continue;
    }
    const lineMatch = LINE_PATTERN.exec(text);
    if (!lineMatch) continue;
    const codes = parseCodes(lineMatch[1] ?? lineMatch[2]);
    // A `noqa` for other tools' codes only (`# noqa: E501`) says nothing about NaN Guard.
    if (
      /noqa/i.test(lineMatch[0]) &&
      codes.length > 0 &&
      !codes.some((code) => code.startsWith('NG'))
    ) {
      continue;
    }
    const line = comment.startPosition.row;
    const existing = result.lines.get(line);
    result.lines.set(line, existing === undefined ? codes : mergeCodes(existing, codes));
  }
  return result;
}

/** An empty list means "every code", so merging with it stays empty. */
function mergeCodes(a: string[], b: string[]): string[] {
  if (a.length === 0 || b.length === 0) return [];
  return [...new Set([...a, ...b])];
}

export function codeMatches(code: string, patterns: string[]): boolean {
  return patterns.some((pattern) => code === pattern || code.startsWith(pattern));
}

export function isSuppressed(suppressions: Suppressions, code: string, line: number): boolean {
  if (suppressions.file !== null) {
    if (suppressions.file.length === 0 || codeMatches(code, suppressions.file)) return true;
  }
  const codes = suppressions.lines.get(line);
  if (codes === undefined) return false;
  return codes.length === 0 || codeMatches(code, codes);
}
