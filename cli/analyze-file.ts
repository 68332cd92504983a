// The work done for one file, in a worker thread or in the main one: read it (refusing what is
// not source text), analyse it with its configuration, apply fixes in rounds when asked, and hand
// back plain data. Nothing here throws: every failure becomes a note on the file.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import type { Node } from 'web-tree-sitter';
import { allRules } from '../rules';
import { applyEditGroups } from '../rules/engine/edits';
import { analyzeTree, rulesFor, type Analysis, type AnalyzeOptions } from '../rules/engine/engine';
import { t } from '../rules/engine/l10n';
import { computeLineStarts, positionIn } from '../rules/engine/model';
import { languageForPath, parse } from '../rules/engine/parser';
import type { Finding, LanguageId, Position, Range, TextEdit } from '../rules/engine/types';
import { codeEnabled, severityFor, type LoadedConfig } from '../rules/project/config';
import {
  applyNotebookEdits,
  blankIPythonSyntax,
  confineImports,
  joinCells,
  readNotebook,
  rewriteNotebook,
  sourceLinesInFile,
  type JoinedNotebook,
  type NotebookCell,
} from '../rules/project/notebook';
import { configurationFor } from './configuration';
import {
  emptyResult,
  type FileResult,
  type Place,
  type ReportedFinding,
  type ScanSettings,
} from './results';

export const MAX_FILE_BYTES = 5 * 1024 * 1024;
/**
 * A notebook's file holds its outputs too (plots as base64 images): the file may be this large,
 * and the 5 MB limit applies to the code of its cells.
 */
export const MAX_NOTEBOOK_BYTES = 64 * 1024 * 1024;
export const MAX_LINE_LENGTH = 10_000;
const MAX_FIX_ROUNDS = 5;

export function analyzeFile(filePath: string, settings: ScanSettings): FileResult {
  const isNotebook = path.extname(filePath).toLowerCase() === '.ipynb';
  const result = emptyResult(filePath, isNotebook);
  try {
    const source = readSourceText(filePath, isNotebook, result);
    if (source === null) return result;
    if (isNotebook) analyzeNotebook(source, settings, result);
    else analyzeSource(source, settings, result);
  } catch (error) {
    result.notes.push({ kind: 'error', message: t('internal error: {0}', errorLine(error)) });
  }
  return result;
}

interface SourceText {
  text: string;
  /** A byte-order mark removed on reading, put back on writing. */
  bom: boolean;
  /** The file as read, to tell before writing fixes whether it changed in the meantime. */
  bytes: Buffer;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function readSourceText(
  filePath: string,
  isNotebook: boolean,
  result: FileResult,
): SourceText | null {
  const skip = (message: string): null => {
    result.notes.push({ kind: 'skipped', message });
    return null;
  };
  const fail = (message: string): null => {
    result.notes.push({ kind: 'error', message });
    return null;
  };
  let bytes: Buffer;
  try {
    const limit = isNotebook ? MAX_NOTEBOOK_BYTES : MAX_FILE_BYTES;
    if (fs.statSync(filePath).size > limit) {
      return skip(isNotebook ? t('skipped: larger than 64 MB') : t('skipped: larger than 5 MB'));
    }
    bytes = fs.readFileSync(filePath);
  } catch (error) {
    const code = (error as { code?: string }).code;
    // A file that vanished (or a link that leads nowhere) is gone; one that exists and cannot be
    // read is a file that could not be checked.
    if (code === 'ENOENT' || code === 'ELOOP') return skip(readFailure(error));
    return fail(
      code === 'EACCES' || code === 'EPERM'
        ? t('could not read: permission denied')
        : t('could not read: {0}', errorLine(error)),
    );
  }
  if (bytes.includes(0)) return skip(t('skipped: binary file'));
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return fail(t('could not read: not UTF-8 text (convert the file to UTF-8 to check it)'));
  }
  // The decoder drops a leading byte-order mark; it is remembered to be written back.
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return { text, bom, bytes };
}

function readFailure(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ELOOP') return t('skipped: symlink loop');
  return t('skipped: vanished during the scan');
}

function hasOverlongLine(text: string): boolean {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end - start > MAX_LINE_LENGTH) return true;
    start = end + 1;
  }
  return false;
}

/** The parse and the analysis of one text, with where its first syntax error is. */
export interface Checked {
  analysis: Analysis;
  firstSyntaxError: Position | null;
}

export function check(text: string, language: LanguageId, options: AnalyzeOptions): Checked {
  const tree = parse(text, language);
  try {
    const analysis = analyzeTree(tree, text, language, options);
    const error = analysis.hasSyntaxErrors ? firstErrorNode(tree.rootNode) : null;
    return {
      analysis,
      firstSyntaxError: error ? positionOf(text, error.startIndex) : null,
    };
  } finally {
    tree.delete();
  }
}

/** Descends along the children that contain an error, without recursion. */
function firstErrorNode(root: Node): Node {
  let node = root;
  for (;;) {
    if (node.isError || node.isMissing) return node;
    const next = node.children.find(
      (child) => child !== null && (child.hasError || child.isError || child.isMissing),
    );
    if (!next) return node;
    node = next;
  }
}

function positionOf(text: string, index: number): Position {
  return positionIn(computeLineStarts(text), index);
}

function analyzeOptionsFor(loaded: LoadedConfig, filePath: string): AnalyzeOptions {
  return {
    rules: allRules,
    isEnabled: (code) => codeEnabled(loaded, filePath, code),
    severityOf: (rule) => severityFor(loaded, rule.meta.code, rule.meta.family, rule.meta.severity),
    withFixes: true,
  };
}

/** The fix `--fix` applies for a finding: the first safe one, or the first at all when unsafe. */
function chosenFix(finding: Finding, mode: ScanSettings['fixMode']): TextEdit[] | null {
  if (mode === 'none') return null;
  const fix = finding.fixes.find((candidate) => candidate.safe || mode === 'unsafe');
  return fix ? fix.edits : null;
}

interface FixOutcome<D> {
  document: D;
  checked: Checked;
  applied: number;
  /** The check of the document as read, before any fix. */
  first: Checked;
}

/**
 * Applies fixes in rounds: after each round the text is analysed again, since one fix may make
 * another possible (or an edit was left out because it overlapped). A file that has syntax errors
 * is not fixed, and when a round would introduce one, every round is given up.
 */
export function fixInRounds<D>(
  initial: D,
  checkDocument: (document: D) => Checked,
  applyGroups: (document: D, groups: TextEdit[][]) => { document: D; applied: number },
  settings: ScanSettings,
  result: FileResult,
): FixOutcome<D> {
  const first = checkDocument(initial);
  let outcome: FixOutcome<D> = { document: initial, checked: first, applied: 0, first };
  if (settings.fixMode === 'none') return outcome;
  if (first.firstSyntaxError) {
    const fixable = first.analysis.findings.some((finding) => chosenFix(finding, settings.fixMode));
    if (fixable) {
      result.notes.push({
        kind: 'note',
        message: t('fixes not applied: the file has a syntax error'),
      });
    }
    return outcome;
  }

  for (let round = 0; round < MAX_FIX_ROUNDS; round++) {
    const groups = outcome.checked.analysis.findings
      .map((finding) => chosenFix(finding, settings.fixMode))
      .filter((edits): edits is TextEdit[] => edits !== null);
    if (groups.length === 0) break;
    const next = applyGroups(outcome.document, groups);
    if (next.applied === 0) break;
    const checked = checkDocument(next.document);
    if (checked.firstSyntaxError) {
      result.notes.push({
        kind: 'error',
        message: t('fixes not applied: they would introduce a syntax error'),
      });
      return { document: initial, checked: first, applied: 0, first };
    }
    outcome = { document: next.document, checked, applied: outcome.applied + next.applied, first };
  }
  return outcome;
}

function analyzeSource(source: SourceText, settings: ScanSettings, result: FileResult): void {
  const language = languageForPath(result.path);
  if (!language) {
    result.notes.push({ kind: 'skipped', message: t('skipped: unknown language') });
    return;
  }
  if (hasOverlongLine(source.text)) {
    result.notes.push({ kind: 'skipped', message: t('skipped: minified or generated code') });
    return;
  }
  result.lines = computeLineStarts(source.text).length;
  const options = analyzeOptionsFor(configurationFor(result.path, settings), result.path);
  // A file in which no enabled rule finds its trigger words is not parsed at all.
  if (rulesFor(source.text, language, options).length === 0) return;
  const outcome = fixInRounds(
    source.text,
    (text) => check(text, language, options),
    (text, groups) => {
      const applied = applyEditGroups(text, groups);
      return { document: applied.text, applied: applied.applied };
    },
    settings,
    result,
  );
  result.parsed = true;
  const identity = (range: Range): Place => toPlace(range);
  const prefix = source.bom ? '\ufeff' : '';
  const written =
    outcome.applied === 0 ||
    finishFixes(source, prefix + outcome.document, outcome.applied, settings, result);
  // When the fixes could not be written, the file still holds what was found in it.
  reportChecked(written ? outcome.checked : outcome.first, identity, result);
}

interface NotebookDocument {
  cells: NotebookCell[];
  joined: JoinedNotebook;
}

function analyzeNotebook(source: SourceText, settings: ScanSettings, result: FileResult): void {
  const notebook = readNotebook(source.text);
  if ('error' in notebook) {
    result.notes.push({ kind: 'error', message: notebook.error });
    return;
  }
  if (notebook.language.toLowerCase() !== 'python') {
    result.notes.push({
      kind: 'skipped',
      message: t('skipped: a {0} notebook (only Python notebooks are checked)', notebook.language),
    });
    return;
  }
  const initial = { cells: notebook.cells, joined: joinCells(notebook.cells) };
  if (Buffer.byteLength(initial.joined.text, 'utf8') > MAX_FILE_BYTES) {
    result.notes.push({ kind: 'skipped', message: t('skipped: more than 5 MB of code') });
    return;
  }
  if (hasOverlongLine(initial.joined.text)) {
    result.notes.push({ kind: 'skipped', message: t('skipped: minified or generated code') });
    return;
  }
  result.lines = computeLineStarts(initial.joined.text).length;
  const options = analyzeOptionsFor(configurationFor(result.path, settings), result.path);
  if (rulesFor(initial.joined.text, 'python', options).length === 0) return;
  const outcome = fixInRounds<NotebookDocument>(
    initial,
    (document) => check(document.joined.text, 'python', options),
    (document, groups) => applyToCells(document, groups),
    settings,
    result,
  );
  result.parsed = true;
  let written = true;
  let json = source.text;
  if (outcome.applied > 0) {
    const changed = new Map<number, string>();
    outcome.document.cells.forEach((cell, position) => {
      if (cell.source !== notebook.cells[position].source) changed.set(cell.index, cell.source);
    });
    const rewritten = rewriteNotebook(source.text, changed);
    const prefix = source.bom ? '\ufeff' : '';
    written = finishFixes(source, prefix + rewritten, outcome.applied, settings, result);
    if (written) json = rewritten;
  }
  const shown = written ? outcome : { checked: outcome.first, document: initial };
  const checked = shown.checked.firstSyntaxError
    ? {
        ...shown.checked,
        firstSyntaxError: cellSyntaxError(shown.document) ?? shown.checked.firstSyntaxError,
      }
    : shown.checked;
  const fileLines = sourceLinesInFile(json);
  reportChecked(checked, (range) => cellPlace(shown.document.joined, range, fileLines), result);
}

/**
 * Where the first cell that does not parse on its own has its first error, in the joined text.
 * Parsed together, a half-typed cell runs into the next one (`x = 1 +` then `def f():`), and
 * tree-sitter may place the error in a later cell or wrap earlier cells into it; each cell runs
 * on its own in Jupyter, so the cell that fails alone is the one to name.
 */
function cellSyntaxError(document: NotebookDocument): Position | null {
  for (const cell of document.cells) {
    if (cell.kind !== 'code') continue;
    const text = blankIPythonSyntax(cell.source);
    const tree = parse(text, 'python');
    try {
      if (!tree.rootNode.hasError) continue;
      const inCell = positionOf(text, firstErrorNode(tree.rootNode).startIndex);
      return document.joined.fromCell(cell.index, inCell);
    } finally {
      tree.delete();
    }
  }
  return null;
}

function applyToCells(
  document: NotebookDocument,
  groups: TextEdit[][],
): { document: NotebookDocument; applied: number } {
  const sources = new Map(document.cells.map((cell) => [cell.index, cell.source]));
  const confined = groups.map(
    (group) => confineImports(group, document.joined, (cell) => sources.get(cell)) ?? group,
  );
  const edited = applyNotebookEdits(document.cells, document.joined, confined);
  const cells = document.cells.map((cell) => {
    const source = edited.sources.get(cell.index);
    return source === undefined ? cell : { ...cell, source };
  });
  return { document: { cells, joined: joinCells(cells) }, applied: edited.applied };
}

function cellPlace(joined: JoinedNotebook, range: Range, fileLines: Map<number, number[]>): Place {
  const mapped =
    joined.toCell(range) ?? joined.toCell({ start: range.start, end: range.start }) ?? null;
  if (!mapped) return toPlace(range);
  const place: Place = { ...toPlace(mapped.range), cell: mapped.cell + 1 };
  const lines = fileLines.get(mapped.cell);
  const first = lines?.[mapped.range.start.line];
  if (lines && first !== undefined) {
    place.fileLine = first + 1;
    place.fileEndLine = (lines[mapped.range.end.line] ?? first) + 1;
  }
  return place;
}

function toPlace(range: Range): Place {
  return {
    line: range.start.line + 1,
    column: range.start.character + 1,
    endLine: range.end.line + 1,
    endColumn: range.end.character + 1,
  };
}

function reportChecked(
  checked: Checked,
  placeOf: (range: Range) => Place,
  result: FileResult,
): void {
  // The CLI applies no fix to a file with a syntax error: it offers none there either.
  const fixable = checked.firstSyntaxError === null;
  result.findings = checked.analysis.findings.map((finding) =>
    reportFinding(fixable ? finding : { ...finding, fixes: [] }, placeOf),
  );
  result.failures = checked.analysis.failures.map((failure) => ({
    code: failure.code,
    message: errorLine(failure.error),
  }));
  if (checked.firstSyntaxError) {
    const at = checked.firstSyntaxError;
    result.notes.push({
      kind: 'note',
      message: t('syntax error; findings cover the parts that parse'),
      place: placeOf({ start: at, end: at }),
    });
  }
}

function reportFinding(finding: Finding, placeOf: (range: Range) => Place): ReportedFinding {
  const preferred = finding.fixes[0];
  return {
    code: finding.code,
    name: finding.name,
    family: finding.family,
    severity: finding.severity,
    message: finding.message,
    place: placeOf(finding.range),
    related: finding.related.map((related) => ({
      place: placeOf(related.range),
      message: related.message,
    })),
    fix: preferred
      ? {
          title: preferred.title,
          safe: preferred.safe,
          edits: preferred.edits.map((edit) => ({ ...placeOf(edit.range), newText: edit.newText })),
        }
      : null,
    fixability: finding.fixes.some((fix) => fix.safe)
      ? 'safe'
      : finding.fixes.length > 0
        ? 'unsafe'
        : 'none',
  };
}

/**
 * Writes the fixed text, or with `--diff` keeps it as a diff and writes nothing. Returns false
 * when the fixes could not be written: the file changed since it was read (an editor saved it
 * during the scan, whose edits must not be lost) or the write failed.
 */
function finishFixes(
  source: SourceText,
  after: string,
  applied: number,
  settings: ScanSettings,
  result: FileResult,
): boolean {
  const before = (source.bom ? '\ufeff' : '') + source.text;
  if (before === after) return true;
  result.fixed = applied;
  if (settings.diffOnly) {
    const name = path.relative(settings.cwd, result.path).split(path.sep).join('/');
    result.diff = createTwoFilesPatch(`a/${name}`, `b/${name}`, before, after, '', '', {
      headerOptions: FILE_HEADERS_ONLY,
    });
    return true;
  }
  const fail = (message: string): boolean => {
    result.fixed = 0;
    result.notes.push({ kind: 'error', message });
    return false;
  };
  try {
    if (!fs.readFileSync(result.path).equals(source.bytes)) {
      return fail(t('fixes not applied: the file changed during the scan'));
    }
    fs.writeFileSync(result.path, after);
    return true;
  } catch (error) {
    return fail(t('could not write the fixes: {0}', errorLine(error)));
  }
}

function errorLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0];
}
