// A file cut into the parts the editor can re-analyse alone. A unit is a top-level function or
// class definition; everything else at the top level (imports, assignments, loops, a main guard)
// is the file's context. The findings inside a unit depend on the unit's own text and on the
// context, and on the other units only through their headers (the names they bind): so after an
// edit inside one function, the file can be analysed as its context, that function, and every
// other unit reduced to a stub (`def name(args): ...`), with each byte at its old offset.

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
  /** The body's range, which a stub replaces; the header and decorators stay. */
  bodyStart: number;
  bodyEnd: number;
  /** The name the definition binds. */
  name: string | null;
  /** Where the definition itself starts (after decorators and `export`), and where its name ends. */
  definitionStart: number;
  nameEnd: number | null;
  kind: 'function' | 'class';
}

export interface Units {
  units: Unit[];
  /**
   * The text that every unit's findings may depend on besides the unit itself: the context's
   * statements and comments, the stubs of all units, in order, and every file-wide suppression.
   * Findings computed under one key hold under any other file with the same key.
   */
  contextKey: string;
  /** The statements and comments of the context, which may name units (a call at the top level). */
  contextText: string;
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

/** What a stubbed body holds: the shortest body that parses. */
const STUB_BODY: Record<Dialect, string> = { python: '...', ts: '{}' };

/** Files with errors that reach the top level, or with no unit, give null: analyse them whole. */
export function splitUnits(tree: Tree, text: string, dialect: Dialect): Units | null {
  const root = tree.rootNode;
  const children = root.children;
  const units: Unit[] = [];
  const key: string[] = [];
  const context: string[] = [];
  let previousEndRow = -1;
  for (let index = 0; index < children.length; index++) {
    const child = children[index];
    if (!child) continue;
    // An error at the top level can swallow what follows: its extent is not the unit's to decide.
    if (child.type === 'ERROR' || child.isMissing) return null;
    const body = definitionBody(child, dialect);
    const next = children[index + 1];
    const startRow = child.startPosition.row;
    const endRow = child.endPosition.row;
    // A unit owns its lines, so that its findings move with it by whole lines.
    const ownsLines =
      child.startPosition.column === 0 &&
      startRow > previousEndRow &&
      (!next || next.startPosition.row > endRow);
    previousEndRow = endRow;
    if (!body || !ownsLines || importsWithin(child.text, dialect)) {
      key.push(child.text);
      context.push(child.text);
      continue;
    }
    const name = body.definition.childForFieldName('name');
    const unit: Unit = {
      start: child.startIndex,
      end: child.endIndex,
      startRow,
      endRow,
      text: child.text,
      bodyStart: body.body.startIndex,
      bodyEnd: body.body.endIndex,
      name: name?.text ?? null,
      definitionStart: body.definition.startIndex,
      nameEnd: name?.endIndex ?? null,
      kind: body.definition.type.includes('class') ? 'class' : 'function',
    };
    units.push(unit);
    key.push(stubOf(unit, dialect));
  }
  if (units.length === 0) return null;
  // `nanguard: noqa` anywhere, even inside a function, speaks for the whole file.
  for (const match of text.matchAll(/nanguard:\s*noqa[^\n\r]*/gi)) key.push(match[0]);
  return { units, contextKey: key.join('\n\u0000'), contextText: context.join('\n') };
}

/**
 * Which units each unit names, and which the context names. A rule may read the body of a
 * function that a call names (a training step that clips in a helper), so a unit is analysed
 * with the units it names kept whole, and those they name in turn. `wordsOf` gives the words of
 * a text, and may remember them: units keep their text from one edit to the next.
 */
export function dependencies(
  split: Units,
  wordsOf: (text: string) => ReadonlySet<string>,
): { units: number[][]; context: number[] } {
  const byName = new Map<string, number[]>();
  split.units.forEach((unit, index) => {
    if (unit.name) byName.set(unit.name, [...(byName.get(unit.name) ?? []), index]);
  });
  const named = (text: string, self: number): number[] => {
    const found: number[] = [];
    for (const word of wordsOf(text)) {
      for (const index of byName.get(word) ?? []) if (index !== self) found.push(index);
    }
    return found;
  };
  return {
    units: split.units.map((unit, index) => named(unit.text, index)),
    context: named(split.contextText, -1),
  };
}

/** The identifiers a text spells, keywords included. */
export function wordsIn(text: string): Set<string> {
  return new Set(text.match(/[A-Za-z_$][\w$]*/g) ?? []);
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
