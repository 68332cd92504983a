// Jupyter notebooks: reading the cells of an .ipynb file, joining the code cells into one text so
// that an import in cell 1 serves cell 5, mapping ranges between the joined text and the cells,
// and writing changed cell sources back without touching any other byte of the file.
//
// IPython syntax that is not Python (`%matplotlib inline`, `%%time` cells, `!pip install x`,
// `?obj`, `files = !ls`) is blanked out of the joined text line by line, so that the parser sees
// Python only and every line number still matches the cell it came from.

import { applyEditGroups } from '../engine/edits';
import { t } from '../engine/l10n';
import { computeLineStarts, lineAt } from '../engine/model';
import type { Position, Range, TextEdit } from '../engine/types';

export interface NotebookCell {
  /** The cell's position among all the notebook's cells, code or not, from 0. */
  index: number;
  kind: 'code' | 'markdown' | 'raw';
  source: string;
}

export interface JoinedNotebook {
  /** The code cells joined in order, one newline between cells, magics blanked out. */
  text: string;
  toCell(range: Range): { cell: number; range: Range } | null;
  fromCell(cell: number, position: Position): Position | null;
}

export function readNotebook(
  json: string,
): { cells: NotebookCell[]; language: string } | { error: string } {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    return { error: t('not a notebook: invalid JSON ({0})', oneLine((error as Error).message)) };
  }
  if (!isObject(document) || !Array.isArray(document.cells)) {
    return { error: t('not a notebook: the JSON has no "cells" list') };
  }
  if (typeof document.nbformat === 'number' && document.nbformat < 4) {
    return { error: t('notebook format {0} is not supported (4 or later)', document.nbformat) };
  }

  const cells: NotebookCell[] = [];
  for (const [index, cell] of document.cells.entries()) {
    const source = isObject(cell) ? sourceText(cell.source) : null;
    if (!isObject(cell) || source === null) {
      return { error: t('not a notebook: cell {0} has no readable source', index + 1) };
    }
    cells.push({ index, kind: cellKind(cell.cell_type), source });
  }
  return { cells, language: notebookLanguage(document.metadata) };
}

function sourceText(source: unknown): string | null {
  if (source === undefined) return '';
  if (typeof source === 'string') return source;
  if (Array.isArray(source) && source.every((line) => typeof line === 'string')) {
    return source.join('');
  }
  return null;
}

function cellKind(type: unknown): NotebookCell['kind'] {
  return type === 'code' || type === 'markdown' ? type : 'raw';
}

function notebookLanguage(metadata: unknown): string {
  if (!isObject(metadata)) return 'python';
  const kernel = metadata.kernelspec;
  if (isObject(kernel) && typeof kernel.language === 'string') return kernel.language;
  const info = metadata.language_info;
  if (isObject(info) && typeof info.name === 'string') return info.name;
  return 'python';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where one code cell sits in the joined text. */
interface CellSpan {
  index: number;
  firstLine: number;
  lineCount: number;
}

export function joinCells(cells: NotebookCell[]): JoinedNotebook {
  const spans: CellSpan[] = [];
  const texts: string[] = [];
  let line = 0;
  for (const cell of cells) {
    if (cell.kind !== 'code') continue;
    const lineCount = computeLineStarts(cell.source).length;
    spans.push({ index: cell.index, firstLine: line, lineCount });
    texts.push(blankIPythonSyntax(cell.source));
    line += lineCount;
  }

  const spanOfLine = (target: number): CellSpan | undefined =>
    spans.find((span) => target >= span.firstLine && target < span.firstLine + span.lineCount);

  return {
    text: texts.join('\n'),
    toCell(range) {
      const span = spanOfLine(range.start.line);
      if (!span || spanOfLine(range.end.line) !== span) return null;
      const shift = (position: Position): Position => ({
        line: position.line - span.firstLine,
        character: position.character,
      });
      return { cell: span.index, range: { start: shift(range.start), end: shift(range.end) } };
    },
    fromCell(cell, position) {
      const span = spans.find((candidate) => candidate.index === cell);
      if (!span || position.line < 0 || position.line >= span.lineCount) return null;
      return { line: span.firstLine + position.line, character: position.character };
    },
  };
}

const LINE_MAGIC = /^\s*[%!]/;
/** Cell magics whose body is Python, run as usual: timed, profiled, or with its output captured. */
const PYTHON_CELL_MAGICS = /^%%(time|timeit|capture|prun)(\s|$)/;
const HELP = /^\s*\?|^\s*[\w.]+\s*\?\??\s*$/;
const ASSIGNED_FROM_SHELL = /^\s*[\w.,\s]+=\s*[!%]/;

/**
 * Replaces IPython-only lines by empty lines (or `pass` where they are indented, so that a block
 * keeps a body). A cell magic (`%%bash`, `%%writefile`) blanks its whole cell, whose body may not
 * be Python at all, except the magics that run their body as Python (`%%time`, `%%timeit`,
 * `%%capture`, `%%prun`): there only the magic's line goes. A backslash at the end of a magic
 * line continues it on the next line.
 *
 * FIXME: a line starting with `%` inside a bracket or a triple-quoted string is Python, yet is
 * blanked too; telling them apart needs the parser.
 */
export function blankIPythonSyntax(source: string): string {
  const lines = source.split(/(\r\n|\r|\n)/);
  const firstCode = lines.find((line, position) => position % 2 === 0 && line.trim() !== '');
  const magic = firstCode?.trimStart() ?? '';
  const wholeCell = magic.startsWith('%%') && !PYTHON_CELL_MAGICS.test(magic);

  let continued = false;
  for (let position = 0; position < lines.length; position += 2) {
    const line = lines[position];
    const isIPython =
      wholeCell ||
      continued ||
      LINE_MAGIC.test(line) ||
      HELP.test(line) ||
      ASSIGNED_FROM_SHELL.test(line);
    if (!isIPython) continue;
    continued = !wholeCell && line.trimEnd().endsWith('\\');
    const indent = /^\s*/.exec(line)?.[0] ?? '';
    lines[position] = indent && !wholeCell ? `${indent}pass` : '';
  }
  return lines.join('');
}

/**
 * An edit that inserts import statements as whole lines, as fixes add an import. Other inserted
 * lines (a clip before `opt.step()`) belong where the fix put them.
 */
export function isImportInsertion(edit: TextEdit): boolean {
  const { start, end } = edit.range;
  if (start.line !== end.line || start.character !== 0 || end.character !== 0) return false;
  if (!edit.newText.endsWith('\n')) return false;
  const lines = edit.newText.split(/\r\n|\r|\n/).slice(0, -1);
  return lines.length > 0 && lines.every((line) => IMPORT_LINE.test(line));
}

const IMPORT_LINE = /^(import\s+[\w.]|from\s+[\w.]+\s+import\s)/;

/**
 * The line of a cell where an import that a fix adds goes: after the lines that must stay first,
 * the magics and shell commands (`%matplotlib inline`, `!pip install scipy` with its continuation
 * lines). The import belongs in the cell of the fix: the notebook's own import block may be in a
 * cell that runs before the package is installed, or after the cell that needs it.
 */
export function importLineOfCell(source: string): number {
  const lines = source.split(/\r\n|\r|\n/);
  let line = 0;
  let continued = false;
  while (line < lines.length - 1 && (continued || LINE_MAGIC.test(lines[line]))) {
    continued = lines[line].trimEnd().endsWith('\\');
    line++;
  }
  return line;
}

/**
 * A fix's edits (joined-text coordinates) with the imports it adds moved into the one cell its
 * other edits change, at `importLineOfCell`; null when it changes more than one cell.
 */
export function confineImports(
  edits: TextEdit[],
  joined: JoinedNotebook,
  sourceOf: (cell: number) => string | undefined,
): TextEdit[] | null {
  const cells = new Set<number>();
  for (const edit of edits) {
    if (isImportInsertion(edit)) continue;
    const mapped = joined.toCell(edit.range);
    if (!mapped) return null;
    cells.add(mapped.cell);
  }
  if (cells.size === 0) return edits;
  if (cells.size > 1) return null;
  const [cell] = cells;
  const source = sourceOf(cell);
  const at =
    source === undefined
      ? null
      : joined.fromCell(cell, { line: importLineOfCell(source), character: 0 });
  if (!at) return null;
  return edits.map((edit) =>
    isImportInsertion(edit) ? { range: { start: at, end: at }, newText: edit.newText } : edit,
  );
}

/** The cells after applying fix edits given in joined-text coordinates. */
export interface NotebookEditResult {
  sources: Map<number, string>;
  applied: number;
  skipped: number;
}

const CELL_SEPARATOR = '\u0000';

/**
 * Applies groups of edits computed on `joinCells(cells).text` to the original cell sources (with
 * their magics). Each group applies whole or not at all; a group that spans two cells, or that
 * touches a blanked line, is skipped. Only the cells that changed are returned.
 */
export function applyNotebookEdits(
  cells: NotebookCell[],
  joined: JoinedNotebook,
  groups: TextEdit[][],
): NotebookEditResult {
  const codeCells = cells.filter((cell) => cell.kind === 'code');
  if (codeCells.some((cell) => cell.source.includes(CELL_SEPARATOR))) {
    return { sources: new Map(), applied: 0, skipped: groups.length };
  }

  const joinedLines = joined.text.split(/\r\n|\r|\n/);
  const usable = groups.filter((group) =>
    group.every((edit) => editStaysInCell(joined, joinedLines, edit)),
  );
  const marked = codeCells.map((cell) => cell.source).join(`${CELL_SEPARATOR}\n`);
  const result = applyEditGroups(marked, usable);
  const pieces = result.text.split(`${CELL_SEPARATOR}\n`);
  if (pieces.length !== codeCells.length) {
    return { sources: new Map(), applied: 0, skipped: groups.length };
  }

  const sources = new Map<number, string>();
  codeCells.forEach((cell, position) => {
    if (pieces[position] !== cell.source) sources.set(cell.index, pieces[position]);
  });
  return {
    sources,
    applied: result.applied,
    skipped: result.skipped + groups.length - usable.length,
  };
}

function editStaysInCell(joined: JoinedNotebook, lines: string[], edit: TextEdit): boolean {
  const mapped = joined.toCell(edit.range);
  if (!mapped) return false;
  const line = lines[edit.range.start.line] ?? '';
  // A blanked line reads as empty or `pass` in the joined text; its original differs, so
  // character offsets on it would not mean the same thing.
  return !(line.trim() === '' || line.trim() === 'pass') || edit.range.start.character === 0;
}

/**
 * Replaces the sources of the given cells (by index among all cells) in the notebook's JSON text.
 * Every other byte stays as it was: the edit is made on the text, not by re-serialising, and a
 * source written as a list of lines stays a list of lines in the same layout.
 */
export function rewriteNotebook(json: string, newSources: Map<number, string>): string {
  const scanner = new JsonScanner(json);
  const start = scanner.skipWhitespace(0);
  if (json[start] !== '{') return json;
  const cellsEntry = scanner.objectEntries(start).find((entry) => entry.key === 'cells');
  if (!cellsEntry || json[cellsEntry.start] !== '[') return json;

  const replacements: { start: number; end: number; text: string }[] = [];
  scanner.arrayElements(cellsEntry.start).forEach((element, index) => {
    const source = newSources.get(index);
    if (source === undefined || json[element.start] !== '{') return;
    const sourceEntry = scanner
      .objectEntries(element.start)
      .find((entry) => entry.key === 'source');
    if (!sourceEntry) return;
    const original = json.slice(sourceEntry.start, sourceEntry.end);
    if (sourceText(JSON.parse(original)) === source) return;
    const text = serializeSource(scanner, json, sourceEntry, source);
    replacements.push({ start: sourceEntry.start, end: sourceEntry.end, text });
  });

  replacements.sort((a, b) => b.start - a.start);
  let result = json;
  for (const { start, end, text } of replacements) {
    result = result.slice(0, start) + text + result.slice(end);
  }
  return result;
}

/**
 * Where each line of each cell's source sits in the notebook file: for the cell at each position
 * in `cells`, the 0-based line of the file that holds that source line. Jupyter writes a source
 * as a list of strings, one per line, each on a line of the file; a source written as a single
 * string puts all of its lines on the line where that string starts. Tools that address the file
 * itself (SARIF, GitHub annotations) need these lines, not the cell's own.
 */
export function sourceLinesInFile(json: string): Map<number, number[]> {
  const found = new Map<number, number[]>();
  const scanner = new JsonScanner(json);
  const start = scanner.skipWhitespace(0);
  if (json[start] !== '{') return found;
  const cellsEntry = scanner.objectEntries(start).find((entry) => entry.key === 'cells');
  if (!cellsEntry || json[cellsEntry.start] !== '[') return found;
  const lineStarts = computeLineStarts(json);
  scanner.arrayElements(cellsEntry.start).forEach((element, index) => {
    if (json[element.start] !== '{') return;
    const source = scanner.objectEntries(element.start).find((entry) => entry.key === 'source');
    if (!source) return;
    if (json[source.start] === '[') {
      found.set(
        index,
        scanner.arrayElements(source.start).map((line) => lineAt(lineStarts, line.start)),
      );
    } else if (json[source.start] === '"') {
      const text = JSON.parse(json.slice(source.start, source.end)) as string;
      found.set(
        index,
        computeLineStarts(text).map(() => lineAt(lineStarts, source.start)),
      );
    }
  });
  return found;
}

/** Jupyter's own split: every line keeps its newline, the last one may have none. */
function sourceLines(source: string): string[] {
  return source.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function serializeSource(
  scanner: JsonScanner,
  json: string,
  entry: JsonSpan & { keyStart: number },
  source: string,
): string {
  if (json[entry.start] !== '[') return JSON.stringify(source);
  const lines = sourceLines(source).map((line) => JSON.stringify(line));
  if (lines.length === 0) return '[]';

  const elements = scanner.arrayElements(entry.start);
  const layout = arrayLayout(json, entry, elements);
  return `[${layout.opening}${lines.join(layout.separator)}${layout.closing}]`;
}

/** The whitespace around the elements of an array, copied from the array being replaced. */
function arrayLayout(
  json: string,
  entry: JsonSpan & { keyStart: number },
  elements: JsonSpan[],
): { opening: string; separator: string; closing: string } {
  if (elements.length === 0) {
    // An empty list has no layout of its own; nbformat writes one-space indentation per level.
    const lineStart = json.lastIndexOf('\n', entry.keyStart) + 1;
    const keyIndent = /^[ \t]*/.exec(json.slice(lineStart))?.[0] ?? '';
    return { opening: `\n${keyIndent} `, separator: `,\n${keyIndent} `, closing: `\n${keyIndent}` };
  }
  const first = elements[0];
  const last = elements[elements.length - 1];
  const opening = json.slice(entry.start + 1, first.start);
  const closing = json.slice(last.end, entry.end - 1);
  const separator =
    elements.length > 1
      ? json.slice(first.end, elements[1].start)
      : opening.includes('\n')
        ? `,${opening}`
        : ', ';
  return { opening, separator, closing };
}

interface JsonSpan {
  start: number;
  end: number;
}

/**
 * Finds the spans of values in JSON text that is already known to be valid. Values it does not
 * descend into are skipped iteratively, so deeply nested outputs cannot exhaust the stack.
 */
class JsonScanner {
  constructor(private readonly text: string) {}

  skipWhitespace(position: number): number {
    while (position < this.text.length && /\s/.test(this.text[position])) position++;
    return position;
  }

  private skipString(position: number): number {
    let index = position + 1;
    while (index < this.text.length) {
      const char = this.text[index];
      if (char === '\\') index += 2;
      else if (char === '"') return index + 1;
      else index++;
    }
    return index;
  }

  skipValue(position: number): number {
    const first = this.text[position];
    if (first === '"') return this.skipString(position);
    if (first !== '{' && first !== '[') {
      let index = position;
      while (index < this.text.length && !/[\s,\]}]/.test(this.text[index])) index++;
      return index;
    }
    let depth = 0;
    let index = position;
    while (index < this.text.length) {
      const char = this.text[index];
      if (char === '"') {
        index = this.skipString(index);
        continue;
      }
      if (char === '{' || char === '[') depth++;
      else if (char === '}' || char === ']') depth--;
      index++;
      if (depth === 0) return index;
    }
    return index;
  }

  objectEntries(position: number): (JsonSpan & { key: string; keyStart: number })[] {
    const entries: (JsonSpan & { key: string; keyStart: number })[] = [];
    let index = this.skipWhitespace(position + 1);
    while (index < this.text.length && this.text[index] !== '}') {
      const keyStart = index;
      const keyEnd = this.skipString(index);
      const key = JSON.parse(this.text.slice(keyStart, keyEnd)) as string;
      index = this.skipWhitespace(keyEnd);
      index = this.skipWhitespace(index + 1);
      const end = this.skipValue(index);
      entries.push({ key, keyStart, start: index, end });
      index = this.skipWhitespace(end);
      if (this.text[index] === ',') index = this.skipWhitespace(index + 1);
    }
    return entries;
  }

  arrayElements(position: number): JsonSpan[] {
    const elements: JsonSpan[] = [];
    let index = this.skipWhitespace(position + 1);
    while (index < this.text.length && this.text[index] !== ']') {
      const end = this.skipValue(index);
      elements.push({ start: index, end });
      index = this.skipWhitespace(end);
      if (this.text[index] === ',') index = this.skipWhitespace(index + 1);
    }
    return elements;
  }
}

/** Parser messages quote the input and can span lines; a report line must stay one line. */
function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, ' ');
}
