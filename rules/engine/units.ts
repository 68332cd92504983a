// A file cut into the parts the editor can re-analyse alone. A unit is a top-level function or
// class definition; everything else at the top level (imports, assignments, loops, a main guard)
// is the file's context. The findings inside a unit depend on the unit's own text, on the
// context, on the units it names, and on the other units only through the names they bind: so
// after an edit inside one function, the file can be analysed as its context, that function, the
// units it names, and every other unit reduced to a stub (`def name(): ...`), with each byte at
// its old offset.

import type { Node, Tree } from 'web-tree-sitter';
import type { Dialect } from './types';

export interface Unit {
  /** The unit's top-level node's range, as offsets into the text. */
  start: number;
  end: number;
  startRow: number;
  endRow: number;
  /** The unit's whole text. */
  text: string;
  /** The body's range; a stub keeps none of it. */
  bodyStart: number;
  bodyEnd: number;
  /** The name the definition binds. */
  name: string | null;
  /** Where the definition itself starts (after decorators and `export`), and where its name ends. */
  definitionStart: number;
  nameEnd: number | null;
  kind: 'function' | 'class';
}

/** What a caller remembers of texts from one version of a file to the next. */
export interface TextMemo<T> {
  get(text: string): T | undefined;
  set(text: string, value: T): void;
}

/** Where a definition's text and its body are, as offsets into the text. */
export interface Span {
  start: number;
  end: number;
  bodyStart: number;
}

export interface Units {
  units: Unit[];
  /** The definitions that are part of the context because they hold a syntax error. */
  broken: Span[];
  /**
   * What every unit's findings may depend on besides the units themselves: the context's
   * statements and comments, and every unit's header (its body replaced by `...`), in order. A
   * unit's findings computed under one key hold in any other file with the same key, the same
   * unit at the same place in the order, and the same units it depends on.
   */
  contextKey: string;
  /** The statements and comments of the context, which may name units (a call at the top level). */
  contextText: string;
  /**
   * The names the context binds, imports aside: top-level variables (`scores = ...`) and the
   * definitions that are part of the context. A unit that spells one may take part in a finding
   * of the context (a `-inf` fill at the top level that a function's softmax reads).
   */
  contextNames: string[];
}

/** Top-level definitions whose body can be stubbed, and where their body is. */
const DEFINITION_TYPES: Record<Dialect, ReadonlySet<string>> = {
  python: new Set(['function_definition', 'class_definition']),
  ts: new Set([
    'function_declaration',
    'generator_function_declaration',
    'class_declaration',
    'abstract_class_declaration',
  ]),
};

/** `nanguard: noqa` speaks for the whole file, even inside a function: that one is context. */
const FILE_SUPPRESSION = /nanguard:\s*noqa/i;

/** What a header in the context key has for a body. */
const STUB_BODY: Record<Dialect, string> = { python: '...', ts: '{}' };

/**
 * Files with errors that reach the top level, with no unit, or with a lone carriage return (a
 * line break to the editor, not to tree-sitter's rows), give null: analyse them whole. A
 * definition that matches one of `fileWide` (see `RuleMeta.fileWide`) is part of the context.
 * `boundNames` may remember the names each context statement binds, by its text.
 */
export function splitUnits(
  tree: Tree,
  text: string,
  dialect: Dialect,
  fileWide: readonly RegExp[] = [],
  boundNames?: TextMemo<readonly string[]>,
): Units | null {
  if (/\r(?!\n)/.test(text)) return null;
  const root = tree.rootNode;
  const children = root.children;
  const units: Unit[] = [];
  const key: string[] = [];
  const context: string[] = [];
  const contextNames: string[] = [];
  const broken: Span[] = [];
  let previousEndRow = -1;
  for (let index = 0; index < children.length; index++) {
    const child = children[index];
    if (!child) continue;
    // An error at the top level can swallow what follows: its extent is not the unit's to decide.
    if (child.type === 'ERROR' || child.isMissing) return null;
    const body = definitionBody(child, dialect);
    const next = children[index + 1];
    const startPosition = child.startPosition;
    const startRow = startPosition.row;
    const endRow = child.endPosition.row;
    // A unit owns its lines, so that its findings move with it by whole lines.
    const ownsLines =
      startPosition.column === 0 &&
      startRow > previousEndRow &&
      (!next || next.startPosition.row > endRow);
    previousEndRow = endRow;
    // Sliced from the text: each read of a node's text is a call into the parser.
    const start = child.startIndex;
    const end = child.endIndex;
    const source = text.slice(start, end);
    const hasError = child.hasError;
    // A definition with a syntax error is context too: how the parser recovers from the error
    // depends on the text around it, which a stub would change, and what it recovers may be an
    // import that the whole file's model reads.
    const inContext =
      !body ||
      !ownsLines ||
      hasError ||
      importsWithin(source, dialect) ||
      FILE_SUPPRESSION.test(source) ||
      fileWide.some((words) => words.test(source));
    if (inContext) {
      if (body && ownsLines && hasError)
        broken.push({ start, end, bodyStart: body.body.startIndex });
      key.push(source);
      context.push(source);
      let bound = boundNames?.get(source);
      if (bound === undefined) {
        bound = boundAtTopLevel(child, dialect);
        boundNames?.set(source, bound);
      }
      contextNames.push(...bound);
      continue;
    }
    const name = body.definition.childForFieldName('name');
    const unit: Unit = {
      start,
      end,
      startRow,
      endRow,
      text: source,
      bodyStart: body.body.startIndex,
      bodyEnd: body.body.endIndex,
      name: name?.text ?? null,
      definitionStart: body.definition.startIndex,
      nameEnd: name?.endIndex ?? null,
      kind: body.definition.type.includes('class') ? 'class' : 'function',
    };
    units.push(unit);
    // Marked as a unit: a definition whose body is `...` reads the same as its stub, and turning
    // it into context (a fileWide word typed elsewhere) must change the key.
    key.push(`\u0002${stubOf(unit, dialect)}`);
  }
  if (units.length === 0) return null;
  return {
    units,
    broken,
    contextKey: key.join('\n\u0000'),
    contextText: context.join('\n'),
    contextNames,
  };
}

/** Nodes that bind the names in one of their fields, by dialect. */
const BINDING_TARGETS: Record<Dialect, Record<string, string>> = {
  python: {
    assignment: 'left',
    augmented_assignment: 'left',
    named_expression: 'name',
    for_statement: 'left',
  },
  ts: {
    variable_declarator: 'name',
    assignment_expression: 'left',
    augmented_assignment_expression: 'left',
  },
};
/** Definitions whose `name` a top-level statement binds; their bodies bind nothing at the top. */
const NAMED_DEFINITIONS = new Set([
  'function_definition',
  'class_definition',
  'function_declaration',
  'generator_function_declaration',
  'class_declaration',
  'abstract_class_declaration',
]);
/** Other nodes whose insides are a scope of their own. */
const INNER_SCOPES: Record<Dialect, readonly string[]> = {
  python: ['lambda'],
  ts: ['arrow_function', 'function_expression', 'function', 'generator_function', 'class'],
};
/** What a binding target may hold that binds no plain name (`obj.attr = ...`, `xs[0] = ...`). */
const NOT_BINDING = new Set([
  'attribute',
  'subscript',
  'member_expression',
  'subscript_expression',
]);

/**
 * The plain names a top-level statement binds, wherever in it: assignment targets (chained ones
 * too), `:=`, loop targets, declarations, and definition names; not what a definition or a
 * lambda binds inside itself.
 */
function boundAtTopLevel(statement: Node, dialect: Dialect): string[] {
  const names: string[] = [];
  const targets = BINDING_TARGETS[dialect];
  const collect = (target: Node) => {
    if (NOT_BINDING.has(target.type)) return;
    if (/identifier/.test(target.type)) names.push(target.text);
    for (const child of target.namedChildren) if (child) collect(child);
  };
  const types = [...Object.keys(targets), ...NAMED_DEFINITIONS, ...INNER_SCOPES[dialect]];
  // One call into the parser for the whole statement, in document order: what lies inside a
  // definition or a lambda starts before the end of that node, and is passed over.
  let skipUntil = -1;
  for (const node of [statement, ...statement.descendantsOfType(types)]) {
    if (!node || node.startIndex < skipUntil) continue;
    const type = node.type;
    if (NAMED_DEFINITIONS.has(type) || INNER_SCOPES[dialect].includes(type)) {
      const name = NAMED_DEFINITIONS.has(type) ? node.childForFieldName('name') : null;
      if (name) names.push(name.text);
      skipUntil = node.endIndex;
      continue;
    }
    const field = targets[type];
    const target = field ? node.childForFieldName(field) : null;
    if (target) collect(target);
  }
  return names;
}

/**
 * Which units each unit depends on, and which the context depends on: those that provide a name
 * its text spells; and `readers`, the units that spell a name the context binds. A unit
 * provides the name it defines (a rule may read the body of a helper a training step calls), the
 * names it declares `global`, and the attributes it assigns (`self.criterion = nn.BCELoss()`
 * gives the loss that `self.criterion(...)` calls elsewhere). A unit is analysed with those it
 * depends on kept whole, and those they depend on in turn. `read` gives the words of a text and
 * the names a unit provides, and may remember them: units keep their text from one edit to the
 * next.
 */
export function dependencies(
  split: Units,
  read: TextReader = { words: wordsIn, provided: providedNames },
): { units: number[][]; context: number[]; readers: number[] } {
  const providers = new Map<string, number[]>();
  split.units.forEach((unit, index) => {
    for (const name of read.provided(unit)) {
      const list = providers.get(name) ?? [];
      if (list[list.length - 1] !== index) list.push(index);
      providers.set(name, list);
    }
  });
  const named = (text: string, self: number): number[] => {
    const found = new Set<number>();
    for (const word of read.words(text)) {
      for (const index of providers.get(word) ?? []) if (index !== self) found.add(index);
    }
    return [...found];
  };
  const contextNames = new Set(split.contextNames);
  const readers = split.units.flatMap((unit, index) => {
    for (const word of read.words(unit.text)) if (contextNames.has(word)) return [index];
    return [];
  });
  return {
    units: split.units.map((unit, index) => named(unit.text, index)),
    context: named(split.contextText, -1),
    readers,
  };
}

const IDENTIFIER = '[\\p{L}\\p{Nl}_$][\\p{L}\\p{Nl}\\p{Mn}\\p{Mc}\\p{Nd}\\p{Pc}$]*';
const GLOBAL_NAMES = /\bglobal\s+([^\n\r;#]+)/gu;
/** `.name =` and `.name: T =`, not `==`; for Python `self.` and TypeScript `this.` alike. */
const ASSIGNED_ATTRIBUTE = new RegExp(`\\.\\s*(${IDENTIFIER})\\s*(?::[^=\\n\\r]*)?=(?!=)`, 'gu');

/** What `dependencies` reads of a unit's text: both depend on the text alone. */
export interface TextReader {
  words(text: string): ReadonlySet<string>;
  provided(unit: Unit): readonly string[];
}

/** The names a unit provides to the others (see `dependencies`). */
export function providedNames(unit: Unit): string[] {
  const names = unit.name ? [unit.name] : [];
  for (const match of unit.text.matchAll(GLOBAL_NAMES)) names.push(...wordsIn(match[1]));
  for (const match of unit.text.matchAll(ASSIGNED_ATTRIBUTE)) names.push(match[1]);
  return names;
}

/** The identifiers a text spells, keywords included; Python allows any letters (`ソフトマックス`). */
export function wordsIn(text: string): Set<string> {
  return new Set(text.match(new RegExp(IDENTIFIER, 'gu')) ?? []);
}

/** `start` and every unit reached from it through `edges`. */
export function reachable(start: Iterable<number>, edges: readonly number[][]): Set<number> {
  const seen = new Set<number>();
  const stack = [...start];
  while (stack.length > 0) {
    const index = stack.pop()!;
    if (seen.has(index)) continue;
    seen.add(index);
    stack.push(...edges[index]);
  }
  return seen;
}

/**
 * Whether a definition imports inside its body. The model reads imports wherever they are (an
 * `import torch` in one function says which library a file's tensors are), so such a unit is
 * part of the context. A match inside a string costs speed only.
 */
function importsWithin(text: string, dialect: Dialect): boolean {
  return dialect === 'python'
    ? /(?:^|[:;])[ \t]*(?:import|from)[ \t]/m.test(text)
    : /\brequire\s*\(|\bimport\s*\(/.test(text);
}

/** A top-level definition (through decorators and `export`) and its body, or null. */
function definitionBody(node: Node, dialect: Dialect): { definition: Node; body: Node } | null {
  let definition: Node | null = node;
  if (dialect === 'python' && node.type === 'decorated_definition') {
    definition = node.childForFieldName('definition');
  } else if (dialect === 'ts' && node.type === 'export_statement') {
    definition = node.childForFieldName('declaration');
  }
  if (!definition || !DEFINITION_TYPES[dialect].has(definition.type)) return null;
  const body = definition.childForFieldName('body');
  if (!body || body.startIndex >= body.endIndex) return null;
  return { definition, body };
}

/** A unit's text with its body replaced by the stub body, for the context key. */
function stubOf(unit: Unit, dialect: Dialect): string {
  const head = unit.text.slice(0, unit.bodyStart - unit.start);
  const tail = unit.text.slice(unit.bodyEnd - unit.start);
  return `${head}${STUB_BODY[dialect]}${tail}`;
}

/**
 * The text with the units not in `keep` stubbed, each byte at its offset and every line break
 * kept. A stub keeps the definition's keyword and name, with the least punctuation that parses
 * (`def name():`, `class Name:`, `function name()`), and a body of `...` or `{}`; decorators,
 * parameters, bases and the rest of the body become spaces. Only the name binds anything the
 * rest of the file can see.
 */
export function reducedText(
  text: string,
  units: readonly Unit[],
  keep: (index: number) => boolean,
  dialect: Dialect,
  stubs?: Map<string, string>,
): string {
  const parts: string[] = [];
  let at = 0;
  for (let index = 0; index < units.length; index++) {
    if (keep(index)) continue;
    const unit = units[index];
    parts.push(text.slice(at, unit.start));
    // A stub depends on the unit's text alone, so a caller may keep them across versions.
    let stub = stubs?.get(unit.text);
    if (stub === undefined) {
      stub = stubFor(text, unit, dialect);
      stubs?.set(unit.text, stub);
    }
    parts.push(stub);
    at = unit.bodyEnd;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/** What replaces a unit's text from its start to the end of its body. */
function stubFor(text: string, unit: Unit, dialect: Dialect): string {
  const parts: string[] = [];
  if (unit.nameEnd === null) {
    parts.push(text.slice(unit.start, unit.bodyStart));
  } else {
    parts.push(blank(text.slice(unit.start, unit.definitionStart)));
    parts.push(text.slice(unit.definitionStart, unit.nameEnd));
    const punctuation = STUB_HEADER[dialect][unit.kind];
    parts.push(spelled(text.slice(unit.nameEnd, unit.bodyStart), punctuation));
  }
  parts.push(blankBody(text.slice(unit.bodyStart, unit.bodyEnd), dialect));
  return parts.join('');
}

/** What a stub writes between the name and the body. */
const STUB_HEADER: Record<Dialect, Record<Unit['kind'], string>> = {
  python: { function: '():', class: ':' },
  ts: { function: '()', class: '' },
};

function blank(text: string): string {
  return text.replace(/[^\r\n]+/g, (line) => ' '.repeat(line.length));
}

/**
 * `text` with its first characters that are not line breaks replaced by `punctuation`, and
 * the rest by spaces. The original always has room: it holds at least that punctuation.
 */
function spelled(text: string, punctuation: string): string {
  let written = 0;
  let result = '';
  // By UTF-16 unit, as offsets count: a character outside the BMP is two spaces.
  for (let at = 0; at < text.length; at++) {
    const character = text[at];
    if (character === '\n' || character === '\r') result += character;
    else result += written < punctuation.length ? punctuation[written++] : ' ';
  }
  return result;
}

function blankBody(body: string, dialect: Dialect): string {
  const blanked = blank(body);
  if (dialect === 'python') {
    // `...` on the body's first line, or `0` when that line is shorter (`def f(): x`).
    const firstLine = body.search(/[\r\n]/);
    const room = firstLine < 0 ? body.length : firstLine;
    return room >= 3 ? `...${blanked.slice(3)}` : `0${blanked.slice(1)}`;
  }
  // A TypeScript body keeps its braces: `{` and `}` are its first and last characters.
  return `{${blanked.slice(1, -1)}}`;
}
