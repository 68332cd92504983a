// Re-analysis of an edited document, one top-level definition at a time. The first analysis of
// a document reads the whole file and keeps each unit's findings (see units.ts). After an edit,
// only the units whose text changed are analysed again, with those linked to them by names,
// within the file's context and with every other unit stubbed; the others keep their findings,
// moved by the lines added or removed above them, and so do the context's own findings unless
// a unit linked to the context changed. When the context itself changes (an import, a
// module-level statement, a function's name or signature), or the top level holds a syntax
// error, the whole file is analysed again. While the definition being typed in does not parse,
// nothing is read (`analyseEditing`). Fixes always come from the whole file.

import type { Point, Tree } from 'web-tree-sitter';
import {
  analyzeTree,
  rulesFor,
  type Analysis,
  type AnalyzeOptions,
  type LazyFixes,
  type RuleFailure,
} from './engine';
import { commonEnds } from './edits';
import { parse } from './parser';
import { dialectOf } from './syntax';
import type { Finding, Fix, LanguageId, Position, Range } from './types';
import {
  dependencies,
  providedNames,
  reachable,
  reducedText,
  splitUnits,
  wordsIn,
  type Span,
  type TextMemo,
  type Unit,
  type Units,
} from './units';

export interface IncrementalOptions extends AnalyzeOptions {
  withFixes: LazyFixes;
}

export interface EditorAnalysis extends Omit<Analysis, 'suppressed'> {
  /**
   * How the file was read: `whole`; `units`, only the changed definitions within the context;
   * or `edited`, nothing, since the definition being edited does not parse (see
   * `analyseEditing`).
   */
  mode: 'whole' | 'units' | 'edited';
  /** How many units the file has, and how many this analysis read. */
  units: { total: number; analysed: number };
  /**
   * For when the editor is idle: analyses the whole file if that was not done yet, and builds
   * every fix, so the findings stop holding on to the analysis. Returns the whole file's
   * findings when they differ from `findings` (a rule read something from a definition that was
   * not re-read), and null when they agree or the version is no longer current.
   */
  verify(): Finding[] | null;
}

/** A finding without its fixes. */
type StoredFinding = Omit<Finding, 'fixes'>;

/** The last version whose top level parsed, as this analyser read it. */
interface Known {
  text: string;
  units: Unit[];
  /** The definitions in the context for a syntax error, which typing may still be fixing. */
  broken: Span[];
  /** The context key and the policy the findings were computed under. */
  key: string;
  /** Findings per unit, by unit index and text, in lines relative to the unit's first line. */
  stored: Map<string, StoredFinding[]>;
  /** The findings outside every unit, in the text's own lines. */
  context: StoredFinding[];
  /** The units each unit depends on, and those the context depends on. */
  edges: { units: number[][]; context: number[]; readers: number[] };
}

/**
 * Fixes are always built from an analysis of the whole file, when first read. A fix may read
 * anything in the file: whether a name is bound in another function, how often a loss object is
 * called, which name another fix imports first. A stubbed text hides all of that, so its fixes
 * are never offered. A definition that does not parse gets no fix, as the CLI fixes no such file.
 */
export class IncrementalAnalyzer {
  private known: Known | null = null;
  /** The stubbed file of the last analysis, which the next parse reuses. */
  private reduced: { tree: Tree; text: string } | null = null;
  /** Counts analyses: fixes of an older one are no longer readable. */
  private generation = 0;
  /**
   * What was read of each unit's text (its words, the names it provides), its stub, and the
   * names each context statement binds, kept while the text is unchanged.
   */
  private words = new Map<string, ReadonlySet<string>>();
  private provided = new Map<string, readonly string[]>();
  private bound = new Map<string, readonly string[]>();
  private stubs = new Map<string, string>();
  private lastEdit: { from: string; to: string; edit: SpanEdit } | null = null;

  constructor(readonly language: LanguageId) {}

  /** Analyses `text`, whose tree is `tree`. The caller keeps `tree` unedited while fixes are read. */
  analyse(tree: Tree, text: string, options: IncrementalOptions): EditorAnalysis {
    const run = this.startRun(tree, text, options);
    const dialect = dialectOf(this.language);
    // The definitions that hold code some rule reads from the whole file belong to the context.
    const fileWide = rulesFor(text, this.language, options).flatMap(
      (rule) => rule.meta.fileWide ?? [],
    );
    // The names each context statement binds, remembered while the statement is unchanged.
    const bound = new Carried(this.bound);
    const split = splitUnits(tree, text, dialect, fileWide, bound);
    this.bound = bound.next;
    const key = split ? `${policyKey(options)}\u0001${split.contextKey}` : null;
    const known = this.known;
    const edges = split ? this.edgesOf(split) : null;
    if (split && key && edges && known && key === known.key) {
      return this.analyseUnits(tree, split, edges, known, run);
    }

    const whole = this.wholeOf(run);
    this.dropReduced();
    this.known = null;
    if (split && key && edges) this.remember(run, split, key, edges, whole.findings);
    const total = split?.units.length ?? 0;
    return {
      findings: whole.findings,
      hasSyntaxErrors: whole.hasSyntaxErrors,
      failures: whole.failures,
      mode: 'whole',
      units: { total, analysed: total },
      verify: () => {
        if (run.readable()) for (const finding of whole.findings) void finding.fixes;
        return null;
      },
    };
  }

  /**
   * The analysis of `text` without reading it, when the text differs from the last version read
   * inside one definition's body, and neither that definition on its own nor the file parses
   * (an unclosed bracket while typing, which would swallow the rest of the file). Every finding
   * stays as it was before the edit, moved with the text, without fixes, until the definition
   * parses again, or the document rests and `verify` reads that definition as the whole file
   * reads it. `tree` parses the file, and is called only when the definition does not parse
   * (an edit can also end a definition early, as a line break that dedents its tail does). Null
   * when this does not apply: then `analyse`.
   */
  analyseEditing(
    text: string,
    tree: () => Tree,
    options: IncrementalOptions,
  ): EditorAnalysis | null {
    const known = this.known;
    if (!known || !known.key.startsWith(`${policyKey(options)}\u0001`)) return null;
    // Rows count line feeds alone, as in `splitUnits`.
    if (/\r(?!\n)/.test(text)) return null;
    const edit = this.editSince(known, text);
    // Inside the body of a unit, or of a definition that did not parse already: the header is
    // part of the context.
    const inside = (span: Span) =>
      span.bodyStart <= edit.startIndex && edit.oldEndIndex <= span.end;
    const editedIndex = known.units.findIndex(inside);
    const edited = known.units[editedIndex] ?? known.broken.find(inside);
    if (!edited) return null;
    // A unit whose findings were not kept (one reaches outside it) has nothing to keep showing.
    const unkept = known.units.some(
      (unit, index) => index !== editedIndex && !known.stored.has(keyOf(index, unit)),
    );
    if (unkept) return null;
    const delta = edit.newEndIndex - edit.oldEndIndex;
    const alone = parse(text.slice(edited.start, edited.end + delta), this.language);
    const parses = !alone.rootNode.hasError;
    alone.delete();
    if (parses || !tree().rootNode.hasError) return null;

    const generation = ++this.generation;
    const findings: Finding[] = [];
    known.units.forEach((unit, index) => {
      for (const stored of known.stored.get(keyOf(index, unit)) ?? []) {
        const finding = movedAcross(moved(stored, unit.startRow), edit);
        if (finding) findings.push({ ...finding, fixes: [] });
      }
    });
    for (const stored of known.context) {
      const finding = movedAcross(stored, edit);
      if (finding) findings.push({ ...finding, fixes: [] });
    }
    const shown = sortFindings(findings);
    return {
      findings: shown,
      hasSyntaxErrors: true,
      failures: [],
      mode: 'edited',
      units: { total: known.units.length, analysed: 0 },
      // At rest, the definition being typed in gets the findings the whole file's reading gives
      // inside it, as the CLI would report them. Elsewhere the kept findings stay: the open
      // bracket may swallow the rest of the file, and its findings would go until it is closed.
      verify: () => {
        if (this.generation !== generation || !options.withFixes.readable()) return null;
        const run = this.startRun(tree(), text, options);
        const first = pointAt(text, edited.start).row;
        const last = pointAt(text, edited.end + delta).row;
        const inside = (finding: Finding) =>
          finding.range.start.line >= first && finding.range.start.line <= last;
        const read = this.wholeOf(run).findings.filter(inside);
        for (const finding of read) void finding.fixes;
        const merged = sortFindings([...shown.filter((finding) => !inside(finding)), ...read]);
        return sameFindings(merged, shown) ? null : merged;
      },
    };
  }

  /** Frees the stubbed tree; the analyser can still be used, starting afresh. */
  dispose(): void {
    this.generation++;
    this.known = null;
    this.words = new Map();
    this.provided = new Map();
    this.bound = new Map();
    this.stubs = new Map();
    this.lastEdit = null;
    this.dropReduced();
  }

  private startRun(tree: Tree, text: string, options: IncrementalOptions): Run {
    const generation = ++this.generation;
    const readable = () => this.generation === generation && options.withFixes.readable();
    const lazy: LazyFixes = { readable, failed: options.withFixes.failed };
    return { tree, text, options, lazy, readable, whole: null };
  }

  /** The fixes of `finding` in the whole file's analysis of a run. */
  private wholeFixes(run: Run, finding: Finding): Fix[] {
    if (!run.byIdentity) {
      run.byIdentity = new Map();
      for (const each of this.wholeOf(run).findings) run.byIdentity.set(identityOf(each), each);
    }
    return run.byIdentity.get(identityOf(finding))?.fixes ?? [];
  }

  /** The whole file's analysis of a run, with lazy fixes; done once. */
  private wholeOf(run: Run): Analysis {
    run.whole ??= analyzeTree(run.tree, run.text, this.language, {
      ...run.options,
      withFixes: run.lazy,
    });
    return run.whole;
  }

  private remember(
    run: Run,
    split: Units,
    key: string,
    edges: Known['edges'],
    findings: readonly Finding[],
  ): void {
    const { units, broken } = split;
    const all = units.map(() => true);
    this.known = { text: run.text, units, broken, key, edges, ...stored(units, all, findings) };
  }

  /**
   * The context is as before. The changed units are read again, with the units that depend on
   * them and those they depend on in turn (see `dependencies`), kept whole; every other unit is
   * stubbed and keeps its findings.
   */
  private analyseUnits(
    tree: Tree,
    split: Units,
    edges: Known['edges'],
    known: Known,
    run: Run,
  ): EditorAnalysis {
    const { units, broken } = split;
    const changed = units.flatMap((unit, index) =>
      known.stored.has(keyOf(index, unit)) ? [] : [index],
    );
    // Edges of the last version count too: a unit that stopped providing a name (an edit that
    // turns `self.criterion = ...` into `criterion = ...`) changes what its readers find.
    const dependents: number[][] = units.map(() => []);
    for (const named of [edges.units, known.edges.units]) {
      named.forEach((names, index) => {
        for (const other of names) dependents[other].push(index);
      });
    }
    const affected = reachable(changed, dependents);
    // The context's own findings are read again, with every unit it names or that spells a name
    // it binds, when one of those was affected; otherwise they are kept, moved with the text.
    const connected = [...edges.context, ...edges.readers];
    const wasConnected = [...known.edges.context, ...known.edges.readers];
    const keptContext = [...connected, ...wasConnected].some((index) => affected.has(index))
      ? null
      : movedContext(known, this.editSince(known, run.text));
    const read = reachable(keptContext ? affected : [...affected, ...connected], edges.units);
    const kept = units.map((_, index) => read.has(index));
    const reduced = this.analyseReduced(units, kept, run);
    const { failures } = reduced;
    const findings = keptContext
      ? reduced.findings.filter((finding) => unitAt(units, finding.range.start.line) >= 0)
      : reduced.findings;
    const result = stored(units, kept, findings);
    // The findings shown are copies, whose fixes come from the whole file.
    const copies = findings.splice(0).map((original) => moved(original, 0) as Finding);
    findings.push(...copies);
    if (keptContext) {
      result.context = keptContext;
      for (const finding of keptContext) findings.push(moved(finding, 0) as Finding);
    }
    for (const [index, unit] of units.entries()) {
      if (kept[index]) continue;
      const key = keyOf(index, unit);
      const list = known.stored.get(key) ?? [];
      result.stored.set(key, list);
      for (const finding of list) findings.push(moved(finding, unit.startRow) as Finding);
    }
    this.known = { text: run.text, units, broken, key: known.key, edges, ...result };
    const fixesOf = (finding: Finding): Fix[] =>
      run.readable() ? this.wholeFixes(run, finding) : [];
    for (const finding of findings) {
      Object.defineProperty(finding, 'fixes', {
        enumerable: true,
        configurable: true,
        get: () => fixesOf(finding),
      });
    }
    const shown = sortFindings(findings);
    return {
      findings: shown,
      hasSyntaxErrors: tree.rootNode.hasError,
      failures,
      mode: 'units',
      units: { total: units.length, analysed: read.size },
      verify: () => {
        if (!run.readable()) return null;
        const whole = this.wholeOf(run).findings;
        for (const finding of whole) void finding.fixes;
        if (sameFindings(whole, shown)) return null;
        this.remember(run, split, known.key, edges, whole);
        return whole;
      },
    };
  }

  /** Analyses the text with the units not `kept` stubbed; the findings not in those units. */
  private analyseReduced(
    units: readonly Unit[],
    kept: readonly boolean[],
    run: Run,
  ): { findings: Finding[]; failures: RuleFailure[] } {
    const dialect = dialectOf(this.language);
    const stubs = new Map<string, string>();
    for (const unit of units) {
      const stub = this.stubs.get(unit.text);
      if (stub !== undefined) stubs.set(unit.text, stub);
    }
    this.stubs = stubs;
    const source = reducedText(run.text, units, (index) => kept[index], dialect, stubs);
    const tree = this.parseReduced(source);
    const analysis = analyzeTree(tree, source, this.language, { ...run.options, withFixes: false });
    const findings = analysis.findings.filter((finding) => {
      const index = unitAt(units, finding.range.start.line);
      return index < 0 || kept[index];
    });
    return { findings, failures: analysis.failures };
  }

  /** Which units each unit depends on; what was read of unchanged texts is remembered. */
  private edgesOf(split: Units): Known['edges'] {
    const words = new Carried(this.words);
    const provided = new Carried(this.provided);
    const edges = dependencies(split, {
      words: (text) => words.read(text, () => wordsIn(text)),
      provided: (unit) => provided.read(unit.text, () => providedNames(unit)),
    });
    this.words = words.next;
    this.provided = provided.next;
    return edges;
  }

  /** The edit from the last version read to `text`, computed once for both. */
  private editSince(known: Known, text: string): SpanEdit {
    const last = this.lastEdit;
    if (last && last.from === known.text && last.to === text) return last.edit;
    const edit = editBetween(known.text, text);
    this.lastEdit = { from: known.text, to: text, edit };
    return edit;
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

/**
 * What was read of texts in the last version, carried into this one: `next` holds the texts
 * asked about now, so what no longer appears is let go.
 */
class Carried<T> implements TextMemo<T> {
  readonly next = new Map<string, T>();

  constructor(private readonly last: ReadonlyMap<string, T>) {}

  get(text: string): T | undefined {
    const value = this.next.get(text) ?? this.last.get(text);
    if (value !== undefined) this.next.set(text, value);
    return value;
  }

  set(text: string, value: T): void {
    this.next.set(text, value);
  }

  /** The value for `text`, computed when neither version has it. */
  read(text: string, compute: () => T): T {
    let value = this.get(text);
    if (value === undefined) {
      value = compute();
      this.set(text, value);
    }
    return value;
  }
}

interface Run {
  tree: Tree;
  text: string;
  options: IncrementalOptions;
  lazy: LazyFixes;
  readable: () => boolean;
  /** The whole file's analysis, once a fix or `verify` asked for it, and its findings by identity. */
  whole: Analysis | null;
  byIdentity?: Map<string, Finding>;
}

/** Whether two lists of findings say the same, fixes aside. */
function sameFindings(a: readonly Finding[], b: readonly Finding[]): boolean {
  if (a.length !== b.length) return false;
  const described = (finding: Finding) =>
    `${identityOf(finding)}:${finding.severity}:${JSON.stringify(finding.related)}`;
  const left = a.map(described).sort();
  const right = b.map(described).sort();
  return left.every((item, index) => item === right[index]);
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

/**
 * The context's findings of the last version read, moved across `edit` to the new text; null
 * when the edit touches one of their locations (edits to two places at once, read as one).
 */
function movedContext(known: Known, edit: SpanEdit): StoredFinding[] | null {
  const found: StoredFinding[] = [];
  for (const finding of known.context) {
    const moved = movedAcross(finding, edit);
    if (!moved || moved.related.length !== finding.related.length) return null;
    found.push(moved);
  }
  return found;
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
  const { prefix, suffix } = commonEnds(before, after);
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
