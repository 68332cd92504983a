// Re-analysis of an edited document, one top-level definition at a time. The first analysis of
// a document reads the whole file and keeps each unit's findings (see units.ts). After an edit,
// only the units whose text changed are analysed again, within the file's context and with every
// other unit stubbed; the others keep their findings, moved by the lines added or removed above
// them. When the context itself changes (an import, a module-level statement, a function's name
// or signature), or the top level holds a syntax error, the whole file is analysed again.

import type { Point, Tree } from 'web-tree-sitter';
import {
  analyzeTree,
  type Analysis,
  type AnalyzeOptions,
  type LazyFixes,
  type RuleFailure,
} from './engine';
import { parse } from './parser';
import { dialectOf } from './syntax';
import type { Finding, Fix, LanguageId, Position, Range } from './types';
import { dependencies, reachable, reducedText, splitUnits, wordsIn, type Unit } from './units';

export interface IncrementalOptions extends AnalyzeOptions {
  withFixes: LazyFixes;
}

export interface EditorAnalysis extends Omit<Analysis, 'suppressed'> {
  /**
   * How the file was read: `whole`; `units`, only the changed definitions within the context;
   * or `edited`, only the definition being edited, whose syntax error spills past its end, while
   * the rest of the file keeps its findings from before the edit.
   */
  mode: 'whole' | 'units' | 'edited';
  /** How many units the file has, and how many this analysis read. */
  units: { total: number; analysed: number };
  /**
   * Builds the fixes that read this analysis' trees, while they are readable, so the findings
   * stop holding on to them. Findings kept from an earlier version hold no tree: their fixes are
   * left to be built if ever asked for.
   */
  settle(): void;
}

/** A finding without its fixes. */
type StoredFinding = Omit<Finding, 'fixes'>;

/** The last version whose top level parsed, as this analyser read it. */
interface Known {
  text: string;
  units: Unit[];
  /** The context key and the policy the findings were computed under. */
  key: string;
  /** Findings per unit, by unit index and text, in lines relative to the unit's first line. */
  stored: Map<string, StoredFinding[]>;
  /** The findings outside every unit, in the text's own lines. */
  context: StoredFinding[];
  /** The units each unit names, and those the context names. */
  edges: { units: number[][]; context: number[] };
}

export class IncrementalAnalyzer {
  private known: Known | null = null;
  /** The stubbed file of the last analysis, whose tree lazy fixes read and the next parse reuses. */
  private reduced: { tree: Tree; text: string } | null = null;
  /** Counts analyses: fixes of an older one are no longer readable. */
  private generation = 0;
  /** The words of each unit's text, and its stub, kept while the unit is unchanged. */
  private words = new Map<string, Set<string>>();
  private stubs = new Map<string, string>();

  constructor(readonly language: LanguageId) {}

  /** Analyses `text`, whose tree is `tree`. The caller keeps `tree` unedited while fixes are read. */
  analyse(tree: Tree, text: string, options: IncrementalOptions): EditorAnalysis {
    const run = this.startRun(tree, text, options);
    const { lazy } = run;
    const dialect = dialectOf(this.language);
    const split = splitUnits(tree, text, dialect);
    const key = split ? `${policyKey(options)}\u0001${split.contextKey}` : null;
    const known = this.known;

    const edges = split ? this.edgesOf(split) : null;
    if (split && edges && known && key === known.key) {
      return this.analyseUnits(tree, split.units, edges, known, run);
    }
    const whole = analyzeTree(tree, text, this.language, { ...options, withFixes: lazy });
    this.dropReduced();
    this.known = null;
    if (split && key && edges) {
      const all = split.units.map(() => true);
      const kept = stored(split.units, all, whole.findings);
      this.known = { text, units: split.units, key, edges, ...kept };
    }
    const total = split?.units.length ?? 0;
    return {
      findings: whole.findings,
      hasSyntaxErrors: whole.hasSyntaxErrors,
      failures: whole.failures,
      mode: 'whole',
      units: { total, analysed: total },
      settle: settling(whole.findings),
    };
  }

  /**
   * The analysis of `text` without its tree, when the text differs from the last version read
   * inside one definition's body and that definition does not parse on its own (an unclosed
   * bracket while typing, which would swallow the rest of the file). Nothing is read, and the
   * document need not even be parsed: every finding stays as it was before the edit, moved with
   * the text, until the definition parses again. Null when this does not apply: then `analyse`.
   */
  analyseEditing(text: string, options: IncrementalOptions): EditorAnalysis | null {
    const known = this.known;
    if (!known || !known.key.startsWith(`${policyKey(options)}\u0001`)) return null;
    const edit = editBetween(known.text, text);
    // Inside the body: the header is part of the context.
    const editedIndex = known.units.findIndex(
      (unit) => unit.bodyStart <= edit.startIndex && edit.oldEndIndex <= unit.end,
    );
    if (editedIndex < 0) return null;
    // A unit whose findings were not kept (one reaches outside it) has nothing to keep showing.
    const unkept = known.units.some(
      (unit, index) => index !== editedIndex && !known.stored.has(keyOf(index, unit)),
    );
    if (unkept) return null;
    const edited = known.units[editedIndex];
    const delta = edit.newEndIndex - edit.oldEndIndex;
    const alone = parse(text.slice(edited.start, edited.end + delta), this.language);
    const parses = !alone.rootNode.hasError;
    alone.delete();
    if (parses) return null;
    return this.analyseEdited(known, edit, editedIndex, this.startRun(null, text, options));
  }

  private startRun(tree: Tree | null, text: string, options: IncrementalOptions): Run {
    const generation = ++this.generation;
    const readable = () => this.generation === generation && options.withFixes.readable();
    const lazy: LazyFixes = { readable, failed: options.withFixes.failed };
    return { tree, broken: -1, text, options, lazy, readable, alone: new Map(), whole: null };
  }

  /** Frees the stubbed tree; the analyser can still be used, starting afresh. */
  dispose(): void {
    this.generation++;
    this.known = null;
    this.words = new Map();
    this.stubs = new Map();
    this.dropReduced();
  }

  /**
   * The context is as before. The changed units are read again, with the units that name them
   * (their findings may follow the change) and the units those name in turn, kept whole; every
   * other unit is stubbed and keeps its findings.
   */
  private analyseUnits(
    tree: Tree,
    units: Unit[],
    edges: Known['edges'],
    known: Known,
    run: Run,
  ): EditorAnalysis {
    const changed = units.flatMap((unit, index) =>
      known.stored.has(keyOf(index, unit)) ? [] : [index],
    );
    const namedBy: number[][] = units.map(() => []);
    edges.units.forEach((named, index) => {
      for (const other of named) namedBy[other].push(index);
    });
    const affected = reachable(changed, namedBy);
    const read = reachable([...affected, ...edges.context], edges.units);
    const kept = units.map((_, index) => read.has(index));
    const { findings, failures } = this.analyseReduced(units, kept, run);
    const settle = settling([...findings]);
    const result = stored(units, kept, findings);
    for (const [index, unit] of units.entries()) {
      if (kept[index]) continue;
      const key = keyOf(index, unit);
      const list = known.stored.get(key) ?? [];
      result.stored.set(key, list);
      findings.push(...this.reused(list, unit.startRow, index, units, edges, run));
    }
    this.known = { text: run.text, units, key: known.key, edges, ...result };
    return {
      findings: sortFindings(findings),
      hasSyntaxErrors: tree.rootNode.hasError,
      failures,
      mode: 'units',
      units: { total: units.length, analysed: read.size },
      settle,
    };
  }

  /** Every finding of the last known version, moved across an edit inside unit `editedIndex`. */
  private analyseEdited(
    known: Known,
    edit: SpanEdit,
    editedIndex: number,
    run: Run,
  ): EditorAnalysis {
    run.broken = editedIndex;
    const delta = edit.newEndIndex - edit.oldEndIndex;
    const rows = edit.newEndPosition.row - edit.oldEndPosition.row;
    const oldEndRow = known.units[editedIndex].endRow;
    const units = known.units.map((unit, index): Unit => {
      if (index < editedIndex) return unit;
      if (index === editedIndex) {
        const end = unit.end + delta;
        const text = run.text.slice(unit.start, end);
        return { ...unit, end, bodyEnd: unit.bodyEnd + delta, endRow: unit.endRow + rows, text };
      }
      return {
        ...unit,
        start: unit.start + delta,
        end: unit.end + delta,
        bodyStart: unit.bodyStart + delta,
        bodyEnd: unit.bodyEnd + delta,
        startRow: unit.startRow + rows,
        endRow: unit.endRow + rows,
      };
    });
    // The edited unit shows its findings from before the edit, those the edit did not touch,
    // with no fixes: no fix is computed from a text that does not parse.
    const editedKnown = known.stored.get(keyOf(editedIndex, known.units[editedIndex])) ?? [];
    const findings: Finding[] = [];
    for (const stored of editedKnown) {
      const finding = movedAcross(moved(stored, known.units[editedIndex].startRow), edit);
      if (finding) findings.push({ ...finding, fixes: [] });
    }
    for (const [index, unit] of units.entries()) {
      if (index === editedIndex) continue;
      const list = known.stored.get(keyOf(index, known.units[index])) ?? [];
      findings.push(...this.reused(list, unit.startRow, index, units, known.edges, run));
    }
    const context = known.context.map((finding) => movedAfter(finding, oldEndRow, rows));
    findings.push(...this.reused(context, 0, -1, units, known.edges, run));
    return {
      findings: sortFindings(findings),
      hasSyntaxErrors: true,
      failures: [],
      mode: 'edited',
      units: { total: units.length, analysed: 0 },
      settle: () => {},
    };
  }

  /** Analyses the text with the units not `changed` stubbed; the findings not in those units. */
  private analyseReduced(
    units: readonly Unit[],
    changed: readonly boolean[],
    run: Run,
  ): { findings: Finding[]; failures: RuleFailure[] } {
    const dialect = dialectOf(this.language);
    const stubs = new Map<string, string>();
    for (const unit of units) {
      const stub = this.stubs.get(unit.text);
      if (stub !== undefined) stubs.set(unit.text, stub);
    }
    this.stubs = stubs;
    const source = reducedText(run.text, units, (index) => changed[index], dialect, stubs);
    const analysis = analyzeTree(this.parseReduced(source), source, this.language, {
      ...run.options,
      withFixes: run.lazy,
    });
    const findings = analysis.findings.filter((finding) => {
      const index = unitAt(units, finding.range.start.line);
      return index < 0 || changed[index];
    });
    return { findings, failures: analysis.failures };
  }

  /**
   * Known findings of the unit `index` (-1: the context) at lines counted from `row`. Their
   * fixes are built when first read: from the text with that unit alone kept, or, once a second
   * unit is asked for (a fix-all reads every fix), from the whole file at once.
   */
  private reused(
    list: readonly StoredFinding[],
    row: number,
    index: number,
    units: readonly Unit[],
    edges: Known['edges'],
    run: Run,
  ): Finding[] {
    const fixesOf = (finding: StoredFinding): Fix[] => {
      if (!run.readable()) return [];
      let analysed = run.whole ?? run.alone.get(index);
      if (!analysed && run.alone.size > 0) {
        analysed = run.tree
          ? analyzeTree(run.tree, run.text, this.language, {
              ...run.options,
              withFixes: run.lazy,
            }).findings
          : this.analyseAlone(null, units, edges, run);
        run.whole = analysed;
      } else if (!analysed) {
        analysed = this.analyseAlone(index, units, edges, run);
        run.alone.set(index, analysed);
      }
      const wanted = identityOf(finding);
      return analysed.find((candidate) => identityOf(candidate) === wanted)?.fixes ?? [];
    };
    return list.map((stored) => {
      const finding = moved(stored, row) as Finding;
      Object.defineProperty(finding, 'fixes', {
        enumerable: true,
        configurable: true,
        get: () => fixesOf(finding),
      });
      return finding;
    });
  }

  /**
   * The findings, with fixes, of the text with only unit `index` (-1: the context; null: every
   * unit) kept, with the units it names. A unit that does not parse is always stubbed.
   */
  private analyseAlone(
    index: number | null,
    units: readonly Unit[],
    edges: Known['edges'],
    run: Run,
  ): Finding[] {
    const dialect = dialectOf(this.language);
    const read =
      index === null
        ? new Set(units.keys())
        : reachable(index < 0 ? edges.context : [index], edges.units);
    const kept = (other: number) => read.has(other) && other !== run.broken;
    const text = reducedText(run.text, units, kept, dialect, this.stubs);
    // The stubbed tree of this version differs from this text in a few units only.
    const base = this.reduced?.tree.copy() ?? null;
    if (base && this.reduced) base.edit(editBetween(this.reduced.text, text));
    const tree = parse(text, this.language, base);
    base?.delete();
    try {
      return analyzeTree(tree, text, this.language, { ...run.options, withFixes: true }).findings;
    } finally {
      tree.delete();
    }
  }

  /** Which units each unit names; the words of unchanged units are remembered. */
  private edgesOf(split: NonNullable<ReturnType<typeof splitUnits>>): Known['edges'] {
    const words = new Map<string, Set<string>>();
    const edges = dependencies(split, (text) => {
      let found = this.words.get(text) ?? words.get(text);
      if (!found) found = wordsIn(text);
      words.set(text, found);
      return found;
    });
    this.words = words;
    return edges;
  }

  /** Parses the stubbed text, reusing the last stubbed tree for what did not change. */
  private parseReduced(text: string): Tree {
    const previous = this.reduced;
    if (previous) previous.tree.edit(editBetween(previous.text, text));
    const tree = parse(text, this.language, previous?.tree ?? null);
    previous?.tree.delete();
    this.reduced = { tree, text };
    return tree;
  }

  private dropReduced(): void {
    this.reduced?.tree.delete();
    this.reduced = null;
  }
}

interface Run {
  /** The document's tree, or null when it was not parsed (a definition being edited). */
  tree: Tree | null;
  /** The unit that does not parse, stubbed in every text that fixes are built from. */
  broken: number;
  text: string;
  options: IncrementalOptions;
  lazy: LazyFixes;
  readable: () => boolean;
  /** Findings with fixes for kept findings: by unit analysed alone, or of the whole file. */
  alone: Map<number, Finding[]>;
  whole: Finding[] | null;
}

/**
 * The findings of the units `analysed` says were read, in lines relative to each unit, and those
 * of the context. A unit with a finding or related location outside its own lines is not kept:
 * moved with the unit, such a location would be wrong, so that unit is read again next time.
 */
function stored(
  units: readonly Unit[],
  analysed: readonly boolean[],
  findings: readonly Finding[],
): Pick<Known, 'stored' | 'context'> {
  const perUnit = new Map<number, StoredFinding[]>();
  const spills = new Set<number>();
  const context: StoredFinding[] = [];
  units.forEach((_, index) => {
    if (analysed[index]) perUnit.set(index, []);
  });
  for (const finding of findings) {
    const index = unitAt(units, finding.range.start.line);
    if (index < 0) {
      context.push(moved(finding, 0));
      continue;
    }
    const list = perUnit.get(index);
    if (!list) continue;
    const { startRow, endRow } = units[index];
    const ranges = [finding.range, ...finding.related.map((related) => related.range)];
    if (ranges.some((range) => range.start.line < startRow || range.end.line > endRow)) {
      spills.add(index);
      continue;
    }
    list.push(moved(finding, -startRow));
  }
  const result = new Map<string, StoredFinding[]>();
  for (const [index, list] of perUnit) {
    if (!spills.has(index)) result.set(keyOf(index, units[index]), list);
  }
  return { stored: result, context };
}

function keyOf(index: number, unit: Unit): string {
  return `${index}\u0000${unit.text}`;
}

/** Enabled codes and their severities: a change of either makes every kept finding stale. */
function policyKey(options: AnalyzeOptions): string {
  return options.rules
    .map((rule) => {
      if (options.isEnabled && !options.isEnabled(rule.meta.code)) return '-';
      return options.severityOf?.(rule) ?? rule.meta.severity;
    })
    .join(',');
}

/** The index of the unit whose lines hold `line`, or -1 for the context. */
function unitAt(units: readonly Unit[], line: number): number {
  let low = 0;
  let high = units.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const unit = units[middle];
    if (line < unit.startRow) high = middle - 1;
    else if (line > unit.endRow) low = middle + 1;
    else return middle;
  }
  return -1;
}

/** A copy of a finding's data, lines moved by `rows`, without fixes. */
function moved(finding: StoredFinding, rows: number): StoredFinding {
  const move = (range: Range): Range => ({
    start: { line: range.start.line + rows, character: range.start.character },
    end: { line: range.end.line + rows, character: range.end.character },
  });
  return {
    code: finding.code,
    name: finding.name,
    family: finding.family,
    severity: finding.severity,
    range: move(finding.range),
    message: finding.message,
    related: finding.related.map((related) => ({ ...related, range: move(related.range) })),
  };
}

/** Reads the fixes of findings built from a tree, so that they stop holding on to it. */
function settling(findings: readonly Finding[]): () => void {
  return () => {
    for (const finding of findings) void finding.fixes;
  };
}

/** A copy with the lines after `row` moved by `rows`: the context after an edited unit. */
function movedAfter(finding: StoredFinding, row: number, rows: number): StoredFinding {
  const move = (range: Range): Range => {
    const by = range.start.line > row ? rows : 0;
    return {
      start: { line: range.start.line + by, character: range.start.character },
      end: { line: range.end.line + by, character: range.end.character },
    };
  };
  return {
    ...moved(finding, 0),
    range: move(finding.range),
    related: finding.related.map((related) => ({ ...related, range: move(related.range) })),
  };
}

/**
 * A finding of the text before `edit` in the text after it: as it was when it ends before the
 * edit, moved when it starts after it, and null when the edit changed its text.
 */
function movedAcross(finding: StoredFinding, edit: SpanEdit): StoredFinding | null {
  const compare = (position: Position, point: Point) =>
    position.line - point.row || position.character - point.column;
  const move = (range: Range): Range | null => {
    if (compare(range.end, edit.startPosition) <= 0) return range;
    if (compare(range.start, edit.oldEndPosition) < 0) return null;
    const shift = (position: Position): Position =>
      position.line === edit.oldEndPosition.row
        ? {
            line: edit.newEndPosition.row,
            character: position.character - edit.oldEndPosition.column + edit.newEndPosition.column,
          }
        : {
            line: position.line + edit.newEndPosition.row - edit.oldEndPosition.row,
            character: position.character,
          };
    return { start: shift(range.start), end: shift(range.end) };
  };
  const range = move(finding.range);
  if (!range) return null;
  const related = finding.related.flatMap((item) => {
    const moved = move(item.range);
    return moved ? [{ ...item, range: moved }] : [];
  });
  return { ...finding, range, related };
}

/** What tells two findings of the same file apart. */
function identityOf(finding: StoredFinding): string {
  const { start, end } = finding.range;
  return `${finding.code}:${start.line}:${start.character}:${end.line}:${end.character}:${finding.message}`;
}

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      a.code.localeCompare(b.code),
  );
}

type SpanEdit = ReturnType<typeof editBetween>;

/** The single edit that turns `before` into `after`: what lies between their common ends. */
function editBetween(before: string, after: string) {
  const shorter = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < shorter && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < shorter - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) {
    suffix++;
  }
  return {
    startIndex: prefix,
    oldEndIndex: before.length - suffix,
    newEndIndex: after.length - suffix,
    startPosition: pointAt(before, prefix),
    oldEndPosition: pointAt(before, before.length - suffix),
    newEndPosition: pointAt(after, after.length - suffix),
  };
}

function pointAt(text: string, index: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let at = text.indexOf('\n'); at >= 0 && at < index; at = text.indexOf('\n', at + 1)) {
    row++;
    lineStart = at + 1;
  }
  return { row, column: index - lineStart };
}
