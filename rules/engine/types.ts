// Shared vocabulary of the engine: languages, positions, findings, fixes and the rule contract.
// Nothing here depends on VS Code or on the language server protocol; the server and the CLI
// translate these shapes into their own.

import type { Node } from 'web-tree-sitter';
import type { Model } from './model';

export type LanguageId = 'python' | 'typescript' | 'tsx' | 'javascript';

/** The language family a rule is written for: Python, or TypeScript and JavaScript together. */
export type Dialect = 'python' | 'ts';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export type Family =
  | 'exp-overflow'
  | 'log-domain'
  | 'precision'
  | 'underflow'
  | 'division-roots'
  | 'half-precision'
  | 'comparisons'
  | 'training-loop'
  | 'training-hints';

/** A zero-based position; `character` counts UTF-16 code units, as the LSP does by default. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface Fix {
  /** Short imperative title, such as "Use torch.log_softmax". The code is appended by callers. */
  title: string;
  /** Safe fixes keep the result on finite inputs; unsafe ones change values (a floor, a clip). */
  safe: boolean;
  edits: TextEdit[];
}

export interface RelatedLocation {
  range: Range;
  message: string;
}

export interface Finding {
  code: string;
  name: string;
  family: Family;
  severity: Severity;
  range: Range;
  message: string;
  related: RelatedLocation[];
  /** Fixes in order of preference; the first is the one offered as preferred. */
  fixes: Fix[];
}

export type FixSafety = 'safe' | 'unsafe' | 'none';

export interface RuleMeta {
  /** `NG` and three digits; the hundreds digit names the family. Never reused. */
  code: string;
  /** Kebab-case name that reads as a setting, such as `naive-softmax`. */
  name: string;
  family: Family;
  severity: Severity;
  dialects: Dialect[];
  /** The safety of the rule's preferred fix, or `none` when it offers no fix. */
  fixSafety: FixSafety;
  /**
   * Matches the text of every file the rule can report on: words without which the pattern
   * cannot be written, such as `exp` for a softmax by hand (an aliased import still names the
   * original). A file it does not match is not analysed for this rule, and a file no enabled
   * rule matches is not parsed. No `g` or `y` flag: the test must not keep state.
   */
  triggers: RegExp;
  /**
   * For a rule whose findings in one function depend on code anywhere in the file (a GradScaler
   * created in some helper, a mixed-precision policy set in `main`): words that such code cannot
   * be written without. In the editor, a top-level definition that matches is re-read whenever
   * any part of the file is, as long as the rule can run on the file (see `IncrementalAnalyzer`).
   * Without it, a rule may look outside the function it reports in only at the definitions that
   * function names.
   */
  fileWide?: RegExp;
  /** One sentence: what the rule flags. */
  summary: string;
  /** A short paragraph for hovers: why it fails, with the numbers, and the stable form. */
  explanation: string;
}

/** What a rule hands to `report`: where, what to say, and how to repair it. */
export interface Report {
  node: Node;
  message: string;
  related?: { node: Node; message: string }[];
  /** Fixes are built lazily: the CLI without `--fix` and plain diagnostics never need them. */
  fixes?: () => Fix[];
}

export interface RuleContext {
  readonly model: Model;
  report(report: Report): void;
}

/**
 * The syntax events the engine dispatches. Each is a node of a kind that both languages share in
 * meaning; the model's helpers read them without caring which grammar produced them.
 */
export type NodeEvent =
  | 'call'
  | 'binary'
  | 'comparison'
  | 'augmentedAssignment'
  | 'assignment'
  | 'expressionStatement'
  | 'number'
  | 'identifier'
  | 'memberAccess'
  | 'with'
  | 'loop'
  | 'function';

export type Visitor = Partial<Record<NodeEvent, (node: Node, context: RuleContext) => void>> & {
  /** Runs once after every node has been visited, for rules that look at a whole scope. */
  end?: (context: RuleContext) => void;
};

export interface Rule {
  meta: RuleMeta;
  create(context: RuleContext): Visitor;
}
