// The analysis of one file: choose the enabled rules the text can trigger, build the model and
// collect the syntax events in one walk of the tree, hand each event to the rules that listen for
// it, then turn reports into findings, drop the suppressed ones and sort.

import type { Language, Node, Tree } from 'web-tree-sitter';
import { DECLARING_TYPES, Model } from './model';
import { parse } from './parser';
import { collectSuppressions, isSuppressed, mayHoldSuppressions } from './suppression';
import {
  currentNodeCache,
  dialectOf,
  eventOf,
  eventTypes,
  typeOf,
  withNodeCache,
  type NodeCache,
} from './syntax';
import type {
  Finding,
  Fix,
  LanguageId,
  NodeEvent,
  Report,
  Rule,
  RuleContext,
  Severity,
  Visitor,
} from './types';

export interface AnalyzeOptions {
  rules: readonly Rule[];
  /** Whether a code runs at all; configuration decides. Default: every rule. */
  isEnabled?: (code: string) => boolean;
  /** The severity to report a rule with; default: the rule's own. */
  severityOf?: (rule: Rule) => Severity;
  /** Build the fixes of each finding (default true). Plain reporting can skip the work. */
  withFixes?: boolean | LazyFixes;
}

/**
 * Fixes built when a finding's `fixes` are first read, from the tree of the analysis: most
 * findings an editor shows are never fixed. The caller keeps that tree alive and unedited while
 * `readable()` is true; fixes first read after that are empty. Until its fixes are read, a
 * finding holds on to the whole analysis (model, rule state, node objects and their cached
 * readings), so a caller that keeps findings reads their fixes once it has time, or lets them
 * go. Only `analyzeTree` can be lazy.
 */
export interface LazyFixes {
  readable(): boolean;
  /** A rule that throws while building a fix, after the analysis has been returned. */
  failed(failure: RuleFailure): void;
}

export interface RuleFailure {
  code: string;
  error: unknown;
}

export interface Analysis {
  findings: Finding[];
  suppressed: number;
  /** True when the tree holds syntax errors; the findings cover the parts that parsed. */
  hasSyntaxErrors: boolean;
  /** Rules that threw on this file. Their other findings are kept; other rules are unaffected. */
  failures: RuleFailure[];
}

interface ActiveRule {
  rule: Rule;
  visitor: Visitor;
  reports: Report[];
  context: RuleContext;
  failed: boolean;
}

export function analyzeText(text: string, language: LanguageId, options: AnalyzeOptions): Analysis {
  const tree = parse(text, language);
  try {
    // The tree is gone when this returns, so fixes cannot wait to be read.
    const withFixes = typeof options.withFixes === 'object' ? true : options.withFixes;
    return analyzeTree(tree, text, language, { ...options, withFixes });
  } finally {
    tree.delete();
  }
}

export function analyzeTree(
  tree: Tree,
  text: string,
  language: LanguageId,
  options: AnalyzeOptions,
): Analysis {
  return withNodeCache(() => analyzeWithCache(tree, text, language, options));
}

function analyzeWithCache(
  tree: Tree,
  text: string,
  language: LanguageId,
  options: AnalyzeOptions,
): Analysis {
  const model = new Model(tree, text, language);
  const failures: RuleFailure[] = [];
  const active = createVisitors(model, options, failures);
  const subscribed = new Set<NodeEvent>();
  for (const { visitor } of active) {
    for (const key of Object.keys(visitor)) if (key !== 'end') subscribed.add(key as NodeEvent);
  }

  const { events, comments } = walk(tree, model, subscribed);
  model.finish();

  // Each event goes only to the rules that listen for it, looked up once per event kind.
  const listeners = new Map<NodeEvent, { entry: ActiveRule; handle: EventHandler }[]>();
  for (const entry of active) {
    for (const [key, handle] of Object.entries(entry.visitor)) {
      if (key === 'end' || typeof handle !== 'function') continue;
      const list = listeners.get(key as NodeEvent) ?? [];
      list.push({ entry, handle: handle as EventHandler });
      listeners.set(key as NodeEvent, list);
    }
  }
  for (const [node, event] of events) {
    const list = listeners.get(event);
    if (!list) continue;
    for (const { entry, handle } of list) {
      if (entry.failed) continue;
      try {
        handle.call(entry.visitor, node, entry.context);
      } catch (error) {
        fail(entry, error, failures);
      }
    }
  }
  for (const entry of active) {
    if (entry.failed || !entry.visitor.end) continue;
    try {
      entry.visitor.end(entry.context);
    } catch (error) {
      fail(entry, error, failures);
    }
  }

  const suppressions = collectSuppressions(comments);
  const findings: Finding[] = [];
  let suppressed = 0;
  const withFixes = options.withFixes ?? true;
  const lazy = typeof withFixes === 'object' ? new LazyBuilds(withFixes, currentNodeCache()) : null;
  for (const entry of active) {
    const severity = options.severityOf?.(entry.rule) ?? entry.rule.meta.severity;
    for (const report of entry.reports) {
      const finding = toFinding(model, entry.rule, severity, report, withFixes === true, failures);
      // Suppressed findings too: building their fixes may claim names, as it does when eager.
      lazy?.add(finding, entry.rule.meta.code, report);
      if (isSuppressed(suppressions, finding.code, finding.range.start.line)) suppressed++;
      else findings.push(finding);
    }
  }

  return {
    findings: sortAndDeduplicate(findings),
    suppressed,
    hasSyntaxErrors: tree.rootNode.hasError,
    failures,
  };
}

/**
 * The rules that can report on a text: enabled, written for its language, and with a trigger
 * word in it. Triggers are a necessary condition, so a rule left out here would have found
 * nothing; when none is left, the text need not even be parsed.
 */
export function rulesFor(
  text: string,
  language: LanguageId,
  options: Pick<AnalyzeOptions, 'rules' | 'isEnabled'>,
): Rule[] {
  // The CLI asks before parsing and the engine again while analysing: the same text and options.
  const last = lastRulesFor;
  if (
    last &&
    last.text === text &&
    last.language === language &&
    last.rules === options.rules &&
    last.isEnabled === options.isEnabled
  ) {
    return last.result;
  }
  const dialect = dialectOf(language);
  // Many rules share a trigger (`exp`, `log`): each distinct one is tested once.
  const tested = new Map<string, boolean>();
  const result = options.rules.filter(({ meta }) => {
    if (!meta.dialects.includes(dialect)) return false;
    if (options.isEnabled && !options.isEnabled(meta.code)) return false;
    const key = `${meta.triggers.source}/${meta.triggers.flags}`;
    let found = tested.get(key);
    if (found === undefined) {
      found = meta.triggers.test(text);
      tested.set(key, found);
    }
    return found;
  });
  lastRulesFor = { text, language, rules: options.rules, isEnabled: options.isEnabled, result };
  return result;
}

let lastRulesFor: {
  text: string;
  language: LanguageId;
  rules: readonly Rule[];
  isEnabled: AnalyzeOptions['isEnabled'];
  result: Rule[];
} | null = null;

function createVisitors(
  model: Model,
  options: AnalyzeOptions,
  failures: RuleFailure[],
): ActiveRule[] {
  const active: ActiveRule[] = [];
  for (const rule of rulesFor(model.text, model.language, options)) {
    const reports: Report[] = [];
    const context: RuleContext = { model, report: (report) => reports.push(report) };
    const entry: ActiveRule = { rule, visitor: {}, reports, context, failed: false };
    try {
      entry.visitor = rule.create(context);
      active.push(entry);
    } catch (error) {
      failures.push({ code: rule.meta.code, error });
    }
  }
  return active;
}

/**
 * Collects, in document order, the nodes that the model declares from and the nodes some rule
 * listens for, with one call into tree-sitter: `descendantsOfType` walks the tree inside
 * WebAssembly and hands back only the wanted nodes, which is several times faster than stepping a
 * cursor over every node from JavaScript. No recursion, so deep nesting cannot exhaust the stack.
 */
function walk(
  tree: Tree,
  model: Model,
  subscribed: Set<NodeEvent>,
): { events: [Node, NodeEvent][]; comments: Node[] } {
  const events: [Node, NodeEvent][] = [];
  const comments: Node[] = [];
  const wanted = new Set<string>(DECLARING_TYPES[model.dialect]);
  // Comments matter only as suppressions, and most files have none to collect.
  if (mayHoldSuppressions(model.text)) wanted.add('comment');
  for (const type of eventTypes(model.dialect, subscribed)) wanted.add(type);

  const ambiguous = keywordTwins(tree.language);
  for (const node of tree.rootNode.descendantsOfType([...wanted])) {
    if (!node) continue;
    const type = typeOf(node);
    // Keywords share some names with named nodes (`lambda`, TypeScript's `number` type): keep the
    // named ones. Asking costs a call into WebAssembly, so only those names are asked about.
    if (ambiguous.has(type) && !node.isNamed) continue;
    if (type === 'comment') {
      comments.push(node);
      continue;
    }
    model.declare(node);
    const event = eventOf(node, model.dialect);
    if (event && subscribed.has(event)) events.push([node, event]);
  }
  return { events, comments };
}

const twinsByLanguage = new WeakMap<Language, Set<string>>();

/** The node type names of a grammar that name both a named node and an anonymous token. */
function keywordTwins(language: Language): Set<string> {
  let twins = twinsByLanguage.get(language);
  if (!twins) {
    const named = new Set<string>();
    const anonymous = new Set<string>();
    for (let id = 0; id < language.nodeTypeCount; id++) {
      const name = language.nodeTypeForId(id);
      if (name) (language.nodeTypeIsNamed(id) ? named : anonymous).add(name);
    }
    twins = new Set([...named].filter((name) => anonymous.has(name)));
    twinsByLanguage.set(language, twins);
  }
  return twins;
}

type EventHandler = (node: Node, context: RuleContext) => void;

/** One rule failing on one file must not stop the others; the caller logs the failure. */
function fail(entry: ActiveRule, error: unknown, failures: RuleFailure[]): void {
  entry.failed = true;
  failures.push({ code: entry.rule.meta.code, error });
}

function toFinding(
  model: Model,
  rule: Rule,
  severity: Severity,
  report: Report,
  buildNow: boolean,
  failures: RuleFailure[],
): Finding {
  return {
    code: rule.meta.code,
    name: rule.meta.name,
    family: rule.meta.family,
    severity,
    range: model.rangeOf(report.node),
    message: report.message,
    related: (report.related ?? []).map((related) => ({
      range: model.rangeOf(related.node),
      message: related.message,
    })),
    fixes: buildNow ? buildFixes(rule.meta.code, report, (failure) => failures.push(failure)) : [],
  };
}

function buildFixes(code: string, report: Report, fail: (failure: RuleFailure) => void): Fix[] {
  if (!report.fixes) return [];
  try {
    return report.fixes();
  } catch (error) {
    fail({ code, error });
    return [];
  }
}

/**
 * The lazy fixes of one analysis. They are built in the order an analysis with fixes builds them
 * (rule by rule, report by report), whichever finding is read first: a fix may claim a name for
 * the import it adds (`Model.reference`), and the fixes after it defer to that claim. So reading
 * a finding's fixes builds those of every finding before it as well, and the fixes come out the
 * same as the CLI's. Once built, a finding's fixes are a plain value, and once all are, nothing
 * holds the analysis.
 */
class LazyBuilds {
  private readonly pending: { finding: Finding; code: string; report: Report }[] = [];
  private built = 0;

  /** The analysis' own readings of the tree, which stay true while its fixes are readable. */
  constructor(
    private readonly lazy: LazyFixes,
    private readonly cache: NodeCache | null,
  ) {}

  add(finding: Finding, code: string, report: Report): void {
    if (!report.fixes) return;
    const index = this.pending.length;
    this.pending.push({ finding, code, report });
    Object.defineProperty(finding, 'fixes', {
      enumerable: true,
      configurable: true,
      get: (): Fix[] => {
        if (!this.lazy.readable()) return [];
        this.buildThrough(index);
        return finding.fixes;
      },
    });
  }

  private buildThrough(index: number): void {
    withNodeCache(() => {
      while (this.built <= index) {
        const { finding, code, report } = this.pending[this.built++];
        const fixes = buildFixes(code, report, (failure) => this.lazy.failed(failure));
        Object.defineProperty(finding, 'fixes', {
          value: fixes,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }, this.cache ?? undefined);
  }
}

function sortAndDeduplicate(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  const unique = findings.filter((finding) => {
    const { start, end } = finding.range;
    const key = `${finding.code}:${start.line}:${start.character}:${end.line}:${end.character}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort(
    (a, b) =>
      a.range.start.line - b.range.start.line ||
      a.range.start.character - b.range.start.character ||
      a.code.localeCompare(b.code),
  );
}
