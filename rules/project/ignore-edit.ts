// "Add NG101 to the project's ignore list": the project file that decides a source file's
// configuration, and its text with the code added to `ignore`. The edit is surgical (one array
// or one line), so the file's comments and layout stay as they were.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'smol-toml';
import { loadConfigFor } from './config';

export interface ProjectIgnoreEdit {
  /** The configuration file to change. */
  file: string;
  text: string;
  newText: string;
}

/**
 * The edit that adds `code` to the ignore list of the project file that applies to `filePath`
 * (or to the nearest pyproject.toml, which gains a [tool.nanguard] table); null when there is no
 * project file, the code is ignored already, or the file cannot be edited safely.
 */
export function projectIgnoreEdit(filePath: string, code: string): ProjectIgnoreEdit | null {
  const file = loadConfigFor(filePath).file ?? nearestPyproject(path.dirname(filePath));
  if (!file) return null;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const newText = withIgnoredCode(text, code, path.basename(file) === 'pyproject.toml');
  return newText === null ? null : { file, text, newText };
}

function nearestPyproject(directory: string): string | null {
  for (let current = directory; ; current = path.dirname(current)) {
    const candidate = path.join(current, 'pyproject.toml');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(current) === current) return null;
  }
}

/**
 * `text` with `code` added to the ignore list: of `[tool.nanguard]` in a pyproject.toml, or of the
 * top level of a nanguard.toml. Null when the code is there already or the result would not be
 * valid TOML with the code ignored.
 */
export function withIgnoredCode(text: string, code: string, isPyproject: boolean): string | null {
  if (ignoredCodes(text, isPyproject)?.includes(code)) return null;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const header = isPyproject
    ? lines.findIndex((line) => /^\s*\[tool\.nanguard\]\s*(#.*)?$/.test(line))
    : -1;
  if (isPyproject && header < 0) {
    const separator = text.length === 0 || text.endsWith('\n') ? '' : eol;
    return checked(`${text}${separator}${eol}[tool.nanguard]${eol}ignore = ["${code}"]${eol}`);
  }

  // The table's own lines: after its header (or from the top) up to the next table header.
  const start = header + 1;
  let end = lines.findIndex((line, index) => index >= start && /^\s*\[/.test(line));
  if (end < 0) end = lines.length;
  const ignoreLine = lines.findIndex(
    (line, index) => index >= start && index < end && /^\s*ignore\s*=\s*\[/.test(line),
  );
  if (ignoreLine < 0) {
    lines.splice(start, 0, `ignore = ["${code}"]`);
    return checked(lines.join(eol), code, isPyproject);
  }
  lines[ignoreLine] = lines[ignoreLine].replace(/\[\s*(\]?)/, (_match, closing: string) =>
    closing ? `["${code}"]` : `["${code}", `,
  );
  return checked(lines.join(eol), code, isPyproject);

  function checked(candidate: string, wanted = code, pyproject = isPyproject): string | null {
    return ignoredCodes(candidate, pyproject)?.includes(wanted) ? candidate : null;
  }
}

function ignoredCodes(text: string, isPyproject: boolean): string[] | null {
  try {
    const document = parse(text) as Record<string, unknown>;
    const tool = document.tool as Record<string, unknown> | undefined;
    const table = (isPyproject ? tool?.nanguard : document) as Record<string, unknown> | undefined;
    const ignore = table?.ignore;
    return Array.isArray(ignore) ? ignore.map(String) : [];
  } catch {
    return null;
  }
}
